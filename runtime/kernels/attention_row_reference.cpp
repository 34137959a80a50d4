// The streaming kernel's reference: attention_row.hpp's update as plain loops over
// the row's visible keys in double, each element decoded on its own.
#include <cmath>

#include "attention_row.hpp"
#include "fp16.hpp"

namespace ringrt {

namespace {

double element(const KvChunkView& v, std::size_t at, std::size_t position) {
  switch (v.dtype) {
    case KvDtype::kF16: return f16_to_f32(static_cast<const uint16_t*>(v.data)[at]);
    case KvDtype::kInt8: return static_cast<double>(static_cast<const int8_t*>(v.data)[at]) * v.scales[position];
    default: return static_cast<const float*>(v.data)[at];
  }
}

}  // namespace

void attend_row_reference(const AttentionRow& r) {
  const std::size_t lo = r.lo, hi = r.hi < r.keys ? r.hi : r.keys, D = r.dim;
  if (lo >= hi) return;
  double* p = reinterpret_cast<double*>(r.scratch);  // p[i - lo]: scores, then probabilities
  double m = *r.row_max;
  for (std::size_t i = lo; i < hi; ++i) {
    double x = 0;
    for (std::size_t d = 0; d < D; ++d) x += r.q[d] * element(r.k, i * r.k.stride + d, i);
    if (r.softcap > 0) x = r.softcap * std::tanh(x * r.softcap_inner);
    p[i - lo] = x;
    if (x > m) m = x;
  }
  if (m == -INFINITY) return;
  const double m_old = *r.row_max;
  const double keep = m_old == -INFINITY ? 0.0 : std::exp((m_old - m) * r.exp_scale);
  double total = 0;
  for (std::size_t i = lo; i < hi; ++i) {
    p[i - lo] = std::exp((p[i - lo] - m) * r.exp_scale);
    total += p[i - lo];
  }
  for (std::size_t d = 0; d < D; ++d) {
    double sum = 0;
    for (std::size_t i = lo; i < hi; ++i) sum += p[i - lo] * element(r.vt, d * r.vt.stride + i, i);
    r.o[d] = static_cast<float>(keep * r.o[d] + sum);
  }
  *r.row_max = static_cast<float>(m);
  *r.row_sum = static_cast<float>(*r.row_sum * keep + total);
}

}  // namespace ringrt
