// The JSON model config of the model contract (docs/model-contract.md): keys are exactly the option names, plus
// "architecture" and, for "ring_encoder", the attention options (README.md,
// "Model architectures").
#pragma once

#include <string>

#include "model_contract.hpp"

namespace ringrt::convert {

// Parses config text; `origin` (the file name) prefixes every error. Unknown keys,
// an attention option without "architecture": "ring_encoder", a missing embed_dim,
// non-integer, negative or zero sizes, non-boolean flags and options that fail
// ringrt::validate_options throw Error. Absent options keep ModelOptions' defaults;
// num_kv_heads comes back resolved (num_heads when absent).
ModelOptions parse_config(const std::string& text, const std::string& origin);

// Reads and parses the file at `path`.
ModelOptions read_config(const std::string& path);

// The architecture whose JSON name ("edifice_ring_attention", "ring_encoder") is
// `name` into *out; false when there is none.
bool architecture_from_name(const std::string& name, Architecture* out);

// The config as JSON text, one line, newline-terminated: the model contract's seven keys, and
// for ring_encoder also "architecture" and the five attention options.
std::string config_to_json(const ModelOptions& options);

}  // namespace ringrt::convert
