#include "thread_pool.hpp"

#include <pthreadpool.h>

// pthreadpool is not built with ThreadSanitizer, so TSan cannot see the
// happens-before edges its barrier creates. Under TSan, every parallel_for
// publishes them explicitly: release before the items start, acquire in each
// item, release when an item ends, acquire once the call returns.
#if defined(__SANITIZE_THREAD__)
#define RINGRT_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define RINGRT_TSAN 1
#endif
#endif
#ifdef RINGRT_TSAN
#include <sanitizer/tsan_interface.h>
#define RINGRT_HB_RELEASE(p) __tsan_release(p)
#define RINGRT_HB_ACQUIRE(p) __tsan_acquire(p)
#else
#define RINGRT_HB_RELEASE(p) (void)(p)
#define RINGRT_HB_ACQUIRE(p) (void)(p)
#endif

namespace ringrt {

namespace {

struct Dispatch {
  void (*fn)(void*, std::size_t);
  void* ctx;
  int token;  // address used for the TSan happens-before annotations
};

void run_item(void* p, std::size_t i) {
  Dispatch* d = static_cast<Dispatch*>(p);
  RINGRT_HB_ACQUIRE(&d->token);
  d->fn(d->ctx, i);
  RINGRT_HB_RELEASE(&d->token);
}

}  // namespace

ThreadPool::~ThreadPool() {
  if (pool_) pthreadpool_destroy(pool_);
}

Status ThreadPool::init(std::size_t threads) {
  threads_ = threads ? threads : 1;
  if (threads_ > 1) {
    pool_ = pthreadpool_create(threads_);
    if (!pool_) {
      return Status::Error(StatusCode::kInternal, "cannot start %zu worker threads", threads_);
    }
    threads_ = pthreadpool_get_threads_count(pool_);
  }
  return Status::Ok();
}

void ThreadPool::parallel_for(std::size_t items, void (*fn)(void*, std::size_t), void* ctx) {
  if (items == 0) return;
  if (!pool_ || items == 1) {
    for (std::size_t i = 0; i < items; ++i) fn(ctx, i);
    return;
  }
  Dispatch d{fn, ctx, 0};
  RINGRT_HB_RELEASE(&d.token);
  pthreadpool_parallelize_1d(pool_, run_item, &d, items, PTHREADPOOL_FLAG_DISABLE_DENORMALS | PTHREADPOOL_FLAG_YIELD_WORKERS);
  RINGRT_HB_ACQUIRE(&d.token);
}

}  // namespace ringrt
