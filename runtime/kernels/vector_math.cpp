#include "vector_math.hpp"

#include <cstdint>
#include <cstring>

#include "multiversion.hpp"
#include "vector_exp.hpp"

// The 64-byte vector helpers below are internal (inlined, never an ABI boundary),
// so the compilers' note that passing them changes the ABI without AVX does not apply.
#if defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wpsabi"
#endif

namespace ringrt {

namespace {

typedef float f32x16 __attribute__((vector_size(64)));
typedef uint32_t u32x16 __attribute__((vector_size(64)));

inline float exp_nonpositive(float x) { return exp_nonpositive_t<float, uint32_t>(x); }
inline f32x16 exp_nonpositive(f32x16 x) { return exp_nonpositive_t<f32x16, u32x16>(x); }

inline f32x16 load16(const float* p) {
  f32x16 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store16(float* p, f32x16 v) { std::memcpy(p, &v, sizeof v); }

// erf(z) for all z, Abramowitz & Stegun 7.1.26 (|error| <= 1.5e-7).
template <typename F>
inline F erf_approx(F z) {
  const F a = z < 0.0f ? -z : z;
  const F t = 1.0f / (1.0f + 0.3275911f * a);
  F poly = F{} + 1.061405429f;
  poly = poly * t - 1.453152027f;
  poly = poly * t + 1.421413741f;
  poly = poly * t - 0.284496736f;
  poly = poly * t + 0.254829592f;
  poly = poly * t;
  const F y = 1.0f - poly * exp_nonpositive(-a * a);
  return z < 0.0f ? -y : y;
}

}  // namespace

RINGRT_MULTIVERSION
float exp_shifted_sum(float* x, std::size_t n, float shift, float scale) {
  // Sixteen running sums in a fixed order: vectorised and deterministic.
  f32x16 acc = {};
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const f32x16 e = exp_nonpositive((load16(x + i) - shift) * scale);
    store16(x + i, e);
    acc += e;
  }
  float sum = 0.0f;
  for (; i < n; ++i) {
    x[i] = exp_nonpositive((x[i] - shift) * scale);
    sum += x[i];
  }
  for (int k = 0; k < 16; ++k) sum += acc[k];
  return sum;
}

RINGRT_MULTIVERSION
void exp_shifted_each(float* x, const float* shift, std::size_t n, float scale) {
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) store16(x + i, exp_nonpositive((load16(x + i) - load16(shift + i)) * scale));
  for (; i < n; ++i) x[i] = exp_nonpositive((x[i] - shift[i]) * scale);
}

RINGRT_MULTIVERSION
void gelu_inplace(float* x, std::size_t n) {
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const f32x16 v = load16(x + i);
    store16(x + i, 0.5f * v * (1.0f + erf_approx(v * 0.70710678118654752f)));
  }
  for (; i < n; ++i) {
    const float v = x[i];
    x[i] = 0.5f * v * (1.0f + erf_approx(v * 0.70710678118654752f));
  }
}

RINGRT_MULTIVERSION
float max_of(const float* x, std::size_t n) {
  f32x16 acc = f32x16{} + x[0];
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const f32x16 v = load16(x + i);
    acc = v > acc ? v : acc;
  }
  float m = x[0];
  for (; i < n; ++i) m = x[i] > m ? x[i] : m;
  for (int k = 0; k < 16; ++k) m = acc[k] > m ? acc[k] : m;
  return m;
}

}  // namespace ringrt
