// The committed data of a KV file store is checksummed: bytes damaged in the middle
// of a committed block are found on resume and the store is refused naming the file,
// the position, the layer and the chunk; an undamaged store resumes to the outputs of
// a run that was never interrupted; a store of the older format is refused.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>

#include "runtime_fixture.hpp"

namespace ringrt::test {
namespace {

const std::string kRun = RINGRT_RUN_BIN;

bool has(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

// Byte offsets in a store of small_options(24, 32, 4, 2) at chunk 16, as
// runtime/kv/kv_store_file.hpp lays it out: a 4 KiB header, then per chunk of C
// positions (per slot of a sliding-window ring) a block: per layer, K then V, per
// head, C x D floats (K [C][D], V [D][C]), then per layer C uint64 checksums.
struct Layout {
  uint64_t C = 16, layers = 2, heads = 4, D = 8;
  uint64_t data() const { return C * layers * 2 * heads * D * sizeof(float); }
  uint64_t block(uint64_t slot) const { return 4096 + slot / C * (data() + layers * C * sizeof(uint64_t)); }
  uint64_t region(uint64_t slot, uint64_t layer, uint64_t kind, uint64_t head) const {
    return block(slot) + ((layer * 2 + kind) * heads + head) * C * D * sizeof(float);
  }
  uint64_t key(uint64_t slot, uint64_t layer, uint64_t head, uint64_t d) const {
    return region(slot, layer, 0, head) + (slot % C * D + d) * sizeof(float);
  }
  uint64_t value(uint64_t slot, uint64_t layer, uint64_t head, uint64_t d) const {
    return region(slot, layer, 1, head) + (d * C + slot % C) * sizeof(float);
  }
  uint64_t checksum(uint64_t slot, uint64_t layer) const {
    return block(slot) + data() + (layer * C + slot % C) * sizeof(uint64_t);
  }
};

// `bytes` with 4 bytes at `at` overwritten.
std::string damaged(std::string bytes, uint64_t at) {
  EXPECT_LT(at + 4, bytes.size());
  std::memcpy(&bytes[at], "\x12\x34\x56\x78", 4);
  return bytes;
}

uint64_t fnv1a(const char* p, std::size_t n) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (std::size_t i = 0; i < n; ++i) h = (h ^ static_cast<unsigned char>(p[i])) * 0x100000001b3ull;
  return h;
}

// `bytes` with the header's format version set to `version` and its checksum redone.
std::string with_version(std::string bytes, uint32_t version) {
  std::memcpy(&bytes[8], &version, sizeof version);
  const uint64_t sum = fnv1a(bytes.data(), 64);
  std::memcpy(&bytes[64], &sum, sizeof sum);
  return bytes;
}

struct KvIntegrity : ::testing::Test {
  void SetUp() override {
    m = make_model(dir, "m", small_options(24, 32, 4, 2), 31);
    x = synthetic_input(T, 24, 4);
    o = session_options(16, 2, T);
  }
  // A store holding the first `tokens` of x, as a session leaves it; returns its bytes.
  std::string written(uint64_t tokens) {
    const std::string spec = "file:" + dir.file("written");
    SessionOptions w = o;
    w.kv_store = spec.c_str();
    std::unique_ptr<Session> s;
    EXPECT_TRUE(Session::create(*m.model, w, &s).ok());
    EXPECT_TRUE(s->append(x.data(), tokens, 24).ok());
    s.reset();
    return read_file(dir.file("written"));
  }
  // Resumes the store at dir/name holding `bytes`.
  Status resume(const std::string& name, const std::string& bytes, std::unique_ptr<Session>* s = nullptr) {
    write_file(dir.file(name), bytes);
    const std::string spec = "file:" + dir.file(name);
    SessionOptions r = o;
    r.kv_store = spec.c_str();
    r.resume = true;
    std::unique_ptr<Session> local;
    return Session::create(*m.model, r, s ? s : &local);
  }
  void expect_damage(const Status& st, const std::string& name, uint64_t position, uint32_t layer, uint64_t chunk) {
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << st.message();
    const std::string text = st.message();
    EXPECT_TRUE(has(text, "KV store " + dir.file(name) + ": committed data is damaged")) << text;
    EXPECT_TRUE(has(text, "position " + std::to_string(position) + " of layer " + std::to_string(layer))) << text;
    EXPECT_TRUE(has(text, "(chunk " + std::to_string(chunk) + ",")) << text;
    EXPECT_TRUE(has(text, "recompute the stream")) << text;
  }
  const std::size_t T = 200;
  TempDir dir;
  TestModel m;
  std::vector<float> x;
  SessionOptions o;
  const Layout at{};
};

TEST_F(KvIntegrity, DamagedCommittedDataIsRefusedAndAnUndamagedStoreResumes) {
  const std::string bytes = written(150);
  // Undamaged: resumes after 150 tokens to the output of a run never interrupted.
  std::unique_ptr<Session> s;
  Status st = resume("clean", bytes, &s);
  ASSERT_TRUE(st.ok()) << st.message();
  ASSERT_EQ(s->length(), 150u);
  ASSERT_TRUE(s->append(x.data() + 150 * 24, T - 150, 24).ok());
  const std::vector<float> whole = run_sequence(*m.model, o, x, T);
  for (std::size_t i = 0; i < 32; ++i) EXPECT_NEAR(s->output()[i], whole[i], 1e-5) << i;
  s.reset();
  // A key of position 83 (chunk 5), a value of position 41 (chunk 2), a checksum of
  // position 127 (chunk 7): each in the middle of a committed block.
  expect_damage(resume("k", damaged(bytes, at.key(83, 1, 2, 4))), "k", 83, 1, 5);
  expect_damage(resume("v", damaged(bytes, at.value(41, 0, 1, 5))), "v", 41, 0, 2);
  expect_damage(resume("sum", damaged(bytes, at.checksum(127, 1))), "sum", 127, 1, 7);
  // Position 155 is past the committed length: not vouched for, and rewritten by the stream.
  st = resume("past", damaged(bytes, at.key(155, 0, 0, 0)), &s);
  ASSERT_TRUE(st.ok()) << st.message();
  ASSERT_TRUE(s->append(x.data() + 150 * 24, T - 150, 24).ok());
  for (std::size_t i = 0; i < 32; ++i) EXPECT_NEAR(s->output()[i], whole[i], 1e-5) << i;
}

TEST_F(KvIntegrity, AStoreOfAnotherFormatVersionIsRefused) {
  const std::string bytes = written(40);
  ASSERT_TRUE(resume("v2", with_version(bytes, 2)).ok());
  Status st = resume("v1", with_version(bytes, 1));
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(has(st.message(), "KV store " + dir.file("v1") + " was written by an older ringrt")) << st.message();
  EXPECT_TRUE(has(st.message(), "recompute the stream")) << st.message();
  // Without --resume too: it is never read as this format.
  const std::string spec = "file:" + dir.file("v1");
  SessionOptions fresh = o;
  fresh.kv_store = spec.c_str();
  std::unique_ptr<Session> s;
  st = Session::create(*m.model, fresh, &s);
  EXPECT_TRUE(has(st.message(), "was written by an older ringrt")) << st.message();
  // Format 3 is this ringrt's f16/int8 store (its checksum follows the dtype field), 4 a later one.
  st = resume("v4", with_version(bytes, 4));
  EXPECT_TRUE(has(st.message(), "was written by a newer ringrt (store format 4; this ringrt reads formats 2 and 3)"))
      << st.message();
  st = resume("v3", with_version(bytes, 3));
  EXPECT_TRUE(has(st.message(), "damaged header")) << st.message();
}

// A sliding-window ring (window 16, 64 slots): resume checks the chunks that hold the
// last window - 1 positions, every slot a later query reads.
TEST_F(KvIntegrity, ASlidingWindowRingChecksTheChunksStillRead) {
  const TestModel w = make_model(dir, "w", ring_encoder_options(24, 32, 4, 2, true, 0, 16), 12);
  const std::vector<float> xw = synthetic_input(T + 40, 24, 9);
  const std::string spec = "file:" + dir.file("ring");
  SessionOptions ring = session_options(16, 2, 1 << 20);
  ring.kv_store = spec.c_str();
  {
    std::unique_ptr<Session> s;
    ASSERT_TRUE(Session::create(*w.model, ring, &s).ok());
    ASSERT_EQ(s->plan().kv_positions, 64u);
    ASSERT_TRUE(s->append(xw.data(), T, 24).ok());
  }
  const std::string bytes = read_file(dir.file("ring"));
  ring.resume = true;
  std::unique_ptr<Session> s;
  const auto resume_ring = [&](const std::string& image) {
    write_file(dir.file("ring"), image);
    return Session::create(*w.model, ring, &s);
  };
  // Position 195 (slot 3) is a key the next query sees; 178 (slot 50) is not, but
  // its chunk is read.
  for (const uint64_t position : {195u, 178u}) {
    const Status st = resume_ring(damaged(bytes, at.key(position % 64, 1, 3, 7)));
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << position;
    EXPECT_TRUE(has(st.message(), "position " + std::to_string(position) + " of layer 1")) << st.message();
  }
  // Position 150 (slot 22) is out of every later query's reach: not read, not checked.
  const Status st = resume_ring(damaged(bytes, at.key(150 % 64, 1, 3, 7)));
  ASSERT_TRUE(st.ok()) << st.message();
  ASSERT_EQ(s->length(), T);
  ASSERT_TRUE(s->append(xw.data() + T * 24, 40, 24).ok());
  const std::vector<float> whole = run_sequence(*w.model, session_options(16, 2, 1 << 20), xw, T + 40);
  for (std::size_t i = 0; i < 32; ++i) EXPECT_NEAR(s->output()[i], whole[i], 1e-5) << i;
}

// ringrt-run on a store it wrote: --resume refuses it once a committed block is damaged.
TEST_F(KvIntegrity, RingrtRunRefusesToResumeADamagedStore) {
  const uint64_t N = 300;
  const std::vector<float> lx = synthetic_input(N, 24, 6);
  write_npy_f32(dir.file("x.npy"), {N, 24}, lx);
  const std::string store = dir.file("kv");
  const auto run = [&](const std::string& kv, const std::string& out, bool resumed) {
    std::vector<std::string> args = {kRun, m.path, "--input", dir.file("x.npy"), "--output", out, "--chunk", "16",
                                     "--threads", "2"};
    if (!kv.empty()) args.insert(args.end(), {"--kv-store", "file:" + kv});
    if (resumed) args.push_back("--resume");
    return run_command(args);
  };
  CommandResult r = run(store, dir.file("y.npy"), false);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(kv_committed(store), N);
  const std::string bytes = read_file(store);
  write_file(dir.file("clean"), bytes);
  write_file(dir.file("bad"), damaged(bytes, at.key(152, 1, 0, 3)));
  r = run(dir.file("bad"), dir.file("bad.npy"), true);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_TRUE(has(r.err, "KV store " + dir.file("bad") + ": committed data is damaged: position 152 of layer 1"))
      << r.err;
  EXPECT_TRUE(has(r.err, "(chunk 9,")) << r.err;
  r = run(dir.file("clean"), dir.file("resumed.npy"), true);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(has(r.err, "resuming the stream after " + std::to_string(N - 1))) << r.err;
  r = run("", dir.file("whole.npy"), false);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  expect_npy_near(dir.file("whole.npy"), dir.file("resumed.npy"), 1e-5);
}

}  // namespace
}  // namespace ringrt::test
