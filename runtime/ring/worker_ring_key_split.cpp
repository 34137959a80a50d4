// The key split for short rounds: see WorkerRing::run_key_split.
//
// Per worker and head, the round's queries Q [rows][D] are the weights of one
// fully-connected operator, packed once per round, and each KV chunk is its input:
//   Sᵀ[key][q] = K[key] · Q[q]          (XNNPACK, batch = chunk keys)
//   P ← online softmax of each column q (running max, sum, rescale as in the ring)
//   Oᵀ[d][q] = Vᵀ[d] · P[:, q]          (XNNPACK, P packed as weights, batch = D)
// so the cost of a chunk is proportional to the number of queries, and nothing
// proportional to the history is ever packed.
#include <cmath>
#include <cstring>

#include "worker_ring.hpp"
#include "vector_math.hpp"

namespace ringrt {

void WorkerRing::split_setup_item(void* ctx, std::size_t w) {
  Split& sp = *static_cast<Split*>(ctx);
  WorkerRing& self = *sp.self;
  const std::size_t D = self.g_.head_dim, heads = self.g_.heads, H = heads * D;
  RingWorkerBuffers& b = self.buffers_[w];
  for (std::size_t j = 0; j < heads && sp.status[w].ok(); ++j) {
    // Sᵀ = K · Qᵀ: kernel Q [rows][D] (out = rows, in = D); input K rows (stride D).
    b.query_ops[j].destroy();
    b.query_pools[j].reset();
    sp.status[w] = b.query_ops[j].create(FcShape{D, sp.rows, D, sp.rows, false},
                                         self.queries_ + j * kKeySplitRows * D, nullptr, &b.query_pools[j]);
  }
  self.reset_state(b.state);
  std::memset(b.partial, 0, sp.rows * H * sizeof(float));
}

Status WorkerRing::split_chunk(Split& sp, std::size_t w, uint64_t chunk) {
  const std::size_t C = g_.chunk, D = g_.head_dim, heads = g_.heads, H = heads * D, M = state_rows();
  const std::size_t R = sp.rows, group = g_.heads / g_.kv_heads;
  RingWorkerBuffers& b = buffers_[w];
  const uint64_t key0 = chunk * C;
  const std::size_t nk = static_cast<std::size_t>(sp.end - key0 < C ? sp.end - key0 : C);
  // A chunk every query sees whole needs no mask (most of the history).
  const bool masked = !(key0 >= sp.all_lo && key0 + nk <= sp.all_hi);
  const float exp_scale = rule_.exp_scale();
  float* alpha = b.state + 2 * heads * M;
  float* shift = b.pv + D * R;  // after Oᵀ
  float* col_sum = shift + R;
  float* scratch = slots_[w].scratch;
  for (std::size_t g = 0; g < g_.kv_heads; ++g) {
    KvView k, vt;
    RINGRT_RETURN_IF_ERROR(store_->read(sp.layer, static_cast<uint32_t>(g), KvKind::kKey, key0, nk, scratch, &k));
    RINGRT_RETURN_IF_ERROR(
        store_->read(sp.layer, static_cast<uint32_t>(g), KvKind::kValue, key0, nk, scratch + g_.read_floats(), &vt));
    for (std::size_t j = g * group; j < (g + 1) * group; ++j) {
      float* col_max = b.state + j * M;
      float* sum = b.state + (heads + j) * M;
      float* st = b.scores;  // Sᵀ [nk][R]
      RINGRT_RETURN_IF_ERROR(b.query_ops[j].run(nk, k.data, st, nullptr));
      rule_.transform(st, nk * R);
      if (masked) {
        for (std::size_t q = 0; q < R; ++q) {
          for (std::size_t key = 0; key < nk; ++key) {
            if (key0 + key < sp.lo[q] || key0 + key >= sp.hi[q]) st[key * R + q] = -INFINITY;
          }
        }
      }
      // Column maxima of this chunk, the new running max, and the rescale factors.
      for (std::size_t q = 0; q < R; ++q) shift[q] = -INFINITY;
      for (std::size_t key = 0; key < nk; ++key) {
        const float* row = st + key * R;
        for (std::size_t q = 0; q < R; ++q) shift[q] = row[q] > shift[q] ? row[q] : shift[q];
      }
      for (std::size_t q = 0; q < R; ++q) {
        const float m_new = shift[q] > col_max[q] ? shift[q] : col_max[q];
        if (m_new == -INFINITY) {  // no visible key for this query yet
          alpha[q] = 1.0f;
          shift[q] = 0.0f;
          continue;
        }
        alpha[q] = std::exp((col_max[q] - m_new) * exp_scale);
        col_max[q] = m_new;
        shift[q] = m_new;
      }
      std::memset(col_sum, 0, R * sizeof(float));
      for (std::size_t key = 0; key < nk; ++key) {
        float* row = st + key * R;
        if (masked) {
          for (std::size_t q = 0; q < R; ++q) {  // masked scores: exactly zero, not exp(-87)
            if (row[q] == -INFINITY) row[q] = shift[q];
          }
          exp_shifted_each(row, shift, R, exp_scale);
          for (std::size_t q = 0; q < R; ++q) {
            if (key0 + key < sp.lo[q] || key0 + key >= sp.hi[q]) row[q] = 0.0f;
          }
        } else {
          exp_shifted_each(row, shift, R, exp_scale);
        }
        for (std::size_t q = 0; q < R; ++q) col_sum[q] += row[q];
      }
      for (std::size_t q = 0; q < R; ++q) sum[q] = sum[q] * alpha[q] + col_sum[q];
      // Oᵀ = Vᵀ · P: kernel Pᵀ [nk][R] given as [in][out]; input Vᵀ rows (its stride).
      b.prob_op->destroy();
      b.prob_pool->reset();
      RINGRT_RETURN_IF_ERROR(b.prob_op->create(FcShape{nk, R, vt.stride, R, true}, st, nullptr, b.prob_pool));
      RINGRT_RETURN_IF_ERROR(b.prob_op->run(D, vt.data, b.pv, nullptr));
      if (masked) split_restrict_to_visible(sp, vt, key0, nk, st, b.pv);
      for (std::size_t q = 0; q < R; ++q) {
        float* acc = b.partial + q * H + j * D;
        const float a = alpha[q];
        for (std::size_t d = 0; d < D; ++d) acc[d] = acc[d] * a + b.pv[d * R + q];
      }
    }
  }
  return Status::Ok();
}

void WorkerRing::split_step_item(void* ctx, std::size_t w) {
  Split& sp = *static_cast<Split*>(ctx);
  const uint64_t i = sp.step * sp.self->g_.workers + w;
  if (i < sp.chunks && sp.status[w].ok()) sp.status[w] = sp.self->split_chunk(sp, w, sp.chunk0 + i);
}

// Merges the workers' states for the rows of one part (parts cover [0, rows)).
void WorkerRing::split_merge_item(void* ctx, std::size_t part) {
  Split& sp = *static_cast<Split*>(ctx);
  WorkerRing& self = *sp.self;
  const std::size_t P = self.g_.workers, D = self.g_.head_dim, heads = self.g_.heads, H = heads * D;
  const std::size_t M = self.state_rows();
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
      const float exp_scale = self.rule_.exp_scale();
      for (std::size_t w = 0; w < P; ++w) {
        const RingWorkerBuffers& b = self.buffers_[w];
        const float mw = b.state[j * M + q];
        if (mw == -INFINITY) continue;  // this worker saw no key visible to q
        const float f = std::exp((mw - m) * exp_scale);
        total += b.state[(heads + j) * M + q] * f;
        const float* acc = b.partial + q * H + j * D;
        for (std::size_t d = 0; d < D; ++d) out[d] += acc[d] * f;
      }
      const float inv = normaliser(m, total, exp_scale, self.sink(sp.layer, j));
      for (std::size_t d = 0; d < D; ++d) out[d] *= inv;
    }
  }
}

