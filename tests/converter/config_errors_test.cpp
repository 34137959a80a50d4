// The JSON config: defaults, and every malformed config refused by the real CLI.
#include "config_io.hpp"
#include "converter_test_util.hpp"
#include "errors.hpp"

namespace ringrt::test {
namespace {

class ConverterConfigErrors : public ::testing::Test {
 protected:
  CommandResult convert_config(const std::string& text) {
    write_file(config, text);
    return run_convert({"--config", config, "--weights", files.weights, "--output", files.output});
  }
  void TearDown() override { EXPECT_EQ(list_dir(files.dir.path()).size(), 2u) << "no output, no temp files"; }

  SmallModelFiles files{small_options(8, 8, 2, 1)};
  std::string config = files.config;
};

TEST_F(ConverterConfigErrors, NotJson) {
  EXPECT_TRUE(failed_with(convert_config("embed_dim: 8\n"), 1, {config + ": config is not valid JSON"}));
}

TEST_F(ConverterConfigErrors, NotAnObject) {
  EXPECT_TRUE(failed_with(convert_config("[8]"), 1, {config + ": config is not a JSON object"}));
}

TEST_F(ConverterConfigErrors, UnknownKeyIsNamed) {
  EXPECT_TRUE(failed_with(convert_config(R"({"embed_dim": 8, "hidden_size": 8, "num_head": 2})"), 1,
                          {config + ": unknown option 'num_head'"}));
}

TEST_F(ConverterConfigErrors, MissingEmbedDim) {
  EXPECT_TRUE(failed_with(convert_config(R"({"hidden_size": 8, "num_heads": 2})"), 1,
                          {config + ": missing required option 'embed_dim'"}));
}

TEST_F(ConverterConfigErrors, NonIntegerSize) {
  EXPECT_TRUE(failed_with(convert_config(R"({"embed_dim": 8, "hidden_size": 8.5})"), 1,
                          {config + ": option 'hidden_size' must be an integer, got 8.5"}));
}

TEST_F(ConverterConfigErrors, StringSize) {
  EXPECT_TRUE(failed_with(convert_config(R"({"embed_dim": "8"})"), 1,
                          {config + ": option 'embed_dim' must be an integer, got \"8\""}));
}

TEST_F(ConverterConfigErrors, NegativeSize) {
  EXPECT_TRUE(failed_with(convert_config(R"({"embed_dim": 8, "num_layers": -2})"), 1,
                          {config + ": option 'num_layers' must be a positive integer, got -2"}));
}

TEST_F(ConverterConfigErrors, ZeroSize) {
  EXPECT_TRUE(failed_with(convert_config(R"({"embed_dim": 8, "num_heads": 0})"), 1,
                          {config + ": option 'num_heads' must be at least 1, got 0"}));
}

TEST_F(ConverterConfigErrors, SizeAboveLimit) {
  EXPECT_TRUE(failed_with(convert_config(R"({"embed_dim": 70000})"), 1,
                          {config + ": option 'embed_dim' is 70000, above the limit of 65536"}));
}

TEST_F(ConverterConfigErrors, SizeBeyond32Bits) {
  EXPECT_TRUE(failed_with(convert_config(R"({"embed_dim": 4294967296})"), 1,
                          {config + ": option 'embed_dim' is 4294967296, too large"}));
}

TEST_F(ConverterConfigErrors, HiddenSizeNotDivisibleByHeads) {
  EXPECT_TRUE(failed_with(convert_config(R"({"embed_dim": 8, "hidden_size": 10, "num_heads": 4})"), 1,
                          {config + ": hidden_size 10 is not divisible by num_heads 4"}));
}

TEST_F(ConverterConfigErrors, DropoutOutOfRange) {
  EXPECT_TRUE(failed_with(convert_config(R"({"embed_dim": 8, "dropout": 1.5})"), 1,
                          {config + ": option 'dropout' must be in [0, 1), got 1.5"}));
}

TEST_F(ConverterConfigErrors, DuplicateKey) {
  EXPECT_TRUE(failed_with(convert_config(R"({"embed_dim": 8, "embed_dim": 9})"), 1,
                          {config + ": config has the key 'embed_dim' twice"}));
}

TEST_F(ConverterConfigErrors, MissingFile) {
  const CommandResult r = run_convert({"--config", files.dir.file("absent.json"), "--weights", files.weights,
                                       "--output", files.output});
  EXPECT_TRUE(failed_with(r, 1, {files.dir.file("absent.json") + ": cannot open"}));
}

TEST(ConverterConfig, AbsentOptionsTakeTheModelOptionsDefaults) {
  const ModelOptions o = convert::parse_config(R"({"embed_dim": 288})", "c.json");
  EXPECT_EQ(o.embed_dim, 288u);
  EXPECT_EQ(o.hidden_size, 256u);
  EXPECT_EQ(o.num_heads, 4u);
  EXPECT_EQ(o.num_chunks, 4u);
  EXPECT_EQ(o.num_layers, 4u);
  EXPECT_EQ(o.dropout, 0.1f);
  EXPECT_EQ(o.window_size, 60u);
}

TEST(ConverterConfig, EveryKeyIsRead) {
  const ModelOptions o = convert::parse_config(
      R"({"embed_dim": 3, "hidden_size": 12, "num_heads": 3, "num_chunks": 5, "num_layers": 2, "dropout": 0, "window_size": 7})",
      "c.json");
  EXPECT_EQ(o.embed_dim, 3u);
  EXPECT_EQ(o.hidden_size, 12u);
  EXPECT_EQ(o.num_heads, 3u);
  EXPECT_EQ(o.num_chunks, 5u);
  EXPECT_EQ(o.num_layers, 2u);
  EXPECT_EQ(o.dropout, 0.0f);
  EXPECT_EQ(o.window_size, 7u);
}

TEST(ConverterConfig, WrittenConfigReadsBack) {
  ModelOptions o = small_options(3, 12, 3, 2);
  o.dropout = 0.25f;
  EXPECT_EQ(convert::config_to_json(o),
            "{\"dropout\":0.25,\"embed_dim\":3,\"hidden_size\":12,\"num_chunks\":4,\"num_heads\":3,\"num_layers\":2,"
            "\"window_size\":60}\n");
  const ModelOptions back = convert::parse_config(convert::config_to_json(o), "c.json");
  EXPECT_EQ(back.hidden_size, 12u);
  EXPECT_EQ(back.dropout, 0.25f);
}

}  // namespace
}  // namespace ringrt::test
