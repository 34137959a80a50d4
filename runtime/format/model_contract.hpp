// The weight-name contract of docs/model-contract.md and of the ring_encoder
// architecture (README.md, "Model architectures"): the model options, their
// validation, and the exact list of tensors (name, shape) a model must contain.
// Shared by the converter (checks safetensors) and the runtime (checks .rrt files),
// so the two can never disagree.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ringrt/status.hpp"

namespace ringrt {

constexpr uint16_t kSchemaMajor = 1;
constexpr uint16_t kSchemaMinor = 1;  // 1.1: RingEncoder and its attention options
constexpr uint64_t kTensorAlignment = 64;
constexpr const char* kFileIdentifier = "RRT1";

// Upper bounds that keep every size product far from 64-bit overflow and every
// per-row size within 32 bits (XNNPACK takes size_t, but strides of 2^31 floats are
// never sensible on a board).
constexpr uint32_t kMaxDimension = 1u << 16;  // embed_dim, hidden_size
constexpr uint32_t kMaxLayers = 1024;

// Why a logit_softcap above 0 but below FLT_MIN is refused (validate_options here,
// and the converter for a JSON number that a float32 would round to 0).
constexpr const char* kSoftcapBelowNormal =
    "below the smallest normal float32 (1.17549e-38): a cap that small cannot be applied (it is stored as 0, "
    "which means no cap, or loses its precision); use 0 for no cap or a cap of at least 1.17549e-38";

// The computation the tensors describe (the values of fb::Architecture).
enum class Architecture : uint32_t {
  kEdificeRingAttention = 0,  // docs/model-contract.md; JSON "edifice_ring_attention"
  kRingEncoder = 1,           // Edifice layout + attention options; JSON "ring_encoder"
};

// The JSON name of `a` ("edifice_ring_attention", "ring_encoder"), or nullptr.
const char* architecture_name(Architecture a);

struct ModelOptions {
  uint32_t embed_dim = 0;  // required
  uint32_t hidden_size = 256;
  uint32_t num_heads = 4;
  uint32_t num_chunks = 4;
  uint32_t num_layers = 4;
  float dropout = 0.1f;
  uint32_t window_size = 60;
  // The attention options. Only kRingEncoder may leave Edifice's values (the defaults).
  Architecture architecture = Architecture::kEdificeRingAttention;
  bool causal = true;               // false: every query sees every key
  uint32_t num_kv_heads = 0;        // 0 means num_heads (the config reader resolves it)
  uint32_t sliding_window = 0;      // W > 0: keys with t - t' < W (|t - t'| < W when not causal)
  float logit_softcap = 0.0f;       // c > 0: scores become c * tanh(s / c)
  bool attention_sinks = false;     // tensor ring_{l}_attn_sinks [num_heads] per layer

  uint32_t head_dim() const { return num_heads ? hidden_size / num_heads : 0; }
  bool has_input_projection() const { return embed_dim != hidden_size; }
  uint32_t kv_heads() const { return num_kv_heads ? num_kv_heads : num_heads; }
  // Columns of the QKV projection: Q of every head, then K and V of the kv heads.
  uint32_t qkv_width() const { return (num_heads + 2 * kv_heads()) * head_dim(); }
};

// Checks every option is in range (sizes >= 1, hidden_size divisible by num_heads,
// no dimension above kMaxDimension, a known architecture, num_heads divisible by
// kv_heads(), logit_softcap finite and >= 0) and that an Edifice model keeps
// Edifice's attention. `origin` names the file in the message.
Status validate_options(const ModelOptions& options, const char* origin);

// Ok when this runtime build can run a model with these (valid) options; otherwise
// kUnsupportedVersion naming the first option it cannot run yet, e.g. "model option
// sliding_window = 128 is not supported by this runtime build yet". Models load and
// inspect whatever this says; sessions (and plans) refuse. The one place to extend
// as the runtime learns each attention option.
Status check_runtime_support(const ModelOptions& options);

enum class TensorRole : uint8_t {
  kInputKernel,
  kInputBias,
  kAttnNormGamma,
  kAttnNormBeta,
  kQkvKernel,
  kQkvBias,
  kAttnSinks,  // only with attention_sinks
  kOutKernel,
  kOutBias,
  kFfnNormGamma,
  kFfnNormBeta,
  kUpKernel,
  kUpBias,
  kDownKernel,
  kDownBias,
  kFinalNormGamma,
  kFinalNormBeta,
};

constexpr std::size_t kMaxTensorName = 64;

struct TensorSpec {
  char name[kMaxTensorName];
  uint32_t rank;       // 1 or 2
  uint64_t shape[2];
  TensorRole role;
  uint32_t layer;      // 1-based for per-layer tensors, 0 otherwise
};

// Tensors of one layer: 12, and 13 with attention_sinks.
uint32_t tensors_per_layer(const ModelOptions& options);
// Number of tensors the options require (with or without input_projection).
std::size_t expected_tensor_count(const ModelOptions& options);
// The index-th required tensor, in a fixed order: input projection, then layer by
// layer (in TensorRole order), then the final norm. `options` must be valid and
// index < count.
TensorSpec expected_tensor(const ModelOptions& options, std::size_t index);
// The index of the tensor with `role` (per-layer roles take a 1-based layer): the
// inverse of expected_tensor. The role must exist in the model.
std::size_t expected_tensor_index(const ModelOptions& options, TensorRole role, uint32_t layer);

// "[288, 256]" into buf; returns buf.
const char* format_shape(const uint64_t* shape, std::size_t rank, char* buf, std::size_t buf_size);

}  // namespace ringrt
