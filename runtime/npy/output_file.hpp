// An output file of the tools (ringrt-run --output, ringrt-convert --output,
// ringrt-synth): never half-written, and never put in the place of what the path
// names when that is not a regular file.
//
// open() looks at what the path names now:
//  - a regular file (through symlinks: the file they lead to), or nothing yet: the
//    bytes go to a temporary file beside it (".NAME.tmp.XXXXXX"), which commit()
//    fsyncs and renames over it; until then the file is untouched.
//  - anything else (a character device such as /dev/null or /dev/full, a FIFO, a
//    terminal, /dev/stdout on a pipe): it is opened for writing as it is, never
//    created, truncated or replaced. The bytes are staged in a temporary file in
//    $TMPDIR (default /tmp) and commit() copies them to it in order, so a reader
//    never sees a partial file unless that copy fails. A FIFO must have a reader
//    when open() runs (it is opened without blocking); otherwise open() fails.
//  - a directory: open() fails.
// Every failure is a Status (kIoError, or kInvalidArgument for an empty path)
// whose message starts with the path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "ringrt/status.hpp"

namespace ringrt::io {

class OutputFile {
 public:
  OutputFile() = default;
  ~OutputFile();  // without commit(): the temporary file is removed
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  Status open(const char* path);
  // Writes `size` bytes at `offset` of the output (to the temporary file, which is
  // created on the first write).
  Status write_at(uint64_t offset, const void* data, std::size_t size);
  // Puts the bytes written in place: rename over a regular file, or copy into a
  // device or FIFO. After a failure the temporary file is gone.
  Status commit();

  const std::string& path() const { return path_; }
  // The temporary file holding the bytes until commit() (empty before a write).
  const std::string& temp_path() const { return temp_path_; }
  bool in_place() const { return dest_fd_ >= 0; }

 private:
  Status create_temp();
  Status copy_into_destination();
  void remove_temp();

  std::string path_;
  std::string target_;  // replace mode: the regular file the rename replaces
  std::string temp_path_;
  int temp_fd_ = -1;
  int dest_fd_ = -1;  // in place: the destination, open for writing
  unsigned mode_ = 0;  // permissions of the file written (an existing file's own)
};

}  // namespace ringrt::io
