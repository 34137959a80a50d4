// Session: owns the arena, the XNNPACK operators, the worker threads and the KV
// store, and runs rounds of up to workers * chunk tokens through every layer.
#include <cmath>
#include <cstring>
#include <new>

#include "checksum.hpp"
#include "fp16.hpp"
#include "layer_norm.hpp"
#include "session_impl.hpp"
#include "vector_math.hpp"

namespace ringrt {

SessionImpl::~SessionImpl() {
  // Operators first: their memory lives in the arena, freed last (member order).
  input_op_.destroy();
  delete[] layer_ops_;
  delete[] slot_ops_;
  delete[] dense_pools_;
  delete[] slot_pools_;
  delete[] split_ops_;
  delete[] split_pools_;
  delete one_layer_;
  delete store_;
}

const float* SessionImpl::weights_f32(TensorRole role, uint32_t layer, float* scratch) const {
  const TensorView& t = model_->tensor(role, layer);
  if (t.type == WeightType::kF32) return static_cast<const float*>(t.data);
  const uint16_t* h = static_cast<const uint16_t*>(t.data);
  for (uint64_t i = 0; i < t.elements; ++i) scratch[i] = f16_to_f32(h[i]);
  return scratch;
}

void SessionImpl::copy_f32(TensorRole role, uint32_t layer, float* dst, std::size_t count) const {
  const float* src = weights_f32(role, layer, dst);
  if (src != dst) std::memcpy(dst, src, count * sizeof(float));
}

Status SessionImpl::init(const ModelImpl& model, const SessionOptions& options) {
  RINGRT_RETURN_IF_ERROR(check_runtime_support(model.options()));
  model_ = &model;
  m_ = model.options();
  if (options.transport) transport_ = options.transport;
  if (distributed() && (!m_.causal || m_.sliding_window)) {
    // The ranks' stores hold interleaved blocks: a window (or a key after the query)
    // needs global key positions, which the ring across ranks does not carry yet.
    return Status::Error(StatusCode::kInvalidArgument,
                         "a session of %u ranks runs causal attention without a sliding window; this model has %s",
                         transport_->ranks(), m_.causal ? "a sliding window" : "bidirectional attention");
  }
  if (distributed() && options.resume) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "resume is not supported for a session of %u ranks yet: start the stream again",
                         transport_->ranks());
  }
  RINGRT_RETURN_IF_ERROR(ensure_xnnpack_initialized());
  RINGRT_RETURN_IF_ERROR(plan_buffers(m_, model.info().weights_f16, options, &plan_, &details_));
  RINGRT_RETURN_IF_ERROR(arena_.allocate(plan_.arena_bytes));
  RINGRT_RETURN_IF_ERROR(threads_.init(plan_.workers));

  const uint32_t P = plan_.workers, C = plan_.chunk, heads = m_.num_heads, D = m_.head_dim();
  const uint32_t H = m_.hidden_size, L = m_.num_layers, G = m_.kv_heads();
  layer_ops_ = new (std::nothrow) FullyConnected[static_cast<std::size_t>(L) * kLayerOps];
  dense_pools_ = new (std::nothrow) MemoryPool[1 + static_cast<std::size_t>(L) * kLayerOps];
  slot_ops_ = new (std::nothrow) FullyConnected[static_cast<std::size_t>(P + 1) * 2 * G];
  slot_pools_ = new (std::nothrow) MemoryPool[static_cast<std::size_t>(P + 1) * 2 * G];
  split_ops_ = new (std::nothrow) FullyConnected[static_cast<std::size_t>(P) * (heads + 1)];
  split_pools_ = new (std::nothrow) MemoryPool[static_cast<std::size_t>(P) * (heads + 1)];
  const KvGeometry geometry{details_.layer_by_layer ? 1u : L, G, D, plan_.kv_positions, C, heads * D,
                            details_.kv_ring};
  if (details_.file_store) {
    file_store_ = new (std::nothrow) FileKvStore(geometry, buffer(kPlanKvStaging));
    store_ = file_store_;
  } else {
    store_ = new (std::nothrow) MemoryKvStore(geometry, buffer(kPlanKvStore));
  }
  if (details_.layer_by_layer && store_) one_layer_ = new (std::nothrow) OneLayerKvStore(store_);
  if (!layer_ops_ || !dense_pools_ || !slot_ops_ || !slot_pools_ || !split_ops_ || !split_pools_ || !store_ ||
      (details_.layer_by_layer && !one_layer_)) {
    return Status::Error(StatusCode::kOutOfMemory, "cannot allocate session bookkeeping");
  }
  if (details_.layer_by_layer && options.resume) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "resume is not supported for a bidirectional model: every append recomputes the sequence");
  }
  if (details_.layer_by_layer && details_.file_store) {
    RINGRT_RETURN_IF_ERROR(residual_.open_file(details_.residual_path, plan_.max_context, H));
  } else if (details_.layer_by_layer) {
    residual_.bind_memory(buffer(kPlanResidualStream), plan_.max_context, H);
  }
  if (file_store_) {
    const FileStoreIdentity id{model.fingerprint(), options.stream_tag};
    RINGRT_RETURN_IF_ERROR(file_store_->open(details_.store_path, id, options.resume, &length_));
  }

  // Norm parameters as float32, whatever the storage type.
  norms_ = buffer(kPlanNormWeights);
  for (uint32_t l = 1; l <= L + 1; ++l) {
    const bool final = l == L + 1;
    const TensorRole roles[4] = {final ? TensorRole::kFinalNormGamma : TensorRole::kAttnNormGamma,
                                 final ? TensorRole::kFinalNormBeta : TensorRole::kAttnNormBeta,
                                 TensorRole::kFfnNormGamma, TensorRole::kFfnNormBeta};
    for (int p = 0; p < (final ? 2 : 4); ++p) {
      float* dst = norms_ + ((l - 1) * 4 + p) * H;
      copy_f32(roles[p], final ? 0 : l, dst, H);
    }
  }
  out_ = buffer(kPlanOutput);

  // Ring slots and per-worker buffers.
  uint8_t* slot_mem = reinterpret_cast<uint8_t*>(buffer(kPlanSlotOps));
  const uint64_t slot_buffer_stride = plan_.entries[kPlanSlotBuffers].bytes / (P + 1);
  for (uint32_t s = 0; s <= P; ++s) {
    slots_[s].ops = slot_ops_ + static_cast<std::size_t>(s) * 2 * G;
    slots_[s].pools = slot_pools_ + static_cast<std::size_t>(s) * 2 * G;
    slots_[s].scratch =
        reinterpret_cast<float*>(reinterpret_cast<uint8_t*>(buffer(kPlanSlotBuffers)) + s * slot_buffer_stride);
    for (uint32_t k = 0; k < 2 * G; ++k) {
      const std::size_t bytes = details_.slot_op_bytes[k % 2];
      slots_[s].pools[k].init(slot_mem, bytes);
      slot_mem += bytes;
    }
  }
  const uint64_t scores_stride = plan_.entries[kPlanScores].bytes / P;
  const uint64_t pv_stride = plan_.entries[kPlanPv].bytes / P;
  const uint64_t state_stride = plan_.entries[kPlanSoftmax].bytes / P;
  const uint64_t partial_stride = plan_.entries[kPlanPartials].bytes / P;
  uint8_t* split_mem = reinterpret_cast<uint8_t*>(buffer(kPlanKeySplitOps));
  auto carve = [&](ArenaEntry slot, uint64_t stride, uint32_t w) {
    return reinterpret_cast<float*>(reinterpret_cast<uint8_t*>(buffer(slot)) + w * stride);
  };
  for (uint32_t w = 0; w < P; ++w) {
    RingWorkerBuffers& b = workers_[w];
    b.scores = carve(kPlanScores, scores_stride, w);
    b.pv = carve(kPlanPv, pv_stride, w);
    b.state = carve(kPlanSoftmax, state_stride, w);
    b.partial = carve(kPlanPartials, partial_stride, w);
    b.query_ops = split_ops_ + static_cast<std::size_t>(w) * (heads + 1);
    b.query_pools = split_pools_ + static_cast<std::size_t>(w) * (heads + 1);
    b.prob_op = b.query_ops + heads;
    b.prob_pool = b.query_pools + heads;
    for (uint32_t k = 0; k <= heads; ++k) {
      const std::size_t bytes = details_.split_op_bytes[k == heads ? 1 : 0];
      b.query_pools[k].init(split_mem, bytes);
      split_mem += bytes;
    }
  }
  // Sink logits as float32, [layer][head].
  float* sinks = m_.attention_sinks ? buffer(kPlanSinks) : nullptr;
  for (uint32_t l = 1; sinks && l <= L; ++l) {
    copy_f32(TensorRole::kAttnSinks, l, sinks + (l - 1) * heads, heads);
  }
  AttentionRule rule;
  rule.causal = m_.causal;
  rule.window = m_.sliding_window;
  rule.softcap = m_.logit_softcap;
  rule.scale = 1.0f / std::sqrt(static_cast<float>(D));
  ring_.bind(RingGeometry{P, C, heads, G, D, m_.qkv_width()}, rule, sinks, slots_, workers_, buffer(kPlanQueries),
             ring_store(), &threads_);
  if (distributed()) {
    schedule_ = ShardSchedule{transport_->ranks(), static_cast<uint64_t>(P) * C};
    float* messages = buffer(kPlanExchange);
    float* scratch = messages + 3 * RankRing::message_floats(G, D, C);
    exchange_.bind(transport_, store_, &ring_, schedule_, G, D, C, messages, scratch);
    RINGRT_RETURN_IF_ERROR(check_same_options_on_every_rank(model));
  }
  RINGRT_RETURN_IF_ERROR(create_dense_ops());
  // Every weight now lives packed in the arena: the mapped file's pages can go.
  model.release_weight_pages();
  return Status::Ok();
}

