// Reader for the safetensors format: an 8-byte little-endian header length N, N
// bytes of JSON header ({"name": {"dtype", "shape", "data_offsets": [begin, end]}},
// plus an optional "__metadata__" that is ignored), then the data section.
// Everything is checked before use; errors name the file and the problem.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "dtypes.hpp"
#include "input_file.hpp"
#include "safetensors_dtype.hpp"

namespace ringrt::convert {

// Largest header accepted (the reference implementation's limit).
constexpr uint64_t kMaxSafetensorsHeader = 100ull << 20;

struct SafetensorsTensor {
  std::string name;
  const SafetensorsDType* declared;  // the header's dtype, any valid one (never null)
  SourceDType dtype;                 // the type to read: meaningful only when convertible()
  std::vector<uint64_t> shape;
  uint64_t element_count;
  const uint8_t* data;  // into the parsed image; element_count * dtype_size bytes
  uint64_t byte_size;
  bool convertible() const { return declared->convertible; }
};

// Parses an in-memory safetensors image. `origin` (the file name) starts every
// error message. Tensors come back sorted by name; they point into `bytes`. Every
// tensor has a valid safetensors dtype, not necessarily one ringrt converts
// (match_weights decides). The non-empty tensors must tile the data section exactly,
// as the format requires: no overlap, no gap, no trailing bytes.
std::vector<SafetensorsTensor> parse_safetensors(const uint8_t* bytes, std::size_t size,
                                                 const std::string& origin);

// A safetensors file mapped and parsed.
class SafetensorsFile {
 public:
  explicit SafetensorsFile(const std::string& path);

  const std::string& path() const { return file_->path(); }
  const std::vector<SafetensorsTensor>& tensors() const { return tensors_; }
  // nullptr when absent.
  const SafetensorsTensor* find(const std::string& name) const;

 private:
  std::unique_ptr<InputFile> file_;
  std::vector<SafetensorsTensor> tensors_;
  std::map<std::string, std::size_t> index_;
};

}  // namespace ringrt::convert
