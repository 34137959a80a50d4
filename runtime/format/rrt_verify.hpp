// Full verification of a .rrt image in memory, without exceptions or heap use:
// the one check shared by the runtime's loader and ringrt-convert inspect.
#pragma once

#include <cstddef>
#include <cstdint>

#include "model_contract.hpp"
#include "ringrt/status.hpp"
#include "ringrt_generated.h"

namespace ringrt {

// Checks, in order: the u32 size prefix lies within the file; the FlatBuffer passes
// flatbuffers::Verifier with identifier "RRT1"; schema_major is not newer than
// kSchemaMajor (kUnsupportedVersion naming both versions); the architecture is
// known (kUnsupportedVersion "unknown architecture N"); the options pass
// validate_options; the tensors are exactly the contract's (expected_tensor) names
// and shapes, with a known dtype, size == elements * dtype size, each within the
// data section and 64-aligned; data_offset/data_size describe the end of the file;
// tensors are stored in file order without overlapping, all of one dtype; the
// FNV-1a 64 checksum of the data section matches (unless verify_checksum is false).
// `path` names the file in messages. On success *model (if given) is the root table.
Status verify_rrt(const uint8_t* bytes, std::size_t size, const char* path, const fb::Model** model,
                  bool verify_checksum = true);

// The options of a verified model's header (architecture included; num_kv_heads as
// stored, 0 meaning num_heads).
ModelOptions options_of(const fb::Model& model);

}  // namespace ringrt
