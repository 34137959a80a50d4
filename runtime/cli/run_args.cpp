#include "run_args.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace ringrt::cli {

const char* run_usage() {
  return "usage: ringrt-run MODEL.rrt --input X.npy [--output Y.npy] [options]\n"
         "       ringrt-run MODEL.rrt --plan [--threads N] [--chunk C] [--max-context N] [--kv-store S]\n"
         "\n"
         "Runs a ringrt model over each sequence of X.npy and writes the outputs.\n"
         "With --plan, prints every buffer a session would allocate and runs nothing.\n"
         "  X.npy: float32 (float64 and float16 are converted), C order, shape [T, E] or [B, T, E]\n"
         "  Y.npy: float32 [B, H] (last timestep of each sequence), or [B, T, H] with --all-timesteps\n"
         "\n"
         "options:\n"
         "  --input PATH        input array (required)\n"
         "  --output PATH       output array (written atomically; a device or FIFO in place; never\n"
         "                      the input, the model or the KV store; omitted: outputs are not saved)\n"
         "  --threads N         ring workers / threads (default: number of online cores)\n"
         "  --chunk C           tokens per query block and KV chunk (default 256)\n"
         "                      without --max-context both are clipped to what the input can use:\n"
         "                      chunk <= T, threads <= ceil(T / chunk)\n"
         "  --max-context N     longest sequence the session plans for (default: the input's T;\n"
         "                      8192 with --plan and no input)\n"
         "  --kv-store S        where the KV history lives: 'memory' (default, in the arena) or\n"
         "                      'file:PATH' (on disk; RAM use stays fixed however long the sequence)\n"
         "  --resume            continue the stream a file store holds (after a crash or kill);\n"
         "                      without it an existing non-empty store is refused, never overwritten\n"
         "  --plan              print the memory plan and exit\n"
         "  --all-timesteps     write every timestep's output, not just the last\n"
         "  --quiet             print nothing but errors (progress is shown only on a terminal)\n"
         "  --distributed       run as one rank of an MPI job: mpirun -np R ringrt-run ... --distributed;\n"
         "                      positions are shared out round robin in blocks of threads * chunk,\n"
         "                      KV chunks travel around the ring of ranks, rank 0 reads the input and\n"
         "                      writes the output; a file store gets one file per rank (PATH.rank<r>).\n"
         "                      Every rank needs the model file and the same options.\n"
         "  --peer-timeout S    with --distributed: seconds to wait for another rank before failing\n"
         "                      with an error that names it (default 60)\n"
         "  -h, --help          show this help\n"
         "\n"
         "exit status: 0 success, 1 bad model/input or runtime failure, 2 usage error\n";
}

namespace {

bool parse_uint(const char* text, uint64_t max, uint64_t* out) {
  if (!text || !*text || *text == '-' || *text == '+') return false;
  errno = 0;
  char* end = nullptr;
  const unsigned long long v = std::strtoull(text, &end, 10);
  if (errno != 0 || *end != '\0' || v > max) return false;
  *out = v;
  return true;
}

}  // namespace

ParseResult parse_run_args(int argc, char** argv, RunArgs* a, std::string* error) {
  for (int i = 1; i < argc; ++i) {
    const char* arg = argv[i];
    auto value = [&](const char* name) -> const char* {
      if (i + 1 >= argc) {
        *error = std::string(name) + " needs a value";
        return nullptr;
      }
      return argv[++i];
    };
    auto number = [&](const char* name, uint64_t min, uint64_t max, uint64_t* out) {
      const char* v = value(name);
      if (!v) return false;
      if (!parse_uint(v, max, out) || *out < min) {
        *error = std::string(name) + " must be an integer in [" + std::to_string(min) + ", " +
                 std::to_string(max) + "], got '" + v + "'";
        return false;
      }
      return true;
    };
    uint64_t n = 0;
    if (!std::strcmp(arg, "-h") || !std::strcmp(arg, "--help")) return ParseResult::kHelp;
    auto path = [&](const char* name, std::string* out) {
      const char* v = value(name);
      if (v && !*v) *error = std::string(name) + " needs a file path, got an empty one";
      if (!v || !*v) return false;
      *out = v;
      return true;
    };
    if (!std::strcmp(arg, "--input")) {
      if (!path(arg, &a->input)) return ParseResult::kError;
    } else if (!std::strcmp(arg, "--output")) {
      if (!path(arg, &a->output)) return ParseResult::kError;
    } else if (!std::strcmp(arg, "--threads")) {
      if (!number(arg, 1, 64, &n)) return ParseResult::kError;
      a->threads = static_cast<uint32_t>(n);
    } else if (!std::strcmp(arg, "--chunk")) {
      if (!number(arg, 1, 4096, &n)) return ParseResult::kError;
      a->chunk = static_cast<uint32_t>(n);
    } else if (!std::strcmp(arg, "--max-context")) {
      if (!number(arg, 1, 1ull << 40, &n)) return ParseResult::kError;
      a->max_context = n;
    } else if (!std::strcmp(arg, "--kv-store")) {
      const char* v = value(arg);
      if (!v) return ParseResult::kError;
      if (std::strcmp(v, "memory") != 0 && (std::strncmp(v, "file:", 5) != 0 || v[5] == '\0')) {
        *error = std::string("--kv-store must be 'memory' or 'file:PATH', got '") + v + "'";
        return ParseResult::kError;
      }
      a->kv_store = v;
    } else if (!std::strcmp(arg, "--resume")) {
      a->resume = true;
    } else if (!std::strcmp(arg, "--plan")) {
      a->plan = true;
    } else if (!std::strcmp(arg, "--all-timesteps")) {
      a->all_timesteps = true;
    } else if (!std::strcmp(arg, "--quiet")) {
      a->quiet = true;
    } else if (!std::strcmp(arg, "--distributed")) {
      a->distributed = true;
    } else if (!std::strcmp(arg, "--peer-timeout")) {
      if (!number(arg, 1, 86400, &n)) return ParseResult::kError;
      a->peer_timeout = static_cast<double>(n);
    } else if (arg[0] == '-' && arg[1] != '\0') {
      *error = std::string("unknown option '") + arg + "'";
      return ParseResult::kError;
    } else if (!*arg) {
      *error = a->model.empty() ? "the model file path is empty" : "unexpected empty argument";
      return ParseResult::kError;
    } else if (a->model.empty()) {
      a->model = arg;
    } else {
      *error = std::string("unexpected argument '") + arg + "' (the model is '" + a->model + "')";
      return ParseResult::kError;
    }
  }
  if (a->model.empty()) {
    *error = "missing the model file";
    return ParseResult::kError;
  }
  if (a->input.empty() && !a->plan) {
    *error = "missing --input";
    return ParseResult::kError;
  }
  if (a->resume && a->kv_store.rfind("file:", 0) != 0) {
    *error = "--resume needs a file store (--kv-store file:PATH)";
    return ParseResult::kError;
  }
  if (a->resume && a->distributed) {
    *error = "--resume is not supported with --distributed yet: start the stream again";
    return ParseResult::kError;
  }
  return ParseResult::kRun;
}

}  // namespace ringrt::cli
