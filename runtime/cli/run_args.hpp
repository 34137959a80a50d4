// Command-line options of ringrt-run.
#pragma once

#include <cstdint>
#include <string>

#include "ringrt/ringrt.hpp"

namespace ringrt::cli {

struct RunArgs {
  std::string model;
  std::string input;
  std::string output;        // empty: no output file
  uint32_t threads = 0;      // 0: online cores
  uint32_t chunk = 256;
  uint64_t max_context = 0;  // 0: the input's sequence length
  std::string kv_store = "memory";  // "memory" or "file:PATH"
  ringrt::KvDtype kv_dtype = ringrt::KvDtype::kF32;
  bool resume = false;
  bool plan = false;
  bool all_timesteps = false;
  bool quiet = false;
  bool distributed = false;      // one rank of an MPI job (mpirun)
  double peer_timeout = 60.0;    // seconds a rank waits for another before failing
};

enum class ParseResult { kRun, kHelp, kVersion, kError };

// Parses argv; on kError writes the reason into *error.
ParseResult parse_run_args(int argc, char** argv, RunArgs* args, std::string* error);
const char* run_usage();

}  // namespace ringrt::cli
