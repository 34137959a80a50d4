#include <cstring>

#include "kv_store.hpp"

namespace ringrt {

uint64_t window_buffer_positions(uint32_t window, uint32_t chunk, uint64_t round) {
  auto round_up = [](uint64_t v, uint64_t a) { return (v + a - 1) / a * a; };
  return round_up(window - 1, chunk) + chunk + round_up(round, chunk);
}

float* MemoryKvStore::head_base(uint32_t layer, KvKind kind, uint32_t head) const {
  const uint64_t per_head = g_.capacity * g_.head_dim;
  const uint64_t index = (static_cast<uint64_t>(layer) * 2 + static_cast<uint32_t>(kind)) * g_.heads + head;
  return data_ + index * per_head;
}

Status MemoryKvStore::write(uint32_t layer, uint64_t start, std::size_t rows, const float* qkv,
                            std::size_t qkv_stride) {
  // A window buffer's rows may wrap: write the part before the end of the ring first.
  const uint64_t first = g_.slot(start);
  if (g_.window_buffer && first + rows > g_.capacity) {
    const std::size_t head_rows = static_cast<std::size_t>(g_.capacity - first);
    RINGRT_RETURN_IF_ERROR(write(layer, start, head_rows, qkv, qkv_stride));
    return write(layer, start + head_rows, rows - head_rows, qkv + head_rows * qkv_stride, qkv_stride);
  }
  start = first;
  const std::size_t D = g_.head_dim, H = static_cast<std::size_t>(g_.heads) * D;
  for (uint32_t j = 0; j < g_.heads; ++j) {
    float* k = head_base(layer, KvKind::kKey, j) + start * D;
    const float* k_src = qkv + g_.key_column() + j * D;
    for (std::size_t r = 0; r < rows; ++r) std::memcpy(k + r * D, k_src + r * qkv_stride, D * sizeof(float));
    float* vt = head_base(layer, KvKind::kValue, j) + start;
    const float* v_src = qkv + g_.key_column() + H + j * D;
    for (std::size_t d = 0; d < D; ++d) {
      float* row = vt + d * g_.capacity;
      for (std::size_t r = 0; r < rows; ++r) row[r] = v_src[r * qkv_stride + d];
    }
  }
  return Status::Ok();
}

Status MemoryKvStore::read(uint32_t layer, uint32_t head, KvKind kind, uint64_t start, std::size_t, float*,
                           KvView* out) {
  start = g_.slot(start);
  if (kind == KvKind::kKey) {
    *out = KvView{head_base(layer, kind, head) + start * g_.head_dim, g_.head_dim};
  } else {
    *out = KvView{head_base(layer, kind, head) + start, static_cast<std::size_t>(g_.capacity)};
  }
  return Status::Ok();
}

}  // namespace ringrt
