#include "xnn_fully_connected.hpp"

#include <cmath>
#include <cstdlib>
#include <xnnpack.h>

#include "xnn_allocator.hpp"

namespace ringrt {

Status FullyConnected::create(const FcShape& s, const float* kernel, const float* bias, MemoryPool* pool) {
  destroy();
  PoolScope scope(pool);
  const xnn_status st = xnn_create_fully_connected_nc_f32(
      s.in_channels, s.out_channels, s.in_stride, s.out_stride, kernel, bias, -INFINITY, INFINITY,
      s.kernel_in_out ? XNN_FLAG_TRANSPOSE_WEIGHTS : 0, &op_);
  if (st != xnn_status_success) {
    op_ = nullptr;
    return Status::Error(st == xnn_status_out_of_memory ? StatusCode::kOutOfMemory : StatusCode::kInternal,
                         "XNNPACK fully-connected %zux%zu could not be created (status %d)%s", s.in_channels,
                         s.out_channels, static_cast<int>(st),
                         st == xnn_status_out_of_memory ? ": its planned pool is too small" : "");
  }
  return Status::Ok();
}

Status FullyConnected::run(std::size_t rows, const float* x, float* y, pthreadpool_t threads) {
  xnn_status st = xnn_setup_fully_connected_nc_f32(op_, rows, x, y, threads);
  if (st == xnn_status_success) st = xnn_run_operator(op_, threads);
  if (st != xnn_status_success) {
    return Status::Error(StatusCode::kInternal, "XNNPACK fully-connected run failed (status %d)",
                         static_cast<int>(st));
  }
  return Status::Ok();
}

void FullyConnected::destroy() {
  if (op_) xnn_delete_operator(op_);
  op_ = nullptr;
}

uint64_t xnn_buffer_bytes(uint64_t floats) {
  const uint64_t bytes = floats * sizeof(float) + XNN_EXTRA_BYTES;
  return (bytes + 63) / 64 * 64;
}

Status FullyConnected::footprint(const FcShape& s, std::size_t* bytes) {
  RINGRT_RETURN_IF_ERROR(ensure_xnnpack_initialized());
  const std::size_t kernel_floats = s.in_channels * s.out_channels;
  float* kernel = static_cast<float*>(std::calloc(kernel_floats + s.out_channels, sizeof(float)));
  if (!kernel) return Status::Error(StatusCode::kOutOfMemory, "cannot measure an XNNPACK operator");
  MemoryPool measure;
  measure.init(nullptr, 0);
  FullyConnected fc;
  Status status = fc.create(s, kernel, kernel + kernel_floats, &measure);
  fc.destroy();
  std::free(kernel);
  *bytes = measure.peak();
  return status;
}

}  // namespace ringrt
