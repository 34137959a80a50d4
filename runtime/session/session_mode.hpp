// How a session runs its appends, chosen once at creation from the model and the
// options (make_session_mode) and never tested again on the hot path:
//
//   CausalStream   causal attention, rounds of up to workers x chunk tokens through
//                  every layer, the KV history of the whole context in the store
//   WindowStream   a causal sliding-window model: the same rounds, the store a
//                  window buffer, so a stream may run forever
//   LayerByLayer   bidirectional attention: every append recomputes the sequence
//                  layer by layer, the residual stream stored between layers
//   Distributed    one rank of a ring of ranks: each round's rows dealt in blocks,
//                  KV chunks passed around the rank ring
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "ringrt/ringrt.hpp"
#include "session_state.hpp"

namespace ringrt {

class SessionMode {
 public:
  explicit SessionMode(SessionState& state) : s_(state) {}
  virtual ~SessionMode() = default;
  SessionMode(const SessionMode&) = delete;
  SessionMode& operator=(const SessionMode&) = delete;

  virtual Status append(const float* x, std::size_t tokens, std::size_t width, float* all_outputs) = 0;
  // Stores tokens without running the layers (LayerByLayer); the others append.
  virtual Status append_deferred(const float* x, std::size_t tokens, std::size_t width) {
    return append(x, tokens, width, nullptr);
  }
  // Goes back to `length` <= the sequence's length (checked by the caller).
  virtual Status truncate(uint64_t length) = 0;
  virtual uint64_t kv_bytes_stored() const = 0;
  // The rank ring's statistics (Distributed); zero for one process.
  virtual const RingStats& ring_stats() const;
  virtual void clear_ring_stats() {}

 protected:
  SessionState& s_;
};

// The mode for the state's model and plan; runs its own set-up (a Distributed
// mode binds the rank ring and checks that every rank has the same options).
Status make_session_mode(SessionState& state, const SessionOptions& options, std::unique_ptr<SessionMode>* out);

}  // namespace ringrt
