// Helpers shared by the fuzz targets: an in-memory file (memfd) that APIs taking a
// path can open as /proc/self/fd/N, and a check that aborts (a crash the fuzzer
// reports) when an invariant of the code under test does not hold.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace ringrt::fuzz {

// A per-process anonymous file. replace() makes its content exactly the given
// bytes; path() names it for open()/stat() ("/proc/self/fd/N").
class MemFile {
 public:
  explicit MemFile(const char* name) {
    fd_ = static_cast<int>(::memfd_create(name, MFD_CLOEXEC));
    if (fd_ < 0) {
      std::perror("memfd_create");
      std::abort();
    }
    std::snprintf(path_, sizeof path_, "/proc/self/fd/%d", fd_);
  }
  ~MemFile() { ::close(fd_); }
  MemFile(const MemFile&) = delete;
  MemFile& operator=(const MemFile&) = delete;

  void replace(const uint8_t* data, std::size_t size) {
    if (::ftruncate(fd_, 0) != 0) std::abort();
    std::size_t done = 0;
    while (done < size) {
      const ssize_t n = ::pwrite(fd_, data + done, size - done, static_cast<off_t>(done));
      if (n <= 0) std::abort();
      done += static_cast<std::size_t>(n);
    }
  }
  const char* path() const { return path_; }
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
  char path_[48] = {};
};

// An invariant of the code under test failed: report and abort (libFuzzer saves the input).
#define RINGRT_FUZZ_CHECK(cond, ...)                                                  \
  do {                                                                                \
    if (!(cond)) {                                                                    \
      std::fprintf(stderr, "fuzz invariant failed at %s:%d: %s\n  ", __FILE__, __LINE__, #cond); \
      std::fprintf(stderr, __VA_ARGS__);                                              \
      std::fprintf(stderr, "\n");                                                     \
      std::abort();                                                                   \
    }                                                                                 \
  } while (0)

inline bool starts_with(const char* text, const char* prefix) {
  return std::strncmp(text, prefix, std::strlen(prefix)) == 0;
}

// The fixed store the kv_header target opens (and make_seeds writes): geometry and
// identity of a tiny model, so a real store header is a valid seed.
constexpr uint32_t kKvLayers = 1, kKvHeads = 2, kKvHeadDim = 4, kKvChunk = 16;
constexpr uint64_t kKvCapacity = 1024;
constexpr uint64_t kKvFingerprint = 0x5eed5eed12345678ull;
constexpr uint64_t kKvStreamTag = 0x0123456789abcdefull;

}  // namespace ringrt::fuzz
