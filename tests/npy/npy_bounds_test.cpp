// The .npy reader on streams and hostile headers: a pipe or FIFO is read front to
// back through one block-sized buffer, its header alone before any data; a FIFO
// never blocks open(); a header longer than the limit is refused without reading
// it; and the bytes a message quotes are escaped.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "npy.hpp"

namespace {

using ringrt::Status;
using Bytes = std::string;

// A version 1.0 (or 2.0) .npy image with the dict as its header, padded like NumPy.
Bytes npy_image(const std::string& dict, const Bytes& data, int major = 1) {
  const std::size_t len_bytes = major == 1 ? 2 : 4;
  std::string header = dict;
  header.append((64 - (8 + len_bytes + header.size() + 1) % 64) % 64, ' ');
  header.push_back('\n');
  Bytes out("\x93NUMPY", 6);
  out.push_back(static_cast<char>(major));
  out.push_back(0);
  for (std::size_t i = 0; i < len_bytes; ++i) out.push_back(static_cast<char>((header.size() >> (8 * i)) & 0xff));
  return out + header + data;
}

std::string f32_dict(const std::string& shape) { return "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }"; }

Bytes f32_bytes(const std::vector<float>& v) {
  Bytes b(v.size() * 4, '\0');
  std::memcpy(&b[0], v.data(), b.size());
  return b;
}

bool contains(const char* text, const std::string& needle) { return std::string(text).find(needle) != std::string::npos; }

// Writes all of `bytes` to fd, stopping quietly when the reader goes away.
std::size_t write_all(int fd, const char* p, std::size_t n) {
  std::size_t done = 0;
  while (done < n) {
    const ssize_t w = ::write(fd, p + done, n - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) break;
    done += static_cast<std::size_t>(w);
  }
  return done;
}

// A pipe whose read end a reader opens by path (/proc/self/fd/N, as bash's <(...)
// and /dev/stdin give it), written by the test.
class Pipe {
 public:
  Pipe() {
    ::signal(SIGPIPE, SIG_IGN);
    EXPECT_EQ(::pipe(fds_), 0);
    path_ = "/proc/self/fd/" + std::to_string(fds_[0]);
  }
  ~Pipe() {
    close_write();
    if (fds_[0] >= 0) ::close(fds_[0]);
  }
  const char* path() const { return path_.c_str(); }
  int write_fd() const { return fds_[1]; }
  std::size_t write(const Bytes& b) { return write_all(fds_[1], b.data(), b.size()); }
  void close_write() {
    if (fds_[1] >= 0) ::close(fds_[1]);
    fds_[1] = -1;
  }
  // The test's own read end: closed once the reader has opened its own, so that
  // the writer sees EPIPE when the reader stops.
  void close_read() {
    if (fds_[0] >= 0) ::close(fds_[0]);
    fds_[0] = -1;
  }

 private:
  int fds_[2] = {-1, -1};
  std::string path_;
};

class NpyBounds : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "npy_bounds.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    alarm(120);  // a reader that blocks forever fails the test instead of hanging it
  }
  void TearDown() override {
    alarm(0);
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::string path(const char* name) const { return dir_ + "/" + name; }
  std::string put(const char* name, const Bytes& bytes) const {
    const std::string p = path(name);
    const int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    EXPECT_GE(fd, 0);
    EXPECT_EQ(write_all(fd, bytes.data(), bytes.size()), bytes.size());
    ::close(fd);
    return p;
  }

  std::string dir_;
};

// ---- streams ----------------------------------------------------------------------

TEST_F(NpyBounds, StreamIsOpenedFromItsHeaderAloneBeforeAnyData) {
  Pipe pipe;
  const Bytes whole = npy_image(f32_dict("(2, 3)"), f32_bytes({1, 2, 3, 4, 5, 6}));
  const std::size_t data_start = whole.size() - 24;
  ASSERT_EQ(pipe.write(whole.substr(0, data_start)), data_start);  // the header only; the writer stays open
  ringrt::npy::Reader r;
  const Status st = r.open(pipe.path(), /*accept_streams=*/true);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_TRUE(r.sequential());
  EXPECT_EQ(r.shape(), (std::vector<std::size_t>{2, 3}));
  ASSERT_EQ(pipe.write(whole.substr(data_start)), 24u);
  pipe.close_write();
  float v[6] = {};
  const Status rd = r.read(0, 6, v);
  ASSERT_TRUE(rd.ok()) << rd.message();
  for (int i = 0; i < 6; ++i) EXPECT_EQ(v[i], static_cast<float>(i + 1));
}

