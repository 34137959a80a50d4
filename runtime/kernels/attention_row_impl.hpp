// The streaming attention kernel (attention_row.hpp), written once for any vector of
// floats F. Each ISA's translation unit includes this header with its own flags and
// instantiates attend_row_t with F and a loader: Ld::load(const T*) widens the N
// elements at p (T = float, uint16_t for IEEE half, int8_t) to an F. Internal
// linkage throughout, as in attention_block_impl.hpp.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <utility>

#include "attention_row.hpp"
#include "fp16.hpp"
#include "vector_exp.hpp"
#include "vector_lanes.hpp"

namespace ringrt {
namespace {

inline float widen(float x) { return x; }
inline float widen(uint16_t h) { return f16_to_f32(h); }
inline float widen(int8_t c) { return static_cast<float>(c); }

// A loader for any F: the lanes widened one by one (the baselines without a
// vector conversion).
template <typename F>
struct ScalarWidenLoader {
  template <typename T>
  static F load(const T* p) {
    constexpr std::size_t N = sizeof(F) / sizeof(float);
    F v;
    for (std::size_t l = 0; l < N; ++l) v[l] = widen(p[l]);
    return v;
  }
};

// The transposing reduction: a[t] (t < N) to one vector whose lane t is the sum of
// a[t]'s lanes. Stage h (segments of h lanes) pairs a[i] with a[i + m/2]; each
// segment's low half comes from the first, its high half from the second, the
// halves of each added, so after log2(N) stages lane t holds a[t]'s total.
constexpr int reduce_index(int lane, int n, int h, bool high) {
  const int seg = lane / h * h, pos = lane % h, half = h / 2;
  return high ? (pos < half ? seg + half + pos : n + seg + pos) : (pos < half ? seg + pos : n + seg + pos - half);
}
// One stage's half of a two-source shuffle (__builtin_shufflevector: GCC >= 12 and
// Clang both take it, with the lane indices as constants).
template <int H, bool High, typename F, int... L>
inline F reduce_pick(F a, F b, std::integer_sequence<int, L...>) {
  return __builtin_shufflevector(a, b, reduce_index(L, static_cast<int>(sizeof...(L)), H, High)...);
}
template <typename F, typename I, int H>
inline void reduce_stage(F* a) {
  constexpr int N = sizeof(F) / sizeof(float);
  constexpr int M = H / 2;  // vectors left after this stage (H before it)
  typedef std::make_integer_sequence<int, N> Lanes;
#pragma GCC unroll 16
  for (int i = 0; i < M; ++i) {
    a[i] = reduce_pick<H, false>(a[i], a[i + M], Lanes{}) + reduce_pick<H, true>(a[i], a[i + M], Lanes{});
  }
  if constexpr (H > 2) reduce_stage<F, I, H / 2>(a);
}
template <typename F, typename I>
inline F reduce_lanes(F* a) {
  if constexpr (sizeof(F) / sizeof(float) > 1) reduce_stage<F, I, static_cast<int>(sizeof(F) / sizeof(float))>(a);
  return a[0];
}

// The lanes of row · x over its first `full` elements (a multiple of N): two
// accumulators, so two FMA chains are in flight.
template <typename F, typename Ld, typename T>
inline F dot_row(const T* row, const float* x, std::size_t full) {
  constexpr std::size_t N = sizeof(F) / sizeof(float);
  F a0 = {}, a1 = {};
  std::size_t e = 0;
  for (; e + 2 * N <= full; e += 2 * N) {
    a0 += Ld::load(row + e) * load_v<F>(x + e);
    a1 += Ld::load(row + e + N) * load_v<F>(x + e + N);
  }
  if (e < full) a0 += Ld::load(row + e) * load_v<F>(x + e);
  return a0 + a1;
}
// out[t] = sum over e < len of x[e] * rows[t * stride + e], for t < count <= N.
// The rows are walked one after another, each from its start to its end, and their
// count sums are added across lanes together at the end: the loads go through memory
// in address order, which the hardware prefetchers follow at the full read
// bandwidth. Walking the N rows side by side (N streams a row stride apart, one
// vector of each in turn) ran a 16K-history append at about half of it
// (bench/README.md, "The streaming kernel's load order").
template <typename F, typename I, typename Ld, typename T>
inline void dot_rows(const T* rows, std::size_t stride, std::size_t count, const float* x, std::size_t len,
                     float* out) {
  constexpr std::size_t N = sizeof(F) / sizeof(float);
  const std::size_t full = len / N * N;
  F acc[N] = {};
  for (std::size_t t = 0; t < count; ++t) acc[t] = dot_row<F, Ld>(rows + t * stride, x, full);
  alignas(64) float sums[N];
  store_v(sums, reduce_lanes<F, I>(acc));
  for (std::size_t t = 0; t < count; ++t) {
    float tail = 0.0f;
    for (std::size_t e = full; e < len; ++e) tail += x[e] * widen(rows[t * stride + e]);
    out[t] = sums[t] + tail;
  }
}

// x[i] *= scale[i], i < n.
template <typename F>
inline void scale_each(float* x, const float* scale, std::size_t n) {
  constexpr std::size_t N = sizeof(F) / sizeof(float);
  std::size_t i = 0;
  for (; i + N <= n; i += N) store_v(x + i, load_v<F>(x + i) * load_v<F>(scale + i));
  for (; i < n; ++i) x[i] *= scale[i];
}

// s[i] = score of key lo + i, i < n (raw dot products, int8 scales applied).
template <typename F, typename I, typename Ld, typename T>
inline void row_scores(const AttentionRow& r, std::size_t lo, std::size_t n, float* s) {
  constexpr std::size_t N = sizeof(F) / sizeof(float);
  const T* k = static_cast<const T*>(r.k.data) + lo * r.k.stride;
  for (std::size_t i = 0; i < n; i += N) {
    dot_rows<F, I, Ld>(k + i * r.k.stride, r.k.stride, n - i < N ? n - i : N, r.q, r.dim, s + i);
  }
  if (r.k.scales) scale_each<F>(s, r.k.scales + lo, n);
}

// o[d] += sum over i < n of p[i] * Vᵀ[d][lo + i] (p with int8 scales applied).
template <typename F, typename I, typename Ld, typename T>
inline void row_values(const AttentionRow& r, std::size_t lo, std::size_t n, const float* p) {
  constexpr std::size_t N = sizeof(F) / sizeof(float);
  const T* vt = static_cast<const T*>(r.vt.data) + lo;
  alignas(64) float out[N];
  for (std::size_t d0 = 0; d0 < r.dim; d0 += N) {
    const std::size_t count = r.dim - d0 < N ? r.dim - d0 : N;
    dot_rows<F, I, Ld>(vt + d0 * r.vt.stride, r.vt.stride, count, p, n, out);
    for (std::size_t t = 0; t < count; ++t) r.o[d0 + t] += out[t];
  }
}

template <typename F, typename I, typename Ld>
void attend_row_t(const AttentionRow& r) {
  constexpr std::size_t N = sizeof(F) / sizeof(float);
  typedef uint32_t U __attribute__((vector_size(sizeof(F))));
  const std::size_t lo = r.lo, hi = r.hi < r.keys ? r.hi : r.keys;
  if (lo >= hi) return;
  const std::size_t n = hi - lo;
  float* s = r.scratch;
  switch (r.k.dtype) {
    case KvDtype::kF16: row_scores<F, I, Ld, uint16_t>(r, lo, n, s); break;
    case KvDtype::kInt8: row_scores<F, I, Ld, int8_t>(r, lo, n, s); break;
    default: row_scores<F, I, Ld, float>(r, lo, n, s); break;
  }
  if (r.softcap > 0) {
    for (std::size_t i = 0; i < n; ++i) s[i] = r.softcap * ::tanhf(s[i] * r.softcap_inner);
  }
  // The running maximum (a NaN score is passed over here and poisons the sum below).
  const F minus_inf = F{} - INFINITY;
  F mv = minus_inf;
  std::size_t i = 0;
  for (; i + N <= n; i += N) {
    const F x = load_v<F>(s + i);
    mv = x > mv ? x : mv;
  }
  const float m_old = *r.row_max;
  float m = m_old;
  for (std::size_t l = 0; l < N; ++l) m = mv[l] > m ? mv[l] : m;
  for (; i < n; ++i) m = s[i] > m ? s[i] : m;
  if (m == -INFINITY) return;  // every visible score is -inf: nothing to add
  const float keep = m_old == -INFINITY ? 0.0f : exp_nonpositive_t<float, uint32_t>((m_old - m) * r.exp_scale);
  F total_v = F{};
  i = 0;
  for (; i + N <= n; i += N) {
    const F x = load_v<F>(s + i);
    const F p = x == minus_inf ? F{} : exp_nonpositive_t<F, U>((x - m) * r.exp_scale);
    store_v(s + i, p);
    total_v += p;
  }
  float total = 0.0f;
  for (std::size_t l = 0; l < N; ++l) total += total_v[l];
  for (; i < n; ++i) {
    s[i] = s[i] == -INFINITY ? 0.0f : exp_nonpositive_t<float, uint32_t>((s[i] - m) * r.exp_scale);
    total += s[i];
  }
  *r.row_max = m;
  *r.row_sum = *r.row_sum * keep + total;
  for (std::size_t d = 0; d < r.dim; ++d) r.o[d] *= keep;
  if (r.vt.scales) scale_each<F>(s, r.vt.scales + lo, n);
  switch (r.vt.dtype) {
    case KvDtype::kF16: row_values<F, I, Ld, uint16_t>(r, lo, n, s); break;
    case KvDtype::kInt8: row_values<F, I, Ld, int8_t>(r, lo, n, s); break;
    default: row_values<F, I, Ld, float>(r, lo, n, s); break;
  }
}

}  // namespace
}  // namespace ringrt
