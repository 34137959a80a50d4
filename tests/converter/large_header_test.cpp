// A safetensors header of many entries is judged in time linear in its size. The
// bound is on CPU time (RLIMIT_CPU, so a loaded machine cannot make it flake) and
// generous: 250,000 entries take about a second of CPU here; the quadratic parse
// this replaces needed 12 s for 40,000 and would need several minutes for these.
#include <cstdio>

#include "converter_test_util.hpp"

namespace ringrt::test {
namespace {

constexpr int kCpuSeconds = 60;
constexpr std::size_t kEntries = 250000;

// A header of `n` one-element F32 tensors "t_00000000".. tiling the data section.
std::string many_tensors(std::size_t n, const std::string& last_name = "") {
  std::string header = "{";
  char entry[160];
  for (std::size_t i = 0; i < n; ++i) {
    const std::string name = i + 1 == n && !last_name.empty() ? last_name : "t_" + std::to_string(i);
    std::snprintf(entry, sizeof entry, "%s\"%s\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[%zu,%zu]}",
                  i ? "," : "", name.c_str(), 4 * i, 4 * i + 4);
    header += entry;
  }
  header += "}";
  header.append((8 - header.size() % 8) % 8, ' ');
  return raw_safetensors(header, std::string(4 * n, '\0'));
}

// ringrt-convert under a CPU-time limit: killed by SIGXCPU (exit 128 + 24) past it.
CommandResult convert_with_cpu_limit(const SmallModelFiles& files) {
  return run_command({"/bin/sh", "-c",
                      "ulimit -t " + std::to_string(kCpuSeconds) + " && exec \"$0\" --config \"$1\" --weights \"$2\" --output \"$3\"",
                      kConvertBin, files.config, files.weights, files.output});
}

TEST(LargeSafetensorsHeader, QuarterMillionEntriesAreJudgedInLinearTime) {
  SmallModelFiles files(small_options(6, 8, 2, 1));
  write_file(files.weights, many_tensors(kEntries));
  const CommandResult r = convert_with_cpu_limit(files);
  // Every entry read and checked, then the contract: none of the model's tensors is there.
  EXPECT_TRUE(failed_with(r, 1, {files.weights + ": missing 16 tensors required by the model options"}));
}

TEST(LargeSafetensorsHeader, RepeatedKeyAtTheEndOfAQuarterMillionIsFound) {
  SmallModelFiles files(small_options(6, 8, 2, 1));
  write_file(files.weights, many_tensors(kEntries, "t_17"));
  EXPECT_TRUE(failed_with(convert_with_cpu_limit(files), 1, {files.weights + ": safetensors header has the key 't_17' twice"}));
}

}  // namespace
}  // namespace ringrt::test
