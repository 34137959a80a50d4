#include <cstdio>
#include <cstring>

#include "kv_store.hpp"

namespace ringrt {

uint64_t window_buffer_positions(uint32_t window, uint32_t chunk, uint64_t round) {
  auto round_up = [](uint64_t v, uint64_t a) { return (v + a - 1) / a * a; };
  return round_up(window - 1, chunk) + chunk + round_up(round, chunk);
}

Status kv_range_error(KvDtype dtype, KvKind kind, uint32_t layer, uint64_t position, uint32_t head) {
  return Status::Error(StatusCode::kNonFinite,
                       "a %s of layer %u, position %llu, kv head %u is beyond the range of the %s KV store "
                       "(|x| <= 65504): run with kv_dtype f32 or int8 (ringrt-run --kv-dtype)",
                       kind == KvKind::kKey ? "key" : "value", layer, static_cast<unsigned long long>(position), head,
                       kv_dtype_name(dtype));
}

uint8_t* MemoryKvStore::head_base(uint32_t layer, KvKind kind, uint32_t head) const {
  const uint64_t per_head = g_.capacity * g_.head_dim * g_.codec().element_bytes();
  return data_ + head_index(layer, kind, head) * per_head;
}

uint64_t MemoryKvStore::value_block_width(uint64_t block_start) const {
  return g_.capacity - block_start < g_.chunk ? g_.capacity - block_start : g_.chunk;
}

float* MemoryKvStore::head_scales(uint32_t layer, KvKind kind, uint32_t head) const {
  if (!g_.codec().scaled()) return nullptr;
  return reinterpret_cast<float*>(data_ + g_.element_bytes()) + head_index(layer, kind, head) * g_.capacity;
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
  const std::size_t D = g_.head_dim, H = static_cast<std::size_t>(g_.heads) * D;
  const KvCodec codec = g_.codec();
  const std::size_t eb = codec.element_bytes();
  for (uint32_t j = 0; j < g_.heads; ++j) {
    const float* k_src = qkv + g_.key_column() + j * D;
    const float* v_src = qkv + g_.key_column() + H + j * D;
    uint8_t* k = head_base(layer, KvKind::kKey, j) + first * D * eb;
    uint8_t* v_base = head_base(layer, KvKind::kValue, j);
    // Row r's value: column (first + r) mod C of its chunk's Vᵀ block.
    auto value_column = [&](std::size_t r, std::size_t* stride) {
      const uint64_t slot = first + r, block = slot / g_.chunk * g_.chunk;
      *stride = static_cast<std::size_t>(value_block_width(block));
      return v_base + (block * D + (slot - block)) * eb;
    };
    std::size_t v_stride;
    if (g_.dtype == KvDtype::kF32) {
      for (std::size_t r = 0; r < rows; ++r) {
        std::memcpy(k + r * D * eb, k_src + r * qkv_stride, D * sizeof(float));
        float* column = reinterpret_cast<float*>(value_column(r, &v_stride));
        for (std::size_t d = 0; d < D; ++d) column[d * v_stride] = v_src[r * qkv_stride + d];
      }
      continue;
    }
    float* k_scales = head_scales(layer, KvKind::kKey, j);
    float* v_scales = head_scales(layer, KvKind::kValue, j);
    for (std::size_t r = 0; r < rows; ++r) {
      float ks, vs;
      if (!codec.encode(k_src + r * qkv_stride, D, k + r * D * eb, 1, &ks)) {
        return kv_range_error(g_.dtype, KvKind::kKey, layer, start + r, j);
      }
      uint8_t* column = value_column(r, &v_stride);
      if (!codec.encode(v_src + r * qkv_stride, D, column, v_stride, &vs)) {
        return kv_range_error(g_.dtype, KvKind::kValue, layer, start + r, j);
      }
      if (k_scales) {
        k_scales[first + r] = ks;
        v_scales[first + r] = vs;
      }
    }
  }
  return Status::Ok();
}

Status MemoryKvStore::read_stored(uint32_t layer, uint32_t head, KvKind kind, uint64_t start, std::size_t,
                                  float*, KvChunkView* out) {
  start = g_.slot(start);
  const std::size_t D = g_.head_dim, eb = g_.codec().element_bytes();
  const uint8_t* base = head_base(layer, kind, head);
  const float* scales = head_scales(layer, kind, head);
  // A chunk's keys and its Vᵀ block both begin start * D elements into their head.
  const std::size_t stride = kind == KvKind::kKey ? D : static_cast<std::size_t>(value_block_width(start));
  *out = KvChunkView{g_.dtype, base + start * D * eb, stride, scales ? scales + start : nullptr};
  return Status::Ok();
}

Status MemoryKvStore::read(uint32_t layer, uint32_t head, KvKind kind, uint64_t start, std::size_t n, float* scratch,
                           KvView* out) {
  start = g_.slot(start);
  const std::size_t D = g_.head_dim;
  const uint8_t* base = head_base(layer, kind, head);
  if (g_.dtype == KvDtype::kF32) {  // in place
    const float* data = reinterpret_cast<const float*>(base);
    *out = KvView{data + start * D, kind == KvKind::kKey ? D : static_cast<std::size_t>(value_block_width(start))};
    return Status::Ok();
  }
  const KvCodec codec = g_.codec();
  const std::size_t eb = codec.element_bytes();
  const float* scales = head_scales(layer, kind, head);
  if (kind == KvKind::kKey) {
    for (std::size_t r = 0; r < n; ++r) {
      codec.decode_run(base + (start + r) * D * eb, D, scales ? scales[start + r] : 1.0f, scratch + r * D);
    }
    *out = KvView{scratch, D};
  } else {
    const std::size_t width = static_cast<std::size_t>(value_block_width(start));
    for (std::size_t d = 0; d < D; ++d) {
      codec.decode_run_scaled(base + (start * D + d * width) * eb, n, scales ? scales + start : nullptr,
                              scratch + d * n);
    }
    *out = KvView{scratch, n};
  }
  return Status::Ok();
}

}  // namespace ringrt
