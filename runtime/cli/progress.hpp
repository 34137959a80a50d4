// A one-line progress meter for long runs: tokens done, tokens per second and the
// estimated time left, redrawn in place on stderr. Silent unless stderr is a terminal.
#pragma once

#include <chrono>
#include <cstdint>

namespace ringrt::cli {

class Progress {
 public:
  Progress(uint64_t total, bool enabled);
  void update(uint64_t done);  // redraws at most ~10 times a second
  void finish();               // clears the line

 private:
  uint64_t total_;
  bool enabled_;
  uint64_t first_ = UINT64_MAX;  // tokens already done at the first update (resumed streams)
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace ringrt::cli
