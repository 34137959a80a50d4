// LayerNorm over the whole float range: rows of +-FLT_MAX, rows near FLT_MAX or
// FLT_MIN and rows far from zero normalise to finite values equal to the same
// LayerNorm computed in double.
#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <string>
#include <vector>

#include "layer_norm.hpp"

namespace ringrt {
namespace {

// The contract's LayerNorm of one row in double.
std::vector<double> layer_norm_double(const std::vector<float>& x, const std::vector<float>& gamma,
                                      const std::vector<float>& beta) {
  const std::size_t n = x.size();
  double mean = 0.0;
  for (float v : x) mean += v;
  mean /= static_cast<double>(n);
  double var = 0.0;
  for (float v : x) var += (v - mean) * (v - mean);
  var /= static_cast<double>(n);
  std::vector<double> y(n);
  for (std::size_t i = 0; i < n; ++i) y[i] = (x[i] - mean) / std::sqrt(var + 1e-5) * gamma[i] + beta[i];
  return y;
}

struct Row {
  std::string name;
  std::vector<float> x;
};

std::vector<Row> extreme_rows(std::size_t n) {
  std::vector<Row> rows;
  auto add = [&](const std::string& name, auto value) {
    Row r{name, std::vector<float>(n)};
    for (std::size_t i = 0; i < n; ++i) r.x[i] = value(i);
    rows.push_back(r);
  };
  add("every value FLT_MAX", [](std::size_t) { return FLT_MAX; });
  add("every value -FLT_MAX", [](std::size_t) { return -FLT_MAX; });
  add("+-FLT_MAX alternating", [](std::size_t i) { return i % 2 ? -FLT_MAX : FLT_MAX; });
  // The mean is near -FLT_MAX, so x - mean of the first value is near 2 FLT_MAX.
  add("one FLT_MAX, the rest -FLT_MAX", [](std::size_t i) { return i == 0 ? FLT_MAX : -FLT_MAX; });
  add("one -FLT_MAX, the rest FLT_MAX", [](std::size_t i) { return i == 3 ? -FLT_MAX : FLT_MAX; });
  add("FLT_MAX and its neighbours below", [](std::size_t i) {
    float v = FLT_MAX;
    for (std::size_t k = 0; k < i % 5; ++k) v = std::nextafter(v, 0.0f);
    return v;
  });
  add("ramp up to +-FLT_MAX", [n](std::size_t i) {
    return static_cast<float>(FLT_MAX * (2.0 * static_cast<double>(i) / static_cast<double>(n - 1) - 1.0));
  });
  // A large common offset: rounding the mean to float would move x - mean by 1e-3.
  add("offset 30000 plus unit values", [](std::size_t i) { return 30000.0f + std::cos(0.71f * static_cast<float>(i)); });
  add("FLT_MIN and subnormals", [](std::size_t i) { return i % 3 ? FLT_MIN : -FLT_MIN / 64; });
  add("unit scale", [](std::size_t i) { return std::sin(0.37f * static_cast<float>(i)) * 1.5f; });
  return rows;
}

TEST(LayerNormRange, ExtremeFiniteRowsMatchDouble) {
  for (std::size_t n : {std::size_t{8}, std::size_t{33}, std::size_t{256}}) {
    std::vector<float> gamma(n), beta(n);
    for (std::size_t i = 0; i < n; ++i) {
      gamma[i] = 0.5f + 0.01f * static_cast<float>(i % 100);
      beta[i] = 0.02f * static_cast<float>(i % 7) - 0.05f;
    }
    for (const Row& row : extreme_rows(n)) {
      std::vector<float> y(n, NAN);
      layer_norm_rows(row.x.data(), y.data(), 0, 1, n, gamma.data(), beta.data());
      const std::vector<double> want = layer_norm_double(row.x, gamma, beta);
      for (std::size_t i = 0; i < n; ++i) {
        ASSERT_TRUE(std::isfinite(y[i])) << row.name << ", width " << n << ", feature " << i << ": " << y[i];
        EXPECT_NEAR(y[i], want[i], 1e-6 * (1.0 + std::fabs(want[i]))) << row.name << ", width " << n << ", feature " << i;
      }
    }
  }
}

// Rows are independent: an extreme row between two ordinary ones changes neither.
TEST(LayerNormRange, ExtremeRowLeavesItsNeighboursAlone) {
  const std::size_t n = 64;
  std::vector<float> x(3 * n), gamma(n, 1.0f), beta(n, 0.0f);
  for (std::size_t i = 0; i < n; ++i) {
    x[i] = x[2 * n + i] = 0.1f * static_cast<float>(i);
    x[n + i] = i == 0 ? FLT_MAX : -FLT_MAX;
  }
  std::vector<float> all(3 * n), one(n);
  layer_norm_rows(x.data(), all.data(), 0, 3, n, gamma.data(), beta.data());
  layer_norm_rows(x.data(), one.data(), 0, 1, n, gamma.data(), beta.data());
  for (std::size_t i = 0; i < n; ++i) {
    EXPECT_EQ(all[i], one[i]);
    EXPECT_EQ(all[2 * n + i], one[i]);
    EXPECT_TRUE(std::isfinite(all[n + i]));
  }
}

}  // namespace
}  // namespace ringrt
