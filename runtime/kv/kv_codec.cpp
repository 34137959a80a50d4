#include "kv_codec.hpp"

#include <cmath>
#include <cstring>
#include <initializer_list>

#include "fp16.hpp"
#include "number_runs.hpp"

namespace ringrt {

const char* kv_dtype_name(KvDtype dtype) {
  switch (dtype) {
    case KvDtype::kF32: return "f32";
    case KvDtype::kF16: return "f16";
    case KvDtype::kInt8: return "int8";
  }
  return "unknown";
}

bool parse_kv_dtype(const char* name, KvDtype* out) {
  for (KvDtype d : {KvDtype::kF32, KvDtype::kF16, KvDtype::kInt8}) {
    if (name && std::strcmp(name, kv_dtype_name(d)) == 0) {
      *out = d;
      return true;
    }
  }
  return false;
}

bool KvCodec::encode(const float* x, std::size_t n, void* dst, std::size_t stride, float* scale) const {
  *scale = 1.0f;
  if (dtype == KvDtype::kF32) {
    float* d = static_cast<float*>(dst);
    for (std::size_t i = 0; i < n; ++i) d[i * stride] = x[i];
    return true;
  }
  if (dtype == KvDtype::kF16) {
    uint16_t* d = static_cast<uint16_t*>(dst);
    for (std::size_t i = 0; i < n; ++i) {
      if (!(std::fabs(x[i]) <= kF16KvLimit)) return false;
      d[i * stride] = f32_to_f16(x[i]);
    }
    return true;
  }
  float amax = 0.0f;
  for (std::size_t i = 0; i < n; ++i) amax = std::fmax(amax, std::fabs(x[i]));
  if (!std::isfinite(amax)) return false;
  int8_t* d = static_cast<int8_t*>(dst);
  if (amax == 0.0f) {
    *scale = 0.0f;
    for (std::size_t i = 0; i < n; ++i) d[i * stride] = 0;
    return true;
  }
  *scale = amax / 127.0f;
  const float inverse = 127.0f / amax;
  for (std::size_t i = 0; i < n; ++i) {
    float q = std::nearbyint(x[i] * inverse);
    q = q > 127.0f ? 127.0f : q < -127.0f ? -127.0f : q;
    d[i * stride] = static_cast<int8_t>(q);
  }
  return true;
}

void KvCodec::decode_piece(const void* src, std::size_t stride, float scale, std::size_t n, float* out) const {
  for (std::size_t i = 0; i < n; ++i) {
    if (dtype == KvDtype::kF32) {
      out[i] = static_cast<const float*>(src)[i * stride];
    } else if (dtype == KvDtype::kF16) {
      out[i] = f16_to_f32(static_cast<const uint16_t*>(src)[i * stride]);
    } else {
      out[i] = static_cast<float>(static_cast<const int8_t*>(src)[i * stride]) * scale;
    }
  }
}

void KvCodec::decode_run(const void* src, std::size_t n, float scale, float* out) const {
  if (dtype == KvDtype::kF32) {
    std::memcpy(out, src, n * sizeof(float));
  } else if (dtype == KvDtype::kF16) {
    f16_to_f32_run(static_cast<const uint16_t*>(src), n, out);
  } else {
    int8_to_f32_run(static_cast<const int8_t*>(src), n, scale, out);
  }
}

void KvCodec::decode_run_scaled(const void* src, std::size_t n, const float* scales, float* out) const {
  if (!scaled()) return decode_run(src, n, 1.0f, out);
  int8_to_f32_scaled_run(static_cast<const int8_t*>(src), n, scales, out);
}

}  // namespace ringrt
