// Every ringrt tool follows the same command-line conventions, checked on the real
// binaries: --version, "--name=value" as well as "--name value", a repeated option
// refused, and usage errors as "TOOL: error: ..." plus "Try 'TOOL --help'" (not the
// whole help text) with exit status 2.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "process.hpp"

namespace ringrt::test {
namespace {

struct Tool {
  std::string name;  // as it names itself
  std::string path;
  std::vector<std::string> repeated;  // argv after the binary with an option given twice
  std::vector<std::string> inline_bad;  // "--name=value" with a value out of range
  std::string inline_message;         // what the refusal of inline_bad says
};

std::vector<Tool> tools() {
  std::vector<Tool> t = {
      {"ringrt-run", RINGRT_RUN_BIN, {"m.rrt", "--chunk", "8", "--chunk", "8"}, {"m.rrt", "--threads=0"},
       "option '--threads' must be an integer from 1 to 64, got '0'"},
      {"ringrt-convert", RINGRT_CONVERT_BIN, {"--dtype", "f32", "--dtype", "f16"}, {"--config="},
       "option '--config' needs a value, got an empty one"},
      {"ringrt-synth", RINGRT_SYNTH_BIN, {"--seed", "1", "--seed", "2"}, {"--out-dir=d", "--seed=x"},
       "option '--seed': 'x' is not a valid value"},
#ifdef RINGRT_BENCH_BIN
      {"ringrt-bench", RINGRT_BENCH_BIN, {"--repeat", "1", "--repeat", "2"}, {"--repeat=0"},
       "option '--repeat' must be an integer from 1 to 100, got '0'"},
#endif
#ifdef RINGRT_BENCH_MPI_BIN
      {"ringrt-bench-mpi", RINGRT_BENCH_MPI_BIN, {"--repeat", "1", "--repeat", "2"}, {"--threads=65"},
       "option '--threads' must be an integer from 1 to 64, got '65'"},
#endif
  };
  return t;
}

std::vector<std::string> with(const Tool& tool, std::vector<std::string> args) {
  args.insert(args.begin(), tool.path);
  return args;
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// A usage error: status 2, one error line naming the tool, the hint, no help text.
void expect_usage_error(const Tool& tool, const CommandResult& r, const std::string& message) {
  EXPECT_EQ(r.exit_code, 2) << tool.name << ": " << r.err;
  EXPECT_EQ(r.err.rfind(tool.name + ": error: " + message, 0), 0u) << tool.name << ": " << r.err;
  EXPECT_TRUE(has(r.err, "\nTry '" + tool.name + " --help' for more information.\n")) << tool.name << ": " << r.err;
  EXPECT_FALSE(has(r.err, "sage")) << tool.name << " printed its help on a usage error: " << r.err;
}

TEST(CliConventions, EveryToolPrintsItsVersion) {
  for (const Tool& tool : tools()) {
    const CommandResult r = run_command(with(tool, {"--version"}));
    EXPECT_EQ(r.exit_code, 0) << tool.name << ": " << r.err;
    EXPECT_EQ(r.out, tool.name + " (ringrt) " RINGRT_PROJECT_VERSION "\n") << tool.name;
  }
  const CommandResult inspect = run_command({RINGRT_CONVERT_BIN, "inspect", "--version"});
  EXPECT_EQ(inspect.out, "ringrt-convert (ringrt) " RINGRT_PROJECT_VERSION "\n");
}

TEST(CliConventions, UnknownOptionIsAUsageErrorWithAHint) {
  for (const Tool& tool : tools()) {
    expect_usage_error(tool, run_command(with(tool, {"--bogus"})), "unknown option '--bogus'");
    expect_usage_error(tool, run_command(with(tool, {"--bogus=1"})), "unknown option '--bogus'");
  }
}

TEST(CliConventions, RepeatedOptionIsRefused) {
  for (const Tool& tool : tools()) {
    const std::string& flag = tool.repeated[tool.repeated.size() - 2];
    expect_usage_error(tool, run_command(with(tool, tool.repeated)), "option '" + flag + "' given twice");
  }
}

TEST(CliConventions, InlineValuesAreParsed) {
  // A value given as --name=value reaches the option's own check.
  for (const Tool& tool : tools()) {
    expect_usage_error(tool, run_command(with(tool, tool.inline_bad)), tool.inline_message);
  }
}

TEST(CliConventions, SwitchWithAValueIsRefused) {
  const Tool run = tools()[0];
  expect_usage_error(run, run_command(with(run, {"m.rrt", "--quiet=yes"})), "option '--quiet' takes no value");
  const Tool convert = tools()[1];
  expect_usage_error(convert, run_command(with(convert, {"--allow-extra=1"})), "option '--allow-extra' takes no value");
}

}  // namespace
}  // namespace ringrt::test
