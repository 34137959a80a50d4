// The compiled variants of the fused attention kernel (attention_block.hpp) and of the
// streaming kernel (attention_row.hpp), each in
// its own file built for its instruction set; attention_block_dispatch.cpp calls only
// the ones the CPU runs.
#pragma once

#include "attention_block.hpp"
#include "attention_row.hpp"

namespace ringrt {

#if defined(__x86_64__)
void attend_block_avx512(const AttentionBlock& b);
void attend_block_avx2(const AttentionBlock& b);
void attend_row_avx512(const AttentionRow& r);
void attend_row_avx2(const AttentionRow& r);
#endif
void attend_block_simd128(const AttentionBlock& b);
void attend_row_simd128(const AttentionRow& r);

}  // namespace ringrt
