// One session at a time per store file: a KV file store (and a bidirectional
// model's PATH.residual) is locked while a session has it open. A second opener,
// another session of the same process or another process, resumed or not, is
// refused at once naming the file, and the holder's stream is left intact.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "file_store_fixture.hpp"
#include "runtime_fixture.hpp"

namespace ringrt::test {
namespace {

const std::string kRun = RINGRT_RUN_BIN;
// A refused run must end by itself; if it waited for the lock, this ends it (exit 124).
const std::string kTimeout = "/usr/bin/timeout";

bool has(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

bool exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

// A started process, killed and reaped if the test ends before it does.
struct Child {
  pid_t pid;
  bool reaped = false;
  ~Child() {
    if (reaped) return;
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
  }
};

struct KvLock : FileStoreFixture {
  void expect_in_use(const Status& st, const std::string& path) const {
    EXPECT_EQ(st.code(), StatusCode::kIoError) << st.message();
    EXPECT_TRUE(has(st.message(), "in use by another process")) << st.message();
    EXPECT_TRUE(has(st.message(), path)) << st.message();
  }
};

TEST_F(KvLock, ASecondSessionOfTheSameStoreIsRefusedUntilTheFirstEnds) {
  Status st;
  std::unique_ptr<Session> first = create(o, &st);
  ASSERT_TRUE(st.ok()) << st.message();
  // Nothing committed yet: without the lock a second session would take the store.
  std::unique_ptr<Session> second = create(o, &st);
  EXPECT_EQ(second, nullptr);
  expect_in_use(st, dir.file("kv"));
  ASSERT_TRUE(first->append(x.data(), 100, 24).ok());
  second = create(o, &st);
  expect_in_use(st, dir.file("kv"));
  SessionOptions resume = o;
  resume.resume = true;
  second = create(resume, &st);
  expect_in_use(st, dir.file("kv"));
  // The refusals touched nothing: the first stream goes on to the reference's output.
  ASSERT_TRUE(first->append(x.data() + 100 * 24, T - 100, 24).ok());
  const std::vector<double> ref = ringrt_ref::forward_last(m.options, m.weights, x.data(), T);
  EXPECT_LE(ringrt_ref::max_abs_diff(first->output(), ref.data(), 32), 2e-4);
  // Destroying the session releases the store.
  first.reset();
  second = create(resume, &st);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(second->length(), T);
}

// A bidirectional model's residual stream PATH.residual: a file another session holds
// (here, as its KV store) is neither truncated nor removed.
TEST_F(KvLock, AResidualStreamFileAnotherSessionHoldsIsLeftAlone) {
  const std::string residual = dir.file("kv.residual");
  const std::string residual_spec = "file:" + residual;
  SessionOptions holder = o;
  holder.kv_store = residual_spec.c_str();
  Status st;
  std::unique_ptr<Session> causal = create(holder, &st);
  ASSERT_TRUE(st.ok()) << st.message();
  ASSERT_TRUE(causal->append(x.data(), 100, 24).ok());

  const TestModel b = make_model(dir, "b", ring_encoder_options(24, 32, 4, 2, false), 17);
  std::unique_ptr<Session> bidirectional;
  st = Session::create(*b.model, o, &bidirectional);  // its residual stream would be kv.residual
  EXPECT_EQ(bidirectional, nullptr);
  expect_in_use(st, residual);
  EXPECT_TRUE(has(st.message(), "residual stream")) << st.message();
  ASSERT_TRUE(exists(residual));
  ASSERT_TRUE(causal->append(x.data() + 100 * 24, T - 100, 24).ok());
  const std::vector<double> ref = ringrt_ref::forward_last(m.options, m.weights, x.data(), T);
  EXPECT_LE(ringrt_ref::max_abs_diff(causal->output(), ref.data(), 32), 2e-4);
  causal.reset();
  SessionOptions resume = holder;
  resume.resume = true;
  causal = create(resume, &st);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(causal->length(), T);
}

// Two bidirectional sessions on one path: the second is refused and the first's
// residual stream stays in place, so its outputs stay right.
TEST_F(KvLock, ASecondBidirectionalSessionLeavesTheFirstsResidualStream) {
  const TestModel b = make_model(dir, "b", ring_encoder_options(24, 32, 4, 2, false), 17);
  std::unique_ptr<Session> first, second;
  Status st = Session::create(*b.model, o, &first);
  ASSERT_TRUE(st.ok()) << st.message();
  ASSERT_TRUE(first->append(x.data(), 60, 24).ok());
  st = Session::create(*b.model, o, &second);
  EXPECT_EQ(second, nullptr);
  expect_in_use(st, dir.file("kv.residual"));
  EXPECT_TRUE(exists(dir.file("kv.residual")));
  std::vector<float> all(40 * 32);
  ASSERT_TRUE(first->append(x.data() + 60 * 24, 40, 24, all.data()).ok());
  const std::vector<double> ref = ringrt_ref::forward_all(b.options, b.weights, x.data(), 100);
  EXPECT_LE(ringrt_ref::max_abs_diff(all.data(), ref.data() + 60 * 32, all.size()), 2e-4);
  first.reset();
  EXPECT_FALSE(exists(dir.file("kv.residual"))) << "the residual stream goes with its session";
  st = Session::create(*b.model, o, &second);
  EXPECT_TRUE(st.ok()) << st.message();
}

// Two ringrt-run processes on one store. The first is stopped (SIGSTOP) while it
// holds the store, so the second certainly runs while it does: with or without
// --resume the second fails at once naming the store, and the first, continued,
// finishes with the output of a run that was alone.
TEST_F(KvLock, ASecondRingrtRunOnAStoreInUseFailsAtOnce) {
  const uint64_t long_T = small_scale() ? 600 : 3000;
  const std::vector<float> lx = synthetic_input(long_T, 24, 8);
  write_npy_f32(dir.file("long.npy"), {long_T, 24}, lx);
  const std::string store = dir.file("kv");
  const std::vector<std::string> common = {m.path, "--input", dir.file("long.npy"), "--chunk", "8", "--threads", "1",
                                           "--kv-store", "file:" + store};
  std::vector<std::string> first = {kRun};
  first.insert(first.end(), common.begin(), common.end());
  first.insert(first.end(), {"--quiet", "--output", dir.file("first.npy")});
  Child child{start_command(first)};
  const pid_t pid = child.pid;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (kv_committed(store) == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  kill(pid, SIGSTOP);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, WUNTRACED), pid);
  ASSERT_TRUE(WIFSTOPPED(status)) << "ringrt-run finished before it could be stopped: make the run longer";
  const uint64_t held = kv_committed(store);
  ASSERT_GT(held, 0u);
  ASSERT_LT(held, long_T);

  std::vector<std::string> second = {kTimeout, "120", kRun};
  second.insert(second.end(), common.begin(), common.end());
  second.insert(second.end(), {"--output", dir.file("second.npy")});
  CommandResult r = run_command(second);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_TRUE(has(r.err, "KV store " + store + " is in use by another process")) << r.err;
  second.push_back("--resume");
  r = run_command(second);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_TRUE(has(r.err, "KV store " + store + " is in use by another process")) << r.err;
  EXPECT_FALSE(has(r.err, "resuming")) << r.err;
  EXPECT_EQ(kv_committed(store), held) << "the refused runs must not touch the store";

  kill(pid, SIGCONT);
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  child.reaped = true;
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  r = run_command({kRun, m.path, "--input", dir.file("long.npy"), "--chunk", "8", "--threads", "1", "--output",
                   dir.file("alone.npy")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  expect_npy_near(dir.file("alone.npy"), dir.file("first.npy"), 1e-5);
  // The first run has ended: its lock went with it, and the store resumes.
  r = run_command({kRun, m.path, "--input", dir.file("long.npy"), "--chunk", "8", "--threads", "1", "--kv-store",
                   "file:" + store, "--resume", "--output", dir.file("resumed.npy")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(has(r.err, "resuming the stream after " + std::to_string(long_T - 1))) << r.err;
}

}  // namespace
}  // namespace ringrt::test
