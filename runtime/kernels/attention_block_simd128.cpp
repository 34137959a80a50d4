// The fused attention kernel on 128-bit vectors, with the target's baseline flags:
// SSE2 on x86-64, NEON on aarch64 (32 registers: tiles of 8 rows by 12), NEON on
// armhf when this file is built with -mfpu=neon (the build does so for ARM), and
// whatever the compiler makes of 4-float vectors elsewhere.
#include "attention_block_impl.hpp"
#include "attention_block_variants.hpp"

namespace ringrt {

void attend_block_simd128(const AttentionBlock& b) {
  typedef float F __attribute__((vector_size(16)));
  typedef int32_t I __attribute__((vector_size(16)));
#if defined(__aarch64__)
  attend_block_t<F, I, 2, 12, 12>(b);
#else
  attend_block_t<F, I, 2, 6, 6>(b);
#endif
}

}  // namespace ringrt
