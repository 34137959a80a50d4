// The directory and the last component of a path, as the file system sees them
// (no normalisation): "a/b" -> "a" and "b", "b" -> "." and "b", "/b" -> "/" and "b".
#pragma once

#include <string>

namespace ringrt::io {

inline std::string directory_of(const std::string& path) {
  const std::size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

inline std::string base_name(const std::string& path) {
  const std::size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace ringrt::io
