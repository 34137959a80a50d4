// ring_encoder attention options through the runtime, against the double-precision
// reference: grouped-query heads, sliding windows, soft-capped logits and attention
// sinks, alone and combined, through both attention paths (the query ring for
// rounds of more than 64 tokens, the key split for shorter ones), whole sequences
// and streams, several chunk sizes and worker counts.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <string>

#include "runtime_fixture.hpp"

namespace ringrt::test {
namespace {

struct Variant {
  const char* name;
  ModelOptions options;
};

// E 24, H 32, 4 heads (head_dim 8), 2 layers.
std::vector<Variant> causal_variants() {
  return {
      {"gqa 4->2", ring_encoder_options(24, 32, 4, 2, true, 2)},
      {"mqa 4->1", ring_encoder_options(24, 32, 4, 2, true, 1)},
      {"window 1", ring_encoder_options(24, 32, 4, 2, true, 0, 1)},
      {"window 13", ring_encoder_options(24, 32, 4, 2, true, 0, 13)},
      {"window 40", ring_encoder_options(24, 32, 4, 2, true, 0, 40)},
      {"softcap 2", ring_encoder_options(24, 32, 4, 2, true, 0, 0, 2.0f)},
      {"sinks", ring_encoder_options(24, 32, 4, 2, true, 0, 0, 0.0f, true)},
      {"all: mqa, window 21, cap 3, sinks", ring_encoder_options(24, 32, 4, 2, true, 1, 21, 3.0f, true)},
      {"gqa, window 70, sinks", ring_encoder_options(24, 32, 4, 2, true, 2, 70, 0.0f, true)},
  };
}

TEST(Variants, CausalOptionsMatchTheReference) {
  TempDir dir;
  const std::size_t T = small_scale() ? 150 : 300;
  int n = 0;
  for (const Variant& v : causal_variants()) {
    const TestModel m = make_model(dir, "v" + std::to_string(n++), v.options, 31);
    const std::vector<float> x = synthetic_input(T, 24, 5);
    const std::vector<double> ref = ringrt_ref::forward_all(m.options, m.weights, x.data(), T);
    double worst = 0;
    struct Shape {
      uint32_t chunk, workers;
      std::size_t piece;
    };
    // Whole rounds through the ring (chunk 16/64, 1-3 workers), and streams through the key split.
    for (const Shape& sh : {Shape{16, 1, T}, Shape{16, 3, T}, Shape{64, 2, T}, Shape{16, 2, 1}, Shape{32, 2, 7},
                            Shape{8, 2, 50}}) {
      SessionOptions o = session_options(sh.chunk, sh.workers, T);
      const double err = stream_error(m, o, x, T, sh.piece, ref);
      EXPECT_LE(err, 2e-5) << v.name << ", chunk " << sh.chunk << ", " << sh.workers << " workers, pieces of "
                           << sh.piece;
      worst = std::max(worst, err);
    }
    std::printf("[ variants ] %-36s T = %zu: max |err| vs reference = %.3g (every timestep, 6 shapes)\n", v.name, T,
                worst);
  }
}

// The options change the result: a runtime that ignored one would fail here.
TEST(Variants, EachOptionChangesTheOutput) {
  TempDir dir;
  const std::size_t T = 100;
  const TestModel base = make_model(dir, "base", ring_encoder_options(24, 32, 4, 2), 31);
  const std::vector<float> x = synthetic_input(T, 24, 5);
  SessionOptions o = session_options(16, 2, T);
  const std::vector<float> y0 = run_sequence(*base.model, o, x, T);
  int n = 0;
  for (const Variant& v : causal_variants()) {
    const TestModel m = make_model(dir, "c" + std::to_string(n++), v.options, 31);
    const std::vector<float> y = run_sequence(*m.model, o, x, T);
    const std::vector<double> ref = ringrt_ref::forward_last(m.options, m.weights, x.data(), T);
    EXPECT_LE(ringrt_ref::max_abs_diff(y.data(), ref.data(), 32), 2e-5) << v.name;
    // Different weights shapes (GQA, sinks) or masks: outputs move well beyond rounding.
    EXPECT_GT(ringrt_ref::max_abs_diff(y.data(), std::vector<double>(y0.begin(), y0.end()).data(), 32), 1e-3)
        << v.name;
  }
}

}  // namespace
}  // namespace ringrt::test
