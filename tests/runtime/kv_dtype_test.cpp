// KV dtypes (SessionOptions::kv_dtype): the codec against hand-computed numbers and
// its documented error bounds, both stores on odd shapes, and whole models in every
// session mode against the double-precision reference: f32 as exact as before,
// f16 within 5e-3, int8 within 5e-2.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "kv_codec.hpp"
#include "kv_store.hpp"
#include "kv_store_file.hpp"
#include "runtime_fixture.hpp"

namespace ringrt::test {
namespace {

const KvDtype kAll[] = {KvDtype::kF32, KvDtype::kF16, KvDtype::kInt8};

// |x - decoded| allowed by the scheme (kv_codec.hpp), from the piece it belongs to.
double allowed(KvDtype dtype, double x, double piece_max) {
  if (dtype == KvDtype::kF32) return 0.0;
  if (dtype == KvDtype::kF16) return std::fabs(x) * std::ldexp(1.0, -11) + std::ldexp(1.0, -25);  // + subnormal step
  return piece_max / 254.0 * (1 + 1e-6);
}

TEST(KvCodec, HandComputedValues) {
  const KvCodec f16{KvDtype::kF16}, i8{KvDtype::kInt8};
  uint16_t h[4];
  float scale = 0, out[4];
  const float x[4] = {1.0f, 1.0f / 3.0f, -2.5f, 65504.0f};
  ASSERT_TRUE(f16.encode(x, 4, h, 1, &scale));
  EXPECT_EQ(h[0], 0x3c00);
  EXPECT_EQ(h[1], 0x3555);  // 1/3 rounds to 0.333251953125
  EXPECT_EQ(h[2], 0xc100);
  EXPECT_EQ(h[3], 0x7bff);  // the largest finite half
  f16.decode_run(h, 4, 1.0f, out);
  EXPECT_EQ(out[1], 0.333251953125f);
  EXPECT_EQ(out[3], 65504.0f);
  // Beyond the range: refused, never an infinity. NaN too.
  for (float bad : {65520.0f, -70000.0f, NAN, INFINITY}) {
    const float y[2] = {0.5f, bad};
    EXPECT_FALSE(f16.encode(y, 2, h, 1, &scale)) << bad;
  }

  int8_t q[4];
  const float v[4] = {1.0f, -0.5f, 0.25f, 0.0f};
  ASSERT_TRUE(i8.encode(v, 4, q, 1, &scale));
  EXPECT_FLOAT_EQ(scale, 1.0f / 127.0f);
  EXPECT_EQ(q[0], 127);
  EXPECT_EQ(q[1], -64);  // -63.5 to the even neighbour
  EXPECT_EQ(q[2], 32);   // 31.75
  EXPECT_EQ(q[3], 0);
  i8.decode_run(q, 4, scale, out);
  EXPECT_FLOAT_EQ(out[1], -64.0f / 127.0f);
  const float zeros[3] = {0, 0, 0};
  ASSERT_TRUE(i8.encode(zeros, 3, q, 1, &scale));
  EXPECT_EQ(scale, 0.0f);
  i8.decode_run(q, 3, scale, out);
  EXPECT_EQ(out[0], 0.0f);
}

// Random pieces of odd lengths, strided: every decoded number within the bound, and
// the vector paths (decode_run) equal to the number-by-number one (decode_piece).
TEST(KvCodec, ErrorBoundsOnOddStridedPieces) {
  uint64_t state = 7;
  auto next = [&state] {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<double>(state >> 11) / static_cast<double>(1ull << 53) * 2 - 1;
  };
  for (KvDtype dtype : kAll) {
    const KvCodec c{dtype};
    for (std::size_t n : {1u, 3u, 7u, 8u, 17u, 33u}) {
      for (double magnitude : {1e-3, 1.0, 300.0}) {
        std::vector<float> x(n);
        double piece_max = 0;
        for (float& v : x) {
          v = static_cast<float>(next() * magnitude);
          piece_max = std::max(piece_max, std::fabs(static_cast<double>(v)));
        }
        const std::size_t stride = 5;
        std::vector<uint8_t> enc(n * stride * 4);
        std::vector<float> piece(n), run(n);
        float scale = 0;
        ASSERT_TRUE(c.encode(x.data(), n, enc.data(), stride, &scale));
        c.decode_piece(enc.data(), stride, scale, n, piece.data());
        std::vector<uint8_t> contiguous(n * 4);
        ASSERT_TRUE(c.encode(x.data(), n, contiguous.data(), 1, &scale));
        c.decode_run(contiguous.data(), n, scale, run.data());
        std::vector<float> scales(n, scale), scaled(n);
        c.decode_run_scaled(contiguous.data(), n, scales.data(), scaled.data());
        for (std::size_t i = 0; i < n; ++i) {
          EXPECT_LE(std::fabs(piece[i] - static_cast<double>(x[i])), allowed(dtype, x[i], piece_max))
              << kv_dtype_name(dtype) << " n " << n << " i " << i << " x " << x[i];
          EXPECT_EQ(piece[i], run[i]) << kv_dtype_name(dtype) << " n " << n << " i " << i;
          EXPECT_EQ(piece[i], scaled[i]) << kv_dtype_name(dtype) << " n " << n << " i " << i;
        }
      }
    }
  }
}

TEST(KvCodec, NamesRoundTrip) {
  for (KvDtype d : kAll) {
    KvDtype back = KvDtype::kF32;
    ASSERT_TRUE(parse_kv_dtype(kv_dtype_name(d), &back));
    EXPECT_EQ(back, d);
  }
  KvDtype d;
  EXPECT_FALSE(parse_kv_dtype("bf16", &d));
  EXPECT_FALSE(parse_kv_dtype("", &d));
  EXPECT_FALSE(parse_kv_dtype(nullptr, &d));
}

// Both stores, 3 heads of head_dim 5, chunk 8: qkv rows (Q, K, V and 3 floats of
// padding) written in uneven pieces, every chunk (the last one a tail) read back as
// the ring reads it, every number within its bound of what was written.
void check_store(KvStore* store, const KvGeometry& g, uint64_t positions, const char* what) {
  const std::size_t D = g.head_dim, G = g.heads, W = 3 * G * D + 3;
  std::vector<float> qkv(positions * W);
  for (std::size_t i = 0; i < qkv.size(); ++i) qkv[i] = static_cast<float>(std::sin(0.37 * i) * (1 + i % 11));
  for (uint32_t layer = 0; layer < g.layers; ++layer) {
    for (uint64_t done = 0, piece = 1; done < positions; done += piece, piece = piece * 2 + 1) {
      piece = std::min<uint64_t>(piece, positions - done);
      ASSERT_TRUE(store->write(layer, done, piece, qkv.data() + done * W, W).ok()) << what;
    }
  }
  ASSERT_TRUE(store->commit(positions).ok());
  std::vector<float> scratch(g.read_floats());
  for (uint32_t layer = 0; layer < g.layers; ++layer) {
    for (uint32_t h = 0; h < G; ++h) {
      for (uint64_t start = 0; start < positions; start += g.chunk) {
        const std::size_t n = static_cast<std::size_t>(std::min<uint64_t>(g.chunk, positions - start));
        for (KvKind kind : {KvKind::kKey, KvKind::kValue}) {
          KvView view;
          ASSERT_TRUE(store->read(layer, h, kind, start, n, scratch.data(), &view).ok());
          for (std::size_t r = 0; r < n; ++r) {
            const float* src = qkv.data() + (start + r) * W + (kind == KvKind::kKey ? G : 2 * G) * D + h * D;
            double mx = 0;
            for (std::size_t d = 0; d < D; ++d) mx = std::max(mx, std::fabs(static_cast<double>(src[d])));
            for (std::size_t d = 0; d < D; ++d) {
              const float got = kind == KvKind::kKey ? view.data[r * view.stride + d] : view.data[d * view.stride + r];
              ASSERT_LE(std::fabs(got - static_cast<double>(src[d])), allowed(g.dtype, src[d], mx))
                  << what << " " << kv_dtype_name(g.dtype) << (kind == KvKind::kKey ? " key" : " value")
                  << " layer " << layer << " head " << h << " position " << start + r << " d " << d;
            }
          }
        }
      }
    }
  }
}

std::size_t number_bytes(KvDtype dtype) { return dtype == KvDtype::kF32 ? 4 : dtype == KvDtype::kF16 ? 2 : 1; }

TEST(KvDtypeStores, MemoryAndFileStoresKeepEveryNumberWithinItsBound) {
  TempDir dir;
  for (KvDtype dtype : kAll) {
    const uint64_t T = 37;  // four chunks and a tail of 5
    KvGeometry g{2, 3, 5, T, 8};
    g.dtype = dtype;
    std::vector<uint8_t> memory(g.bytes());
    MemoryKvStore mem(g, memory.data());
    check_store(&mem, g, T, "memory");
    // The order each store asks a streaming round to read in (RingReadRuns checks the
    // ring follows it): a memory store head by head, a file store chunk by chunk.
    EXPECT_FALSE(mem.reads_chunk_major());
    // Bytes: the numbers (rounded up to 8 bytes), and for int8 a float scale per piece.
    EXPECT_EQ(g.bytes(), (2 * 2 * 3 * T * 5 * number_bytes(dtype) + 7) / 8 * 8 +
                             (dtype == KvDtype::kInt8 ? 2 * 2 * 3 * T * 4 : 0));

    std::vector<float> staging(FileKvStore::staging_floats(g));
    const std::string path = dir.file(std::string("kv.") + kv_dtype_name(dtype));
    {
      FileKvStore file(g, staging.data());
      uint64_t committed = 0;
      ASSERT_TRUE(file.open(path.c_str(), {1, 2}, false, &committed).ok());
      check_store(&file, g, T, "file");
      EXPECT_TRUE(file.reads_chunk_major());
    }
    // Resumed: the checksums of the decoded numbers match, and the rows read back the same.
    FileKvStore again(g, staging.data());
    uint64_t committed = 0;
    const Status st = again.open(path.c_str(), {1, 2}, true, &committed);
    ASSERT_TRUE(st.ok()) << st.message();
    EXPECT_EQ(committed, T);
    // The header's format: 2 (readable by older ringrts) for f32, 3 with the dtype otherwise.
    std::ifstream in(path, std::ios::binary);
    uint32_t version = 0;
    in.seekg(8);
    in.read(reinterpret_cast<char*>(&version), sizeof version);
    EXPECT_EQ(version, dtype == KvDtype::kF32 ? 2u : 3u);
  }
}

TEST(KvDtypeStores, AWindowBufferWrapsInEveryDtype) {
  for (KvDtype dtype : kAll) {
    KvGeometry g{1, 3, 5, 16, 8};
    g.window_buffer = true;
    g.dtype = dtype;
    std::vector<uint8_t> memory(g.bytes());
    MemoryKvStore mem(g, memory.data());
    const std::size_t D = 5, G = 3, W = 3 * G * D;
    std::vector<float> qkv(40 * W);
    for (std::size_t i = 0; i < qkv.size(); ++i) qkv[i] = static_cast<float>(std::cos(0.11 * i) * 3);
    ASSERT_TRUE(mem.write(0, 0, 13, qkv.data(), W).ok());
    ASSERT_TRUE(mem.write(0, 13, 11, qkv.data() + 13 * W, W).ok());  // wraps at 16
    std::vector<float> scratch(g.read_floats());
    KvView k;
    ASSERT_TRUE(mem.read(0, 1, KvKind::kKey, 16, 8, scratch.data(), &k).ok());  // positions 16..23 in slots 0..7
    for (std::size_t r = 0; r < 8; ++r) {
      const float* src = qkv.data() + (16 + r) * W + G * D + D;
      double mx = 0;
      for (std::size_t d = 0; d < D; ++d) mx = std::max(mx, std::fabs(static_cast<double>(src[d])));
      for (std::size_t d = 0; d < D; ++d) {
        EXPECT_LE(std::fabs(k.data[r * k.stride + d] - static_cast<double>(src[d])), allowed(dtype, src[d], mx));
      }
    }
  }
}

TEST(KvDtypeStores, AnF16StoreRefusesANumberBeyondItsRange) {
  KvGeometry g{2, 1, 4, 16, 8};
  g.dtype = KvDtype::kF16;
  std::vector<uint8_t> memory(g.bytes());
  MemoryKvStore mem(g, memory.data());
  std::vector<float> qkv(3 * 12, 0.5f);
  qkv[2 * 12 + 4 + 4 + 1] = 1e5f;  // row 2's value, d = 1
  const Status st = mem.write(1, 3, 3, qkv.data(), 12);
  EXPECT_EQ(st.code(), StatusCode::kNonFinite);
  EXPECT_NE(std::string(st.message()).find("a value of layer 1, position 5, kv head 0 is beyond the range of the f16 KV store"),
            std::string::npos)
      << st.message();
  EXPECT_NE(std::string(st.message()).find("kv_dtype f32 or int8"), std::string::npos) << st.message();
}

// ---- whole models, every session mode, against the double reference ----

double tolerance(KvDtype dtype) { return dtype == KvDtype::kF32 ? 2e-5 : dtype == KvDtype::kF16 ? 5e-3 : 5e-2; }


struct Mode {
  const char* name;
  ModelOptions options;
};

TEST(KvDtypeModels, EveryModeAndStoreMatchesTheReferenceWithinTheDtypesBound) {
  TempDir dir;
  const std::size_t T = small_scale() ? 120 : 260;
  const Mode modes[] = {
      {"causal gqa 4->2", ring_encoder_options(24, 32, 4, 2, true, 2)},
      {"causal window 21 (window buffer)", ring_encoder_options(24, 32, 4, 2, true, 0, 21)},
      {"softcap 3, sinks", ring_encoder_options(24, 32, 4, 2, true, 0, 0, 3.0f, true)},
      {"bidirectional (layer by layer)", ring_encoder_options(24, 32, 4, 2, false)},
  };
  int n = 0;
  for (const Mode& mode : modes) {
    const TestModel m = make_model(dir, "m" + std::to_string(n++), mode.options, 17);
    const std::vector<float> x = synthetic_input(T, 24, 3);
    const std::vector<double> ref = ringrt_ref::forward_all(m.options, m.weights, x.data(), T);
    for (KvDtype dtype : kAll) {
      double worst = 0;
      for (const char* store : {"memory", "file"}) {
        struct Shape {
          uint32_t chunk, workers;
          std::size_t piece;
        };
        // The query ring (whole rounds) and the key split (short rounds, chunk tails;
        // pieces of 1 and 3 take the streaming kernel, on 1 and on 2 workers).
        for (const Shape& sh : {Shape{16, 2, T}, Shape{32, 2, 7}, Shape{8, 1, 1}, Shape{8, 2, 3}}) {
          if (!mode.options.causal && sh.piece != T) continue;  // every append recomputes: one is enough
          SessionOptions o = session_options(sh.chunk, sh.workers, T);
          o.kv_dtype = dtype;
          const std::string spec = "file:" + dir.file("kv" + std::to_string(n) + kv_dtype_name(dtype) +
                                                      std::to_string(sh.chunk) + "_" + std::to_string(sh.piece));
          if (std::strcmp(store, "file") == 0) o.kv_store = spec.c_str();
          const double err = stream_error(m, o, x, T, sh.piece, ref);
          EXPECT_LE(err, tolerance(dtype)) << mode.name << ", " << kv_dtype_name(dtype) << ", " << store
                                           << " store, chunk " << sh.chunk << ", " << sh.workers
                                           << " workers, pieces of " << sh.piece;
          worst = std::max(worst, err);
        }
      }
      std::printf("[ kv dtype ] %-34s %-4s T = %zu: max |err| vs double reference = %.3g (bound %.0e)\n",
                  mode.name, kv_dtype_name(dtype), T, worst, tolerance(dtype));
      if (dtype == KvDtype::kInt8) EXPECT_GT(worst, 0.0) << "int8 KV gave exact results: is the dtype applied?";
    }
  }
}

// The memory store's bytes: f16 exactly half of f32, int8 a quarter plus a scale per piece.
TEST(KvDtypeModels, KvBytesShrinkWithTheDtype) {
  TempDir dir;
  const TestModel m = make_model(dir, "m", small_options(24, 32, 4, 2), 5);  // head_dim 8
  const std::size_t T = 100;
  const std::vector<float> x = synthetic_input(T, 24, 1);
  const std::vector<double> ref = ringrt_ref::forward_all(m.options, m.weights, x.data(), T);
  uint64_t bytes[3] = {};
  for (KvDtype dtype : kAll) {
    SessionOptions o = session_options(16, 2, T);
    o.kv_dtype = dtype;
    stream_error(m, o, x, T, T, ref, &bytes[static_cast<int>(dtype)]);
    MemoryPlan plan;
    ASSERT_TRUE(plan_session(*m.model, o, &plan).ok());
    EXPECT_EQ(plan.kv_dtype, dtype);
  }
  // 2 layers x (K + V) x 4 heads x 8 numbers per position.
  EXPECT_EQ(bytes[0], T * 2 * 2 * 4 * 8 * 4);
  EXPECT_EQ(bytes[1], T * 2 * 2 * 4 * 8 * 2);
  EXPECT_EQ(bytes[2], T * 2 * 2 * 4 * (8 + 4));
}

TEST(KvDtypeModels, ResumingWithAnotherDtypeIsRefusedNamingBoth) {
  TempDir dir;
  const TestModel m = make_model(dir, "m", small_options(24, 32, 4, 2), 5);
  const std::vector<float> x = synthetic_input(64, 24, 1);
  const std::string spec = "file:" + dir.file("kv");
  SessionOptions o = session_options(16, 2, 64);
  o.kv_store = spec.c_str();
  o.kv_dtype = KvDtype::kF16;
  {
    std::unique_ptr<Session> s;
    ASSERT_TRUE(Session::create(*m.model, o, &s).ok());
    ASSERT_TRUE(s->append(x.data(), 40, 24).ok());
  }
  o.resume = true;
  for (KvDtype other : {KvDtype::kF32, KvDtype::kInt8}) {
    o.kv_dtype = other;
    std::unique_ptr<Session> s;
    const Status st = Session::create(*m.model, o, &s);
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
    const std::string want = "KV store " + dir.file("kv") + " keeps its KV history as f16, this session as " +
                             kv_dtype_name(other) + ": resume it with the dtype it was written with (ringrt-run "
                             "--kv-dtype f16";
    EXPECT_NE(std::string(st.message()).find(want), std::string::npos) << st.message();
  }
  o.kv_dtype = KvDtype::kF16;
  std::unique_ptr<Session> s;
  const Status st = Session::create(*m.model, o, &s);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(s->length(), 40u);
  // An unknown value (from C or a cast) is refused by name.
  o.kv_dtype = static_cast<KvDtype>(7);
  o.resume = false;
  o.kv_store = nullptr;
  const Status bad = Session::create(*m.model, o, &s);
  EXPECT_EQ(bad.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(bad.message()).find("kv_dtype 7 is not a KV dtype: use f32, f16 or int8"), std::string::npos)
      << bad.message();
}

}  // namespace
}  // namespace ringrt::test
