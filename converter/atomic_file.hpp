// Crash-safe output: data goes to a temporary file beside the destination
// (".NAME.tmp.XXXXXX"), which is fsynced and renamed over the destination on
// commit(). Until then the destination is untouched; without commit() the
// temporary file is removed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace ringrt::convert {

class AtomicFile {
 public:
  // Creates the temporary file. Throws Error naming `path` if that is impossible.
  explicit AtomicFile(std::string path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  // Writes `size` bytes at absolute `offset` of the temporary file.
  void write_at(uint64_t offset, const void* data, std::size_t size);
  // Flushes the temporary file, renames it to the destination, flushes the directory.
  void commit();

  const std::string& path() const { return path_; }
  const std::string& temp_path() const { return temp_path_; }

 private:
  void remove_temp();

  std::string path_;
  std::string temp_path_;
  int fd_ = -1;
  bool committed_ = false;
};

// Writes a whole file atomically.
void write_file_atomically(const std::string& path, const void* data, std::size_t size);

}  // namespace ringrt::convert
