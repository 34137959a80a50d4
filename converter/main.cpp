// ringrt-convert: safetensors + JSON options -> .rrt model; `inspect` describes one.
#include <csignal>
#include <iostream>
#include <new>

#include "cli_args.hpp"
#include "converter.hpp"
#include "errors.hpp"
#include "rrt_inspect.hpp"
#include "same_file.hpp"

namespace {

using namespace ringrt::convert;

constexpr const char* kUsage =
    "Usage:\n"
    "  ringrt-convert --config CONFIG.json --weights PARAMS.safetensors --output MODEL.rrt\n"
    "                 [--dtype f32|f16] [--allow-extra]\n"
    "  ringrt-convert inspect MODEL.rrt\n"
    "\n"
    "Converts the parameters of a trained model (safetensors) and its options (JSON)\n"
    "into a ringrt model file, or verifies and describes a model file.\n"
    "\n"
    "Options:\n"
    "  --config PATH     JSON options (docs/model-contract.md):\n"
    "                    every architecture: embed_dim (required), hidden_size (256),\n"
    "                      num_heads (4), num_layers (4), num_chunks (4), window_size (60),\n"
    "                      dropout (0.1); the last three describe training only\n"
    "                    \"architecture\": \"edifice_ring_attention\" (default when absent):\n"
    "                      Edifice RingAttention, causal, no other keys\n"
    "                    \"architecture\": \"ring_encoder\" adds: causal (true),\n"
    "                      num_kv_heads (num_heads; must divide it), sliding_window (0 = none),\n"
    "                      logit_softcap (0 = none), attention_sinks (false)\n"
    "  --weights PATH    safetensors file; tensors may be F32, F16 or BF16\n"
    "  --output PATH     model file to write (written to a temporary file, then renamed;\n"
    "                    a device or FIFO is written in place; never one of the inputs)\n"
    "  --dtype f32|f16   storage type of the weights in the model (default: f32)\n"
    "  --allow-extra     ignore tensors the model does not use (default: error)\n"
    "  -h, --help        show this help (also: ringrt-convert inspect --help)\n"
    "  --version         print the version and exit\n"
    "\n"
    "Exit status: 0 success, 1 invalid input or failure, 2 usage error.\n";

constexpr const char* kInspectUsage =
    "Usage: ringrt-convert inspect MODEL.rrt\n"
    "\n"
    "Verifies a ringrt model file (size prefix, FlatBuffer structure, schema version,\n"
    "tensor names, shapes, offsets and alignment, data checksum) and prints its schema\n"
    "version, producer, architecture, options and tensor table.\n"
    "\n"
    "Exit status: 0 valid, 1 invalid or unreadable, 2 usage error.\n";

int run_inspect(int argc, char** argv) {
  const ParsedArgs args = parse_args(argc, argv, 2, {});
  if (args.help) {
    std::cout << kInspectUsage;
    return 0;
  }
  if (args.version) {
    std::cout << version_line("ringrt-convert");
    return 0;
  }
  if (args.positional.size() != 1) throw UsageError("inspect takes exactly one model file");
  if (args.positional[0].empty()) throw UsageError("the model file path is empty");
  inspect_file(args.positional[0], std::cout);
  return 0;
}

int run_convert(int argc, char** argv) {
  const ParsedArgs args = parse_args(argc, argv, 1,
                                     {{"--config", true}, {"--weights", true}, {"--output", true},
                                      {"--dtype", true}, {"--allow-extra", false}});
  if (args.help) {
    std::cout << kUsage;
    return 0;
  }
  if (args.version) {
    std::cout << version_line("ringrt-convert");
    return 0;
  }
  if (!args.positional.empty()) throw UsageError("unexpected argument '" + args.positional[0] + "'");
  for (const char* required : {"--config", "--weights", "--output"}) {
    if (!args.has(required)) throw UsageError(std::string("missing required option '") + required + "'");
  }
  ConvertRequest request;
  request.config_path = args.get("--config");
  request.weights_path = args.get("--weights");
  request.output_path = args.get("--output");
  request.allow_extra = args.has("--allow-extra");
  const std::string dtype = args.get("--dtype", "f32");
  if (dtype == "f16") {
    request.dtype = StorageDType::kF16;
  } else if (dtype != "f32") {
    throw UsageError("option '--dtype' must be f32 or f16, got '" + dtype + "'");
  }
  // The report goes to stderr when the model itself goes to stdout (--output /dev/stdout).
  std::ostream& report = ringrt::io::is_stdout(request.output_path.c_str()) ? std::cerr : std::cout;
  const RrtWriteResult result = convert_model(request, std::cerr);
  report << "ringrt-convert: wrote " << request.output_path << " (" << result.file_size << " bytes, "
         << dtype_name(request.dtype) << " weights, data checksum " << std::hex << result.data_checksum
         << std::dec << ")\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const bool inspect = argc >= 2 && std::string(argv[1]) == "inspect";
  // A FIFO output whose reader goes away fails the write (EPIPE, reported) instead of killing the process.
  std::signal(SIGPIPE, SIG_IGN);
  try {
    return inspect ? run_inspect(argc, argv) : run_convert(argc, argv);
  } catch (const UsageError& e) {
    std::cerr << "ringrt-convert: error: " << e.what() << "\nTry 'ringrt-convert " << (inspect ? "inspect " : "")
              << "--help' for more information.\n";
    return 2;
  } catch (const std::bad_alloc&) {
    std::cerr << "ringrt-convert: error: out of memory\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "ringrt-convert: error: " << e.what() << "\n";
    return 1;
  }
}
