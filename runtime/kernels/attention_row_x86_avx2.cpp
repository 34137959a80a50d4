// The streaming attention kernel for AVX2 with FMA and F16C (x86-64-v3, this file's
// flags): 8 lanes, f16 widened by vcvtph2ps, int8 by vpmovsxbd + vcvtdq2ps.
#include "attention_block_variants.hpp"
#include "attention_row_impl.hpp"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace ringrt {

#if defined(__x86_64__)
namespace {

typedef float F8x __attribute__((vector_size(32)));
typedef int32_t I8x __attribute__((vector_size(32)));

struct Avx2Loader {
  static F8x load(const float* p) { return load_v<F8x>(p); }
  static F8x load(const uint16_t* p) {
    return static_cast<F8x>(_mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))));
  }
  static F8x load(const int8_t* p) {
    return static_cast<F8x>(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)))));
  }
};

}  // namespace

void attend_row_avx2(const AttentionRow& r) { attend_row_t<F8x, I8x, Avx2Loader>(r); }
#endif

}  // namespace ringrt
