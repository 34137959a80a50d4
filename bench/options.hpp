// Command line of ringrt-bench and the problem sizes each case uses (full or --smoke).
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace bench {

// Sequence lengths per case. `ref` is the length the targets are judged at (16K).
struct Sizes {
  std::vector<uint64_t> core;    // case 2
  uint64_t core_one_worker_max;  // case 2 skips longer T with 1 worker (run-time budget)
  std::vector<uint64_t> naive;   // case 3
  std::vector<uint64_t> e2e;     // case 4; the exponent is fitted between the last two
  std::vector<uint64_t> stream;  // case 5: history lengths
  std::vector<uint64_t> honest;  // case 6a
  std::vector<uint64_t> flat;    // case 6b
  uint64_t file_vs_memory;       // case 6c
  std::vector<uint64_t> balance; // case 7: 2 workers, contiguous vs striped rows
  uint64_t kv_dtype_history;     // case 8: appends at this history, per KV dtype (0: skipped)
  uint64_t bandwidth_mib;        // case 8: the buffer the read bandwidth is measured over
  uint64_t page_cache_history;   // case 9: a file store grown to this history (0: skipped)
  uint64_t ref;                  // 16K: targets of cases 2, 3 and 4
  int roofline_batches;          // best-of batches per GEMM (times --repeat)
  int roofline_iterations;       // GEMMs per batch
};

struct Options {
  std::set<std::string> cases;  // empty: all
  bool smoke = false;
  int repeat = 1;
  uint64_t max_tokens = 0;  // --max-tokens: drop every sequence length above it (0: none)
  Sizes sizes;

  bool wants(const char* name) const { return cases.empty() || cases.count(name) != 0; }
};

// Parses argv; on --help or a usage error prints to stdout/stderr and sets *exit_code
// (0 or 2) and returns false.
bool parse_options(int argc, char** argv, Options* out, int* exit_code);

// "4K", "16K", "512"
std::string size_label(uint64_t tokens);

}  // namespace bench
