// Helpers shared by the converter test files: running the real binaries, checking
// their failures, small hand-valued models, and an independent .rrt loader.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "ringrt_generated.h"
#include "test_support.hpp"

namespace ringrt::test {

// Paths of the binaries under test (compile definitions from CMake).
inline const std::string kConvertBin = RINGRT_CONVERT_BIN;
inline const std::string kSynthBin = RINGRT_SYNTH_BIN;

CommandResult run_convert(std::vector<std::string> args);
CommandResult run_synth(std::vector<std::string> args);

// Success iff the command exited with `code`, printed nothing to stdout, its stderr
// starts with "<tool>: error: " and contains every needle.
::testing::AssertionResult failed_with(const CommandResult& r, int code, const std::vector<std::string>& needles,
                                       const std::string& tool = "ringrt-convert");


// Every tensor the options require, tensor t stored as F32 / F16 / BF16 for t % 3 ==
// 0 / 1 / 2, holding multiples of 1/8 in [-8, 8] (exact in all three types), so the
// expected float of every element is known without any conversion code.
std::vector<SafetensorsEntry> exact_entries(const ModelOptions& options);

// A convert-ready directory: config.json + params.safetensors (exact_entries).
struct SmallModelFiles {
  SmallModelFiles(const ModelOptions& options);
  TempDir dir;
  ModelOptions options;
  std::vector<SafetensorsEntry> entries;
  std::string config, weights, output;
};

// A .rrt read into memory and checked with flatbuffers::Verifier directly (not with
// the converter's verify_rrt). `model` is null (with a gtest failure) if invalid.
struct LoadedRrt {
  std::string bytes;
  const fb::Model* model = nullptr;
  const uint8_t* data() const { return reinterpret_cast<const uint8_t*>(bytes.data()); }
};
LoadedRrt load_rrt(const std::string& path);

// FNV-1a 64 written out here, independent of runtime/src/checksum.hpp.
uint64_t reference_fnv1a64(const uint8_t* data, std::size_t size);

// The names of temporary files ".NAME.tmp.*" left in a directory.
std::vector<std::string> temp_files_in(const std::string& dir);

}  // namespace ringrt::test
