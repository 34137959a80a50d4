// The weights against the model contract: missing, misshapen and extra tensors.
#include <algorithm>
#include <filesystem>
#include <limits>

#include "converter_test_util.hpp"

namespace ringrt::test {
namespace {

class ConverterWeights : public ::testing::Test {
 protected:
  CommandResult convert(std::vector<std::string> extra = {}) {
    write_safetensors(files.weights, files.entries);
    std::vector<std::string> args = {"--config", files.config, "--weights", files.weights, "--output", files.output};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_convert(args);
  }
  SafetensorsEntry& entry(const std::string& name) {
    for (SafetensorsEntry& e : files.entries) {
      if (e.name == name) return e;
    }
    throw std::runtime_error("no tensor " + name);
  }
  void remove(const std::string& name) {
    auto& v = files.entries;
    v.erase(std::remove_if(v.begin(), v.end(), [&](const SafetensorsEntry& e) { return e.name == name; }), v.end());
  }

  SmallModelFiles files{small_options(6, 8, 2, 2)};
};

TEST_F(ConverterWeights, MissingTensorIsNamed) {
  remove("ring_2_qkv.kernel");
  EXPECT_TRUE(failed_with(convert(), 1, {files.weights + ": missing tensor ring_2_qkv.kernel"}));
  EXPECT_FALSE(std::filesystem::exists(files.output));
}

TEST_F(ConverterWeights, SeveralMissingTensorsAreListed) {
  remove("input_projection.bias");
  remove("final_norm.gamma");
  EXPECT_TRUE(failed_with(convert(), 1, {files.weights + ": missing 2 tensors", "input_projection.bias, final_norm.gamma"}));
}

TEST_F(ConverterWeights, WrongShapeNamesBothShapes) {
  SafetensorsEntry& e = entry("ring_2_qkv.kernel");
  e.shape = {8, 20};
  e.values.resize(160);
  EXPECT_TRUE(failed_with(convert(), 1, {files.weights + ": ring_2_qkv.kernel has shape [8, 20], expected [8, 24]"}));
}

TEST_F(ConverterWeights, WrongRankNamesBothShapes) {
  SafetensorsEntry& e = entry("final_norm.beta");
  e.shape = {2, 4};
  EXPECT_TRUE(failed_with(convert(), 1, {files.weights + ": final_norm.beta has shape [2, 4], expected [8]"}));
}

TEST_F(ConverterWeights, ConfigEmbedDimDisagreeingWithWeights) {
  ModelOptions o = files.options;
  o.embed_dim = 7;
  write_config(files.config, o);
  EXPECT_TRUE(failed_with(convert(), 1, {files.weights + ": input_projection.kernel has shape [6, 8], expected [7, 8]"}));
}

TEST_F(ConverterWeights, ExtraTensorsAreAnErrorListingThem) {
  files.entries.push_back({"optimizer.step", SourceDType::kF32, {1}, {3.0f}});
  files.entries.push_back({"ring_3_qkv.kernel", SourceDType::kF16, {2}, {1.0f, 2.0f}});
  EXPECT_TRUE(failed_with(convert(), 1,
                          {files.weights + ": 2 unexpected tensor(s) not used by the model: optimizer.step, ring_3_qkv.kernel",
                           "--allow-extra"}));
  EXPECT_FALSE(std::filesystem::exists(files.output));
}

TEST_F(ConverterWeights, AllowExtraIgnoresThemWithANote) {
  files.entries.push_back({"optimizer.step", SourceDType::kF32, {1}, {3.0f}});
  const CommandResult r = convert({"--allow-extra"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "ringrt-convert: note: ignoring 1 extra tensor(s) in " + files.weights + ": optimizer.step\n");
  const LoadedRrt rrt = load_rrt(files.output);
  ASSERT_NE(rrt.model, nullptr);
  EXPECT_EQ(rrt.model->tensors()->size(), 2u + 2 * 12 + 2);
  for (const fb::Tensor* t : *rrt.model->tensors()) EXPECT_NE(t->name()->str(), "optimizer.step");
}

TEST_F(ConverterWeights, NonFiniteValueIsRefusedAndNoTempFileRemains) {
  entry("ring_1_ffn_up.bias").values[5] = std::numeric_limits<float>::infinity();
  EXPECT_TRUE(failed_with(convert(), 1, {files.weights + ": tensor ring_1_ffn_up.bias element 5 is not finite (inf)"}));
  EXPECT_TRUE(temp_files_in(files.dir.path()).empty());
  EXPECT_FALSE(std::filesystem::exists(files.output));
}

TEST_F(ConverterWeights, ValueTooLargeForF16StorageIsRefused) {
  entry("ring_2_out_proj.kernel").values[3] = 70000.0f;
  EXPECT_TRUE(failed_with(convert({"--dtype", "f16"}), 1,
                          {files.weights + ": tensor ring_2_out_proj.kernel element 3", "too large for f16 storage"}));
  EXPECT_TRUE(temp_files_in(files.dir.path()).empty());
  // The same weights are fine with f32 storage.
  EXPECT_EQ(convert().exit_code, 0);
}

// A ring_encoder with grouped-query attention (2 heads of 4, 1 kv head) and sinks.
class ConverterEncoderWeights : public ConverterWeights {
 protected:
  void SetUp() override {
    files.options = ring_encoder_options(6, 8, 2, 2, true, /*kv_heads=*/1, 0, 0.0f, /*attention_sinks=*/true);
    files.entries = exact_entries(files.options);
    write_config(files.config, files.options);
  }
};

TEST_F(ConverterEncoderWeights, ConvertsWithTheGroupedQkvAndTheSinks) {
  const CommandResult r = convert();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(load_rrt(files.output).model->tensors()->size(), 2u + 2 * 13 + 2);
}

TEST_F(ConverterEncoderWeights, MissingSinksAreNamed) {
  remove("ring_2_attn_sinks");
  EXPECT_TRUE(failed_with(convert(), 1, {files.weights + ": missing tensor ring_2_attn_sinks (required by the model options)"}));
  remove("ring_1_attn_sinks");
  EXPECT_TRUE(failed_with(convert(), 1, {files.weights + ": missing 2 tensors", "ring_1_attn_sinks, ring_2_attn_sinks"}));
  EXPECT_FALSE(std::filesystem::exists(files.output));
}

TEST_F(ConverterEncoderWeights, SinksWithoutTheOptionAreExtraWithAHint) {
  ModelOptions o = files.options;
  o.attention_sinks = false;
  write_config(files.config, o);
  EXPECT_TRUE(failed_with(convert(), 1,
                          {files.weights + ": 2 unexpected tensor(s) not used by the model: ring_1_attn_sinks, "
                                           "ring_2_attn_sinks",
                           "attention sinks need \"architecture\": \"ring_encoder\" and \"attention_sinks\": true"}));
  EXPECT_FALSE(std::filesystem::exists(files.output));
  EXPECT_EQ(convert({"--allow-extra"}).exit_code, 0);
}

TEST_F(ConverterEncoderWeights, WrongSinksShape) {
  SafetensorsEntry& e = entry("ring_1_attn_sinks");
  e.shape = {3};
  e.values.resize(3);
  EXPECT_TRUE(failed_with(convert(), 1, {files.weights + ": ring_1_attn_sinks has shape [3], expected [2]"}));
}

TEST_F(ConverterEncoderWeights, MultiHeadQkvForAGroupedQueryConfig) {
  // The qkv of 2 kv heads [8, 24] where 1 kv head needs (2 + 2 * 1) * 4 = 16 columns.
  const std::vector<SafetensorsEntry> mha = exact_entries(
      ring_encoder_options(6, 8, 2, 2, true, /*kv_heads=*/2, 0, 0.0f, true));
  for (const char* name : {"ring_1_qkv.kernel", "ring_1_qkv.bias"}) {
    for (const SafetensorsEntry& m : mha) {
      if (m.name == name) entry(name) = m;
    }
  }
  EXPECT_TRUE(failed_with(convert(), 1, {files.weights + ": ring_1_qkv.kernel has shape [8, 24], expected [8, 16]"}));
  // And the bias alone.
  files.entries = exact_entries(files.options);
  for (const SafetensorsEntry& m : mha) {
    if (m.name == "ring_2_qkv.bias") entry("ring_2_qkv.bias") = m;
  }
  EXPECT_TRUE(failed_with(convert(), 1, {files.weights + ": ring_2_qkv.bias has shape [24], expected [16]"}));
}

}  // namespace
}  // namespace ringrt::test
