// Read-only memory mapping of a whole file.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ringrt/status.hpp"

namespace ringrt {

class MappedFile {
 public:
  MappedFile() = default;
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  // Maps `path` read-only. Refuses directories, empty files and non-regular files.
  Status open(const char* path);
  const uint8_t* data() const { return data_; }
  std::size_t size() const { return size_; }
  // madvise(MADV_DONTNEED) on the pages overlapping [p, p + bytes) of the mapping.
  void release_pages(const void* p, std::size_t bytes) const;

 private:
  uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace ringrt
