#include "session_plan.hpp"

#include <cstdio>
#include <cstring>
#include <unistd.h>
#include <xnnpack.h>

#include "kv_store_file.hpp"
#include "model_impl.hpp"
#include "rank_ring.hpp"
#include "residual_store.hpp"
#include "worker_ring.hpp"
#include "shard_schedule.hpp"
#include "xnn_fully_connected.hpp"

namespace ringrt {

namespace {

constexpr uint64_t kAlign = 64;
constexpr uint32_t kMaxWorkers = 64;
constexpr uint32_t kMaxChunk = 4096;
constexpr uint64_t kMaxContext = 1ull << 40;

uint64_t round_up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

// Every float buffer gets XNN_EXTRA_BYTES of readable slack, as XNNPACK reads past ends.
uint64_t floats(uint64_t count) { return round_up(count * sizeof(float) + XNN_EXTRA_BYTES, kAlign); }

}  // namespace

Status parse_kv_store(const char* spec, bool* file_store, char* path, std::size_t path_size) {
  *file_store = false;
  path[0] = '\0';
  if (!spec || std::strcmp(spec, "memory") == 0) return Status::Ok();
  if (std::strncmp(spec, "file:", 5) == 0 && spec[5] != '\0') {
    if (std::strlen(spec + 5) >= path_size) {
      return Status::Error(StatusCode::kInvalidArgument, "KV store path is longer than %zu bytes", path_size - 1);
    }
    std::snprintf(path, path_size, "%s", spec + 5);
    *file_store = true;
    return Status::Ok();
  }
  return Status::Error(StatusCode::kInvalidArgument, "KV store '%s' not understood: use 'memory' or 'file:PATH'", spec);
}

uint64_t window_ring_positions(uint32_t window, uint32_t chunk, uint64_t round) {
  return round_up(window - 1, chunk) + chunk + round_up(round, chunk);
}

uint32_t resolve_workers(uint32_t requested) {
  if (requested == 0) {
    const long online = sysconf(_SC_NPROCESSORS_ONLN);
    requested = online > 0 ? static_cast<uint32_t>(online) : 1;
  }
  return requested > kMaxWorkers ? kMaxWorkers : requested;
}

Status plan_buffers(const ModelOptions& m, bool weights_f16, const SessionOptions& o, MemoryPlan* plan,
                    PlanDetails* details) {
  if (o.chunk == 0 || o.chunk > kMaxChunk) {
    return Status::Error(StatusCode::kInvalidArgument, "chunk must be in [1, %u], got %u", kMaxChunk, o.chunk);
  }
  if (o.max_context == 0 || o.max_context > kMaxContext) {
    return Status::Error(StatusCode::kInvalidArgument, "max_context must be in [1, 2^40], got %llu",
                         static_cast<unsigned long long>(o.max_context));
  }
  if (o.workers > kMaxWorkers) {
    return Status::Error(StatusCode::kInvalidArgument, "workers must be at most %u, got %u", kMaxWorkers,
                         o.workers);
  }
  RINGRT_RETURN_IF_ERROR(
      parse_kv_store(o.kv_store, &details->file_store, details->store_path, sizeof details->store_path));
  const std::size_t P = resolve_workers(o.workers), C = o.chunk;
  const std::size_t E = m.embed_dim, H = m.hidden_size, heads = m.num_heads, D = m.head_dim(), L = m.num_layers;
  const std::size_t G = m.kv_heads(), W = m.qkv_width();  // kv heads; floats per qkv row
  const uint64_t rows = P * C;
  const uint32_t ranks = o.transport ? o.transport->ranks() : 1;
  if (ranks == 0) return Status::Error(StatusCode::kInvalidArgument, "the transport has no ranks");
  if (ranks > 1 && details->file_store) {  // ranks may share a disk: one file each
    const std::size_t used = std::strlen(details->store_path);
    const int n = std::snprintf(details->store_path + used, sizeof details->store_path - used, ".rank%u",
                                o.transport->rank());
    if (n < 0 || static_cast<std::size_t>(n) >= sizeof details->store_path - used) {
      return Status::Error(StatusCode::kInvalidArgument, "KV store path is too long for a per-rank suffix");
    }
  }
  // Positions the KV store holds: a causal sliding-window model keeps only the keys a
  // query can still see, in a ring, when that is smaller than max_context (then a
  // stream may run forever); a rank of several holds its share of the context
  // (shard_schedule.hpp); otherwise the whole context.
  const uint64_t ring = m.sliding_window ? window_ring_positions(m.sliding_window, static_cast<uint32_t>(C), rows) : 0;
  details->kv_ring = m.causal && m.sliding_window > 0 && ranks == 1 && ring < o.max_context;
  const uint64_t positions = details->kv_ring ? ring
                             : ranks > 1      ? ShardSchedule{ranks, rows}.share_capacity(o.max_context)
                                              : o.max_context;
  // A bidirectional model runs layer by layer: the store holds one layer's KV and the
  // residual stream of every position waits between layers (residual_store.hpp).
  details->layer_by_layer = !m.causal;
  const std::size_t kv_layers = details->layer_by_layer ? 1 : L;
  std::snprintf(details->residual_path, sizeof details->residual_path, "%s.residual", details->store_path);

  // XNNPACK operator footprints, measured by creating each shape once.
  const FcShape dense[5] = {{E, H, E, H, true}, {H, W, H, W, true}, {H, H, H, H, true},
                            {H, 4 * H, H, 4 * H, true}, {4 * H, H, 4 * H, H, true}};
  for (int i = 0; i < 5; ++i) {
    details->dense_bytes[i] = 0;
    if (i == 0 && !m.has_input_projection()) continue;
    RINGRT_RETURN_IF_ERROR(FullyConnected::footprint(dense[i], &details->dense_bytes[i]));
    details->dense_bytes[i] = round_up(details->dense_bytes[i] + 4096, kAlign);
  }
  const FcShape k_op{D, C, W, C, false}, v_op{C, D, C, D, true};
  RINGRT_RETURN_IF_ERROR(FullyConnected::footprint(k_op, &details->slot_op_bytes[0]));
  RINGRT_RETURN_IF_ERROR(FullyConnected::footprint(v_op, &details->slot_op_bytes[1]));
  for (std::size_t& b : details->slot_op_bytes) b = round_up(b + 4096, kAlign);
  const std::size_t S = kKeySplitRows, M = C > S ? C : S;
  const FcShape q_op{D, S, D, S, false}, p_op{C, S, C, S, true};
  RINGRT_RETURN_IF_ERROR(FullyConnected::footprint(q_op, &details->split_op_bytes[0]));
  RINGRT_RETURN_IF_ERROR(FullyConnected::footprint(p_op, &details->split_op_bytes[1]));
  for (std::size_t& b : details->split_op_bytes) b = round_up(b + 4096, kAlign);
  details->f16_scratch_floats = weights_f16 ? 4 * H * H + 4 * H + (E * H) : 0;

  uint64_t bytes[kPlanCount];
  const char* names[kPlanCount];
  auto set = [&](ArenaEntry s, const char* name, uint64_t b) {
    names[s] = name;
    bytes[s] = b;
  };
  set(kPlanInput, "activations.input", floats(rows * E));
  set(kPlanResidual, "activations.residual", floats(rows * H));
  set(kPlanNormed, "activations.normed", floats(rows * H));
  set(kPlanQkv, "activations.qkv", floats(rows * W));
  set(kPlanAttention, "activations.attention", floats(rows * H));
  set(kPlanFfn, "activations.ffn", floats(rows * 4 * H));
  set(kPlanScores, "ring.scores", P * floats(C * M));
  set(kPlanPv, "ring.pv", P * floats(M * D + 2 * M));
  set(kPlanSoftmax, "ring.softmax_state", P * floats(heads * M * 2 + M));
  set(kPlanPartials, "ring.keysplit_partials", P * floats(S * H));
  set(kPlanQueries, "ring.keysplit_queries", floats(heads * S * D));
  set(kPlanNormWeights, "weights.norms", floats((2 * L + 1) * 2 * H));
  set(kPlanSinks, "weights.sinks", m.attention_sinks ? floats(L * heads) : 0);
  set(kPlanF16Scratch, "weights.f16_scratch", details->f16_scratch_floats ? floats(details->f16_scratch_floats) : 0);
  uint64_t dense_total = details->dense_bytes[0];
  for (int i = 1; i < 5; ++i) dense_total += L * details->dense_bytes[i];
  set(kPlanDenseOps, "xnnpack.dense_ops", dense_total);
  set(kPlanSlotOps, "xnnpack.ring_slots", (P + 1) * G * (details->slot_op_bytes[0] + details->slot_op_bytes[1]));
  set(kPlanKeySplitOps, "xnnpack.keysplit_ops", P * (heads * details->split_op_bytes[0] + details->split_op_bytes[1]));
  set(kPlanOutput, "output.last", floats(H));
  const bool file = details->file_store;
  set(kPlanSlotBuffers, "ring.slot_buffers", (P + 1) * floats(2 * G * C * D));
  const std::size_t message = RankRing::message_floats(static_cast<uint32_t>(G), static_cast<uint32_t>(D),
                                                          static_cast<uint32_t>(C));
  set(kPlanExchange, "ring.exchange_messages", ranks > 1 ? 3 * floats(message) + floats(C * D) : 0);
  set(kPlanKvStaging, "kv.write_staging", file ? floats(rows * D) : 0);
  const uint64_t residual = details->layer_by_layer ? ResidualStore::bytes(o.max_context, static_cast<uint32_t>(H)) : 0;
  set(kPlanResidualStream, "bidirectional.residual", file ? 0 : round_up(residual + XNN_EXTRA_BYTES, kAlign));
  set(kPlanKvStore, "kv.store", file ? 0 : floats(kv_layers * 2 * positions * G * D));

  plan->count = 0;
  uint64_t offset = 0;
  for (std::size_t s = 0; s < kPlanCount; ++s) {
    plan->entries[s] = PlanEntry{names[s], bytes[s], offset};
    offset += bytes[s];
  }
  plan->count = kPlanCount;
  plan->arena_bytes = round_up(offset, 4096);
  const KvGeometry geometry{static_cast<uint32_t>(kv_layers), static_cast<uint32_t>(G), static_cast<uint32_t>(D),
                            positions, static_cast<uint32_t>(C), static_cast<uint32_t>(heads * D), details->kv_ring};
  plan->kv_bytes = file ? FileKvStore::file_bytes(geometry) : bytes[kPlanKvStore];
  plan->kv_in_arena = !file;
  plan->workers = static_cast<uint32_t>(P);
  plan->chunk = static_cast<uint32_t>(C);
  plan->max_context = o.max_context;
  plan->ranks = ranks;
  plan->rank = o.transport ? o.transport->rank() : 0;
  plan->kv_positions = positions;
  plan->kv_ring = details->kv_ring;
  plan->layer_by_layer = details->layer_by_layer;
  plan->residual_bytes = residual;
  return Status::Ok();
}

Status plan_session(const Model& model, const SessionOptions& options, MemoryPlan* plan) {
  if (!plan) return Status::Error(StatusCode::kInvalidArgument, "plan_session: null plan");
  RINGRT_RETURN_IF_ERROR(check_runtime_support(model.impl().options()));  // as Session::create
  PlanDetails details;
  return plan_buffers(model.impl().options(), model.info().weights_f16, options, plan, &details);
}

}  // namespace ringrt
