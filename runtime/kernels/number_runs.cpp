#include "number_runs.hpp"

#include "cpu_features.hpp"
#include "fp16.hpp"
#include "multiversion.hpp"

#if defined(__x86_64__)
#include <immintrin.h>
#elif defined(__aarch64__)
#include <arm_neon.h>
#endif

namespace ringrt {

namespace {

#if defined(__x86_64__)
__attribute__((target("avx,f16c"))) void f16_run_f16c(const uint16_t* s, std::size_t n, float* out) {
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i));
    _mm256_storeu_ps(out + i, _mm256_cvtph_ps(h));
  }
  for (; i < n; ++i) out[i] = f16_to_f32(s[i]);
}

#endif

}  // namespace

void f16_to_f32_run(const uint16_t* s, std::size_t n, float* out) {
  std::size_t i = 0;
#if defined(__x86_64__)
  if (cpu_features().f16c) return f16_run_f16c(s, n, out);
#elif defined(__aarch64__)
  for (; i + 4 <= n; i += 4) vst1q_f32(out + i, vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(s + i))));
#endif
  for (; i < n; ++i) out[i] = f16_to_f32(s[i]);
}

RINGRT_MULTIVERSION void int8_to_f32_run(const int8_t* s, std::size_t n, float scale, float* out) {
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<float>(s[i]) * scale;
}

RINGRT_MULTIVERSION void int8_to_f32_scaled_run(const int8_t* s, std::size_t n, const float* scales, float* out) {
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<float>(s[i]) * scales[i];
}

}  // namespace ringrt
