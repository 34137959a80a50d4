#include "kv_store_spec.hpp"

#include <cstdio>
#include <cstring>

namespace ringrt {

Status parse_kv_store_spec(const char* spec, uint32_t rank, uint32_t ranks, KvStoreSpec* out) {
  *out = KvStoreSpec{};
  if (!spec || std::strcmp(spec, "memory") == 0) return Status::Ok();
  if (std::strncmp(spec, "file:", 5) != 0 || spec[5] == '\0') {
    return Status::Error(StatusCode::kInvalidArgument, "KV store '%s' not understood: use 'memory' or 'file:PATH'",
                         spec);
  }
  const char* path = spec + 5;
  if (std::strlen(path) >= sizeof out->path) {
    return Status::Error(StatusCode::kInvalidArgument, "KV store path is longer than %zu bytes", sizeof out->path - 1);
  }
  std::snprintf(out->path, sizeof out->path, "%s", path);
  if (ranks > 1) {
    const std::size_t used = std::strlen(out->path);
    const int n = std::snprintf(out->path + used, sizeof out->path - used, ".rank%u", rank);
    if (n < 0 || static_cast<std::size_t>(n) >= sizeof out->path - used) {
      return Status::Error(StatusCode::kInvalidArgument, "KV store path is too long for a per-rank suffix");
    }
  }
  std::snprintf(out->residual_path, sizeof out->residual_path, "%s.residual", out->path);
  out->file = true;
  return Status::Ok();
}

}  // namespace ringrt
