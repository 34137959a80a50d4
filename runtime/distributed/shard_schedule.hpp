// The shard schedule of a distributed session: which rank owns which positions.
//
// The sequence is cut into blocks of B = workers * chunk positions; block b belongs
// to rank b mod R (round robin), so history storage and compute are spread evenly,
// also when a stream grows a few tokens at a time. A rank keeps the positions it
// owns in its own KV store, in order, at local positions 0, 1, 2, ...
//
// A distributed round covers positions up to the end of R consecutive blocks, so
// every rank holds at most one contiguous slice of it. Every rank computes the same
// schedule from the global length alone: nothing about it is ever sent.
#pragma once

#include <cstdint>

namespace ringrt {

struct ShardSchedule {
  uint32_t ranks;  // R
  uint64_t block;  // B

  uint32_t owner(uint64_t position) const { return static_cast<uint32_t>((position / block) % ranks); }
  // Positions in [0, end) owned by `rank`: the rank's local length once `end` tokens exist.
  uint64_t owned_before(uint32_t rank, uint64_t end) const;
  // Local KV capacity a rank needs for a sequence of `max_context` positions.
  uint64_t share_capacity(uint64_t max_context) const;
  // Tokens of a round that starts at `start` with `pending` tokens to go.
  uint64_t round_tokens(uint64_t start, uint64_t pending) const;
};

// One rank's part of a round: global positions [begin, begin + rows), stored at
// local positions [local_start, local_start + rows). rows may be 0.
struct ShardSlice {
  uint64_t begin;
  uint64_t rows;
  uint64_t local_start;
};

// `rank`'s slice of the round [start, start + tokens) (tokens <= round_tokens).
ShardSlice shard_slice(const ShardSchedule& s, uint32_t rank, uint64_t start, uint64_t tokens);

}  // namespace ringrt
