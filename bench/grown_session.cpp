#include "grown_session.hpp"

#include <fcntl.h>
#include <unistd.h>

#include "cases.hpp"

namespace bench {

ringrt::Status grow_session(const std::string& model_path, ringrt::SessionOptions o, uint64_t history,
                            GrownSession* g) {
  RINGRT_RETURN_IF_ERROR(ringrt::Model::load(model_path.c_str(), &g->model));
  o.workers = kGrowWorkers;
  o.chunk = kChunk;
  RINGRT_RETURN_IF_ERROR(ringrt::Session::create(*g->model, o, &g->session));
  return feed(*g->session, g->input, history, kGrowBlock).status;
}

bool drop_pages(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = fdatasync(fd) == 0 && posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) == 0;
  ::close(fd);
  return ok;
}

}  // namespace bench
