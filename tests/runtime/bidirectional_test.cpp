// Bidirectional ring_encoder models: layer by layer over the whole sequence, with the
// residual stream in the arena or in a file. Every output, after every append, equals
// the double reference run on the sequence so far.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <unistd.h>

#include "npy.hpp"
#include "runtime_fixture.hpp"

namespace ringrt::test {
namespace {

struct Variant {
  const char* name;
  ModelOptions options;
};

std::vector<Variant> bidirectional_variants() {
  return {
      {"bidirectional", ring_encoder_options(24, 32, 4, 2, false)},
      {"bidirectional, window 9", ring_encoder_options(24, 32, 4, 2, false, 0, 9)},
      {"bidirectional, gqa 4->2, cap 2.5", ring_encoder_options(24, 32, 4, 2, false, 2, 0, 2.5f)},
      {"bidirectional, all: mqa, window 30, cap 3, sinks", ring_encoder_options(24, 32, 4, 2, false, 1, 30, 3.0f, true)},
  };
}

TEST(Bidirectional, EveryOptionMatchesTheReferenceAfterEveryAppend) {
  TempDir dir;
  const std::size_t T = small_scale() ? 90 : 200, E = 24, H = 32;
  int n = 0;
  for (const Variant& v : bidirectional_variants()) {
    const TestModel m = make_model(dir, "b" + std::to_string(n++), v.options, 17);
    const std::vector<float> x = synthetic_input(T, E, 4);
    double worst = 0;
    for (const char* store : {"memory", "file"}) {
      struct Shape {
        uint32_t chunk, workers;
        std::vector<std::size_t> pieces;
      };
      for (const Shape& sh : {Shape{16, 2, {T}}, Shape{64, 1, {T}}, Shape{8, 3, {1, 40, T - 41}}}) {
        SessionOptions o = session_options(sh.chunk, sh.workers, T);
        const std::string spec = "file:" + dir.file("kv" + std::to_string(n) + store + std::to_string(sh.chunk));
        if (std::string(store) == "file") o.kv_store = spec.c_str();
        std::unique_ptr<Session> s;
        const Status c = Session::create(*m.model, o, &s);
        ASSERT_TRUE(c.ok()) << c.message();
        EXPECT_TRUE(s->plan().layer_by_layer);
        std::size_t done = 0;
        for (std::size_t piece : sh.pieces) {
          std::vector<float> all(piece * H);
          const Status a = s->append(x.data() + done * E, piece, E, all.data());
          ASSERT_TRUE(a.ok()) << a.message();
          done += piece;
          // The outputs of the appended positions, and the last, with the sequence so far.
          const std::vector<double> ref = ringrt_ref::forward_all(m.options, m.weights, x.data(), done);
          const double err_all = ringrt_ref::max_abs_diff(all.data(), ref.data() + (done - piece) * H, piece * H);
          const double err_last = ringrt_ref::max_abs_diff(s->output(), ref.data() + (done - 1) * H, H);
          EXPECT_LE(err_all, 2e-5) << v.name << ", " << store << ", chunk " << sh.chunk << ", after " << done;
          EXPECT_LE(err_last, 2e-5) << v.name << ", " << store << ", chunk " << sh.chunk << ", after " << done;
          worst = std::max({worst, err_all, err_last});
        }
        if (std::string(store) == "file") {  // the residual stream's file lives as long as the session
          EXPECT_EQ(access((spec.substr(5) + ".residual").c_str(), F_OK), 0);
          s.reset();
          EXPECT_NE(access((spec.substr(5) + ".residual").c_str(), F_OK), 0);
        }
      }
    }
    std::printf("[ bidirectional ] %-48s T = %zu: max |err| vs reference = %.3g (memory and file, 3 shapes)\n",
                v.name, T, worst);
  }
}

// An early output changes when later tokens arrive (that is what bidirectional means),
// and the runtime follows the reference there too.
TEST(Bidirectional, EarlierOutputsSeeLaterTokens) {
  TempDir dir;
  const std::size_t E = 24, H = 32;
  const TestModel m = make_model(dir, "m", ring_encoder_options(E, H, 4, 2, false), 2);
  const std::vector<float> x = synthetic_input(60, E, 1);
  SessionOptions o = session_options(16, 2, 60);
  const std::vector<float> first30 = run_sequence(*m.model, o, std::vector<float>(x.begin(), x.begin() + 30 * E), 30,
                                                  true);
  const std::vector<float> all60 = run_sequence(*m.model, o, x, 60, true);
  double moved = 0;
  for (std::size_t i = 0; i < H; ++i) moved = std::max(moved, double(std::fabs(first30[i] - all60[i])));
  EXPECT_GT(moved, 1e-3) << "output 0 did not change when 30 more tokens arrived";
}

// Deferred pieces, then one append: the whole sequence runs once, and equals the
// reference; ringrt-run does the same with a streamed input file.
TEST(Bidirectional, DeferredPiecesRunOnceAtTheNextAppend) {
  TempDir dir;
  const std::size_t E = 24, H = 32, T = 150;
  const TestModel m = make_model(dir, "m", ring_encoder_options(E, H, 4, 2, false, 2, 20, 0.0f, true), 6);
  const std::vector<float> x = synthetic_input(T, E, 3);
  const std::vector<double> ref = ringrt_ref::forward_all(m.options, m.weights, x.data(), T);
  SessionOptions o = session_options(16, 2, T);
  std::unique_ptr<Session> s;
  ASSERT_TRUE(Session::create(*m.model, o, &s).ok());
  ASSERT_TRUE(s->append_deferred(x.data(), 50, E).ok());
  ASSERT_TRUE(s->append_deferred(x.data() + 50 * E, 60, E).ok());
  EXPECT_EQ(s->length(), 110u);
  EXPECT_EQ(s->output(), nullptr);
  ASSERT_TRUE(s->append(x.data() + 110 * E, 40, E).ok());
  EXPECT_LE(ringrt_ref::max_abs_diff(s->output(), ref.data() + (T - 1) * H, H), 2e-5);

  write_npy_f32(dir.file("x.npy"), {T, E}, x);
  for (const char* all : {"", "--all-timesteps"}) {
    std::vector<std::string> argv = {RINGRT_RUN_BIN, dir.file("m.rrt"), "--input", dir.file("x.npy"), "--output",
                                     dir.file("y.npy"), "--chunk", "16", "--threads", "2", "--quiet"};
    if (*all) argv.push_back(all);
    const CommandResult r = run_command(argv);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    npy::Array y;
    ASSERT_TRUE(npy::read_f32(dir.file("y.npy").c_str(), &y).ok());
    if (*all) {
      ASSERT_EQ(y.data.size(), T * H);
      EXPECT_LE(ringrt_ref::max_abs_diff(y.data.data(), ref.data(), T * H), 2e-5);
    } else {
      ASSERT_EQ(y.data.size(), H);
      EXPECT_LE(ringrt_ref::max_abs_diff(y.data.data(), ref.data() + (T - 1) * H, H), 2e-5);
    }
  }
}

// A bidirectional session's KV file is scratch: the next session may use the path.
TEST(Bidirectional, AFileStorePathServesSessionAfterSession) {
  TempDir dir;
  const TestModel m = make_model(dir, "m", ring_encoder_options(24, 32, 4, 2, false), 2);
  const std::vector<float> x = synthetic_input(50, 24, 1);
  const std::string spec = "file:" + dir.file("kv");
  SessionOptions o = session_options(16, 2, 50);
  o.kv_store = spec.c_str();
  for (int i = 0; i < 2; ++i) {
    std::unique_ptr<Session> s;
    const Status c = Session::create(*m.model, o, &s);
    ASSERT_TRUE(c.ok()) << "session " << i << ": " << c.message();
    ASSERT_TRUE(s->append(x.data(), 50, 24).ok());
  }
}

TEST(Bidirectional, PlanHoldsOneLayerOfKvAndTheResidualStream) {
  TempDir dir;
  const ModelOptions bi = ring_encoder_options(24, 32, 4, 3, false), causal = ring_encoder_options(24, 32, 4, 3);
  const TestModel b = make_model(dir, "b", bi, 1), c = make_model(dir, "c", causal, 1);
  SessionOptions o = session_options(32, 2, 4096);
  MemoryPlan pb, pc;
  ASSERT_TRUE(plan_session(*b.model, o, &pb).ok());
  ASSERT_TRUE(plan_session(*c.model, o, &pc).ok());
  EXPECT_TRUE(pb.layer_by_layer);
  EXPECT_FALSE(pc.layer_by_layer);
  EXPECT_NEAR(double(pb.kv_bytes) * 3, double(pc.kv_bytes), 256.0);  // one layer of three (give or take padding)
  EXPECT_EQ(pb.residual_bytes, 2u * 4096 * 32 * sizeof(float));
}

}  // namespace
}  // namespace ringrt::test
