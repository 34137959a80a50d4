// FMA peak on AVX-512 (this file's flags: x86-64-v4): 24 chains of 16 floats.
#include "fma_chains.hpp"
#include "fma_peak.hpp"

namespace bench {

double fma_chains_avx512(long iterations, float* out) {
#if defined(__x86_64__)
  typedef float F __attribute__((vector_size(64)));
  return fma_chains<F, 24>(iterations, out);
#else
  (void)iterations, (void)out;
  return 0;
#endif
}

}  // namespace bench
