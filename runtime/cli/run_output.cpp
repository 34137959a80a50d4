#include "run_output.hpp"

#include <string>
#include <vector>

#include "same_file.hpp"

namespace ringrt::cli {

Status open_run_output(const RunArgs& args, uint32_t ranks, io::OutputFile* out) {
  std::vector<io::NamedPath> inputs = {{"--input", args.input}, {"the model", args.model}};
  if (args.kv_store.rfind("file:", 0) == 0) {
    const std::string path = args.kv_store.substr(5);
    for (uint32_t r = 0; r < ranks; ++r) {
      const std::string store = ranks > 1 ? path + ".rank" + std::to_string(r) : path;
      inputs.push_back({"the KV store", store});
      inputs.push_back({"the KV store's residual stream", store + ".residual"});
    }
  }
  RINGRT_RETURN_IF_ERROR(io::check_not_same_file("--output", args.output.c_str(), inputs.data(), inputs.size()));
  return out->open(args.output.c_str());
}

}  // namespace ringrt::cli
