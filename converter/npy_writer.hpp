// .npy output for ringrt-synth and the tests: the runtime CLI's writer
// (runtime/cli/npy.hpp), with failures thrown as convert::Error.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ringrt::convert {

// Writes a float32 C-order .npy (version 1.0) atomically to `path`.
// Throws Error when data.size() is not the product of `shape` or the write fails.
void write_npy_f32(const std::string& path, const std::vector<uint64_t>& shape, const std::vector<float>& data);

}  // namespace ringrt::convert
