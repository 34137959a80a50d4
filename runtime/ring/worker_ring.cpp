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

Status WorkerRing::prepare_share(const Round& rd, uint64_t chunk, std::size_t worker) {
  const std::size_t C = g_.chunk;
  RingSlot& slot = slots_[chunk % (rd.active + 1)];
  const uint64_t first = chunk * C;
  const std::size_t n = static_cast<std::size_t>(rd.end - first < C ? rd.end - first : C);
  for (std::size_t k = worker; k < 2u * g_.kv_heads; k += rd.active) {
    const KvKind kind = (k % 2) ? KvKind::kValue : KvKind::kKey;
    RINGRT_RETURN_IF_ERROR(store_->read(rd.layer, static_cast<uint32_t>(k / 2), kind, first, n,
                                        slot.scratch + k * g_.read_floats(), &slot.views[k]));
  }
  return Status::Ok();
}

void WorkerRing::attend(const Round& rd, std::size_t w, const KvView* views, uint64_t key0, std::size_t nk,
                        bool all_visible) {
  constexpr std::size_t B = kAttentionBlockRows;
  const std::size_t D = g_.head_dim, heads = g_.heads;
  RingWorkerBuffers& buf = buffers_[w];
  const std::size_t row0 = rd.row0[w], step = rd.row_step, nq = rd.nrows[w];
  // The worker's rows that see some key of the chunk: [k_lo, k_hi). Visible key
  // ranges move forward with the position, so these rows are consecutive; the
  // blocks without any of them are not computed.
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
  RingWorkerStats& stats = stats_[w];
  ++stats.chunks;
  if (k_lo == k_hi) return;
  const std::size_t M = state_rows();
  const KvView* kv = views;
  AttentionBlock ab = block_template(nk, buf.scores);
  // Each block's key range per row, when the chunk masks some of its rows (the
  // diagonal chunk, a window's edge).
  uint32_t lo[B], hi[B];
  for (std::size_t b0 = k_lo / B * B; b0 < k_hi; b0 += B) {
    const std::size_t m = nq - b0 < B ? nq - b0 : B;
    bool masked = false;
    std::size_t visible = m * nk;
    if (!all_visible) {
      visible = 0;
      for (std::size_t r = 0; r < m; ++r) {
        uint64_t a, e;
        rule_.visible(rd.start + row0 + (b0 + r) * step, rd.end, &a, &e);
        chunk_key_range(a, e, key0, nk, &lo[r], &hi[r]);
        if (lo[r] > 0 || hi[r] < nk) masked = true;
        visible += hi[r] > lo[r] ? hi[r] - lo[r] : 0;
      }
    }
    stats.computed_scores += m * nk;
    stats.visible_pairs += visible;
    ab.rows = m;
    ab.lo = masked ? lo : nullptr;
    ab.hi = masked ? hi : nullptr;
    const std::size_t block = b0 / B;
    for (std::size_t j = 0; j < heads; ++j) {
      const std::size_t g = kv_head(j), tile = (block * heads + j) * D * B;
      ab.qt = buf.query_t + tile;
      ab.ot = buf.output_t + tile;
      ab.k = kv[2 * g].data;
      ab.k_stride = kv[2 * g].stride;
      ab.vt = kv[2 * g + 1].data;
      ab.vt_stride = kv[2 * g + 1].stride;
      ab.row_max = buf.state + j * M + b0;
      ab.row_sum = buf.state + (heads + j) * M + b0;
      attend_block(ab);
    }
  }
}

void WorkerRing::start_rows_item(void* ctx, std::size_t w) {
  Round& rd = *static_cast<Round*>(ctx);
  WorkerRing& self = *rd.self;
  const std::size_t nq = rd.nrows[w];
  RingWorkerBuffers& buf = self.buffers_[w];
  self.reset_state(buf.state);
  std::memset(buf.query_t, 0, self.query_blocks_floats(nq) * sizeof(float));
  std::memset(buf.output_t, 0, self.query_blocks_floats(nq) * sizeof(float));
  for (std::size_t k = 0; k < nq; ++k) {
    self.transpose_query_row(rd.qkv + (rd.row0[w] + k * rd.row_step) * self.g_.qkv_stride, k, buf.query_t);
  }
}

