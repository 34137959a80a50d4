// The one XNNPACK operator ringrt uses: f32 fully-connected, y = x · Wᵀ + b.
// Dense layers (weights [in, out], so created with XNN_FLAG_TRANSPOSE_WEIGHTS) and
// the attention blocks (a KV chunk as the weights) are both instances.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ringrt/status.hpp"

typedef struct xnn_operator* xnn_operator_t;
typedef struct pthreadpool* pthreadpool_t;

namespace ringrt {

class MemoryPool;

// Bytes of a buffer of `floats` floats that XNNPACK reads: XNN_EXTRA_BYTES of
// readable slack past its end, rounded up to 64 bytes.
uint64_t xnn_buffer_bytes(uint64_t floats);

struct FcShape {
  std::size_t in_channels;
  std::size_t out_channels;
  std::size_t in_stride;   // floats between input rows
  std::size_t out_stride;  // floats between output rows
  bool kernel_in_out;      // kernel stored [in, out] (else [out, in])
};

class FullyConnected {
 public:
  FullyConnected() = default;
  ~FullyConnected() { destroy(); }
  FullyConnected(const FullyConnected&) = delete;
  FullyConnected& operator=(const FullyConnected&) = delete;

  // Packs `kernel` (and `bias`, may be null) into an operator whose memory comes
  // from `pool` (made current for the call). Replaces any previous operator.
  Status create(const FcShape& shape, const float* kernel, const float* bias, MemoryPool* pool);
  // y[rows, out] = x[rows, in] · W + b. `x` must have XNN_EXTRA_BYTES readable past its end.
  Status run(std::size_t rows, const float* x, float* y, pthreadpool_t threads);
  void destroy();
  bool valid() const { return op_ != nullptr; }

  // Bytes `create` takes from a pool for this shape (measured by a dry run).
  static Status footprint(const FcShape& shape, std::size_t* bytes);

 private:
  xnn_operator_t op_ = nullptr;
};

}  // namespace ringrt
