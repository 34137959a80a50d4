// Matches the tensors of a safetensors file against the model contract
// (ringrt::expected_tensor): every required tensor present with its exact shape.
#pragma once

#include <string>
#include <vector>

#include "model_contract.hpp"
#include "safetensors_reader.hpp"

namespace ringrt::convert {

struct PlannedTensor {
  TensorSpec spec;                   // name and shape required by the contract
  const SafetensorsTensor* source;  // where its values come from
};

struct WeightsMatch {
  std::vector<PlannedTensor> tensors;  // in contract order, index 0 .. count-1
  std::vector<std::string> extra;      // tensors the model does not use (sorted)
};

// Throws Error "ORIGIN: tensor 'NAME': unsupported dtype ..." (a required tensor, or without
// allow_extra any tensor, whose dtype is not F32, F16 or BF16), "ORIGIN: missing tensor ...",
// "ORIGIN: NAME has shape [a, b], expected [c, d]" or, unless allow_extra, "ORIGIN: N
// unexpected tensors ...". With allow_extra, extra tensors of any dtype are skipped.
WeightsMatch match_weights(const ModelOptions& options, const std::vector<SafetensorsTensor>& tensors,
                           const std::string& origin, bool allow_extra);

}  // namespace ringrt::convert