Status SessionImpl::truncate(uint64_t length) {
  if (length > length_) {
    return Status::Error(StatusCode::kInvalidArgument, "truncate(%llu) beyond the sequence length %llu",
                         static_cast<unsigned long long>(length), static_cast<unsigned long long>(length_));
  }
  // A ring keeps the last kv_positions keys: going back must leave the window
  // before `length` in it (the next round overwrites the rest).
  const uint64_t keep = details_.kv_ring ? plan_.kv_positions - (m_.sliding_window - 1) : 0;
  if (details_.kv_ring && length > 0 && length_ - length > keep) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "truncate(%llu): a sliding-window stream of %llu tokens can go back at most %llu tokens "
                         "(its KV ring keeps the last %llu positions); reset() starts over",
                         static_cast<unsigned long long>(length), static_cast<unsigned long long>(length_),
                         static_cast<unsigned long long>(keep),
                         static_cast<unsigned long long>(plan_.kv_positions));
  }
  has_output_ = false;
  length_ = length;
  // A bidirectional session's KV store is scratch (recomputed at every append).
  return details_.layer_by_layer ? Status::Ok() : store_->commit(local_length(length));
}

uint64_t SessionImpl::kv_bytes_stored() const {
  if (file_store_) return file_store_->disk_bytes();
  const uint64_t held = details_.kv_ring && length_ > plan_.kv_positions ? plan_.kv_positions : local_length(length_);
  const uint64_t layers = details_.layer_by_layer ? 1 : m_.num_layers;
  return held * layers * 2 * m_.kv_heads() * m_.head_dim() * sizeof(float);
}

