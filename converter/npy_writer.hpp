// NumPy .npy (format version 1.0) writer for little-endian float32 C-order arrays.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ringrt::convert {

// The file image: "\x93NUMPY", version 1.0, u16 header length, the header dict
// "{'descr': '<f4', 'fortran_order': False, 'shape': (T, E), }" padded with spaces
// and ended by '\n' so the data starts at a multiple of 64, then the values.
// Throws Error when data.size() is not the product of `shape`.
std::string encode_npy_f32(const std::vector<uint64_t>& shape, const std::vector<float>& data);

// encode_npy_f32 written atomically to `path`.
void write_npy_f32(const std::string& path, const std::vector<uint64_t>& shape, const std::vector<float>& data);

}  // namespace ringrt::convert
