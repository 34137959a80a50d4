// exp(x) for x <= 0, written once for single floats and for any GCC vector of
// floats (which lowers to SSE/AVX/AVX-512 on x86 and NEON on ARM), so a clamp is a
// vector select and not a branch that would stop vectorisation. Shared by the
// elementwise math (vector_math.cpp) and the attention kernels (attention_block_impl.hpp).
#pragma once

#include <cstdint>
#include <cstring>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace ringrt {

// exp(x - n*ln2) for an integer n with |x - n*ln2| <= ln2/2: the remainder r taken
// in two parts (ln2's high bits are exact in float), then degree-5 minimax coefficients.
template <typename F>
static inline F exp_remainder(F x, F n) {
  F r = x - n * 0.693145751953125f;
  r = r - n * 1.428606765330187045e-06f;
  F p = F{} + 0x1.0F9F9Cp-7f;
  p = p * r + 0x1.573A1Ap-5f;
  p = p * r + 0x1.555A80p-3f;
  p = p * r + 0x1.FFFDC6p-2f;
  p = p * r + 0x1.FFFFF6p-1f;
  return p * r + 1.0f;
}

// x = n*ln2 + r with |r| <= ln2/2, exp(r) by a degree-5 minimax polynomial (relative
// error < 1.7e-7 over [-87, 0], measured against double exp), 2^n assembled in the
// exponent bits (in unsigned integers, so that a NaN argument, which the worker ring
// may meet in a row that sees a NaN key, gives NaN and no undefined shift); arguments
// below -87 give exp(-87). F is float or a vector of floats, U the unsigned integers
// of the same shape. Internal linkage: every translation unit (each compiled for its
// own instruction set) keeps its own copy.
template <typename F, typename U>
static inline F exp_nonpositive_t(F x) {
  x = x < -87.0f ? F{} - 87.0f : x;
  const F magic = F{} + 12582912.0f;  // 1.5 * 2^23: rounds to nearest integer
  const F t = x * 1.44269504088896341f + magic;
  const F n = t - magic;
  F p = exp_remainder(x, n);
  U bits;
  std::memcpy(&bits, &t, sizeof bits);
  const U scale_bits = ((bits - 0x4B400000u) + 127u) << 23;  // integer n from t's mantissa
  F s;
  std::memcpy(&s, &scale_bits, sizeof s);
  return p * s;
}

#if defined(__AVX512F__)
// AVX-512: the same n and r, 2^n applied by vscalefps, which also takes every
// argument below -87 to exp's own value (a subnormal or 0) without a clamp.
typedef float ExpF16 __attribute__((vector_size(64)));
typedef uint32_t ExpU16 __attribute__((vector_size(64)));
template <>
inline ExpF16 exp_nonpositive_t<ExpF16, ExpU16>(ExpF16 x) {
  const ExpF16 n = (ExpF16)_mm512_maskz_roundscale_ps(0xFFFF, (__m512)(x * 1.44269504088896341f), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  return (ExpF16)_mm512_maskz_scalef_ps(0xFFFF, (__m512)exp_remainder(x, n), (__m512)n);
}
#endif

}  // namespace ringrt
