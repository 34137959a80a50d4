// The header of a KV file store (kv_store_file.hpp): the first bytes of its 4 KiB
// header block, rewritten at every commit. Formats 2 and 3 checksum the KV data of
// every committed position; format 1 did not, and its stores are refused.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ringrt/ringrt.hpp"

namespace ringrt {

constexpr char kKvStoreMagic[8] = {'R', 'R', 'T', 'K', 'V', 'S', 'T', '1'};
// Format 2 keeps float32 KV; format 3 (this ringrt, for f16 and int8 KV) records the
// dtype. A float32 store is still written as format 2, which older ringrts read.
constexpr uint32_t kKvStoreVersionF32 = 2;
constexpr uint32_t kKvStoreVersion = 3;  // the newest format this ringrt reads

struct KvHeader {
  char magic[8];
  uint32_t version;
  uint32_t header_bytes;
  uint64_t model_fingerprint;
  uint32_t layers, heads, head_dim, chunk;
  uint64_t capacity;
  uint64_t committed;
  uint64_t stream_tag;
  // Format 3. In format 2 the checksum (of bytes [0, 64)) is here and the header ends at 72.
  uint32_t kv_dtype;
  uint32_t reserved;
  uint64_t checksum;  // format 3: FNV-1a 64 of every byte before it
};
static_assert(sizeof(KvHeader) == 80, "KV header layout");
static_assert(offsetof(KvHeader, committed) == 48 && offsetof(KvHeader, kv_dtype) == 64 &&
                  offsetof(KvHeader, checksum) == 72,
              "KV header layout");
constexpr std::size_t kKvHeaderBytesF32 = 72;  // format 2

// The bytes of h's format, with its version and checksum set from h.kv_dtype (format
// 2 for f32, else 3); returns how many of them to write.
std::size_t seal_kv_header(KvHeader* h);
// The dtype the header records (format 2: f32).
KvDtype kv_header_dtype(const KvHeader& h);

// The magic, the header checksum and the format of the header of store `path`
// (`bytes`: how many of its bytes could be read). Tells a store of another format version
// (older or newer ringrt) from a damaged header; the fields behind are the caller's.
Status check_kv_header_format(const KvHeader& h, std::size_t bytes, uint32_t header_bytes, const char* path);

}  // namespace ringrt
