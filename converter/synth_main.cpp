// ringrt-synth: deterministic demo/test inputs (config.json, params.safetensors,
// optionally input.npy) for ringrt-convert and the runtime.
#include <cerrno>
#include <cfloat>
#include <csignal>
#include <cstring>
#include <iostream>
#include <new>
#include <sys/stat.h>

#include "cli_args.hpp"
#include "config_io.hpp"
#include "atomic_file.hpp"
#include "errors.hpp"
#include "npy_writer.hpp"
#include "synthetic_model.hpp"

namespace {

using namespace ringrt::convert;

constexpr const char* kUsage =
    "Usage: ringrt-synth --out-dir DIR [--embed-dim N] [--hidden-size N] [--num-heads N]\n"
    "                    [--num-layers N] [--num-chunks N] [--window-size N] [--seed S]\n"
    "                    [--dtype f32|f16|bf16] [--tokens T]\n"
    "                    [--architecture edifice_ring_attention|ring_encoder] [--no-causal]\n"
    "                    [--num-kv-heads N] [--sliding-window W] [--logit-softcap C]\n"
    "                    [--attention-sinks]\n"
    "\n"
    "Writes a random but fully deterministic Edifice RingAttention model (or ring_encoder\n"
    "model) for demos and tests: DIR/config.json and DIR/params.safetensors, and with\n"
    "--tokens also DIR/input.npy (float32 [T, embed_dim], N(0, 1)). The same seed gives\n"
    "the same bytes on every platform.\n"
    "\n"
    "Options (defaults: the Edifice defaults):\n"
    "  --out-dir DIR          output directory (created if missing)\n"
    "  --embed-dim N          input feature size E (default 288)\n"
    "  --hidden-size N        model width H (default 256)\n"
    "  --num-heads N          attention heads, must divide H (default 4)\n"
    "  --num-layers N         blocks (default 4)\n"
    "  --num-chunks N         training ring chunks, recorded only (default 4)\n"
    "  --window-size N        training window, recorded only (default 60)\n"
    "  --seed S               random seed, 0 .. 2^64-1 (default 42)\n"
    "  --dtype f32|f16|bf16   tensor type in params.safetensors (default f32)\n"
    "  --tokens T             also write input.npy with T timesteps\n"
    "  -h, --help             show this help\n"
    "  --version              print the version and exit\n"
    "\n"
    "Attention options (need --architecture ring_encoder; defaults: Edifice's attention):\n"
    "  --architecture A       edifice_ring_attention (default) or ring_encoder\n"
    "  --no-causal            every query sees every key (default: causal)\n"
    "  --num-kv-heads N       K/V heads, must divide --num-heads (default: --num-heads)\n"
    "  --sliding-window W     query t sees keys t' with t - t' < W (|t - t'| < W without\n"
    "                         causal); 0 = no window (default 0)\n"
    "  --logit-softcap C      scores become C * tanh(s / C); 0 = no cap (default 0)\n"
    "  --attention-sinks      a learned logit per head in every softmax denominator\n"
    "                         (tensors ring_{l}_attn_sinks, uniform in +-1)\n"
    "\n"
    "Exit status: 0 success, 1 failure, 2 usage error.\n";

uint32_t option(const ParsedArgs& args, const char* flag, uint32_t fallback, uint64_t min = 1) {
  if (!args.has(flag)) return fallback;
  return static_cast<uint32_t>(parse_integer(flag, args.get(flag), min, 0xffffffffu));
}

ringrt::Architecture architecture(const ParsedArgs& args) {
  const std::string name = args.get("--architecture", "edifice_ring_attention");
  ringrt::Architecture a = ringrt::Architecture::kEdificeRingAttention;
  if (architecture_from_name(name, &a)) return a;
  throw UsageError("option '--architecture' must be edifice_ring_attention or ring_encoder, got '" + name + "'");
}

void make_directory(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0777) == 0 || errno == EEXIST) {
    struct stat st;
    if (stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return;
    throw Error(dir + ": not a directory");
  }
  throw Error(dir + ": cannot create directory: " + std::strerror(errno));
}

