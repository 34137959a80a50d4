#include "layer_stack.hpp"

#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <new>

#include "finite_scan.hpp"
#include "fp16.hpp"
#include "layer_norm.hpp"
#include "vector_math.hpp"

namespace ringrt {

LayerStack::~LayerStack() {
  input_op_.destroy();
  delete[] layer_ops_;
  delete[] pools_;
}

const float* LayerStack::weights_f32(TensorRole role, uint32_t layer, float* scratch) const {
  const TensorView& t = model_->tensor(role, layer);
  if (t.type == WeightType::kF32) return static_cast<const float*>(t.data);
  const uint16_t* h = static_cast<const uint16_t*>(t.data);
  for (uint64_t i = 0; i < t.elements; ++i) scratch[i] = f16_to_f32(h[i]);
  return scratch;
}

void LayerStack::copy_f32(TensorRole role, uint32_t layer, float* dst, std::size_t count) const {
  const float* src = weights_f32(role, layer, dst);
  if (src != dst) std::memcpy(dst, src, count * sizeof(float));
}

Status LayerStack::create(const ModelImpl& model, const MemoryPlan& plan, const PlanDetails& details,
                          const Arena& arena, ThreadPool* threads) {
  model_ = &model;
  m_ = model.options();
  threads_ = threads;
  const uint32_t H = m_.hidden_size, L = m_.num_layers;
  auto at = [&](ArenaEntry e) { return entry_floats(arena, plan, e); };
  input_ = at(kEntryInput);
  residual_ = at(kEntryResidual);
  normed_ = at(kEntryNormed);
  qkv_ = at(kEntryQkv);
  attention_ = at(kEntryAttention);
  ffn_ = at(kEntryFfn);
  layer_ops_ = new (std::nothrow) FullyConnected[static_cast<std::size_t>(L) * kLayerOps];
  pools_ = new (std::nothrow) MemoryPool[1 + static_cast<std::size_t>(L) * kLayerOps];
  if (!layer_ops_ || !pools_) return Status::Error(StatusCode::kOutOfMemory, "cannot allocate the layers' bookkeeping");

  // Norm parameters as float32, whatever the storage type.
  norms_ = at(kEntryNormWeights);
  for (uint32_t l = 1; l <= L + 1; ++l) {
    const bool final = l == L + 1;
    const TensorRole roles[4] = {final ? TensorRole::kFinalNormGamma : TensorRole::kAttnNormGamma,
                                 final ? TensorRole::kFinalNormBeta : TensorRole::kAttnNormBeta,
                                 TensorRole::kFfnNormGamma, TensorRole::kFfnNormBeta};
    for (int p = 0; p < (final ? 2 : 4); ++p) copy_f32(roles[p], final ? 0 : l, norms_ + ((l - 1) * 4 + p) * H, H);
  }
  // Sink logits as float32, [layer][head].
  if (m_.attention_sinks) {
    sinks_ = at(kEntrySinks);
    for (uint32_t l = 1; l <= L; ++l) copy_f32(TensorRole::kAttnSinks, l, sinks_ + (l - 1) * m_.num_heads, m_.num_heads);
  }
  float* scratch = details.f16_scratch_floats ? at(kEntryF16Scratch) : nullptr;
  RINGRT_RETURN_IF_ERROR(create_dense_ops(details, entry_memory(arena, plan, kEntryDenseOps), scratch));
  // Every weight now lives packed in the arena: the mapped file's pages can go.
  model.release_weight_pages();
  return Status::Ok();
}

Status LayerStack::create_dense_ops(const PlanDetails& details, uint8_t* mem, float* scratch) {
  const std::size_t E = m_.embed_dim, H = m_.hidden_size;
  MemoryPool* pool = pools_;
  auto next_pool = [&](std::size_t bytes) {
    pool->init(mem, bytes);
    mem += bytes;
    return pool++;
  };
  if (m_.has_input_projection()) {
    const float* kernel = weights_f32(TensorRole::kInputKernel, 0, scratch);
    const float* bias = weights_f32(TensorRole::kInputBias, 0, scratch ? scratch + E * H : nullptr);
    RINGRT_RETURN_IF_ERROR(input_op_.create(FcShape{E, H, E, H, true}, kernel, bias, next_pool(details.dense_bytes[0])));
    model_->release_tensor_pages(TensorRole::kInputKernel, 0);
  }
  struct OpSpec {
    TensorRole kernel, bias;
    std::size_t in, out;
  };
  const OpSpec specs[kLayerOps] = {{TensorRole::kQkvKernel, TensorRole::kQkvBias, H, m_.qkv_width()},
                                   {TensorRole::kOutKernel, TensorRole::kOutBias, H, H},
                                   {TensorRole::kUpKernel, TensorRole::kUpBias, H, 4 * H},
                                   {TensorRole::kDownKernel, TensorRole::kDownBias, 4 * H, H}};
  for (uint32_t l = 1; l <= m_.num_layers; ++l) {
    for (int op = 0; op < kLayerOps; ++op) {
      const OpSpec& s = specs[op];
      const float* kernel = weights_f32(s.kernel, l, scratch);
      const float* bias = weights_f32(s.bias, l, scratch ? scratch + s.in * s.out : nullptr);
      RINGRT_RETURN_IF_ERROR(layer_ops_[(l - 1) * kLayerOps + op].create(
          FcShape{s.in, s.out, s.in, s.out, true}, kernel, bias, next_pool(details.dense_bytes[1 + op])));
      // Packed: the file's copy is not needed; keeps peak RSS at the plan, not plan + model.
      model_->release_tensor_pages(s.kernel, l);
    }
  }
  return Status::Ok();
}

void LayerStack::norm_rows(const float* in, float* out, std::size_t rows, const float* gamma, const float* beta) {
  const std::size_t H = m_.hidden_size;
  auto fn = [&](std::size_t begin, std::size_t end) { layer_norm_rows(in, out, begin, end, H, gamma, beta); };
  threads_->parallel_ranges(rows, 16, fn);
}

void LayerStack::add_rows(float* acc, const float* add, std::size_t count) {
  auto fn = [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) acc[i] += add[i];
  };
  threads_->parallel_ranges(count, 16384, fn);
}

