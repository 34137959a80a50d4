// Causal streaming in one process (session_mode.hpp): CausalStream, and
// WindowStream for a sliding-window model whose store is a window buffer.
#pragma once

#include "session_mode.hpp"

namespace ringrt {

class CausalStream : public SessionMode {
 public:
  explicit CausalStream(SessionState& state) : SessionMode(state) {}
  Status append(const float* x, std::size_t tokens, std::size_t width, float* all_outputs) override;
  Status truncate(uint64_t length) override;
  uint64_t kv_bytes_stored() const override;

 protected:
  // Whether `tokens` more fit: max_context bounds the whole-history store.
  virtual Status check_room(std::size_t tokens) const { return s_.check_capacity(tokens); }

 private:
  // One round of up to workers x chunk tokens through every layer.
  Status run_round(const float* x, std::size_t rows, float* all_outputs);
};

// The store keeps the last kv_positions keys in a circle: no max_context, and
// truncate can go back only as far as the window before it is still held.
class WindowStream final : public CausalStream {
 public:
  explicit WindowStream(SessionState& state) : CausalStream(state) {}
  Status truncate(uint64_t length) override;
  uint64_t kv_bytes_stored() const override;

 protected:
  Status check_room(std::size_t) const override { return Status::Ok(); }
};

}  // namespace ringrt
