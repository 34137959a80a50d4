// The planner: every buffer a session needs, sized from the model and the session
// options before anything is allocated. Session::create allocates exactly this.
#pragma once

#include <cstddef>
#include <cstdint>

#include "model_contract.hpp"
#include "ringrt/ringrt.hpp"

namespace ringrt {

// Indices of the plan's entries (the order the arena is laid out in).
enum ArenaEntry : std::size_t {
  kPlanInput,
  kPlanResidual,
  kPlanNormed,
  kPlanQkv,
  kPlanAttention,
  kPlanFfn,
  kPlanScores,
  kPlanPv,
  kPlanSoftmax,
  kPlanPartials,
  kPlanQueries,
  kPlanNormWeights,
  kPlanSinks,
  kPlanF16Scratch,
  kPlanDenseOps,
  kPlanSlotOps,
  kPlanKeySplitOps,
  kPlanOutput,
  kPlanSlotBuffers,
  kPlanExchange,
  kPlanKvStaging,
  kPlanKvStore,
  kPlanResidualStream,
  kPlanCount
};

// Sizes the planner derived, used by the session to carve the arena.
struct PlanDetails {
  std::size_t dense_bytes[5];     // XNNPACK pool bytes: input proj, qkv, out, up, down
  std::size_t slot_op_bytes[2];   // one K operator, one V operator of a ring slot
  std::size_t split_op_bytes[2];  // the key split's query operator (per head) and probability operator
  std::size_t f16_scratch_floats; // 0 for float32 models
  bool file_store;                // KV history in a file
  bool kv_ring;                   // a causal sliding-window model: the store is a ring (kv_store.hpp)
  bool layer_by_layer;            // a bidirectional model: one layer's KV, the residual stream stored
  char residual_path[272];        // layer by layer with a file store: the residual stream's file
  char store_path[256];           // the file store's path
};

// Parses SessionOptions::kv_store ("memory" / nullptr, or "file:PATH").
Status parse_kv_store(const char* spec, bool* file_store, char* path, std::size_t path_size);

Status plan_buffers(const ModelOptions& model, bool weights_f16, const SessionOptions& options,
                    MemoryPlan* plan, PlanDetails* details);

// Positions a sliding-window ring store needs: every key a round of `round` queries
// can see (window - 1 before the round, rounded down to a chunk) plus the round.
uint64_t window_ring_positions(uint32_t window, uint32_t chunk, uint64_t round);

// Worker count for `requested` (0 = online cores), clamped to [1, 64].
uint32_t resolve_workers(uint32_t requested);

}  // namespace ringrt