Status SessionImpl::create_dense_ops() {
  const std::size_t E = m_.embed_dim, H = m_.hidden_size;
  float* scratch = details_.f16_scratch_floats ? buffer(kPlanF16Scratch) : nullptr;
  uint8_t* mem = reinterpret_cast<uint8_t*>(buffer(kPlanDenseOps));
  MemoryPool* pool = dense_pools_;
  auto next_pool = [&](std::size_t bytes) {
    pool->init(mem, bytes);
    mem += bytes;
    return pool++;
  };
  if (m_.has_input_projection()) {
    const float* kernel = weights_f32(TensorRole::kInputKernel, 0, scratch);
    const float* bias = weights_f32(TensorRole::kInputBias, 0, scratch ? scratch + E * H : nullptr);
    RINGRT_RETURN_IF_ERROR(input_op_.create(FcShape{E, H, E, H, true}, kernel, bias, next_pool(details_.dense_bytes[0])));
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
          FcShape{s.in, s.out, s.in, s.out, true}, kernel, bias, next_pool(details_.dense_bytes[1 + op])));
      // Packed: the file's copy is not needed; keeps peak RSS at the plan, not plan + model.
      model_->release_tensor_pages(s.kernel, l);
    }
  }
  return Status::Ok();
}

void SessionImpl::norm_rows(const float* in, float* out, std::size_t rows, const float* gamma, const float* beta) {
  const std::size_t H = m_.hidden_size;
  auto fn = [&](std::size_t begin, std::size_t end) { layer_norm_rows(in, out, begin, end, H, gamma, beta); };
  threads_.parallel_ranges(rows, 16, fn);
}

