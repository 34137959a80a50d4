// The JSON model config of MODEL.md: keys are exactly the option names.
#pragma once

#include <string>

#include "model_contract.hpp"

namespace ringrt::convert {

// Parses config text; `origin` (the file name) prefixes every error. Unknown keys,
// a missing embed_dim, non-integer, negative or zero sizes and options that fail
// ringrt::validate_options throw Error. Absent options keep ModelOptions' defaults.
ModelOptions parse_config(const std::string& text, const std::string& origin);

// Reads and parses the file at `path`.
ModelOptions read_config(const std::string& path);

// The config as JSON text (all seven keys, one line, newline-terminated).
std::string config_to_json(const ModelOptions& options);

}  // namespace ringrt::convert
