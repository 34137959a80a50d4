// Row-wise LayerNorm: (x - mean) / sqrt(var + eps) * gamma + beta, biased variance.
#pragma once

#include <cstddef>

namespace ringrt {

// Normalises rows [row_begin, row_end) of `in` (row stride = width) into `out`.
void layer_norm_rows(const float* in, float* out, std::size_t row_begin, std::size_t row_end,
                     std::size_t width, const float* gamma, const float* beta);

}  // namespace ringrt
