#include "run_args.hpp"

#include "option_scanner.hpp"

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
         "  --kv-dtype T        how the KV history keeps its numbers: f32 (default, exact), f16 (half\n"
         "                      the bytes) or int8 (a quarter, with a scale per position and head);\n"
         "                      a file store records it and is resumed only with the same one\n"
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
         "  --version           print the version and exit\n"
         "\n"
         "Options take their value as '--name value' or '--name=value', each at most once.\n"
         "\n"
         "exit status: 0 success, 1 bad model/input or runtime failure, 2 usage error\n";
}

ParseResult parse_run_args(int argc, char** argv, RunArgs* a, std::string* error) {
  static const char* const kOptions[] = {"--input",    "--output", "--threads", "--chunk",         "--max-context",
                                         "--kv-store", "--kv-dtype", "--resume", "--plan",    "--all-timesteps", "--quiet",
                                         "--distributed", "--peer-timeout"};
  OptionScanner args(argc, argv, kOptions, sizeof kOptions / sizeof kOptions[0]);
  for (OptionScanner::Item item; (item = args.next()) != OptionScanner::Item::kEnd;) {
    const std::string& name = args.name();
    bool ok = item != OptionScanner::Item::kError;
    uint64_t n = 0;
    if (!ok) {
    } else if (item == OptionScanner::Item::kPositional) {
      if (name.empty()) {
        *error = a->model.empty() ? "the model file path is empty" : "unexpected empty argument";
        return ParseResult::kError;
      }
      if (!a->model.empty()) {
        *error = "unexpected argument '" + name + "' (the model is '" + a->model + "')";
        return ParseResult::kError;
      }
      a->model = name;
    } else if (name == "--help") {
      return ParseResult::kHelp;
    } else if (name == "--version") {
      return ParseResult::kVersion;
    } else if (name == "--input") {
      ok = args.value(&a->input);
    } else if (name == "--output") {
      ok = args.value(&a->output);
    } else if (name == "--threads") {
      ok = args.number(1, 64, &n);
      a->threads = static_cast<uint32_t>(n);
    } else if (name == "--chunk") {
      ok = args.number(1, 4096, &n);
      a->chunk = static_cast<uint32_t>(n);
    } else if (name == "--max-context") {
      ok = args.number(1, 1ull << 40, &n);
      a->max_context = n;
    } else if (name == "--kv-store") {
      ok = args.value(&a->kv_store);
      if (ok && a->kv_store != "memory" && (a->kv_store.rfind("file:", 0) != 0 || a->kv_store.size() == 5)) {
        *error = "option '--kv-store' must be 'memory' or 'file:PATH', got '" + a->kv_store + "'";
        return ParseResult::kError;
      }
    } else if (name == "--kv-dtype") {
      std::string dtype;
      ok = args.value(&dtype);
      if (ok && !parse_kv_dtype(dtype.c_str(), &a->kv_dtype)) {
        *error = "option '--kv-dtype' must be f32, f16 or int8, got '" + dtype + "'";
        return ParseResult::kError;
      }
    } else if (name == "--peer-timeout") {
      ok = args.number(1, 86400, &n);
      a->peer_timeout = static_cast<double>(n);
    } else {  // the switches
      ok = args.no_value();
      bool* flag = name == "--resume" ? &a->resume : name == "--plan" ? &a->plan
                   : name == "--all-timesteps" ? &a->all_timesteps : name == "--quiet" ? &a->quiet
                   : &a->distributed;
      *flag = true;
    }
    if (!ok) {
      *error = args.error();
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
