// Strict JSON parsing shared by the config and safetensors readers.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace ringrt::convert {

// Parses `text` as one JSON object. Throws Error "ORIGIN: WHAT is not valid JSON: ..."
// for a syntax error, "... is not a JSON object" for another value, and
// "... has the key 'k' twice" for a repeated top-level key.
nlohmann::json parse_json_object(const std::string& text, const std::string& origin, const char* what);

}  // namespace ringrt::convert
