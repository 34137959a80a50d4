#include "run_output.hpp"

#include <string>
#include <vector>

#include "same_file.hpp"

namespace ringrt::cli {

namespace {

// The files of a file store: PATH (or PATH.rank<r> per rank) and their .residual.
std::vector<io::NamedPath> kv_store_files(const RunArgs& args, uint32_t ranks) {
  std::vector<io::NamedPath> files;
  if (args.kv_store.rfind("file:", 0) != 0) return files;
  const std::string path = args.kv_store.substr(5);
  for (uint32_t r = 0; r < ranks; ++r) {
    const std::string store = ranks > 1 ? path + ".rank" + std::to_string(r) : path;
    files.push_back({"the KV store", store});
    files.push_back({"the KV store's residual stream", store + ".residual"});
  }
  return files;
}

}  // namespace

Status check_kv_store_files(const RunArgs& args, uint32_t ranks) {
  const io::NamedPath inputs[] = {{"--input", args.input}, {"the model", args.model}};
  for (const io::NamedPath& store : kv_store_files(args, ranks)) {
    RINGRT_RETURN_IF_ERROR(io::check_not_same_file("--kv-store", store.path.c_str(), inputs, 2));
  }
  return Status::Ok();
}

Status open_run_output(const RunArgs& args, uint32_t ranks, io::OutputFile* out) {
  std::vector<io::NamedPath> inputs = {{"--input", args.input}, {"the model", args.model}};
  for (io::NamedPath& store : kv_store_files(args, ranks)) inputs.push_back(std::move(store));
  RINGRT_RETURN_IF_ERROR(io::check_not_same_file("--output", args.output.c_str(), inputs.data(), inputs.size()));
  return out->open(args.output.c_str());
}

}  // namespace ringrt::cli
