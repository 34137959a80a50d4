#include "xnn_allocator.hpp"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <pthread.h>
#include <xnnpack.h>

namespace ringrt {

namespace {

constexpr std::size_t kHeader = 64;  // keeps 64-byte alignment of the payload
constexpr uint32_t kPoolMagic = 0x52504f4c;    // "RPOL"
constexpr uint32_t kSystemMagic = 0x52535953;  // "RSYS"

struct BlockHeader {
  uint32_t magic;
  uint32_t unused;
  std::size_t size;  // payload bytes
  void* system_base; // start of the malloc'ed block (system blocks only)
};
static_assert(sizeof(BlockHeader) <= kHeader, "header too large");

thread_local MemoryPool* t_current_pool = nullptr;

std::size_t round_up(std::size_t v, std::size_t a) { return (v + a - 1) / a * a; }

BlockHeader* header_of(void* p) { return reinterpret_cast<BlockHeader*>(static_cast<uint8_t*>(p) - kHeader); }

void* system_allocate(std::size_t alignment, std::size_t size) {
  if (alignment < 64) alignment = 64;
  void* base = std::malloc(size + kHeader + alignment);
  if (!base) return nullptr;
  uint8_t* payload = reinterpret_cast<uint8_t*>(
      round_up(reinterpret_cast<std::uintptr_t>(base) + kHeader, alignment));
  BlockHeader* h = header_of(payload);
  h->magic = kSystemMagic;
  h->size = size;
  h->system_base = base;
  return payload;
}

void* do_allocate(std::size_t alignment, std::size_t size) {
  if (MemoryPool* pool = t_current_pool) return pool->allocate(alignment, size);
  return system_allocate(alignment, size);
}

void do_free(void* p) {
  if (!p) return;
  BlockHeader* h = header_of(p);
  if (h->magic == kSystemMagic) {
    h->magic = 0;
    std::free(h->system_base);
  }
  // Pool blocks are reclaimed by MemoryPool::reset.
}

void* xnn_alloc(void*, std::size_t size) { return do_allocate(64, size); }
void* xnn_aligned_alloc(void*, std::size_t alignment, std::size_t size) { return do_allocate(alignment, size); }
void xnn_free(void*, void* p) { do_free(p); }
void* xnn_realloc(void*, void* p, std::size_t size) {
  void* q = do_allocate(64, size);
  if (q && p) {
    const std::size_t old = header_of(p)->size;
    std::memcpy(q, p, old < size ? old : size);
    do_free(p);
  }
  return q;
}

const xnn_allocator kAllocator = {nullptr, xnn_alloc, xnn_realloc, xnn_free, xnn_aligned_alloc, xnn_free};

pthread_once_t g_once = PTHREAD_ONCE_INIT;
xnn_status g_init_status = xnn_status_uninitialized;
bool g_uses_pools = false;

// XNNPACK keeps the first allocator any caller of xnn_initialize gave it. Whether
// that is ringrt's shows in a probe: an operator created with a measuring pool
// current is counted by the pool only if XNNPACK allocates through ringrt.
bool probe_uses_pools() {
  const float weight[2] = {1.0f, 0.0f};
  MemoryPool probe;
  probe.init(nullptr, 0);
  xnn_operator_t op = nullptr;
  {
    PoolScope scope(&probe);
    if (xnn_create_fully_connected_nc_f32(1, 1, 1, 1, weight, weight + 1, -INFINITY, INFINITY, 0, &op) !=
        xnn_status_success) {
      return false;
    }
  }
  xnn_delete_operator(op);
  return probe.peak() > 0;
}

void init_once() {
  g_init_status = xnn_initialize(&kAllocator);
  if (g_init_status == xnn_status_success) g_uses_pools = probe_uses_pools();
}

}  // namespace

void* MemoryPool::allocate(std::size_t alignment, std::size_t size) {
  if (alignment < 64) alignment = 64;
  // The payload offset is computed the same way in measuring and real pools, so a
  // measured peak is exactly what the same sequence of requests needs.
  const std::uintptr_t origin = reinterpret_cast<std::uintptr_t>(base_);
  const std::size_t payload = round_up(origin + used_ + kHeader, alignment) - origin;
  const std::size_t end = round_up(payload + size, 64);
  if (!measuring() && end > capacity_) return nullptr;
  used_ = end;
  if (used_ > peak_) peak_ = used_;
  if (measuring()) {
    // Measuring pools hand out system memory (freed by the caller's delete path).
    void* p = system_allocate(alignment, size);
    return p;
  }
  BlockHeader* h = header_of(base_ + payload);
  h->magic = kPoolMagic;
  h->size = size;
  h->system_base = nullptr;
  return base_ + payload;
}

PoolScope::PoolScope(MemoryPool* pool) : previous_(t_current_pool) { t_current_pool = pool; }
PoolScope::~PoolScope() { t_current_pool = previous_; }

Status ensure_xnnpack_initialized(bool* uses_pools) {
  pthread_once(&g_once, init_once);
  if (uses_pools) *uses_pools = g_uses_pools;
  if (g_init_status != xnn_status_success) {
    return Status::Error(StatusCode::kInternal,
                         "XNNPACK failed to initialise (status %d): this CPU may lack the SIMD it needs",
                         static_cast<int>(g_init_status));
  }
  return Status::Ok();
}

}  // namespace ringrt
