#include "session_options.hpp"

#include <unistd.h>

#include "attention_block.hpp"

namespace ringrt {

namespace {

constexpr uint32_t kMaxWorkers = 64;
constexpr uint32_t kMaxChunk = 4096;
constexpr uint64_t kMaxContext = 1ull << 40;

}  // namespace

Status validate_session_options(const SessionOptions& o) {
  RINGRT_RETURN_IF_ERROR(check_attention_kernel_request());
  if (o.chunk == 0 || o.chunk > kMaxChunk) {
    return Status::Error(StatusCode::kInvalidArgument, "chunk must be in [1, %u], got %u", kMaxChunk, o.chunk);
  }
  if (o.max_context == 0 || o.max_context > kMaxContext) {
    return Status::Error(StatusCode::kInvalidArgument, "max_context must be in [1, 2^40], got %llu",
                         static_cast<unsigned long long>(o.max_context));
  }
  if (o.workers > kMaxWorkers) {
    return Status::Error(StatusCode::kInvalidArgument, "workers must be at most %u, got %u", kMaxWorkers,
                         o.workers);
  }
  if (o.kv_dtype != KvDtype::kF32 && o.kv_dtype != KvDtype::kF16 && o.kv_dtype != KvDtype::kInt8) {
    return Status::Error(StatusCode::kInvalidArgument, "kv_dtype %u is not a KV dtype: use f32, f16 or int8",
                         static_cast<unsigned>(o.kv_dtype));
  }
  if (o.transport && o.transport->ranks() == 0) {
    return Status::Error(StatusCode::kInvalidArgument, "the transport has no ranks");
  }
  return Status::Ok();
}

uint32_t resolve_workers(uint32_t requested) {
  if (requested == 0) {
    const long online = sysconf(_SC_NPROCESSORS_ONLN);
    requested = online > 0 ? static_cast<uint32_t>(online) : 1;
  }
  return requested > kMaxWorkers ? kMaxWorkers : requested;
}

}  // namespace ringrt
