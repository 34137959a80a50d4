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

// ---- "architecture" and the attention options of ring_encoder ----

TEST_F(ConverterConfigErrors, AttentionKeyOnEdificeNeedsRingEncoder) {
  for (const char* entry : {R"("causal": true)", R"("num_kv_heads": 2)", R"("sliding_window": 0)",
                            R"("logit_softcap": 0)", R"("attention_sinks": false)"}) {
    const std::string key = std::string(entry).substr(1, std::string(entry).find('"', 1) - 1);
    for (const char* arch : {"", R"("architecture": "edifice_ring_attention", )"}) {
      EXPECT_TRUE(failed_with(convert_config(std::string("{") + arch + R"("embed_dim": 8, )" + entry + "}"), 1,
                              {config + ": option '" + key + "' needs \"architecture\": \"ring_encoder\""}))
          << entry << " " << arch;
    }
  }
}

TEST_F(ConverterConfigErrors, UnknownArchitecture) {
  EXPECT_TRUE(failed_with(convert_config(R"({"embed_dim": 8, "architecture": "gpt2"})"), 1,
                          {config + ": option 'architecture' must be \"edifice_ring_attention\" or \"ring_encoder\", "
                                    "got \"gpt2\""}));
  EXPECT_TRUE(failed_with(convert_config(R"({"embed_dim": 8, "architecture": 1})"), 1,
                          {config + ": option 'architecture' must be", "got 1"}));
}

TEST_F(ConverterConfigErrors, UnknownKeyOfARingEncoderListsTheAttentionKeys) {
  EXPECT_TRUE(failed_with(convert_config(R"({"architecture": "ring_encoder", "embed_dim": 8, "window": 4})"), 1,
                          {config + ": unknown option 'window' (expected architecture, embed_dim,",
                           "window_size, causal, num_kv_heads, sliding_window, logit_softcap, attention_sinks)"}));
}

class ConverterEncoderConfigErrors : public ConverterConfigErrors {
 protected:
  // A ring_encoder config with 8 hidden, 2 heads and the given extra entries.
  CommandResult convert_encoder(const std::string& entries) {
    return convert_config(R"({"architecture": "ring_encoder", "embed_dim": 8, "hidden_size": 8, "num_heads": 2, )" +
                          entries + "}");
  }
};

TEST_F(ConverterEncoderConfigErrors, NumKvHeadsMustDivideNumHeads) {
  EXPECT_TRUE(failed_with(convert_encoder(R"("num_kv_heads": 0)"), 1,
                          {config + ": option 'num_kv_heads' must be at least 1, got 0"}));
  for (const char* kv : {"3", "4"}) {
    EXPECT_TRUE(failed_with(convert_encoder(std::string(R"("num_kv_heads": )") + kv), 1,
                            {config + ": num_heads 2 is not divisible by num_kv_heads " + kv}));
  }
  EXPECT_TRUE(failed_with(convert_encoder(R"("num_kv_heads": -1)"), 1,
                          {config + ": option 'num_kv_heads' must be a positive integer, got -1"}));
  EXPECT_TRUE(failed_with(convert_encoder(R"("num_kv_heads": 1.5)"), 1,
                          {config + ": option 'num_kv_heads' must be an integer, got 1.5"}));
}

TEST_F(ConverterEncoderConfigErrors, SlidingWindowIsANonNegativeInteger) {
  EXPECT_TRUE(failed_with(convert_encoder(R"("sliding_window": -1)"), 1,
                          {config + ": option 'sliding_window' must be a non-negative integer, got -1"}));
  EXPECT_TRUE(failed_with(convert_encoder(R"("sliding_window": 2.5)"), 1,
                          {config + ": option 'sliding_window' must be an integer, got 2.5"}));
  EXPECT_TRUE(failed_with(convert_encoder(R"("sliding_window": 4294967296)"), 1,
                          {config + ": option 'sliding_window' is 4294967296, too large"}));
}