void SessionImpl::add_rows(float* acc, const float* add, std::size_t count) {
  auto fn = [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) acc[i] += add[i];
  };
  threads_.parallel_ranges(count, 16384, fn);
}

Status SessionImpl::run_layer(uint32_t l, const ShardSlice& slice, std::size_t tokens) {
  const std::size_t rows = slice.rows;
  float* h = buffer(kPlanResidual);
  float* a = buffer(kPlanNormed);
  float* qkv = buffer(kPlanQkv);
  float* attn = buffer(kPlanAttention);
  FullyConnected* ops = layer_ops_ + (l - 1) * kLayerOps;
  pthreadpool_t tp = threads_.handle();

  if (rows > 0) {
    norm_rows(h, a, rows, norm(l - 1, kAttnGamma), norm(l - 1, kAttnBeta));
    RINGRT_RETURN_IF_ERROR(ops[kQkvOp].run(rows, a, qkv, tp));
    RINGRT_RETURN_IF_ERROR(store_->write(l - 1, slice.local_start, rows, qkv, m_.qkv_width()));
  }
  if (!distributed()) {
    RINGRT_RETURN_IF_ERROR(ring_.run(l - 1, slice.local_start, rows, qkv, attn, slice.local_start + rows));
  } else {
    // This rank's own store through the local ring, then every other rank's KV
    // around the ring of ranks (a rank with no rows this round still forwards).
    if (rows > 0) {
      RINGRT_RETURN_IF_ERROR(ring_.begin_round(l - 1, slice.local_start, rows, qkv, attn, slice.local_start + rows));
      RINGRT_RETURN_IF_ERROR(ring_.attend_local());
    }
    RINGRT_RETURN_IF_ERROR(exchange_.run(l - 1, length_, tokens));
    if (rows > 0) ring_.finish_round();
  }
  return rows == 0 ? Status::Ok() : finish_layer(l, rows);
}

