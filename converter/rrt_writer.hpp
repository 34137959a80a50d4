// Writes a .rrt model file, exactly the layout of schema/ringrt.fbs:
//   u32 size prefix + FlatBuffer (identifier "RRT1"), zero padding, then the data
//   section at a 64-aligned offset; tensors in contract order, each at a 64-aligned
//   absolute offset, zero padding between them; data_checksum = FNV-1a 64 of
//   [data_offset, end of file).
// The file is written to a temporary name, verified, and renamed into place.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dtypes.hpp"
#include "model_contract.hpp"
#include "ringrt_generated.h"
#include "weights_check.hpp"

namespace ringrt::convert {

struct RrtWriteResult {
  uint64_t file_size = 0;
  uint64_t data_offset = 0;
  uint64_t data_size = 0;
  uint64_t data_checksum = 0;
};

// "ringrt-convert 0.1.0"
std::string producer_string();

// The header's architecture and Options table for `options` (num_kv_heads written
// resolved). Also used by the tests that craft model files by hand.
fb::Architecture fb_architecture(const ModelOptions& options);
flatbuffers::Offset<fb::Options> create_options(flatbuffers::FlatBufferBuilder& fbb, const ModelOptions& options);

// Writes `tensors` (as matched by match_weights) converted to `dtype`. `origin`
// (the weights file) names the source in value errors: non-finite values, or
// values too large for f16. Throws Error; on failure `path` is left untouched.
RrtWriteResult write_rrt(const std::string& path, const ModelOptions& options,
                         const std::vector<PlannedTensor>& tensors, StorageDType dtype,
                         const std::string& origin);

}  // namespace ringrt::convert
