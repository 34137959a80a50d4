// SessionImpl: the state behind ringrt::Session. init() builds the SessionState
// in the order plan -> arena -> stores -> operators -> ring, each a call into its
// module, then chooses the session's mode (session_mode.hpp) once.
#pragma once

#include <memory>

#include "ringrt/ringrt.hpp"
#include "session_mode.hpp"
#include "session_state.hpp"

namespace ringrt {

class SessionImpl {
 public:
  Status init(const ModelImpl& model, const SessionOptions& options);
  Status append(const float* x, std::size_t tokens, std::size_t width, float* all_outputs) {
    return mode_->append(x, tokens, width, all_outputs);
  }
  Status append_deferred(const float* x, std::size_t tokens, std::size_t width) {
    return mode_->append_deferred(x, tokens, width);
  }
  const float* output() const { return s_.has_output ? s_.out : nullptr; }
  uint64_t length() const { return s_.length; }
  void reset() { (void)truncate(0); }
  Status truncate(uint64_t length);
  uint64_t kv_bytes_stored() const { return mode_->kv_bytes_stored(); }
  const MemoryPlan& plan() const { return s_.plan; }
  const RingStats& ring_stats() const { return mode_->ring_stats(); }
  void clear_ring_stats() { mode_->clear_ring_stats(); }

 private:
  Status check_supported(const ModelOptions& m, const SessionOptions& options) const;
  Status open_stores(const SessionOptions& options);
  Status bind_worker_ring();

  SessionState s_;
  std::unique_ptr<SessionMode> mode_;  // destroyed before the state it works on
};

}  // namespace ringrt
