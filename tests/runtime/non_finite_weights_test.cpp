// A model file whose weights hold NaN or Inf, with a checksum that matches them, is
// refused by Model::load naming the tensor and the element (f32 and f16 storage).
// With verify_checksum = false the weights are not read at load, and the NaN is
// found where it first reaches a result: append fails naming the layer and token.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "model_contract.hpp"
#include "model_file_patch.hpp"
#include "runtime_fixture.hpp"

namespace ringrt::test {
namespace {

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// Contract index of the tensor called `name`.
std::size_t tensor_index(const ModelOptions& o, const std::string& name) {
  for (std::size_t i = 0; i < expected_tensor_count(o); ++i) {
    if (name == expected_tensor(o, i).name) return i;
  }
  ADD_FAILURE() << "no tensor " << name;
  return 0;
}

struct Bad {
  const char* tensor;
  uint64_t element;
  uint32_t f32, f16;  // the bit patterns stored
  const char* kind;
};

const Bad kBad[] = {
    {"ring_1_ffn_up.kernel", 1234, 0x7fc00000u, 0x7e00u, "NaN"},
    {"input_projection.kernel", 0, 0x7f800000u, 0x7c00u, "Inf"},
    {"ring_2_qkv.bias", 5, 0xff800000u, 0xfc00u, "Inf"},       // -Inf
    {"final_norm.beta", 31, 0xffc00001u, 0xfd01u, "NaN"},      // a negative NaN with a payload, the last element
};

TEST(NonFiniteWeights, LoadRefusesThemNamingTensorAndElement) {
  TempDir dir;
  const ModelOptions o = small_options(24, 32, 2, 2);
  for (convert::StorageDType dtype : {convert::StorageDType::kF32, convert::StorageDType::kF16}) {
    const bool f16 = dtype == convert::StorageDType::kF16;
    const TestModel m = make_model(dir, f16 ? "h" : "f", o, 3, dtype);
    const std::string rrt = read_file(m.path);
    for (const Bad& b : kBad) {
      const std::string path = dir.file(std::string(b.tensor) + (f16 ? ".f16.rrt" : ".f32.rrt"));
      write_file(path, with_weight_bits(rrt, tensor_index(o, b.tensor), b.element, f16 ? b.f16 : b.f32));
      std::unique_ptr<Model> model;
      const Status s = Model::load(path.c_str(), &model);
      ASSERT_FALSE(s.ok()) << path << " loaded";
      EXPECT_EQ(s.code(), StatusCode::kInvalidModel);
      const std::string want = path + ": tensor " + b.tensor + " holds " + b.kind + " at element " +
                               std::to_string(b.element) + " (of ";
      EXPECT_TRUE(contains(s.message(), want)) << s.message() << "\nwanted: " << want;
      EXPECT_TRUE(contains(s.message(), f16 ? ", f16)" : ", f32)")) << s.message();
      EXPECT_TRUE(contains(s.message(), "weights must be finite")) << s.message();
    }
    // The untouched file still loads.
    std::unique_ptr<Model> model;
    EXPECT_TRUE(Model::load(m.path.c_str(), &model).ok());
  }
}

TEST(NonFiniteWeights, WithoutVerificationAppendNamesWhereTheyAppear) {
  TempDir dir;
  const ModelOptions o = small_options(24, 32, 2, 2);
  const TestModel m = make_model(dir, "m", o, 4);
  const std::string path = dir.file("nan.rrt");
  write_file(path, with_weight_bits(read_file(m.path), tensor_index(o, "ring_2_out_proj.kernel"), 77, f32_bits(NAN)));
  Model::LoadOptions unverified;
  unverified.verify_checksum = false;
  std::unique_ptr<Model> model;
  const Status loaded = Model::load(path.c_str(), unverified, &model);
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  std::unique_ptr<Session> s;
  ASSERT_TRUE(Session::create(*model, session_options(16, 2, 64), &s).ok());
  const std::vector<float> x = synthetic_input(20, 24, 5);
  const Status st = s->append(x.data(), 20, 24);
  EXPECT_EQ(st.code(), StatusCode::kNonFinite);
  // NaN times the layer's activations; XNNPACK's output clamp may make it an Inf.
  EXPECT_TRUE(contains(st.message(), "layer 2 produced ")) << st.message();
  EXPECT_TRUE(contains(st.message(), " at token 0 (feature ")) << st.message();
  EXPECT_EQ(s->length(), 0u);
}

}  // namespace
}  // namespace ringrt::test
