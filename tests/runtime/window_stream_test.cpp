// Sliding-window streams: the KV store is a ring of the window plus a chunk and a
// round, so a stream of any length runs in constant memory. Outputs far into the
// stream equal the double reference run on just the receptive field (L * (W - 1) + 1
// tokens: with a causal window nothing older can reach the output).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "npy.hpp"
#include "runtime_fixture.hpp"

namespace ringrt::test {
namespace {

const std::string kRun = RINGRT_RUN_BIN;

// The reference output at position t, computed on the receptive field only.
std::vector<double> reference_at(const TestModel& m, const std::vector<float>& x, std::size_t t) {
  const std::size_t W = m.options.sliding_window, L = m.options.num_layers, E = m.options.embed_dim;
  const std::size_t field = L * (W - 1) + 1;
  const std::size_t first = t + 1 > field ? t + 1 - field : 0;
  return ringrt_ref::forward_last(m.options, m.weights, x.data() + first * E, t + 1 - first);
}

TEST(WindowStream, HundredWindowsInConstantMemoryMatchTheReference) {
  TempDir dir;
  const std::size_t E = 24, H = 32, W = 16, T = 100 * W;
  const TestModel m = make_model(dir, "m", ring_encoder_options(E, H, 4, 2, true, 2, W, 0.0f, true), 12);
  const std::vector<float> x = synthetic_input(T, E, 8);
  for (const char* store : {"memory", "file"}) {
    SessionOptions o;
    o.chunk = 16;
    o.workers = 2;
    o.max_context = 1 << 20;  // larger than the ring: the stream may go on forever
    const std::string spec = "file:" + dir.file(std::string("kv_") + store);
    if (std::string(store) == "file") o.kv_store = spec.c_str();
    std::unique_ptr<Session> s;
    ASSERT_TRUE(Session::create(*m.model, o, &s).ok());
    const MemoryPlan& plan = s->plan();
    EXPECT_TRUE(plan.kv_window_buffer);
    EXPECT_EQ(plan.kv_positions, 16u + 16u + 32u);  // window 16 - 1 rounded up to a chunk, a chunk, a round
    double worst = 0;
    uint64_t most_bytes = 0;
    for (std::size_t done = 0, piece = 1; done < T; done += piece, piece = piece % 37 + 6) {
      const std::size_t n = std::min(piece, T - done);
      const Status st = s->append(x.data() + done * E, n, E);
      ASSERT_TRUE(st.ok()) << st.message();
      most_bytes = std::max(most_bytes, s->kv_bytes_stored());
      if ((done / 97) != ((done + n) / 97) || done + n == T) {  // now and then, and at the end
        const std::vector<double> ref = reference_at(m, x, done + n - 1);
        worst = std::max(worst, ringrt_ref::max_abs_diff(s->output(), ref.data(), H));
      }
    }
    EXPECT_EQ(s->length(), T);
    EXPECT_LE(worst, 2e-5) << store;
    // The store never held more than its ring.
    const uint64_t ring_bytes = plan.kv_positions * 2 * 2 * 2 * 8 * sizeof(float);  // L, K+V, kv heads, D
    EXPECT_LE(most_bytes, ring_bytes + (std::string(store) == "file" ? 4096 + 65536 : 0)) << store;
    std::printf("[ window ] %s store, %zu tokens = 100 windows: max |err| vs reference on the receptive field = %.3g, "
                "KV held at most %llu bytes (ring %llu)\n",
                store, T, worst, static_cast<unsigned long long>(most_bytes),
                static_cast<unsigned long long>(ring_bytes));
  }
}

TEST(WindowStream, PlanDoesNotGrowWithTheContext) {
  TempDir dir;
  const TestModel m = make_model(dir, "m", ring_encoder_options(24, 32, 4, 2, true, 0, 100), 3);
  SessionOptions o;
  o.chunk = 32;
  o.workers = 2;
  MemoryPlan small, huge, short_context;
  o.max_context = 1000;
  ASSERT_TRUE(plan_session(*m.model, o, &small).ok());
  o.max_context = 1ull << 40;
  ASSERT_TRUE(plan_session(*m.model, o, &huge).ok());
  EXPECT_EQ(small.arena_bytes, huge.arena_bytes);
  EXPECT_TRUE(huge.kv_window_buffer);
  EXPECT_EQ(huge.kv_positions, 128u + 32u + 64u);
  // A context shorter than the ring keeps the plain store: never more than planned.
  o.max_context = 200;
  ASSERT_TRUE(plan_session(*m.model, o, &short_context).ok());
  EXPECT_FALSE(short_context.kv_window_buffer);
  EXPECT_EQ(short_context.kv_positions, 200u);
}

// Going back (truncate) is refused where the ring no longer holds the window before
// the new end; within reach it gives the reference's output.
TEST(WindowStream, TruncateStaysWithinTheRing) {
  TempDir dir;
  const std::size_t E = 24, H = 32, W = 16;
  const TestModel m = make_model(dir, "m", ring_encoder_options(E, H, 4, 2, true, 0, W), 12);
  const std::vector<float> x = synthetic_input(300, E, 8);
  SessionOptions o = session_options(16, 2, 1 << 20);
  std::unique_ptr<Session> s;
  ASSERT_TRUE(Session::create(*m.model, o, &s).ok());
  ASSERT_TRUE(s->append(x.data(), 200, E).ok());
  const uint64_t keep = s->plan().kv_positions - (W - 1);  // 64 - 15
  const Status far = s->truncate(200 - keep - 1);
  EXPECT_EQ(far.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(far.message()).find("can go back at most 49 tokens"), std::string::npos) << far.message();
  EXPECT_EQ(s->length(), 200u);
  ASSERT_TRUE(s->truncate(200 - keep).ok());
  ASSERT_TRUE(s->append(x.data() + (200 - keep) * E, 60, E).ok());
  const std::vector<double> ref = reference_at(m, x, 200 - keep + 59);
  EXPECT_LE(ringrt_ref::max_abs_diff(s->output(), ref.data(), H), 2e-5);
}

// A ring file store resumed with another worker count has other slots: refused.
TEST(WindowStream, ResumingARingWithAnotherGeometryIsRefused) {
  TempDir dir;
  const TestModel m = make_model(dir, "m", ring_encoder_options(24, 32, 4, 2, true, 0, 16), 12);
  const std::vector<float> x = synthetic_input(100, 24, 8);
  const std::string spec = "file:" + dir.file("kv");
  SessionOptions o = session_options(16, 2, 1 << 20);
  o.kv_store = spec.c_str();
  {
    std::unique_ptr<Session> s;
    ASSERT_TRUE(Session::create(*m.model, o, &s).ok());
    ASSERT_TRUE(s->append(x.data(), 100, 24).ok());
  }
  o.resume = true;
  o.workers = 1;
  std::unique_ptr<Session> s;
  const Status st = Session::create(*m.model, o, &s);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(st.message()).find("is a sliding-window ring of 64 positions, this session's ring has 48"),
            std::string::npos)
      << st.message();
  o.workers = 2;
  ASSERT_TRUE(Session::create(*m.model, o, &s).ok());
  EXPECT_EQ(s->length(), 100u);
}

double peak_rss_mib(const std::string& out) {
  const std::size_t at = out.find("peak RSS ");
  return at == std::string::npos ? -1.0 : std::strtod(out.c_str() + at + 9, nullptr);
}

// Measured: ringrt-run's peak RSS streaming 10 and 100 windows (memory store: a
// store that kept the whole history would grow by 3 MiB here).
TEST(WindowStream, RunStreamsTenTimesLongerInTheSameMemory) {
  TempDir dir;
  const std::size_t E = 24, W = 64;
  const TestModel m = make_model(dir, "m", ring_encoder_options(E, 32, 4, 2, true, 0, W), 5);
  double rss[2];
  const std::size_t lengths[2] = {10 * W, (small_scale() ? 30 : 100) * W};
  for (int i = 0; i < 2; ++i) {
    const std::size_t T = lengths[i];
    const std::vector<float> x = synthetic_input(T, E, 1);
    write_npy_f32(dir.file("x.npy"), {T, E}, x);
    const CommandResult r = run_command({kRun, dir.file("m.rrt"), "--input", dir.file("x.npy"), "--output",
                                         dir.file("y.npy"), "--chunk", "32", "--threads", "2"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    rss[i] = peak_rss_mib(r.out);
    ASSERT_GT(rss[i], 0) << r.out;
    npy::Array y;
    ASSERT_TRUE(npy::read_f32(dir.file("y.npy").c_str(), &y).ok());
    const std::vector<double> ref = reference_at(m, x, T - 1);
    EXPECT_LE(ringrt_ref::max_abs_diff(y.data.data(), ref.data(), 32), 2e-5) << T;
    std::printf("[ window ] ringrt-run, memory store, %zu tokens (%zu windows): peak RSS %.1f MiB\n", T, T / W,
                rss[i]);
  }
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  std::printf("[ window ] (sanitizer build: its own memory use makes RSS no measure of the ring)\n");
#else
  EXPECT_LE(rss[1] - rss[0], 1.0) << "peak RSS grew with the stream";
#endif
}

}  // namespace
}  // namespace ringrt::test
