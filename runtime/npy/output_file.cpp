#include "output_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "path_names.hpp"

namespace ringrt::io {
namespace {

Status io_error(const char* path, const char* what, int err) {
  return Status::Error(StatusCode::kIoError, "%s: cannot write: %s%s", path, what, std::strerror(err));
}

Status temp_dir_error(const char* path, const std::string& dir, int err) {
  return Status::Error(StatusCode::kIoError, "%s: cannot write: cannot create a temporary file in '%s': %s", path,
                       dir.c_str(), std::strerror(err));
}

unsigned default_file_mode() {
  const mode_t mask = ::umask(0);
  ::umask(mask);
  return 0666u & ~static_cast<unsigned>(mask);
}

// The regular file a rename should replace: `path`, or the file its symlinks lead to.
std::string resolved(const char* path) {
  struct stat link;
  if (::lstat(path, &link) != 0 || !S_ISLNK(link.st_mode)) return path;
  char* real = ::realpath(path, nullptr);
  if (!real) return path;
  std::string out = real;
  std::free(real);
  return out;
}

// 0 if a file can be created in `dir`, else why not (an errno value).
int cannot_create_in(const std::string& dir) {
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0) return errno;
  if (!S_ISDIR(st.st_mode)) return ENOTDIR;
  return ::access(dir.c_str(), W_OK | X_OK) != 0 ? errno : 0;
}

// Writes all of [p, p + n) to `fd`, sequentially.
int write_all(int fd, const char* p, std::size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return w < 0 ? errno : EIO;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return 0;
}

}  // namespace

OutputFile::~OutputFile() {
  remove_temp();
  if (dest_fd_ >= 0) ::close(dest_fd_);
}

Status OutputFile::open(const char* path) {
  if (path == nullptr || *path == '\0') {
    return Status::Error(StatusCode::kInvalidArgument, "the output path is empty: give a file name");
  }
  path_ = path;
  struct stat st;
  if (::stat(path, &st) != 0) {  // nothing there yet (or unreachable: the directory check says why)
    target_ = path;
    mode_ = default_file_mode();
  } else if (S_ISDIR(st.st_mode)) {
    return Status::Error(StatusCode::kIoError, "%s: cannot write: is a directory, not a file (%s)", path,
                         std::strerror(EISDIR));
  } else if (S_ISREG(st.st_mode)) {
    target_ = resolved(path);
    mode_ = st.st_mode & 07777;
  } else {
    // A device, FIFO, terminal...: written as it is. O_NONBLOCK: a FIFO nobody reads
    // fails now (ENXIO) instead of blocking forever.
    dest_fd_ = ::open(path, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (dest_fd_ < 0) {
      const int err = errno;
      if (err == ENXIO && S_ISFIFO(st.st_mode)) {
        return Status::Error(StatusCode::kIoError,
                             "%s: cannot write: no process has this FIFO open for reading; start the reader first",
                             path);
      }
      return io_error(path, "open: ", err);
    }
    const int flags = ::fcntl(dest_fd_, F_GETFL);
    if (flags < 0 || ::fcntl(dest_fd_, F_SETFL, flags & ~O_NONBLOCK) != 0) return io_error(path, "fcntl: ", errno);
    return Status::Ok();
  }
  const std::string name = base_name(target_);
  if (name.empty() || name == "." || name == "..") {
    return Status::Error(StatusCode::kIoError, "%s: cannot write: not a file name", path);
  }
  const std::string dir = directory_of(target_);
  const int err = cannot_create_in(dir);  // said now, not after a whole run
  return err ? temp_dir_error(path, dir, err) : Status::Ok();
}

Status OutputFile::create_temp() {
  std::string dir, pattern;
  if (in_place()) {  // staged in $TMPDIR: a device's directory (/dev) is no place for it
    const char* tmp = std::getenv("TMPDIR");
    dir = tmp && *tmp ? tmp : "/tmp";
    pattern = dir + "/ringrt-output.XXXXXX";
  } else {
    dir = directory_of(target_);
    pattern = (dir == "/" ? "" : dir) + "/." + base_name(target_) + ".tmp.XXXXXX";
  }
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  temp_fd_ = ::mkostemp(buf.data(), O_CLOEXEC);
  if (temp_fd_ < 0) return temp_dir_error(path_.c_str(), dir, errno);
  temp_path_ = buf.data();
  if (!in_place() && ::fchmod(temp_fd_, mode_) != 0) {
    const int err = errno;
    remove_temp();
    return io_error(path_.c_str(), "chmod: ", err);
  }
  return Status::Ok();
}

void OutputFile::remove_temp() {
  if (temp_fd_ >= 0) ::close(temp_fd_);
  temp_fd_ = -1;
  if (!temp_path_.empty()) ::unlink(temp_path_.c_str());
  temp_path_.clear();
}

Status OutputFile::write_at(uint64_t offset, const void* data, std::size_t size) {
  if (temp_fd_ < 0) RINGRT_RETURN_IF_ERROR(create_temp());
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::pwrite(temp_fd_, p, size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = n < 0 ? errno : EIO;
      return Status::Error(StatusCode::kIoError, "%s: cannot write '%s': %s", path_.c_str(), temp_path_.c_str(),
                           std::strerror(err));
    }
    p += n;
    size -= static_cast<std::size_t>(n);
    offset += static_cast<uint64_t>(n);
  }
  return Status::Ok();
}

Status OutputFile::copy_into_destination() {
  std::vector<char> buf(std::size_t{1} << 16);
  for (off_t at = 0;;) {
    const ssize_t n = ::pread(temp_fd_, buf.data(), buf.size(), at);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      return Status::Error(StatusCode::kIoError, "%s: cannot write: reading back '%s': %s", path_.c_str(),
                           temp_path_.c_str(), std::strerror(err));
    }
    if (n == 0) break;
    const int err = write_all(dest_fd_, buf.data(), static_cast<std::size_t>(n));
    if (err != 0) return io_error(path_.c_str(), "", err);
    at += n;
  }
  // A device or FIFO that keeps no data cannot be synced (EINVAL): nothing to wait for.
  if (::fsync(dest_fd_) != 0 && errno != EINVAL && errno != EROFS && errno != ENOTSUP) {
    return io_error(path_.c_str(), "fsync: ", errno);
  }
  const int fd = dest_fd_;
  dest_fd_ = -1;
  if (::close(fd) != 0) return io_error(path_.c_str(), "close: ", errno);
  return Status::Ok();
}

Status OutputFile::commit() {
  if (temp_fd_ < 0) RINGRT_RETURN_IF_ERROR(create_temp());  // an empty output
  if (in_place()) {
    const Status st = copy_into_destination();
    remove_temp();
    return st;
  }
  Status st;
  if (::fsync(temp_fd_) != 0) st = io_error(path_.c_str(), "fsync: ", errno);
  const int fd = temp_fd_;
  temp_fd_ = -1;
  if (::close(fd) != 0 && st.ok()) st = io_error(path_.c_str(), "close: ", errno);
  if (st.ok() && ::rename(temp_path_.c_str(), target_.c_str()) != 0) st = io_error(path_.c_str(), "rename: ", errno);
  if (!st.ok()) {
    remove_temp();
    return st;
  }
  temp_path_.clear();
  // Make the rename itself durable; failure here leaves a complete file behind.
  const int dir = ::open(directory_of(target_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return Status::Ok();
}

}  // namespace ringrt::io
