// The session's plan: every arena entry a session needs, sized from the model and
// the session options before anything is allocated. Each module sizes its own
// buffers (the worker ring, the KV stores, the rank ring, the XNNPACK operators);
// this names them, puts them in the arena's order and lays the arena out.
// Session::create allocates exactly this.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kv_store.hpp"
#include "kv_store_spec.hpp"
#include "model_contract.hpp"
#include "ringrt/ringrt.hpp"
#include "worker_ring_buffers.hpp"

namespace ringrt {

class Arena;
class ModelImpl;

// The arena's entries, in the order it is laid out in.
enum ArenaEntry : std::size_t {
  kEntryInput,
  kEntryResidual,
  kEntryNormed,
  kEntryQkv,
  kEntryAttention,
  kEntryFfn,
  kEntryScores,
  kEntrySoftmax,
  kEntryQueries,
  kEntryNormWeights,
  kEntrySinks,
  kEntryF16Scratch,
  kEntryDenseOps,
  kEntryQueryBlocks,
  kEntryOutput,
  kEntrySlotBuffers,
  kEntryRankMessages,
  kEntryKvStaging,
  kEntryKvStore,
  kEntryResidualStream,
  kEntryCount
};

// What the plan derived beyond the entries' sizes, for the session to build with.
struct PlanDetails {
  std::size_t dense_bytes[5];      // XNNPACK pool bytes: input proj, qkv, out, up, down
  WorkerRingSizes ring;            // the worker ring's entries and operator pools
  std::size_t f16_scratch_floats;  // 0 for float32 models
  KvStoreSpec kv;                  // memory or file, and the file names
  KvGeometry kv_geometry;          // what the KV store holds and how
  RingGeometry ring_geometry;      // the worker ring's shape
  bool window_buffer;              // a causal sliding-window model keeps its KV in a window buffer
  bool layer_by_layer;             // a bidirectional model: one layer's KV, the residual stream stored
};

// The plan of a session of `model` with `options`: checks the options, reads the
// KV store spec, sizes every entry and lays out the arena.
Status plan_session_buffers(const ModelOptions& model, bool weights_f16, const SessionOptions& options,
                            MemoryPlan* plan, PlanDetails* details);

// An entry's memory in the arena allocated for `plan`.
uint8_t* entry_memory(const Arena& arena, const MemoryPlan& plan, ArenaEntry entry);
inline float* entry_floats(const Arena& arena, const MemoryPlan& plan, ArenaEntry entry) {
  return reinterpret_cast<float*>(entry_memory(arena, plan, entry));
}

}  // namespace ringrt