Status SessionImpl::finish_layer(uint32_t l, std::size_t rows) {
  const std::size_t H = m_.hidden_size;
  float* h = buffer(kPlanResidual);
  float* a = buffer(kPlanNormed);
  float* attn = buffer(kPlanAttention);
  float* ffn = buffer(kPlanFfn);
  FullyConnected* ops = layer_ops_ + (l - 1) * kLayerOps;
  pthreadpool_t tp = threads_.handle();
  RINGRT_RETURN_IF_ERROR(ops[kOutOp].run(rows, attn, a, tp));
  add_rows(h, a, rows * H);

  norm_rows(h, a, rows, norm(l - 1, kFfnGamma), norm(l - 1, kFfnBeta));
  RINGRT_RETURN_IF_ERROR(ops[kUpOp].run(rows, a, ffn, tp));
  auto gelu = [&](std::size_t begin, std::size_t end) { gelu_inplace(ffn + begin, end - begin); };
  threads_.parallel_ranges(rows * 4 * H, 4096, gelu);
  RINGRT_RETURN_IF_ERROR(ops[kDownOp].run(rows, ffn, a, tp));
  add_rows(h, a, rows * H);
  return Status::Ok();
}

Status SessionImpl::embed_rows(const float* x, std::size_t rows, float* h) {
  const std::size_t E = m_.embed_dim, H = m_.hidden_size;
  if (!m_.has_input_projection()) {
    std::memcpy(h, x, rows * H * sizeof(float));
    return Status::Ok();
  }
  float* staged = buffer(kPlanInput);  // XNNPACK may read past the caller's last row
  if (x != staged) std::memcpy(staged, x, rows * E * sizeof(float));
  return input_op_.run(rows, staged, h, threads_.handle());
}

// One round: up to workers * chunk tokens in a single process; in a distributed
// session up to one block per rank (shard_schedule.hpp), each rank its own slice.
Status SessionImpl::run_round(const float* x, std::size_t tokens, float* all_outputs) {
  const std::size_t H = m_.hidden_size;
  const ShardSlice slice = distributed() ? shard_slice(schedule_, transport_->rank(), length_, tokens)
                                         : ShardSlice{length_, tokens, length_};
  const float* rows_in = x;
  if (distributed()) RINGRT_RETURN_IF_ERROR(scatter_input(x, length_, tokens, slice, &rows_in));
  const std::size_t rows = slice.rows;
  float* h = buffer(kPlanResidual);
  if (rows > 0) RINGRT_RETURN_IF_ERROR(embed_rows(rows_in, rows, h));
  for (uint32_t l = 1; l <= m_.num_layers; ++l) RINGRT_RETURN_IF_ERROR(run_layer(l, slice, tokens));
  const float* gamma = norm(m_.num_layers, kAttnGamma);
  const float* beta = norm(m_.num_layers, kAttnBeta);
  if (!distributed()) {
    if (all_outputs) norm_rows(h, all_outputs, rows, gamma, beta);
    layer_norm_rows(h + (rows - 1) * H, out_, 0, 1, H, gamma, beta);
  } else {
    RINGRT_RETURN_IF_ERROR(gather_outputs(slice, length_, tokens, all_outputs));
  }
  RINGRT_RETURN_IF_ERROR(store_->commit(local_length(length_ + tokens)));
  length_ += tokens;
  has_output_ = true;
  return Status::Ok();
}

Status SessionImpl::check_append(const float* x, std::size_t tokens, std::size_t width) const {
  const std::size_t E = m_.embed_dim;
  if (tokens == 0) return Status::Error(StatusCode::kInvalidArgument, "empty input: append needs at least one token");
  if (!x) return Status::Error(StatusCode::kInvalidArgument, "append: input pointer is null");
  if (width != E) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "input has %zu features per token but the model expects embed_dim = %zu", width, E);
  }
  if (!details_.kv_ring && tokens > plan_.max_context - length_) {
    return Status::Error(StatusCode::kCapacityExceeded,
                         "appending %zu tokens to a sequence of %llu would exceed the session's max_context of %llu; "
                         "reset() the session or create it with a larger max_context",
                         tokens, static_cast<unsigned long long>(length_),
                         static_cast<unsigned long long>(plan_.max_context));
  }
  for (std::size_t i = 0; i < tokens * E; ++i) {
    if (!std::isfinite(x[i])) {
      return Status::Error(StatusCode::kInvalidArgument, "input contains %s at token %zu, feature %zu",
                           std::isnan(x[i]) ? "NaN" : "Inf", i / E, i % E);
    }
  }
  return Status::Ok();
}

