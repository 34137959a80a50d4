#include "model_contract.hpp"

#include <cmath>
#include <cstdio>

namespace ringrt {

namespace {

// One attention option of a model as compared with Edifice's attention.
struct AttentionOption {
  const char* name;
  bool edifice;   // the model has Edifice's value
  char text[32];  // the model's value, for messages
};

constexpr std::size_t kAttentionOptionCount = 5;

// Option i (in the order causal, num_kv_heads, sliding_window, logit_softcap,
// attention_sinks) of `o`.
AttentionOption attention_option(const ModelOptions& o, std::size_t i) {
  AttentionOption a{};
  switch (i) {
    case 0:
      a = {"causal", o.causal, {}};
      std::snprintf(a.text, sizeof a.text, "%s", o.causal ? "true" : "false");
      break;
    case 1:
      a = {"num_kv_heads", o.kv_heads() == o.num_heads, {}};
      std::snprintf(a.text, sizeof a.text, "%u", o.kv_heads());
      break;
    case 2:
      a = {"sliding_window", o.sliding_window == 0, {}};
      std::snprintf(a.text, sizeof a.text, "%u", o.sliding_window);
      break;
    case 3:
      a = {"logit_softcap", o.logit_softcap == 0.0f, {}};
      std::snprintf(a.text, sizeof a.text, "%g", static_cast<double>(o.logit_softcap));
      break;
    default:
      a = {"attention_sinks", !o.attention_sinks, {}};
      std::snprintf(a.text, sizeof a.text, "%s", o.attention_sinks ? "true" : "false");
      break;
  }
  return a;
}

}  // namespace

const char* architecture_name(Architecture a) {
  switch (a) {
    case Architecture::kEdificeRingAttention: return "edifice_ring_attention";
    case Architecture::kRingEncoder: return "ring_encoder";
  }
  return nullptr;
}

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
  if (!architecture_name(o.architecture)) {
    return Status::Error(StatusCode::kInvalidArgument, "%s: unknown architecture %u", origin,
                         static_cast<unsigned>(o.architecture));
  }
  if (o.num_heads % o.kv_heads() != 0) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "%s: num_heads %u is not divisible by num_kv_heads %u (every kv head serves "
                         "num_heads / num_kv_heads query heads)",
                         origin, o.num_heads, o.kv_heads());
  }
  if (!(std::isfinite(o.logit_softcap) && o.logit_softcap >= 0.0f)) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "%s: option 'logit_softcap' must be a finite number >= 0 (0: no cap), got %g", origin,
                         static_cast<double>(o.logit_softcap));
  }
  // A cap below the normal floats is no cap the attention can apply: c * tanh(s / c)
  // with a subnormal c has lost its precision (and a smaller one is stored as 0).
  if (o.logit_softcap > 0.0f && !std::isnormal(o.logit_softcap)) {
    return Status::Error(StatusCode::kInvalidArgument, "%s: option 'logit_softcap' is %g, %s", origin,
                         static_cast<double>(o.logit_softcap), kSoftcapBelowNormal);
  }
  if (o.architecture == Architecture::kEdificeRingAttention) {
    for (std::size_t i = 0; i < kAttentionOptionCount; ++i) {
      const AttentionOption a = attention_option(o, i);
      if (!a.edifice) {
        return Status::Error(StatusCode::kInvalidArgument,
                             "%s: option '%s' = %s needs architecture ring_encoder (an "
                             "edifice_ring_attention model has Edifice's attention)",
                             origin, a.name, a.text);
      }
    }
  }
  return Status::Ok();
}

Status check_runtime_support(const ModelOptions& o) {
  // The attention options this runtime build runs beyond Edifice's values, in
  // attention_option order. Set an entry once the runtime implements that option.
  constexpr bool kRuns[kAttentionOptionCount] = {
      true,   // causal = false
      true,   // num_kv_heads != num_heads
      true,   // sliding_window > 0
      true,   // logit_softcap > 0
      true,   // attention_sinks
  };
  for (std::size_t i = 0; i < kAttentionOptionCount; ++i) {
    const AttentionOption a = attention_option(o, i);
    if (!a.edifice && !kRuns[i]) {
      return Status::Error(StatusCode::kUnsupportedVersion,
                           "model option %s = %s is not supported by this runtime build yet", a.name, a.text);
    }
  }
  return Status::Ok();
}

