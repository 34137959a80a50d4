// Every weight of a model is finite: the converter refuses NaN and Inf, and the
// loader refuses a file that holds them anyway (written by another tool, or edited
// with its checksum recomputed), naming the tensor and the element.
#pragma once

#include <cstddef>

#include "model_impl.hpp"

namespace ringrt {

// Scans the `count` tensors (contract order, as `options` expects them) of the
// model file at `path`; f32 and f16 storage.
Status check_finite_weights(const ModelOptions& options, const TensorView* tensors, std::size_t count,
                            const char* path);

}  // namespace ringrt
