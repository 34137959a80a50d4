// The residual stream of a bidirectional model between layers. A bidirectional
// layer needs the keys of every position before any query can finish, so such a
// model runs layer by layer over the whole sequence; between layers the stream of
// every position lives here, in the session arena or in a file beside the KV file
// store, so the working set stays one round of rows whatever the length.
//
// Two streams of `width` floats per position: kInputs (the embedded input, kept so
// that an append can recompute the sequence) and kResidual (the current layer's).
#pragma once

#include <cstddef>
#include <cstdint>

#include "ringrt/status.hpp"

namespace ringrt {

class ResidualStore {
 public:
  enum Stream : uint32_t { kInputs = 0, kResidual = 1 };

  ResidualStore() = default;
  ~ResidualStore();
  ResidualStore(const ResidualStore&) = delete;
  ResidualStore& operator=(const ResidualStore&) = delete;

  // In memory: `rows` holds 2 * capacity * width floats.
  void bind_memory(float* rows, uint64_t capacity, uint32_t width);
  // In a new file at `path` (an existing file is replaced: the stream is scratch,
  // recomputed from the inputs at every append, and removed with the session).
  // The file is locked for the session's life (store_lock.hpp): a file another
  // session holds is refused, untouched.
  Status open_file(const char* path, uint64_t capacity, uint32_t width);

  Status read(Stream s, uint64_t first, std::size_t rows, float* out) const;
  Status write(Stream s, uint64_t first, std::size_t rows, const float* in);

  // Bytes of both streams at `capacity` positions.
  static uint64_t bytes(uint64_t capacity, uint32_t width) { return 2 * capacity * width * sizeof(float); }

 private:
  uint64_t offset(Stream s, uint64_t first) const { return (s * capacity_ + first) * width_; }
  float* memory_ = nullptr;
  int fd_ = -1;
  char path_[272] = {};
  uint64_t capacity_ = 0;
  uint32_t width_ = 0;
};

}  // namespace ringrt
