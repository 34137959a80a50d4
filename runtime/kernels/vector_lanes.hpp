// Loads and stores of GCC vectors of floats at any alignment, shared by the attention
// kernels' implementations (attention_block_impl.hpp, attention_row_impl.hpp). Each
// ISA's translation unit compiles them with its own flags: internal linkage, so no
// copy built for one instruction set is linked into another's.
#pragma once

#include <cstring>

#if defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wpsabi"
#endif

namespace ringrt {
namespace {

template <typename F>
inline F load_v(const float* p) {
  F v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
template <typename F>
inline void store_v(float* p, F v) {
  std::memcpy(p, &v, sizeof v);
}

}  // namespace
}  // namespace ringrt
