#include "atomic_file.hpp"

#include "errors.hpp"

namespace ringrt::convert {

namespace {

void throw_if_error(const Status& status) {
  if (!status.ok()) throw Error(status.message());
}

}  // namespace

AtomicFile::AtomicFile(std::string path) { throw_if_error(file_.open(path.c_str())); }

void AtomicFile::write_at(uint64_t offset, const void* data, std::size_t size) {
  throw_if_error(file_.write_at(offset, data, size));
}

void AtomicFile::commit() { throw_if_error(file_.commit()); }

void write_file_atomically(const std::string& path, const void* data, std::size_t size) {
  AtomicFile file(path);
  file.write_at(0, data, size);
  file.commit();
}

}  // namespace ringrt::convert