namespace {

// The tensors of one layer in file order (kAttnSinks only with attention_sinks).
constexpr TensorRole kLayerRoles[] = {
    TensorRole::kAttnNormGamma, TensorRole::kAttnNormBeta, TensorRole::kQkvKernel, TensorRole::kQkvBias,
    TensorRole::kAttnSinks,     TensorRole::kOutKernel,    TensorRole::kOutBias,   TensorRole::kFfnNormGamma,
    TensorRole::kFfnNormBeta,   TensorRole::kUpKernel,     TensorRole::kUpBias,    TensorRole::kDownKernel,
    TensorRole::kDownBias};
constexpr std::size_t kSinksPosition = 4;  // of kAttnSinks in kLayerRoles

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

TensorSpec layer_tensor(const ModelOptions& o, TensorRole role, uint32_t layer) {
  const uint64_t H = o.hidden_size, Q = o.qkv_width();
  char name[kMaxTensorName];
  auto named = [&](const char* suffix) {
    std::snprintf(name, sizeof name, "ring_%u_%s", layer, suffix);
    return name;
  };
  switch (role) {
    case TensorRole::kAttnNormGamma: return make(role, layer, named("attn_norm.gamma"), H);
    case TensorRole::kAttnNormBeta: return make(role, layer, named("attn_norm.beta"), H);
    case TensorRole::kQkvKernel: return make(role, layer, named("qkv.kernel"), H, Q);
    case TensorRole::kQkvBias: return make(role, layer, named("qkv.bias"), Q);
    case TensorRole::kAttnSinks: return make(role, layer, named("attn_sinks"), o.num_heads);
    case TensorRole::kOutKernel: return make(role, layer, named("out_proj.kernel"), H, H);
    case TensorRole::kOutBias: return make(role, layer, named("out_proj.bias"), H);
    case TensorRole::kFfnNormGamma: return make(role, layer, named("ffn_norm.gamma"), H);
    case TensorRole::kFfnNormBeta: return make(role, layer, named("ffn_norm.beta"), H);
    case TensorRole::kUpKernel: return make(role, layer, named("ffn_up.kernel"), H, 4 * H);
    case TensorRole::kUpBias: return make(role, layer, named("ffn_up.bias"), 4 * H);
    case TensorRole::kDownKernel: return make(role, layer, named("ffn_down.kernel"), 4 * H, H);
    default: return make(TensorRole::kDownBias, layer, named("ffn_down.bias"), H);
  }
}

}  // namespace

uint32_t tensors_per_layer(const ModelOptions& o) { return o.attention_sinks ? 13 : 12; }

std::size_t expected_tensor_count(const ModelOptions& o) {
  return (o.has_input_projection() ? 2 : 0) + static_cast<std::size_t>(o.num_layers) * tensors_per_layer(o) + 2;
}

TensorSpec expected_tensor(const ModelOptions& o, std::size_t index) {
  const uint64_t E = o.embed_dim, H = o.hidden_size;
  if (o.has_input_projection()) {
    if (index == 0) return make(TensorRole::kInputKernel, 0, "input_projection.kernel", E, H);
    if (index == 1) return make(TensorRole::kInputBias, 0, "input_projection.bias", H);
    index -= 2;
  }
  const std::size_t per_layer = tensors_per_layer(o);
  const std::size_t layer_tensors = static_cast<std::size_t>(o.num_layers) * per_layer;
  if (index >= layer_tensors) {
    return index == layer_tensors ? make(TensorRole::kFinalNormGamma, 0, "final_norm.gamma", H)
                                  : make(TensorRole::kFinalNormBeta, 0, "final_norm.beta", H);
  }
  std::size_t position = index % per_layer;
  if (!o.attention_sinks && position >= kSinksPosition) ++position;
  return layer_tensor(o, kLayerRoles[position], static_cast<uint32_t>(index / per_layer) + 1);
}

std::size_t expected_tensor_index(const ModelOptions& o, TensorRole role, uint32_t layer) {
  const std::size_t in = o.has_input_projection() ? 2 : 0;
  const std::size_t per_layer = tensors_per_layer(o);
  const std::size_t layers_end = in + static_cast<std::size_t>(o.num_layers) * per_layer;
  switch (role) {
    case TensorRole::kInputKernel: return 0;
    case TensorRole::kInputBias: return 1;
    case TensorRole::kFinalNormGamma: return layers_end;
    case TensorRole::kFinalNormBeta: return layers_end + 1;
    default: break;
  }
  std::size_t position = 0;
  while (kLayerRoles[position] != role) ++position;
  if (!o.attention_sinks && position > kSinksPosition) --position;
  return in + static_cast<std::size_t>(layer - 1) * per_layer + position;
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
