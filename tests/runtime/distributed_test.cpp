// Distributed sessions on an in-process ring of ranks (thread_ring.hpp): the
// outputs equal a single-process session's and the double-precision reference's,
// for any number of ranks, uneven shards, ranks with nothing to do, and streaming.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>

#include "runtime_fixture.hpp"
#include "shard_schedule.hpp"
#include "thread_ring.hpp"

namespace ringrt::test {
namespace {

double max_diff(const float* a, const float* b, std::size_t n) {
  double worst = 0.0;
  for (std::size_t i = 0; i < n; ++i) worst = std::max(worst, std::fabs(double(a[i]) - double(b[i])));
  return worst;
}

// Brute force: count owned positions one by one.
TEST(ShardSchedule, MatchesCountingPositionByPosition) {
  for (uint32_t R = 1; R <= 5; ++R) {
    for (uint64_t B : {1u, 3u, 8u}) {
      const ShardSchedule s{R, B};
      std::vector<uint64_t> owned(R, 0);
      for (uint64_t end = 0; end <= 120; ++end) {
        for (uint32_t r = 0; r < R; ++r) ASSERT_EQ(s.owned_before(r, end), owned[r]) << R << " " << B << " " << end;
        if (end < 120) ++owned[(end / B) % R];
      }
      for (uint64_t start = 0; start < 60; ++start) {
        const uint64_t tokens = s.round_tokens(start, 1000);
        ASSERT_GE(tokens, 1u);
        // The round never holds two blocks of one rank, and the slices tile it.
        uint64_t covered = 0;
        for (uint32_t r = 0; r < R; ++r) {
          const ShardSlice slice = shard_slice(s, r, start, tokens);
          covered += slice.rows;
          EXPECT_EQ(slice.local_start, s.owned_before(r, start));
          for (uint64_t p = slice.begin; p < slice.begin + slice.rows; ++p) EXPECT_EQ(s.owner(p), r);
        }
        EXPECT_EQ(covered, tokens) << R << " " << B << " " << start;
        EXPECT_TRUE((start + tokens) % B == 0) << R << " " << B << " " << start;
      }
      EXPECT_EQ(s.share_capacity(10 * B * R + 1), (10 + 1) * B);
    }
  }
}

struct DistributedRun {
  std::vector<float> last;  // rank 0's output()
  std::vector<float> all;   // rank 0's all_outputs
  std::vector<std::string> errors;
};

// Runs x through a session of `ranks` ranks in appends of `piece` tokens.
DistributedRun run_distributed(const Model& model, SessionOptions o, uint32_t ranks, const std::vector<float>& x,
                               std::size_t tokens, std::size_t piece, std::size_t E, std::size_t H) {
  ThreadRing ring(ranks);
  DistributedRun out;
  out.errors.resize(ranks);
  out.all.assign(tokens * H, 0.0f);
  std::vector<std::vector<float>> last(ranks);
  ring.run([&](uint32_t r) {
    SessionOptions mine = o;
    mine.transport = ring.rank(r);
    std::unique_ptr<Session> s;
    Status st = Session::create(model, mine, &s);
    for (std::size_t done = 0; st.ok() && done < tokens; done += piece) {
      const std::size_t n = std::min(piece, tokens - done);
      st = s->append(r == 0 ? x.data() + done * E : nullptr, n, E, r == 0 ? out.all.data() + done * H : nullptr);
    }
    if (!st.ok()) {
      out.errors[r] = st.message();
      return;
    }
    last[r].assign(s->output(), s->output() + H);
  });
  out.last = last[0];
  for (uint32_t r = 1; r < ranks; ++r) {
    if (out.errors[r].empty() && last[r] != last[0]) out.errors[r] = "output() differs from rank 0's";
  }
  return out;
}

void expect_no_errors(const DistributedRun& run) {
  for (std::size_t r = 0; r < run.errors.size(); ++r) EXPECT_EQ(run.errors[r], "") << "rank " << r;
}

TEST(Distributed, RanksEqualOneProcessForShortFewChunkAndLongSequences) {
  TempDir dir;
  const std::size_t E = 40, H = 64;
  const TestModel m = make_model(dir, "m", small_options(E, H, 4, 3), 21);
  SessionOptions o = session_options(16, 2, 2048);
  const std::size_t long_T = small_scale() ? 300 : 1500;
  for (uint32_t ranks : {2u, 3u, 4u}) {
    for (std::size_t T : {std::size_t{1}, std::size_t{3 * 16 + 5}, std::size_t{2 * 32 + 1}, long_T}) {
      const std::vector<float> x = synthetic_input(T, E, 100 + T);
      const std::vector<float> single = run_sequence(*m.model, o, x, T, true);
      const DistributedRun d = run_distributed(*m.model, o, ranks, x, T, T, E, H);
      expect_no_errors(d);
      ASSERT_EQ(d.last.size(), H);
      const double err_all = max_diff(d.all.data(), single.data(), T * H);
      const double err_last = max_diff(d.last.data(), single.data() + (T - 1) * H, H);
      EXPECT_LE(err_all, 1e-5) << ranks << " ranks, T = " << T;
      EXPECT_LE(err_last, 1e-5) << ranks << " ranks, T = " << T;
      std::printf("[ distributed ] %u ranks, T = %zu: max |ranks - one process| = %.3g (all timesteps)\n", ranks,
                  T, err_all);
    }
  }
}

TEST(Distributed, GroupedQueryHeadsSoftcapAndSinksEqualOneProcess) {
  TempDir dir;
  const std::size_t E = 24, H = 32, T = small_scale() ? 120 : 500;
  const TestModel m = make_model(dir, "m", ring_encoder_options(E, H, 4, 2, true, 2, 0, 3.0f, true), 9);
  SessionOptions o = session_options(16, 2, T);
  const std::vector<float> x = synthetic_input(T, E, 2);
  const std::vector<float> single = run_sequence(*m.model, o, x, T, true);
  const DistributedRun d = run_distributed(*m.model, o, 3, x, T, T, E, H);
  expect_no_errors(d);
  EXPECT_LE(max_diff(d.all.data(), single.data(), T * H), 1e-5);
  const std::vector<double> ref = ringrt_ref::forward_all(m.options, m.weights, x.data(), T);
  EXPECT_LE(ringrt_ref::max_abs_diff(d.all.data(), ref.data(), T * H), 2e-5);
}

TEST(Distributed, SlidingWindowModelsAreRefusedWithTheReason) {
  TempDir dir;
  const TestModel m = make_model(dir, "m", ring_encoder_options(24, 32, 4, 2, true, 0, 16), 9);
  ThreadRing ring(2);
  std::string errors[2];
  ring.run([&](uint32_t r) {
    SessionOptions o;
    o.max_context = 64;
    o.transport = ring.rank(r);
    std::unique_ptr<Session> s;
    errors[r] = Session::create(*m.model, o, &s).message();
  });
  for (const std::string& e : errors) {
    EXPECT_EQ(e, "a session of 2 ranks runs causal attention without a sliding window; this model has a sliding "
                 "window");
  }
}

TEST(Distributed, MatchesTheReference) {
  TempDir dir;
  const std::size_t E = 32, H = 32, T = small_scale() ? 100 : 400;
  const TestModel m = make_model(dir, "m", small_options(E, H, 2, 2), 5);
  SessionOptions o = session_options(8, 2, T);
  const std::vector<float> x = synthetic_input(T, E, 3);
  const std::vector<double> ref = ringrt_ref::forward_all(m.options, m.weights, x.data(), T);
  const DistributedRun d = run_distributed(*m.model, o, 3, x, T, T, E, H);
  expect_no_errors(d);
  double worst = 0.0;
  for (std::size_t t = 0; t < T; ++t) {
    worst = std::max(worst, ringrt_ref::max_abs_diff(d.all.data() + t * H, ref.data() + t * H, H));
  }
  EXPECT_LE(worst, 2e-4);
  std::printf("[ distributed ] 3 ranks, T = %zu: max |err| vs double reference = %.3g\n", T, worst);
}

// Every rank keeps its share of the KV history in the session's dtype (the messages
// around the ring carry it decoded, as float32).
TEST(Distributed, KvDtypesMatchTheReference) {
  TempDir dir;
  const std::size_t E = 32, H = 32, T = small_scale() ? 100 : 300;
  const TestModel m = make_model(dir, "m", small_options(E, H, 2, 2), 5);
  const std::vector<float> x = synthetic_input(T, E, 3);
  const std::vector<double> ref = ringrt_ref::forward_all(m.options, m.weights, x.data(), T);
  for (KvDtype dtype : {KvDtype::kF16, KvDtype::kInt8}) {
    SessionOptions o = session_options(8, 2, T);
    o.kv_dtype = dtype;
    const DistributedRun d = run_distributed(*m.model, o, 3, x, T, 50, E, H);
    expect_no_errors(d);
    const double err = ringrt_ref::max_abs_diff(d.all.data(), ref.data(), T * H);
    EXPECT_LE(err, dtype == KvDtype::kF16 ? 5e-3 : 5e-2) << kv_dtype_name(dtype);
    std::printf("[ distributed ] 3 ranks, %s KV, T = %zu: max |err| vs double reference = %.3g\n",
                kv_dtype_name(dtype), T, err);
  }
}

TEST(Distributed, StreamingInPiecesEqualsOneProcess) {
  TempDir dir;
  const std::size_t E = 40, H = 64, T = small_scale() ? 120 : 400;
  const TestModel m = make_model(dir, "m", small_options(E, H, 4, 2), 8);
  SessionOptions o = session_options(16, 2, T);
  const std::vector<float> x = synthetic_input(T, E, 17);
  const std::vector<float> single = run_sequence(*m.model, o, x, T, true);
  for (std::size_t piece : {std::size_t{1}, std::size_t{7}, std::size_t{33}}) {
    const DistributedRun d = run_distributed(*m.model, o, 2, x, T, piece, E, H);
    expect_no_errors(d);
    EXPECT_LE(max_diff(d.all.data(), single.data(), T * H), 1e-5) << "pieces of " << piece;
  }
}

TEST(Distributed, FileStoresHoldOnlyEachRanksShare) {
  TempDir dir;
  const std::size_t E = 32, H = 32, T = 200;
  const TestModel m = make_model(dir, "m", small_options(E, H, 2, 2), 6);
  SessionOptions o = session_options(8, 1, T);
  const std::string spec = "file:" + dir.path() + "/kv";
  o.kv_store = spec.c_str();
  const std::vector<float> x = synthetic_input(T, E, 4);
  SessionOptions memory = o;
  memory.kv_store = nullptr;
  const std::vector<float> single = run_sequence(*m.model, memory, x, T, true);
  const DistributedRun d = run_distributed(*m.model, o, 2, x, T, T, E, H);
  expect_no_errors(d);
  EXPECT_LE(max_diff(d.all.data(), single.data(), T * H), 1e-5);
  EXPECT_EQ(list_dir(dir.path()), (std::vector<std::string>{"kv.rank0", "kv.rank1", "m.json", "m.rrt",
                                                             "m.safetensors"}));
}

TEST(Distributed, KvShareShrinksAsOneOverRanks) {
  TempDir dir;
  const TestModel m = make_model(dir, "m", small_options(32, 32, 2, 2), 6);
  SessionOptions o = session_options(64, 2, 64 * 1024);
  MemoryPlan one;
  ASSERT_TRUE(plan_session(*m.model, o, &one).ok());
  for (uint32_t ranks : {2u, 4u}) {
    ThreadRing ring(ranks);
    o.transport = ring.rank(ranks - 1);
    MemoryPlan plan;
    ASSERT_TRUE(plan_session(*m.model, o, &plan).ok());
    EXPECT_EQ(plan.ranks, ranks);
    EXPECT_EQ(plan.rank, ranks - 1);
    EXPECT_EQ(plan.kv_positions, o.max_context / ranks);
    // 1/ranks of the single-process store, give or take one buffer's alignment padding.
    EXPECT_NEAR(double(plan.kv_bytes), double(one.kv_bytes) / ranks, 128.0) << ranks << " ranks";
  }
}

TEST(Distributed, BadInputOnRankZeroFailsEveryRank) {
  TempDir dir;
  const std::size_t E = 32, H = 32;
  const TestModel m = make_model(dir, "m", small_options(E, H, 2, 2), 6);
  SessionOptions o = session_options(8, 1, 64);
  std::vector<float> x = synthetic_input(10, E, 4);
  x[3 * E + 5] = NAN;
  const DistributedRun d = run_distributed(*m.model, o, 2, x, 10, 10, E, H);
  EXPECT_NE(d.errors[0].find("NaN at token 3"), std::string::npos) << d.errors[0];
  EXPECT_NE(d.errors[1].find("rank 0 of 2 failed: input contains NaN at token 3"), std::string::npos) << d.errors[1];
}

// A rank with other options: every rank's Session::create fails at once, naming it.
TEST(Distributed, ARankWithOtherOptionsFailsEveryRankAtCreation) {
  TempDir dir;
  const TestModel m = make_model(dir, "m", small_options(32, 32, 2, 2), 6);
  ThreadRing ring(3, 60.0);
  std::string errors[3];
  const auto t0 = std::chrono::steady_clock::now();
  ring.run([&](uint32_t r) {
    SessionOptions o;
    o.chunk = r == 1 ? 16 : 8;  // rank 1 disagrees
    o.workers = 1;
    o.max_context = 64;
    o.transport = ring.rank(r);
    std::unique_ptr<Session> s;
    errors[r] = Session::create(*m.model, o, &s).message();
  });
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_NE(errors[1].find("rank 1 runs model"), std::string::npos) << errors[1];
  EXPECT_NE(errors[1].find("every rank needs the same model and session options"), std::string::npos) << errors[1];
  for (int r : {0, 2}) {
    EXPECT_EQ(errors[r].rfind("rank 1 of 3 failed: rank 1 runs model", 0), 0u) << errors[r];
  }
  EXPECT_LT(seconds, 10.0) << "the ranks waited for a timeout";
}

// A rank that goes away without a word is named by the others within the timeout.
TEST(Distributed, ASilentRankIsNamedByTheOthersWithinTheTimeout) {
  TempDir dir;
  const TestModel m = make_model(dir, "m", small_options(32, 32, 2, 2), 6);
  ThreadRing ring(2, 2.0);
  std::string error;
  const auto t0 = std::chrono::steady_clock::now();
  ring.run([&](uint32_t r) {
    if (r == 1) return;  // never joins
    SessionOptions o = session_options(8, 1, 64);
    o.transport = ring.rank(r);
    std::unique_ptr<Session> s;
    error = Session::create(*m.model, o, &s).message();
  });
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_NE(error.find("no data from rank 1"), std::string::npos) << error;
  EXPECT_LT(seconds, 30.0);
}

}  // namespace
}  // namespace ringrt::test
