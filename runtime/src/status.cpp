#include "ringrt/status.hpp"

#include <cstdarg>
#include <cstdio>

namespace ringrt {

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
  }
  return "unknown error";
}

Status Status::Error(StatusCode code, const char* format, ...) {
  Status s;
  s.code_ = code;
  va_list args;
  va_start(args, format);
  std::vsnprintf(s.message_, kMaxMessage, format, args);
  va_end(args);
  return s;
}

}  // namespace ringrt
