// ringrt::Status: the error value every fallible ringrt call returns.
//
// A Status is 8 bytes: a code and, for an error, a reference to its message. The
// messages live in a fixed table inside libringrt (kMessageSlots slots of
// kMaxMessage bytes), shared by reference between copies of a Status and freed
// when the last copy goes, so creating, copying and returning a Status never
// touches the heap and costs no more than two words. If more than kMessageSlots
// distinct error messages are alive at once, a new error keeps its code and its
// message() says that the text was dropped.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ringrt/export.h"

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
  kNonFinite = 9,           // a NaN or an Inf appeared in the computation: the input or the weights overflow float32
};

// Human-readable name of a code ("invalid model", ...).
RINGRT_API const char* status_code_name(StatusCode code);

class RINGRT_API Status {
 public:
  static constexpr std::size_t kMaxMessage = 384;  // bytes of a message, NUL included
  static constexpr std::size_t kMessageSlots = 64;

  Status() = default;
  Status(const Status& other) : code_(other.code_), slot_(other.slot_) { retain(slot_); }
  Status(Status&& other) noexcept : code_(other.code_), slot_(other.slot_) { other.slot_ = kNoSlot; }
  Status& operator=(const Status& other) {
    if (this != &other) {
      retain(other.slot_);
      release(slot_);
      code_ = other.code_;
      slot_ = other.slot_;
    }
    return *this;
  }
  Status& operator=(Status&& other) noexcept {
    if (this != &other) {
      release(slot_);
      code_ = other.code_;
      slot_ = other.slot_;
      other.slot_ = kNoSlot;
    }
    return *this;
  }
  ~Status() { release(slot_); }

  static Status Ok() { return Status(); }
  // printf-style message; truncated to kMaxMessage - 1 bytes.
  static Status Error(StatusCode code, const char* format, ...) __attribute__((format(printf, 2, 3)));

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  // "" for success. Valid as long as this Status (or a copy of it) exists.
  const char* message() const;

 private:
  static constexpr int32_t kNoSlot = -1;
  static void retain(int32_t slot) {
    if (slot != kNoSlot) retain_slot(slot);
  }
  static void release(int32_t slot) {
    if (slot != kNoSlot) release_slot(slot);
  }
  static void retain_slot(int32_t slot);
  static void release_slot(int32_t slot);

  StatusCode code_ = StatusCode::kOk;
  int32_t slot_ = kNoSlot;
};

}  // namespace ringrt

// Returns early from the enclosing function when `expr` yields a failed Status.
#define RINGRT_RETURN_IF_ERROR(expr)                 \
  do {                                               \
    ::ringrt::Status ringrt_status_ = (expr);        \
    if (!ringrt_status_.ok()) return ringrt_status_; \
  } while (0)
