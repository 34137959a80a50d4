// append() stores the new tokens' embedded input, then recomputes the whole
// sequence (a bidirectional output changes when any token arrives):
//   for every layer:
//     pass 1, a round of rows at a time: residual -> LayerNorm -> QKV -> KV store
//     pass 2, a round of rows at a time: residual -> LayerNorm -> QKV, attention of
//             the round's queries to every key through the worker ring, out
//             projection and FFN -> the residual stream, written back in place
// The residual stream of every position waits between layers in the ResidualStore
// (the arena, or a file beside the KV file store); the KV store holds one layer. So
// the working set stays one round of rows, whatever the sequence length. An append
// costs the whole sequence: O(T^2) attention per layer.
#include "layer_by_layer.hpp"

#include <cstring>

namespace ringrt {

Status LayerByLayer::layer_pass(uint32_t l, uint64_t total, bool keys) {
  const std::size_t round = s_.round_rows();
  LayerStack& layers = s_.layers;
  const ResidualStore::Stream source = l == 1 ? ResidualStore::kInputs : ResidualStore::kResidual;
  for (uint64_t first = 0; first < total; first += round) {
    const std::size_t rows = static_cast<std::size_t>(total - first < round ? total - first : round);
    RINGRT_RETURN_IF_ERROR(s_.residual.read(source, first, rows, layers.residual()));
    RINGRT_RETURN_IF_ERROR(layers.qkv(l, rows, first));
    if (keys) {
      RINGRT_RETURN_IF_ERROR(s_.ring_store->write(l - 1, first, rows, layers.qkv_rows(), layers.qkv_width()));
      continue;
    }
    RINGRT_RETURN_IF_ERROR(s_.ring.run(l - 1, first, rows, layers.qkv_rows(), layers.attention(), total));
    RINGRT_RETURN_IF_ERROR(layers.finish(l, rows, first));
    RINGRT_RETURN_IF_ERROR(s_.residual.write(ResidualStore::kResidual, first, rows, layers.residual()));
  }
  return Status::Ok();
}

Status LayerByLayer::store_inputs(const float* x, std::size_t tokens) {
  const std::size_t E = s_.m.embed_dim, round = s_.round_rows();
  for (std::size_t done = 0; done < tokens; done += round) {
    const std::size_t rows = tokens - done < round ? tokens - done : round;
    RINGRT_RETURN_IF_ERROR(s_.layers.embed(x + done * E, rows, s_.length + done));
    RINGRT_RETURN_IF_ERROR(s_.residual.write(ResidualStore::kInputs, s_.length + done, rows, s_.layers.residual()));
  }
  return Status::Ok();
}

Status LayerByLayer::append_deferred(const float* x, std::size_t tokens, std::size_t width) {
  RINGRT_RETURN_IF_ERROR(s_.check_shape(x, tokens, width));
  RINGRT_RETURN_IF_ERROR(s_.check_capacity(tokens));
  RINGRT_RETURN_IF_ERROR(s_.check_finite(x, tokens));
  RINGRT_RETURN_IF_ERROR(store_inputs(x, tokens));
  s_.length += tokens;  // the layers run at the next append()
  s_.has_output = false;
  return Status::Ok();
}

Status LayerByLayer::append(const float* x, std::size_t tokens, std::size_t width, float* all_outputs) {
  RINGRT_RETURN_IF_ERROR(s_.check_shape(x, tokens, width));
  RINGRT_RETURN_IF_ERROR(s_.check_capacity(tokens));
  RINGRT_RETURN_IF_ERROR(s_.check_finite(x, tokens));
  const std::size_t H = s_.m.hidden_size, round = s_.round_rows();
  LayerStack& layers = s_.layers;
  RINGRT_RETURN_IF_ERROR(store_inputs(x, tokens));
  const uint64_t total = s_.length + tokens;
  for (uint32_t l = 1; l <= s_.m.num_layers; ++l) {
    RINGRT_RETURN_IF_ERROR(layer_pass(l, total, true));
    RINGRT_RETURN_IF_ERROR(layer_pass(l, total, false));
  }
  // The KV store holds scratch here (one layer, recomputed at every append): nothing
  // is committed, so the same file store path can serve the next session.
  // Outputs: the final LayerNorm of the appended positions (computed with the whole
  // sequence), and of the last one.
  const ResidualStore::Stream last = s_.m.num_layers ? ResidualStore::kResidual : ResidualStore::kInputs;
  float* h = layers.residual();
  for (std::size_t done = 0; all_outputs && done < tokens; done += round) {
    const std::size_t rows = tokens - done < round ? tokens - done : round;
    RINGRT_RETURN_IF_ERROR(s_.residual.read(last, s_.length + done, rows, h));
    RINGRT_RETURN_IF_ERROR(layers.final_norm(h, all_outputs + done * H, rows, s_.length + done));
  }
  RINGRT_RETURN_IF_ERROR(s_.residual.read(last, total - 1, 1, h));
  float* out = layers.normed();  // output() keeps the last append's until this one succeeds
  RINGRT_RETURN_IF_ERROR(layers.final_norm_row(h, out, total - 1));
  std::memcpy(s_.out, out, H * sizeof(float));
  s_.length = total;
  s_.has_output = true;
  return Status::Ok();
}

// The KV store is scratch, recomputed at every append: nothing to commit.
Status LayerByLayer::truncate(uint64_t length) {
  s_.has_output = false;
  s_.length = length;
  return Status::Ok();
}

uint64_t LayerByLayer::kv_bytes_stored() const { return s_.kv_bytes(s_.length, 1); }

}  // namespace ringrt
