// Every rank checks that the others run the same model and options, agrees with
// rank 0 on each append, gets its slice of the input from rank 0, runs its rows
// through the layers with the rank ring, and sends its outputs back to rank 0.
#include "distributed_stream.hpp"

#include <cstdio>
#include <cstring>

namespace ringrt {

namespace {

struct RankSetup {
  uint64_t fingerprint;
  uint64_t max_context;
  uint32_t workers;
  uint32_t chunk;
};

struct AppendCall {
  uint64_t tokens;
  uint32_t want_all;
};

// One rank's verdict on a collective call.
struct Verdict {
  int32_t code;
  uint32_t rank;
  uint64_t order;  // of two failures, the one with the smaller order is reported
  char message[Status::kMaxMessage];
};

// Keeps the first failure of a round in `first`.
void keep(Status* first, const Status& s) {
  if (first->ok() && !s.ok()) *first = s;
}

}  // namespace

Status Distributed::from_root(void* data, std::size_t bytes) {
  if (transport_->rank() != 0) return transport_->recv(0, data, bytes);
  for (uint32_t q = 1; q < transport_->ranks(); ++q) RINGRT_RETURN_IF_ERROR(transport_->send(q, data, bytes));
  return Status::Ok();
}

Status Distributed::agree(const Status& local, uint64_t order) {
  Verdict first{static_cast<int32_t>(local.code()), transport_->rank(), order, {}};
  std::snprintf(first.message, sizeof first.message, "%s", local.message());
  if (transport_->rank() == 0) {
    for (uint32_t q = 1; q < transport_->ranks(); ++q) {
      Verdict v;
      RINGRT_RETURN_IF_ERROR(transport_->recv(q, &v, sizeof v));
      if (v.code != 0 && (first.code == 0 || v.order < first.order)) first = v;
    }
  } else {
    RINGRT_RETURN_IF_ERROR(transport_->send(0, &first, sizeof first));
  }
  RINGRT_RETURN_IF_ERROR(from_root(&first, sizeof first));
  if (first.code == 0) return Status::Ok();
  if (first.rank == transport_->rank()) return local;
  first.message[sizeof first.message - 1] = '\0';
  return Status::Error(static_cast<StatusCode>(first.code), "rank %u of %u failed: %s", first.rank,
                       transport_->ranks(), first.message);
}

Status Distributed::check_same_options_on_every_rank() {
  const RankSetup mine{s_.model->fingerprint(), s_.plan.max_context, s_.plan.workers, s_.plan.chunk};
  RankSetup root = mine;
  RINGRT_RETURN_IF_ERROR(from_root(&root, sizeof root));
  Status local = Status::Ok();
  if (std::memcmp(&root, &mine, sizeof root) != 0) {
    local = Status::Error(StatusCode::kInvalidArgument,
                          "rank %u runs model %016llx with workers %u, chunk %u, max_context %llu but rank 0 runs "
                          "model %016llx with workers %u, chunk %u, max_context %llu: every rank needs the same "
                          "model and session options",
                          transport_->rank(), static_cast<unsigned long long>(mine.fingerprint), mine.workers,
                          mine.chunk, static_cast<unsigned long long>(mine.max_context),
                          static_cast<unsigned long long>(root.fingerprint), root.workers, root.chunk,
                          static_cast<unsigned long long>(root.max_context));
  }
  return agree(local);
}

Status Distributed::agree_on_append(Status local, std::size_t tokens, bool want_all) {
  AppendCall call{tokens, want_all ? 1u : 0u};
  RINGRT_RETURN_IF_ERROR(from_root(&call, sizeof call));
  if (local.ok() && call.tokens != tokens) {
    local = Status::Error(StatusCode::kInvalidArgument,
                          "rank %u appended %zu tokens but rank 0 appended %llu: every rank must make the same calls",
                          transport_->rank(), tokens, static_cast<unsigned long long>(call.tokens));
  }
  RINGRT_RETURN_IF_ERROR(agree(local));
  want_all_ = call.want_all != 0;
  return Status::Ok();
}

Status Distributed::scatter_input(const float* x, uint64_t start, std::size_t tokens, const ShardSlice& mine,
                                  const float** rows_out) {
  const std::size_t E = s_.m.embed_dim, row_bytes = E * sizeof(float);
  if (transport_->rank() == 0) {
    for (uint32_t q = 1; q < transport_->ranks(); ++q) {
      const ShardSlice slice = shard_slice(schedule_, q, start, tokens);
      if (slice.rows > 0) RINGRT_RETURN_IF_ERROR(transport_->send(q, x + (slice.begin - start) * E, slice.rows * row_bytes));
    }
    // (A rank with no rows of this round points at x itself: mine.begin may precede start.)
    *rows_out = mine.rows > 0 ? x + (mine.begin - start) * E : x;
  } else if (mine.rows > 0) {
    float* staged = s_.layers.input();
    RINGRT_RETURN_IF_ERROR(transport_->recv(0, staged, mine.rows * row_bytes));
    *rows_out = staged;
  }
  return Status::Ok();
}

Status Distributed::gather_outputs(const ShardSlice& mine, uint64_t start, std::size_t tokens, float* all_outputs,
                                   Status* local) {
  const std::size_t H = s_.m.hidden_size, row_bytes = H * sizeof(float);
  const uint32_t me = transport_->rank();
  LayerStack& layers = s_.layers;
  const float* h = layers.residual();
  if (want_all_) {
    if (mine.rows > 0) {
      float* normed = me == 0 ? all_outputs + (mine.begin - start) * H : layers.normed();
      keep(local, layers.final_norm(h, normed, mine.rows, mine.begin));
      if (me != 0) RINGRT_RETURN_IF_ERROR(transport_->send(0, normed, mine.rows * row_bytes));
    }
    for (uint32_t q = 1; me == 0 && q < transport_->ranks(); ++q) {
      const ShardSlice slice = shard_slice(schedule_, q, start, tokens);
      if (slice.rows > 0) {
        RINGRT_RETURN_IF_ERROR(transport_->recv(q, all_outputs + (slice.begin - start) * H, slice.rows * row_bytes));
      }
    }
  }
  // The last timestep: computed by its owner, then known to every rank, in normed()
  // until the round is agreed (output() keeps the last round's until then).
  const uint32_t owner = schedule_.owner(start + tokens - 1);
  float* last = layers.normed();
  if (owner == me) keep(local, layers.final_norm_row(h + (mine.rows - 1) * H, last, start + tokens - 1));
  if (owner != 0 && me == owner) RINGRT_RETURN_IF_ERROR(transport_->send(0, last, row_bytes));
  if (owner != 0 && me == 0) RINGRT_RETURN_IF_ERROR(transport_->recv(owner, last, row_bytes));
  return from_root(last, row_bytes);
}

Status Distributed::start(float* messages) {
  const uint32_t P = s_.plan.workers, C = s_.plan.chunk, G = s_.m.kv_heads(), D = s_.m.head_dim();
  schedule_ = ShardSchedule{transport_->ranks(), static_cast<uint64_t>(P) * C};
  float* scratch = messages + 3 * RankRing::message_floats(G, D, C);
  rank_ring_.bind(transport_, s_.store.get(), &s_.ring, schedule_, G, D, C, messages, scratch);
  return check_same_options_on_every_rank();
}

Status Distributed::append(const float* x, std::size_t tokens, std::size_t width, float* all_outputs) {
  // Rank 0 holds the input and checks it; every rank learns the verdict.
  Status local;
  if (transport_->rank() == 0) {
    local = s_.check_shape(x, tokens, width);
    if (local.ok()) local = s_.check_capacity(tokens);
    if (local.ok()) local = s_.check_finite(x, tokens);
  } else if (width != s_.m.embed_dim) {
    local = Status::Error(StatusCode::kInvalidArgument,
                          "input has %zu features per token but the model expects embed_dim = %u", width,
                          s_.m.embed_dim);
  }
  RINGRT_RETURN_IF_ERROR(agree_on_append(local, tokens, all_outputs != nullptr));
  // Rounds of up to one block per rank. A round that fails leaves the sequence at
  // the rounds completed before it: length() tells.
  const std::size_t E = s_.m.embed_dim, H = s_.m.hidden_size;
  for (std::size_t done = 0; done < tokens;) {
    const std::size_t rows = static_cast<std::size_t>(schedule_.round_tokens(s_.length, tokens - done));
    const float* in = x ? x + done * E : nullptr;
    RINGRT_RETURN_IF_ERROR(run_round(in, rows, all_outputs ? all_outputs + done * H : nullptr));
    done += rows;
  }
  return Status::Ok();
}

// One round: up to one block per rank, each rank its own slice. A rank's own
// failure (a NaN or an Inf in its rows, a store write) is kept while the round's
// transfers go on, so that no rank is left waiting in the ring, and every rank
// learns it before the round commits. Of several, the one reported is a failure
// that is not a NaN or Inf (its cause may have spread them), else the NaN or Inf of
// the earliest rows.
Status Distributed::run_round(const float* x, std::size_t tokens, float* all_outputs) {
  const ShardSlice slice = shard_slice(schedule_, transport_->rank(), s_.length, tokens);
  const float* rows_in = x;
  RINGRT_RETURN_IF_ERROR(scatter_input(x, s_.length, tokens, slice, &rows_in));
  Status local;
  if (slice.rows > 0) keep(&local, s_.layers.embed(rows_in, slice.rows, slice.begin));
  for (uint32_t l = 1; l <= s_.m.num_layers; ++l) RINGRT_RETURN_IF_ERROR(run_layer(l, slice, tokens, &local));
  RINGRT_RETURN_IF_ERROR(gather_outputs(slice, s_.length, tokens, all_outputs, &local));
  RINGRT_RETURN_IF_ERROR(agree(local, local.code() == StatusCode::kNonFinite ? 1 + slice.begin : 0));
  RINGRT_RETURN_IF_ERROR(s_.store->commit(local_length(s_.length + tokens)));
  std::memcpy(s_.out, s_.layers.normed(), s_.m.hidden_size * sizeof(float));
  s_.length += tokens;
  s_.has_output = true;
  return Status::Ok();
}

// This rank's own store through the worker ring, then every other rank's KV around
// the rank ring (a rank with no rows this round still forwards). Failures of this
// rank's own work go to `local` (see run_round); the rank ring's end the round.
Status Distributed::run_layer(uint32_t l, const ShardSlice& slice, std::size_t tokens, Status* local) {
  const std::size_t rows = slice.rows;
  LayerStack& layers = s_.layers;
  if (rows > 0) {
    keep(local, layers.qkv(l, rows, slice.begin));
    keep(local, s_.store->write(l - 1, slice.local_start, rows, layers.qkv_rows(), layers.qkv_width()));
    keep(local, s_.ring.begin_round(l - 1, slice.local_start, rows, layers.qkv_rows(), layers.attention(),
                                    slice.local_start + rows));
    keep(local, s_.ring.attend_local());
  }
  RINGRT_RETURN_IF_ERROR(rank_ring_.run(l - 1, s_.length, tokens));
  if (rows == 0) return Status::Ok();
  s_.ring.finish_round();
  keep(local, layers.finish(l, rows, slice.begin));
  return Status::Ok();
}

Status Distributed::truncate(uint64_t length) {
  s_.has_output = false;
  s_.length = length;
  return s_.store->commit(local_length(length));
}

uint64_t Distributed::kv_bytes_stored() const { return s_.kv_bytes(local_length(s_.length), s_.m.num_layers); }

}  // namespace ringrt
