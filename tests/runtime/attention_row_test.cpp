// The streaming attention kernel (kernels/attention_row.hpp): its double reference
// against a hand-computed softmax, then every compiled variant this CPU runs against
// the reference for f32, f16 and int8 chunks (encoded by the KV codec, as a store
// holds them) on odd shapes (D of 1, 7 and 67 against vector widths of 4 to 16, key
// tails, a visible range cutting a vector, two chunks in a row, soft caps), keys
// outside the visible range holding NaN and Inf that never reach the row, and
// guard values around the output that no kernel may touch.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "attention_block.hpp"
#include "attention_row.hpp"
#include "kv_codec.hpp"

namespace ringrt {
namespace {

struct Numbers {
  uint64_t state;
  float next() {  // uniform in [-1, 1) (splitmix64)
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return static_cast<float>(static_cast<double>(z >> 40) * (2.0 / 16777216.0) - 1.0);
  }
};

constexpr std::size_t kGuard = 8;
constexpr float kGuardValue = 12345.0f;

// One chunk as a store of `dtype` holds it: keys [n][k_stride], Vᵀ [D][vt_stride].
struct Chunk {
  KvDtype dtype;
  std::size_t n, dim, k_stride, vt_stride;
  std::vector<float> k, vt;  // the numbers before encoding
  std::vector<uint8_t> k_bytes, vt_bytes;
  std::vector<float> k_scales, vt_scales;

