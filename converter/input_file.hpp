// A whole input file mapped read-only into memory (empty files allowed). Only a
// regular file can be mapped: a FIFO, device or socket is refused without blocking.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace ringrt::convert {

class InputFile {
 public:
  // Throws Error ("PATH: cannot open: ...") when the file cannot be mapped.
  explicit InputFile(const std::string& path);
  ~InputFile();
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;

  const uint8_t* data() const { return data_; }
  std::size_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace ringrt::convert
