// Everything measured in this run, kept by the parent for cross-case ratios and the
// final targets summary.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace bench {

struct RooflineResult {
  double qk_gflops;     // 256x64 · 64x256
  double pv_gflops;     // 256x256 · 256x64
  double block_gflops;  // both in sequence: (flops_qk + flops_pv) / (t_qk + t_pv)
  double rss;           // peak RSS of the measuring process, bytes
};

struct CoreResult {
  double seconds;  // whole sequence, one layer
  double gflops;   // causal: 2 T^2 H
  double rss;      // peak RSS of the measuring process, bytes
};

struct NaiveResult {
  double seconds;
  double gflops;  // executed (full T x T): 4 T^2 H
  double rss;
};

struct E2eResult {
  double seconds;
  double gflops;  // attention (causal) + dense layers
  double rss;
  double arena;
};

struct StreamResult {
  double seconds;    // median of the timed 64-token appends
  uint64_t history;  // history length when they were timed (>= the nominal length)
  double rss;
};

struct HonestResult {
  uint64_t tokens;
  double peak_rss;
  double rss_before;  // after Model::load, before Session::create
  double arena;
};

struct FlatResult {
  uint64_t tokens;
  double peak_rss;
  double arena;
  double model_bytes;
  double tokens_per_s;
};

struct BalanceRun {  // one row assignment, the best (shortest) of the timed runs
  double seconds;         // wall time of the whole sequence
  double busy[2];         // per worker: seconds inside attend() + prepare_share()
  double visible[2];      // per worker: (query row, key) pairs the causal mask lets through, per head
  double computed[2];     // per worker: score entries computed, per head
};

struct BalanceResult {
  BalanceRun contiguous, striped;
  double rss;
};

using SizeWorkers = std::pair<uint64_t, int>;

struct Results {
  std::map<int, RooflineResult> roofline;  // by threads
  std::map<int, double> fma_peak;          // GFLOP/s by threads (0: not measurable here)
  std::map<SizeWorkers, CoreResult> core;
  std::map<SizeWorkers, NaiveResult> naive;
  std::map<SizeWorkers, E2eResult> e2e;
  std::map<uint64_t, StreamResult> stream;  // by nominal history length
  std::map<uint64_t, BalanceResult> balance;  // by T (2 workers)
  // Case 8: 1-token append seconds and its bandwidth floor, by KV dtype (0 f32, 1 f16, 2 int8).
  std::map<int, std::pair<double, double>> kv_dtype_append;
  std::vector<HonestResult> honest;
  std::vector<FlatResult> flat;
  std::string file_store_unavailable;  // non-empty: why the file-store cases did not run
  double file_tokens_per_s = 0, memory_tokens_per_s = 0;
  std::vector<std::string> failures;   // measurements that could not run

  template <typename M>
  static const typename M::mapped_type* find(const M& m, const typename M::key_type& k) {
    auto it = m.find(k);
    return it == m.end() ? nullptr : &it->second;
  }
};

}  // namespace bench
