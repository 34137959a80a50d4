// The worker ring's memory, in one place for every user of the ring (the session,
// the bench's ring rig): the sizes of its arena entries for a geometry, and the ring
// slots and per-worker buffers carved from those entries.
#pragma once

#include <cstddef>
#include <cstdint>

#include "worker_ring.hpp"

namespace ringrt {

// Bytes of each of the worker ring's arena entries.
struct WorkerRingSizes {
  uint64_t scores;        // per worker: the fused kernel's scratch
  uint64_t softmax;       // per worker: running max and running sum
  uint64_t queries;       // the key split's queries, transposed in blocks
  uint64_t slot_buffers;  // per ring slot: the chunk read from the store
  uint64_t query_blocks;  // per worker: its rows' queries and running outputs, transposed in blocks
};

// Sizes every entry for `g`.
Status size_worker_ring(const RingGeometry& g, WorkerRingSizes* sizes);

// The arena memory of each entry, 64-byte aligned.
struct WorkerRingMemory {
  uint8_t* scores;
  uint8_t* softmax;
  uint8_t* queries;
  uint8_t* slot_buffers;
  uint8_t* query_blocks;
};

class WorkerRingBuffers {
 public:
  WorkerRingBuffers() = default;
  ~WorkerRingBuffers();
  WorkerRingBuffers(const WorkerRingBuffers&) = delete;
  WorkerRingBuffers& operator=(const WorkerRingBuffers&) = delete;

  // Carves workers + 1 slots and `workers` per-worker buffer sets out of `memory`.
  Status carve(const RingGeometry& g, const WorkerRingSizes& sizes, const WorkerRingMemory& memory);

  RingSlot* slots() { return slots_; }
  RingWorkerBuffers* workers() { return workers_; }
  float* queries() const { return queries_; }

 private:
  static constexpr std::size_t kMaxWorkers = 64;
  KvView* slot_views_ = nullptr;  // (workers + 1) * 2 * kv_heads
  RingSlot slots_[kMaxWorkers + 1] = {};
  RingWorkerBuffers workers_[kMaxWorkers] = {};
  float* queries_ = nullptr;
};

}  // namespace ringrt
