// Crash-safe output for the converter tools: io::OutputFile (runtime/npy/
// output_file.hpp) with failures thrown as Error. A regular file (or a new one)
// is written to a temporary file beside it (".NAME.tmp.XXXXXX") and renamed over it
// on commit(); a device or FIFO is written in place on commit(). Until then the
// destination is untouched; without commit() the temporary file is removed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "output_file.hpp"

namespace ringrt::convert {

class AtomicFile {
 public:
  // Checks the destination (not a directory; a FIFO has a reader). Throws Error
  // naming `path` when it cannot be written.
  explicit AtomicFile(std::string path);
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  // Writes `size` bytes at absolute `offset` of the temporary file.
  void write_at(uint64_t offset, const void* data, std::size_t size);
  // Puts the file in place: flush and rename, or copy into a device or FIFO.
  void commit();

  const std::string& path() const { return file_.path(); }
  // The complete bytes before commit(), as a regular file (empty before a write).
  const std::string& temp_path() const { return file_.temp_path(); }

 private:
  io::OutputFile file_;
};

// Writes a whole file atomically.
void write_file_atomically(const std::string& path, const void* data, std::size_t size);

}  // namespace ringrt::convert
