// exp(x) for x <= 0, written once for single floats and for any GCC vector of
// floats (which lowers to SSE/AVX/AVX-512 on x86 and NEON on ARM), so a clamp is a
// vector select and not a branch that would stop vectorisation. Shared by the
// elementwise math (vector_math.cpp) and the attention kernels (attention_block_impl.hpp).
#pragma once

#include <cstdint>
#include <cstring>

namespace ringrt {

// x = n*ln2 + r with |r| <= ln2/2, exp(r) by a degree-6 polynomial (relative error
// < 2e-7), 2^n assembled in the exponent bits (in unsigned integers, so that a NaN
// argument, which the worker ring may meet in a row that sees a NaN key, gives NaN
// and no undefined shift); arguments below -87 give exp(-87). F is float or a vector
// of floats, U the unsigned integers of the same shape. Internal linkage: every
// translation unit (each compiled for its own instruction set) keeps its own copy.
template <typename F, typename U>
static inline F exp_nonpositive_t(F x) {
  x = x < -87.0f ? F{} - 87.0f : x;
  const F magic = F{} + 12582912.0f;  // 1.5 * 2^23: rounds to nearest integer
  const F t = x * 1.44269504088896341f + magic;
  const F n = t - magic;
  F r = x - n * 0.693145751953125f;
  r = r - n * 1.428606765330187045e-06f;
  F p = F{} + 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  U bits;
  std::memcpy(&bits, &t, sizeof bits);
  const U scale_bits = ((bits - 0x4B400000u) + 127u) << 23;  // integer n from t's mantissa
  F s;
  std::memcpy(&s, &scale_bits, sizeof s);
  return p * s;
}

}  // namespace ringrt
