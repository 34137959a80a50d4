// Vectorisable elementwise math: exp and gelu written so the compiler turns the
// loops into SIMD (SSE/AVX2 on x86, NEON on ARM) without -ffast-math. The .cpp is
// built with -O3, and on x86-64 with an AVX2+FMA clone picked at run time.
#pragma once

#include <cstddef>

namespace ringrt {

// x[i] = exp((x[i] - shift) * scale) for i < n; returns the sum of the results.
// Inputs are finite and x[i] <= shift, so arguments are <= 0 (relative error < 2e-7).
float exp_shifted_sum(float* x, std::size_t n, float shift, float scale);

// x[i] = exp((x[i] - shift[i]) * scale) for i < n, with (x[i] - shift[i]) <= 0.
void exp_shifted_each(float* x, const float* shift, std::size_t n, float scale);

// x[i] = x[i] * 0.5 * (1 + erf(x[i] / sqrt(2)))  (exact-form gelu, |error| < 4e-7 * |x|)
void gelu_inplace(float* x, std::size_t n);

// Largest of x[0..n), n >= 1.
float max_of(const float* x, std::size_t n);

}  // namespace ringrt
