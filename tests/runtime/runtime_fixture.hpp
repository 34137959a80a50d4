// Test models for the runtime suites: synthetic weights converted by the real
// converter into a .rrt file, kept with their float values for the reference.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "converter.hpp"
#include "reference_model.hpp"
#include "ringrt/ringrt.hpp"
#include "test_support.hpp"

namespace ringrt::test {

struct TestModel {
  ModelOptions options;
  ringrt_ref::Weights weights;  // float values exactly as stored (f32 storage)
  std::string path;             // the converted .rrt
  std::unique_ptr<Model> model;
};

// True when RINGRT_TEST_SCALE=small: emulated targets (QEMU runs XNNPACK ~500x
// slower) run the same tests at smaller lengths.
bool small_scale();

// Converts a synthetic model with `seed` into dir/name.rrt and loads it.
TestModel make_model(const TempDir& dir, const std::string& name, const ModelOptions& options, uint64_t seed,
                     convert::StorageDType dtype = convert::StorageDType::kF32);
// The same for weights a test made or edited (synthetic_model(), then changed).
TestModel make_model(const TempDir& dir, const std::string& name, const convert::SyntheticModel& synth,
                     convert::StorageDType dtype = convert::StorageDType::kF32);

// SessionOptions with these three set (memory store, one process).
SessionOptions session_options(uint32_t chunk, uint32_t workers, uint64_t max_context);

// Runs a whole sequence through a fresh session; returns the last-timestep output
// (or every timestep's, with all = true). Fails the test on a bad status.
std::vector<float> run_sequence(const Model& model, const SessionOptions& options, const std::vector<float>& x,
                                std::size_t tokens, bool all = false);

// Max |runtime - reference| over every timestep of x (T tokens), appended `piece`
// tokens at a time to a fresh session; `ref` holds the reference of every timestep.
// Fails the test (and returns 1e9) on a bad status; *kv_bytes: the session's
// kv_bytes_stored() at the end.
double stream_error(const TestModel& m, const SessionOptions& o, const std::vector<float>& x, std::size_t T,
                    std::size_t piece, const std::vector<double>& ref, uint64_t* kv_bytes = nullptr);

// Expects the float32 .npy files at `a` and `b` to have the same size and every
// element within `tolerance`.
void expect_npy_near(const std::string& a, const std::string& b, double tolerance);

// The committed length a KV file store's header records (0 if it has none yet).
uint64_t kv_committed(const std::string& store);

}  // namespace ringrt::test
