// The ring scheduler on its own, set up the way SessionImpl::init sets it up: the
// planner sizes one arena (touched once) for a one-layer model of the attention
// geometry (embed = hidden, so no input projection) with a memory KV store, and the
// ring slots, their XNNPACK pools and scratch, the per-worker score / PV / softmax
// state / key-split buffers and operators are carved from it as the session carves
// them. The dense layers' planned buffers are allocated but unused.
#pragma once

#include <cstdint>
#include <memory>

#include "arena.hpp"
#include "kv_store.hpp"
#include "worker_ring.hpp"
#include "thread_pool.hpp"
#include "xnn_allocator.hpp"
#include "xnn_fully_connected.hpp"

namespace bench {

class RingRig {
 public:
  RingRig() = default;
  ~RingRig();
  RingRig(const RingRig&) = delete;
  RingRig& operator=(const RingRig&) = delete;

  // `capacity`: KV positions the store holds.
  ringrt::Status init(uint32_t workers, uint32_t chunk, uint32_t heads, uint32_t head_dim, uint64_t capacity);
  // Random K and V for positions [0, tokens) of layer 0, and random query rows.
  ringrt::Status fill(uint64_t tokens, uint64_t seed);
  // Attention of the whole sequence [0, tokens) in rounds of workers * chunk query
  // rows, as the session runs one layer (every round reuses the same query rows).
  ringrt::Status run(uint64_t tokens);

  std::size_t arena_bytes() const { return arena_.size(); }
  // The scheduler: its row assignment and per-worker statistics.
  ringrt::WorkerRing& ring() { return ring_; }

 private:
  ringrt::Arena arena_;  // first member: released after the operators that live in it
  ringrt::ThreadPool threads_;
  std::unique_ptr<ringrt::FullyConnected[]> ops_;        // ring slots
  std::unique_ptr<ringrt::MemoryPool[]> pools_;
  std::unique_ptr<ringrt::FullyConnected[]> split_ops_;  // key split (short rounds)
  std::unique_ptr<ringrt::MemoryPool[]> split_pools_;
  std::unique_ptr<ringrt::MemoryKvStore> store_;
  ringrt::RingSlot slots_[65] = {};
  ringrt::RingWorkerBuffers workers_[64] = {};
  ringrt::WorkerRing ring_;
  uint32_t P_ = 0, C_ = 0, heads_ = 0, D_ = 0;
  float* qkv_ = nullptr;
  float* attention_ = nullptr;
};

}  // namespace bench
