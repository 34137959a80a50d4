// Edits of a converted .rrt file for tests: a weight set to any bit pattern with the
// data checksum recomputed (what a tool writing NaN weights would produce), or a
// 32-bit header field found by its value and replaced.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>

namespace ringrt::test {

// The bits of a float, for the edits below.
inline uint32_t f32_bits(float f) {
  uint32_t b;
  std::memcpy(&b, &f, sizeof b);
  return b;
}

// Element `element` of tensor `tensor` (contract index) set to `bits` (4 bytes for
// f32 storage, the low 2 for f16); the header's data_checksum follows the data.
std::string with_weight_bits(const std::string& rrt, std::size_t tensor, uint64_t element, uint32_t bits);

// The header's only 4-byte field holding `from` set to `to` (the header has no checksum).
std::string with_header_u32(const std::string& rrt, uint32_t from, uint32_t to);

}  // namespace ringrt::test
