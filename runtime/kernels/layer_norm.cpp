#include "layer_norm.hpp"

#include <cmath>


namespace ringrt {

void layer_norm_rows(const float* in, float* out, std::size_t row_begin, std::size_t row_end,
                     std::size_t width, const float* gamma, const float* beta) {
  for (std::size_t r = row_begin; r < row_end; ++r) {
    const float* x = in + r * width;
    float* y = out + r * width;
    // Two passes in double: the mean and variance of a unit-scale row of a few
    // hundred floats, cheap next to the matmuls and free of cancellation.
    double sum = 0.0;
    for (std::size_t i = 0; i < width; ++i) sum += x[i];
    const double mean = sum / static_cast<double>(width);
    double sq = 0.0;
    for (std::size_t i = 0; i < width; ++i) {
      const double d = x[i] - mean;
      sq += d * d;
    }
    const double var = sq / static_cast<double>(width);
    const float inv = static_cast<float>(1.0 / std::sqrt(var + static_cast<double>(kLayerNormEpsilon)));
    const float m = static_cast<float>(mean);
    for (std::size_t i = 0; i < width; ++i) y[i] = (x[i] - m) * inv * gamma[i] + beta[i];
  }
}

}  // namespace ringrt
