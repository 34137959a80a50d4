// The session's worker threads (pthreadpool) and a lockstep parallel-for.
//
// Every ring step and every row-parallel kernel is one parallel_for: it returns
// only when all items are done, which is the barrier between steps. pthreadpool
// may run two items on one thread, so items never wait on each other.
#pragma once

#include <cstddef>

#include "ringrt/status.hpp"

typedef struct pthreadpool* pthreadpool_t;

namespace ringrt {

class ThreadPool {
 public:
  ThreadPool() = default;
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  Status init(std::size_t threads);
  std::size_t threads() const { return threads_; }
  pthreadpool_t handle() const { return pool_; }  // for XNNPACK's own parallelism

  // Calls fn(ctx, i) for i in [0, items) across the threads; returns when all are done.
  void parallel_for(std::size_t items, void (*fn)(void* ctx, std::size_t i), void* ctx);

  // Calls fn(begin, end) on contiguous ranges covering [0, items), one per thread,
  // each of at least `grain` items (small jobs run inline: a barrier costs more).
  template <typename F>
  void parallel_ranges(std::size_t items, std::size_t grain, F& fn) {
    const std::size_t max_parts = grain ? (items + grain - 1) / grain : items;
    struct Ctx {
      F* fn;
      std::size_t items, parts;
    } c{&fn, items, threads_ < max_parts ? threads_ : max_parts};
    if (c.parts == 0) return;
    if (c.parts == 1) {
      fn(std::size_t{0}, items);
      return;
    }
    parallel_for(c.parts, [](void* p, std::size_t part) {
      Ctx* k = static_cast<Ctx*>(p);
      const std::size_t begin = k->items * part / k->parts, end = k->items * (part + 1) / k->parts;
      (*k->fn)(begin, end);
    }, &c);
  }

 private:
  pthreadpool_t pool_ = nullptr;
  std::size_t threads_ = 1;
};

}  // namespace ringrt
