#include "residual_store.hpp"

#include "file_io.hpp"
#include "store_lock.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace ringrt {

ResidualStore::~ResidualStore() {
  if (fd_ >= 0) {
    unlink(path_);  // while still locked: the path names our file (store_lock.cpp)
    close(fd_);
  }
}

void ResidualStore::bind_memory(float* rows, uint64_t capacity, uint32_t width) {
  memory_ = rows;
  capacity_ = capacity;
  width_ = width;
}

Status ResidualStore::open_file(const char* path, uint64_t capacity, uint32_t width) {
  std::snprintf(path_, sizeof path_, "%s", path);
  capacity_ = capacity;
  width_ = width;
  // Not O_TRUNC: the file may be another session's, which the lock tells; only
  // once it is ours are its old contents dropped.
  const int fd = ::open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return Status::Error(StatusCode::kIoError, "residual stream %s: cannot create: %s", path, std::strerror(errno));
  }
  const Status locked = lock_store_file(fd, "residual stream", path);
  if (!locked.ok()) {
    close(fd);  // and never removed: it is the other session's
    return locked;
  }
  fd_ = fd;
  if (ftruncate(fd_, 0) != 0) {
    return Status::Error(StatusCode::kIoError, "residual stream %s: cannot truncate: %s", path, std::strerror(errno));
  }
  return Status::Ok();
}

Status ResidualStore::read(Stream s, uint64_t first, std::size_t rows, float* out) const {
  const std::size_t n = rows * width_;
  if (memory_) {
    std::memcpy(out, memory_ + offset(s, first), n * sizeof(float));
    return Status::Ok();
  }
  if (!full_pread(fd_, out, n * sizeof(float), offset(s, first) * sizeof(float))) {
    return Status::Error(StatusCode::kIoError, "residual stream %s: read failed: %s", path_, std::strerror(errno));
  }
  return Status::Ok();
}

Status ResidualStore::write(Stream s, uint64_t first, std::size_t rows, const float* in) {
  const std::size_t n = rows * width_;
  if (memory_) {
    std::memcpy(memory_ + offset(s, first), in, n * sizeof(float));
    return Status::Ok();
  }
  if (!full_pwrite(fd_, in, n * sizeof(float), offset(s, first) * sizeof(float))) {
    return Status::Error(StatusCode::kIoError, "residual stream %s: write failed (disk full or file size limit?): %s",
                         path_, std::strerror(errno));
  }
  return Status::Ok();
}

}  // namespace ringrt
