// Strict JSON parsing shared by the config and safetensors readers.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

namespace ringrt::convert {

// Parses `text` as one JSON object, in time linear in its size (times a log for
// the keys). Containers nested deeper than 64 levels are parsed but stored empty
// (no reader looks that deep; memory stays proportional to the stored values). Throws Error "ORIGIN: WHAT is not valid JSON: ..." for a syntax error
// or a NUL byte anywhere in the text (nlohmann's lexer would take a NUL for the end
// of the input and ignore what follows it), "... is not a JSON object" for another
// value, and "... has the key 'k' twice" for a key repeated in any object (in a
// nested object the message names the top-level key it is under). `file_offset` is
// where `text` starts in its file, for the offset the messages give.
nlohmann::json parse_json_object(const std::string& text, const std::string& origin, const char* what,
                                 std::size_t file_offset = 0);

// The same checks and messages for a JSON object too large to hold whole (a
// safetensors header of a million tensors): calls on_entry(key, value) for each
// top-level entry, in file order, as soon as it is complete, and keeps only the
// keys (for the repeated-key check). The entry named `ignored` (may be null) is
// parsed but neither built nor passed on. on_entry may throw.
void parse_json_object_entries(const std::string& text, const std::string& origin, const char* what,
                               std::size_t file_offset, const char* ignored,
                               const std::function<void(const std::string&, nlohmann::json&&)>& on_entry);

// A short description of `v` for an error message, without recursing into it
// (a value nested a million levels deep must not overflow the stack): scalars as
// and short flat arrays as JSON text cut to 40 characters, other arrays as
// "an array of N elements", objects as "an object".
std::string describe_json(const nlohmann::json& v);

}  // namespace ringrt::convert
