// How a KV store keeps its numbers (SessionOptions::kv_dtype): float32 as computed,
// IEEE float16, or int8 with one float32 scale per piece. A piece is one head's key
// row or value column of one position (head_dim numbers, one row of the qkv
// projection); every piece is encoded on its own, so a position can be written,
// read and checksummed alone.
//
//   f32   exact.
//   f16   round to nearest even: relative error <= 2^-11 per number. A number beyond
//         the f16 range (|x| > 65504) is refused (encode() returns false), never
//         stored as an infinity.
//   int8  symmetric: scale = max|x| / 127 over the piece, q = round(x / scale) in
//         [-127, 127], x' = q * scale; |x - x'| <= max|x| / 254 over the piece.
//
// Stores read a chunk of one head by decoding it to float32 in the caller's scratch
// (KvGeometry::read_floats): keys as rows [n][D] (a scale per row), values as Vᵀ
// rows [D][n] (a scale per column, i.e. per position).
#pragma once

#include <cstddef>
#include <cstdint>

#include "ringrt/ringrt.hpp"

namespace ringrt {

struct KvCodec {
  KvDtype dtype = KvDtype::kF32;

  std::size_t element_bytes() const { return dtype == KvDtype::kF32 ? 4 : dtype == KvDtype::kF16 ? 2 : 1; }
  bool scaled() const { return dtype == KvDtype::kInt8; }
  // Bytes of one piece of n numbers, its scale included.
  std::size_t piece_bytes(std::size_t n) const { return n * element_bytes() + (scaled() ? sizeof(float) : 0); }

  // Encodes the n floats at x to n elements `stride` elements apart at dst, and
  // *scale (int8; 1 otherwise). false: a number out of the dtype's range (f16).
  bool encode(const float* x, std::size_t n, void* dst, std::size_t stride, float* scale) const;
  // The floats a piece of n elements `stride` apart decodes to.
  void decode_piece(const void* src, std::size_t stride, float scale, std::size_t n, float* out) const;
  // n contiguous elements sharing one scale (a key row).
  void decode_run(const void* src, std::size_t n, float scale, float* out) const;
  // n contiguous elements, element i with scales[i] (a row of Vᵀ across positions).
  void decode_run_scaled(const void* src, std::size_t n, const float* scales, float* out) const;
};

// The largest |x| an f16 KV store keeps (the largest finite float16).
constexpr float kF16KvLimit = 65504.0f;

}  // namespace ringrt
