// ringrt-run as a user runs it: shapes, errors, the memory plan, and a stream
// killed with SIGKILL or stopped by a full disk, then resumed.
#include <gtest/gtest.h>

#include <cstdlib>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#include <thread>

#include "npy.hpp"
#include "runtime_fixture.hpp"

namespace ringrt::test {
namespace {

const std::string kRun = RINGRT_RUN_BIN;

bool has(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

std::vector<float> read_npy(const std::string& path, std::vector<std::size_t>* shape = nullptr) {
  npy::Array a;
  const Status s = npy::read_f32(path.c_str(), &a);
  EXPECT_TRUE(s.ok()) << s.message();
  if (shape) *shape = a.shape;
  return a.data;
}

struct CliRun : ::testing::Test {
  void SetUp() override {
    m = make_model(dir, "m", small_options(24, 32, 4, 2), 41);
    x = synthetic_input(T, 24, 6);
    write_npy_f32(dir.file("x.npy"), {T, 24}, x);
  }
  CommandResult run(std::vector<std::string> args) {
    args.insert(args.begin(), {kRun, m.path});
    return run_command(args);
  }
  const uint64_t T = 300;
  TempDir dir;
  TestModel m;
  std::vector<float> x;
};

TEST_F(CliRun, HelpAndUsageErrors) {
  EXPECT_EQ(run_command({kRun, "--help"}).exit_code, 0);
  EXPECT_TRUE(has(run_command({kRun, "--help"}).out, "--kv-store"));
  const CommandResult r = run({"--input", dir.file("x.npy"), "--bogus"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(has(r.err, "unknown option '--bogus'")) << r.err;
  EXPECT_EQ(run({}).exit_code, 2);
  EXPECT_EQ(run({"--input", dir.file("x.npy"), "--threads", "0"}).exit_code, 2);
  EXPECT_EQ(run({"--input", dir.file("x.npy"), "--resume"}).exit_code, 2);
}

TEST_F(CliRun, LastTimestepAndAllTimestepsMatchTheReference) {
  const std::vector<double> ref = ringrt_ref::forward_all(m.options, m.weights, x.data(), T);
  CommandResult r = run({"--input", dir.file("x.npy"), "--output", dir.file("y.npy"), "--chunk", "32"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(has(r.out, "tokens/s")) << r.out;
  std::vector<std::size_t> shape;
  std::vector<float> y = read_npy(dir.file("y.npy"), &shape);
  EXPECT_EQ(shape, (std::vector<std::size_t>{32}));
  EXPECT_LE(ringrt_ref::max_abs_diff(y.data(), ref.data() + (T - 1) * 32, 32), 2e-4);

  r = run({"--input", dir.file("x.npy"), "--output", dir.file("all.npy"), "--all-timesteps", "--quiet"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  y = read_npy(dir.file("all.npy"), &shape);
  EXPECT_EQ(shape, (std::vector<std::size_t>{T, 32}));
  EXPECT_LE(ringrt_ref::max_abs_diff(y.data(), ref.data(), ref.size()), 2e-4);
}

// RINGRT_ATTENTION_KERNEL: every kernel this CPU runs gives the reference's output
// (and is named in the summary); a name it does not run is refused, naming those it does.
TEST_F(CliRun, EveryAttentionKernelMatchesTheReferenceAndAnUnknownOneIsRefused) {
  const std::vector<double> ref = ringrt_ref::forward_all(m.options, m.weights, x.data(), T);
  for (const char* name : {"avx512", "avx2", "sse2", "neon", "reference"}) {
    ASSERT_EQ(setenv("RINGRT_ATTENTION_KERNEL", name, 1), 0);
    const CommandResult plan = run({"--plan"});
    if (plan.exit_code != 0) {  // not a kernel of this CPU: the refusal names the ones it runs
      EXPECT_TRUE(has(plan.err, std::string("RINGRT_ATTENTION_KERNEL=") + name)) << plan.err;
      EXPECT_TRUE(has(plan.err, "reference")) << plan.err;
      continue;
    }
    EXPECT_TRUE(has(plan.out, std::string("attention kernel ") + name)) << plan.out;
    const CommandResult r = run({"--input", dir.file("x.npy"), "--output", dir.file("k.npy"), "--chunk", "16",
                                 "--all-timesteps"});
    ASSERT_EQ(r.exit_code, 0) << name << ": " << r.err;
    EXPECT_TRUE(has(r.out, std::string("attention kernel ") + name)) << r.out;
    const std::vector<float> y = read_npy(dir.file("k.npy"));
    ASSERT_EQ(y.size(), ref.size());
    EXPECT_LE(ringrt_ref::max_abs_diff(y.data(), ref.data(), ref.size()), 2e-4) << name;
  }
  ASSERT_EQ(setenv("RINGRT_ATTENTION_KERNEL", "avx9000", 1), 0);
  const CommandResult r = run({"--input", dir.file("x.npy")});
  unsetenv("RINGRT_ATTENTION_KERNEL");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(has(r.err, "RINGRT_ATTENTION_KERNEL=avx9000: not an attention kernel this CPU runs")) << r.err;
}

TEST_F(CliRun, BatchesAreIndependentSequences) {
  std::vector<float> batch = x;
  const std::vector<float> second = synthetic_input(T, 24, 7);
  batch.insert(batch.end(), second.begin(), second.end());
  write_npy_f32(dir.file("b.npy"), {2, T, 24}, batch);
  const CommandResult r = run({"--input", dir.file("b.npy"), "--output", dir.file("y.npy"), "--kv-store",
                               "file:" + dir.file("kv")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::size_t> shape;
  const std::vector<float> y = read_npy(dir.file("y.npy"), &shape);
  EXPECT_EQ(shape, (std::vector<std::size_t>{2, 32}));
  const std::vector<double> r0 = ringrt_ref::forward_last(m.options, m.weights, x.data(), T);
  const std::vector<double> r1 = ringrt_ref::forward_last(m.options, m.weights, second.data(), T);
  EXPECT_LE(ringrt_ref::max_abs_diff(y.data(), r0.data(), 32), 2e-4);
  EXPECT_LE(ringrt_ref::max_abs_diff(y.data() + 32, r1.data(), 32), 2e-4);
}

TEST_F(CliRun, BadInputsNameTheProblem) {
  write_npy_f32(dir.file("w.npy"), {10, 25}, std::vector<float>(250, 0.5f));
  CommandResult r = run({"--input", dir.file("w.npy")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(has(r.err, "25 features per token but the model expects embed_dim = 24")) << r.err;
  r = run({"--input", dir.file("x.npy"), "--max-context", "100", "--kv-store", "file:" + dir.file("kv")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(has(r.err, "300 tokens per sequence but --max-context is 100")) << r.err;
  EXPECT_FALSE(std::ifstream(dir.file("kv")).good()) << "no store may be created before the check";
  r = run({"--input", dir.file("missing.npy")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(has(r.err, "missing.npy")) << r.err;
  r = run_command({kRun, dir.file("x.npy"), "--input", dir.file("x.npy")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(has(r.err, "not a ringrt model")) << r.err;
}

TEST_F(CliRun, PlanPrintsEveryBufferWithoutRunning) {
  const std::string store = dir.file("kv");
  const CommandResult r = run({"--plan", "--threads", "4", "--chunk", "256", "--max-context", "1000000",
                               "--kv-store", "file:" + store});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* name : {"activations.qkv", "ring.scores", "xnnpack.dense_ops", "ring.slot_buffers", "arena total",
                           "KV at max context", "in the store file"}) {
    EXPECT_TRUE(has(r.out, name)) << name << "\n" << r.out;
  }
  EXPECT_FALSE(has(r.out, "kv.store ")) << "the file store's history is not in the arena";
  EXPECT_FALSE(std::ifstream(store).good());
}

TEST_F(CliRun, DiskFullStopsTheRunAndTheStreamResumes) {
  const std::string store = dir.file("kv");
  CommandResult whole = run({"--input", dir.file("x.npy"), "--output", dir.file("whole.npy"), "--chunk", "16"});
  ASSERT_EQ(whole.exit_code, 0) << whole.err;
  // A file size limit of 64 KiB: with 8.25 KiB per 16-position block here (KV and
  // checksums) the store fills at position 112, in the fourth 32-token round.
  const std::string cmd = "ulimit -f 64; exec '" + kRun + "' '" + m.path + "' --input '" + dir.file("x.npy") +
                          "' --output '" + dir.file("y.npy") + "' --chunk 16 --kv-store 'file:" + store + "'";
  const CommandResult full = run_command({"/bin/bash", "-c", cmd});
  EXPECT_EQ(full.exit_code, 1) << full.out << full.err;
  EXPECT_TRUE(has(full.err, "write failed")) << full.err;
  const uint64_t kept = kv_committed(store);
  EXPECT_GT(kept, 0u);
  EXPECT_LT(kept, T);
  const CommandResult resumed = run({"--input", dir.file("x.npy"), "--output", dir.file("y.npy"), "--chunk", "16",
                                     "--kv-store", "file:" + store, "--resume"});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_TRUE(has(resumed.err, "resuming the stream after " + std::to_string(kept))) << resumed.err;
  const std::vector<float> a = read_npy(dir.file("whole.npy")), b = read_npy(dir.file("y.npy"));
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-5) << i;
}

TEST_F(CliRun, StreamKilledWithSigkillResumesToTheSameOutput) {
  const uint64_t long_T = small_scale() ? 600 : 3000;
  const std::vector<float> lx = synthetic_input(long_T, 24, 8);
  write_npy_f32(dir.file("long.npy"), {long_T, 24}, lx);
  const std::string store = dir.file("kv");
  const pid_t pid = start_command({kRun, m.path, "--input", dir.file("long.npy"), "--chunk", "8", "--threads", "1",
                                   "--quiet", "--kv-store", "file:" + store});
  // Kill it once it has committed some rounds, mid-run.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (kv_committed(store) < long_T / 5 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "ringrt-run finished before it could be killed: make the run longer";
  const uint64_t kept = kv_committed(store);
  std::printf("[ resume ] killed with %llu of %llu tokens committed\n", static_cast<unsigned long long>(kept),
              static_cast<unsigned long long>(long_T));
  ASSERT_GT(kept, 0u);
  ASSERT_LT(kept, long_T);

  CommandResult r = run({"--input", dir.file("long.npy"), "--output", dir.file("resumed.npy"), "--chunk", "8",
                         "--threads", "1", "--kv-store", "file:" + store, "--resume"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run({"--input", dir.file("long.npy"), "--output", dir.file("whole.npy"), "--chunk", "8", "--threads", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<float> a = read_npy(dir.file("whole.npy")), b = read_npy(dir.file("resumed.npy"));
  ASSERT_EQ(a.size(), 32u);
  ASSERT_EQ(b.size(), 32u);
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-5) << i;
  // Resuming a finished stream recomputes its last token.
  r = run({"--input", dir.file("long.npy"), "--output", dir.file("again.npy"), "--chunk", "8", "--threads", "1",
           "--kv-store", "file:" + store, "--resume"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<float> c = read_npy(dir.file("again.npy"));
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], c[i], 1e-5) << i;
}

}  // namespace
}  // namespace ringrt::test

namespace ringrt::test {
namespace {

// --kv-dtype: f16 and int8 through the real ringrt-run against the double reference,
// a file store resumed only with its own dtype, and the plan and summary naming it.
TEST_F(CliRun, KvDtypeOptionStoresAndResumesInItsDtype) {
  const std::vector<double> ref = ringrt_ref::forward_all(m.options, m.weights, x.data(), T);
  for (const char* dtype : {"f16", "int8"}) {
    const std::string store = dir.file(std::string("kv.") + dtype);
    CommandResult r = run({"--input", dir.file("x.npy"), "--output", dir.file("y.npy"), "--chunk", "32",
                           "--kv-store", "file:" + store, "--kv-dtype", dtype});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(has(r.out, std::string("MiB of ") + dtype + " on disk")) << r.out;
    const std::vector<float> y = read_npy(dir.file("y.npy"));
    EXPECT_LE(ringrt_ref::max_abs_diff(y.data(), ref.data() + (T - 1) * 32, 32), dtype[0] == 'f' ? 5e-3 : 5e-2);
    r = run({"--input", dir.file("x.npy"), "--chunk", "32", "--kv-store", "file:" + store, "--resume"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(has(r.err, std::string("keeps its KV history as ") + dtype + ", this session as f32")) << r.err;
    EXPECT_TRUE(has(r.err, std::string("--kv-dtype ") + dtype)) << r.err;
    r = run({"--input", dir.file("x.npy"), "--chunk", "32", "--kv-store", "file:" + store, "--resume",
             "--kv-dtype=" + std::string(dtype)});
    EXPECT_EQ(r.exit_code, 0) << r.err;
  }
  CommandResult plan = run({"--plan", "--max-context", "1024", "--kv-dtype", "int8"});
  ASSERT_EQ(plan.exit_code, 0) << plan.err;
  EXPECT_TRUE(has(plan.out, "KV store memory (int8)")) << plan.out;
  // 2 layers x (K + V) x 4 heads x (8 int8 + a float scale) x 1024 positions, in the
  // arena (with XNNPACK's few bytes of read-ahead padding).
  const std::size_t at = plan.out.find("  kv.store ");
  ASSERT_NE(at, std::string::npos) << plan.out;
  const unsigned long long kv = std::strtoull(plan.out.c_str() + at + 11, nullptr, 10);
  EXPECT_GE(kv, 2ull * 2 * 4 * 12 * 1024) << plan.out;
  EXPECT_LE(kv, 2ull * 2 * 4 * 12 * 1024 + 64) << plan.out;
  const CommandResult bad = run({"--input", dir.file("x.npy"), "--kv-dtype", "bf16"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_TRUE(has(bad.err, "option '--kv-dtype' must be f32, f16 or int8, got 'bf16'")) << bad.err;
  EXPECT_TRUE(has(run_command({kRun, "--help"}).out, "--kv-dtype")) << "help";
}

}  // namespace
}  // namespace ringrt::test
