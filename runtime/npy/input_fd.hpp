// An input file opened for reading front to back, whatever it is: a regular file,
// a pipe, a FIFO or a character device. open() never blocks: a FIFO is opened
// with O_NONBLOCK (a plain open() waits for a writer forever), and a stream is
// made blocking again only by wait_for_data(), which bounds the wait for a FIFO's
// writer.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ringrt/status.hpp"

namespace ringrt::npy {

// How long wait_for_data() waits for a process to open a FIFO for writing.
constexpr int kFifoWriterWaitSeconds = 10;

class InputFd {
 public:
  InputFd() = default;
  ~InputFd();
  InputFd(const InputFd&) = delete;
  InputFd& operator=(const InputFd&) = delete;

  // Opens `path` read-only without blocking; refuses a directory ("is a directory,
  // not `what`").
  Status open(const char* path, const char* what);
  bool regular() const { return regular_; }
  uint64_t size() const { return size_; }  // a regular file's size, else 0
  int fd() const { return fd_; }
  const char* path() const { return path_; }

  // For a stream (not a regular file): waits up to kFifoWriterWaitSeconds for a
  // FIFO to have a writer, then makes reads blocking. A FIFO that no process
  // opens for writing in that time is an error; one whose writer came and went
  // without writing reads as empty.
  Status wait_for_data();

  // Reads up to n bytes into p, fewer only at the end of the file; *got says how many.
  Status read(void* p, std::size_t n, std::size_t* got);

 private:
  int fd_ = -1;
  const char* path_ = "";
  bool regular_ = false;
  uint64_t size_ = 0;
  bool has_pending_ = false;  // one byte wait_for_data() read to see whether a writer is there
  unsigned char pending_ = 0;
};

}  // namespace ringrt::npy
