// The fused attention kernel (kernels/attention_block.hpp): its scalar reference
// against hand-computed softmax sums, then every compiled variant this CPU runs
// against the reference on odd shapes (1 row, D not a multiple of any vector width,
// key tails of a register tile, masks cutting a tile, rows seeing no key, soft caps,
// two chunks in a row), and masked values that are NaN or Inf never leaking in.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "attention_block.hpp"

namespace ringrt {
namespace {

constexpr std::size_t B = kAttentionBlockRows;

// Uniform numbers in [-1, 1) from a 64-bit seed (splitmix64).
struct Numbers {
  uint64_t state;
  float next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return static_cast<float>(static_cast<double>(z >> 40) * (2.0 / 16777216.0) - 1.0);
  }
};

// One block's inputs and running state, with room around every array so that a
// kernel writing a lane or a key it must not shows up as a changed guard value.
struct Case {
  std::size_t rows, keys, dim, k_stride, vt_stride;
  std::vector<float> qt, k, vt, ot, row_max, row_sum, scratch;
  std::vector<uint32_t> lo, hi;
  bool masked = false;
  float softcap = 0, scale = 0;

  Case(std::size_t r, std::size_t n, std::size_t d, uint64_t seed)
      : rows(r), keys(n), dim(d), k_stride(d + 3), vt_stride(n + 5) {
    Numbers num{seed};
    qt.assign(d * B, 0.0f);
    for (std::size_t i = 0; i < d; ++i) {
      for (std::size_t q = 0; q < r; ++q) qt[i * B + q] = 2.0f * num.next();
    }
    k.resize(n * k_stride);
    for (float& x : k) x = num.next();
    vt.resize(d * vt_stride);
    for (float& x : vt) x = num.next();
    ot.assign(d * B, 0.0f);
    row_max.assign(r, -INFINITY);
    row_sum.assign(r, 0.0f);
    scratch.assign(attention_block_scratch_floats(n, d), 0.0f);
    scale = 1.0f / std::sqrt(static_cast<float>(d));
  }
  // Row q sees keys [lo, hi) of the chunk.
  void mask(std::vector<uint32_t> l, std::vector<uint32_t> h) {
    lo = std::move(l), hi = std::move(h);
    masked = true;
  }
  AttentionBlock block() {
    AttentionBlock b{};
    b.rows = rows, b.keys = keys, b.dim = dim;
    b.qt = qt.data();
    b.k = k.data(), b.k_stride = k_stride;
    b.vt = vt.data(), b.vt_stride = vt_stride;
    b.ot = ot.data(), b.row_max = row_max.data(), b.row_sum = row_sum.data();
    b.lo = masked ? lo.data() : nullptr;
    b.hi = masked ? hi.data() : nullptr;
    b.exp_scale = softcap > 0 ? 1.0f : scale;
    b.softcap = softcap;
    b.softcap_inner = softcap > 0 ? scale / softcap : 0.0f;
    b.scratch = scratch.data();
    return b;
  }
};

// The kernel's outputs against the reference's on the same inputs: relative to the
// output's size (unit-scale values: |O| / sum <= 1).
void expect_close(const Case& got, const Case& want, const std::string& what) {
  for (std::size_t q = 0; q < got.rows; ++q) {
    if (std::isnan(want.row_sum[q])) {
      EXPECT_TRUE(std::isnan(got.row_sum[q])) << what << " row " << q;
      continue;
    }
    EXPECT_EQ(got.row_max[q] == -INFINITY, want.row_max[q] == -INFINITY) << what << " row " << q;
    if (want.row_max[q] != -INFINITY) EXPECT_NEAR(got.row_max[q], want.row_max[q], 1e-5f) << what << " row " << q;
    const float sum = want.row_sum[q];
    EXPECT_NEAR(got.row_sum[q], sum, 2e-6f * std::max(sum, 1.0f)) << what << " row " << q;
    for (std::size_t d = 0; d < got.dim; ++d) {
      const float o = want.ot[d * B + q], g = got.ot[d * B + q];
      if (!std::isfinite(o)) {
        EXPECT_EQ(std::isnan(g), std::isnan(o)) << what << " row " << q << " dim " << d;
        continue;
      }
      EXPECT_NEAR(g, o, 3e-6f * std::max(sum, 1.0f)) << what << " row " << q << " dim " << d;
    }
  }
  // Lanes past `rows` of the output are the kernel's own; the rows' state beyond is not touched.
}

// Runs `prepare` on two copies of a case, the kernel on one and the reference on the
// other, for `chunks` chunks in a row (new keys and values each, the state carried).
template <typename Prepare>
void check_all_kernels(std::size_t rows, std::size_t keys, std::size_t dim, int chunks, Prepare prepare,
                       const std::string& what) {
  for (std::size_t i = 0; i < attention_kernel_count(); ++i) {
    const AttentionKernel& kernel = attention_kernel_at(i);
    if (std::string(kernel.name) == "reference") continue;
    Case got(rows, keys, dim, 7), want(rows, keys, dim, 7);
    for (int c = 0; c < chunks; ++c) {
      Case fresh(rows, keys, dim, 100 + c);  // this chunk's keys and values
      got.k = want.k = fresh.k;
      got.vt = want.vt = fresh.vt;
      prepare(got, c);
      prepare(want, c);
      kernel.run(got.block());
      attend_block_reference(want.block());
    }
    expect_close(got, want, what + " kernel " + kernel.name);
  }
}

TEST(AttentionBlock, ReferenceMatchesHandComputedSums) {
  // One row, D = 1, q = 1, keys 0 and ln 3 (scale 1): p = 1/4, 3/4 of values 2 and -1.
  Case c(1, 2, 1, 1);
  c.qt[0] = 1.0f;
  c.k[0] = 0.0f, c.k[c.k_stride] = std::log(3.0f);
  c.vt[0] = 2.0f, c.vt[1] = -1.0f;
  c.scale = 1.0f;
  attend_block_reference(c.block());
  EXPECT_NEAR(c.row_max[0], std::log(3.0f), 1e-7);
  EXPECT_NEAR(c.row_sum[0], 4.0f / 3.0f, 1e-6);  // exp(-ln 3) + 1
  EXPECT_NEAR(c.ot[0] / c.row_sum[0], 0.25f * 2.0f + 0.75f * -1.0f, 1e-6);
  // A second chunk with one key of score 2 ln 3 rescales the first: sum' = 4/9 + 1.
  c.k[0] = 2.0f * std::log(3.0f);
  c.vt[0] = 5.0f;
  c.keys = 1;
  attend_block_reference(c.block());
  EXPECT_NEAR(c.row_max[0], 2.0f * std::log(3.0f), 1e-6);
  EXPECT_NEAR(c.row_sum[0], 4.0f / 9.0f + 1.0f, 1e-6);
  EXPECT_NEAR(c.ot[0] / c.row_sum[0], (1.0 / 9 * 2.0 + 3.0 / 9 * -1.0 + 1.0 * 5.0) / (13.0 / 9.0), 1e-6);
  // Masked: the row sees only key 0 of the second chunk [lo, hi) = [0, 0): nothing changes.
  c.mask({0}, {0});
  const float before = c.ot[0];
  attend_block_reference(c.block());
  EXPECT_EQ(c.ot[0], before);
}

TEST(AttentionBlock, EveryKernelMatchesTheReferenceOnOddShapes) {
  ASSERT_GE(attention_kernel_count(), 2u) << "no compiled kernel besides the reference";
  for (std::size_t rows : {1u, 5u, 16u, 17u, 32u}) {
    for (std::size_t keys : {1u, 7u, 13u, 64u, 255u}) {
      for (std::size_t dim : {1u, 3u, 64u, 67u}) {
        const std::string what = "rows " + std::to_string(rows) + " keys " + std::to_string(keys) + " dim " +
                                 std::to_string(dim);
        check_all_kernels(rows, keys, dim, 2, [](Case&, int) {}, what + " unmasked");
        // A causal diagonal: row q sees keys [0, q + 1 - shift), the tile cut anywhere;
        // a window: [q - 3, q + 2); some rows see nothing.
        check_all_kernels(
            rows, keys, dim, 2,
            [](Case& c, int chunk) {
              std::vector<uint32_t> lo(c.rows), hi(c.rows);
              for (std::size_t q = 0; q < c.rows; ++q) {
                const long a = chunk == 0 ? 0 : static_cast<long>(q) - 3;
                const long b = chunk == 0 ? static_cast<long>(q) + 1 - 2 : static_cast<long>(q) + 2;
                lo[q] = static_cast<uint32_t>(std::clamp<long>(a, 0, static_cast<long>(c.keys)));
                hi[q] = static_cast<uint32_t>(std::clamp<long>(b, 0, static_cast<long>(c.keys)));
              }
              c.mask(lo, hi);
            },
            what + " masked");
      }
    }
  }
}

TEST(AttentionBlock, SoftcapMatchesTheReference) {
  for (std::size_t rows : {1u, 19u}) {
    check_all_kernels(rows, 37, 20, 3, [](Case& c, int) { c.softcap = 0.5f; }, "softcap " + std::to_string(rows));
    // Capped and masked: a masked key must stay out (its capped score would be -c, not -inf).
    check_all_kernels(
        rows, 37, 20, 3,
        [](Case& c, int chunk) {
          c.softcap = 0.5f;
          std::vector<uint32_t> lo(c.rows), hi(c.rows);
          for (std::size_t q = 0; q < c.rows; ++q) {
            lo[q] = static_cast<uint32_t>(std::min<std::size_t>(q + static_cast<std::size_t>(chunk), c.keys));
            hi[q] = static_cast<uint32_t>(std::min<std::size_t>(q + 9, c.keys));
          }
          c.mask(lo, hi);
        },
        "softcap masked " + std::to_string(rows));
  }
}

TEST(AttentionBlock, MaskedNonFiniteValuesNeverReachARow) {
  for (std::size_t i = 0; i < attention_kernel_count(); ++i) {
    const AttentionKernel& kernel = attention_kernel_at(i);
    for (float bad : {NAN, INFINITY, -INFINITY}) {
      // 9 rows, 12 keys: row q sees keys [0, q + 1); key 10 holds `bad` in every
      // value and key dimension, so rows 10 and up see it and the others must not.
      Case c(9 + 3, 12, 5, 3);
      for (std::size_t d = 0; d < c.dim; ++d) c.vt[d * c.vt_stride + 10] = bad;
      for (std::size_t d = 0; d < c.dim; ++d) c.k[10 * c.k_stride + d] = bad;
      std::vector<uint32_t> lo(c.rows, 0), hi(c.rows);
      for (std::size_t q = 0; q < c.rows; ++q) hi[q] = static_cast<uint32_t>(std::min<std::size_t>(q + 1, c.keys));
      c.mask(lo, hi);
      kernel.run(c.block());
      for (std::size_t q = 0; q < c.rows; ++q) {
        bool finite = std::isfinite(c.row_sum[q]);
        for (std::size_t d = 0; d < c.dim; ++d) finite = finite && std::isfinite(c.ot[d * B + q]);
        EXPECT_EQ(finite, q < 10) << kernel.name << " value " << bad << " row " << q;
      }
    }
  }
}

TEST(AttentionBlock, TheChosenKernelIsListedAndRunsOnThisCpu) {
  const AttentionKernel& chosen = attention_kernel();
  bool listed = false;
  for (std::size_t i = 0; i < attention_kernel_count(); ++i) listed |= &attention_kernel_at(i) == &chosen;
  EXPECT_TRUE(listed) << chosen.name;
  EXPECT_STREQ(attention_kernel_at(attention_kernel_count() - 1).name, "reference");
}

}  // namespace
}  // namespace ringrt
