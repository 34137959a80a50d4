// Runs one measurement in a forked child so that its peak RSS is its own: the child
// fills a fixed-size report, adds its VmHWM, and sends the report to the parent
// through a pipe. The parent never initialises XNNPACK or starts threads, so the
// child starts from a small, single-threaded process.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>

namespace bench {

enum class ChildStatus : int { kOk = 0, kFailed = 1, kUnavailable = 2 };

struct ChildReport {
  static constexpr std::size_t kValues = 32;
  ChildStatus status = ChildStatus::kOk;
  char message[512] = {};
  double values[kValues] = {};  // meaning defined by each case
  double peak_rss = 0;          // bytes (VmHWM of the child at exit)

  void fail(const char* format, ...) __attribute__((format(printf, 2, 3)));
  void unavailable(const char* format, ...) __attribute__((format(printf, 2, 3)));
  bool ok() const { return status == ChildStatus::kOk; }
};

// Forks, runs `body` in the child (exceptions are caught and reported), returns the
// child's report. A child that dies without reporting yields kFailed with the reason.
ChildReport run_in_child(const std::function<void(ChildReport&)>& body);

// This process's peak resident set (VmHWM) and current resident set (VmRSS), bytes.
double peak_rss_bytes();
double current_rss_bytes();

}  // namespace bench
