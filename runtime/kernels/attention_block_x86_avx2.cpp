// The fused attention kernel for AVX2 with FMA (x86-64-v3, this file's flags): 8
// lanes, tiles of 16 rows by 6 keys or dimensions (12 of the 16 vector registers).
#include "attention_block_impl.hpp"
#include "attention_block_variants.hpp"

namespace ringrt {

#if defined(__x86_64__)
void attend_block_avx2(const AttentionBlock& b) {
  typedef float F __attribute__((vector_size(32)));
  typedef int32_t I __attribute__((vector_size(32)));
  attend_block_t<F, I, 2, 6, 6>(b);
}
#endif

}  // namespace ringrt
