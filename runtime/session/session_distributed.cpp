// What a session of several ranks adds to session.cpp: every rank checks that the
// others run the same model and options, agrees with rank 0 on each append, gets
// its slice of the input from rank 0, and sends its outputs back to rank 0.
#include <cstdio>
#include <cstring>

#include "layer_norm.hpp"
#include "session_impl.hpp"

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
  char message[Status::kMaxMessage];
};

}  // namespace

Status SessionImpl::from_root(void* data, std::size_t bytes) {
  if (transport_->rank() != 0) return transport_->recv(0, data, bytes);
  for (uint32_t q = 1; q < transport_->ranks(); ++q) RINGRT_RETURN_IF_ERROR(transport_->send(q, data, bytes));
  return Status::Ok();
}

Status SessionImpl::agree(const Status& local) {
  Verdict first{static_cast<int32_t>(local.code()), transport_->rank(), {}};
  std::snprintf(first.message, sizeof first.message, "%s", local.message());
  if (transport_->rank() == 0) {
    for (uint32_t q = 1; q < transport_->ranks(); ++q) {
      Verdict v;
      RINGRT_RETURN_IF_ERROR(transport_->recv(q, &v, sizeof v));
      if (first.code == 0 && v.code != 0) first = v;
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

Status SessionImpl::check_same_options_on_every_rank(const ModelImpl& model) {
  const RankSetup mine{model.fingerprint(), plan_.max_context, plan_.workers, plan_.chunk};
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

Status SessionImpl::agree_on_append(Status local, std::size_t tokens, bool want_all) {
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

Status SessionImpl::scatter_input(const float* x, uint64_t start, std::size_t tokens, const ShardSlice& mine,
                                  const float** rows_out) {
  const std::size_t E = m_.embed_dim, row_bytes = E * sizeof(float);
  if (transport_->rank() == 0) {
    for (uint32_t q = 1; q < transport_->ranks(); ++q) {
      const ShardSlice slice = shard_slice(schedule_, q, start, tokens);
      if (slice.rows > 0) RINGRT_RETURN_IF_ERROR(transport_->send(q, x + (slice.begin - start) * E, slice.rows * row_bytes));
    }
    *rows_out = x + (mine.begin - start) * E;
  } else if (mine.rows > 0) {
    float* staged = buffer(kPlanInput);
    RINGRT_RETURN_IF_ERROR(transport_->recv(0, staged, mine.rows * row_bytes));
    *rows_out = staged;
  }
  return Status::Ok();
}

Status SessionImpl::gather_outputs(const ShardSlice& mine, uint64_t start, std::size_t tokens, float* all_outputs) {
  const std::size_t H = m_.hidden_size, row_bytes = H * sizeof(float);
  const uint32_t me = transport_->rank();
  const float* h = buffer(kPlanResidual);
  const float* gamma = norm(m_.num_layers, kAttnGamma);
  const float* beta = norm(m_.num_layers, kAttnBeta);
  if (want_all_) {
    if (mine.rows > 0) {
      float* normed = me == 0 ? all_outputs + (mine.begin - start) * H : buffer(kPlanNormed);
      norm_rows(h, normed, mine.rows, gamma, beta);
      if (me != 0) RINGRT_RETURN_IF_ERROR(transport_->send(0, normed, mine.rows * row_bytes));
    }
    for (uint32_t q = 1; me == 0 && q < transport_->ranks(); ++q) {
      const ShardSlice slice = shard_slice(schedule_, q, start, tokens);
      if (slice.rows > 0) {
        RINGRT_RETURN_IF_ERROR(transport_->recv(q, all_outputs + (slice.begin - start) * H, slice.rows * row_bytes));
      }
    }
  }
  // The last timestep: computed by its owner, then known to every rank.
  const uint32_t owner = schedule_.owner(start + tokens - 1);
  if (owner == me) layer_norm_rows(h + (mine.rows - 1) * H, out_, 0, 1, H, gamma, beta);
  if (owner != 0 && me == owner) RINGRT_RETURN_IF_ERROR(transport_->send(0, out_, row_bytes));
  if (owner != 0 && me == 0) RINGRT_RETURN_IF_ERROR(transport_->recv(owner, out_, row_bytes));
  return from_root(out_, row_bytes);
}

}  // namespace ringrt
