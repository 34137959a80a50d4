// Error types of the converter tools and small text helpers for their messages.
// The tools may use exceptions internally; main() turns them into exit codes.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "printable.hpp"

namespace ringrt::convert {

// `text` with every byte that would not print as itself written \xNN (printable.hpp).
inline std::string printable(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for_each_printable_piece(text.data(), text.size(), [&](const char* piece, std::size_t n) { out.append(piece, n); });
  return out;
}

// Bad input or a failed operation (exit code 1). The message names the file. It
// quotes bytes of the input (keys, names, a JSON parser's last token), so it is
// made printable here, once for every message: no control byte reaches the
// terminal, and a NUL in a key cannot cut it short.
struct Error : std::runtime_error {
  explicit Error(const std::string& message) : std::runtime_error(printable(message)) {}
};

// Bad command line (exit code 2); printable like Error.
struct UsageError : std::runtime_error {
  explicit UsageError(const std::string& message) : std::runtime_error(printable(message)) {}
};

// "[288, 256]"
inline std::string shape_string(const std::vector<uint64_t>& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

// "a, b, c" (at most `limit` names, then "and N more").
inline std::string join_names(const std::vector<std::string>& names, std::size_t limit = 10) {
  std::string s;
  for (std::size_t i = 0; i < names.size() && i < limit; ++i) {
    if (i) s += ", ";
    s += names[i];
  }
  if (names.size() > limit) s += " and " + std::to_string(names.size() - limit) + " more";
  return s;
}

}  // namespace ringrt::convert