Status SessionImpl::append(const float* x, std::size_t tokens, std::size_t width, float* all_outputs) {
  if (details_.layer_by_layer) {
    RINGRT_RETURN_IF_ERROR(check_append(x, tokens, width));
    return append_layer_by_layer(x, tokens, all_outputs);
  }
  if (!distributed()) {
    RINGRT_RETURN_IF_ERROR(check_append(x, tokens, width));
  } else {
    // Rank 0 holds the input and checks it; every rank learns the verdict.
    const Status local = transport_->rank() == 0 ? check_append(x, tokens, width)
                         : width != m_.embed_dim
                             ? Status::Error(StatusCode::kInvalidArgument,
                                             "input has %zu features per token but the model expects embed_dim = %u",
                                             width, m_.embed_dim)
                             : Status::Ok();
    RINGRT_RETURN_IF_ERROR(agree_on_append(local, tokens, all_outputs != nullptr));
  }
  // Rounds of up to workers * chunk tokens (one block per rank when distributed). A
  // round that fails (a store write, say) leaves the sequence at the rounds
  // completed before it: length() tells.
  const std::size_t E = m_.embed_dim, H = m_.hidden_size;
  const std::size_t round = static_cast<std::size_t>(plan_.workers) * plan_.chunk;
  for (std::size_t done = 0; done < tokens;) {
    const std::size_t rows = distributed() ? static_cast<std::size_t>(schedule_.round_tokens(length_, tokens - done))
                             : tokens - done < round ? tokens - done
                                                     : round;
    const float* in = x ? x + done * E : nullptr;
    RINGRT_RETURN_IF_ERROR(run_round(in, rows, all_outputs ? all_outputs + done * H : nullptr));
    done += rows;
  }
  return Status::Ok();
}

// ---- public wrappers ----

Status Session::create(const Model& model, const SessionOptions& options, std::unique_ptr<Session>* out) {
  if (!out) return Status::Error(StatusCode::kInvalidArgument, "Session::create: null output");
  SessionImpl* impl = new (std::nothrow) SessionImpl();
  if (!impl) return Status::Error(StatusCode::kOutOfMemory, "cannot allocate a session");
  Status s = impl->init(model.impl(), options);
  if (!s.ok()) {
    delete impl;
    return s;
  }
  out->reset(new (std::nothrow) Session(impl));
  if (!*out) {
    delete impl;
    return Status::Error(StatusCode::kOutOfMemory, "cannot allocate a session");
  }
  return Status::Ok();
}

Session::~Session() { delete impl_; }
Status Session::append(const float* x, std::size_t tokens, std::size_t width, float* all_outputs) {
  return impl_->append(x, tokens, width, all_outputs);
}
Status Session::append_deferred(const float* x, std::size_t tokens, std::size_t width) {
  return impl_->append_deferred(x, tokens, width);
}
const float* Session::output() const { return impl_->output(); }
uint64_t Session::length() const { return impl_->length(); }
void Session::reset() { impl_->reset(); }
Status Session::truncate(uint64_t length) { return impl_->truncate(length); }
uint64_t Session::kv_bytes_stored() const { return impl_->kv_bytes_stored(); }
const MemoryPlan& Session::plan() const { return impl_->plan(); }
const RingStats& Session::ring_stats() const { return impl_->ring_stats(); }
void Session::clear_ring_stats() { impl_->clear_ring_stats(); }

const char* version() { return RINGRT_VERSION_STRING; }

uint64_t hash_bytes(const void* data, std::size_t bytes, uint64_t hash) { return fnv1a64(data, bytes, hash); }

}  // namespace ringrt
