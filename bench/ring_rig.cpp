#include <cmath>
#include "ring_rig.hpp"

#include <new>

#include "arena_layout.hpp"

namespace bench {

using ringrt::Status;
using ringrt::StatusCode;

namespace {

// Uniform values in [-1, 1): the data never changes the work done.
void fill_uniform(float* x, std::size_t n, uint64_t* state) {
  for (std::size_t i = 0; i < n; ++i) {
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    x[i] = static_cast<float>(static_cast<double>(z >> 40) * (2.0 / 16777216.0) - 1.0);
  }
}

}  // namespace

Status RingRig::init(uint32_t P, uint32_t C, uint32_t heads, uint32_t D, uint64_t capacity) {
  if (P == 0 || P > 64) return Status::Error(StatusCode::kInvalidArgument, "workers must be in [1, 64]");
  P_ = P, C_ = C, heads_ = heads, D_ = D;
  RINGRT_RETURN_IF_ERROR(ringrt::ensure_xnnpack_initialized());
  // Causal, every head its own kv head, no window, no cap: the Edifice attention.
  const ringrt::RingGeometry g{P, C, heads, heads, D, 3 * heads * D};
  ringrt::WorkerRingSizes sizes;
  RINGRT_RETURN_IF_ERROR(ringrt::size_worker_ring(g, &sizes));
  const uint64_t rows = static_cast<uint64_t>(P) * C, H = static_cast<uint64_t>(heads) * D;
  const ringrt::KvGeometry kv{1, heads, D, capacity, C};
  enum { kScores, kSoftmax, kQueries, kSlotBuffers, kQueryBlocks, kQkv, kAttention, kKv, kCount };
  ringrt::PlanEntry e[kCount] = {{"ring.scores", sizes.scores, 0},
                                 {"ring.softmax_state", sizes.softmax, 0},
                                 {"ring.keysplit_queries", sizes.queries, 0},
                                 {"ring.slot_buffers", sizes.slot_buffers, 0},
                                 {"ring.query_blocks", sizes.query_blocks, 0},
                                 {"activations.qkv", ringrt::xnn_buffer_bytes(rows * 3 * H), 0},
                                 {"activations.attention", ringrt::xnn_buffer_bytes(rows * H), 0},
                                 {"kv.store", ringrt::xnn_buffer_bytes(kv.bytes() / sizeof(float)), 0}};
  RINGRT_RETURN_IF_ERROR(arena_.allocate(ringrt::lay_out_arena(e, kCount)));
  RINGRT_RETURN_IF_ERROR(threads_.init(P));
  auto at = [&](int i) { return arena_.at(e[i].offset); };
  const ringrt::WorkerRingMemory memory{at(kScores), at(kSoftmax), at(kQueries), at(kSlotBuffers),
                                        at(kQueryBlocks)};
  RINGRT_RETURN_IF_ERROR(buffers_.carve(g, sizes, memory));
  store_.reset(new (std::nothrow) ringrt::MemoryKvStore(kv, reinterpret_cast<float*>(at(kKv))));
  if (!store_) return Status::Error(StatusCode::kOutOfMemory, "ring rig bookkeeping");
  qkv_ = reinterpret_cast<float*>(at(kQkv));
  attention_ = reinterpret_cast<float*>(at(kAttention));
  ringrt::AttentionRule rule;
  rule.scale = 1.0f / std::sqrt(static_cast<float>(D));
  ring_.bind(g, rule, nullptr, buffers_.slots(), buffers_.workers(), buffers_.queries(), store_.get(), &threads_);
  return Status::Ok();
}

Status RingRig::fill(uint64_t tokens, uint64_t seed) {
  const std::size_t H = static_cast<std::size_t>(heads_) * D_, round = static_cast<std::size_t>(P_) * C_;
  uint64_t state = seed;
  for (uint64_t start = 0; start < tokens; start += round) {
    const std::size_t rows = tokens - start < round ? static_cast<std::size_t>(tokens - start) : round;
    fill_uniform(qkv_, rows * 3 * H, &state);
    RINGRT_RETURN_IF_ERROR(store_->write(0, start, rows, qkv_, 3 * H));
  }
  fill_uniform(qkv_, round * 3 * H, &state);
  return Status::Ok();
}

Status RingRig::run(uint64_t tokens) {
  const std::size_t round = static_cast<std::size_t>(P_) * C_;
  for (uint64_t start = 0; start < tokens; start += round) {
    const std::size_t rows = tokens - start < round ? static_cast<std::size_t>(tokens - start) : round;
    RINGRT_RETURN_IF_ERROR(ring_.run(0, start, rows, qkv_, attention_, start + rows));
  }
  return Status::Ok();
}

}  // namespace bench
