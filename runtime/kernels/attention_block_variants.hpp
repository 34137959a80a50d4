// The compiled variants of the fused attention kernel (attention_block.hpp), each in
// its own file built for its instruction set; attention_block_dispatch.cpp calls only
// the ones the CPU runs.
#pragma once

#include "attention_block.hpp"

namespace ringrt {

#if defined(__x86_64__)
void attend_block_avx512(const AttentionBlock& b);
void attend_block_avx2(const AttentionBlock& b);
#endif
void attend_block_simd128(const AttentionBlock& b);

}  // namespace ringrt
