// A naive, double-precision reference of the model in docs/model-contract.md and of the
// ring_encoder architecture with every attention option (README.md, "Model
// architectures"), written straight from the math and independent of any runtime
// code. Tests compare the runtime's float32 results against it.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "model_contract.hpp"

namespace ringrt_ref {

// the contract's tensor names (docs/model-contract.md) ("ring_1_qkv.kernel", ...; "ring_1_attn_sinks" with
// attention_sinks) -> row-major float values. Kernels are stored [in, out]; the
// qkv kernel is [H, (num_heads + 2 num_kv_heads) * head_dim]. A missing or wrongly sized tensor aborts with a
// message on stderr (this is test code).
using Weights = std::map<std::string, std::vector<float>>;

// x: T*E floats, row-major [T, E]. Returns the final-normed output of every
// timestep, T*H doubles row-major [T, H]. T must be >= 1. The options' architecture
// is not consulted: the attention options define the computation (an Edifice model
// has their defaults), and num_kv_heads 0 means num_heads.
std::vector<double> forward_all(const ringrt::ModelOptions& o, const Weights& w, const float* x,
                                std::size_t T);

// The model's output: row T-1 of forward_all, H doubles (cheaper: the last layer
// only computes the last row).
std::vector<double> forward_last(const ringrt::ModelOptions& o, const Weights& w, const float* x,
                                 std::size_t T);

// max_i |a[i] - b[i]| computed in double. Equal values (also equal infinities)
// differ by 0; a NaN on either side, or unequal infinities, give +infinity, so
// NaNs never hide.
double max_abs_diff(const float* a, const double* b, std::size_t n);

}  // namespace ringrt_ref
