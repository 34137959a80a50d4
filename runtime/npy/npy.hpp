// Minimal .npy (NumPy array file) reader and writer for the command-line tools.
// float32 in memory, C order. No exceptions: every failure is a ringrt::Status
// whose message names the file and the problem.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "input_fd.hpp"
#include "output_file.hpp"
#include "ringrt/status.hpp"

namespace ringrt::npy {

// Most dimensions a file may have (NumPy itself allows 64; 32 is its old limit).
constexpr std::size_t kMaxRank = 32;

struct Array {
  std::vector<std::size_t> shape;  // empty for a 0-d (scalar) array
  std::vector<float> data;         // product(shape) values, row-major
};

// Reads a .npy file of format version 1.0, 2.0 or 3.0 holding a C-order array of
// little-endian float32 ('<f4'), float64 ('<f8', narrowed to float32 with round to
// nearest; values beyond the float range become +-inf) or float16 ('<f2', widened
// exactly). The byte-order markers '=' (native) and '|' (not applicable) are
// accepted on little-endian hosts. Big-endian data, other dtypes, Fortran order,
// truncated data and trailing bytes after the data are errors. On failure *out is
// left empty. A pipe or FIFO is read too, as its data arrives (memory grows with
// what is sent, up to the header's size): to bound memory, stream it with Reader.
Status read_f32(const char* path, Array* out);

// Writes a version 1.0 '<f4' C-order file (header padded to a multiple of 64 bytes)
// through an io::OutputFile (output_file.hpp): a regular file is replaced by a
// rename once the array is complete, so `path` never holds a half-written array; a
// device or FIFO is written in place. `data` may be null only when the shape has no
// elements; rank <= kMaxRank.
Status write_f32(const char* path, const std::size_t* shape, std::size_t rank, const float* data);
// The same into `file`, opened by the caller (so that it can refuse a bad output
// before any work), and committed here.
Status write_f32(io::OutputFile& file, const std::size_t* shape, std::size_t rank, const float* data);

// Streams the values of a .npy file, a block at a time, so an input need not fit in
// memory: its buffer is one block (16384 elements) whatever the array's size. It
// accepts the same files as read_f32 and checks them the same way. A regular file
// is checked whole at open() (the data size from the file size, without reading the
// data) and read in any order. A pipe, FIFO or character device is accepted only
// with accept_streams: open() then reads the header alone (after waiting up to
// kFifoWriterWaitSeconds for a FIFO's writer), and the data must be read front to
// back (skipping forward is allowed); truncated data is reported by the read that
// reaches the end, trailing data by the read of the last element.
class Reader {
 public:
  Reader() = default;
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  Status open(const char* path, bool accept_streams = false);
  const std::vector<std::size_t>& shape() const { return shape_; }
  // True for a stream: reads must not go back.
  bool sequential() const { return sequential_; }
  // Elements [first, first + count) in C order, converted to float.
  Status read(std::size_t first, std::size_t count, float* out);

 private:
  Status read_stream(std::size_t first, std::size_t count, float* out);
  Status data_size_error(std::size_t have, bool at_least) const;

  InputFd file_;
  std::string path_;
  std::vector<std::size_t> shape_;
  std::string descr_;
  int kind_ = 0;
  std::size_t item_ = 4, count_ = 0, data_start_ = 0;
  bool sequential_ = false;
  std::size_t next_ = 0;  // a stream's next element
  std::vector<unsigned char> buf_;
};

}  // namespace ringrt::npy
