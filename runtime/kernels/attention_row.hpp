// The streaming attention kernel of the key split: one query row of one head against
// one KV chunk, reading the chunk as the store keeps it (float32, float16, or int8
// with a float32 scale per position) and widening each vector as it is loaded, so a
// short round (a token or a few being appended) reads every KV byte once and
// decodes nothing into a buffer. The head dimension runs along the vector lanes:
// the scores are dot products of the query with N key rows at a time, the P·V dot
// products of the probabilities with N rows of Vᵀ at a time, the rows of a group
// read one after another in address order and their N accumulators summed across
// lanes in one transposing reduction.
//
// Written once for any vector width (attention_row_impl.hpp) and compiled for the
// same instruction sets as the block kernel (attention_block.hpp), whose dispatcher
// picks both (AttentionKernel::row); attend_row_reference is the plain loop in
// double the tests hold them to.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ringrt/ringrt.hpp"

namespace ringrt {

// One head's chunk as a store holds it.
struct KvChunkView {
  KvDtype dtype;
  const void* data;      // keys: key i at element i * stride (D elements); values: Vᵀ, dimension d at d * stride
  std::size_t stride;    // in elements
  const float* scales;   // int8: a scale per position of the chunk; null otherwise
};

struct AttentionRow {
  std::size_t keys;  // keys in the chunk
  std::size_t dim;   // D
  const float* q;    // the query: D floats
  KvChunkView k;
  KvChunkView vt;
  uint32_t lo, hi;   // the row sees keys [lo, hi) of the chunk (lo >= hi: none)
  float* o;          // the running output: D floats
  float* row_max;    // running maximum score (-inf before any key)
  float* row_sum;    // running sum of exp((s - max) * exp_scale)
  float exp_scale;
  float softcap;     // as in AttentionBlock
  float softcap_inner;
  float* scratch;    // attention_row_scratch_floats(keys) floats
};

// (the reference keeps the probabilities in double: two floats a key)
constexpr std::size_t attention_row_scratch_floats(std::size_t keys) { return 2 * keys + 64; }

// The update of attend_block (attention_block.hpp) for this one row: a key outside
// [lo, hi) is never read, so whatever it holds cannot reach the row.
void attend_row(const AttentionRow& r);
void attend_row_reference(const AttentionRow& r);

}  // namespace ringrt
