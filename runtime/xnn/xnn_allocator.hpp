// XNNPACK memory from the session arena.
//
// XNNPACK takes one process-wide allocator at xnn_initialize. ringrt's allocator
// serves each request from the MemoryPool that the calling thread has made current
// (a PoolScope), so operators created during Session::create or when a KV chunk
// enters a ring slot live in the arena; with no current pool it falls back to the
// system heap (XNNPACK's own start-up). Every block carries a small header so a
// free can tell the two apart; freeing pool memory is a no-op, a pool is reused
// by reset() once its operators are deleted.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ringrt/status.hpp"

namespace ringrt {

class MemoryPool {
 public:
  MemoryPool() = default;
  // A pool over [base, base + capacity); base must be 64-byte aligned. A pool with
  // base == nullptr only measures: it accepts everything and records the high-water mark.
  void init(uint8_t* base, std::size_t capacity) {
    base_ = base;
    capacity_ = capacity;
    used_ = 0;
    peak_ = 0;
  }
  void* allocate(std::size_t alignment, std::size_t size);
  void reset() { used_ = 0; }
  std::size_t used() const { return used_; }
  std::size_t peak() const { return peak_; }
  bool measuring() const { return base_ == nullptr; }

 private:
  uint8_t* base_ = nullptr;
  std::size_t capacity_ = 0;
  std::size_t used_ = 0;
  std::size_t peak_ = 0;
};

// Makes `pool` the current pool of this thread for the scope's lifetime.
class PoolScope {
 public:
  explicit PoolScope(MemoryPool* pool);
  ~PoolScope();
  PoolScope(const PoolScope&) = delete;
  PoolScope& operator=(const PoolScope&) = delete;

 private:
  MemoryPool* previous_;
};

// Initialises XNNPACK once per process with ringrt's allocator. XNNPACK keeps the
// first allocator it is given: if the host process initialised it first, its
// operators live on that allocator, not in the arena, and *uses_pools (when
// given) is false.
Status ensure_xnnpack_initialized(bool* uses_pools = nullptr);

}  // namespace ringrt
