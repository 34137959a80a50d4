// Session: creation (plan, arena, stores, operators, ring, mode), the public
// wrappers, and what every mode shares (session_state.hpp).
#include <cmath>
#include <new>

#include "attention_block.hpp"
#include "causal_stream.hpp"
#include "checksum.hpp"
#include "distributed_stream.hpp"
#include "layer_by_layer.hpp"
#include "session_impl.hpp"
#include "xnn_allocator.hpp"

namespace ringrt {

// ---- SessionState ----

Status SessionState::check_shape(const float* x, std::size_t tokens, std::size_t width) const {
  if (tokens == 0) return Status::Error(StatusCode::kInvalidArgument, "empty input: append needs at least one token");
  if (!x) return Status::Error(StatusCode::kInvalidArgument, "append: input pointer is null");
  if (width != m.embed_dim) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "input has %zu features per token but the model expects embed_dim = %u", width, m.embed_dim);
  }
  return Status::Ok();
}

Status SessionState::check_finite(const float* x, std::size_t tokens) const {
  const std::size_t E = m.embed_dim;
  for (std::size_t i = 0; i < tokens * E; ++i) {
    if (!std::isfinite(x[i])) {
      return Status::Error(StatusCode::kInvalidArgument, "input contains %s at token %zu, feature %zu",
                           std::isnan(x[i]) ? "NaN" : "Inf", i / E, i % E);
    }
  }
  return Status::Ok();
}

Status SessionState::check_capacity(std::size_t tokens) const {
  if (tokens > plan.max_context - length) {
    return Status::Error(StatusCode::kCapacityExceeded,
                         "appending %zu tokens to a sequence of %llu would exceed the session's max_context of %llu; "
                         "reset() the session or create it with a larger max_context",
                         tokens, static_cast<unsigned long long>(length),
                         static_cast<unsigned long long>(plan.max_context));
  }
  return Status::Ok();
}

uint64_t SessionState::kv_bytes(uint64_t positions, uint32_t layers) const {
  if (file_store) return file_store->disk_bytes();
  return positions * layers * 2 * m.kv_heads() * details.kv_geometry.codec().piece_bytes(m.head_dim());
}

// ---- modes ----

const RingStats& SessionMode::ring_stats() const {
  static const RingStats kNone;
  return kNone;
}

Status make_session_mode(SessionState& s, const SessionOptions& options, std::unique_ptr<SessionMode>* out) {
  if (s.plan.ranks > 1) {
    Distributed* d = new (std::nothrow) Distributed(s, options.transport);
    out->reset(d);
    if (!d) return Status::Error(StatusCode::kOutOfMemory, "cannot allocate a session mode");
    return d->start(entry_floats(s.arena, s.plan, kEntryRankMessages));
  }
  if (s.details.layer_by_layer) {
    out->reset(new (std::nothrow) LayerByLayer(s));
  } else if (s.details.window_buffer) {
    out->reset(new (std::nothrow) WindowStream(s));
  } else {
    out->reset(new (std::nothrow) CausalStream(s));
  }
  return *out ? Status::Ok() : Status::Error(StatusCode::kOutOfMemory, "cannot allocate a session mode");
}

// ---- SessionImpl ----

Status SessionImpl::check_supported(const ModelOptions& m, const SessionOptions& options) const {
  RINGRT_RETURN_IF_ERROR(check_runtime_support(m));
  const uint32_t ranks = options.transport ? options.transport->ranks() : 1;
  if (ranks > 1 && (!m.causal || m.sliding_window)) {
    // The ranks' stores hold interleaved blocks: a window (or a key after the query)
    // needs global key positions, which the rank ring does not carry yet.
    return Status::Error(StatusCode::kInvalidArgument,
                         "a session of %u ranks runs causal attention without a sliding window; this model has %s",
                         ranks, m.causal ? "a sliding window" : "bidirectional attention");
  }
  if (ranks > 1 && options.resume) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "resume is not supported for a session of %u ranks yet: start the stream again", ranks);
  }
  return Status::Ok();
}

