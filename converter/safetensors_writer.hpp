// Writer for safetensors files (used by ringrt-synth and the test suites).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dtypes.hpp"

namespace ringrt::convert {

struct SafetensorsEntry {
  std::string name;
  SourceDType dtype = SourceDType::kF32;
  std::vector<uint64_t> shape;
  std::vector<float> values;  // product(shape) values, rounded to `dtype` when written
};

// The file image: header length, JSON header padded with spaces to a multiple of
// 8 bytes, then the tensors packed in the order given. Throws Error when a
// tensor's value count disagrees with its shape or a name repeats.
std::string encode_safetensors(const std::vector<SafetensorsEntry>& tensors);

// encode_safetensors written atomically to `path`.
void write_safetensors(const std::string& path, const std::vector<SafetensorsEntry>& tensors);

}  // namespace ringrt::convert