int run(int argc, char** argv) {
  const ParsedArgs args =
      parse_args(argc, argv, 1,
                 {{"--out-dir", true}, {"--embed-dim", true}, {"--hidden-size", true}, {"--num-heads", true},
                  {"--num-layers", true}, {"--num-chunks", true}, {"--window-size", true}, {"--seed", true},
                  {"--dtype", true}, {"--tokens", true}, {"--architecture", true}, {"--no-causal", false},
                  {"--num-kv-heads", true}, {"--sliding-window", true}, {"--logit-softcap", true},
                  {"--attention-sinks", false}});
  if (args.help) {
    std::cout << kUsage;
    return 0;
  }
  if (args.version) {
    std::cout << version_line("ringrt-synth");
    return 0;
  }
  if (!args.positional.empty()) throw UsageError("unexpected argument '" + args.positional[0] + "'");
  if (!args.has("--out-dir")) throw UsageError("missing required option '--out-dir'");
  ringrt::ModelOptions o;
  o.embed_dim = option(args, "--embed-dim", 288);
  o.hidden_size = option(args, "--hidden-size", o.hidden_size);
  o.num_heads = option(args, "--num-heads", o.num_heads);
  o.num_layers = option(args, "--num-layers", o.num_layers);
  o.num_chunks = option(args, "--num-chunks", o.num_chunks);
  o.window_size = option(args, "--window-size", o.window_size);
  o.architecture = architecture(args);
  o.causal = !args.has("--no-causal");
  o.num_kv_heads = option(args, "--num-kv-heads", o.num_heads);
  o.sliding_window = option(args, "--sliding-window", 0, 0);
  if (args.has("--logit-softcap")) {
    const double c = parse_non_negative("--logit-softcap", args.get("--logit-softcap"));
    if (c > 0.0 && static_cast<float>(c) < FLT_MIN) {
      throw UsageError("option '--logit-softcap' is " + args.get("--logit-softcap") + ", " + ringrt::kSoftcapBelowNormal);
    }
    o.logit_softcap = static_cast<float>(c);
  }
  o.attention_sinks = args.has("--attention-sinks");
  const ringrt::Status valid = ringrt::validate_options(o, "options");
  if (!valid.ok()) throw UsageError(valid.message());
  const uint64_t seed = args.has("--seed") ? parse_integer("--seed", args.get("--seed"), 0, UINT64_MAX) : 42;
  const std::string dtype_text = args.get("--dtype", "f32");
  SourceDType dtype = SourceDType::kF32;
  if (dtype_text == "f16") {
    dtype = SourceDType::kF16;
  } else if (dtype_text == "bf16") {
    dtype = SourceDType::kBF16;
  } else if (dtype_text != "f32") {
    throw UsageError("option '--dtype' must be f32, f16 or bf16, got '" + dtype_text + "'");
  }
  const uint64_t tokens = args.has("--tokens") ? parse_integer("--tokens", args.get("--tokens"), 1, 1u << 24) : 0;

  const std::string dir = args.get("--out-dir");
  make_directory(dir);
  const std::string config = config_to_json(o);
  write_file_atomically(dir + "/config.json", config.data(), config.size());
  write_safetensors(dir + "/params.safetensors", synthetic_entries(make_synthetic_model(o, seed), dtype));
  std::cout << "ringrt-synth: wrote " << dir << "/config.json and " << dir << "/params.safetensors";
  if (tokens) {
    write_npy_f32(dir + "/input.npy", {tokens, o.embed_dim}, make_synthetic_input(tokens, o.embed_dim, seed));
    std::cout << " and " << dir << "/input.npy";
  }
  std::cout << " (seed " << seed << ")\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);  // a FIFO in DIR whose reader goes away: a reported write error
  try {
    return run(argc, argv);
  } catch (const UsageError& e) {
    std::cerr << "ringrt-synth: error: " << e.what() << "\nTry 'ringrt-synth --help' for more information.\n";
    return 2;
  } catch (const std::bad_alloc&) {
    std::cerr << "ringrt-synth: error: out of memory\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "ringrt-synth: error: " << e.what() << "\n";
    return 1;
  }
}
