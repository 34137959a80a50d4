// ringrt-run's outputs: a device, a FIFO or stdout is written in place (never
// replaced by a regular file), an output that is one of the run's own files is
// refused before any work, an empty path is a usage error, and a run planned to its
// input (no --max-context) clips a chunk and workers the input cannot use.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "runtime_fixture.hpp"
#include "special_files.hpp"

namespace ringrt::test {
namespace {

const std::string kRun = RINGRT_RUN_BIN;

bool has(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

struct RunOutputs : ::testing::Test {
  void SetUp() override {
    m = make_model(dir, "m", small_options(24, 32, 4, 2), 41);
    write_npy_f32(dir.file("x.npy"), {kTokens, 24}, synthetic_input(kTokens, 24, 6));
    const CommandResult r = run({"--output", dir.file("want.npy"), "--quiet"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    want = read_file(dir.file("want.npy"));
    stage = std::make_unique<ScopedTmpdir>(dir.file("stage"));
  }
  CommandResult run(std::vector<std::string> args) {
    args.insert(args.begin(), {kRun, m.path, "--input", dir.file("x.npy")});
    return run_command(args);
  }
  // The test directory holds exactly these files, and $TMPDIR is empty: no
  // temporary or staged file left behind.
  void expect_files(std::vector<std::string> names) {
    names.insert(names.end(), {"m.json", "m.rrt", "m.safetensors", "stage", "want.npy", "x.npy"});
    std::sort(names.begin(), names.end());
    EXPECT_EQ(list_dir(dir.path()), names);
    EXPECT_TRUE(list_dir(dir.file("stage")).empty());
  }
  static constexpr uint64_t kTokens = 64;
  TempDir dir;
  TestModel m;
  std::string want;  // the output as a regular file
  std::unique_ptr<ScopedTmpdir> stage;  // where outputs written in place are staged
};

TEST_F(RunOutputs, DevNullStaysACharacterDevice) {
  const CommandResult r = run({"--output", "/dev/null"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(file_type("/dev/null"), static_cast<unsigned>(S_IFCHR));
}

TEST_F(RunOutputs, DeviceNodesAreWrittenInPlace) {
  if (!make_char_device(dir.file("null"), 1, 3) || !make_char_device(dir.file("full"), 1, 7)) {
    GTEST_SKIP() << "cannot make device nodes here (not root)";
  }
  CommandResult r = run({"--output", dir.file("null")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(file_type(dir.file("null")), static_cast<unsigned>(S_IFCHR));

  r = run({"--output", dir.file("full")});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_TRUE(has(r.err, dir.file("full") + ": cannot write: No space left on device")) << r.err;
  EXPECT_EQ(file_type(dir.file("full")), static_cast<unsigned>(S_IFCHR));
  expect_files({"full", "null"});
}

TEST_F(RunOutputs, StdoutOnAPipeGetsTheArrayAndTheSummaryGoesToStderr) {
  const CommandResult r = run({"--output", "/dev/stdout"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, want);
  EXPECT_TRUE(has(r.err, "ringrt-run: wrote /dev/stdout")) << r.err;
  EXPECT_EQ(file_type("/dev/stdout"), static_cast<unsigned>(S_IFLNK));
}

TEST_F(RunOutputs, ASymlinkToStdoutIsWrittenThrough) {
  ASSERT_EQ(::symlink("/proc/self/fd/1", dir.file("out").c_str()), 0);
  const CommandResult r = run({"--output", dir.file("out"), "--quiet"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, want);
  EXPECT_EQ(file_type(dir.file("out")), static_cast<unsigned>(S_IFLNK));
  expect_files({"out"});
}

TEST_F(RunOutputs, AFifoWithAReaderGetsTheArray) {
  FifoReader reader(dir.file("fifo"));
  const CommandResult r = run({"--output", dir.file("fifo"), "--quiet"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(reader.take(), want);
  EXPECT_EQ(file_type(dir.file("fifo")), static_cast<unsigned>(S_IFIFO));
  expect_files({"fifo"});
}

TEST_F(RunOutputs, AFifoWithoutAReaderFailsBeforeTheRun) {
  ASSERT_EQ(::mkfifo(dir.file("fifo").c_str(), 0666), 0);
  const CommandResult r = run({"--output", dir.file("fifo")});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_TRUE(has(r.err, dir.file("fifo") + ": cannot write: no process has this FIFO open for reading")) << r.err;
  EXPECT_FALSE(has(r.out, "tokens/s")) << "the run must not start: " << r.out;
  EXPECT_EQ(file_type(dir.file("fifo")), static_cast<unsigned>(S_IFIFO));
  expect_files({"fifo"});
}

TEST_F(RunOutputs, AnOutputThatIsOneOfTheRunsFilesIsRefused) {
  const std::string input = read_file(dir.file("x.npy")), model = read_file(m.path);
  ASSERT_EQ(::symlink(dir.file("x.npy").c_str(), dir.file("x-link").c_str()), 0);
  ASSERT_EQ(::link(m.path.c_str(), dir.file("m-hard").c_str()), 0);
  const std::string kv = "file:" + dir.file("kv");
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"--output", dir.file("x.npy")}, "--output " + dir.file("x.npy") + " is the same file as --input " + dir.file("x.npy")},
      {{"--output", dir.file("x-link")}, "--output " + dir.file("x-link") + " is the same file as --input " + dir.file("x.npy")},
      {{"--output", dir.path() + "/./x.npy"}, "is the same file as --input " + dir.file("x.npy")},
      {{"--output", m.path}, "--output " + m.path + " is the same file as the model " + m.path},
      {{"--output", dir.file("m-hard")}, "--output " + dir.file("m-hard") + " is the same file as the model " + m.path},
      // The store does not exist yet: the same name in the same directory.
      {{"--output", dir.file("kv"), "--kv-store", kv},
       "--output " + dir.file("kv") + " is the same file as the KV store " + dir.file("kv")},
      {{"--output", dir.file("kv.residual"), "--kv-store", kv},
       "is the same file as the KV store's residual stream " + dir.file("kv.residual")},
  };
  for (const Case& c : cases) {
    const CommandResult r = run(c.args);
    EXPECT_EQ(r.exit_code, 1) << c.args[1] << "\n" << r.err;
    EXPECT_TRUE(has(r.err, c.message)) << c.args[1] << "\n" << r.err;
    EXPECT_FALSE(has(r.out, "tokens/s")) << "the run must not start: " << r.out;
  }
  EXPECT_EQ(read_file(dir.file("x.npy")), input);
  EXPECT_EQ(read_file(m.path), model);
  expect_files({"m-hard", "x-link"});  // and no KV store was made
}

TEST_F(RunOutputs, AnExistingStoreIsSeenThroughASymlink) {
  const std::string kv = "file:" + dir.file("kv");
  ASSERT_EQ(run({"--kv-store", kv, "--quiet"}).exit_code, 0);
  const std::string store = read_file(dir.file("kv"));
  ASSERT_EQ(::symlink(dir.file("kv").c_str(), dir.file("kv-link").c_str()), 0);
  const CommandResult r = run({"--kv-store", kv, "--resume", "--output", dir.file("kv-link")});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_TRUE(has(r.err, "--output " + dir.file("kv-link") + " is the same file as the KV store " + dir.file("kv")))
      << r.err;
  EXPECT_EQ(read_file(dir.file("kv")), store);
}

TEST_F(RunOutputs, EmptyPathsAreUsageErrors) {
  struct Case {
    std::vector<std::string> argv;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{kRun, m.path, "--input", dir.file("x.npy"), "--output", ""}, "option '--output' needs a value, got an empty one"},
      {{kRun, m.path, "--input", ""}, "option '--input' needs a value, got an empty one"},
      {{kRun, m.path, "--plan", "--input", ""}, "option '--input' needs a value, got an empty one"},
      {{kRun, "", "--input", dir.file("x.npy")}, "the model file path is empty"},
  };
  for (const Case& c : cases) {
    const CommandResult r = run_command(c.argv);
    EXPECT_EQ(r.exit_code, 2) << c.message << "\n" << r.err;
    EXPECT_TRUE(has(r.err, c.message)) << r.err;
  }
}

// "arena total" of a --plan listing, in bytes.
unsigned long long arena_total(const std::string& plan) {
  const std::size_t at = plan.find("arena total");
  unsigned long long bytes = 0;
  if (at == std::string::npos || std::sscanf(plan.c_str() + at, "arena total %llu", &bytes) != 1) {
    ADD_FAILURE() << "no arena total in:\n" << plan;
  }
  return bytes;
}

TEST_F(RunOutputs, ARunPlannedToItsInputClipsTheChunkAndTheWorkers) {
  // 64 tokens: one chunk of 64 holds them all, so one worker is all they can use.
  const CommandResult asked = run({"--plan", "--threads", "64", "--chunk", "4096"});
  ASSERT_EQ(asked.exit_code, 0) << asked.err;
  EXPECT_TRUE(has(asked.out, "memory plan: 1 workers, chunk 64, max context 64")) << asked.out;
  EXPECT_TRUE(has(asked.out, "note: 64 workers and chunk 4096 clipped to 1 worker and chunk 64")) << asked.out;
  const CommandResult fitted = run({"--plan", "--threads", "1", "--chunk", "64", "--max-context", "64"});
  ASSERT_EQ(fitted.exit_code, 0) << fitted.err;
  ASSERT_EQ(arena_total(asked.out), arena_total(fitted.out));  // before a run with the asked values

  // An explicit --max-context (a stream that may grow) keeps the values given.
  const CommandResult kept = run({"--plan", "--threads", "64", "--chunk", "4096", "--max-context", "64"});
  ASSERT_EQ(kept.exit_code, 0) << kept.err;
  EXPECT_TRUE(has(kept.out, "memory plan: 64 workers, chunk 4096, max context 64")) << kept.out;
  EXPECT_FALSE(has(kept.out, "clipped")) << kept.out;
  EXPECT_GT(arena_total(kept.out), 64 * arena_total(asked.out));

  // The run itself says so, and gives the same output as the fitted shape.
  const CommandResult r = run({"--threads", "64", "--chunk", "4096", "--output", dir.file("y.npy")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(has(r.out, "ringrt-run: workers 1, chunk 64, max context 64")) << r.out;
  EXPECT_TRUE(has(r.out, "ringrt-run: 64 workers and chunk 4096 clipped to 1 worker and chunk 64")) << r.out;
  ASSERT_EQ(run({"--threads", "1", "--chunk", "64", "--output", dir.file("y1.npy"), "--quiet"}).exit_code, 0);
  EXPECT_EQ(read_file(dir.file("y.npy")), read_file(dir.file("y1.npy")));
}

TEST_F(RunOutputs, WorkersAreClippedToTheChunksOfTheInput) {
  // 64 tokens in chunks of 16: four chunks, so at most four workers.
  const CommandResult r = run({"--plan", "--threads", "8", "--chunk", "16"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(has(r.out, "memory plan: 4 workers, chunk 16")) << r.out;
  EXPECT_TRUE(has(r.out, "note: 8 workers and chunk 16 clipped to 4 workers and chunk 16")) << r.out;
  const CommandResult fits = run({"--plan", "--threads", "4", "--chunk", "16"});
  ASSERT_EQ(fits.exit_code, 0) << fits.err;
  EXPECT_FALSE(has(fits.out, "clipped")) << fits.out;
}

}  // namespace
}  // namespace ringrt::test
