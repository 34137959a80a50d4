#include "worker_ring_buffers.hpp"

#include <new>

#include "attention_block.hpp"

namespace ringrt {

namespace {

uint64_t round_up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

// An operator's pool: its measured footprint with a page of slack, 64-byte aligned.
Status pool_bytes(const FcShape& shape, std::size_t* bytes) {
  RINGRT_RETURN_IF_ERROR(FullyConnected::footprint(shape, bytes));
  *bytes = round_up(*bytes + 4096, 64);
  return Status::Ok();
}

}  // namespace

Status size_worker_ring(const RingGeometry& g, WorkerRingSizes* s) {
  // Operator shapes in size_t; entry sizes in 64 bits (32-bit targets included).
  const std::size_t c = g.chunk, d = g.head_dim, s_rows = kKeySplitRows;
  RINGRT_RETURN_IF_ERROR(pool_bytes(FcShape{d, s_rows, d, s_rows, false}, &s->split_op_bytes[0]));
  RINGRT_RETURN_IF_ERROR(pool_bytes(FcShape{c, s_rows, c, s_rows, true}, &s->split_op_bytes[1]));
  const uint64_t P = g.workers, C = g.chunk, heads = g.heads, G = g.kv_heads, D = g.head_dim;
  const uint64_t S = kKeySplitRows, M = C > S ? C : S, H = heads * D;
  const uint64_t block_scratch = attention_block_scratch_floats(C, D);  // the ring's fused kernel
  s->scores = P * xnn_buffer_bytes(C * S > block_scratch ? C * S : block_scratch);  // or the key split's Sᵀ
  s->pv = P * xnn_buffer_bytes(M * D + 2 * M);
  s->softmax = P * xnn_buffer_bytes(heads * M * 2 + M);
  s->partials = P * xnn_buffer_bytes(S * H);
  s->queries = xnn_buffer_bytes(heads * S * D);
  s->slot_buffers = (P + 1) * xnn_buffer_bytes(2 * G * g.read_floats());
  s->query_blocks = P * xnn_buffer_bytes(2 * query_block_floats(g));
  s->split_ops = P * (heads * s->split_op_bytes[0] + s->split_op_bytes[1]);
  return Status::Ok();
}

WorkerRingBuffers::~WorkerRingBuffers() {
  delete[] slot_views_;
  delete[] split_ops_;
  delete[] split_pools_;
}

Status WorkerRingBuffers::carve(const RingGeometry& g, const WorkerRingSizes& sizes, const WorkerRingMemory& mem) {
  const std::size_t P = g.workers, heads = g.heads, G = g.kv_heads;
  if (P == 0 || P > kMaxWorkers) {
    return Status::Error(StatusCode::kInvalidArgument, "the worker ring takes 1 to %zu workers, not %zu", kMaxWorkers, P);
  }
  slot_views_ = new (std::nothrow) KvView[(P + 1) * 2 * G];
  split_ops_ = new (std::nothrow) FullyConnected[P * (heads + 1)];
  split_pools_ = new (std::nothrow) MemoryPool[P * (heads + 1)];
  if (!slot_views_ || !split_ops_ || !split_pools_) {
    return Status::Error(StatusCode::kOutOfMemory, "cannot allocate the worker ring's bookkeeping");
  }
  // Ring slots: the views of 2G reads and their scratch.
  const uint64_t slot_buffer_stride = sizes.slot_buffers / (P + 1);
  for (std::size_t s = 0; s <= P; ++s) {
    slots_[s].views = slot_views_ + s * 2 * G;
    slots_[s].scratch = reinterpret_cast<float*>(mem.slot_buffers + s * slot_buffer_stride);
  }
  // Per-worker buffers and the key split's operators.
  uint8_t* split_mem = mem.split_ops;
  auto carve_part = [P](uint8_t* base, uint64_t total, std::size_t w) {
    return reinterpret_cast<float*>(base + w * (total / P));
  };
  for (std::size_t w = 0; w < P; ++w) {
    RingWorkerBuffers& b = workers_[w];
    b.scores = carve_part(mem.scores, sizes.scores, w);
    b.pv = carve_part(mem.pv, sizes.pv, w);
    b.state = carve_part(mem.softmax, sizes.softmax, w);
    b.partial = carve_part(mem.partials, sizes.partials, w);
    b.query_t = carve_part(mem.query_blocks, sizes.query_blocks, w);
    b.output_t = b.query_t + query_block_floats(g);
    b.query_ops = split_ops_ + w * (heads + 1);
    b.query_pools = split_pools_ + w * (heads + 1);
    b.prob_op = b.query_ops + heads;
    b.prob_pool = b.query_pools + heads;
    for (std::size_t k = 0; k <= heads; ++k) {
      const std::size_t bytes = sizes.split_op_bytes[k == heads ? 1 : 0];
      b.query_pools[k].init(split_mem, bytes);
      split_mem += bytes;
    }
  }
  queries_ = reinterpret_cast<float*>(mem.queries);
  return Status::Ok();
}

}  // namespace ringrt
