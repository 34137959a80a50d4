#include "progress.hpp"

#include <cstdio>
#include <unistd.h>

namespace ringrt::cli {

Progress::Progress(uint64_t total, bool enabled)
    : total_(total), enabled_(enabled && isatty(STDERR_FILENO)), start_(std::chrono::steady_clock::now()) {}

void Progress::update(uint64_t done) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (first_ == UINT64_MAX) {
    first_ = done;
    start_ = now;
    return;
  }
  if (now - last_draw_ < std::chrono::milliseconds(100) && done < total_) return;
  last_draw_ = now;
  const double seconds = std::chrono::duration<double>(now - start_).count();
  const double rate = seconds > 0 ? static_cast<double>(done - first_) / seconds : 0.0;
  const double left = rate > 0 ? static_cast<double>(total_ - done) / rate : 0.0;
  std::fprintf(stderr, "\r\033[K%llu / %llu tokens (%.0f%%)  %.0f tokens/s  %.0f s left",
               static_cast<unsigned long long>(done), static_cast<unsigned long long>(total_),
               100.0 * static_cast<double>(done) / static_cast<double>(total_), rate, left);
  std::fflush(stderr);
}

void Progress::finish() {
  if (!enabled_) return;
  std::fprintf(stderr, "\r\033[K");
  std::fflush(stderr);
}

}  // namespace ringrt::cli
