// Deterministic synthetic weights and inputs, identical on every platform and
// compiler: a splitmix64 generator, uniform values from its top 53 bits, normal
// values by Marsaglia's polar method with a self-contained logarithm (this file
// is compiled with -ffp-contract=off, so no fused multiply-add changes a bit).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "dtypes.hpp"
#include "model_contract.hpp"
#include "safetensors_writer.hpp"

namespace ringrt::convert {

class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t next();
  double uniform();                     // [0, 1)
  double uniform(double lo, double hi);  // [lo, hi)
  double normal();                      // N(0, 1)

 private:
  uint64_t state_;
  bool have_spare_ = false;
  double spare_ = 0.0;
};

struct SyntheticModel {
  ModelOptions options;
  std::map<std::string, std::vector<float>> tensors;  // by name, row-major values
};

// Weights for `options` (which must be valid), drawn in contract order from one
// stream seeded with `seed`, scaled so activations stay near unit scale:
//   kernels [in, out]: uniform(+-sqrt(3 / in))      (standard deviation 1/sqrt(in))
//   biases:            uniform(+-0.02)
//   LayerNorm gamma:   1 + uniform(+-0.1),  beta: uniform(+-0.02)
//   attention sinks:   uniform(+-1)            (ring_encoder with attention_sinks)
SyntheticModel make_synthetic_model(const ModelOptions& options, uint64_t seed);

// tokens * embed_dim N(0, 1) values (row-major [tokens, embed_dim]) from a stream
// independent of the weights' stream for the same seed.
std::vector<float> make_synthetic_input(uint64_t tokens, uint32_t embed_dim, uint64_t seed);

// The model's tensors as safetensors entries of `dtype`, in contract order.
std::vector<SafetensorsEntry> synthetic_entries(const SyntheticModel& model, SourceDType dtype);

}  // namespace ringrt::convert
