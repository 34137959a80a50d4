// The ring across ranks: every rank's KV share travels around the ring of ranks,
// one hop per step, while each rank attends its own queries to the chunk it holds.
//
// For one layer of a distributed round, after the local ring has attended this
// rank's slice to its own store (WorkerRing::attend_local), chunk k of every
// rank's store is sent to the next rank, which attends to it and forwards it, until
// it has visited every other rank; then chunk k + 1, and so on. The transfer of
// hop t overlaps the attention on the chunk received at hop t - 1 (three message
// buffers: the chunk being forwarded and used, the one arriving, and this rank's
// own next chunk). A rank sends only what some other rank can see: positions that
// precede another rank's slice of the round.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kv_store.hpp"
#include "worker_ring.hpp"
#include "ringrt/transport.hpp"
#include "shard_schedule.hpp"

namespace ringrt {

class RankRing {
 public:
  // Floats of one message: a header, then K and Vᵀ of every head for one chunk.
  static std::size_t message_floats(uint32_t heads, uint32_t head_dim, uint32_t chunk);

  // `messages`: 3 * message_floats; `scratch`: chunk * head_dim floats.
  void bind(RingTransport* transport, KvStore* store, WorkerRing* ring, const ShardSchedule& schedule,
            uint32_t heads, uint32_t head_dim, uint32_t chunk, float* messages, float* scratch);

  // Completes the attention of this rank's slice of the round [start, start + tokens)
  // in `layer` with the KV of every other rank. Every rank calls it, also one with no
  // rows this round (it still forwards).
  Status run(uint32_t layer, uint64_t start, uint64_t tokens);

  const RingStats& stats() const { return stats_; }
  void clear_stats() { stats_ = RingStats{}; }

 private:
  struct Header {
    uint64_t local_start;
    uint64_t rows;
    uint32_t source;
    uint32_t layer;
  };
  static constexpr std::size_t kHeaderFloats = 16;  // 64 bytes keep the payload aligned

  float* message(int i) const { return messages_ + static_cast<std::size_t>(i) * message_floats_; }
  // Positions of `source`'s store that some other rank's slice can see.
  uint64_t shared_prefix(uint32_t source, uint64_t start, uint64_t tokens) const;
  Status fill_own(float* msg, uint32_t layer, uint64_t k, uint64_t shared);
  Status use(const float* msg, const ShardSlice& mine);

  RingTransport* transport_ = nullptr;
  KvStore* store_ = nullptr;
  WorkerRing* ring_ = nullptr;
  ShardSchedule schedule_{1, 1};
  uint32_t heads_ = 0, head_dim_ = 0, chunk_ = 0;
  std::size_t message_floats_ = 0;
  float* messages_ = nullptr;
  float* scratch_ = nullptr;
  RingStats stats_;
};

}  // namespace ringrt
