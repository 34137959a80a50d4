// Running out of arena is impossible by construction: every buffer and every
// XNNPACK pool is sized by the planner for the worst case, and a pool that is too
// small makes operator creation fail (never write past it). This test streams
// adversarial append sizes - 1 token, primes, exactly one round, more than a round,
// the whole remaining context - through both attention paths and both stores, and
// requires every append to succeed and every output to match the reference.
#include <gtest/gtest.h>

#include <cstdio>

#include "runtime_fixture.hpp"

namespace ringrt::test {
namespace {

std::vector<std::size_t> adversarial_pieces(std::size_t round, std::size_t total) {
  std::vector<std::size_t> pieces = {1, 1, 2, 3, 5, 7, 11, 13, 31, 61, 63, 64, 65, 67, 127, round - 1, round,
                                     round + 1, 2 * round + 3, 251};
  std::size_t sum = 0;
  std::vector<std::size_t> out;
  for (std::size_t p : pieces) {
    if (sum + p > total) break;
    out.push_back(p);
    sum += p;
  }
  if (sum < total) out.push_back(total - sum);  // the maximum: everything that is left
  return out;
}

TEST(PlanBound, AdversarialAppendSizesNeverExhaustTheArena) {
  TempDir dir;
  const TestModel m = make_model(dir, "m", small_options(24, 32, 4, 2), 51);
  const std::size_t T = small_scale() ? 400 : 1200;
  const std::vector<float> x = synthetic_input(T, 24, 13);
  const std::vector<double> ref = ringrt_ref::forward_all(m.options, m.weights, x.data(), T);
  const std::string store = "file:" + dir.file("kv");
  for (const char* kv : {"memory", store.c_str()}) {
    for (uint32_t workers : {1u, 3u}) {
      for (uint32_t chunk : {16u, 100u}) {
        SessionOptions o;
        o.workers = workers;
        o.chunk = chunk;
        o.max_context = T;
        o.kv_store = kv;
        std::remove(dir.file("kv").c_str());
        std::unique_ptr<Session> s;
        ASSERT_TRUE(Session::create(*m.model, o, &s).ok());
        std::size_t done = 0;
        for (std::size_t piece : adversarial_pieces(static_cast<std::size_t>(workers) * chunk, T)) {
          const Status st = s->append(x.data() + done * 24, piece, 24);
          ASSERT_TRUE(st.ok()) << kv << " workers " << workers << " chunk " << chunk << " piece " << piece << ": "
                               << st.message();
          done += piece;
          EXPECT_LE(ringrt_ref::max_abs_diff(s->output(), ref.data() + (done - 1) * 32, 32), 2e-4)
              << kv << " workers " << workers << " chunk " << chunk << " at " << done;
        }
        ASSERT_EQ(done, T);
        // Full: one more token is refused, the session keeps its state.
        EXPECT_EQ(s->append(x.data(), 1, 24).code(), StatusCode::kCapacityExceeded);
        EXPECT_EQ(s->length(), T);
      }
    }
  }
}

}  // namespace
}  // namespace ringrt::test
