// The model's layers as a session runs them on one round of rows: the packed
// XNNPACK operators of every dense layer, the LayerNorm parameters and sinks as
// float32, and the activation buffers of the round, all in the session arena.
// Every session mode drives its rounds through these calls; the attention between
// qkv() and finish() is the mode's (the worker ring, with the rank ring when
// distributed).
//
// Every call that produces rows scans them (a vectorised pass, finite_scan.hpp): a
// NaN or an Inf is a kNonFinite error naming the layer (or the input projection or
// the final LayerNorm), the token and the feature, never a silent result. `first`
// is the sequence position of row 0, the token the message names.
#pragma once

#include <cstddef>
#include <cstdint>

#include "arena.hpp"
#include "model_impl.hpp"
#include "session_plan.hpp"
#include "thread_pool.hpp"
#include "xnn_allocator.hpp"
#include "xnn_fully_connected.hpp"

namespace ringrt {

class LayerStack {
 public:
  LayerStack() = default;
  ~LayerStack();  // destroys the operators (their memory is the arena's)
  LayerStack(const LayerStack&) = delete;
  LayerStack& operator=(const LayerStack&) = delete;

  // Copies the norms and sinks and packs every dense operator of `model` into the
  // arena entries of `plan`, then lets the model's mapped weight pages go.
  Status create(const ModelImpl& model, const MemoryPlan& plan, const PlanDetails& details, const Arena& arena,
                ThreadPool* threads);

  // Input rows x -> the residual stream (the input projection, or a copy). x may be
  // input(), where a distributed rank receives its rows.
  Status embed(const float* x, std::size_t rows, uint64_t first);
  // Layer `layer` (1-based), before attention: residual -> LayerNorm -> QKV, in qkv().
  Status qkv(uint32_t layer, std::size_t rows, uint64_t first);
  // Layer `layer` after attention (in attention()): out projection, FFN, residual adds.
  Status finish(uint32_t layer, std::size_t rows, uint64_t first);
  // The final LayerNorm of `rows` rows of `h` into `out` (threaded), or of the one
  // row at sequence position `position`.
  Status final_norm(const float* h, float* out, std::size_t rows, uint64_t first);
  Status final_norm_row(const float* h, float* out, uint64_t position) const;

  float* input() const { return input_; }
  float* residual() const { return residual_; }
  float* normed() const { return normed_; }
  float* qkv_rows() const { return qkv_; }
  float* attention() const { return attention_; }
  const float* sinks() const { return sinks_; }
  std::size_t qkv_width() const { return m_.qkv_width(); }

 private:
  enum Op { kQkvOp = 0, kOutOp = 1, kUpOp = 2, kDownOp = 3, kLayerOps = 4 };
  enum NormParam { kAttnGamma = 0, kAttnBeta = 1, kFfnGamma = 2, kFfnBeta = 3 };
  const float* weights_f32(TensorRole role, uint32_t layer, float* scratch) const;
  void copy_f32(TensorRole role, uint32_t layer, float* dst, std::size_t count) const;
  Status create_dense_ops(const PlanDetails& details, uint8_t* op_memory, float* f16_scratch);
  // Norm parameter p of layer l (0-based; l = num_layers: the final norm).
  const float* norm(uint32_t l, NormParam p) const { return norms_ + (l * 4 + p) * m_.hidden_size; }
  void norm_rows(const float* in, float* out, std::size_t rows, const float* gamma, const float* beta);
  void add_rows(float* acc, const float* add, std::size_t count);
  // What a scan checks: the input projection, layer `layer`'s QKV projection or
  // output (the residual stream after it), or the final LayerNorm.
  enum class Stage { kInputProjection, kQkv, kLayerOutput, kFinalNorm };
  // Ok, or the first NaN or Inf of `rows` rows of `width` floats at `x` as an error.
  Status check_rows(const float* x, std::size_t rows, std::size_t width, uint64_t first, Stage stage,
                    uint32_t layer) const;

  const ModelImpl* model_ = nullptr;
  ModelOptions m_;
  ThreadPool* threads_ = nullptr;
  FullyConnected input_op_;
  FullyConnected* layer_ops_ = nullptr;  // num_layers * kLayerOps
  MemoryPool* pools_ = nullptr;          // 1 + num_layers * kLayerOps
  float* input_ = nullptr;
  float* residual_ = nullptr;
  float* normed_ = nullptr;
  float* qkv_ = nullptr;
  float* attention_ = nullptr;
  float* ffn_ = nullptr;
  float* norms_ = nullptr;
  float* sinks_ = nullptr;
};

}  // namespace ringrt
