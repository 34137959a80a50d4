#include "input_fd.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ringrt::npy {

namespace {

int64_t now_ms() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

Status read_error(const char* path, int err) {
  return Status::Error(StatusCode::kIoError, "%s: read failed: %s", path, std::strerror(err));
}

}  // namespace

InputFd::~InputFd() {
  if (fd_ >= 0) ::close(fd_);
}

Status InputFd::open(const char* path, const char* what) {
  if (fd_ >= 0) ::close(fd_);  // opened again: the new file replaces the old
  regular_ = has_pending_ = false;
  size_ = 0;
  path_ = path;
  fd_ = ::open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd_ < 0) {
    const int err = errno;
    return Status::Error(StatusCode::kIoError, "%s: cannot open: %s", path, std::strerror(err));
  }
  struct stat st;
  if (::fstat(fd_, &st) != 0) {
    const int err = errno;
    return Status::Error(StatusCode::kIoError, "%s: cannot stat: %s", path, std::strerror(err));
  }
  if (S_ISDIR(st.st_mode)) return Status::Error(StatusCode::kIoError, "%s: is a directory, not %s", path, what);
  regular_ = S_ISREG(st.st_mode);
  size_ = regular_ && st.st_size > 0 ? static_cast<uint64_t>(st.st_size) : 0;
  if (regular_) {
    const int flags = ::fcntl(fd_, F_GETFL);
    if (flags >= 0) (void)::fcntl(fd_, F_SETFL, flags & ~O_NONBLOCK);
  }
  return Status::Ok();
}

Status InputFd::wait_for_data() {
  struct stat st;
  if (::fstat(fd_, &st) == 0 && S_ISFIFO(st.st_mode)) {
    // A non-blocking read tells the cases apart: a byte (keep it), EAGAIN (a writer
    // holds the FIFO open: its data will come), or 0 (no writer yet, or it already
    // left). poll() on a FIFO opened without a writer wakes only once a writer has
    // come, so the wait for one is bounded without spinning.
    const int64_t deadline = now_ms() + int64_t{kFifoWriterWaitSeconds} * 1000;
    bool hung_up = false;
    for (;;) {
      const ssize_t r = ::read(fd_, &pending_, 1);
      if (r == 1) {
        has_pending_ = true;
        break;
      }
      if (r < 0 && errno == EINTR) continue;
      if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      if (r < 0) return read_error(path_, errno);
      if (hung_up) break;  // its writer came and went without writing: end of file
      const int64_t left = deadline - now_ms();
      pollfd p{fd_, POLLIN, 0};
      const int n = left > 0 ? ::poll(&p, 1, static_cast<int>(left)) : 0;
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return read_error(path_, errno);
      if (n == 0) {
        return Status::Error(StatusCode::kIoError,
                             "%s: nothing to read: no process has this FIFO or pipe open for writing (waited "
                             "%d s; start its writer first, or give a regular file)",
                             path_, kFifoWriterWaitSeconds);
      }
      hung_up = (p.revents & POLLHUP) && !(p.revents & POLLIN);
    }
  }
  const int flags = ::fcntl(fd_, F_GETFL);
  if (flags < 0 || ::fcntl(fd_, F_SETFL, flags & ~O_NONBLOCK) != 0) {
    const int err = errno;
    return Status::Error(StatusCode::kIoError, "%s: cannot make reads blocking: %s", path_, std::strerror(err));
  }
  return Status::Ok();
}

Status InputFd::read(void* p, std::size_t n, std::size_t* got) {
  unsigned char* out = static_cast<unsigned char*>(p);
  *got = 0;
  if (n > 0 && has_pending_) {
    out[0] = pending_;
    has_pending_ = false;
    *got = 1;
  }
  while (*got < n) {
    const ssize_t r = ::read(fd_, out + *got, n - *got);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return read_error(path_, errno);
    if (r == 0) break;  // end of file
    *got += static_cast<std::size_t>(r);
  }
  return Status::Ok();
}

}  // namespace ringrt::npy
