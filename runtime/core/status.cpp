// Status messages: a fixed table of reference-counted slots (ringrt/status.hpp).
#include "ringrt/status.hpp"

#include <atomic>
#include <cstdarg>
#include <cstdio>

namespace ringrt {

namespace {

struct MessageSlot {
  std::atomic<uint32_t> refs{0};
  char text[Status::kMaxMessage];
};

MessageSlot g_slots[Status::kMessageSlots];
std::atomic<uint32_t> g_next{0};  // where the search for a free slot starts

// A free slot, now referenced once; -1 when all are in use.
int32_t claim_slot() {
  const uint32_t start = g_next.fetch_add(1, std::memory_order_relaxed);
  for (uint32_t i = 0; i < Status::kMessageSlots; ++i) {
    const uint32_t s = (start + i) % Status::kMessageSlots;
    uint32_t expected = 0;
    if (g_slots[s].refs.compare_exchange_strong(expected, 1, std::memory_order_acquire)) {
      return static_cast<int32_t>(s);
    }
  }
  return -1;
}

}  // namespace

const char* status_code_name(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "ok";
    case StatusCode::kInvalidArgument: return "invalid argument";
    case StatusCode::kInvalidModel: return "invalid model";
    case StatusCode::kUnsupportedVersion: return "unsupported version";
    case StatusCode::kIoError: return "i/o error";
    case StatusCode::kOutOfMemory: return "out of memory";
    case StatusCode::kCapacityExceeded: return "capacity exceeded";
    case StatusCode::kInternal: return "internal error";
    case StatusCode::kPeerFailed: return "peer failed";
    case StatusCode::kNonFinite: return "non-finite value";
  }
  return "unknown error";
}

Status Status::Error(StatusCode code, const char* format, ...) {
  Status s;
  s.code_ = code;
  s.slot_ = claim_slot();
  if (s.slot_ != kNoSlot) {
    va_list args;
    va_start(args, format);
    std::vsnprintf(g_slots[s.slot_].text, kMaxMessage, format, args);
    va_end(args);
  }
  return s;
}

const char* Status::message() const {
  if (slot_ != kNoSlot) return g_slots[slot_].text;
  return ok() ? "" : "(message dropped: more than 64 error messages were alive at once)";
}

void Status::retain_slot(int32_t slot) { g_slots[slot].refs.fetch_add(1, std::memory_order_relaxed); }

void Status::release_slot(int32_t slot) { g_slots[slot].refs.fetch_sub(1, std::memory_order_acq_rel); }

}  // namespace ringrt
