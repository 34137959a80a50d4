#include "mapped_file.hpp"

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace ringrt {

MappedFile::~MappedFile() {
  if (data_) munmap(data_, size_);
}

void MappedFile::release_pages(const void* p, std::size_t bytes) const {
  if (!data_ || bytes == 0) return;
  const std::uintptr_t page = static_cast<std::uintptr_t>(sysconf(_SC_PAGESIZE));
  const std::uintptr_t begin = reinterpret_cast<std::uintptr_t>(p) / page * page;
  const std::uintptr_t end = reinterpret_cast<std::uintptr_t>(p) + bytes;
  madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
}

Status MappedFile::open(const char* path) {
  // O_NONBLOCK: a FIFO without a writer is refused below instead of blocking this
  // open() forever; for the regular file that is mapped it changes nothing.
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    return Status::Error(StatusCode::kIoError, "%s: cannot open: %s", path, std::strerror(errno));
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    const int err = errno;
    close(fd);
    return Status::Error(StatusCode::kIoError, "%s: cannot stat: %s", path, std::strerror(err));
  }
  if (S_ISDIR(st.st_mode)) {
    close(fd);
    return Status::Error(StatusCode::kIoError, "%s: is a directory, expected a model file", path);
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    return Status::Error(StatusCode::kIoError, "%s: not a regular file (%s); the model is mapped into memory: give the .rrt file itself",
                         path, S_ISFIFO(st.st_mode) ? "a FIFO or pipe" : "a device or socket");
  }
  if (st.st_size == 0) {
    close(fd);
    return Status::Error(StatusCode::kInvalidModel, "%s: file is empty", path);
  }
  void* p = mmap(nullptr, static_cast<std::size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
  const int err = errno;
  close(fd);
  if (p == MAP_FAILED) {
    return Status::Error(StatusCode::kIoError, "%s: cannot mmap: %s", path, std::strerror(err));
  }
  data_ = static_cast<uint8_t*>(p);
  size_ = static_cast<std::size_t>(st.st_size);
  return Status::Ok();
}

}  // namespace ringrt
