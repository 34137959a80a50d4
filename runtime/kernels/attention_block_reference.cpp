// The fused attention kernel's reference: the formula of attention_block.hpp as
// plain loops over each row's visible keys, in double (std::exp, std::tanh). The
// tests hold every compiled variant to it.
#include <cmath>

#include "attention_block.hpp"

namespace ringrt {

void attend_block_reference(const AttentionBlock& b) {
  constexpr std::size_t W = kAttentionBlockRows;
  const std::size_t D = b.dim;
  for (std::size_t q = 0; q < b.rows; ++q) {
    const std::size_t lo = b.lo ? b.lo[q] : 0, hi = b.lo ? b.hi[q] : b.keys;
    if (lo >= hi) continue;
    double* scores = reinterpret_cast<double*>(b.scratch);  // keys doubles: 2 * keys floats
    double m = b.row_max[q];
    for (std::size_t i = lo; i < hi; ++i) {
      double x = 0;
      for (std::size_t d = 0; d < D; ++d) x += static_cast<double>(b.qt[d * W + q]) * b.k[i * b.k_stride + d];
      if (b.softcap > 0) x = b.softcap * std::tanh(x * b.softcap_inner);
      scores[i] = x;
      if (x > m) m = x;
    }
    const double m_old = b.row_max[q];
    const double keep = m_old == -INFINITY ? 0.0 : std::exp((m_old - m) * b.exp_scale);
    double total = 0;
    for (std::size_t i = lo; i < hi; ++i) {
      scores[i] = std::exp((scores[i] - m) * b.exp_scale);
      total += scores[i];
    }
    for (std::size_t d = 0; d < D; ++d) {
      double sum = 0;
      for (std::size_t i = lo; i < hi; ++i) sum += scores[i] * b.vt[d * b.vt_stride + i];
      b.ot[d * W + q] = static_cast<float>(keep * b.ot[d * W + q] + sum);
    }
    b.row_max[q] = static_cast<float>(m);
    b.row_sum[q] = static_cast<float>(keep * b.row_sum[q] + total);
  }
}

}  // namespace ringrt
