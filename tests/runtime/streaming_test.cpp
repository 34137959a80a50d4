// Streaming: appending a sequence piece by piece gives the whole-sequence result,
// and the output after every append is the reference's output for that prefix.
#include <gtest/gtest.h>

#include <cmath>

#include "runtime_fixture.hpp"

namespace ringrt::test {
namespace {

TEST(Streaming, PiecesOfAnySizeEqualTheWholeSequence) {
  TempDir dir;
  const TestModel m = make_model(dir, "m", small_options(40, 64, 4, 3), 12);
  const std::size_t T = small_scale() ? 80 : 300, E = 40, H = 64;
  const std::vector<float> x = synthetic_input(T, E, 9);
  SessionOptions o;
  o.chunk = 64;
  o.workers = 2;
  o.max_context = T;
  const std::vector<float> whole = run_sequence(*m.model, o, x, T);
  const std::vector<double> ref_all = ringrt_ref::forward_all(m.options, m.weights, x.data(), T);
  for (std::size_t piece : {std::size_t{1}, std::size_t{7}, std::size_t{64}, T}) {
    std::unique_ptr<Session> s;
    ASSERT_TRUE(Session::create(*m.model, o, &s).ok());
    double worst_prefix = 0.0;
    for (std::size_t done = 0; done < T; done += piece) {
      const std::size_t n = std::min(piece, T - done);
      const Status st = s->append(x.data() + done * E, n, E);
      ASSERT_TRUE(st.ok()) << st.message();
      ASSERT_EQ(s->length(), done + n);
      const double err = ringrt_ref::max_abs_diff(s->output(), ref_all.data() + (done + n - 1) * H, H);
      worst_prefix = std::max(worst_prefix, err);
    }
    EXPECT_LE(worst_prefix, 2e-4) << "piece " << piece;
    double diff = 0.0;
    for (std::size_t i = 0; i < H; ++i) diff = std::max(diff, std::fabs(double(s->output()[i]) - whole[i]));
    EXPECT_LE(diff, 1e-5) << "piece " << piece;
    std::printf("[ streaming ] pieces of %zu: |stream - whole| = %.3g, max |err| vs reference over prefixes = %.3g\n",
                piece, diff, worst_prefix);
  }
}

TEST(Streaming, ResetStartsAFreshSequence) {
  TempDir dir;
  const TestModel m = make_model(dir, "m", small_options(32, 32, 2, 2), 4);
  const std::vector<float> a = synthetic_input(90, 32, 1), b = synthetic_input(50, 32, 2);
  SessionOptions o;
  o.chunk = 16;
  o.workers = 2;
  o.max_context = 100;
  std::unique_ptr<Session> s;
  ASSERT_TRUE(Session::create(*m.model, o, &s).ok());
  ASSERT_TRUE(s->append(a.data(), 90, 32).ok());
  s->reset();
  EXPECT_EQ(s->length(), 0u);
  EXPECT_EQ(s->output(), nullptr);
  ASSERT_TRUE(s->append(b.data(), 50, 32).ok());
  const std::vector<double> ref = ringrt_ref::forward_last(m.options, m.weights, b.data(), 50);
  EXPECT_LE(ringrt_ref::max_abs_diff(s->output(), ref.data(), 32), 2e-4);
}

}  // namespace
}  // namespace ringrt::test
