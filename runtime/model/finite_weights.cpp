#include "finite_weights.hpp"

#include <cmath>
#include <cstring>

#include "finite_scan.hpp"
#include "fp16.hpp"

namespace ringrt {

Status check_finite_weights(const ModelOptions& options, const TensorView* tensors, std::size_t count,
                            const char* path) {
  for (std::size_t i = 0; i < count; ++i) {
    const TensorView& t = tensors[i];
    const std::size_t n = static_cast<std::size_t>(t.elements);
    const bool f16 = t.type == WeightType::kF16;
    const std::size_t at = f16 ? first_non_finite_f16(static_cast<const uint16_t*>(t.data), n)
                               : first_non_finite(static_cast<const float*>(t.data), n);
    if (at == n) continue;
    float value;
    if (f16) {
      uint16_t h;
      std::memcpy(&h, static_cast<const uint16_t*>(t.data) + at, sizeof h);
      value = f16_to_f32(h);
    } else {
      std::memcpy(&value, static_cast<const float*>(t.data) + at, sizeof value);
    }
    return Status::Error(StatusCode::kInvalidModel,
                         "%s: tensor %s holds %s at element %zu (of %zu, %s): a model's weights must be finite; "
                         "convert the model again from finite weights",
                         path, expected_tensor(options, i).name, std::isnan(value) ? "NaN" : "Inf", at, n,
                         f16 ? "f16" : "f32");
  }
  return Status::Ok();
}

}  // namespace ringrt
