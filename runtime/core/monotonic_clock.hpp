// Seconds on the monotonic clock, for the runtime's own time accounting (a vDSO
// call on Linux: no system call, no allocation).
#pragma once

#include <time.h>

namespace ringrt {

inline double monotonic_seconds() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

}  // namespace ringrt
