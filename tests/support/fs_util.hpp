// File-system helpers for tests: temporary directories and whole-file I/O.
#pragma once

#include <string>
#include <vector>

namespace ringrt::test {

// A fresh directory under $TMPDIR (default /tmp), removed with everything in it
// when the object is destroyed.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // path() + "/" + name
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Whole-file I/O; throws std::runtime_error naming the path on failure.
std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& bytes);

// Names of the entries of a directory (no "." or ".."), sorted.
std::vector<std::string> list_dir(const std::string& path);

}  // namespace ringrt::test
