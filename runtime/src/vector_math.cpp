#include "vector_math.hpp"

#include <cstdint>
#include <cstring>

// ifunc resolvers run before sanitizer runtimes initialise, so sanitizer builds
// use the baseline code only.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_THREAD__) && \
    !defined(__SANITIZE_ADDRESS__)
#define RINGRT_MULTIVERSION __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define RINGRT_MULTIVERSION
#endif

namespace ringrt {

namespace {

// exp(x) for x in [-87, 0]: x = n*ln2 + r with |r| <= ln2/2, exp(r) by a degree-6
// polynomial, 2^n assembled in the exponent bits.
inline float exp_nonpositive(float x) {
  x = x < -87.0f ? -87.0f : x;
  const float kMagic = 12582912.0f;  // 1.5 * 2^23: rounds to nearest integer
  const float t = x * 1.44269504088896341f + kMagic;
  const float n = t - kMagic;
  float r = x - n * 0.693145751953125f;
  r = r - n * 1.428606765330187045e-06f;
  float p = 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  int32_t bits;
  std::memcpy(&bits, &t, sizeof bits);
  const int32_t e = (bits - 0x4B400000) + 127;  // integer n recovered from t's mantissa
  const int32_t scale_bits = e << 23;
  float s;
  std::memcpy(&s, &scale_bits, sizeof s);
  return p * s;
}

// erf(z) for all z, Abramowitz & Stegun 7.1.26 (|error| <= 1.5e-7).
inline float erf_approx(float z) {
  const float a = z < 0.0f ? -z : z;
  const float t = 1.0f / (1.0f + 0.3275911f * a);
  float poly = 1.061405429f;
  poly = poly * t - 1.453152027f;
  poly = poly * t + 1.421413741f;
  poly = poly * t - 0.284496736f;
  poly = poly * t + 0.254829592f;
  poly = poly * t;
  const float y = 1.0f - poly * exp_nonpositive(-a * a);
  return z < 0.0f ? -y : y;
}

}  // namespace

RINGRT_MULTIVERSION
float exp_shifted_sum(float* x, std::size_t n, float shift, float scale) {
  for (std::size_t i = 0; i < n; ++i) x[i] = exp_nonpositive((x[i] - shift) * scale);
  // Eight running sums in a fixed order: vectorises and stays deterministic.
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (int k = 0; k < 8; ++k) acc[k] += x[i + k];
  }
  float sum = 0.0f;
  for (; i < n; ++i) sum += x[i];
  for (int k = 0; k < 8; ++k) sum += acc[k];
  return sum;
}

RINGRT_MULTIVERSION
void exp_shifted_each(float* x, const float* shift, std::size_t n, float scale) {
  for (std::size_t i = 0; i < n; ++i) x[i] = exp_nonpositive((x[i] - shift[i]) * scale);
}

RINGRT_MULTIVERSION
void gelu_inplace(float* x, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    const float v = x[i];
    x[i] = 0.5f * v * (1.0f + erf_approx(v * 0.70710678118654752f));
  }
}

RINGRT_MULTIVERSION
float max_of(const float* x, std::size_t n) {
  float acc[8];
  for (int k = 0; k < 8; ++k) acc[k] = x[0];
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (int k = 0; k < 8; ++k) acc[k] = x[i + k] > acc[k] ? x[i + k] : acc[k];
  }
  float m = x[0];
  for (; i < n; ++i) m = x[i] > m ? x[i] : m;
  for (int k = 0; k < 8; ++k) m = acc[k] > m ? acc[k] : m;
  return m;
}

}  // namespace ringrt
