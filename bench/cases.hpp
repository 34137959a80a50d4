// The benchmark cases and the state they share.
#pragma once

#include <cstdint>
#include <string>

#include "options.hpp"
#include "results.hpp"

namespace bench {

// Attention geometry of the Edifice defaults: 4 heads of 64 (H = 256), chunk 256.
constexpr uint32_t kHeads = 4;
constexpr uint32_t kHeadDim = 64;
constexpr uint32_t kHidden = kHeads * kHeadDim;
constexpr uint32_t kChunk = 256;

struct Context {
  Options opt;
  Results results;
  std::string temp_dir;     // created on first use, removed at exit
  std::string model_path;   // the synthetic Edifice default model, created on first use
  uint64_t model_bytes = 0;

  const std::string& temp();
  // Path of the model; empty (and a failure recorded) if it could not be made.
  const std::string& model();
  void fail(const std::string& what, const std::string& why);
};

// Measurements shared between cases: run once, cached in ctx.results.
const RooflineResult* measure_roofline(Context& ctx, int threads);
// The machine's FMA peak on `threads` threads, GFLOP/s (null: not measured).
const double* measure_fma_peak(Context& ctx, int threads);
// "x% of FMA peak" of `gflops` on `threads` threads, or "-".
std::string fraction_of_peak(Context& ctx, double gflops, int threads);
const CoreResult* measure_core(Context& ctx, uint64_t tokens, int workers);

void case_roofline(Context& ctx);
void case_core(Context& ctx);
void case_naive(Context& ctx);
void case_e2e(Context& ctx);
void case_stream(Context& ctx);
void case_memory(Context& ctx);
void case_balance(Context& ctx);
void case_kvdtype(Context& ctx);
void case_page_cache(Context& ctx);
// Case 8d (part of kvdtype): the streaming kernel alone against the 1-thread read bandwidth.
void stream_kernel_table(Context& ctx, double bandwidth_1thread);

void print_targets(const Context& ctx);

// Causal attention flops of one layer over T tokens: 2 T^2 H.
inline double causal_attention_flops(uint64_t T, uint32_t H) {
  return 2.0 * static_cast<double>(T) * static_cast<double>(T) * H;
}

// Flops of the Edifice default model over T tokens (case 4): causal attention, 2 T^2 H
// per layer, plus the dense layers (input projection, qkv, out, up, down: 2 T (E H +
// 12 L H^2)).
double e2e_flops(uint64_t T);

}  // namespace bench
