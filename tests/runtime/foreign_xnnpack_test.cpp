// A host process that initialised XNNPACK with its own allocator before ringrt
// (XNNPACK keeps the first allocator it is given): the plan says the operators are
// outside the arena, instead of silently breaking the arena guarantee, and the
// results stay those of the double-precision reference.
#include <gtest/gtest.h>
#include <xnnpack.h>

#include "runtime_fixture.hpp"

namespace ringrt::test {
namespace {

TEST(ForeignXnnpack, PlanSaysOperatorsAreOutsideTheArenaAndResultsStayExact) {
  TempDir dir;
  const TestModel m = make_model(dir, "m", small_options(24, 32, 4, 2), 5);
  const std::size_t T = 300;
  const std::vector<float> x = synthetic_input(T, 24, 6);
  const SessionOptions o = session_options(32, 2, T);
  MemoryPlan plan;
  ASSERT_TRUE(plan_session(*m.model, o, &plan).ok());
  EXPECT_FALSE(plan.xnnpack_in_arena);
  std::unique_ptr<Session> s;
  ASSERT_TRUE(Session::create(*m.model, o, &s).ok());
  EXPECT_FALSE(s->plan().xnnpack_in_arena);
  const std::vector<float> y = run_sequence(*m.model, o, x, T);
  const std::vector<double> ref = ringrt_ref::forward_last(m.options, m.weights, x.data(), T);
  EXPECT_LE(ringrt_ref::max_abs_diff(y.data(), ref.data(), ref.size()), 2e-4);  // the exactness suites' tolerance
}

}  // namespace
}  // namespace ringrt::test

int main(int argc, char** argv) {
  // The host's own XNNPACK start-up, with XNNPACK's default allocator, before any ringrt call.
  if (xnn_initialize(nullptr) != xnn_status_success) return 1;
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
