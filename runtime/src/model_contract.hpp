// The weight-name contract of ../shared/MODEL.md: the model options, their
// validation, and the exact list of tensors (name, shape) a model must contain.
// Shared by the converter (checks safetensors) and the runtime (checks .rrt files),
// so the two can never disagree.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ringrt/status.hpp"

namespace ringrt {

constexpr uint16_t kSchemaMajor = 1;
constexpr uint16_t kSchemaMinor = 0;
constexpr uint64_t kTensorAlignment = 64;
constexpr const char* kFileIdentifier = "RRT1";
constexpr float kLayerNormEpsilon = 1e-5f;

// Upper bounds that keep every size product far from 64-bit overflow and every
// per-row size within 32 bits (XNNPACK takes size_t, but strides of 2^31 floats are
// never sensible on a board).
constexpr uint32_t kMaxDimension = 1u << 16;  // embed_dim, hidden_size
constexpr uint32_t kMaxLayers = 1024;

struct ModelOptions {
  uint32_t embed_dim = 0;  // required
  uint32_t hidden_size = 256;
  uint32_t num_heads = 4;
  uint32_t num_chunks = 4;
  uint32_t num_layers = 4;
  float dropout = 0.1f;
  uint32_t window_size = 60;

  uint32_t head_dim() const { return num_heads ? hidden_size / num_heads : 0; }
  bool has_input_projection() const { return embed_dim != hidden_size; }
};

// Checks every option is in range (sizes >= 1, hidden_size divisible by num_heads,
// no dimension above kMaxDimension). `origin` names the file in the message.
Status validate_options(const ModelOptions& options, const char* origin);

enum class TensorRole : uint8_t {
  kInputKernel,
  kInputBias,
  kAttnNormGamma,
  kAttnNormBeta,
  kQkvKernel,
  kQkvBias,
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

constexpr uint32_t kTensorsPerLayer = 12;
constexpr std::size_t kMaxTensorName = 64;

struct TensorSpec {
  char name[kMaxTensorName];
  uint32_t rank;       // 1 or 2
  uint64_t shape[2];
  TensorRole role;
  uint32_t layer;      // 1-based for per-layer tensors, 0 otherwise
};

// Number of tensors the options require (with or without input_projection).
std::size_t expected_tensor_count(const ModelOptions& options);
// The index-th required tensor, in a fixed order: input projection, then layer by
// layer, then the final norm. `options` must be valid and index < count.
TensorSpec expected_tensor(const ModelOptions& options, std::size_t index);

// "[288, 256]" into buf; returns buf.
const char* format_shape(const uint64_t* shape, std::size_t rank, char* buf, std::size_t buf_size);

}  // namespace ringrt
