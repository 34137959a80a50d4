// The worker ring on its own, built with the calls a session uses: the ring's
// arena entries sized by size_worker_ring (XNNPACK footprints measured), one arena
// (touched once) holding them, a round's qkv and attention rows and a memory KV
// store, and the ring slots, pools, scratch and per-worker buffers carved by
// WorkerRingBuffers, exactly as Session::create carves them.
#pragma once

#include <cstdint>
#include <memory>

#include "arena.hpp"
#include "kv_store.hpp"
#include "worker_ring.hpp"
#include "thread_pool.hpp"
#include "xnn_allocator.hpp"
#include "worker_ring_buffers.hpp"
#include "xnn_fully_connected.hpp"

namespace bench {

class RingRig {
 public:
  RingRig() = default;
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
  ringrt::WorkerRingBuffers buffers_;  // its operators' memory is in the arena
  std::unique_ptr<ringrt::MemoryKvStore> store_;
  ringrt::WorkerRing ring_;
  uint32_t P_ = 0, C_ = 0, heads_ = 0, D_ = 0;
  float* qkv_ = nullptr;
  float* attention_ = nullptr;
};

}  // namespace bench
