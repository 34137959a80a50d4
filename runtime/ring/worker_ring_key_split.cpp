// The key split for short rounds: see WorkerRing::run_key_split.
//
// Worker w takes the w-th of P contiguous shares of the visible history's KV chunks
// for every row of the round, and keeps its own running outputs and softmax state. A
// round of at most kStreamRows rows (a token or a few appended) runs the streaming
// kernel (kernels/attention_row.hpp) per row and head on the chunk as the store
// keeps it, f16 and int8 widened as they are loaded, so the append reads each KV
// byte once; it goes through its share one kv head at a time over a memory store,
// so each head's keys and values are two long runs (consecutive chunks are
// adjacent) that the hardware prefetchers follow (a burst of software prefetches
// for the next chunk was slower: they hold the line fill buffers the loads need),
// and one chunk at a time over a file store (each block, every head of a chunk,
// read once in file order: KvStore::reads_chunk_major);
// a longer round transposes its queries once into blocks of kAttentionBlockRows
// (shared by the workers) and runs the fused block kernel on the chunk read as
// float32. Nothing is packed or created per chunk. At the end the workers' states
// are merged row by row (their maxima, rescaled sums and outputs), split across the
// workers by rows.
#include <cmath>
#include <cstring>

#include "worker_ring.hpp"

