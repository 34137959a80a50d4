#include "model_contract.hpp"

#include <cstdio>

namespace ringrt {

Status validate_options(const ModelOptions& o, const char* origin) {
  struct Field {
    const char* name;
    uint32_t value;
    uint32_t max;
  };
  const Field fields[] = {
      {"embed_dim", o.embed_dim, kMaxDimension},   {"hidden_size", o.hidden_size, kMaxDimension},
      {"num_heads", o.num_heads, kMaxDimension},   {"num_layers", o.num_layers, kMaxLayers},
      {"num_chunks", o.num_chunks, 0xffffffffu},   {"window_size", o.window_size, 0xffffffffu},
  };
  for (const Field& f : fields) {
    if (f.value == 0) {
      return Status::Error(StatusCode::kInvalidArgument, "%s: option '%s' must be at least 1, got 0",
                           origin, f.name);
    }
    if (f.value > f.max) {
      return Status::Error(StatusCode::kInvalidArgument, "%s: option '%s' is %u, above the limit of %u",
                           origin, f.name, f.value, f.max);
    }
  }
  if (o.hidden_size % o.num_heads != 0) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "%s: hidden_size %u is not divisible by num_heads %u", origin,
                         o.hidden_size, o.num_heads);
  }
  if (!(o.dropout >= 0.0f && o.dropout < 1.0f)) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "%s: option 'dropout' must be in [0, 1), got %g", origin,
                         static_cast<double>(o.dropout));
  }
  return Status::Ok();
}

std::size_t expected_tensor_count(const ModelOptions& o) {
  return (o.has_input_projection() ? 2 : 0) + static_cast<std::size_t>(o.num_layers) * kTensorsPerLayer + 2;
}

namespace {

TensorSpec make(TensorRole role, uint32_t layer, const char* name, uint64_t d0, uint64_t d1 = 0) {
  TensorSpec s{};
  std::snprintf(s.name, sizeof s.name, "%s", name);
  s.role = role;
  s.layer = layer;
  s.rank = d1 ? 2 : 1;
  s.shape[0] = d0;
  s.shape[1] = d1;
  return s;
}

}  // namespace

TensorSpec expected_tensor(const ModelOptions& o, std::size_t index) {
  const uint64_t E = o.embed_dim, H = o.hidden_size;
  if (o.has_input_projection()) {
    if (index == 0) return make(TensorRole::kInputKernel, 0, "input_projection.kernel", E, H);
    if (index == 1) return make(TensorRole::kInputBias, 0, "input_projection.bias", H);
    index -= 2;
  }
  const std::size_t layer_tensors = static_cast<std::size_t>(o.num_layers) * kTensorsPerLayer;
  if (index >= layer_tensors) {
    return index == layer_tensors ? make(TensorRole::kFinalNormGamma, 0, "final_norm.gamma", H)
                                  : make(TensorRole::kFinalNormBeta, 0, "final_norm.beta", H);
  }
  const uint32_t layer = static_cast<uint32_t>(index / kTensorsPerLayer) + 1;
  char name[kMaxTensorName];
  auto named = [&](const char* suffix) {
    std::snprintf(name, sizeof name, "ring_%u_%s", layer, suffix);
    return name;
  };
  switch (index % kTensorsPerLayer) {
    case 0: return make(TensorRole::kAttnNormGamma, layer, named("attn_norm.gamma"), H);
    case 1: return make(TensorRole::kAttnNormBeta, layer, named("attn_norm.beta"), H);
    case 2: return make(TensorRole::kQkvKernel, layer, named("qkv.kernel"), H, 3 * H);
    case 3: return make(TensorRole::kQkvBias, layer, named("qkv.bias"), 3 * H);
    case 4: return make(TensorRole::kOutKernel, layer, named("out_proj.kernel"), H, H);
    case 5: return make(TensorRole::kOutBias, layer, named("out_proj.bias"), H);
    case 6: return make(TensorRole::kFfnNormGamma, layer, named("ffn_norm.gamma"), H);
    case 7: return make(TensorRole::kFfnNormBeta, layer, named("ffn_norm.beta"), H);
    case 8: return make(TensorRole::kUpKernel, layer, named("ffn_up.kernel"), H, 4 * H);
    case 9: return make(TensorRole::kUpBias, layer, named("ffn_up.bias"), 4 * H);
    case 10: return make(TensorRole::kDownKernel, layer, named("ffn_down.kernel"), 4 * H, H);
    default: return make(TensorRole::kDownBias, layer, named("ffn_down.bias"), H);
  }
}

const char* format_shape(const uint64_t* shape, std::size_t rank, char* buf, std::size_t buf_size) {
  std::size_t used = 0;
  used += static_cast<std::size_t>(std::snprintf(buf, buf_size, "["));
  for (std::size_t i = 0; i < rank && used < buf_size; ++i) {
    used += static_cast<std::size_t>(std::snprintf(buf + used, buf_size - used, "%s%llu", i ? ", " : "",
                                                   static_cast<unsigned long long>(shape[i])));
  }
  if (used < buf_size) std::snprintf(buf + used, buf_size - used, "]");
  return buf;
}

}  // namespace ringrt
