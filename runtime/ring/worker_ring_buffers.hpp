// The worker ring's memory, in one place for every user of the ring (the session,
// the bench's ring rig): the sizes of its arena entries for a geometry, with the
// XNNPACK footprints of the key split's operators measured, and the ring slots,
// per-worker buffers and operators carved from those entries.
#pragma once

#include <cstddef>
#include <cstdint>

#include "worker_ring.hpp"

namespace ringrt {

// Bytes of each of the worker ring's arena entries.
struct WorkerRingSizes {
  uint64_t scores;        // per worker: the key split's C x kKeySplitRows scores, the fused kernel's scratch
  uint64_t pv;            // per worker: P·V block and the key split's shift and column sums
  uint64_t softmax;       // per worker: running max, running sum, rescale factors
  uint64_t partials;      // per worker: the key split's accumulator
  uint64_t queries;       // the key split's queries, per head
  uint64_t slot_buffers;  // per ring slot: the chunk read from the store
  uint64_t query_blocks;  // per worker: its rows' queries and running outputs, transposed in blocks
  uint64_t split_ops;     // per worker: the key split's query and probability operators
  std::size_t split_op_bytes[2];  // pool of one query operator (per head) and of the probability operator
};

// Measures the operators of `g` (XNNPACK dry runs) and sizes every entry.
Status size_worker_ring(const RingGeometry& g, WorkerRingSizes* sizes);

// The arena memory of each entry, 64-byte aligned.
struct WorkerRingMemory {
  uint8_t* scores;
  uint8_t* pv;
  uint8_t* softmax;
  uint8_t* partials;
  uint8_t* queries;
  uint8_t* slot_buffers;
  uint8_t* query_blocks;
  uint8_t* split_ops;
};

class WorkerRingBuffers {
 public:
  WorkerRingBuffers() = default;
  ~WorkerRingBuffers();  // destroys the operators (their memory is the caller's arena)
  WorkerRingBuffers(const WorkerRingBuffers&) = delete;
  WorkerRingBuffers& operator=(const WorkerRingBuffers&) = delete;

  // Carves workers + 1 slots and `workers` per-worker buffer sets out of `memory`.
  Status carve(const RingGeometry& g, const WorkerRingSizes& sizes, const WorkerRingMemory& memory);

  RingSlot* slots() { return slots_; }
  RingWorkerBuffers* workers() { return workers_; }
  float* queries() const { return queries_; }

 private:
  static constexpr std::size_t kMaxWorkers = 64;
  KvView* slot_views_ = nullptr;         // (workers + 1) * 2 * kv_heads
  FullyConnected* split_ops_ = nullptr;  // workers * (heads + 1)
  MemoryPool* split_pools_ = nullptr;
  RingSlot slots_[kMaxWorkers + 1] = {};
  RingWorkerBuffers workers_[kMaxWorkers] = {};
  float* queries_ = nullptr;
};

}  // namespace ringrt
