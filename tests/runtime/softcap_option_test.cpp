// logit_softcap must be 0 (no cap) or a normal float32: a cap that would be stored as
// 0 (1e-46: silently no cap) or as a subnormal (1e-40) is refused, naming the key
// and the value, by the converter's config and by the .rrt verifier.
#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>

#include "config_io.hpp"
#include "errors.hpp"
#include "model_file_patch.hpp"
#include "runtime_fixture.hpp"

namespace ringrt::test {
namespace {

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

const char* const kRefusal = "below the smallest normal float32 (1.17549e-38)";

std::string encoder_config(const std::string& softcap) {
  return R"({"architecture": "ring_encoder", "embed_dim": 8, "hidden_size": 8, "num_heads": 2, "logit_softcap": )" +
         softcap + "}";
}

TEST(SoftcapOption, ConverterRefusesCapsBelowTheNormalFloats) {
  for (const char* text : {"1e-46", "1e-40", "1.1754942e-38"}) {
    try {
      convert::parse_config(encoder_config(text), "config.json");
      ADD_FAILURE() << "logit_softcap " << text << " was accepted";
    } catch (const convert::Error& e) {
      const std::string want = std::string("config.json: option 'logit_softcap' is ") + text + ", " + kRefusal;
      EXPECT_TRUE(contains(e.what(), want)) << e.what() << "\nwanted: " << want;
    }
  }
  // 0 (no cap), the smallest normal float (as printed, it rounds to FLT_MIN), and ordinary caps.
  for (const char* text : {"0", "0.0", "1.17549435e-38", "1e-30", "30", "3.4028234e38"}) {
    EXPECT_NO_THROW(convert::parse_config(encoder_config(text), "config.json")) << text;
  }
}

TEST(SoftcapOption, ValidateOptionsRefusesSubnormalCaps) {
  ModelOptions o = ring_encoder_options(8, 8, 2, 1);
  for (float c : {FLT_MIN / 2, std::nextafter(FLT_MIN, 0.0f), FLT_TRUE_MIN}) {
    o.logit_softcap = c;
    const Status s = validate_options(o, "m.rrt");
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << c;
    EXPECT_TRUE(contains(s.message(), "m.rrt: option 'logit_softcap' is ")) << s.message();
    EXPECT_TRUE(contains(s.message(), kRefusal)) << s.message();
  }
  for (float c : {0.0f, FLT_MIN, 1.0f, FLT_MAX}) {
    o.logit_softcap = c;
    EXPECT_TRUE(validate_options(o, "m.rrt").ok()) << c;
  }
}

// A .rrt whose header holds a subnormal cap (the header has no checksum: any tool
// could write one) is refused by Model::load and so by ringrt-run.
TEST(SoftcapOption, LoadRefusesASubnormalCapInTheFile) {
  TempDir dir;
  const TestModel m = make_model(dir, "m", ring_encoder_options(8, 8, 2, 1, true, 0, 0, 7.3125f), 2);
  const std::string path = dir.file("subnormal.rrt");
  const float subnormal = FLT_MIN / 2;
  write_file(path, with_header_u32(read_file(m.path), f32_bits(7.3125f), f32_bits(subnormal)));
  std::unique_ptr<Model> model;
  const Status s = Model::load(path.c_str(), &model);
  ASSERT_FALSE(s.ok());
  char value[32];
  std::snprintf(value, sizeof value, "%g", static_cast<double>(subnormal));
  EXPECT_TRUE(contains(s.message(), path + ": option 'logit_softcap' is " + value + ", " + kRefusal)) << s.message();
}

}  // namespace
}  // namespace ringrt::test
