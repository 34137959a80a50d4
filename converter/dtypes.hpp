// Element types: those a safetensors source may hold and those a .rrt file stores,
// with the conversions between them (all bit exact, round to nearest even).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "fp16.hpp"

namespace ringrt::convert {

enum class SourceDType { kF32, kF16, kBF16 };
enum class StorageDType { kF32, kF16 };

inline const char* dtype_name(SourceDType t) {
  return t == SourceDType::kF32 ? "F32" : t == SourceDType::kF16 ? "F16" : "BF16";
}
inline const char* dtype_name(StorageDType t) { return t == StorageDType::kF32 ? "f32" : "f16"; }
inline std::size_t dtype_size(SourceDType t) { return t == SourceDType::kF32 ? 4 : 2; }
inline std::size_t dtype_size(StorageDType t) { return t == StorageDType::kF32 ? 4 : 2; }

inline uint16_t load_u16_le(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }
inline uint32_t load_u32_le(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
         (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
}
inline uint64_t load_u64_le(const uint8_t* p) {
  return static_cast<uint64_t>(load_u32_le(p)) | (static_cast<uint64_t>(load_u32_le(p + 4)) << 32);
}
inline void store_u16_le(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v);
  p[1] = static_cast<uint8_t>(v >> 8);
}
inline void store_u32_le(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
inline void store_u64_le(uint8_t* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

inline uint32_t f32_bits(float f) {
  uint32_t b;
  std::memcpy(&b, &f, sizeof b);
  return b;
}
inline float f32_from_bits(uint32_t b) {
  float f;
  std::memcpy(&f, &b, sizeof f);
  return f;
}

// float -> bfloat16, round to nearest even; NaN stays a quiet NaN.
inline uint16_t f32_to_bf16(float f) {
  const uint32_t x = f32_bits(f);
  if ((x & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((x >> 16) | 0x40u);
  const uint32_t rounding = 0x7fffu + ((x >> 16) & 1u);
  return static_cast<uint16_t>((x + rounding) >> 16);
}

// Reads element `p` (little-endian) of a source tensor as float (exact).
inline float load_source(SourceDType t, const uint8_t* p) {
  switch (t) {
    case SourceDType::kF32: return f32_from_bits(load_u32_le(p));
    case SourceDType::kF16: return f16_to_f32(load_u16_le(p));
    case SourceDType::kBF16: break;
  }
  return bf16_to_f32(load_u16_le(p));
}

// Writes `value` as one little-endian element of type `t` (rounding if narrower).
inline void store_source(SourceDType t, float value, uint8_t* p) {
  switch (t) {
    case SourceDType::kF32: store_u32_le(p, f32_bits(value)); return;
    case SourceDType::kF16: store_u16_le(p, f32_to_f16(value)); return;
    case SourceDType::kBF16: store_u16_le(p, f32_to_bf16(value)); return;
  }
}

}  // namespace ringrt::convert
