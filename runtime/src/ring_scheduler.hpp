// The ring scheduler: exact causal attention of one round of queries against the
// whole KV history, on P workers in lockstep.
//
// The round's R query rows are split into A <= P contiguous blocks, one per worker.
// KV chunk i (positions [iC, iC + C)) is loaded into a ring slot at step i - 1 and
// enters the ring at the last worker at step i; at every step each worker combines
// its queries with the chunk it holds (online softmax), then the chunk moves one
// worker down. With A + 1 slots the next chunk is prepared (read from the store and
// packed into XNNPACK operators, split across the workers) while the current ones
// are used; each chunk is read and packed once per round and used by every worker
// that needs it. Chunks entirely above a worker's causal diagonal are skipped.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kv_store.hpp"
#include "thread_pool.hpp"
#include "xnn_allocator.hpp"
#include "xnn_fully_connected.hpp"

namespace ringrt {

struct RingGeometry {
  uint32_t workers;   // P
  uint32_t chunk;     // C
  uint32_t heads;
  uint32_t head_dim;  // D
};

// One ring slot: the K and V operators of every head for the chunk it holds.
struct RingSlot {
  FullyConnected* ops;  // 2 * heads: [2j] = K of head j, [2j + 1] = V of head j
  MemoryPool* pools;    // one pool per operator
  float* scratch;       // 2 * heads * C * D floats for stores that read into the slot (may be null)
};

// Per-worker working buffers.
struct RingWorkerBuffers {
  float* scores;  // C * C
  float* pv;      // C * D
  float* state;   // heads * C running max, heads * C running sum, C rescale factors
};

class RingScheduler {
 public:
  // `slots` has workers + 1 entries, `buffers` has workers entries.
  void bind(const RingGeometry& g, RingSlot* slots, RingWorkerBuffers* buffers, KvStore* store,
            ThreadPool* threads);

  // attention[r] (row stride H) = causal attention of query row r (position start + r,
  // read from qkv with row stride 3H) over positions [0, start + r]. KV of every
  // position up to start + rows must already be in the store.
  Status run(uint32_t layer, uint64_t start, std::size_t rows, const float* qkv, float* attention);

 private:
  struct Round;
  static void step_item(void* ctx, std::size_t worker);
  Status prepare_share(const Round& round, uint64_t chunk, std::size_t worker);
  Status attend(const Round& round, std::size_t worker, uint64_t chunk);
  void finish_rows(const Round& round, std::size_t worker);

  RingGeometry g_{};
  RingSlot* slots_ = nullptr;
  RingWorkerBuffers* buffers_ = nullptr;
  KvStore* store_ = nullptr;
  ThreadPool* threads_ = nullptr;
};

}  // namespace ringrt
