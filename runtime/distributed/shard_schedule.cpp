#include "shard_schedule.hpp"

namespace ringrt {

uint64_t ShardSchedule::owned_before(uint32_t rank, uint64_t end) const {
  const uint64_t full = end / block;  // blocks [0, full) are complete
  const uint64_t complete_owned = full > rank ? (full - rank - 1) / ranks + 1 : 0;
  const uint64_t partial = (full % ranks == rank) ? end % block : 0;
  return complete_owned * block + partial;
}

uint64_t ShardSchedule::share_capacity(uint64_t max_context) const {
  const uint64_t blocks = (max_context + block - 1) / block;
  return (blocks + ranks - 1) / ranks * block;
}

uint64_t ShardSchedule::round_tokens(uint64_t start, uint64_t pending) const {
  const uint64_t round_end = (start / block + ranks) * block;
  return pending < round_end - start ? pending : round_end - start;
}

ShardSlice shard_slice(const ShardSchedule& s, uint32_t rank, uint64_t start, uint64_t tokens) {
  const uint64_t end = start + tokens;
  // The round spans blocks start/B .. (end-1)/B, at most R of them: one per rank.
  const uint64_t first = start / s.block;
  const uint64_t offset = (rank + s.ranks - first % s.ranks) % s.ranks;  // this rank's block = first + offset
  const uint64_t b = first + offset;
  ShardSlice slice{0, 0, s.owned_before(rank, start)};
  const uint64_t lo = b * s.block > start ? b * s.block : start;
  const uint64_t hi = (b + 1) * s.block < end ? (b + 1) * s.block : end;
  if (lo < hi) {
    slice.begin = lo;
    slice.rows = hi - lo;
  }
  return slice;
}

}  // namespace ringrt
