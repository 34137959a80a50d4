// The FMA peak's inner loop (fma_peak.hpp), written once for any vector of floats:
// N independent chains acc = acc * a + b, each a multiply-add of its own latency
// (without -ffast-math no compiler may fold or reorder them).
// Internal linkage: each ISA's file keeps its own copy.
#pragma once

#include <cstring>

#if defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wpsabi"
#endif

namespace bench {
namespace {

template <typename F, int N>
double fma_chains(long iterations, float* out) {
  constexpr int L = sizeof(F) / sizeof(float);
  F acc[N];
  for (int i = 0; i < N; ++i) acc[i] = F{} + 1e-3f * static_cast<float>(i + 1);
  const F a = F{} + 0.999999f, b = F{} + 1e-7f;
  for (long it = 0; it < iterations; ++it) {
#pragma GCC unroll 32
    for (int i = 0; i < N; ++i) acc[i] = acc[i] * a + b;
  }
  F sum = acc[0];
  for (int i = 1; i < N; ++i) sum += acc[i];
  float lanes[L];
  std::memcpy(lanes, &sum, sizeof lanes);
  float s = 0;
  for (int l = 0; l < L; ++l) s += lanes[l];
  *out = s;
  return 2.0 * L * N * static_cast<double>(iterations);
}

}  // namespace
}  // namespace bench
