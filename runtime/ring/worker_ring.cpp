#include "worker_ring.hpp"

#include <cmath>
#include <cstring>

#include "monotonic_clock.hpp"
#include "vector_math.hpp"

namespace ringrt {


void WorkerRing::clear_worker_stats() {
  for (RingWorkerStats& s : stats_) s = RingWorkerStats{};
}

void WorkerRing::bind(const RingGeometry& g, const AttentionRule& rule, const float* sinks, RingSlot* slots,
                         RingWorkerBuffers* buffers, float* queries, KvStore* store, ThreadPool* threads) {
  g_ = g;
  rule_ = rule;
  sinks_ = sinks;
  slots_ = slots;
  buffers_ = buffers;
  queries_ = queries;
  store_ = store;
  threads_ = threads;
}

Status WorkerRing::pack_op(RingSlot& slot, std::size_t k, const float* data, std::size_t stride, std::size_t n,
                              float* scratch, std::size_t input_stride) {
  const std::size_t C = g_.chunk, D = g_.head_dim;
  slot.ops[k].destroy();
  slot.pools[k].reset();
  // K: scores[q, key] = Q[q, :] · K[key, :]   V: out[q, :] = sum_key P[q, key] Vᵀ[:, key]
  // XNNPACK packs a contiguous kernel: Vᵀ rows are compacted to n floats first.
  const bool value = k % 2;
  const float* kernel = data;
  if (value && stride != n) {
    for (std::size_t d = 0; d < D; ++d) std::memmove(scratch + d * n, data + d * stride, n * sizeof(float));
    kernel = scratch;
  }
  const FcShape shape = value ? FcShape{n, D, C, D, false} : FcShape{D, n, input_stride, C, false};
  return slot.ops[k].create(shape, kernel, nullptr, &slot.pools[k]);
}

Status WorkerRing::prepare_share(const Round& rd, uint64_t chunk, std::size_t worker) {
  const std::size_t C = g_.chunk;
  RingSlot& slot = slots_[chunk % (rd.active + 1)];
  const uint64_t first = chunk * C;
  const std::size_t n = static_cast<std::size_t>(rd.end - first < C ? rd.end - first : C);
  for (std::size_t k = worker; k < 2u * g_.kv_heads; k += rd.active) {
    const KvKind kind = (k % 2) ? KvKind::kValue : KvKind::kKey;
    float* scratch = slot.scratch + k * g_.read_floats();
    KvView view;
    RINGRT_RETURN_IF_ERROR(store_->read(rd.layer, static_cast<uint32_t>(k / 2), kind, first, n, scratch, &view));
    RINGRT_RETURN_IF_ERROR(pack_op(slot, k, view.data, view.stride, n, scratch, rd.input_stride));
  }
  return Status::Ok();
}

std::size_t WorkerRing::softmax_update(float* p, std::size_t nk, uint64_t pos, uint64_t key0, uint64_t keys_end,
                                          bool all_visible, float* row_max, float* row_sum, float* alpha) const {
  std::size_t a = 0, b = nk;  // the visible keys of this chunk: [a, b)
  if (!all_visible) {
    uint64_t lo, hi;
    rule_.visible(pos, keys_end, &lo, &hi);
    a = lo > key0 ? static_cast<std::size_t>(lo - key0 < nk ? lo - key0 : nk) : 0;
    b = hi > key0 ? static_cast<std::size_t>(hi - key0 < nk ? hi - key0 : nk) : 0;
  }
  if (a >= b) {
    std::memset(p, 0, nk * sizeof(float));
    *alpha = 1.0f;
    return 0;
  }
  rule_.transform(p + a, b - a);
  const float exp_scale = rule_.exp_scale();
  const float m_old = *row_max;
  const float m_blk = max_of(p + a, b - a);
  const float m_new = m_blk > m_old ? m_blk : m_old;
  *alpha = std::exp((m_old - m_new) * exp_scale);  // 0 on the first visible block (m_old = -inf)
  *row_sum = *row_sum * *alpha + exp_shifted_sum(p + a, b - a, m_new, exp_scale);
  *row_max = m_new;
  if (a > 0) std::memset(p, 0, a * sizeof(float));
  if (b < nk) std::memset(p + b, 0, (nk - b) * sizeof(float));
  return b - a;
}

Status WorkerRing::attend(const Round& rd, std::size_t w, const RingSlot& slot, uint64_t key0, std::size_t nk,
                             bool all_visible) {
  const std::size_t C = g_.chunk, D = g_.head_dim, heads = g_.heads, H = heads * D;
  RingWorkerBuffers& buf = buffers_[w];
  const std::size_t row0 = rd.row0[w], step = rd.row_step, nq = rd.nrows[w];
  // The worker's rows that see some key of the chunk: [k_lo, k_hi). Visible key
  // ranges move forward with the position, so these rows are consecutive; the
  // others (above the causal diagonal, or past the window) are not computed.
  std::size_t k_lo = 0, k_hi = nq;
  if (!all_visible) {
    auto sees = [&](std::size_t k) {
      uint64_t lo, hi;
      rule_.visible(rd.start + row0 + k * step, rd.end, &lo, &hi);
      return lo < hi && hi > key0 && lo < key0 + nk;
    };
    while (k_lo < k_hi && !sees(k_lo)) ++k_lo;
    while (k_hi > k_lo && !sees(k_hi - 1)) --k_hi;
  }
  const std::size_t n = k_hi - k_lo;
  RingWorkerStats& stats = stats_[w];
  ++stats.chunks;
  if (n == 0) return Status::Ok();
  // Some of these rows see only part of the chunk (it is on their diagonal, or at
  // their window's edge): the last row's keys start latest, the first row's end first.
  bool partial = false;
  if (!all_visible) {
    uint64_t last_lo, last_hi, first_lo, first_hi;
    rule_.visible(rd.start + row0 + (k_hi - 1) * step, rd.end, &last_lo, &last_hi);
    rule_.visible(rd.start + row0 + k_lo * step, rd.end, &first_lo, &first_hi);
    partial = last_lo > key0 || first_hi < key0 + nk;
  }
  stats.computed_scores += n * nk;
  const std::size_t M = state_rows();
  float* alpha = buf.state + 2 * heads * M;
  const float* q = rd.qkv + (row0 + k_lo * step) * g_.qkv_stride;
  for (std::size_t j = 0; j < heads; ++j) {
    const std::size_t g = kv_head(j);
    float* row_max = buf.state + j * M;
    float* row_sum = buf.state + (heads + j) * M;
    // Scores of rows k_lo .. k_hi - 1 (input stride rd.input_stride), contiguous in buf.scores.
    RINGRT_RETURN_IF_ERROR(slot.ops[2 * g].run(n, q + j * D, buf.scores, nullptr));
    std::size_t visible = 0;
    for (std::size_t r = 0; r < n; ++r) {
      const std::size_t k = k_lo + r;
      visible += softmax_update(buf.scores + r * C, nk, rd.start + row0 + k * step, key0, rd.end, all_visible,
                                row_max + k, row_sum + k, alpha + k);
    }
    if (j == 0) stats.visible_pairs += visible;
    RINGRT_RETURN_IF_ERROR(slot.ops[2 * g + 1].run(n, buf.scores, buf.pv, nullptr));
    if (partial) RINGRT_RETURN_IF_ERROR(restrict_to_visible(rd, w, slot, j, key0, nk, k_lo, n));
    for (std::size_t r = 0; r < n; ++r) {
      const std::size_t k = k_lo + r;
      float* acc = rd.attention + (rd.acc0[w] + k) * H + j * D;
      const float* pv = buf.pv + r * D;
      const float a = alpha[k];
      for (std::size_t d = 0; d < D; ++d) acc[d] = acc[d] * a + pv[d];
    }
  }
  return Status::Ok();
}

void WorkerRing::finish_rows(const Round& rd, std::size_t w) {
  const std::size_t D = g_.head_dim, heads = g_.heads, H = heads * D;
  const std::size_t nq = rd.nrows[w];
  const float* state = buffers_[w].state;
  for (std::size_t j = 0; j < heads; ++j) {
    const float* row_max = state + j * state_rows();
    const float* row_sum = state + (heads + j) * state_rows();
    const float sink_j = sink(rd.layer, j);
    for (std::size_t k = 0; k < nq; ++k) {
      float* acc = rd.attention + (rd.acc0[w] + k) * H + j * D;
      const float inv = normaliser(row_max[k], row_sum[k], rule_.exp_scale(), sink_j);
      for (std::size_t d = 0; d < D; ++d) acc[d] *= inv;
    }
  }
}

// One lockstep step for one worker: use the chunk it holds, then prepare its share
// of the chunk entering the ring next.
void WorkerRing::step_item(void* ctx, std::size_t w) {
  Round& rd = *static_cast<Round*>(ctx);
  WorkerRing& self = *rd.self;
  if (!rd.status[w].ok()) return;
  const uint64_t step = rd.step;
  const uint64_t lag = rd.active - 1 - w;  // chunk chunk0 + i reaches worker w at step i + lag
  if (step != UINT64_MAX && step >= lag && step - lag < rd.chunks) {
    const uint64_t chunk = rd.chunk0 + step - lag, key0 = chunk * self.g_.chunk;
    if (chunk >= rd.first_chunk[w] && chunk <= rd.last_chunk[w]) {
      const std::size_t nk = static_cast<std::size_t>(rd.end - key0 < self.g_.chunk ? rd.end - key0 : self.g_.chunk);
      const double t0 = monotonic_seconds();
      rd.status[w] = self.attend(rd, w, self.slots_[chunk % (rd.active + 1)], key0, nk, false);
      self.stats_[w].busy_seconds += monotonic_seconds() - t0;
    }
  }
  const uint64_t next = step == UINT64_MAX ? 0 : step + 1;
  if (next < rd.chunks && rd.status[w].ok()) {
    const double t0 = monotonic_seconds();
    Status s = self.prepare_share(rd, rd.chunk0 + next, w);
    self.stats_[w].busy_seconds += monotonic_seconds() - t0;
    if (!s.ok()) rd.status[w] = s;
  }
}

void WorkerRing::reset_state(float* state) const {
  const std::size_t rows = static_cast<std::size_t>(g_.heads) * state_rows();
  for (std::size_t i = 0; i < rows; ++i) state[i] = -INFINITY;
  std::memset(state + rows, 0, rows * sizeof(float));
}

Status WorkerRing::run(uint32_t layer, uint64_t start, std::size_t rows, const float* qkv, float* attention,
                          uint64_t keys_end) {
  if (rows <= kKeySplitRows) return run_key_split(layer, start, rows, qkv, attention, keys_end);
  RINGRT_RETURN_IF_ERROR(begin_round(layer, start, rows, qkv, attention, keys_end));
  RINGRT_RETURN_IF_ERROR(attend_local());
  finish_round();
  return Status::Ok();
}

Status WorkerRing::round_status() const {
  for (std::size_t w = 0; w < round_.active; ++w) {
    if (!round_.status[w].ok()) return round_.status[w];
  }
  return Status::Ok();
}

void WorkerRing::visible_chunks(uint64_t first_pos, uint64_t last_pos, uint64_t keys_end, uint64_t* lo,
                                   uint64_t* hi) const {
  uint64_t a0, b0, a1, b1;
  rule_.visible(first_pos, keys_end, &a0, &b0);
  rule_.visible(last_pos, keys_end, &a1, &b1);
  // Visible ranges move forward with the position: the union is [a0, b1).
  *lo = a0 / g_.chunk;
  *hi = b1 > 0 ? (b1 - 1) / g_.chunk : 0;
}

Status WorkerRing::begin_round(uint32_t layer, uint64_t start, std::size_t rows, const float* qkv,
                                  float* attention, uint64_t keys_end) {
  const std::size_t heads = g_.heads, H = heads * g_.head_dim;
  Round& rd = round_;
  rd.self = this;
  rd.layer = layer;
  rd.start = start;
  rd.end = keys_end;
  rd.qkv = qkv;
  rd.attention = attention;
  rd.rows = rows;
  if (assignment_ == RowAssignment::kStriped) {
    rd.active = rows < g_.workers ? rows : g_.workers;
    rd.row_step = rd.active;
    for (std::size_t w = 0; w < rd.active; ++w) {
      rd.row0[w] = w;
      rd.nrows[w] = (rows - w + rd.active - 1) / rd.active;
      rd.acc0[w] = w == 0 ? 0 : rd.acc0[w - 1] + rd.nrows[w - 1];
    }
  } else {
    const std::size_t block_rows = (rows + g_.workers - 1) / g_.workers;
    rd.active = (rows + block_rows - 1) / block_rows;
    rd.row_step = 1;
    for (std::size_t w = 0; w < rd.active; ++w) {
      rd.row0[w] = w * block_rows;
      rd.nrows[w] = rows - rd.row0[w] < block_rows ? rows - rd.row0[w] : block_rows;
      rd.acc0[w] = rd.row0[w];
    }
  }
  rd.input_stride = rd.row_step * g_.qkv_stride;
  rd.external = nullptr;
  uint64_t lo_all = UINT64_MAX, hi_all = 0;
  for (std::size_t w = 0; w < rd.active; ++w) {
    rd.status[w] = Status::Ok();
    const std::size_t first_row = rd.row0[w];
    const std::size_t last_row = rd.row0[w] + (rd.nrows[w] - 1) * rd.row_step;
    visible_chunks(start + first_row, start + last_row, keys_end, &rd.first_chunk[w], &rd.last_chunk[w]);
    lo_all = rd.first_chunk[w] < lo_all ? rd.first_chunk[w] : lo_all;
    hi_all = rd.last_chunk[w] > hi_all ? rd.last_chunk[w] : hi_all;
  }
  rd.chunk0 = lo_all;
  rd.chunks = hi_all + 1 - lo_all;
  // Fresh softmax state and accumulators for this round's rows.
  for (std::size_t w = 0; w < rd.active; ++w) reset_state(buffers_[w].state);
  std::memset(attention, 0, rows * H * sizeof(float));
  return Status::Ok();
}

Status WorkerRing::attend_local() {
  Round& rd = round_;
  uint64_t steps = 0;
  for (std::size_t w = 0; w < rd.active; ++w) {
    const uint64_t worker_steps = rd.last_chunk[w] - rd.chunk0 + (rd.active - 1 - w) + 1;
    if (worker_steps > steps) steps = worker_steps;
  }
  // Prologue prepares chunk 0, then every step uses the ring and prepares the next.
  rd.step = UINT64_MAX;
  threads_->parallel_for(rd.active, step_item, &rd);
  for (uint64_t s = 0; s < steps; ++s) {
    RINGRT_RETURN_IF_ERROR(round_status());
    rd.step = s;
    threads_->parallel_for(rd.active, step_item, &rd);
  }
  return round_status();
}

// XNNPACK operators are not reentrant (setup writes into the operator), so every
// worker packs the external chunk into its own slot and attends its rows with it.
void WorkerRing::external_item(void* ctx, std::size_t w) {
  Round& rd = *static_cast<Round*>(ctx);
  WorkerRing& self = *rd.self;
  const ExternalChunk& c = *rd.external;
  RingSlot& slot = self.slots_[w];
  const double t0 = monotonic_seconds();
  for (std::size_t k = 0; k < 2u * self.g_.kv_heads && rd.status[w].ok(); ++k) {
    const std::size_t head = k / 2;
    const float* data = (k % 2) ? c.values_t + head * c.value_stride : c.keys + head * c.key_stride;
    const std::size_t stride = (k % 2) ? c.v_row_stride : self.g_.head_dim;
    rd.status[w] = self.pack_op(slot, k, data, stride, c.n, slot.scratch + k * self.g_.read_floats(),
                                rd.input_stride);
  }
  if (rd.status[w].ok()) rd.status[w] = self.attend(rd, w, slot, 0, c.n, true);
  self.stats_[w].busy_seconds += monotonic_seconds() - t0;
}

Status WorkerRing::attend_external(const ExternalChunk& chunk) {
  Round& rd = round_;
  if (chunk.n == 0) return Status::Ok();
  rd.external = &chunk;
  threads_->parallel_for(rd.active, external_item, &rd);
  rd.external = nullptr;
  return round_status();
}

void WorkerRing::unstripe_item(void* ctx, std::size_t part) {
  Round& rd = *static_cast<Round*>(ctx);
  WorkerRing& self = *rd.self;
  const std::size_t H = static_cast<std::size_t>(self.g_.heads) * self.g_.head_dim, R = rd.rows, A = rd.active;
  // This part's columns: a band of whole 64-byte lines.
  constexpr std::size_t kLine = 16;
  const std::size_t lines = (H + kLine - 1) / kLine;
  const std::size_t c0 = lines * part / A * kLine, end = lines * (part + 1) / A * kLine;
  const std::size_t c1 = end < H ? end : H;
  if (c0 >= c1) return;
  // Worker-major row i holds worker w's k-th row, which belongs at round row w + k A.
  // Workers [0, big_workers) have q + 1 rows, the others q.
  const std::size_t q = R / A, big_workers = R % A, big = big_workers * (q + 1);
  auto dest = [&](std::size_t i) {
    const std::size_t w = i < big ? i / (q + 1) : big_workers + (i - big) / q;
    const std::size_t k = i < big ? i % (q + 1) : (i - big) % q;
    return w + k * A;
  };
  // Visited rows: a bitmap in this part's score buffer (free once the round's chunks are used).
  uint32_t* visited = reinterpret_cast<uint32_t*>(self.buffers_[part].scores);
  std::memset(visited, 0, (R + 31) / 32 * sizeof(uint32_t));
  // Each cycle of the permutation, 64 columns at a time: carry row i's piece to
  // dest(i), picking up the piece found there, until the cycle closes.
  float piece_a[64], piece_b[64];
  for (std::size_t start = 0; start < R; ++start) {
    if (visited[start / 32] >> (start % 32) & 1u) continue;
    for (std::size_t c = c0; c < c1; c += 64) {
      const std::size_t n = (c1 - c < 64 ? c1 - c : 64) * sizeof(float);
      float *carry = piece_a, *spare = piece_b;
      std::memcpy(carry, rd.attention + start * H + c, n);
      std::size_t i = start;
      for (;;) {
        visited[i / 32] |= 1u << (i % 32);
        i = dest(i);
        float* row = rd.attention + i * H + c;
        if (i == start) {
          std::memcpy(row, carry, n);
          break;
        }
        std::memcpy(spare, row, n);
        std::memcpy(row, carry, n);
        float* t = carry;
        carry = spare;
        spare = t;
      }
    }
  }
}

void WorkerRing::finish_round() {
  threads_->parallel_for(round_.active, [](void* ctx, std::size_t w) {
    Round& r = *static_cast<Round*>(ctx);
    r.self->finish_rows(r, w);
  }, &round_);
  if (round_.row_step > 1) threads_->parallel_for(round_.active, unstripe_item, &round_);
}

}  // namespace ringrt
