// Command line: help, usage errors (exit 2), and output that cannot be written
// (exit 1, an existing model left byte-identical, no temporary files left).
#include <cmath>
#include <filesystem>

#include "converter_test_util.hpp"

namespace ringrt::test {
namespace {

TEST(ConverterCli, HelpExitsZero) {
  for (const char* flag : {"--help", "-h"}) {
    const CommandResult r = run_convert({flag});
    EXPECT_EQ(r.exit_code, 0) << flag;
    EXPECT_NE(r.out.find("Usage:"), std::string::npos);
    EXPECT_NE(r.out.find("--config"), std::string::npos);
    EXPECT_NE(r.out.find("--allow-extra"), std::string::npos);
    EXPECT_NE(r.out.find("ringrt-convert inspect MODEL.rrt"), std::string::npos);
    EXPECT_EQ(r.err, "");
  }
}

TEST(ConverterCli, InspectHelpExitsZero) {
  for (const char* flag : {"--help", "-h"}) {
    const CommandResult r = run_convert({"inspect", flag});
    EXPECT_EQ(r.exit_code, 0) << flag;
    EXPECT_NE(r.out.find("Usage: ringrt-convert inspect MODEL.rrt"), std::string::npos);
    EXPECT_EQ(r.err, "");
  }
}

TEST(ConverterCli, NoArgumentsIsAUsageError) {
  EXPECT_TRUE(failed_with(run_convert({}), 2, {"missing required option '--config'", "Try 'ringrt-convert --help'"}));
}

TEST(ConverterCli, UnknownFlagIsAUsageError) {
  EXPECT_TRUE(failed_with(run_convert({"--config", "c", "--weights", "w", "--output", "o", "--verbose"}), 2,
                          {"unknown option '--verbose'"}));
}

TEST(ConverterCli, InspectUnknownFlagIsAUsageError) {
  EXPECT_TRUE(failed_with(run_convert({"inspect", "--json", "m.rrt"}), 2,
                          {"unknown option '--json'", "Try 'ringrt-convert inspect --help'"}));
}

TEST(ConverterCli, InspectNeedsExactlyOneFile) {
  EXPECT_TRUE(failed_with(run_convert({"inspect"}), 2, {"inspect takes exactly one model file"}));
  EXPECT_TRUE(failed_with(run_convert({"inspect", "a.rrt", "b.rrt"}), 2, {"inspect takes exactly one model file"}));
}

TEST(ConverterCli, MissingRequiredOptionIsAUsageError) {
  EXPECT_TRUE(failed_with(run_convert({"--config", "c.json", "--weights", "w.safetensors"}), 2,
                          {"missing required option '--output'"}));
}

TEST(ConverterCli, OptionWithoutValueIsAUsageError) {
  EXPECT_TRUE(failed_with(run_convert({"--config", "c.json", "--weights"}), 2, {"option '--weights' needs a value"}));
}

TEST(ConverterCli, BadDtypeIsAUsageError) {
  EXPECT_TRUE(failed_with(run_convert({"--config", "c", "--weights", "w", "--output", "o", "--dtype", "bf16"}), 2,
                          {"option '--dtype' must be f32 or f16, got 'bf16'"}));
}

TEST(ConverterCli, StrayArgumentIsAUsageError) {
  EXPECT_TRUE(failed_with(run_convert({"convert", "--config", "c", "--weights", "w", "--output", "o"}), 2,
                          {"unexpected argument 'convert'"}));
}

TEST(ConverterCli, EqualsFormAndF16DtypeAreAccepted) {
  SmallModelFiles f(small_options(8, 8, 2, 1));
  const CommandResult r = run_convert(
      {"--config=" + f.config, "--weights=" + f.weights, "--output=" + f.output, "--dtype=f16"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(load_rrt(f.output).model->tensors()->Get(0)->dtype(), fb::DType::F16);
}

TEST(ConverterCli, OutputUnderARegularFileFailsCleanly) {
  SmallModelFiles f(small_options(8, 8, 2, 1));
  write_file(f.dir.file("plain"), "x");
  const std::string out = f.dir.file("plain") + "/model.rrt";
  const CommandResult r = run_convert({"--config", f.config, "--weights", f.weights, "--output", out});
  EXPECT_TRUE(failed_with(r, 1, {out + ": cannot write", "Not a directory"}));
  EXPECT_EQ(read_file(f.dir.file("plain")), "x");
}

TEST(ConverterCli, OutputInMissingDirectoryFailsCleanly) {
  SmallModelFiles f(small_options(8, 8, 2, 1));
  const std::string out = f.dir.file("no/such/dir/model.rrt");
  const CommandResult r = run_convert({"--config", f.config, "--weights", f.weights, "--output", out});
  EXPECT_TRUE(failed_with(r, 1, {out + ": cannot write", "No such file or directory"}));
}

TEST(ConverterCli, OutputThatIsADirectoryFailsCleanly) {
  SmallModelFiles f(small_options(8, 8, 2, 1));
  std::filesystem::create_directory(f.output);
  const CommandResult r = run_convert({"--config", f.config, "--weights", f.weights, "--output", f.output});
  EXPECT_TRUE(failed_with(r, 1, {f.output + ": cannot write: is a directory"}));
  EXPECT_TRUE(temp_files_in(f.dir.path()).empty());
}

TEST(ConverterCli, FailedConversionLeavesExistingOutputByteIdentical) {
  SmallModelFiles f(small_options(8, 8, 2, 1));
  ASSERT_EQ(run_convert({"--config", f.config, "--weights", f.weights, "--output", f.output}).exit_code, 0);
  const std::string before = read_file(f.output);

  // 1. Fails while checking (a tensor is missing).
  f.entries.pop_back();
  write_safetensors(f.weights, f.entries);
  EXPECT_TRUE(failed_with(run_convert({"--config", f.config, "--weights", f.weights, "--output", f.output}), 1,
                          {"missing tensor final_norm.beta"}));
  EXPECT_EQ(read_file(f.output), before);

  // 2. Fails in the middle of writing (the temporary file already exists then).
  SmallModelFiles g(small_options(8, 8, 2, 1));
  ASSERT_EQ(run_convert({"--config", g.config, "--weights", g.weights, "--output", g.output}).exit_code, 0);
  const std::string before2 = read_file(g.output);
  g.entries.back().values.back() = std::nanf("");
  write_safetensors(g.weights, g.entries);
  EXPECT_TRUE(failed_with(run_convert({"--config", g.config, "--weights", g.weights, "--output", g.output}), 1,
                          {"final_norm.beta element 7 is not finite"}));
  EXPECT_EQ(read_file(g.output), before2);
  EXPECT_EQ(list_dir(g.dir.path()), (std::vector<std::string>{"config.json", "model.rrt", "params.safetensors"}));
}

}  // namespace
}  // namespace ringrt::test
