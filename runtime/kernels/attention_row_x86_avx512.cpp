// The streaming attention kernel for AVX-512 (x86-64-v4, this file's flags): 16
// lanes, f16 widened by vcvtph2ps, int8 by vpmovsxbd + vcvtdq2ps.
#include "attention_block_variants.hpp"
#include "attention_row_impl.hpp"

#if defined(__x86_64__)
#include <immintrin.h>
// GCC 12's AVX-512 conversion intrinsics start from _mm512_undefined_*(), which it
// then reports as maybe used uninitialised once inlined (Clang has no such warning).
#if !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#endif

namespace ringrt {

#if defined(__x86_64__)
namespace {

typedef float F16x __attribute__((vector_size(64)));
typedef int32_t I16x __attribute__((vector_size(64)));

struct Avx512Loader {
  static F16x load(const float* p) { return load_v<F16x>(p); }
  static F16x load(const uint16_t* p) {
    return static_cast<F16x>(_mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p))));
  }
  static F16x load(const int8_t* p) {
    return static_cast<F16x>(_mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)))));
  }
};

}  // namespace

void attend_row_avx512(const AttentionRow& r) { attend_row_t<F16x, I16x, Avx512Loader>(r); }
#endif

}  // namespace ringrt