  Chunk(KvDtype t, std::size_t keys, std::size_t d, uint64_t seed)
      : dtype(t), n(keys), dim(d), k_stride(d + 3), vt_stride(keys + 5) {
    Numbers num{seed};
    k.resize(n * k_stride);
    for (float& x : k) x = num.next();
    vt.resize(dim * vt_stride);
    for (float& x : vt) x = num.next();
  }
  // Encodes k and vt (call again after changing them).
  void encode() {
    const KvCodec codec{dtype};
    const std::size_t e = codec.element_bytes();
    k_bytes.assign(k.size() * e, 0);
    vt_bytes.assign(vt.size() * e, 0);
    k_scales.assign(n, 1.0f);
    vt_scales.assign(n, 1.0f);
    for (std::size_t i = 0; i < n; ++i) {
      ASSERT_TRUE(codec.encode(&k[i * k_stride], dim, &k_bytes[i * k_stride * e], 1, &k_scales[i]));
      std::vector<float> column(dim);
      for (std::size_t d = 0; d < dim; ++d) column[d] = vt[d * vt_stride + i];
      ASSERT_TRUE(codec.encode(column.data(), dim, &vt_bytes[i * e], vt_stride, &vt_scales[i]));
    }
  }
  KvChunkView keys() const {
    return {dtype, k_bytes.data(), k_stride, dtype == KvDtype::kInt8 ? k_scales.data() : nullptr};
  }
  KvChunkView values() const {
    return {dtype, vt_bytes.data(), vt_stride, dtype == KvDtype::kInt8 ? vt_scales.data() : nullptr};
  }
};

// One row's query and running state, guarded.
struct Row {
  std::size_t dim;
  std::vector<float> q, o, scratch;
  float row_max = -INFINITY, row_sum = 0.0f;
  Row(std::size_t d, uint64_t seed) : dim(d), q(d), o(d + kGuard, kGuardValue) {
    Numbers num{seed};
    for (float& x : q) x = 2.0f * num.next();
    for (std::size_t i = 0; i < d; ++i) o[i] = 0.0f;
  }
  AttentionRow on(const Chunk& c, uint32_t lo, uint32_t hi, float softcap) {
    scratch.assign(attention_row_scratch_floats(c.n) + kGuard, 0.0f);
    AttentionRow r{};
    r.keys = c.n;
    r.dim = dim;
    r.q = q.data();
    r.k = c.keys();
    r.vt = c.values();
    r.lo = lo;
    r.hi = hi;
    r.o = o.data();
    r.row_max = &row_max;
    r.row_sum = &row_sum;
    const float scale = 1.0f / std::sqrt(static_cast<float>(dim));
    r.softcap = softcap;
    r.softcap_inner = softcap > 0 ? scale / softcap : 0.0f;
    r.exp_scale = softcap > 0 ? 1.0f : scale;
    r.scratch = scratch.data();
    return r;
  }
  float output(std::size_t d) const { return o[d] / row_sum; }
};

TEST(AttentionRow, ReferenceMatchesAHandComputedSoftmax) {
  // D = 2, keys (1, 0) and (0, 0), q = (1, 0), exp_scale 1: scores 1 and 0, so the
  // probabilities relative to the max are 1 and e^-1.
  Chunk c(KvDtype::kF32, 2, 2, 1);
  c.k = {1, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  c.vt.assign(2 * c.vt_stride, 0.0f);
  c.vt[0] = 3.0f, c.vt[1] = -1.0f;                            // V dimension 0 of keys 0, 1
  c.vt[c.vt_stride] = 0.5f, c.vt[c.vt_stride + 1] = 2.0f;     // dimension 1
  c.encode();
  Row row(2, 1);
  row.q = {1.0f, 0.0f};
  AttentionRow r = row.on(c, 0, 2, 0.0f);
  r.exp_scale = 1.0f;
  attend_row_reference(r);
  const double e = std::exp(-1.0);
  EXPECT_FLOAT_EQ(row.row_max, 1.0f);
  EXPECT_NEAR(row.row_sum, 1.0 + e, 1e-6);
  EXPECT_NEAR(row.o[0], 3.0 - e, 1e-6);
  EXPECT_NEAR(row.o[1], 0.5 + 2.0 * e, 1e-6);
  EXPECT_EQ(row.o[2], kGuardValue);
}

void expect_rows_match(const Row& got, const Row& want, const std::string& what) {
  EXPECT_NEAR(got.row_max, want.row_max, 1e-5f * (1.0f + std::fabs(want.row_max))) << what;
  for (std::size_t d = 0; d < want.dim; ++d) {
    const float w = want.output(d);
    ASSERT_NEAR(got.output(d), w, 2e-5f + 2e-5f * std::fabs(w)) << what << ", dimension " << d;
  }
  for (std::size_t g = 0; g < kGuard; ++g) ASSERT_EQ(got.o[want.dim + g], kGuardValue) << what << ": guard " << g;
}

TEST(AttentionRow, EveryKernelMatchesTheReference) {
  struct Shape {
    std::size_t n, dim;
    uint32_t lo, hi;
  };
  const Shape shapes[] = {{1, 64, 0, 1},   {5, 7, 0, 5},     {16, 16, 0, 16}, {33, 67, 3, 31},
                          {256, 64, 0, 256}, {256, 64, 17, 200}, {40, 1, 0, 40}, {64, 24, 63, 64}};
  for (std::size_t kernel = 0; kernel < attention_kernel_count(); ++kernel) {
    const AttentionKernel& kk = attention_kernel_at(kernel);
    for (KvDtype dtype : {KvDtype::kF32, KvDtype::kF16, KvDtype::kInt8}) {
      for (const Shape& s : shapes) {
        for (float softcap : {0.0f, 2.5f}) {
          const std::string what = std::string(kk.name) + ", " + kv_dtype_name(dtype) + ", " + std::to_string(s.n) +
                                   " keys, D " + std::to_string(s.dim) + ", keys [" + std::to_string(s.lo) + ", " +
                                   std::to_string(s.hi) + ")" + (softcap > 0 ? ", soft-capped" : "");
          Chunk first(dtype, s.n, s.dim, 7 + s.n), second(dtype, s.n, s.dim, 11 + s.dim);
          first.encode();
          second.encode();
          Row got(s.dim, 3), want(s.dim, 3);
          // Two chunks in a row: the second rescales what the first left.
          kk.row(got.on(first, s.lo, s.hi, softcap));
          attend_row_reference(want.on(first, s.lo, s.hi, softcap));
          kk.row(got.on(second, 0, static_cast<uint32_t>(s.n), softcap));
          attend_row_reference(want.on(second, 0, static_cast<uint32_t>(s.n), softcap));
          expect_rows_match(got, want, what);
        }
      }
    }
  }
}

TEST(AttentionRow, AnEmptyRangeLeavesTheRowAsItWas) {
  for (std::size_t kernel = 0; kernel < attention_kernel_count(); ++kernel) {
    Chunk c(KvDtype::kF32, 32, 16, 5);
    c.encode();
    Row row(16, 9);
    attention_kernel_at(kernel).row(row.on(c, 10, 10, 0.0f));
    EXPECT_EQ(row.row_max, -INFINITY) << attention_kernel_at(kernel).name;
    EXPECT_EQ(row.row_sum, 0.0f) << attention_kernel_at(kernel).name;
    for (std::size_t d = 0; d < 16; ++d) EXPECT_EQ(row.o[d], 0.0f) << attention_kernel_at(kernel).name;
  }
}

TEST(AttentionRow, KeysOutsideTheRangeNeverReachTheRow) {
  // NaN and Inf in the keys and values before and after the visible range [20, 45).
  for (std::size_t kernel = 0; kernel < attention_kernel_count(); ++kernel) {
    const AttentionKernel& kk = attention_kernel_at(kernel);
    for (KvDtype dtype : {KvDtype::kF32, KvDtype::kF16}) {
      Chunk clean(dtype, 64, 64, 21), poisoned(dtype, 64, 64, 21);
      for (std::size_t i : {0u, 19u, 45u, 63u}) {
        const float bad = i % 2 ? NAN : INFINITY;
        for (std::size_t d = 0; d < 64; ++d) {
          poisoned.k[i * poisoned.k_stride + d] = bad;
          poisoned.vt[d * poisoned.vt_stride + i] = bad;
        }
      }
      clean.encode();
      if (dtype == KvDtype::kF32) {
        poisoned.encode();
      } else {  // an f16 store refuses Inf at write; NaN passes (the codec's contract), put them in by hand
        poisoned.k = clean.k;
        poisoned.vt = clean.vt;
        poisoned.encode();
        uint16_t* k = reinterpret_cast<uint16_t*>(poisoned.k_bytes.data());
        uint16_t* vt = reinterpret_cast<uint16_t*>(poisoned.vt_bytes.data());
        for (std::size_t i : {0u, 19u, 45u, 63u}) {
          const uint16_t bad = i % 2 ? 0x7e00 : 0x7c00;  // NaN, +Inf
          for (std::size_t d = 0; d < 64; ++d) {
            k[i * poisoned.k_stride + d] = bad;
            vt[d * poisoned.vt_stride + i] = bad;
          }
        }
      }
      Row got(64, 4), want(64, 4);
      kk.row(got.on(poisoned, 20, 45, 0.0f));
      attend_row_reference(want.on(clean, 20, 45, 0.0f));
      expect_rows_match(got, want, std::string(kk.name) + ", " + kv_dtype_name(dtype));
    }
  }
}

}  // namespace
}  // namespace ringrt