// The KV store (memory or file) and, layer by layer, its one-layer view and the
// residual stream.
Status SessionImpl::open_stores(const SessionOptions& options) {
  const MemoryPlan& plan = s_.plan;
  const PlanDetails& d = s_.details;
  const KvGeometry& geometry = d.kv_geometry;
  if (d.kv.file) {
    s_.file_store = new (std::nothrow) FileKvStore(geometry, entry_floats(s_.arena, plan, kEntryKvStaging));
    s_.store.reset(s_.file_store);
  } else {
    s_.store.reset(new (std::nothrow) MemoryKvStore(geometry, entry_memory(s_.arena, plan, kEntryKvStore)));
  }
  if (!s_.store) return Status::Error(StatusCode::kOutOfMemory, "cannot allocate the KV store");
  s_.ring_store = s_.store.get();
  if (d.layer_by_layer) {
    if (options.resume) {
      return Status::Error(StatusCode::kInvalidArgument,
                           "resume is not supported for a bidirectional model: every append recomputes the sequence");
    }
    s_.one_layer.reset(new (std::nothrow) OneLayerKvStore(s_.store.get()));
    if (!s_.one_layer) return Status::Error(StatusCode::kOutOfMemory, "cannot allocate the KV store");
    s_.ring_store = s_.one_layer.get();
    if (d.kv.file) {
      RINGRT_RETURN_IF_ERROR(s_.residual.open_file(d.kv.residual_path, plan.max_context, s_.m.hidden_size));
    } else {
      s_.residual.bind_memory(entry_floats(s_.arena, plan, kEntryResidualStream), plan.max_context, s_.m.hidden_size);
    }
  }
  if (s_.file_store) {
    const FileStoreIdentity id{s_.model->fingerprint(), options.stream_tag};
    const uint32_t window = d.window_buffer ? s_.m.sliding_window : 0;  // the keys a resumed stream still sees
    RINGRT_RETURN_IF_ERROR(s_.file_store->open(d.kv.path, id, options.resume, &s_.length, window));
  }
  return Status::Ok();
}

Status SessionImpl::bind_worker_ring() {
  const MemoryPlan& plan = s_.plan;
  const ModelOptions& m = s_.m;
  const RingGeometry& g = s_.details.ring_geometry;
  auto at = [&](ArenaEntry e) { return entry_memory(s_.arena, plan, e); };
  const WorkerRingMemory memory{at(kEntryScores), at(kEntrySoftmax), at(kEntryQueries), at(kEntrySlotBuffers),
                                at(kEntryQueryBlocks)};
  RINGRT_RETURN_IF_ERROR(s_.ring_buffers.carve(g, s_.details.ring, memory));
  AttentionRule rule;
  rule.causal = m.causal;
  rule.window = m.sliding_window;
  rule.softcap = m.logit_softcap;
  rule.scale = 1.0f / std::sqrt(static_cast<float>(m.head_dim()));
  s_.ring.bind(g, rule, s_.layers.sinks(), s_.ring_buffers.slots(), s_.ring_buffers.workers(),
               s_.ring_buffers.queries(), s_.ring_store, &s_.threads);
  return Status::Ok();
}

Status SessionImpl::init(const ModelImpl& model, const SessionOptions& options) {
  RINGRT_RETURN_IF_ERROR(check_supported(model.options(), options));
  s_.model = &model;
  s_.m = model.options();
  RINGRT_RETURN_IF_ERROR(ensure_xnnpack_initialized());
  // plan -> arena -> stores -> operators -> ring -> mode
  RINGRT_RETURN_IF_ERROR(plan_session_buffers(s_.m, model.info().weights_f16, options, &s_.plan, &s_.details));
  RINGRT_RETURN_IF_ERROR(s_.arena.allocate(s_.plan.arena_bytes));
  RINGRT_RETURN_IF_ERROR(s_.threads.init(s_.plan.workers));
  s_.out = entry_floats(s_.arena, s_.plan, kEntryOutput);
  RINGRT_RETURN_IF_ERROR(open_stores(options));
  RINGRT_RETURN_IF_ERROR(s_.layers.create(model, s_.plan, s_.details, s_.arena, &s_.threads));
  RINGRT_RETURN_IF_ERROR(bind_worker_ring());
  return make_session_mode(s_, options, &mode_);
}

Status SessionImpl::truncate(uint64_t length) {
  if (length > s_.length) {
    return Status::Error(StatusCode::kInvalidArgument, "truncate(%llu) beyond the sequence length %llu",
                         static_cast<unsigned long long>(length), static_cast<unsigned long long>(s_.length));
  }
  return mode_->truncate(length);
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

const char* attention_kernel_name() { return attention_kernel().name; }

uint64_t hash_bytes(const void* data, std::size_t bytes, uint64_t hash) { return fnv1a64(data, bytes, hash); }

}  // namespace ringrt
