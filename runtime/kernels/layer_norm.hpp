// Row-wise LayerNorm: (x - mean) / sqrt(var + eps) * gamma + beta, biased variance.
// Any finite row normalises to finite values (|(x - mean) / sqrt(var + eps)| <
// sqrt(width)); only gamma and beta can take the result past FLT_MAX.
#pragma once

#include <cstddef>

namespace ringrt {

// The model contract's epsilon (docs/model-contract.md).
constexpr float kLayerNormEpsilon = 1e-5f;

// Normalises rows [row_begin, row_end) of `in` (row stride = width) into `out`.
void layer_norm_rows(const float* in, float* out, std::size_t row_begin, std::size_t row_end,
                     std::size_t width, const float* gamma, const float* beta);

}  // namespace ringrt
