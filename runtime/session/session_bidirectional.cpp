// Bidirectional models: every query of a layer needs the keys of every position, so
// the sequence runs layer by layer instead of round by round through all layers.
//
// append() stores the new tokens' embedded input, then recomputes the whole
// sequence (a bidirectional output changes when any token arrives):
//   for every layer:
//     pass 1, a round of rows at a time: residual -> LayerNorm -> QKV -> KV store
//     pass 2, a round of rows at a time: residual -> LayerNorm -> QKV, attention of
//             the round's queries to every key through the ring, out projection and
//             FFN -> the residual stream, written back in place
// The residual stream of every position waits between layers in the ResidualStore
// (the arena, or a file beside the KV file store); the KV store holds one layer. So
// the working set stays one round of rows, whatever the sequence length. An append
// costs the whole sequence: O(T^2) attention per layer.
#include <cstring>

#include "layer_norm.hpp"
#include "session_impl.hpp"

namespace ringrt {

Status SessionImpl::layer_pass(uint32_t l, uint64_t total, bool keys) {
  const std::size_t round = static_cast<std::size_t>(plan_.workers) * plan_.chunk;
  float* h = buffer(kPlanResidual);
  float* a = buffer(kPlanNormed);
  float* qkv = buffer(kPlanQkv);
  const ResidualStore::Stream source = l == 1 ? ResidualStore::kInputs : ResidualStore::kResidual;
  FullyConnected& qkv_op = layer_ops_[(l - 1) * kLayerOps + kQkvOp];
  for (uint64_t first = 0; first < total; first += round) {
    const std::size_t rows = static_cast<std::size_t>(total - first < round ? total - first : round);
    RINGRT_RETURN_IF_ERROR(residual_.read(source, first, rows, h));
    norm_rows(h, a, rows, norm(l - 1, kAttnGamma), norm(l - 1, kAttnBeta));
    RINGRT_RETURN_IF_ERROR(qkv_op.run(rows, a, qkv, threads_.handle()));
    if (keys) {
      RINGRT_RETURN_IF_ERROR(ring_store()->write(l - 1, first, rows, qkv, m_.qkv_width()));
      continue;
    }
    RINGRT_RETURN_IF_ERROR(ring_.run(l - 1, first, rows, qkv, buffer(kPlanAttention), total));
    RINGRT_RETURN_IF_ERROR(finish_layer(l, rows));
    RINGRT_RETURN_IF_ERROR(residual_.write(ResidualStore::kResidual, first, rows, h));
  }
  return Status::Ok();
}

Status SessionImpl::store_inputs(const float* x, std::size_t tokens) {
  const std::size_t E = m_.embed_dim;
  const std::size_t round = static_cast<std::size_t>(plan_.workers) * plan_.chunk;
  float* h = buffer(kPlanResidual);
  for (std::size_t done = 0; done < tokens; done += round) {
    const std::size_t rows = tokens - done < round ? tokens - done : round;
    RINGRT_RETURN_IF_ERROR(embed_rows(x + done * E, rows, h));
    RINGRT_RETURN_IF_ERROR(residual_.write(ResidualStore::kInputs, length_ + done, rows, h));
  }
  return Status::Ok();
}

Status SessionImpl::append_deferred(const float* x, std::size_t tokens, std::size_t width) {
  if (!details_.layer_by_layer) return append(x, tokens, width, nullptr);
  RINGRT_RETURN_IF_ERROR(check_append(x, tokens, width));
  RINGRT_RETURN_IF_ERROR(store_inputs(x, tokens));
  length_ += tokens;  // the layers run at the next append()
  has_output_ = false;
  return Status::Ok();
}

Status SessionImpl::append_layer_by_layer(const float* x, std::size_t tokens, float* all_outputs) {
  const std::size_t H = m_.hidden_size;
  const std::size_t round = static_cast<std::size_t>(plan_.workers) * plan_.chunk;
  float* h = buffer(kPlanResidual);
  RINGRT_RETURN_IF_ERROR(store_inputs(x, tokens));
  const uint64_t total = length_ + tokens;
  for (uint32_t l = 1; l <= m_.num_layers; ++l) {
    RINGRT_RETURN_IF_ERROR(layer_pass(l, total, true));
    RINGRT_RETURN_IF_ERROR(layer_pass(l, total, false));
  }
  // The KV store holds scratch here (one layer, recomputed at every append): nothing
  // is committed, so the same file store path can serve the next session.
  // Outputs: the final LayerNorm of the appended positions (computed with the whole
  // sequence), and of the last one.
  const ResidualStore::Stream last = m_.num_layers ? ResidualStore::kResidual : ResidualStore::kInputs;
  const float* gamma = norm(m_.num_layers, kAttnGamma);
  const float* beta = norm(m_.num_layers, kAttnBeta);
  for (std::size_t done = 0; all_outputs && done < tokens; done += round) {
    const std::size_t rows = tokens - done < round ? tokens - done : round;
    RINGRT_RETURN_IF_ERROR(residual_.read(last, length_ + done, rows, h));
    norm_rows(h, all_outputs + done * H, rows, gamma, beta);
  }
  RINGRT_RETURN_IF_ERROR(residual_.read(last, total - 1, 1, h));
  layer_norm_rows(h, out_, 0, 1, H, gamma, beta);
  length_ = total;
  has_output_ = true;
  return Status::Ok();
}

}  // namespace ringrt