namespace ringrt {

void WorkerRing::split_setup_item(void* ctx, std::size_t w) {
  Split& sp = *static_cast<Split*>(ctx);
  WorkerRing& self = *sp.self;
  RingWorkerBuffers& b = self.buffers_[w];
  self.reset_state(b.state);
  const std::size_t H = static_cast<std::size_t>(self.g_.heads) * self.g_.head_dim;
  std::memset(b.output_t, 0, (sp.streaming ? sp.rows * H : self.query_blocks_floats(sp.rows)) * sizeof(float));
}

Status WorkerRing::stream_head(Split& sp, std::size_t w, std::size_t g, uint64_t c0, uint64_t c1) {
  const std::size_t C = g_.chunk, D = g_.head_dim, heads = g_.heads, H = heads * D, M = state_rows();
  const std::size_t group = heads / g_.kv_heads;
  RingWorkerBuffers& b = buffers_[w];
  AttentionRow r{};
  r.dim = D;
  r.exp_scale = rule_.exp_scale();
  r.softcap = rule_.softcap;
  r.softcap_inner = rule_.softcap_inner();
  r.scratch = b.scores;
  float* scratch = slots_[w].scratch;
  const uint32_t head = static_cast<uint32_t>(g);
  for (uint64_t c = c0; c < c1; ++c) {
    const uint64_t key0 = c * C;
    const std::size_t nk = sp.keys_from(key0, C);
    const bool masked = sp.masks(key0, nk);
    r.keys = nk;
    RINGRT_RETURN_IF_ERROR(store_->read_stored(sp.layer, head, KvKind::kKey, key0, nk, scratch, &r.k));
    RINGRT_RETURN_IF_ERROR(
        store_->read_stored(sp.layer, head, KvKind::kValue, key0, nk, scratch + g_.read_floats(), &r.vt));
    for (std::size_t q = 0; q < sp.rows; ++q) {
      r.lo = 0;
      r.hi = static_cast<uint32_t>(nk);
      if (masked) chunk_key_range(sp.lo[q], sp.hi[q], key0, nk, &r.lo, &r.hi);
      if (r.lo >= r.hi) continue;
      for (std::size_t j = g * group; j < (g + 1) * group; ++j) {
        r.q = sp.qkv + q * g_.qkv_stride + j * D;
        r.o = b.output_t + q * H + j * D;
        r.row_max = b.state + j * M + q;
        r.row_sum = b.state + (heads + j) * M + q;
        attend_row(r);
      }
    }
  }
  return Status::Ok();
}

// Worker w's chunks [c0, c1) for every kv head, in the order the store reads well
// (KvStore::reads_chunk_major).
Status WorkerRing::stream_share(Split& sp, std::size_t w, uint64_t c0, uint64_t c1) {
  if (store_->reads_chunk_major()) {
    for (uint64_t c = c0; c < c1; ++c) {
      for (std::size_t g = 0; g < g_.kv_heads; ++g) RINGRT_RETURN_IF_ERROR(stream_head(sp, w, g, c, c + 1));
    }
    return Status::Ok();
  }
  for (std::size_t g = 0; g < g_.kv_heads; ++g) RINGRT_RETURN_IF_ERROR(stream_head(sp, w, g, c0, c1));
  return Status::Ok();
}

Status WorkerRing::split_chunk(Split& sp, std::size_t w, uint64_t chunk) {
  constexpr std::size_t B = kAttentionBlockRows;
  const std::size_t C = g_.chunk, D = g_.head_dim, heads = g_.heads, M = state_rows();
  const std::size_t R = sp.rows, group = heads / g_.kv_heads;
  RingWorkerBuffers& b = buffers_[w];
  const uint64_t key0 = chunk * C;
  const std::size_t nk = sp.keys_from(key0, C);
  // A masked chunk: each row's keys of it, and which blocks have a row that sees any.
  const bool masked = sp.masks(key0, nk);
  uint32_t lo[kKeySplitRows], hi[kKeySplitRows];
  bool block_sees[kKeySplitRows / B + 1] = {};
  for (std::size_t q = 0; q < R; ++q) {
    if (masked) chunk_key_range(sp.lo[q], sp.hi[q], key0, nk, &lo[q], &hi[q]);
    if (!masked || lo[q] < hi[q]) block_sees[q / B] = true;
  }
  AttentionBlock ab = block_template(nk, b.scores);
  float* scratch = slots_[w].scratch;
  for (std::size_t g = 0; g < g_.kv_heads; ++g) {
    KvView k, vt;
    RINGRT_RETURN_IF_ERROR(store_->read(sp.layer, static_cast<uint32_t>(g), KvKind::kKey, key0, nk, scratch, &k));
    RINGRT_RETURN_IF_ERROR(
        store_->read(sp.layer, static_cast<uint32_t>(g), KvKind::kValue, key0, nk, scratch + g_.read_floats(), &vt));
    ab.k = k.data;
    ab.k_stride = k.stride;
    ab.vt = vt.data;
    ab.vt_stride = vt.stride;
    for (std::size_t j = g * group; j < (g + 1) * group; ++j) {
      for (std::size_t b0 = 0; b0 < R; b0 += B) {
        if (!block_sees[b0 / B]) continue;
        const std::size_t tile = (b0 / B * heads + j) * D * B;
        ab.rows = R - b0 < B ? R - b0 : B;
        ab.lo = masked ? lo + b0 : nullptr;
        ab.hi = masked ? hi + b0 : nullptr;
        ab.qt = queries_ + tile;
        ab.ot = b.output_t + tile;
        ab.row_max = b.state + j * M + b0;
        ab.row_sum = b.state + (heads + j) * M + b0;
        attend_block(ab);
      }
    }
  }
  return Status::Ok();
}

// Worker w's chunks, one after another: the workers need not keep step (they share
// nothing until the merge), so a round costs three thread-pool dispatches, not one
// per chunk step. A streaming round takes them in the store's order (stream_share).
void WorkerRing::split_chunks_item(void* ctx, std::size_t w) {
  Split& sp = *static_cast<Split*>(ctx);
  WorkerRing& self = *sp.self;
  const uint64_t P = self.g_.workers;
  const uint64_t c0 = sp.chunk0 + sp.chunks * w / P, c1 = sp.chunk0 + sp.chunks * (w + 1) / P;
  const uint64_t share_end = c1 * self.g_.chunk < sp.end ? c1 * self.g_.chunk : sp.end;
  if (c0 < c1) self.store_->will_read(sp.layer, c0 * self.g_.chunk, share_end);
  if (sp.streaming) {
    sp.status[w] = self.stream_share(sp, w, c0, c1);
    return;
  }
  for (uint64_t c = c0; c < c1 && sp.status[w].ok(); ++c) sp.status[w] = self.split_chunk(sp, w, c);
}

// Merges the workers' states for the rows of one part (parts cover [0, rows)).
void WorkerRing::split_merge_item(void* ctx, std::size_t part) {
  constexpr std::size_t B = kAttentionBlockRows;
  Split& sp = *static_cast<Split*>(ctx);
  WorkerRing& self = *sp.self;
  const std::size_t P = self.g_.workers, D = self.g_.head_dim, heads = self.g_.heads, H = heads * D;
  const std::size_t M = self.state_rows();
  const float exp_scale = self.rule_.exp_scale();
  const std::size_t parts = P < sp.rows ? P : sp.rows;
  const std::size_t begin = sp.rows * part / parts, end = sp.rows * (part + 1) / parts;
  for (std::size_t q = begin; q < end; ++q) {
    for (std::size_t j = 0; j < heads; ++j) {
      float m = -INFINITY;
      for (std::size_t w = 0; w < P; ++w) {
        const float mw = self.buffers_[w].state[j * M + q];
        m = mw > m ? mw : m;
      }
      float* out = sp.attention + q * H + j * D;
      std::memset(out, 0, D * sizeof(float));
      float total = 0.0f;
      for (std::size_t w = 0; w < P; ++w) {
        const RingWorkerBuffers& b = self.buffers_[w];
        const float mw = b.state[j * M + q];
        if (mw == -INFINITY) continue;  // this worker saw no key visible to q
        const float f = std::exp((mw - m) * exp_scale);
        total += b.state[(heads + j) * M + q] * f;
        if (sp.streaming) {
          const float* o = b.output_t + q * H + j * D;
          for (std::size_t d = 0; d < D; ++d) out[d] += o[d] * f;
        } else {
          const float* ot = b.output_t + (q / B * heads + j) * D * B + q % B;
          for (std::size_t d = 0; d < D; ++d) out[d] += ot[d * B] * f;
        }
      }
      const float inv = normaliser(m, total, exp_scale, self.sink(sp.layer, j));
      for (std::size_t d = 0; d < D; ++d) out[d] *= inv;
    }
  }
}

Status WorkerRing::run_key_split(uint32_t layer, uint64_t start, std::size_t rows, const float* qkv,
                                    float* attention, uint64_t keys_end) {
  const std::size_t P = g_.workers;
  Split& sp = split_;
  for (std::size_t w = 0; w < P; ++w) sp.status[w] = Status::Ok();
  sp.self = this;
  sp.layer = layer;
  sp.end = keys_end;
  sp.rows = rows;
  sp.qkv = qkv;
  sp.attention = attention;
  // Visible ranges move forward with the position: every query sees [lo of the
  // last, hi of the first), and some query sees each chunk from the first's lo to
  // the last's hi.
  for (std::size_t q = 0; q < rows; ++q) rule_.visible(start + q, keys_end, &sp.lo[q], &sp.hi[q]);
  sp.all_lo = sp.lo[rows - 1];
  sp.all_hi = sp.hi[0];
  uint64_t chunk_lo, chunk_hi;
  visible_chunks(start, start + rows - 1, keys_end, &chunk_lo, &chunk_hi);
  sp.chunk0 = chunk_lo;
  sp.chunks = chunk_hi + 1 - chunk_lo;
  // The streaming kernel reads the queries where they are; the block kernel, from
  // blocks transposed once for every worker.
  sp.streaming = rows <= kStreamRows;
  if (!sp.streaming) {
    std::memset(queries_, 0, query_blocks_floats(rows) * sizeof(float));
    for (std::size_t q = 0; q < rows; ++q) transpose_query_row(qkv + q * g_.qkv_stride, q, queries_);
  }
  threads_->parallel_for(P, split_setup_item, &sp);
  threads_->parallel_for(P, split_chunks_item, &sp);
  for (std::size_t w = 0; w < P; ++w) {
    if (!sp.status[w].ok()) return sp.status[w];
  }
  threads_->parallel_for(P < rows ? P : rows, split_merge_item, &sp);
  return Status::Ok();
}

}  // namespace ringrt
