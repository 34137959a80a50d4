// FMA peak on AVX2 with FMA (this file's flags: x86-64-v3): 12 chains of 8 floats.
#include "fma_chains.hpp"
#include "fma_peak.hpp"

namespace bench {

double fma_chains_avx2(long iterations, float* out) {
#if defined(__x86_64__)
  typedef float F __attribute__((vector_size(32)));
  return fma_chains<F, 12>(iterations, out);
#else
  (void)iterations, (void)out;
  return 0;
#endif
}

}  // namespace bench