TEST_F(ConverterEncoderConfigErrors, LogitSoftcapIsAFiniteNonNegativeNumber) {
  const std::string range = ": option 'logit_softcap' must be a finite number >= 0 (0: no cap), got ";
  EXPECT_TRUE(failed_with(convert_encoder(R"("logit_softcap": -1)"), 1, {config + range + "-1"}));
  EXPECT_TRUE(failed_with(convert_encoder(R"("logit_softcap": -0.5)"), 1, {config + range + "-0.5"}));
  EXPECT_TRUE(failed_with(convert_encoder(R"("logit_softcap": 1e39)"), 1, {config + range + "1e+39"}));  // float inf
  EXPECT_TRUE(failed_with(convert_encoder(R"("logit_softcap": "30")"), 1,
                          {config + ": option 'logit_softcap' must be a number, got \"30\""}));
}

TEST_F(ConverterEncoderConfigErrors, FlagsAreBooleans) {
  EXPECT_TRUE(failed_with(convert_encoder(R"("causal": 1)"), 1, {config + ": option 'causal' must be true or false, got 1"}));
  EXPECT_TRUE(failed_with(convert_encoder(R"("attention_sinks": "yes")"), 1,
                          {config + ": option 'attention_sinks' must be true or false, got \"yes\""}));
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

// The architecture and the five attention options of `o` are those of `want`.
void expect_attention(const ModelOptions& o, const ModelOptions& want) {
  EXPECT_EQ(o.architecture, want.architecture);
  EXPECT_EQ(o.causal, want.causal);
  EXPECT_EQ(o.num_kv_heads, want.num_kv_heads);
  EXPECT_EQ(o.sliding_window, want.sliding_window);
  EXPECT_EQ(o.logit_softcap, want.logit_softcap);
  EXPECT_EQ(o.attention_sinks, want.attention_sinks);
}

TEST(ConverterConfig, RingEncoderKeysAreRead) {
  const ModelOptions o = convert::parse_config(
      R"({"architecture": "ring_encoder", "embed_dim": 3, "hidden_size": 12, "num_heads": 6, "causal": false,
          "num_kv_heads": 3, "sliding_window": 128, "logit_softcap": 30, "attention_sinks": true})",
      "c.json");
  expect_attention(o, ring_encoder_options(3, 12, 6, 1, false, 3, 128, 30.0f, true));
  EXPECT_EQ(o.qkv_width(), (6u + 2 * 3) * 2);
}

TEST(ConverterConfig, AbsentAttentionKeysAreEdificesAttentionWithKvHeadsResolved) {
  ModelOptions edifice = small_options(8, 8, 2, 1);
  edifice.num_kv_heads = 2;  // resolved to num_heads
  const std::pair<const char*, ModelOptions> cases[] = {
      {R"({"embed_dim": 8, "num_heads": 2, "hidden_size": 8})", edifice},
      {R"({"embed_dim": 8, "num_heads": 2, "hidden_size": 8, "architecture": "edifice_ring_attention"})", edifice},
      {R"({"embed_dim": 8, "num_heads": 2, "hidden_size": 8, "architecture": "ring_encoder"})",
       ring_encoder_options(8, 8, 2, 1)},
  };
  for (const auto& [text, want] : cases) {
    const ModelOptions o = convert::parse_config(text, "c.json");
    expect_attention(o, want);
    EXPECT_TRUE(check_runtime_support(o).ok()) << text;
  }
}

TEST(ConverterConfig, WrittenRingEncoderConfigReadsBack) {
  const ModelOptions o = ring_encoder_options(3, 12, 4, 2, false, 2, 64, 0.1f, true);
  const std::string text = convert::config_to_json(o);
  EXPECT_EQ(text,
            "{\"architecture\":\"ring_encoder\",\"attention_sinks\":true,\"causal\":false,\"dropout\":0.1,"
            "\"embed_dim\":3,\"hidden_size\":12,\"logit_softcap\":0.1,\"num_chunks\":4,\"num_heads\":4,"
            "\"num_kv_heads\":2,\"num_layers\":2,\"sliding_window\":64,\"window_size\":60}\n");
  expect_attention(convert::parse_config(text, "c.json"), o);
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
