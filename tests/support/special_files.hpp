// Outputs that are not regular files, for the tests of the tools' outputs: device
// nodes, FIFOs, and what a path names now.
#pragma once

#include <string>

namespace ringrt::test {

// The file type (the S_IFMT bits) of what `path` itself is (lstat: a symlink is
// S_IFLNK), 0 if nothing is there.
unsigned file_type(const std::string& path);

// Makes a character device node `major`:`minor` at `path` (1:3 is the null device,
// 1:7 the full device). False when this process may not (not root): skip the test.
bool make_char_device(const std::string& path, unsigned major, unsigned minor);

// A FIFO made at `path` and held open for reading, without blocking and without
// ever seeing an end of file (O_RDWR), so that a tool can write into its buffer
// (made 1 MiB) and exit; take() returns what is in the buffer. Throws
// std::runtime_error if the FIFO cannot be made.
class FifoReader {
 public:
  explicit FifoReader(const std::string& path);
  ~FifoReader();
  FifoReader(const FifoReader&) = delete;
  FifoReader& operator=(const FifoReader&) = delete;

  std::string take();

 private:
  int fd_ = -1;
};

// Sets $TMPDIR (where the tools stage an output written in place) to `dir`, made
// here, for the tools this process runs; restores it when destroyed.
class ScopedTmpdir {
 public:
  explicit ScopedTmpdir(const std::string& dir);
  ~ScopedTmpdir();
  ScopedTmpdir(const ScopedTmpdir&) = delete;
  ScopedTmpdir& operator=(const ScopedTmpdir&) = delete;

 private:
  bool had_ = false;
  std::string old_;
};

}  // namespace ringrt::test