void WorkerRing::transpose_query_row(const float* q, std::size_t k, float* blocks) const {
  constexpr std::size_t B = kAttentionBlockRows;
  const std::size_t HD = static_cast<std::size_t>(g_.heads) * g_.head_dim;
  float* lane = blocks + k / B * HD * B + k % B;
  for (std::size_t i = 0; i < HD; ++i) lane[i * B] = q[i];  // head j, dimension d: i = j D + d
}

AttentionBlock WorkerRing::block_template(std::size_t nk, float* scratch) const {
  AttentionBlock ab{};
  ab.keys = nk;
  ab.dim = g_.head_dim;
  ab.exp_scale = rule_.exp_scale();
  ab.softcap = rule_.softcap;
  ab.softcap_inner = rule_.softcap_inner();
  ab.scratch = scratch;
  return ab;
}

void WorkerRing::chunk_key_range(uint64_t lo, uint64_t hi, uint64_t key0, std::size_t nk, uint32_t* chunk_lo,
                                 uint32_t* chunk_hi) {
  *chunk_lo = static_cast<uint32_t>(lo > key0 ? (lo - key0 < nk ? lo - key0 : nk) : 0);
  *chunk_hi = static_cast<uint32_t>(hi > key0 ? (hi - key0 < nk ? hi - key0 : nk) : 0);
}

void WorkerRing::finish_rows(const Round& rd, std::size_t w) {
  constexpr std::size_t B = kAttentionBlockRows;
  const std::size_t D = g_.head_dim, heads = g_.heads, H = heads * D;
  const std::size_t nq = rd.nrows[w];
  const RingWorkerBuffers& buf = buffers_[w];
  for (std::size_t j = 0; j < heads; ++j) {
    const float* row_max = buf.state + j * state_rows();
    const float* row_sum = buf.state + (heads + j) * state_rows();
    const float sink_j = sink(rd.layer, j);
    for (std::size_t k = 0; k < nq; ++k) {
      float* out = rd.attention + (rd.acc0[w] + k) * H + j * D;
      const float* ot = buf.output_t + (k / B * heads + j) * D * B + k % B;
      const float inv = normaliser(row_max[k], row_sum[k], rule_.exp_scale(), sink_j);
      for (std::size_t d = 0; d < D; ++d) out[d] = ot[d * B] * inv;
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
      self.attend(rd, w, self.slots_[chunk % (rd.active + 1)].views, key0, nk, false);
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
  // Fresh softmax state and outputs for this round's rows, their queries transposed.
  threads_->parallel_for(rd.active, start_rows_item, &rd);
  return Status::Ok();
}

Status WorkerRing::attend_local() {
  Round& rd = round_;
  uint64_t steps = 0;
  for (std::size_t w = 0; w < rd.active; ++w) {
    const uint64_t worker_steps = rd.last_chunk[w] - rd.chunk0 + (rd.active - 1 - w) + 1;
    if (worker_steps > steps) steps = worker_steps;
  }
  const uint64_t run_end = (rd.chunk0 + rd.chunks) * g_.chunk;
  store_->will_read(rd.layer, rd.chunk0 * g_.chunk, run_end < rd.end ? run_end : rd.end);
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

// Every worker attends its rows to the external chunk, read where it is.
void WorkerRing::external_item(void* ctx, std::size_t w) {
  Round& rd = *static_cast<Round*>(ctx);
  WorkerRing& self = *rd.self;
  const ExternalChunk& c = *rd.external;
  KvView* views = self.slots_[w].views;
  for (std::size_t g = 0; g < self.g_.kv_heads; ++g) {
    views[2 * g] = KvView{c.keys + g * c.key_stride, self.g_.head_dim};
    views[2 * g + 1] = KvView{c.values_t + g * c.value_stride, c.v_row_stride};
  }
  const double t0 = monotonic_seconds();
  self.attend(rd, w, views, 0, c.n, true);
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
