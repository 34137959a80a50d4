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

// Throws Error "ORIGIN: missing tensor ...", "ORIGIN: NAME has shape [a, b], expected
// [c, d]" or, unless allow_extra, "ORIGIN: N unexpected tensors ...".
WeightsMatch match_weights(const ModelOptions& options, const std::vector<SafetensorsTensor>& tensors,
                           const std::string& origin, bool allow_extra);

}  // namespace ringrt::convert
