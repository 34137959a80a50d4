#include "synthetic_model.hpp"

#include <cmath>

namespace ringrt::convert {

namespace {

constexpr uint64_t kInputStream = 0x5eed1e55c0ffee01ull;  // decorrelates the input stream from the weights

// Natural logarithm for x > 0 from basic IEEE operations only: x = m * 2^e with
// m in [sqrt(1/2), sqrt(2)), log(m) = 2 atanh(s), s = (m - 1) / (m + 1), |s| < 0.172.
double portable_log(double x) {
  int e = 0;
  double m = std::frexp(x, &e);  // exact
  if (m < 0.70710678118654752440) {
    m *= 2.0;
    e -= 1;
  }
  const double s = (m - 1.0) / (m + 1.0);
  const double s2 = s * s;
  double term = s, sum = 0.0;
  for (int k = 1; k <= 31; k += 2) {
    sum += term / k;
    term *= s2;
  }
  return 2.0 * sum + e * 0.69314718055994530942;
}

}  // namespace

uint64_t SplitMix64::next() {
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

double SplitMix64::uniform() { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); }

double SplitMix64::uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }

double SplitMix64::normal() {
  if (have_spare_) {
    have_spare_ = false;
    return spare_;
  }
  double u, v, s;
  do {
    u = uniform(-1.0, 1.0);
    v = uniform(-1.0, 1.0);
    s = u * u + v * v;
  } while (s >= 1.0 || s == 0.0);
  const double f = std::sqrt(-2.0 * portable_log(s) / s);  // sqrt is correctly rounded
  spare_ = v * f;
  have_spare_ = true;
  return u * f;
}

SyntheticModel make_synthetic_model(const ModelOptions& options, uint64_t seed) {
  SyntheticModel model;
  model.options = options;
  SplitMix64 rng(seed);
  const std::size_t count = expected_tensor_count(options);
  for (std::size_t i = 0; i < count; ++i) {
    const TensorSpec spec = expected_tensor(options, i);
    const uint64_t elements = spec.rank == 1 ? spec.shape[0] : spec.shape[0] * spec.shape[1];
    std::vector<float>& values = model.tensors[spec.name];
    values.resize(elements);
    double lo = -0.02, hi = 0.02;  // biases and betas
    switch (spec.role) {
      case TensorRole::kInputKernel:
      case TensorRole::kQkvKernel:
      case TensorRole::kOutKernel:
      case TensorRole::kUpKernel:
      case TensorRole::kDownKernel: {
        const double a = std::sqrt(3.0 / static_cast<double>(spec.shape[0]));
        lo = -a;
        hi = a;
        break;
      }
      case TensorRole::kAttnNormGamma:
      case TensorRole::kFfnNormGamma:
      case TensorRole::kFinalNormGamma:
        lo = 0.9;
        hi = 1.1;
        break;
      case TensorRole::kAttnSinks:  // logits in the units of the scaled scores
        lo = -1.0;
        hi = 1.0;
        break;
      default:
        break;
    }
    for (float& v : values) v = static_cast<float>(rng.uniform(lo, hi));
  }
  return model;
}

std::vector<float> make_synthetic_input(uint64_t tokens, uint32_t embed_dim, uint64_t seed) {
  SplitMix64 rng(seed ^ kInputStream);
  std::vector<float> values(tokens * embed_dim);
  for (float& v : values) v = static_cast<float>(rng.normal());
  return values;
}

std::vector<SafetensorsEntry> synthetic_entries(const SyntheticModel& model, SourceDType dtype) {
  std::vector<SafetensorsEntry> entries;
  const std::size_t count = expected_tensor_count(model.options);
  for (std::size_t i = 0; i < count; ++i) {
    const TensorSpec spec = expected_tensor(model.options, i);
    entries.push_back({spec.name, dtype, std::vector<uint64_t>(spec.shape, spec.shape + spec.rank),
                       model.tensors.at(spec.name)});
  }
  return entries;
}

}  // namespace ringrt::convert
