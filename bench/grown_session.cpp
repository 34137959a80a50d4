#include "grown_session.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <vector>

#include "cases.hpp"
#include "timing.hpp"

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

FeedResult median_dropped_append(GrownSession& g, const std::string& store, int appends) {
  FeedResult r;
  std::vector<double> times;
  for (int i = 0; i < appends; ++i) {
    if (!drop_pages(store)) {
      r.status = ringrt::Status::Error(ringrt::StatusCode::kIoError, "cannot drop the pages of %s", store.c_str());
      return r;
    }
    const FeedResult one = median_append(*g.session, g.input, 1, 1);
    if (!one.status.ok()) return one;
    times.push_back(one.append_seconds);
  }
  r.append_seconds = median(times);
  return r;
}

}  // namespace bench
