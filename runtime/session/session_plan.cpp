#include "session_plan.hpp"

#include "arena.hpp"
#include "arena_layout.hpp"
#include "kv_store_file.hpp"
#include "model_impl.hpp"
#include "rank_ring.hpp"
#include "residual_store.hpp"
#include "session_options.hpp"
#include "shard_schedule.hpp"
#include "xnn_allocator.hpp"
#include "xnn_fully_connected.hpp"

namespace ringrt {

namespace {

uint64_t round_up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

// XNNPACK pool bytes of the dense operators: input projection (0 without one), qkv, out, up, down.
Status size_dense_ops(const ModelOptions& m, std::size_t bytes[5]) {
  const std::size_t E = m.embed_dim, H = m.hidden_size, W = m.qkv_width();
  const FcShape dense[5] = {{E, H, E, H, true}, {H, W, H, W, true}, {H, H, H, H, true},
                            {H, 4 * H, H, 4 * H, true}, {4 * H, H, 4 * H, H, true}};
  for (int i = 0; i < 5; ++i) {
    bytes[i] = 0;
    if (i == 0 && !m.has_input_projection()) continue;
    RINGRT_RETURN_IF_ERROR(FullyConnected::footprint(dense[i], &bytes[i]));
    bytes[i] = round_up(bytes[i] + 4096, 64);
  }
  return Status::Ok();
}

}  // namespace

uint8_t* entry_memory(const Arena& arena, const MemoryPlan& plan, ArenaEntry entry) {
  return arena.at(plan.entries[entry].offset);
}

Status plan_session_buffers(const ModelOptions& m, bool weights_f16, const SessionOptions& o, MemoryPlan* plan,
                            PlanDetails* details) {
  RINGRT_RETURN_IF_ERROR(validate_session_options(o));
  const uint32_t ranks = o.transport ? o.transport->ranks() : 1;
  const uint32_t rank = o.transport ? o.transport->rank() : 0;
  RINGRT_RETURN_IF_ERROR(parse_kv_store_spec(o.kv_store, rank, ranks, &details->kv));
  const uint32_t P = resolve_workers(o.workers), C = o.chunk;
  const uint64_t E = m.embed_dim, H = m.hidden_size, heads = m.num_heads, L = m.num_layers;
  const uint32_t D = m.head_dim(), G = m.kv_heads();
  const uint64_t W = m.qkv_width();  // floats per qkv row
  const uint64_t rows = static_cast<uint64_t>(P) * C;
  const bool file = details->kv.file;

  // Positions the KV store holds: a causal sliding-window model keeps only the keys a
  // query can still see, in a window buffer, when that is smaller than max_context
  // (then a stream may run forever); a rank of several holds its share of the context
  // (shard_schedule.hpp); otherwise the whole context.
  const uint64_t window = m.sliding_window ? window_buffer_positions(m.sliding_window, C, rows) : 0;
  details->window_buffer = m.causal && m.sliding_window > 0 && ranks == 1 && window < o.max_context;
  const uint64_t positions = details->window_buffer ? window
                             : ranks > 1            ? ShardSchedule{ranks, rows}.share_capacity(o.max_context)
                                                    : o.max_context;
  // A bidirectional model runs layer by layer: the store holds one layer's KV and the
  // residual stream of every position waits between layers (residual_store.hpp).
  details->layer_by_layer = !m.causal;
  KvGeometry& kv = details->kv_geometry;
  kv = KvGeometry{details->layer_by_layer ? 1u : static_cast<uint32_t>(L), G, D, positions, C,
                  static_cast<uint32_t>(heads * D), details->window_buffer};
  kv.dtype = o.kv_dtype;

  RINGRT_RETURN_IF_ERROR(ensure_xnnpack_initialized(&plan->xnnpack_in_arena));
  RINGRT_RETURN_IF_ERROR(size_dense_ops(m, details->dense_bytes));
  RingGeometry& ring = details->ring_geometry;
  ring = RingGeometry{P, C, static_cast<uint32_t>(heads), G, D, static_cast<uint32_t>(W),
                      static_cast<uint32_t>(kv.read_floats())};
  RINGRT_RETURN_IF_ERROR(size_worker_ring(ring, &details->ring));
  details->f16_scratch_floats = weights_f16 ? 4 * H * H + 4 * H + (E * H) : 0;
  const WorkerRingSizes& r = details->ring;
  uint64_t dense_total = details->dense_bytes[0];
  for (int i = 1; i < 5; ++i) dense_total += L * details->dense_bytes[i];
  const uint64_t message = RankRing::message_floats(G, D, C);
  const uint64_t residual = details->layer_by_layer ? ResidualStore::bytes(o.max_context, static_cast<uint32_t>(H)) : 0;

  PlanEntry* e = plan->entries;
  auto set = [e](ArenaEntry entry, const char* name, uint64_t bytes) { e[entry] = PlanEntry{name, bytes, 0}; };
  set(kEntryInput, "activations.input", xnn_buffer_bytes(rows * E));
  set(kEntryResidual, "activations.residual", xnn_buffer_bytes(rows * H));
  set(kEntryNormed, "activations.normed", xnn_buffer_bytes(rows * H));
  set(kEntryQkv, "activations.qkv", xnn_buffer_bytes(rows * W));
  set(kEntryAttention, "activations.attention", xnn_buffer_bytes(rows * H));
  set(kEntryFfn, "activations.ffn", xnn_buffer_bytes(rows * 4 * H));
  set(kEntryScores, "ring.scores", r.scores);
  set(kEntrySoftmax, "ring.softmax_state", r.softmax);
  set(kEntryQueries, "ring.keysplit_queries", r.queries);
  set(kEntryNormWeights, "weights.norms", xnn_buffer_bytes((2 * L + 1) * 2 * H));
  set(kEntrySinks, "weights.sinks", m.attention_sinks ? xnn_buffer_bytes(L * heads) : 0);
  set(kEntryF16Scratch, "weights.f16_scratch",
      details->f16_scratch_floats ? xnn_buffer_bytes(details->f16_scratch_floats) : 0);
  set(kEntryDenseOps, "xnnpack.dense_ops", dense_total);
  set(kEntryQueryBlocks, "ring.query_blocks", r.query_blocks);
  set(kEntryOutput, "output.last", xnn_buffer_bytes(H));
  set(kEntrySlotBuffers, "ring.slot_buffers", r.slot_buffers);
  set(kEntryRankMessages, "ring.exchange_messages",
      ranks > 1 ? 3 * xnn_buffer_bytes(message) + xnn_buffer_bytes(kv.read_floats()) : 0);
  set(kEntryKvStaging, "kv.write_staging", file ? xnn_buffer_bytes(FileKvStore::staging_floats(kv)) : 0);
  set(kEntryKvStore, "kv.store", file ? 0 : xnn_buffer_bytes(kv.bytes() / sizeof(float)));
  set(kEntryResidualStream, "bidirectional.residual", file ? 0 : xnn_buffer_bytes(residual / sizeof(float)));
  plan->count = kEntryCount;
  plan->arena_bytes = lay_out_arena(plan->entries, plan->count);

  plan->kv_bytes = file ? FileKvStore::file_bytes(kv) : e[kEntryKvStore].bytes;
  plan->kv_in_arena = !file;
  plan->kv_dtype = o.kv_dtype;
  plan->workers = P;
  plan->chunk = C;
  plan->max_context = o.max_context;
  plan->ranks = ranks;
  plan->rank = rank;
  plan->kv_positions = positions;
  plan->kv_window_buffer = details->window_buffer;
  plan->layer_by_layer = details->layer_by_layer;
  plan->residual_bytes = residual;
  return Status::Ok();
}

Status plan_session(const Model& model, const SessionOptions& options, MemoryPlan* plan) {
  if (!plan) return Status::Error(StatusCode::kInvalidArgument, "plan_session: null plan");
  RINGRT_RETURN_IF_ERROR(check_runtime_support(model.impl().options()));  // as Session::create
  PlanDetails details;
  return plan_session_buffers(model.impl().options(), model.info().weights_f16, options, plan, &details);
}

}  // namespace ringrt
