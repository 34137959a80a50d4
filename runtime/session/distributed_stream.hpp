// One rank of a ring of ranks (session_mode.hpp): causal attention without a
// sliding window, each round's rows dealt in blocks of workers x chunk round robin
// over the ranks (shard_schedule.hpp); per layer a rank attends its rows to its own
// store through the worker ring, then the ranks' KV chunks travel the rank ring
// (rank_ring.hpp). Rank 0 holds the input and the outputs; every call is
// collective and ends with an agreement, so a rank that fails fails every rank.
#pragma once

#include "rank_ring.hpp"
#include "session_mode.hpp"
#include "shard_schedule.hpp"

namespace ringrt {

class Distributed final : public SessionMode {
 public:
  Distributed(SessionState& state, RingTransport* transport) : SessionMode(state), transport_(transport) {}
  // Binds the rank ring to the store and checks the ranks run the same model and options.
  Status start(float* messages);

  Status append(const float* x, std::size_t tokens, std::size_t width, float* all_outputs) override;
  Status truncate(uint64_t length) override;
  uint64_t kv_bytes_stored() const override;
  const RingStats& ring_stats() const override { return rank_ring_.stats(); }
  void clear_ring_stats() override { rank_ring_.clear_stats(); }

 private:
  Status run_round(const float* x, std::size_t tokens, float* all_outputs);
  Status run_layer(uint32_t layer, const ShardSlice& slice, std::size_t tokens, Status* local);
  uint64_t local_length(uint64_t length) const { return schedule_.owned_before(transport_->rank(), length); }
  Status check_same_options_on_every_rank();
  Status agree_on_append(Status local, std::size_t tokens, bool want_all);
  // Every rank learns the first rank whose `local` failed (its Status, with its
  // rank), so no rank goes on into the ring while another has given up. Of several
  // failures, the one with the smallest `order` (then the lowest rank) is reported.
  Status agree(const Status& local, uint64_t order = 0);
  // Rank 0's `bytes` at `data` to every rank, point to point, so that a rank that
  // stopped answering is named (a broadcast that times out cannot say which).
  Status from_root(void* data, std::size_t bytes);
  Status scatter_input(const float* x, uint64_t start, std::size_t tokens, const ShardSlice& mine,
                       const float** rows_out);
  Status gather_outputs(const ShardSlice& mine, uint64_t start, std::size_t tokens, float* all_outputs,
                        Status* local);

  RingTransport* transport_;
  ShardSchedule schedule_{1, 1};
  RankRing rank_ring_;
  bool want_all_ = false;  // rank 0 asked for every timestep's output
};

}  // namespace ringrt
