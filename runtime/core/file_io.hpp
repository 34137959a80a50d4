// Whole-buffer pread/pwrite for the stores that keep data in files.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ringrt {

// Reads or writes all n bytes at `off`, retrying short transfers and EINTR. On
// failure returns false with errno set (EIO: the file ends early; ENOSPC: a write
// made no progress).
bool full_pread(int fd, void* buf, std::size_t n, uint64_t off);
bool full_pwrite(int fd, const void* buf, std::size_t n, uint64_t off);

}  // namespace ringrt