TEST_F(NpyBounds, StreamOfAHugeArrayIsReadThroughOneBlock) {
  // The header declares 2^40 x 8 floats (2^26 x 8 where size_t has 32 bits: 2^40
  // cannot be described there, and is refused, see FifoInputs); the data never ends.
  // 128 MiB of it are read, a million elements at a time: the reader holds one
  // block, not the data.
  Pipe pipe;
  const char* dims = sizeof(std::size_t) >= 8 ? "(1099511627776, 8)" : "(67108864, 8)";
  ASSERT_GT(pipe.write(npy_image(f32_dict(dims), "")), 0u);
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    const std::string zeros(1 << 16, '\0');
    while (!stop && write_all(pipe.write_fd(), zeros.data(), zeros.size()) == zeros.size()) {
    }
  });
  rusage before;
  getrusage(RUSAGE_SELF, &before);
  {
    ringrt::npy::Reader r;
    const Status st = r.open(pipe.path(), true);
    ASSERT_TRUE(st.ok()) << st.message();
    pipe.close_read();
    std::vector<float> out(1 << 20);
    for (std::size_t first = 0; first < (std::size_t{32} << 20); first += out.size()) {
      const Status rd = r.read(first, out.size(), out.data());
      ASSERT_TRUE(rd.ok()) << rd.message();
    }
    EXPECT_EQ(out[12345], 0.0f);
  }  // the reader closes its end: the writer gets EPIPE
  stop = true;
  writer.join();
  rusage after;
  getrusage(RUSAGE_SELF, &after);
  EXPECT_LT(after.ru_maxrss - before.ru_maxrss, 32 * 1024) << "KiB of peak RSS grew while streaming 128 MiB";
}

TEST_F(NpyBounds, StreamTruncatedOrWithTrailingDataIsReportedByTheLastRead) {
  {
    Pipe pipe;
    pipe.write(npy_image(f32_dict("(2, 4)"), Bytes(20, '\0')));
    pipe.close_write();
    ringrt::npy::Reader r;
    ASSERT_TRUE(r.open(pipe.path(), true).ok());
    float v[8];
    const Status st = r.read(0, 8, v);
    EXPECT_TRUE(contains(st.message(), "data is truncated: expected 32 bytes for shape (2, 4) of '<f4', got 20"))
        << st.message();
  }
  {
    Pipe pipe;
    pipe.write(npy_image(f32_dict("(2, 4)"), Bytes(40, '\0')));
    pipe.close_write();
    ringrt::npy::Reader r;
    ASSERT_TRUE(r.open(pipe.path(), true).ok());
    float v[8];
    ASSERT_TRUE(r.read(0, 4, v).ok());  // not the end yet
    const Status st = r.read(4, 4, v);
    EXPECT_TRUE(contains(st.message(), "trailing data after the array: expected 32 bytes for shape (2, 4) of '<f4', got at least 33"))
        << st.message();
  }
}

TEST_F(NpyBounds, StreamSkipsForwardButNeverBack) {
  Pipe pipe;
  pipe.write(npy_image(f32_dict("(8,)"), f32_bytes({0, 1, 2, 3, 4, 5, 6, 7})));
  pipe.close_write();
  ringrt::npy::Reader r;
  ASSERT_TRUE(r.open(pipe.path(), true).ok());
  float v[2] = {};
  ASSERT_TRUE(r.read(5, 2, v).ok());
  EXPECT_EQ(v[0], 5.0f);
  EXPECT_EQ(v[1], 6.0f);
  const Status back = r.read(1, 1, v);
  EXPECT_TRUE(contains(back.message(), "element 1 was read already: a pipe or FIFO is read front to back once"))
      << back.message();
}

