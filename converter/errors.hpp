// Error types of the converter tools and small text helpers for their messages.
// The tools may use exceptions internally; main() turns them into exit codes.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace ringrt::convert {

// Bad input or a failed operation (exit code 1). The message names the file.
struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Bad command line (exit code 2).
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
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
