#include "special_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace ringrt::test {

unsigned file_type(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0 ? static_cast<unsigned>(st.st_mode & S_IFMT) : 0u;
}

bool make_char_device(const std::string& path, unsigned major, unsigned minor) {
  return ::mknod(path.c_str(), S_IFCHR | 0666, makedev(major, minor)) == 0;
}

FifoReader::FifoReader(const std::string& path) {
  if (::mkfifo(path.c_str(), 0666) != 0) throw std::runtime_error(path + ": mkfifo: " + std::strerror(errno));
  fd_ = ::open(path.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd_ < 0) throw std::runtime_error(path + ": open: " + std::strerror(errno));
  ::fcntl(fd_, F_SETPIPE_SZ, 1 << 20);
}

FifoReader::~FifoReader() {
  if (fd_ >= 0) ::close(fd_);
}

std::string FifoReader::take() {
  std::string bytes;
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd_, buf, sizeof buf);
    if (n > 0) {
      bytes.append(buf, static_cast<std::size_t>(n));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      return bytes;  // EAGAIN: the buffer is empty
    }
  }
}

ScopedTmpdir::ScopedTmpdir(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0755) != 0) throw std::runtime_error(dir + ": mkdir: " + std::strerror(errno));
  const char* old = std::getenv("TMPDIR");
  had_ = old != nullptr;
  if (had_) old_ = old;
  ::setenv("TMPDIR", dir.c_str(), 1);
}

ScopedTmpdir::~ScopedTmpdir() {
  if (had_) {
    ::setenv("TMPDIR", old_.c_str(), 1);
  } else {
    ::unsetenv("TMPDIR");
  }
}

}  // namespace ringrt::test
