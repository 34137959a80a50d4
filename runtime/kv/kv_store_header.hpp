// The header of a KV file store (kv_store_file.hpp): the first bytes of its 4 KiB
// header block, rewritten at every commit. Format 2 (this ringrt) checksums the KV
// data of every committed position; format 1 did not, and its stores are refused.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ringrt/status.hpp"

namespace ringrt {

constexpr char kKvStoreMagic[8] = {'R', 'R', 'T', 'K', 'V', 'S', 'T', '1'};
constexpr uint32_t kKvStoreVersion = 2;

struct KvHeader {
  char magic[8];
  uint32_t version;
  uint32_t header_bytes;
  uint64_t model_fingerprint;
  uint32_t layers, heads, head_dim, chunk;
  uint64_t capacity;
  uint64_t committed;
  uint64_t stream_tag;
  uint64_t checksum;  // FNV-1a 64 of every byte before it
};
static_assert(sizeof(KvHeader) == 72, "KV header layout");
static_assert(offsetof(KvHeader, committed) == 48 && offsetof(KvHeader, checksum) == 64, "KV header layout");

uint64_t kv_header_checksum(const KvHeader& h);

// The magic, the header checksum and the format of the header of store `path`
// (`complete`: all of it could be read). Tells a store of another format version
// (older or newer ringrt) from a damaged header; the fields behind are the caller's.
Status check_kv_header_format(const KvHeader& h, bool complete, uint32_t header_bytes, const char* path);

}  // namespace ringrt