Status WorkerRing::run_key_split(uint32_t layer, uint64_t start, std::size_t rows, const float* qkv,
                                    float* attention, uint64_t keys_end) {
  const std::size_t D = g_.head_dim, heads = g_.heads, P = g_.workers;
  Split& sp = split_;
  for (std::size_t w = 0; w < P; ++w) sp.status[w] = Status::Ok();
  sp.self = this;
  sp.layer = layer;
  sp.start = start;
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
  // The queries, contiguous per head: the weights every worker packs.
  for (std::size_t j = 0; j < heads; ++j) {
    for (std::size_t q = 0; q < rows; ++q) {
      std::memcpy(queries_ + (j * kKeySplitRows + q) * D, qkv + q * g_.qkv_stride + j * D, D * sizeof(float));
    }
  }
  threads_->parallel_for(P, split_setup_item, &sp);
  for (uint64_t s = 0; s * P < sp.chunks; ++s) {
    for (std::size_t w = 0; w < P; ++w) {
      if (!sp.status[w].ok()) return sp.status[w];
    }
    sp.step = s;
    threads_->parallel_for(P, split_step_item, &sp);
  }
  for (std::size_t w = 0; w < P; ++w) {
    if (!sp.status[w].ok()) return sp.status[w];
  }
  threads_->parallel_for(P < rows ? P : rows, split_merge_item, &sp);
  return Status::Ok();
}

}  // namespace ringrt