TEST_F(NpyBounds, HeaderLongerThanTheLimitIsRefusedWithoutReadingIt) {
  // Version 2.0, header length 0xffffffff, then spaces: refused after the 12-byte
  // preamble, not after reading 4 GiB. The writer stops at 16 MiB either way.
  Pipe pipe;
  std::string preamble("\x93NUMPY\x02\x00\xff\xff\xff\xff", 12);
  std::atomic<std::size_t> written{0};
  std::thread writer([&] {
    written += write_all(pipe.write_fd(), preamble.data(), preamble.size());
    const std::string spaces(1 << 16, ' ');
    while (written < (std::size_t{16} << 20)) {
      const std::size_t w = write_all(pipe.write_fd(), spaces.data(), spaces.size());
      written += w;
      if (w < spaces.size()) break;
    }
    pipe.close_write();
  });
  ringrt::npy::Array a;
  const Status st = ringrt::npy::read_f32(pipe.path(), &a);
  pipe.close_read();  // no reader left: the writer, blocked on a full pipe, gets EPIPE
  writer.join();
  EXPECT_TRUE(contains(st.message(), "header length 4294967295 exceeds the limit of 1048576 bytes")) << st.message();
  EXPECT_LT(written.load(), std::size_t{16} << 20) << "the reader consumed the whole bogus header";
}

// ---- FIFOs --------------------------------------------------------------------------

TEST_F(NpyBounds, FifoIsRefusedAtOnceWhereARegularFileIsNeeded) {
  const std::string fifo = path("fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  ringrt::npy::Reader r;
  const Status st = r.open(fifo.c_str());  // no writer: a blocking open() would never return
  EXPECT_TRUE(contains(st.message(), fifo + ": not a regular file, cannot be streamed")) << st.message();
  Pipe pipe;  // nor is a pipe taken without accept_streams
  ringrt::npy::Reader r2;
  const Status sp = r2.open(pipe.path());
  EXPECT_TRUE(contains(sp.message(), "not a regular file, cannot be streamed")) << sp.message();
}

TEST_F(NpyBounds, FifoWhoseWriterComesLaterIsWaitedFor) {
  const std::string fifo = path("fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const Bytes image = npy_image(f32_dict("(3,)"), f32_bytes({7, 8, 9}));
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));  // after the reader's open()
    const int fd = ::open(fifo.c_str(), O_WRONLY);
    if (fd < 0) return;
    write_all(fd, image.data(), image.size());
    ::close(fd);
  });
  ringrt::npy::Reader r;
  const Status st = r.open(fifo.c_str(), true);
  ASSERT_TRUE(st.ok()) << st.message();
  float v[3] = {};
  const Status rd = r.read(0, 3, v);
  writer.join();
  ASSERT_TRUE(rd.ok()) << rd.message();
  EXPECT_EQ(v[2], 9.0f);
}

// ---- messages -------------------------------------------------------------------------

TEST_F(NpyBounds, KeyWithNulAndEscapeIsQuotedEscapedAndWhole) {
  static const char kDict[] = "{'de\x1b[31m\0scr': '<f4', 'fortran_order': False, 'shape': (2,), }";
  const std::string p = put("k.npy", npy_image(std::string(kDict, sizeof kDict - 1), ""));
  ringrt::npy::Array a;
  const Status st = ringrt::npy::read_f32(p.c_str(), &a);
  EXPECT_TRUE(contains(st.message(), "unknown key 'de\\x1b[31m\\x00scr' (expected 'descr', 'fortran_order' and 'shape')"))
      << st.message();
}

TEST_F(NpyBounds, DtypeWithControlBytesIsQuotedEscaped) {
  const std::string p = put("d.npy", npy_image("{'descr': '<\x1b]0;x\x07', 'fortran_order': False, 'shape': (2,), }", ""));
  ringrt::npy::Array a;
  const Status st = ringrt::npy::read_f32(p.c_str(), &a);
  EXPECT_TRUE(contains(st.message(), "unsupported dtype '<\\x1b]0;x\\x07'")) << st.message();
}

TEST_F(NpyBounds, HeaderPastTheEndSaysTheFileMayNotBeANpyFile) {
  Bytes image = npy_image(f32_dict("(2,)"), f32_bytes({1, 2}));
  image[8] = '\xff';
  image[9] = '\x7f';
  const std::string p = put("long.npy", image);
  ringrt::npy::Array a;
  const Status st = ringrt::npy::read_f32(p.c_str(), &a);
  EXPECT_TRUE(contains(st.message(), p + ": truncated or not a .npy file: header length 32767 runs past the end of the file"))
      << st.message();
}

}  // namespace
