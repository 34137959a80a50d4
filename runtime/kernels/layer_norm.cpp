#include "layer_norm.hpp"

#include <cmath>


namespace ringrt {

namespace {

// A row normalises in float when var < 1e70 and |mean| <= 16 standard deviations:
// then |x - mean| <= sqrt(width * var) is at most 2.6e37 (width <= 65536), 1 /
// sqrt(var) at least 1e-35, both well inside the normal floats, and rounding the
// mean to float moves x - mean by at most 1e-6 of a standard deviation. Any other
// row normalises in double: there (x - mean) of finite floats can exceed FLT_MAX (a
// row of +-FLT_MAX), 1 / sqrt(var) fall below FLT_MIN, or the float mean be off by
// a large part of the spread (values near FLT_MAX a few ulps apart), but the
// normalised value is at most sqrt(width) in magnitude and rounds well to float.
constexpr double kFloatVarianceLimit = 1e70;
constexpr double kFloatMeanInDeviations = 16.0;

}  // namespace

void layer_norm_rows(const float* in, float* out, std::size_t row_begin, std::size_t row_end,
                     std::size_t width, const float* gamma, const float* beta) {
  for (std::size_t r = row_begin; r < row_end; ++r) {
    const float* x = in + r * width;
    float* y = out + r * width;
    // Two passes in double: the mean and variance of a unit-scale row of a few
    // hundred floats, cheap next to the matmuls and free of cancellation. Every
    // finite row fits: (2 FLT_MAX)^2 * 65536 is far below DBL_MAX.
    double sum = 0.0;
    for (std::size_t i = 0; i < width; ++i) sum += x[i];
    const double mean = sum / static_cast<double>(width);
    double sq = 0.0;
    for (std::size_t i = 0; i < width; ++i) {
      const double d = x[i] - mean;
      sq += d * d;
    }
    const double var = sq / static_cast<double>(width);
    const double inv = 1.0 / std::sqrt(var + static_cast<double>(kLayerNormEpsilon));
    if (var < kFloatVarianceLimit && mean * mean <= kFloatMeanInDeviations * kFloatMeanInDeviations * var) {
      const float m = static_cast<float>(mean), inv_f = static_cast<float>(inv);
      for (std::size_t i = 0; i < width; ++i) y[i] = (x[i] - m) * inv_f * gamma[i] + beta[i];
    } else {
      for (std::size_t i = 0; i < width; ++i) y[i] = static_cast<float>((x[i] - mean) * inv) * gamma[i] + beta[i];
    }
  }
}

}  // namespace ringrt
