// Strict JSON parsing shared by the config and safetensors readers.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace ringrt::convert {

// Parses `text` as one JSON object. Throws Error "ORIGIN: WHAT is not valid JSON: ..."
// for a syntax error, "... is not a JSON object" for another value, and
// "... has the key 'k' twice" for a repeated top-level key.
nlohmann::json parse_json_object(const std::string& text, const std::string& origin, const char* what);

// A short description of `v` for an error message, without recursing into it
// (a value nested a million levels deep must not overflow the stack): scalars as
// and short flat arrays as JSON text cut to 40 characters, other arrays as
// "an array of N elements", objects as "an object".
std::string describe_json(const nlohmann::json& v);

}  // namespace ringrt::convert
