// ringrt-synth and the synthetic model generator: determinism against reference
// values, weight scales, and the files it writes.
#include <cmath>
#include <cstring>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "converter_test_util.hpp"
#include "synthetic_model.hpp"

namespace ringrt::test {
namespace {

TEST(SynthGenerator, SplitMix64MatchesTheReferenceSequence) {
  // First outputs of Vigna's reference splitmix64.c for seed 0.
  convert::SplitMix64 rng(0);
  EXPECT_EQ(rng.next(), 0xe220a8397b1dcdafull);
  EXPECT_EQ(rng.next(), 0x6e789e6aa1b965f4ull);
  EXPECT_EQ(rng.next(), 0x06c45d188009454full);
}

TEST(SynthGenerator, FirstWeightIsTheFirstUniformScaledToTheKernelRange) {
  // seed 0: first draw 0xe220a8397b1dcdaf -> top 53 bits / 2^53 = 0.88331083...;
  // input_projection.kernel [4, 8]: range +-sqrt(3/4) = +-0.8660254 -> 0.6639...
  const SyntheticModel m = synthetic_model(small_options(4, 8, 2, 1), 0);
  const double u = static_cast<double>(0xe220a8397b1dcdafull >> 11) / 9007199254740992.0;
  EXPECT_NEAR(u, 0.8833108, 1e-7);
  EXPECT_NEAR(m.tensors.at("input_projection.kernel")[0], -0.8660254 + 2 * 0.8660254 * 0.8833108, 1e-6);
}

TEST(SynthGenerator, WeightsHaveUnitActivationScale) {
  const SyntheticModel m = synthetic_model(edifice_default_options(), 42);
  ASSERT_EQ(m.tensors.size(), 52u);
  auto stats = [](const std::vector<float>& v, double* mean, double* sd, float* lo, float* hi) {
    double s = 0, s2 = 0;
    *lo = v[0];
    *hi = v[0];
    for (float x : v) {
      s += x;
      s2 += static_cast<double>(x) * x;
      *lo = std::min(*lo, x);
      *hi = std::max(*hi, x);
    }
    *mean = s / v.size();
    *sd = std::sqrt(s2 / v.size() - *mean * *mean);
  };
  double mean, sd;
  float lo, hi;
  for (const auto& [name, fan_in] : std::vector<std::pair<std::string, double>>{
           {"input_projection.kernel", 288}, {"ring_1_qkv.kernel", 256}, {"ring_2_out_proj.kernel", 256},
           {"ring_3_ffn_up.kernel", 256}, {"ring_4_ffn_down.kernel", 1024}}) {
    stats(m.tensors.at(name), &mean, &sd, &lo, &hi);
    EXPECT_NEAR(sd * std::sqrt(fan_in), 1.0, 0.02) << name;  // std 1/sqrt(fan_in)
    EXPECT_NEAR(mean * std::sqrt(fan_in), 0.0, 0.02) << name;
    EXPECT_LE(hi, std::sqrt(3.0 / fan_in)) << name;
    EXPECT_GE(lo, -std::sqrt(3.0 / fan_in)) << name;
  }
  stats(m.tensors.at("ring_2_ffn_norm.gamma"), &mean, &sd, &lo, &hi);
  EXPECT_GE(lo, 0.9f);
  EXPECT_LE(hi, 1.1f);
  EXPECT_NEAR(mean, 1.0, 0.02);
  stats(m.tensors.at("final_norm.beta"), &mean, &sd, &lo, &hi);
  EXPECT_GE(lo, -0.02f);
  EXPECT_LE(hi, 0.02f);
  EXPECT_GT(sd, 0.005);
  stats(m.tensors.at("ring_4_ffn_up.bias"), &mean, &sd, &lo, &hi);
  EXPECT_LE(std::max(-lo, hi), 0.02f);
}

TEST(SynthGenerator, InputIsStandardNormal) {
  const std::vector<float> x = synthetic_input(1000, 200, 7);
  ASSERT_EQ(x.size(), 200000u);
  double s = 0, s2 = 0, s4 = 0;
  std::size_t beyond3 = 0;
  for (float v : x) {
    s += v;
    s2 += static_cast<double>(v) * v;
    s4 += static_cast<double>(v) * v * v * v;
    beyond3 += std::fabs(v) > 3.0f;
  }
  const double n = static_cast<double>(x.size());
  EXPECT_NEAR(s / n, 0.0, 0.01);
  EXPECT_NEAR(s2 / n, 1.0, 0.015);
  EXPECT_NEAR(s4 / n, 3.0, 0.1);                        // kurtosis of a normal
  EXPECT_NEAR(beyond3 / n, 0.0027, 0.0006);             // P(|z| > 3) = 0.27%
  EXPECT_NE(synthetic_input(4, 4, 7), synthetic_input(4, 4, 8));
}

std::string synth_bytes(const std::vector<std::string>& args, const TempDir& dir, const std::string& file) {
  std::vector<std::string> all = {"--out-dir", dir.path()};
  all.insert(all.end(), args.begin(), args.end());
  const CommandResult r = run_synth(all);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return read_file(dir.file(file));
}

TEST(SynthCli, SameSeedGivesIdenticalBytes) {
  TempDir a, b;
  const std::vector<std::string> args = {"--embed-dim", "12", "--hidden-size", "16", "--num-layers", "2",
                                         "--seed", "1234", "--tokens", "9"};
  for (const char* file : {"params.safetensors", "config.json", "input.npy"}) {
    EXPECT_EQ(synth_bytes(args, a, file), synth_bytes(args, b, file)) << file;
  }
  // The files hold exactly the library generator's values.
  const SyntheticModel m = synthetic_model(small_options(12, 16, 4, 2), 1234);
  EXPECT_EQ(read_file(a.file("params.safetensors")), encode_safetensors(convert::synthetic_entries(m, SourceDType::kF32)));
}

TEST(SynthCli, DifferentSeedsDiffer) {
  TempDir a, b;
  EXPECT_NE(synth_bytes({"--embed-dim", "8", "--hidden-size", "8", "--seed", "1", "--tokens", "2"}, a, "params.safetensors"),
            synth_bytes({"--embed-dim", "8", "--hidden-size", "8", "--seed", "2", "--tokens", "2"}, b, "params.safetensors"));
  EXPECT_NE(read_file(a.file("input.npy")), read_file(b.file("input.npy")));
}

TEST(SynthCli, DefaultsAreTheEdificeDefaults) {
  TempDir dir;
  ASSERT_EQ(run_synth({"--out-dir", dir.path()}).exit_code, 0);
  const nlohmann::json c = nlohmann::json::parse(read_file(dir.file("config.json")));
  EXPECT_EQ(c, nlohmann::json::parse(R"({"embed_dim": 288, "hidden_size": 256, "num_heads": 4, "num_chunks": 4,
                                         "num_layers": 4, "dropout": 0.1, "window_size": 60})"));
  EXPECT_FALSE(std::filesystem::exists(dir.file("input.npy")));
  // Default seed 42.
  TempDir again;
  EXPECT_EQ(synth_bytes({"--seed", "42"}, again, "params.safetensors"), read_file(dir.file("params.safetensors")));
}

TEST(SynthCli, NpyInputHasTheV1LayoutAndNormalValues) {
  TempDir dir;
  const std::string npy = synth_bytes({"--embed-dim", "8", "--hidden-size", "8", "--tokens", "5"}, dir, "input.npy");
  ASSERT_EQ(npy.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
  const std::size_t header_len = static_cast<uint8_t>(npy[8]) | (static_cast<uint8_t>(npy[9]) << 8);
  // The dict is 59 characters; 10 + 59 + '\n' = 70 rounds up to 128.
  ASSERT_EQ(header_len, 118u);
  const std::string header = npy.substr(10, header_len);
  EXPECT_EQ(header.substr(0, 59), "{'descr': '<f4', 'fortran_order': False, 'shape': (5, 8), }");
  EXPECT_EQ(header.substr(59, 58), std::string(58, ' '));
  EXPECT_EQ(header.back(), '\n');
  ASSERT_EQ(npy.size(), 128u + 5 * 8 * 4);
  const std::vector<float> expected = synthetic_input(5, 8, 42);
  for (std::size_t i = 0; i < expected.size(); ++i) {
    float v;
    std::memcpy(&v, npy.data() + 128 + 4 * i, 4);
    ASSERT_EQ(v, expected[i]) << i;
    ASSERT_LT(std::fabs(v), 6.0f);
  }
}

TEST(SynthCli, NarrowDtypesAreWrittenAndConvert) {
  for (const char* dtype : {"f16", "bf16"}) {
    TempDir dir;
    const std::string st =
        synth_bytes({"--embed-dim", "8", "--hidden-size", "16", "--num-heads", "2", "--dtype", dtype}, dir,
                    "params.safetensors");
    EXPECT_NE(st.find(std::string("\"dtype\":\"") + (dtype[0] == 'f' ? "F16" : "BF16") + "\""), std::string::npos);
    const CommandResult r = run_convert({"--config", dir.file("config.json"), "--weights",
                                         dir.file("params.safetensors"), "--output", dir.file("m.rrt")});
    EXPECT_EQ(r.exit_code, 0) << r.err;
  }
}

TEST(SynthCli, HelpExitsZero) {
  for (const char* flag : {"--help", "-h"}) {
    const CommandResult r = run_synth({flag});
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_NE(r.out.find("Usage: ringrt-synth --out-dir DIR"), std::string::npos);
    EXPECT_NE(r.out.find("--tokens T"), std::string::npos);
    for (const char* flag : {"--architecture A", "--no-causal", "--num-kv-heads N", "--sliding-window W",
                             "--logit-softcap C", "--attention-sinks"}) {
      EXPECT_NE(r.out.find(flag), std::string::npos) << flag;
    }
  }
}

TEST(SynthCli, UsageErrors) {
  EXPECT_TRUE(failed_with(run_synth({}), 2, {"missing required option '--out-dir'"}, "ringrt-synth"));
  EXPECT_TRUE(failed_with(run_synth({"--out-dir", "x", "--layers", "2"}), 2, {"unknown option '--layers'"}, "ringrt-synth"));
  EXPECT_TRUE(failed_with(run_synth({"--out-dir", "x", "--hidden-size", "10", "--num-heads", "4"}), 2,
                          {"hidden_size 10 is not divisible by num_heads 4"}, "ringrt-synth"));
  EXPECT_TRUE(failed_with(run_synth({"--out-dir", "x", "--seed", "-1"}), 2, {"option '--seed': '-1' is not a valid value"},
                          "ringrt-synth"));
  EXPECT_TRUE(failed_with(run_synth({"--out-dir", "x", "--embed-dim", "0"}), 2, {"option '--embed-dim': 0 is out of range"},
                          "ringrt-synth"));
  EXPECT_TRUE(failed_with(run_synth({"--out-dir", "x", "--dtype", "f64"}), 2,
                          {"option '--dtype' must be f32, f16 or bf16, got 'f64'"}, "ringrt-synth"));
}

TEST(SynthGenerator, SinksComeFromTheSameStreamInContractOrder) {
  ModelOptions o = ring_encoder_options(4, 8, 2, 2);
  const SyntheticModel plain = synthetic_model(o, 5);
  o.attention_sinks = true;
  const SyntheticModel sunk = synthetic_model(o, 5);
  // Everything before ring_1_attn_sinks is drawn identically; the sinks are in +-1.
  for (const char* name : {"input_projection.kernel", "input_projection.bias", "ring_1_attn_norm.gamma",
                           "ring_1_qkv.kernel", "ring_1_qkv.bias"}) {
    EXPECT_EQ(plain.tensors.at(name), sunk.tensors.at(name)) << name;
  }
  EXPECT_NE(plain.tensors.at("ring_1_out_proj.kernel"), sunk.tensors.at("ring_1_out_proj.kernel"));
  for (const char* name : {"ring_1_attn_sinks", "ring_2_attn_sinks"}) {
    const std::vector<float>& v = sunk.tensors.at(name);
    ASSERT_EQ(v.size(), 2u) << name;
    for (float x : v) {
      EXPECT_GE(x, -1.0f) << name;
      EXPECT_LT(x, 1.0f) << name;
    }
  }
  EXPECT_NE(sunk.tensors.at("ring_1_attn_sinks"), sunk.tensors.at("ring_2_attn_sinks"));
}

TEST(SynthCli, RingEncoderWithEveryOptionConvertsAndInspects) {
  TempDir dir;
  const std::vector<std::string> args = {
      "--out-dir", dir.path(), "--embed-dim", "6", "--hidden-size", "8", "--num-heads", "4", "--num-layers", "2",
      "--architecture", "ring_encoder", "--no-causal", "--num-kv-heads", "2", "--sliding-window", "128",
      "--logit-softcap", "30", "--attention-sinks", "--seed", "9"};
  const CommandResult r = run_synth(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json c = nlohmann::json::parse(read_file(dir.file("config.json")));
  EXPECT_EQ(c, nlohmann::json::parse(R"({"architecture": "ring_encoder", "embed_dim": 6, "hidden_size": 8,
                                         "num_heads": 4, "num_chunks": 4, "num_layers": 2, "dropout": 0.1,
                                         "window_size": 60, "causal": false, "num_kv_heads": 2,
                                         "sliding_window": 128, "logit_softcap": 30.0, "attention_sinks": true})"));
  // The files hold exactly the library generator's values for those options.
  const ModelOptions o = ring_encoder_options(6, 8, 4, 2, false, 2, 128, 30.0f, true);
  EXPECT_EQ(read_file(dir.file("params.safetensors")),
            encode_safetensors(convert::synthetic_entries(synthetic_model(o, 9), SourceDType::kF32)));
  ASSERT_EQ(run_convert({"--config", dir.file("config.json"), "--weights", dir.file("params.safetensors"), "--output",
                         dir.file("m.rrt")})
                .exit_code,
            0);
  const CommandResult i = run_convert({"inspect", dir.file("m.rrt")});
  ASSERT_EQ(i.exit_code, 0) << i.err;
  for (const char* needle :
       {"architecture: RingEncoder (ring_encoder)\n", "  causal           false\n", "  num_kv_heads     2\n",
        "  sliding_window   128\n", "  logit_softcap    30\n", "  attention_sinks  true\n",
        "runtime:      this build runs it\n",
        "ring_1_attn_sinks", "ring_1_qkv.kernel        [8, 16]"}) {
    EXPECT_NE(i.out.find(needle), std::string::npos) << needle << "\n" << i.out;
  }
}

TEST(SynthCli, RingEncoderDefaultsRunOnThisBuild) {
  TempDir dir;
  ASSERT_EQ(run_synth({"--out-dir", dir.path(), "--embed-dim", "8", "--hidden-size", "8", "--num-heads", "2",
                       "--architecture", "ring_encoder"})
                .exit_code,
            0);
  ASSERT_EQ(run_convert({"--config", dir.file("config.json"), "--weights", dir.file("params.safetensors"), "--output",
                         dir.file("m.rrt")})
                .exit_code,
            0);
  const CommandResult i = run_convert({"inspect", dir.file("m.rrt")});
  EXPECT_NE(i.out.find("  sliding_window   0 (none)\n"), std::string::npos) << i.out;
  EXPECT_NE(i.out.find("  logit_softcap    0 (none)\n"), std::string::npos) << i.out;
  EXPECT_NE(i.out.find("runtime:      this build runs it\n"), std::string::npos) << i.out;
}

TEST(SynthCli, AttentionFlagUsageErrors) {
  EXPECT_TRUE(failed_with(run_synth({"--out-dir", "x", "--sliding-window", "4"}), 2,
                          {"option 'sliding_window' = 4 needs architecture ring_encoder"}, "ringrt-synth"));
  EXPECT_TRUE(failed_with(run_synth({"--out-dir", "x", "--architecture", "gpt"}), 2,
                          {"option '--architecture' must be edifice_ring_attention or ring_encoder, got 'gpt'"},
                          "ringrt-synth"));
  EXPECT_TRUE(failed_with(run_synth({"--out-dir", "x", "--architecture", "ring_encoder", "--num-kv-heads", "3"}), 2,
                          {"num_heads 4 is not divisible by num_kv_heads 3"}, "ringrt-synth"));
  EXPECT_TRUE(failed_with(run_synth({"--out-dir", "x", "--architecture", "ring_encoder", "--logit-softcap", "-1"}), 2,
                          {"option '--logit-softcap': '-1' is not a valid value (expected a finite number >= 0)"},
                          "ringrt-synth"));
  EXPECT_TRUE(failed_with(run_synth({"--out-dir", "x", "--architecture", "ring_encoder", "--logit-softcap", "1e39"}),
                          2, {"option 'logit_softcap' must be a finite number >= 0"}, "ringrt-synth"));
  EXPECT_TRUE(failed_with(run_synth({"--out-dir", "x", "--architecture", "ring_encoder", "--no-causal=1"}), 2,
                          {"option '--no-causal' takes no value"}, "ringrt-synth"));
}

TEST(SynthCli, UnwritableOutDirFails) {
  TempDir dir;
  write_file(dir.file("plain"), "x");
  EXPECT_TRUE(failed_with(run_synth({"--out-dir", dir.file("plain")}), 1, {dir.file("plain") + ": not a directory"},
                          "ringrt-synth"));
  EXPECT_TRUE(failed_with(run_synth({"--out-dir", dir.file("plain/sub")}), 1,
                          {dir.file("plain/sub") + ": cannot create directory"}, "ringrt-synth"));
}

}  // namespace
}  // namespace ringrt::test