Status LayerStack::check_rows(const float* x, std::size_t rows, std::size_t width, uint64_t first, Stage stage,
                              uint32_t layer) const {
  // Each thread scans a share of at least 32K floats; a hit is searched again alone.
  const std::size_t n = rows * width;
  std::atomic<bool> found{false};
  auto scan = [&](std::size_t begin, std::size_t end) {
    if (first_non_finite(x + begin, end - begin) != end - begin) found.store(true, std::memory_order_relaxed);
  };
  threads_->parallel_ranges(n, std::size_t{1} << 15, scan);
  if (!found.load(std::memory_order_relaxed)) return Status::Ok();
  const std::size_t i = first_non_finite(x, n);
  char where[40];
  if (stage == Stage::kInputProjection || stage == Stage::kFinalNorm) {
    std::snprintf(where, sizeof where, "%s", stage == Stage::kFinalNorm ? "the final LayerNorm" : "the input projection");
  } else {
    std::snprintf(where, sizeof where, "layer %u", layer);
  }
  const char* of = stage == Stage::kQkv ? " of its QKV projection" : stage == Stage::kLayerOutput ? " of its output" : "";
  return Status::Error(StatusCode::kNonFinite,
                       "%s produced %s at token %llu (feature %zu%s): the input or the weights overflow float32; "
                       "scale the input down or check the model's weights",
                       where, std::isnan(x[i]) ? "NaN" : "Inf", static_cast<unsigned long long>(first + i / width),
                       i % width, of);
}

Status LayerStack::embed(const float* x, std::size_t rows, uint64_t first) {
  const std::size_t E = m_.embed_dim, H = m_.hidden_size;
  if (!m_.has_input_projection()) {  // the input itself was checked
    std::memcpy(residual_, x, rows * H * sizeof(float));
    return Status::Ok();
  }
  if (x != input_) std::memcpy(input_, x, rows * E * sizeof(float));  // XNNPACK may read past the caller's last row
  RINGRT_RETURN_IF_ERROR(input_op_.run(rows, input_, residual_, threads_->handle()));
  return check_rows(residual_, rows, H, first, Stage::kInputProjection, 0);
}

Status LayerStack::qkv(uint32_t l, std::size_t rows, uint64_t first) {
  norm_rows(residual_, normed_, rows, norm(l - 1, kAttnGamma), norm(l - 1, kAttnBeta));
  RINGRT_RETURN_IF_ERROR(layer_ops_[(l - 1) * kLayerOps + kQkvOp].run(rows, normed_, qkv_, threads_->handle()));
  // Also keeps NaN and Inf out of the KV store, and out of every later query's attention.
  return check_rows(qkv_, rows, m_.qkv_width(), first, Stage::kQkv, l);
}

Status LayerStack::finish(uint32_t l, std::size_t rows, uint64_t first) {
  const std::size_t H = m_.hidden_size;
  FullyConnected* ops = layer_ops_ + (l - 1) * kLayerOps;
  pthreadpool_t tp = threads_->handle();
  RINGRT_RETURN_IF_ERROR(ops[kOutOp].run(rows, attention_, normed_, tp));
  add_rows(residual_, normed_, rows * H);

  norm_rows(residual_, normed_, rows, norm(l - 1, kFfnGamma), norm(l - 1, kFfnBeta));
  RINGRT_RETURN_IF_ERROR(ops[kUpOp].run(rows, normed_, ffn_, tp));
  auto gelu = [&](std::size_t begin, std::size_t end) { gelu_inplace(ffn_ + begin, end - begin); };
  threads_->parallel_ranges(rows * 4 * H, 4096, gelu);
  RINGRT_RETURN_IF_ERROR(ops[kDownOp].run(rows, ffn_, normed_, tp));
  add_rows(residual_, normed_, rows * H);
  // The residual stream keeps any NaN or Inf of the layer (out projection, FFN).
  return check_rows(residual_, rows, H, first, Stage::kLayerOutput, l);
}

Status LayerStack::final_norm(const float* h, float* out, std::size_t rows, uint64_t first) {
  norm_rows(h, out, rows, norm(m_.num_layers, kAttnGamma), norm(m_.num_layers, kAttnBeta));
  return check_rows(out, rows, m_.hidden_size, first, Stage::kFinalNorm, 0);
}

Status LayerStack::final_norm_row(const float* h, float* out, uint64_t position) const {
  layer_norm_rows(h, out, 0, 1, m_.hidden_size, norm(m_.num_layers, kAttnGamma), norm(m_.num_layers, kAttnBeta));
  return check_rows(out, 1, m_.hidden_size, position, Stage::kFinalNorm, 0);
}

}  // namespace ringrt
