// The file KV store: same results as the memory store, resumable streams, refusals.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <cstdlib>
#include <cstring>

#include "file_store_fixture.hpp"
#include "runtime_fixture.hpp"

namespace ringrt::test {
namespace {

bool contains(const Status& s, const std::string& needle) {
  return std::string(s.message()).find(needle) != std::string::npos;
}

struct FileStore : FileStoreFixture {};

TEST_F(FileStore, GivesTheMemoryStoresOutputs) {
  SessionOptions mem = o;
  mem.kv_store = "memory";
  const std::vector<float> a = run_sequence(*m.model, mem, x, T, true);
  const std::vector<float> b = run_sequence(*m.model, o, x, T, true);
  ASSERT_EQ(a.size(), b.size());
  EXPECT_EQ(0, std::memcmp(a.data(), b.data(), a.size() * sizeof(float)));
  const std::vector<double> ref = ringrt_ref::forward_all(m.options, m.weights, x.data(), T);
  EXPECT_LE(ringrt_ref::max_abs_diff(b.data(), ref.data(), ref.size()), 2e-4);
  std::unique_ptr<Session> s = create(mem);
  EXPECT_FALSE(s->plan().kv_in_arena == false);
}

TEST_F(FileStore, PlanKeepsTheHistoryOutOfTheArena) {
  MemoryPlan file_plan, mem_plan;
  SessionOptions big = o;
  big.max_context = 1000000;
  ASSERT_TRUE(plan_session(*m.model, big, &file_plan).ok());
  big.kv_store = "memory";
  ASSERT_TRUE(plan_session(*m.model, big, &mem_plan).ok());
  EXPECT_FALSE(file_plan.kv_in_arena);
  EXPECT_TRUE(mem_plan.kv_in_arena);
  // KV at max context: layers * (K + V) * hidden * 4 bytes per token, by hand.
  EXPECT_GE(file_plan.kv_bytes, 2ull * 2 * 32 * 4 * 1000000);
  EXPECT_LT(file_plan.arena_bytes, 8ull << 20);
  EXPECT_GT(mem_plan.arena_bytes, 2ull * 2 * 32 * 4 * 1000000);
  struct stat st;
  EXPECT_NE(stat(dir.file("kv").c_str(), &st), 0) << "planning must not create the store";
}

TEST_F(FileStore, ResumesAfterTheLastCommittedRound) {
  {
    std::unique_ptr<Session> s = create(o);
    ASSERT_TRUE(s->append(x.data(), 150, 24).ok());
  }  // the "process" ends here
  SessionOptions again = o;
  Status st;
  create(again, &st);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(contains(st, "already holds 150 committed tokens")) << st.message();

  again.resume = true;
  std::unique_ptr<Session> s = create(again);
  ASSERT_EQ(s->length(), 150u);
  EXPECT_EQ(s->output(), nullptr);
  ASSERT_TRUE(s->append(x.data() + 150 * 24, T - 150, 24).ok());
  const std::vector<double> ref = ringrt_ref::forward_last(m.options, m.weights, x.data(), T);
  EXPECT_LE(ringrt_ref::max_abs_diff(s->output(), ref.data(), 32), 2e-4);
}

TEST_F(FileStore, RefusesAStoreOfAnotherModelOrStream) {
  { ASSERT_TRUE(create(o)->append(x.data(), 40, 24).ok()); }
  const TestModel other = make_model(dir, "other", small_options(24, 32, 4, 2), 32);
  SessionOptions r = o;
  r.resume = true;
  std::unique_ptr<Session> s;
  Status st = Session::create(*other.model, r, &s);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(contains(st, "written by a different model")) << st.message();
  r.stream_tag = 99;
  st = Session::create(*m.model, r, &s);
  EXPECT_TRUE(contains(st, "holds a stream of different input")) << st.message();
}

TEST_F(FileStore, RefusesADamagedHeader) {
  { ASSERT_TRUE(create(o)->append(x.data(), 40, 24).ok()); }
  std::string bytes = read_file(dir.file("kv"));
  bytes[40] ^= 1;  // a header field (capacity): the header checksum no longer matches
  write_file(dir.file("kv"), bytes);
  SessionOptions r = o;
  r.resume = true;
  Status st;
  create(r, &st);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(contains(st, "damaged header")) << st.message();
  write_file(dir.file("kv"), "not a store");
  create(r, &st);
  EXPECT_TRUE(contains(st, "not a ringrt KV store")) << st.message();
}

TEST_F(FileStore, UncreatablePathIsAClearErrorAndLeavesNothing) {
  const std::string bad = "file:" + dir.file("no/such/dir/kv");
  SessionOptions r = o;
  r.kv_store = bad.c_str();
  Status st;
  create(r, &st);
  EXPECT_EQ(st.code(), StatusCode::kIoError);
  EXPECT_TRUE(contains(st, "cannot create")) << st.message();
  EXPECT_TRUE(contains(st, "no/such/dir/kv")) << st.message();
  const std::string as_dir = "file:" + dir.path();
  r.kv_store = as_dir.c_str();
  create(r, &st);
  EXPECT_TRUE(contains(st, "is a directory")) << st.message();
  r.kv_store = "flash:/x";
  create(r, &st);
  EXPECT_TRUE(contains(st, "'memory' or 'file:PATH'")) << st.message();
}

TEST_F(FileStore, ResetAndTruncateRewriteTheCommittedLength) {
  std::unique_ptr<Session> s = create(o);
  ASSERT_TRUE(s->append(x.data(), 100, 24).ok());
  ASSERT_TRUE(s->truncate(64).ok());
  EXPECT_EQ(s->truncate(65).code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(s->append(x.data() + 64 * 24, 36, 24).ok());
  const std::vector<double> ref = ringrt_ref::forward_last(m.options, m.weights, x.data(), 100);
  EXPECT_LE(ringrt_ref::max_abs_diff(s->output(), ref.data(), 32), 2e-4);
  s->reset();
  s.reset();
  SessionOptions fresh = o;  // an empty store may be reused without --resume
  EXPECT_NE(create(fresh), nullptr);
}

}  // namespace
}  // namespace ringrt::test

namespace ringrt::test {
namespace {

// RINGRT_KV_READAHEAD only changes which pages the kernel is asked for: every depth
// gives the double reference's outputs, and a value that is not a depth is refused.
TEST_F(FileStore, ReadaheadDepthsGiveTheSameOutputsAndABadOneIsRefused) {
  const std::vector<double> ref = ringrt_ref::forward_all(m.options, m.weights, x.data(), T);
  int n = 0;
  for (const char* depth : {"0", "1", "64"}) {
    ASSERT_EQ(setenv("RINGRT_KV_READAHEAD", depth, 1), 0);
    const std::string store = "file:" + dir.file("ra" + std::to_string(n++));
    SessionOptions ra = o;
    ra.kv_store = store.c_str();
    EXPECT_LE(stream_error(m, ra, x, T, 7, ref), 2e-5) << "RINGRT_KV_READAHEAD=" << depth;
  }
  for (const char* bad : {"65", "-1", "four", ""}) {
    ASSERT_EQ(setenv("RINGRT_KV_READAHEAD", bad, 1), 0);
    Status st;
    create(o, &st);
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(std::string(st.message()).find(std::string("RINGRT_KV_READAHEAD='") + bad +
                                             "' is not a number of chunks in [0, 64]"),
              std::string::npos)
        << st.message();
  }
  unsetenv("RINGRT_KV_READAHEAD");
}

}  // namespace
}  // namespace ringrt::test
