// FMA peak on 128-bit vectors with the target's baseline flags (SSE2 on x86-64: a
// multiply and an add; NEON on aarch64, NEON on armhf with -mfpu=neon).
#include "fma_chains.hpp"
#include "fma_peak.hpp"

namespace bench {

double fma_chains_simd128(long iterations, float* out) {
  typedef float F __attribute__((vector_size(16)));
#if defined(__aarch64__)
  return fma_chains<F, 24>(iterations, out);
#else
  return fma_chains<F, 12>(iterations, out);
#endif
}

}  // namespace bench
