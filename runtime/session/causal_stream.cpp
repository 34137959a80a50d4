#include "causal_stream.hpp"

#include <cstring>

namespace ringrt {

Status CausalStream::append(const float* x, std::size_t tokens, std::size_t width, float* all_outputs) {
  RINGRT_RETURN_IF_ERROR(s_.check_shape(x, tokens, width));
  RINGRT_RETURN_IF_ERROR(check_room(tokens));
  RINGRT_RETURN_IF_ERROR(s_.check_finite(x, tokens));
  // Rounds of up to workers x chunk tokens. A round that fails (a store write, a NaN
  // or an Inf in an intermediate) leaves the sequence, and output(), at the rounds
  // completed before it: length() tells.
  const std::size_t E = s_.m.embed_dim, H = s_.m.hidden_size, round = s_.round_rows();
  for (std::size_t done = 0; done < tokens;) {
    const std::size_t rows = tokens - done < round ? tokens - done : round;
    RINGRT_RETURN_IF_ERROR(run_round(x + done * E, rows, all_outputs ? all_outputs + done * H : nullptr));
    done += rows;
  }
  return Status::Ok();
}

Status CausalStream::run_round(const float* x, std::size_t rows, float* all_outputs) {
  LayerStack& layers = s_.layers;
  const uint64_t start = s_.length;
  RINGRT_RETURN_IF_ERROR(layers.embed(x, rows, start));
  for (uint32_t l = 1; l <= s_.m.num_layers; ++l) {
    RINGRT_RETURN_IF_ERROR(layers.qkv(l, rows, start));
    RINGRT_RETURN_IF_ERROR(s_.store->write(l - 1, start, rows, layers.qkv_rows(), layers.qkv_width()));
    RINGRT_RETURN_IF_ERROR(s_.ring.run(l - 1, start, rows, layers.qkv_rows(), layers.attention(), start + rows));
    RINGRT_RETURN_IF_ERROR(layers.finish(l, rows, start));
  }
  const std::size_t H = s_.m.hidden_size;
  const float* h = layers.residual();
  if (all_outputs) RINGRT_RETURN_IF_ERROR(layers.final_norm(h, all_outputs, rows, start));
  // The last output waits in normed() (free after the last layer) until the round is committed.
  float* last = layers.normed();
  RINGRT_RETURN_IF_ERROR(layers.final_norm_row(h + (rows - 1) * H, last, start + rows - 1));
  RINGRT_RETURN_IF_ERROR(s_.store->commit(start + rows));
  std::memcpy(s_.out, last, H * sizeof(float));
  s_.length = start + rows;
  s_.has_output = true;
  return Status::Ok();
}

Status CausalStream::truncate(uint64_t length) {
  s_.has_output = false;
  s_.length = length;
  return s_.store->commit(length);
}

uint64_t CausalStream::kv_bytes_stored() const { return s_.kv_bytes(s_.length, s_.m.num_layers); }

Status WindowStream::truncate(uint64_t length) {
  // The buffer keeps the last kv_positions keys: going back must leave the window
  // before `length` in it (the next round overwrites the rest).
  const uint64_t keep = s_.plan.kv_positions - (s_.m.sliding_window - 1);
  if (length > 0 && s_.length - length > keep) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "truncate(%llu): a sliding-window stream of %llu tokens can go back at most %llu tokens "
                         "(its KV ring keeps the last %llu positions); reset() starts over",
                         static_cast<unsigned long long>(length), static_cast<unsigned long long>(s_.length),
                         static_cast<unsigned long long>(keep),
                         static_cast<unsigned long long>(s_.plan.kv_positions));
  }
  return CausalStream::truncate(length);
}

uint64_t WindowStream::kv_bytes_stored() const {
  const uint64_t held = s_.length > s_.plan.kv_positions ? s_.plan.kv_positions : s_.length;
  return s_.kv_bytes(held, s_.m.num_layers);
}

}  // namespace ringrt
