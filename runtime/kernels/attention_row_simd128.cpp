// The streaming attention kernel on 128-bit vectors, with the flags of
// attention_block_simd128.cpp: NEON on aarch64 (f16 widened by fcvtl, int8 by sxtl
// + scvtf), and SSE2 on x86-64 or NEON on armhf with each lane widened on its own.
#include "attention_block_variants.hpp"
#include "attention_row_impl.hpp"

#if defined(__aarch64__)
#include <arm_neon.h>
#endif

namespace ringrt {

namespace {

typedef float F4x __attribute__((vector_size(16)));
typedef int32_t I4x __attribute__((vector_size(16)));

#if defined(__aarch64__)
struct Simd128Loader {
  static F4x load(const float* p) { return load_v<F4x>(p); }
  static F4x load(const uint16_t* p) { return static_cast<F4x>(vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(p)))); }
  static F4x load(const int8_t* p) {
    int32_t w;
    std::memcpy(&w, p, sizeof w);
    const int16x8_t h = vmovl_s8(vreinterpret_s8_s32(vdup_n_s32(w)));
    return static_cast<F4x>(vcvtq_f32_s32(vmovl_s16(vget_low_s16(h))));
  }
};
#else
typedef ScalarWidenLoader<F4x> Simd128Loader;
#endif

}  // namespace

void attend_row_simd128(const AttentionRow& r) { attend_row_t<F4x, I4x, Simd128Loader>(r); }

}  // namespace ringrt
