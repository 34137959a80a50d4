// ringrt-convert's and ringrt-synth's outputs: a device, a FIFO or stdout is
// written in place (never replaced by a regular file), an output that is one of
// the inputs is refused before any work, and an empty path is a usage error.
#include <sys/stat.h>
#include <unistd.h>

#include "converter_test_util.hpp"
#include "special_files.hpp"

namespace ringrt::test {
namespace {

bool has(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

struct ConvertOutputs : ::testing::Test {
  void SetUp() override {
    const CommandResult r = convert(f.output);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    want = read_file(f.output);
  }
  CommandResult convert(const std::string& output) {
    return run_convert({"--config", f.config, "--weights", f.weights, "--output", output});
  }
  // The directory holds exactly the inputs, the first model and `more`, and $TMPDIR
  // is empty: no temporary or staged file left behind.
  void expect_files(std::vector<std::string> more) {
    more.insert(more.end(), {"config.json", "model.rrt", "params.safetensors", "stage"});
    std::sort(more.begin(), more.end());
    EXPECT_EQ(list_dir(f.dir.path()), more);
    EXPECT_TRUE(list_dir(f.dir.file("stage")).empty());
  }
  SmallModelFiles f{small_options(8, 8, 2, 1)};
  ScopedTmpdir stage{f.dir.file("stage")};  // where outputs written in place are staged
  std::string want;  // the model as a regular file
};

TEST_F(ConvertOutputs, DevNullStaysACharacterDevice) {
  const CommandResult r = convert("/dev/null");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(file_type("/dev/null"), static_cast<unsigned>(S_IFCHR));
}

TEST_F(ConvertOutputs, DeviceNodesAreWrittenInPlace) {
  if (!make_char_device(f.dir.file("null"), 1, 3) || !make_char_device(f.dir.file("full"), 1, 7)) {
    GTEST_SKIP() << "cannot make device nodes here (not root)";
  }
  const CommandResult r = convert(f.dir.file("null"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(file_type(f.dir.file("null")), static_cast<unsigned>(S_IFCHR));
  EXPECT_TRUE(failed_with(convert(f.dir.file("full")), 1,
                          {f.dir.file("full") + ": cannot write: No space left on device"}));
  EXPECT_EQ(file_type(f.dir.file("full")), static_cast<unsigned>(S_IFCHR));
  expect_files({"full", "null"});
}

TEST_F(ConvertOutputs, StdoutOnAPipeGetsTheModelAndTheReportGoesToStderr) {
  const CommandResult r = convert("/dev/stdout");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, want);
  EXPECT_TRUE(has(r.err, "ringrt-convert: wrote /dev/stdout")) << r.err;
  EXPECT_EQ(file_type("/dev/stdout"), static_cast<unsigned>(S_IFLNK));
}

TEST_F(ConvertOutputs, ASymlinkToStdoutIsWrittenThrough) {
  ASSERT_EQ(::symlink("/proc/self/fd/1", f.dir.file("out").c_str()), 0);
  const CommandResult r = convert(f.dir.file("out"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, want);
  EXPECT_EQ(file_type(f.dir.file("out")), static_cast<unsigned>(S_IFLNK));
  expect_files({"out"});
}

TEST_F(ConvertOutputs, AFifoWithAReaderGetsTheModel) {
  FifoReader reader(f.dir.file("fifo"));
  const CommandResult r = convert(f.dir.file("fifo"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(reader.take(), want);
  EXPECT_EQ(file_type(f.dir.file("fifo")), static_cast<unsigned>(S_IFIFO));
  expect_files({"fifo"});
}

TEST_F(ConvertOutputs, AFifoWithoutAReaderFails) {
  ASSERT_EQ(::mkfifo(f.dir.file("fifo").c_str(), 0666), 0);
  EXPECT_TRUE(failed_with(convert(f.dir.file("fifo")), 1,
                          {f.dir.file("fifo") + ": cannot write: no process has this FIFO open for reading"}));
  EXPECT_EQ(file_type(f.dir.file("fifo")), static_cast<unsigned>(S_IFIFO));
  expect_files({"fifo"});
}

TEST_F(ConvertOutputs, AnOutputThatIsAnInputIsRefused) {
  const std::string config = read_file(f.config), weights = read_file(f.weights);
  ASSERT_EQ(::symlink(f.weights.c_str(), f.dir.file("w-link").c_str()), 0);
  ASSERT_EQ(::link(f.config.c_str(), f.dir.file("c-hard").c_str()), 0);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {f.weights, "--output " + f.weights + " is the same file as --weights " + f.weights},
      {f.dir.file("w-link"), "--output " + f.dir.file("w-link") + " is the same file as --weights " + f.weights},
      {f.config, "--output " + f.config + " is the same file as --config " + f.config},
      {f.dir.file("c-hard"), "--output " + f.dir.file("c-hard") + " is the same file as --config " + f.config},
  };
  for (const auto& [output, message] : cases) {
    EXPECT_TRUE(failed_with(convert(output), 1, {message}));
    EXPECT_EQ(read_file(f.config), config);
    EXPECT_EQ(read_file(f.weights), weights);
  }
  EXPECT_EQ(file_type(f.dir.file("w-link")), static_cast<unsigned>(S_IFLNK));
  expect_files({"c-hard", "w-link"});
}

TEST_F(ConvertOutputs, EmptyPathsAreUsageErrors) {
  EXPECT_TRUE(failed_with(run_convert({"--config", f.config, "--weights", f.weights, "--output", ""}), 2,
                          {"option '--output' needs a value, got an empty one"}));
  EXPECT_TRUE(failed_with(run_convert({"--config", f.config, "--weights", f.weights, "--output="}), 2,
                          {"option '--output' needs a value, got an empty one"}));
  EXPECT_TRUE(failed_with(run_convert({"--config", "", "--weights", f.weights, "--output", f.output}), 2,
                          {"option '--config' needs a value, got an empty one"}));
  EXPECT_TRUE(failed_with(run_convert({"--config", f.config, "--weights", "", "--output", f.output}), 2,
                          {"option '--weights' needs a value, got an empty one"}));
  EXPECT_TRUE(failed_with(run_convert({"inspect", ""}), 2, {"the model file path is empty"}));
  EXPECT_TRUE(failed_with(run_synth({"--out-dir", ""}), 2, {"option '--out-dir' needs a value, got an empty one"},
                          "ringrt-synth"));
  EXPECT_EQ(read_file(f.output), want);
}

TEST(SynthOutputs, FilesInTheOutputDirectoryThatAreFifosAreWrittenInPlace) {
  TempDir dir;
  FifoReader reader(dir.file("config.json"));
  const CommandResult r =
      run_synth({"--out-dir", dir.path(), "--embed-dim", "8", "--hidden-size", "8", "--num-heads", "2",
                 "--num-layers", "1"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(has(reader.take(), "\"embed_dim\"")) << "the config went through the FIFO";
  EXPECT_EQ(file_type(dir.file("config.json")), static_cast<unsigned>(S_IFIFO));
  EXPECT_EQ(list_dir(dir.path()), (std::vector<std::string>{"config.json", "params.safetensors"}));
}

}  // namespace
}  // namespace ringrt::test
