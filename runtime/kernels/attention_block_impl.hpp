// The fused attention kernel (attention_block.hpp), written once for any vector of
// floats. Each ISA's translation unit includes this header, compiled with its own
// instruction set, and instantiates attend_block_t with its vector types and tile
// sizes; everything here has internal linkage, so no instantiation compiled for
// one instruction set can be linked into another's.
//
//   F, I     vectors of L floats / L int32 (GCC vector extensions)
//   QV       vectors of query lanes per register tile (a tile spans QV * L rows)
//   NK       keys per score tile:    QV * NK accumulators, QV loads + NK broadcasts per dimension
//   ND       dimensions per P·V tile: QV * ND accumulators, QV loads + ND broadcasts per key
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "attention_block.hpp"
#include "vector_exp.hpp"
#include "vector_lanes.hpp"

namespace ringrt {
namespace {

// Every lane = x (x - 0 is x for every float, -0 and NaN included, so this folds to
// a broadcast; 0 + x would not).
template <typename F>
inline F splat(float x) {
  return x - F{};
}

// c * tanh(x * inner), lane by lane.
template <typename F>
inline F soft_cap(F x, float c, float inner) {
  for (std::size_t l = 0; l < sizeof(F) / sizeof(float); ++l) x[l] = c * ::tanhf(x[l] * inner);
  return x;
}

template <typename F, typename I, int QV, int NK, int ND>
void attend_block_t(const AttentionBlock& b) {
  constexpr std::size_t L = sizeof(F) / sizeof(float);
  constexpr std::size_t T = QV * L;  // rows per register tile
  constexpr std::size_t W = kAttentionBlockRows;
  static_assert(W % T == 0, "a block is a whole number of register tiles");
  typedef uint32_t U __attribute__((vector_size(sizeof(F))));
  const std::size_t D = b.dim, tiles = (b.rows + T - 1) / T;
  const bool masked = b.lo != nullptr;

  // The keys some row sees: [k0, k1).
  std::size_t k0 = 0, k1 = b.keys;
  alignas(64) int32_t lo[W], hi[W];
  if (masked) {
    k0 = b.keys;
    k1 = 0;
    for (std::size_t q = 0; q < W; ++q) {
      lo[q] = q < b.rows ? static_cast<int32_t>(b.lo[q]) : 0;
      hi[q] = q < b.rows ? static_cast<int32_t>(b.hi[q]) : 0;
      if (lo[q] >= hi[q]) continue;
      if (static_cast<std::size_t>(lo[q]) < k0) k0 = static_cast<std::size_t>(lo[q]);
      if (static_cast<std::size_t>(hi[q]) > k1) k1 = static_cast<std::size_t>(hi[q]);
    }
    if (k0 >= k1) return;
  }
  float* s = b.scratch;           // scores, then probabilities: [key][W]
  float* pv = s + b.keys * W;     // this chunk's P·V: [D][W]

  // Scores: a tile of T rows by NK keys, accumulated over the D dimensions; each
  // tile masked (a key outside a row's range becomes -inf) and folded into the
  // rows' running maxima as it is stored.
  const F minus_inf = F{} - INFINITY;
  F m_new[W / L];
  for (std::size_t t = 0; t < tiles; ++t) {
    const float* qt = b.qt + t * T;
    I lo_v[QV], hi_v[QV];
    F m[QV];
    for (int v = 0; v < QV; ++v) {
      lo_v[v] = masked ? load_v<I>(reinterpret_cast<const float*>(lo + t * T + v * L)) : I{};
      hi_v[v] = masked ? load_v<I>(reinterpret_cast<const float*>(hi + t * T + v * L)) : I{};
      m[v] = minus_inf;
    }
    for (std::size_t i0 = k0; i0 < k1; i0 += NK) {
      const float* kp[NK];
      for (int j = 0; j < NK; ++j) {
        const std::size_t i = i0 + j < k1 ? i0 + j : k1 - 1;  // a tail tile repeats the last key
        kp[j] = b.k + i * b.k_stride;
      }
      F acc[QV][NK] = {};
      for (std::size_t d = 0; d < D; ++d) {
        F q[QV];
#pragma GCC unroll 4
        for (int v = 0; v < QV; ++v) q[v] = load_v<F>(qt + d * W + v * L);
#pragma GCC unroll 16
        for (int j = 0; j < NK; ++j) {
          const F kb = splat<F>(kp[j][d]);
#pragma GCC unroll 4
          for (int v = 0; v < QV; ++v) acc[v][j] += q[v] * kb;
        }
      }
      auto finish = [&](std::size_t j) {
        const I key = I{} + static_cast<int32_t>(i0 + j);
#pragma GCC unroll 4
        for (int v = 0; v < QV; ++v) {
          F x = acc[v][j];
          if (b.softcap > 0) x = soft_cap(x, b.softcap, b.softcap_inner);
          if (masked) x = ((key >= lo_v[v]) & (key < hi_v[v])) ? x : minus_inf;
          m[v] = x > m[v] ? x : m[v];
          store_v(s + (i0 + j) * W + t * T + v * L, x);
        }
      };
      if (i0 + NK <= k1) {
#pragma GCC unroll 16
        for (int j = 0; j < NK; ++j) finish(static_cast<std::size_t>(j));
      } else {
        for (std::size_t j = 0; i0 + j < k1; ++j) finish(j);
      }
    }
    for (int v = 0; v < QV; ++v) m_new[t * QV + v] = m[v];
  }

  // The online softmax, lane-parallel over the rows: scores become probabilities.
  alignas(64) float alpha[W];
  for (std::size_t t = 0; t < tiles; ++t) {
    for (int v = 0; v < QV; ++v) {
      const std::size_t lane0 = t * T + v * L;
      F m_old = minus_inf, sum = F{};
      for (std::size_t l = 0; l < L && lane0 + l < b.rows; ++l) {
        m_old[l] = b.row_max[lane0 + l];
        sum[l] = b.row_sum[lane0 + l];
      }
      const F m = m_new[t * QV + v] > m_old ? m_new[t * QV + v] : m_old;
      const F a = exp_nonpositive_t<F, U>((m_old - m) * b.exp_scale);
      const F keep = m == minus_inf ? F{} + 1.0f : (m_old == minus_inf ? F{} : a);
      F total = F{};
      for (std::size_t i = k0; i < k1; ++i) {
        const F x = load_v<F>(s + i * W + lane0);
        const F p = x == minus_inf ? F{} : exp_nonpositive_t<F, U>((x - m) * b.exp_scale);
        store_v(s + i * W + lane0, p);
        total += p;
      }
      sum = sum * keep + total;
      store_v(alpha + lane0, keep);
      for (std::size_t l = 0; l < L && lane0 + l < b.rows; ++l) {
        b.row_max[lane0 + l] = m[l];
        b.row_sum[lane0 + l] = sum[l];
      }
    }
  }

  // P·V: a tile of T rows by ND dimensions, accumulated over the keys. Unmasked, it
  // goes straight into O = a * O + P·V; masked, through the scratch (below).
  for (std::size_t t = 0; t < tiles; ++t) {
    for (std::size_t d0 = 0; d0 < D; d0 += ND) {
      const float* vp[ND];
      for (int j = 0; j < ND; ++j) {
        const std::size_t d = d0 + j < D ? d0 + j : D - 1;
        vp[j] = b.vt + d * b.vt_stride;
      }
      F acc[QV][ND] = {};
      for (std::size_t i = k0; i < k1; ++i) {
        F p[QV];
#pragma GCC unroll 4
        for (int v = 0; v < QV; ++v) p[v] = load_v<F>(s + i * W + t * T + v * L);
#pragma GCC unroll 16
        for (int j = 0; j < ND; ++j) {
          const F vb = splat<F>(vp[j][i]);
#pragma GCC unroll 4
          for (int v = 0; v < QV; ++v) acc[v][j] += p[v] * vb;
        }
      }
      const std::size_t n = D - d0 < static_cast<std::size_t>(ND) ? D - d0 : ND;
      for (std::size_t j = 0; j < n; ++j) {
        for (int v = 0; v < QV; ++v) {
          const std::size_t at = (d0 + j) * W + t * T + v * L;
          if (masked) {
            store_v(pv + at, acc[v][j]);
          } else {
            store_v(b.ot + at, load_v<F>(b.ot + at) * load_v<F>(alpha + t * T + v * L) + acc[v][j]);
          }
        }
      }
    }
  }
  if (!masked) return;

  // A masked key's probability is 0, but 0 x Inf and 0 x NaN are NaN: a row of a
  // masked block whose P·V is not finite is summed again over its visible keys only
  // (it stays NaN or Inf if a key it sees holds one).
  const F max_finite = F{} + 3.40282347e38f;
  for (std::size_t t = 0; t < tiles * QV; ++t) {
    I bad = I{};
    for (std::size_t d = 0; d < D; ++d) {
      const F x = load_v<F>(pv + d * W + t * L);
      bad |= !((x >= -max_finite) & (x <= max_finite));
    }
    for (std::size_t l = 0; l < L; ++l) {
      const std::size_t q = t * L + l;
      if (!bad[l] || q >= b.rows) continue;
      for (std::size_t d = 0; d < D; ++d) {
        const float* v = b.vt + d * b.vt_stride;
        float sum = 0.0f;
        for (int32_t i = lo[q]; i < hi[q]; ++i) sum += s[static_cast<std::size_t>(i) * W + q] * v[i];
        pv[d * W + q] = sum;
      }
    }
  }

  // O = a * O + P·V.
  for (std::size_t d = 0; d < D; ++d) {
    float* o = b.ot + d * W;
    const float* p = pv + d * W;
    for (std::size_t l = 0; l < tiles * T; l += L) store_v(o + l, load_v<F>(o + l) * load_v<F>(alpha + l) + load_v<F>(p + l));
  }
}

}  // namespace
}  // namespace ringrt
