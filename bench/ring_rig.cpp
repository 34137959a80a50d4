#include <cmath>
#include "ring_rig.hpp"

#include <new>

#include "session_plan.hpp"

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

RingRig::~RingRig() {
  // Operators first: their memory is in the arena.
  ops_.reset();
  split_ops_.reset();
}

Status RingRig::init(uint32_t P, uint32_t C, uint32_t heads, uint32_t D, uint64_t capacity) {
  if (P == 0 || P > 64) return Status::Error(StatusCode::kInvalidArgument, "workers must be in [1, 64]");
  P_ = P, C_ = C, heads_ = heads, D_ = D;
  RINGRT_RETURN_IF_ERROR(ringrt::ensure_xnnpack_initialized());

  // The planner's arena for a one-layer model of this attention geometry.
  ringrt::ModelOptions m;
  m.hidden_size = heads * D;
  m.embed_dim = m.hidden_size;
  m.num_heads = heads;
  m.num_layers = 1;
  ringrt::SessionOptions o;
  o.workers = P;
  o.chunk = C;
  o.max_context = capacity;
  ringrt::MemoryPlan plan;
  ringrt::PlanDetails details;
  RINGRT_RETURN_IF_ERROR(ringrt::plan_buffers(m, false, o, &plan, &details));
  RINGRT_RETURN_IF_ERROR(arena_.allocate(plan.arena_bytes));
  RINGRT_RETURN_IF_ERROR(threads_.init(P));
  auto buffer = [&](ringrt::ArenaEntry slot, uint64_t stride = 0, uint32_t index = 0) {
    return reinterpret_cast<float*>(arena_.at(plan.entries[slot].offset + index * stride));
  };

  ops_.reset(new (std::nothrow) ringrt::FullyConnected[static_cast<std::size_t>(P + 1) * 2 * heads]);
  pools_.reset(new (std::nothrow) ringrt::MemoryPool[static_cast<std::size_t>(P + 1) * 2 * heads]);
  split_ops_.reset(new (std::nothrow) ringrt::FullyConnected[static_cast<std::size_t>(P) * (heads + 1)]);
  split_pools_.reset(new (std::nothrow) ringrt::MemoryPool[static_cast<std::size_t>(P) * (heads + 1)]);
  store_.reset(new (std::nothrow) ringrt::MemoryKvStore(ringrt::KvGeometry{1, heads, D, capacity, C},
                                                        buffer(ringrt::kPlanKvStore)));
  if (!ops_ || !pools_ || !split_ops_ || !split_pools_ || !store_) {
    return Status::Error(StatusCode::kOutOfMemory, "ring rig bookkeeping");
  }

  // Ring slots: operators, their pools, and scratch (as SessionImpl::init).
  uint8_t* slot_mem = reinterpret_cast<uint8_t*>(buffer(ringrt::kPlanSlotOps));
  const uint64_t slot_buffer_stride = plan.entries[ringrt::kPlanSlotBuffers].bytes / (P + 1);
  for (uint32_t s = 0; s <= P; ++s) {
    slots_[s].ops = ops_.get() + static_cast<std::size_t>(s) * 2 * heads;
    slots_[s].pools = pools_.get() + static_cast<std::size_t>(s) * 2 * heads;
    slots_[s].scratch = buffer(ringrt::kPlanSlotBuffers, slot_buffer_stride, s);
    for (uint32_t k = 0; k < 2 * heads; ++k) {
      slots_[s].pools[k].init(slot_mem, details.slot_op_bytes[k % 2]);
      slot_mem += details.slot_op_bytes[k % 2];
    }
  }
  // Per-worker buffers and key-split operators.
  const uint64_t scores_stride = plan.entries[ringrt::kPlanScores].bytes / P;
  const uint64_t pv_stride = plan.entries[ringrt::kPlanPv].bytes / P;
  const uint64_t state_stride = plan.entries[ringrt::kPlanSoftmax].bytes / P;
  const uint64_t partial_stride = plan.entries[ringrt::kPlanPartials].bytes / P;
  uint8_t* split_mem = reinterpret_cast<uint8_t*>(buffer(ringrt::kPlanKeySplitOps));
  for (uint32_t w = 0; w < P; ++w) {
    ringrt::RingWorkerBuffers& b = workers_[w];
    b.scores = buffer(ringrt::kPlanScores, scores_stride, w);
    b.pv = buffer(ringrt::kPlanPv, pv_stride, w);
    b.state = buffer(ringrt::kPlanSoftmax, state_stride, w);
    b.partial = buffer(ringrt::kPlanPartials, partial_stride, w);
    b.query_ops = split_ops_.get() + static_cast<std::size_t>(w) * (heads + 1);
    b.query_pools = split_pools_.get() + static_cast<std::size_t>(w) * (heads + 1);
    b.prob_op = b.query_ops + heads;
    b.prob_pool = b.query_pools + heads;
    for (uint32_t k = 0; k <= heads; ++k) {
      const std::size_t bytes = details.split_op_bytes[k == heads ? 1 : 0];
      b.query_pools[k].init(split_mem, bytes);
      split_mem += bytes;
    }
  }
  qkv_ = buffer(ringrt::kPlanQkv);
  attention_ = buffer(ringrt::kPlanAttention);
  ringrt::AttentionRule rule;  // causal, no window, no cap: the Edifice attention
  rule.scale = 1.0f / std::sqrt(static_cast<float>(D));
  ring_.bind(ringrt::RingGeometry{P, C, heads, heads, D, 3 * heads * D}, rule, nullptr, slots_, workers_,
             buffer(ringrt::kPlanQueries), store_.get(), &threads_);
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
