// Bidirectional models (session_mode.hpp): every query of a layer needs the keys
// of every position, so the sequence runs layer by layer instead of round by round
// through all layers (layer_by_layer.cpp).
#pragma once

#include "session_mode.hpp"

namespace ringrt {

class LayerByLayer final : public SessionMode {
 public:
  explicit LayerByLayer(SessionState& state) : SessionMode(state) {}
  Status append(const float* x, std::size_t tokens, std::size_t width, float* all_outputs) override;
  Status append_deferred(const float* x, std::size_t tokens, std::size_t width) override;
  Status truncate(uint64_t length) override;
  uint64_t kv_bytes_stored() const override;

 private:
  // The embedded input of `tokens` new positions -> the residual store's inputs.
  Status store_inputs(const float* x, std::size_t tokens);
  // One layer over positions [0, total): keys (pass 1) or queries (pass 2).
  Status layer_pass(uint32_t layer, uint64_t total, bool keys);
};

}  // namespace ringrt
