#include "atomic_file.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

#include "errors.hpp"

namespace ringrt::convert {

namespace {

std::string directory_of(const std::string& path) {
  const std::size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string base_name(const std::string& path) {
  const std::size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

mode_t default_file_mode() {
  const mode_t mask = umask(0);
  umask(mask);
  return 0666 & ~mask;
}

}  // namespace

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
  const std::string name = base_name(path_);
  if (name.empty() || name == "." || name == "..") throw Error(path_ + ": not a file name");
  struct stat st;
  if (stat(path_.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    throw Error(path_ + ": cannot write: is a directory");
  }
  const std::string dir = directory_of(path_);
  std::string tmpl = (dir == "/" ? "" : dir) + "/." + name + ".tmp.XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  fd_ = mkstemp(buf.data());
  if (fd_ < 0) {
    throw Error(path_ + ": cannot write: cannot create a temporary file in '" + dir + "': " + std::strerror(errno));
  }
  temp_path_ = buf.data();
  if (fchmod(fd_, default_file_mode()) != 0) {
    const int err = errno;
    remove_temp();
    throw Error(path_ + ": cannot write: chmod: " + std::strerror(err));
  }
}

AtomicFile::~AtomicFile() {
  if (!committed_) remove_temp();
}

void AtomicFile::remove_temp() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (!temp_path_.empty()) ::unlink(temp_path_.c_str());
  temp_path_.clear();
}

void AtomicFile::write_at(uint64_t offset, const void* data, std::size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::pwrite(fd_, p, size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      throw Error(path_ + ": cannot write '" + temp_path_ + "': " + std::strerror(n < 0 ? errno : EIO));
    }
    p += n;
    size -= static_cast<std::size_t>(n);
    offset += static_cast<uint64_t>(n);
  }
}

void AtomicFile::commit() {
  if (::fsync(fd_) != 0) throw Error(path_ + ": cannot write: fsync: " + std::strerror(errno));
  if (::close(fd_) != 0) {
    fd_ = -1;
    throw Error(path_ + ": cannot write: close: " + std::strerror(errno));
  }
  fd_ = -1;
  if (::rename(temp_path_.c_str(), path_.c_str()) != 0) {
    throw Error(path_ + ": cannot write: rename: " + std::strerror(errno));
  }
  committed_ = true;
  // Make the rename itself durable; failure here leaves a complete file behind.
  const int dir = ::open(directory_of(path_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

void write_file_atomically(const std::string& path, const void* data, std::size_t size) {
  AtomicFile file(path);
  file.write_at(0, data, size);
  file.commit();
}

}  // namespace ringrt::convert
