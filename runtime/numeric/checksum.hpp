// FNV-1a 64-bit: the checksum of a model's data section and the fingerprint of
// KV stores. Not cryptographic; it detects damage, not tampering by an adversary.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ringrt {

constexpr uint64_t kFnv1a64Seed = 0xcbf29ce484222325ull;

inline uint64_t fnv1a64(const void* data, std::size_t size, uint64_t hash = kFnv1a64Seed) {
  const unsigned char* p = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < size; ++i) {
    hash ^= p[i];
    hash *= 0x100000001b3ull;
  }
  return hash;
}

}  // namespace ringrt
