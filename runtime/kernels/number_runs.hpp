// Runs of stored numbers widened to float32: what an f16 or int8 KV store's reads
// spend their time in (kv/kv_codec.hpp). Vectorised for the machine they run on:
// F16C on x86-64 (checked at run time), NEON on aarch64, target clones for int8.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ringrt {

// out[i] = the IEEE half s[i].
void f16_to_f32_run(const uint16_t* s, std::size_t n, float* out);
// out[i] = s[i] * scale.
void int8_to_f32_run(const int8_t* s, std::size_t n, float scale, float* out);
// out[i] = s[i] * scales[i].
void int8_to_f32_scaled_run(const int8_t* s, std::size_t n, const float* scales, float* out);

}  // namespace ringrt
