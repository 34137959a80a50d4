#include "converter_test_util.hpp"

namespace ringrt::test {

CommandResult run_convert(std::vector<std::string> args) {
  args.insert(args.begin(), kConvertBin);
  return run_command(args);
}

CommandResult run_synth(std::vector<std::string> args) {
  args.insert(args.begin(), kSynthBin);
  return run_command(args);
}

::testing::AssertionResult failed_with(const CommandResult& r, int code, const std::vector<std::string>& needles,
                                       const std::string& tool) {
  auto fail = [&](const std::string& why) {
    return ::testing::AssertionFailure() << why << "\n  exit code: " << r.exit_code << "\n  stdout: " << r.out
                                         << "\n  stderr: " << r.err;
  };
  if (r.exit_code != code) return fail("expected exit code " + std::to_string(code));
  if (!r.out.empty()) return fail("expected nothing on stdout");
  const std::string prefix = tool + ": error: ";
  if (r.err.compare(0, prefix.size(), prefix) != 0) return fail("stderr does not start with '" + prefix + "'");
  for (const std::string& n : needles) {
    if (r.err.find(n) == std::string::npos) return fail("stderr does not contain '" + n + "'");
  }
  return ::testing::AssertionSuccess();
}

std::vector<SafetensorsEntry> exact_entries(const ModelOptions& options) {
  std::vector<SafetensorsEntry> entries;
  const SourceDType types[] = {SourceDType::kF32, SourceDType::kF16, SourceDType::kBF16};
  for (std::size_t t = 0; t < expected_tensor_count(options); ++t) {
    const TensorSpec spec = expected_tensor(options, t);
    SafetensorsEntry e{spec.name, types[t % 3], std::vector<uint64_t>(spec.shape, spec.shape + spec.rank), {}};
    const uint64_t n = spec.rank == 1 ? spec.shape[0] : spec.shape[0] * spec.shape[1];
    for (uint64_t i = 0; i < n; ++i) {
      e.values.push_back(static_cast<float>(static_cast<int>((i * 7 + t * 3) % 129) - 64) / 8.0f);
    }
    entries.push_back(std::move(e));
  }
  return entries;
}

SmallModelFiles::SmallModelFiles(const ModelOptions& o)
    : options(o), entries(exact_entries(o)), config(dir.file("config.json")),
      weights(dir.file("params.safetensors")), output(dir.file("model.rrt")) {
  write_config(config, options);
  write_safetensors(weights, entries);
}

LoadedRrt load_rrt(const std::string& path) {
  LoadedRrt r;
  r.bytes = read_file(path);
  if (r.bytes.size() < 12) {
    ADD_FAILURE() << path << ": too short";
    return r;
  }
  const uint8_t* p = r.data();
  const uint32_t n = static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
                     (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
  if (n + 4ull > r.bytes.size()) {
    ADD_FAILURE() << path << ": size prefix " << n << " beyond the file";
    return r;
  }
  flatbuffers::Verifier verifier(p, n + 4ull);
  if (!fb::VerifySizePrefixedModelBuffer(verifier)) {
    ADD_FAILURE() << path << ": flatbuffers::Verifier rejects the model";
    return r;
  }
  r.model = fb::GetSizePrefixedModel(p);
  return r;
}

uint64_t reference_fnv1a64(const uint8_t* data, std::size_t size) {
  uint64_t h = 14695981039346656037ull;  // FNV offset basis
  for (std::size_t i = 0; i < size; ++i) {
    h ^= data[i];
    h *= 1099511628211ull;  // FNV prime
  }
  return h;
}

std::vector<std::string> temp_files_in(const std::string& dir) {
  std::vector<std::string> temps;
  for (const std::string& name : list_dir(dir)) {
    if (name.find(".tmp.") != std::string::npos) temps.push_back(name);
  }
  return temps;
}

}  // namespace ringrt::test
