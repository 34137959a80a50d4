// Which keys a query sees: the mask of a layer's attention (causal or not, with or
// without a sliding window) and the score transform (logit soft-capping). Shared by
// the query ring and the key split so both compute exactly the same attention.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>

namespace ringrt {

struct AttentionRule {
  bool causal = true;   // key t' is visible to query t only if t' <= t
  uint32_t window = 0;  // W > 0: also t - t' < W (causal) or |t - t'| < W (not causal)
  float softcap = 0;    // c > 0: scaled scores s become c * tanh(s / c)
  float scale = 1;      // 1 / sqrt(head_dim)

  // Visible key positions [*lo, *hi) of the query at `pos`, among keys [0, keys_end).
  void visible(uint64_t pos, uint64_t keys_end, uint64_t* lo, uint64_t* hi) const {
    uint64_t a = 0, b = keys_end;
    if (causal && pos + 1 < b) b = pos + 1;
    if (window) {
      a = pos + 1 > window ? pos + 1 - window : 0;
      if (!causal && pos + window < b) b = pos + window;
    }
    *lo = a;
    *hi = b > a ? b : a;
  }

  // The factor inside exp() once a score is soft-capped (c * tanh(q·k * softcap_inner())):
  // the online softmax computes exp((s - max) * exp_scale).
  float exp_scale() const { return softcap > 0 ? 1.0f : scale; }
  // The factor on the raw dot product inside the soft cap's tanh (0 without a cap).
  float softcap_inner() const { return softcap > 0 ? scale / softcap : 0.0f; }
};

// Final normalisation of one row of one head: acc / (sum + exp(sink)) in the units of
// the scores, where the running max is `max` (raw units, exp_scale applies). Without
// a sink (sink = -inf) this is acc / sum. Returns the factor to multiply acc by.
inline float normaliser(float max, float sum, float exp_scale, float sink) {
  if (sink == -INFINITY) return 1.0f / sum;
  const float m = max * exp_scale;
  const float top = m > sink ? m : sink;
  const float keep = std::exp(m - top);
  return keep / (sum * keep + std::exp(sink - top));
}

}  // namespace ringrt
