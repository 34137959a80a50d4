// The runtime against the independent double-precision reference
// (tests/reference), over layers, heads, widths, lengths, chunk sizes and workers.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>

#include "runtime_fixture.hpp"

namespace ringrt::test {
namespace {

constexpr double kTolerance = 2e-4;

struct Case {
  std::size_t tokens;
  uint32_t chunk;
  uint32_t workers;
};

// Runs every case on one model and checks the last-timestep output against the reference.
double check_cases(const TestModel& m, const std::vector<Case>& cases, uint64_t input_seed) {
  double worst = 0.0;
  std::size_t reference_tokens = 0;
  std::vector<double> ref;
  std::vector<float> x;
  for (const Case& c : cases) {
    if (c.tokens != reference_tokens) {
      x = synthetic_input(c.tokens, m.options.embed_dim, input_seed + c.tokens);
      ref = ringrt_ref::forward_last(m.options, m.weights, x.data(), c.tokens);
      reference_tokens = c.tokens;
    }
    SessionOptions o;
    o.chunk = c.chunk;
    o.workers = c.workers;
    o.max_context = c.tokens;
    const std::vector<float> y = run_sequence(*m.model, o, x, c.tokens);
    if (y.empty()) return 1e9;
    const double err = ringrt_ref::max_abs_diff(y.data(), ref.data(), ref.size());
    EXPECT_LE(err, kTolerance) << "T=" << c.tokens << " chunk=" << c.chunk << " workers=" << c.workers;
    worst = err > worst ? err : worst;
  }
  return worst;
}

TEST(Exactness, EveryChunkSizeAndWorkerCountOnShortSequences) {
  TempDir dir;
  const TestModel m = make_model(dir, "m", small_options(24, 32, 2, 2), 11);
  std::vector<Case> cases;
  for (std::size_t T : {1, 2, 63, 64, 65}) {
    for (uint32_t chunk : {1u, 16u, 64u, 256u}) {
      for (uint32_t workers : {1u, 2u, 3u, 4u}) {
        if (small_scale() && (T == 63 || (chunk == 1 && T > 2))) continue;
        cases.push_back({T, chunk, workers});
      }
    }
  }
  const double worst = check_cases(m, cases, 100);
  std::printf("[ exactness ] T<=65, chunks {1,16,64,256}, workers 1-4: max |err| = %.3g\n", worst);
}

TEST(Exactness, HeadsLayersAndInputWidths) {
  TempDir dir;
  struct Shape {
    uint32_t heads, layers, embed;
  };
  const Shape shapes[] = {{1, 1, 64}, {2, 2, 64}, {4, 3, 64}, {8, 4, 64},
                          {1, 4, 40}, {2, 3, 96}, {4, 2, 40}, {8, 1, 96}};
  for (const Shape& s : shapes) {
    const TestModel m = make_model(dir, "m", small_options(s.embed, 64, s.heads, s.layers), 20 + s.heads);
    const double worst = check_cases(m, {{small_scale() ? 40u : 100u, 16, 3}, {small_scale() ? 40u : 100u, 32, 2}}, 7);
    std::printf("[ exactness ] heads %u layers %u embed %u hidden 64: max |err| = %.3g\n", s.heads, s.layers,
                s.embed, worst);
  }
}

TEST(Exactness, ErrorDoesNotGrowWithLength) {
  TempDir dir;
  const TestModel m = make_model(dir, "m", small_options(48, 64, 4, 2), 5);
  const double e64 = check_cases(m, {{64, 16, 2}, {64, 64, 1}}, 1);
  const std::size_t mid = small_scale() ? 200 : 1000, longest = small_scale() ? 400 : 4096;
  const double e_mid = check_cases(m, {{mid, 64, 2}, {mid, 256, 4}, {mid, 1024, 1}}, 1);
  const double e_long = check_cases(m, {{longest, 256, 2}, {longest, 64, 3}}, 1);
  std::printf("[ exactness ] max |err| at T=64: %.3g, T=%zu: %.3g, T=%zu: %.3g (tolerance %.0e)\n", e64, mid, e_mid,
              longest, e_long, kTolerance);
}

TEST(Exactness, EdificeDefaultModel) {
  TempDir dir;
  ModelOptions o = small_options(288, 256, 4, 4);
  const TestModel m = make_model(dir, "edifice", o, 42);
  const std::size_t T = small_scale() ? 64 : 1024;
  const double worst = check_cases(m, {{T, 256, 2}, {T, 100, 3}}, 3);
  std::printf("[ exactness ] Edifice defaults (288/256/4 heads/4 layers), T=%zu: max |err| = %.3g\n", T, worst);
}

TEST(Exactness, Float16Storage) {
  TempDir dir;
  const TestModel m = make_model(dir, "half", small_options(40, 64, 4, 2), 9, convert::StorageDType::kF16);
  EXPECT_TRUE(m.model->info().weights_f16);
  check_cases(m, {{130, 32, 2}}, 4);
}

TEST(Exactness, EveryTimestepMatchesTheReference) {
  TempDir dir;
  const TestModel m = make_model(dir, "m", small_options(24, 32, 4, 2), 3);
  const std::size_t T = 150;
  const std::vector<float> x = synthetic_input(T, 24, 77);
  const std::vector<double> ref = ringrt_ref::forward_all(m.options, m.weights, x.data(), T);
  SessionOptions o;
  o.chunk = 16;
  o.workers = 3;
  o.max_context = T;
  const std::vector<float> y = run_sequence(*m.model, o, x, T, /*all=*/true);
  ASSERT_EQ(y.size(), ref.size());
  EXPECT_LE(ringrt_ref::max_abs_diff(y.data(), ref.data(), ref.size()), kTolerance);
}

TEST(Determinism, SameInputAndOptionsGiveBitwiseIdenticalOutput) {
  TempDir dir;
  const TestModel m = make_model(dir, "m", small_options(48, 64, 4, 2), 8);
  const std::size_t T = small_scale() ? 150 : 700;
  const std::vector<float> x = synthetic_input(T, 48, 5);
  SessionOptions o;
  o.chunk = 64;
  o.workers = 2;
  o.max_context = T;
  const std::vector<float> a = run_sequence(*m.model, o, x, T, true);
  for (int run = 0; run < 3; ++run) {
    const std::vector<float> b = run_sequence(*m.model, o, x, T, true);
    ASSERT_EQ(a.size(), b.size());
    EXPECT_EQ(0, std::memcmp(a.data(), b.data(), a.size() * sizeof(float))) << "run " << run;
  }
}

}  // namespace
}  // namespace ringrt::test
