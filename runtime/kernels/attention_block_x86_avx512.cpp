// The fused attention kernel for AVX-512 (x86-64-v4, this file's flags): 16 lanes,
// tiles of 32 rows by 8 keys or dimensions (16 of the 32 vector registers: a wider
// tile spends more on the tail of D = 64, 80 or 128 than it gains).
#include "attention_block_impl.hpp"
#include "attention_block_variants.hpp"

namespace ringrt {

#if defined(__x86_64__)
void attend_block_avx512(const AttentionBlock& b) {
  typedef float F __attribute__((vector_size(64)));
  typedef int32_t I __attribute__((vector_size(64)));
  attend_block_t<F, I, 2, 8, 8>(b);
}
#endif

}  // namespace ringrt
