// ringrt::Status: the error value every fallible ringrt call returns.
// It owns a fixed-size message buffer, so creating one never touches the heap.
#pragma once

#include <cstddef>

namespace ringrt {

enum class StatusCode : int {
  kOk = 0,
  kInvalidArgument = 1,     // a caller-supplied value is out of range or malformed
  kInvalidModel = 2,        // the model file is damaged, inconsistent or not a model
  kUnsupportedVersion = 3,  // the model needs a newer runtime
  kIoError = 4,             // reading or writing a file failed
  kOutOfMemory = 5,         // the arena could not be allocated
  kCapacityExceeded = 6,    // the input does not fit the session's maximum context
  kInternal = 7,            // XNNPACK or the thread pool failed unexpectedly
  kPeerFailed = 8,          // another rank of a distributed session died, stalled or failed
};

// Human-readable name of a code ("invalid model", ...).
const char* status_code_name(StatusCode code);

class Status {
 public:
  static constexpr std::size_t kMaxMessage = 384;

  Status() : code_(StatusCode::kOk) { message_[0] = '\0'; }
  static Status Ok() { return Status(); }
  // printf-style message; truncated to kMaxMessage - 1 bytes.
  static Status Error(StatusCode code, const char* format, ...)
      __attribute__((format(printf, 2, 3)));

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const char* message() const { return message_; }

 private:
  StatusCode code_;
  char message_[kMaxMessage];
};

}  // namespace ringrt

// Returns early from the enclosing function when `expr` yields a failed Status.
#define RINGRT_RETURN_IF_ERROR(expr)            \
  do {                                          \
    ::ringrt::Status ringrt_status_ = (expr);   \
    if (!ringrt_status_.ok()) return ringrt_status_; \
  } while (0)
