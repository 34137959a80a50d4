// Hand-built .rrt files for the bad-input catalogue: the same layout as the
// converter's writer (schema/ringrt.fbs), but every header field can be set to
// what no converter would write (a future schema, another architecture, options
// whose size products overflow 32 bits, a tensor offset outside the file...).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "model_contract.hpp"

namespace ringrt::catalogue {

struct CraftedTensor {
  std::string name;
  std::vector<uint64_t> shape;
  uint8_t dtype = 0;    // fb::DType: 0 = F32, 1 = F16
  uint64_t offset = 0;  // set by the layout unless a post-layout edit changes it
  uint64_t size = 0;    // bytes
};

struct CraftedModel {
  uint16_t schema_major = kSchemaMajor;
  uint16_t schema_minor = kSchemaMinor;
  uint16_t architecture = 0;  // fb::Architecture::EdificeRingAttention
  ModelOptions options;
  std::vector<CraftedTensor> tensors;
  uint64_t data_offset = 0;    // set by the layout
  uint64_t data_size = 0;      // set by the layout (file size - data_offset)
  bool fix_checksum = true;    // data_checksum = FNV-1a 64 of the data section
  uint64_t data_checksum = 0;  // used when !fix_checksum
};

// The tensors the contract requires for `options` (f32, sizes = elements * 4), and
// the options' architecture.
CraftedModel contract_model(const ModelOptions& options);

// Lays out `m` as the converter does (64-aligned data section and tensors, sizes as
// given, deterministic small values), lets `edit` change anything (offsets, data_size,
// ...), then writes the header and returns the whole file image.
std::string build_rrt(CraftedModel m, const std::function<void(CraftedModel&)>& edit = {});

}  // namespace ringrt::catalogue
