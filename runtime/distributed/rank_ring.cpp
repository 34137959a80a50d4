#include "rank_ring.hpp"

#include <cstring>

#include "monotonic_clock.hpp"

namespace ringrt {

std::size_t RankRing::message_floats(uint32_t heads, uint32_t head_dim, uint32_t chunk) {
  return kHeaderFloats + 2 * static_cast<std::size_t>(heads) * head_dim * chunk;
}

void RankRing::bind(RingTransport* transport, KvStore* store, WorkerRing* ring, const ShardSchedule& schedule,
                        uint32_t heads, uint32_t head_dim, uint32_t chunk, float* messages, float* scratch) {
  transport_ = transport;
  store_ = store;
  ring_ = ring;
  schedule_ = schedule;
  heads_ = heads;
  head_dim_ = head_dim;
  chunk_ = chunk;
  message_floats_ = message_floats(heads, head_dim, chunk);
  messages_ = messages;
  scratch_ = scratch;
}

uint64_t RankRing::shared_prefix(uint32_t source, uint64_t start, uint64_t tokens) const {
  uint64_t shared = 0;
  for (uint32_t x = 0; x < schedule_.ranks; ++x) {
    if (x == source) continue;
    const ShardSlice slice = shard_slice(schedule_, x, start, tokens);
    if (slice.rows == 0) continue;
    const uint64_t visible = schedule_.owned_before(source, slice.begin);
    if (visible > shared) shared = visible;
  }
  return shared;
}

// Message layout after the header: K of head h at h * C * D (n rows of D floats),
// then Vᵀ of head h at heads * C * D + h * D * C (D rows of n floats).
Status RankRing::fill_own(float* msg, uint32_t layer, uint64_t k, uint64_t shared) {
  const std::size_t C = chunk_, D = head_dim_;
  const uint64_t first = k * C;
  const std::size_t n = shared > first ? static_cast<std::size_t>(shared - first < C ? shared - first : C) : 0;
  const Header header{first, n, transport_->rank(), layer};
  std::memcpy(msg, &header, sizeof header);
  float* keys = msg + kHeaderFloats;
  float* values = keys + static_cast<std::size_t>(heads_) * C * D;
  for (uint32_t h = 0; h < heads_ && n > 0; ++h) {
    KvView view;
    RINGRT_RETURN_IF_ERROR(store_->read(layer, h, KvKind::kKey, first, n, scratch_, &view));
    float* k_dst = keys + h * C * D;
    for (std::size_t r = 0; r < n; ++r) std::memcpy(k_dst + r * D, view.data + r * view.stride, D * sizeof(float));
    RINGRT_RETURN_IF_ERROR(store_->read(layer, h, KvKind::kValue, first, n, scratch_, &view));
    float* v_dst = values + h * D * C;
    for (std::size_t d = 0; d < D; ++d) std::memcpy(v_dst + d * n, view.data + d * view.stride, n * sizeof(float));
  }
  return Status::Ok();
}

Status RankRing::use(const float* msg, const ShardSlice& mine) {
  Header header;
  std::memcpy(&header, msg, sizeof header);
  if (mine.rows == 0 || header.rows == 0) return Status::Ok();
  // The source's positions that precede this rank's slice are exactly its first
  // owned_before(source, begin) local positions; all of them are visible.
  const uint64_t visible_total = schedule_.owned_before(header.source, mine.begin);
  if (visible_total <= header.local_start) return Status::Ok();
  const uint64_t left = visible_total - header.local_start;
  const std::size_t n = static_cast<std::size_t>(left < header.rows ? left : header.rows);
  const std::size_t C = chunk_, D = head_dim_;
  const float* keys = msg + kHeaderFloats;
  WorkerRing::ExternalChunk chunk{keys, C * D, keys + heads_ * C * D, D * C, static_cast<std::size_t>(header.rows), n};
  ++stats_.chunks_received;
  return ring_->attend_external(chunk);
}

Status RankRing::run(uint32_t layer, uint64_t start, uint64_t tokens) {
  const uint32_t R = transport_->ranks(), me = transport_->rank();
  if (R == 1) return Status::Ok();
  const ShardSlice mine = shard_slice(schedule_, me, start, tokens);
  uint64_t rounds = 0, my_shared = 0;  // chunks per rank to circulate: the largest share
  for (uint32_t q = 0; q < R; ++q) {
    const uint64_t shared = shared_prefix(q, start, tokens);
    if (q == me) my_shared = shared;
    const uint64_t chunks = (shared + chunk_ - 1) / chunk_;
    if (chunks > rounds) rounds = chunks;
  }
  const std::size_t bytes = message_floats_ * sizeof(float);
  if (my_shared > 0) store_->will_read(layer, 0, my_shared);  // fill_own() reads chunks 0, 1, ...
  int prev = -1;  // buffer received by the last hop, to use (and forward) now
  for (uint64_t t = 0; t < rounds * (R - 1); ++t) {
    const uint64_t k = t / (R - 1);
    const bool first_hop = t % (R - 1) == 0;
    int send = prev;
    double t0 = monotonic_seconds();
    if (first_hop) {  // this rank's own chunk k starts its way around
      send = prev == 0 ? 1 : 0;
      RINGRT_RETURN_IF_ERROR(fill_own(message(send), layer, k, my_shared));
    }
    const int recv = 3 - send - (prev >= 0 && prev != send ? prev : (send == 0 ? 1 : 0));
    RINGRT_RETURN_IF_ERROR(transport_->shift_begin(message(send), message(recv), bytes));
    stats_.bytes_sent += bytes;
    const Status used = prev >= 0 ? use(message(prev), mine) : Status::Ok();
    transport_->progress();
    const double t1 = monotonic_seconds();
    // The hop completes even when the compute failed: no transfer is left in flight
    // on the session's buffers.
    const Status hop = transport_->shift_end();
    RINGRT_RETURN_IF_ERROR(used);
    RINGRT_RETURN_IF_ERROR(hop);
    const double t2 = monotonic_seconds();
    stats_.compute_seconds += t1 - t0;
    stats_.wait_seconds += t2 - t1;
    prev = recv;
  }
  if (prev >= 0) {
    const double t0 = monotonic_seconds();
    RINGRT_RETURN_IF_ERROR(use(message(prev), mine));
    stats_.compute_seconds += monotonic_seconds() - t0;
  }
  return Status::Ok();
}

}  // namespace ringrt
