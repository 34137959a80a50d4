// Where a session's KV history lives, from SessionOptions::kv_store: "memory" (or
// none: in the arena) or "file:PATH", and the files a file store uses.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ringrt/status.hpp"

namespace ringrt {

struct KvStoreSpec {
  bool file = false;         // the history in a file (FileKvStore)
  char path[256] = {};       // the file store; ".rank<r>" appended for a rank of several
  char residual_path[272] = {};  // a bidirectional model's residual stream: PATH.residual
};

// Parses `spec` for rank `rank` of `ranks` (ranks may share a disk: one file each).
Status parse_kv_store_spec(const char* spec, uint32_t rank, uint32_t ranks, KvStoreSpec* out);

}  // namespace ringrt
