// Masked keys never reach a query of the key split, whatever their values hold (the
// query ring's fused kernel does the same inside, attention_block_impl.hpp). Their
// probabilities are exactly 0, but the P·V matmul still multiplies them by the keys' values, and
// 0 x Inf and 0 x NaN are NaN: one value that is not finite would turn the output of
// every query of its chunk into NaN, also of the queries before it (causality
// broken). So after the P·V of a chunk that masks some of the rows using it (the
// diagonal chunk, a window's edge: one or two chunks per round, never the bulk of
// the history), the block is scanned (vectorised: n·D values, next to the chunk's
// 2·n·nk·D multiply-adds), and a row that is not finite is summed again over its visible keys
// only: it stays NaN or Inf if a key it sees holds one, and becomes the finite row
// it should be if not. With finite values the scan finds nothing and changes nothing.
#include <cmath>

#include "finite_scan.hpp"
#include "worker_ring.hpp"

namespace ringrt {

namespace {

// Keys [lo, hi) of the chunk of nk keys from key0, as chunk offsets [*a, *b).
void clip(uint64_t lo, uint64_t hi, uint64_t key0, std::size_t nk, std::size_t* a, std::size_t* b) {
  *a = lo > key0 ? static_cast<std::size_t>(lo - key0 < nk ? lo - key0 : nk) : 0;
  *b = hi > key0 ? static_cast<std::size_t>(hi - key0 < nk ? hi - key0 : nk) : 0;
}

// out[d * out_stride] = sum over keys [a, b) of p[key * p_stride] * Vᵀ[d][key], d < D.
void visible_sum(const float* p, std::size_t p_stride, const KvView& vt, std::size_t D, std::size_t a, std::size_t b,
                 float* out, std::size_t out_stride) {
  for (std::size_t d = 0; d < D; ++d) {
    const float* v = vt.data + d * vt.stride;
    float sum = 0.0f;
    for (std::size_t key = a; key < b; ++key) sum += p[key * p_stride] * v[key];
    out[d * out_stride] = sum;
  }
}

}  // namespace

void WorkerRing::split_restrict_to_visible(const Split& sp, const KvView& vt, uint64_t key0, std::size_t nk,
                                           const float* probs, float* out) const {
  const std::size_t D = g_.head_dim, R = sp.rows;
  if (first_non_finite(out, D * R) == D * R) return;
  for (std::size_t q = 0; q < R; ++q) {
    bool finite = true;
    for (std::size_t d = 0; d < D && finite; ++d) finite = std::isfinite(out[d * R + q]);
    if (finite) continue;
    std::size_t a, b;
    clip(sp.lo[q], sp.hi[q], key0, nk, &a, &b);
    visible_sum(probs + q, R, vt, D, a, b, out + q, R);
  }
}

}  // namespace ringrt
