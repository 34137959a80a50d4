#include "worker_ring_buffers.hpp"

#include <new>

#include "attention_block.hpp"
#include "attention_row.hpp"

namespace ringrt {

namespace {

// Bytes of n floats, in whole 64-byte lines.
uint64_t float_bytes(uint64_t n) { return (n * sizeof(float) + 63) / 64 * 64; }

}  // namespace

Status size_worker_ring(const RingGeometry& g, WorkerRingSizes* s) {
  const uint64_t P = g.workers, C = g.chunk, heads = g.heads, G = g.kv_heads, D = g.head_dim;
  const uint64_t S = kKeySplitRows, M = C > S ? C : S;
  const uint64_t block = attention_block_scratch_floats(C, D), row = attention_row_scratch_floats(C);
  s->scores = P * float_bytes(block > row ? block : row);
  s->softmax = P * float_bytes(heads * M * 2);
  s->queries = float_bytes(query_block_floats(g, S));
  s->slot_buffers = (P + 1) * float_bytes(2 * G * g.read_floats());
  s->query_blocks = P * float_bytes(2 * query_block_floats(g));
  return Status::Ok();
}

WorkerRingBuffers::~WorkerRingBuffers() { delete[] slot_views_; }

Status WorkerRingBuffers::carve(const RingGeometry& g, const WorkerRingSizes& sizes, const WorkerRingMemory& mem) {
  const std::size_t P = g.workers, G = g.kv_heads;
  if (P == 0 || P > kMaxWorkers) {
    return Status::Error(StatusCode::kInvalidArgument, "the worker ring takes 1 to %zu workers, not %zu", kMaxWorkers, P);
  }
  slot_views_ = new (std::nothrow) KvView[(P + 1) * 2 * G];
  if (!slot_views_) return Status::Error(StatusCode::kOutOfMemory, "cannot allocate the worker ring's bookkeeping");
  // Ring slots: the views of 2G reads and their scratch.
  const uint64_t slot_buffer_stride = sizes.slot_buffers / (P + 1);
  for (std::size_t s = 0; s <= P; ++s) {
    slots_[s].views = slot_views_ + s * 2 * G;
    slots_[s].scratch = reinterpret_cast<float*>(mem.slot_buffers + s * slot_buffer_stride);
  }
  auto carve_part = [P](uint8_t* base, uint64_t total, std::size_t w) {
    return reinterpret_cast<float*>(base + w * (total / P));
  };
  for (std::size_t w = 0; w < P; ++w) {
    RingWorkerBuffers& b = workers_[w];
    b.scores = carve_part(mem.scores, sizes.scores, w);
    b.state = carve_part(mem.softmax, sizes.softmax, w);
    b.query_t = carve_part(mem.query_blocks, sizes.query_blocks, w);
    b.output_t = b.query_t + query_block_floats(g);
  }
  queries_ = reinterpret_cast<float*>(mem.queries);
  return Status::Ok();
}

}  // namespace ringrt
