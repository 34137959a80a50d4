// The checksum of one position's KV in one layer of a file store: the sum (mod
// 2^64) of XXH64 of each piece, a head's key row or value column (head_dim floats),
// each hashed with a seed that names its slot (the position; in a sliding-window
// ring the position mod the ring's size), layer, kind and head. A piece moved to
// another place does not match there, and a position can be checked one head and
// kind at a time, in any order: when it is written the pieces are rows of the qkv
// projection, when it is verified they come from the file's [C][D] key and [D][C]
// value regions.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kv_store.hpp"
#include "xxhash64.hpp"

namespace ringrt {

struct KvRowChecksum {
  uint32_t layers, heads, head_dim;

  uint64_t piece(const float* data, uint32_t layer, KvKind kind, uint32_t head, uint64_t slot) const {
    const uint64_t pieces = static_cast<uint64_t>(layers) * 2 * heads;  // per position
    const uint64_t index = (static_cast<uint64_t>(layer) * 2 + static_cast<uint32_t>(kind)) * heads + head;
    return xxh64(data, head_dim * sizeof(float), slot * pieces + index);
  }
  // `kv`: the keys of every head, then the values of every head (a qkv row from its K column).
  uint64_t row(const float* kv, uint32_t layer, uint64_t slot) const {
    const std::size_t D = head_dim, H = static_cast<std::size_t>(heads) * D;
    uint64_t sum = 0;
    for (uint32_t j = 0; j < heads; ++j) {
      sum += piece(kv + j * D, layer, KvKind::kKey, j, slot);
      sum += piece(kv + H + j * D, layer, KvKind::kValue, j, slot);
    }
    return sum;
  }
};

}  // namespace ringrt
