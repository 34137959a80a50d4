#include "kv_store_header.hpp"

#include <cstring>

#include "checksum.hpp"

namespace ringrt {

uint64_t kv_header_checksum(const KvHeader& h) { return fnv1a64(&h, offsetof(KvHeader, checksum)); }

Status check_kv_header_format(const KvHeader& h, bool complete, uint32_t header_bytes, const char* path) {
  // Another file given as the store (a model, an input) is left alone: the message
  // does not suggest removing it.
  if (!complete || std::memcmp(h.magic, kKvStoreMagic, sizeof kKvStoreMagic) != 0) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "KV store %s is not a ringrt KV store (%s); it was left as it is: give another path for "
                         "a new store, or remove this file yourself if it is a damaged store you do not need",
                         path, complete ? "it does not begin with the store's magic RRTKVST1" : "it is shorter than a store's header");
  }
  // Format 1 has the same header (checksum included), so an intact one is told apart.
  const bool intact = h.checksum == kv_header_checksum(h) && h.header_bytes == header_bytes;
  if (intact && h.version >= 1 && h.version < kKvStoreVersion) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "KV store %s was written by an older ringrt (store format %u; this ringrt reads format %u, "
                         "which checksums the KV data) and cannot be read: remove it and recompute the stream "
                         "(run again without --resume)",
                         path, h.version, kKvStoreVersion);
  }
  if (intact && h.version > kKvStoreVersion) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "KV store %s was written by a newer ringrt (store format %u; this ringrt reads format %u): "
                         "resume it with that ringrt, or remove it to start over",
                         path, h.version, kKvStoreVersion);
  }
  if (!intact || h.version != kKvStoreVersion) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "KV store %s: damaged header (checksum or version mismatch); remove it to start over", path);
  }
  return Status::Ok();
}

}  // namespace ringrt
