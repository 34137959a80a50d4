// The fused attention kernel of the worker ring: one block of up to 32 query rows of
// one head against one KV chunk, in one pass over the chunk: the scores (register
// tiles of query lanes by keys), the online softmax (vectorised exp; causal and
// window masks as per-row key ranges; logit soft-capping), and P·V accumulated in
// register tiles into the block's running output. Nothing is packed: the keys are
// read as the store holds them (rows of D floats), the values as Vᵀ (rows of the
// chunk's positions), each number broadcast into the tile that uses it; the queries
// and the output are kept transposed (query rows along the vector lanes), so every
// vector the kernel loads or stores is contiguous. A store read (decoding f16 or int8
// once per chunk) serves every block and every query head of the chunk's kv head.
//
// The kernel is written once for any vector width (attention_block_impl.hpp, GCC
// vector extensions) and compiled for AVX-512, AVX2+FMA, the x86-64 baseline (SSE2),
// NEON (aarch64; armhf when the CPU has it) and plain scalar code; attend_block runs
// the fastest one the CPU supports (or the one RINGRT_ATTENTION_KERNEL names).
// attend_block_reference is the straightforward scalar loop the tests hold them to.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ringrt/status.hpp"

namespace ringrt {

// Query rows per block: the lanes of the transposed queries and output.
constexpr std::size_t kAttentionBlockRows = 32;

struct AttentionBlock {
  std::size_t rows;  // query rows in the block, 1 .. kAttentionBlockRows
  std::size_t keys;  // keys in the chunk, >= 1
  std::size_t dim;   // D, >= 1
  // Qᵀ: D rows of kAttentionBlockRows floats (row d: dimension d of every query row;
  // lanes from `rows` on hold zeros).
  const float* qt;
  const float* k;  // key i: D floats at k + i * k_stride
  std::size_t k_stride;
  const float* vt;  // Vᵀ: dimension d of every key: `keys` floats at vt + d * vt_stride
  std::size_t vt_stride;
  float* ot;        // Oᵀ, the running output: D rows of kAttentionBlockRows floats
  float* row_max;   // `rows` running maxima of the scores (-inf before any key)
  float* row_sum;   // `rows` running sums of exp((s - max) * exp_scale)
  // Null: every key is visible to every row. Else row q sees keys [lo[q], hi[q]) of
  // the chunk (lo >= hi: none).
  const uint32_t* lo;
  const uint32_t* hi;
  float exp_scale;      // probabilities are exp((s - max) * exp_scale)
  float softcap;        // c > 0: the score of raw dot product x is c * tanh(x * softcap_inner)
  float softcap_inner;
  float* scratch;       // attention_block_scratch_floats(keys, dim) floats
};

// Scratch one call needs: the block's scores and its P·V.
constexpr std::size_t attention_block_scratch_floats(std::size_t keys, std::size_t dim) {
  return (keys + dim) * kAttentionBlockRows;
}

// For every row q < rows, with s_i the score of key i and V(q) its visible keys:
//   m' = max(m, max over V(q) of s_i), a = exp((m - m') * exp_scale) (0 if m = -inf),
//   sum' = a * sum + sum over V(q) of p_i,  p_i = exp((s_i - m') * exp_scale),
//   O'[:, q] = a * O[:, q] + sum over V(q) of p_i * V_i.
// A row seeing no key of the chunk is left as it was. A key outside V(q) never
// reaches row q, whatever it holds (a NaN or Inf there does not leak in).
void attend_block(const AttentionBlock& b);
void attend_block_reference(const AttentionBlock& b);

// The compiled variants this CPU can run, fastest first; the last is "reference".
struct AttentionRow;
struct AttentionKernel {
  const char* name;  // "avx512", "avx2", "sse2", "neon", "scalar", "reference"
  void (*run)(const AttentionBlock&);
  void (*row)(const AttentionRow&);  // the streaming kernel of the same instruction set (attention_row.hpp)
};
std::size_t attention_kernel_count();
const AttentionKernel& attention_kernel_at(std::size_t i);
// The one attend_block runs: RINGRT_ATTENTION_KERNEL (a name above, if this CPU
// runs it) or the fastest.
const AttentionKernel& attention_kernel();
// Ok, or kInvalidArgument when RINGRT_ATTENTION_KERNEL is set to a name this CPU
// does not run (naming the ones it does): sessions refuse to start on it.
Status check_attention_kernel_request();

}  // namespace ringrt
