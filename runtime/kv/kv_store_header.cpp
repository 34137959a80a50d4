#include "kv_store_header.hpp"

#include <cstring>

#include "checksum.hpp"

namespace ringrt {

namespace {

// A format-2 header's checksum sits where format 3 keeps the dtype.
uint64_t checksum_v2(const KvHeader& h) {
  uint64_t sum;
  std::memcpy(&sum, &h.kv_dtype, sizeof sum);
  return sum;
}

}  // namespace

std::size_t seal_kv_header(KvHeader* h) {
  if (h->kv_dtype == static_cast<uint32_t>(KvDtype::kF32)) {
    h->version = kKvStoreVersionF32;
    const uint64_t sum = fnv1a64(h, offsetof(KvHeader, kv_dtype));
    std::memcpy(&h->kv_dtype, &sum, sizeof sum);
    return kKvHeaderBytesF32;
  }
  h->version = kKvStoreVersion;
  h->reserved = 0;
  h->checksum = fnv1a64(h, offsetof(KvHeader, checksum));
  return sizeof *h;
}

KvDtype kv_header_dtype(const KvHeader& h) {
  return h.version >= 3 ? static_cast<KvDtype>(h.kv_dtype) : KvDtype::kF32;
}

Status check_kv_header_format(const KvHeader& h, std::size_t bytes, uint32_t header_bytes, const char* path) {
  const bool complete = bytes >= kKvHeaderBytesF32;
  // Another file given as the store (a model, an input) is left alone: the message
  // does not suggest removing it.
  if (!complete || std::memcmp(h.magic, kKvStoreMagic, sizeof kKvStoreMagic) != 0) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "KV store %s is not a ringrt KV store (%s); it was left as it is: give another path for "
                         "a new store, or remove this file yourself if it is a damaged store you do not need",
                         path, complete ? "it does not begin with the store's magic RRTKVST1" : "it is shorter than a store's header");
  }
  // Formats 1 and 2 have the same header (checksum included), so an intact one is
  // told apart; formats 3 and later have the dtype and then the checksum.
  const bool intact_v2 = checksum_v2(h) == fnv1a64(&h, offsetof(KvHeader, kv_dtype));
  const bool intact_v3 = bytes >= sizeof h && h.checksum == fnv1a64(&h, offsetof(KvHeader, checksum));
  const bool intact = (h.version >= 3 ? intact_v3 : intact_v2) && h.header_bytes == header_bytes;
  if (intact && h.version >= 1 && h.version < kKvStoreVersionF32) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "KV store %s was written by an older ringrt (store format %u; this ringrt reads formats %u "
                         "and %u, which checksum the KV data) and cannot be read: remove it and recompute the stream "
                         "(run again without --resume)",
                         path, h.version, kKvStoreVersionF32, kKvStoreVersion);
  }
  // A later format's layout is unknown: either checksum place vouches for its version.
  if ((intact_v2 || intact_v3) && h.header_bytes == header_bytes && h.version > kKvStoreVersion) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "KV store %s was written by a newer ringrt (store format %u; this ringrt reads formats %u "
                         "and %u): resume it with that ringrt, or remove it to start over",
                         path, h.version, kKvStoreVersionF32, kKvStoreVersion);
  }
  if (!intact || h.version < kKvStoreVersionF32 ||
      (h.version == kKvStoreVersion && h.kv_dtype != static_cast<uint32_t>(KvDtype::kF16) &&
       h.kv_dtype != static_cast<uint32_t>(KvDtype::kInt8))) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "KV store %s: damaged header (checksum, version or KV dtype mismatch); remove it to start over",
                         path);
  }
  return Status::Ok();
}

}  // namespace ringrt
