// The vectorised kernels against libm in double precision, over their whole input
// ranges, with lengths that exercise both the 8-wide body and the scalar tail.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "vector_math.hpp"

namespace ringrt {
namespace {

TEST(VectorMath, ExpShiftedSumMatchesLibm) {
  for (std::size_t n : {1u, 7u, 8u, 9u, 256u, 1001u}) {
    std::vector<float> x(n);
    for (std::size_t i = 0; i < n; ++i) x[i] = -100.0f * static_cast<float>(i) / static_cast<float>(n) + 3.0f;
    const float shift = 3.0f, scale = 0.9f;
    std::vector<float> y = x;
    const float sum = exp_shifted_sum(y.data(), n, shift, scale);
    double ref_sum = 0.0, worst = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      // The argument as the kernel forms it, in float: this checks exp itself.
      const double arg = (x[i] - shift) * scale;
      const double e = std::exp(arg < -87.0 ? -87.0 : arg);
      ref_sum += e;
      worst = std::max(worst, std::fabs(y[i] - e) / e);
    }
    EXPECT_LT(worst, 4e-7) << "n=" << n;
    EXPECT_NEAR(sum, ref_sum, 1e-6 * ref_sum) << "n=" << n;
  }
}

TEST(VectorMath, ExpShiftedEachUsesItsOwnShift) {
  std::vector<float> x = {0.0f, -1.0f, 2.0f, -3.0f, 4.0f, -5.0f, 6.0f, -7.0f, 8.0f, 1.5f};
  std::vector<float> shift = {0.0f, 0.0f, 2.0f, 0.0f, 5.0f, 0.0f, 6.0f, 0.0f, 9.0f, 1.5f};
  std::vector<float> y = x;
  exp_shifted_each(y.data(), shift.data(), x.size(), 0.5f);
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double e = std::exp(static_cast<double>((x[i] - shift[i]) * 0.5f));
    EXPECT_NEAR(y[i], e, 4e-7 * e) << i;
  }
}

TEST(VectorMath, GeluMatchesTheExactForm) {
  std::vector<float> x;
  for (int i = -1200; i <= 1200; ++i) x.push_back(static_cast<float>(i) / 100.0f);
  std::vector<float> y = x;
  gelu_inplace(y.data(), y.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double v = x[i];
    const double ref = 0.5 * v * (1.0 + std::erf(v / std::sqrt(2.0)));
    EXPECT_NEAR(y[i], ref, 4e-7 * std::fabs(v) + 1e-7) << "x=" << v;
  }
}

TEST(VectorMath, MaxOfFindsTheLargest) {
  for (std::size_t n : {1u, 5u, 8u, 17u, 300u}) {
    for (std::size_t at = 0; at < n; at += (n > 10 ? 7 : 1)) {
      std::vector<float> x(n, -5.0f);
      x[at] = 2.5f;
      EXPECT_EQ(max_of(x.data(), n), 2.5f) << "n=" << n << " at=" << at;
    }
  }
}

}  // namespace
}  // namespace ringrt
