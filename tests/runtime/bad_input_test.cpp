// Bad input gets a clear status and never a crash; the session keeps its state.
#include <gtest/gtest.h>

#include <cmath>
#include <flatbuffers/flatbuffers.h>

#include "ringrt_generated.h"
#include "runtime_fixture.hpp"

namespace ringrt::test {
namespace {

bool contains(const char* text, const std::string& needle) { return std::string(text).find(needle) != std::string::npos; }

struct BadInput : ::testing::Test {
  void SetUp() override {
    m = make_model(dir, "m", small_options(24, 32, 2, 2), 6);
    SessionOptions o;
    o.chunk = 16;
    o.workers = 2;
    o.max_context = 100;
    ASSERT_TRUE(Session::create(*m.model, o, &session).ok());
  }
  TempDir dir;
  TestModel m;
  std::unique_ptr<Session> session;
};

TEST_F(BadInput, WrongWidthNamesExpectedAndGot) {
  const std::vector<float> x(5 * 25, 0.1f);
  const Status s = session->append(x.data(), 5, 25);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(contains(s.message(), "25 features")) << s.message();
  EXPECT_TRUE(contains(s.message(), "embed_dim = 24")) << s.message();
}

TEST_F(BadInput, EmptySequence) {
  const float x[24] = {};
  const Status s = session->append(x, 0, 24);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(contains(s.message(), "empty")) << s.message();
}

TEST_F(BadInput, NanAndInfNameTheFirstIndex) {
  std::vector<float> x = synthetic_input(10, 24, 1);
  x[3 * 24 + 5] = std::nanf("");
  x[7 * 24 + 1] = INFINITY;
  Status s = session->append(x.data(), 10, 24);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(contains(s.message(), "NaN at token 3, feature 5")) << s.message();
  x[3 * 24 + 5] = 0.0f;
  s = session->append(x.data(), 10, 24);
  EXPECT_TRUE(contains(s.message(), "Inf at token 7, feature 1")) << s.message();
  EXPECT_EQ(session->length(), 0u);
}

TEST_F(BadInput, BeyondMaxContextKeepsTheSequenceAndStaysUsable) {
  // 101 tokens: the append of 41 after 60 gives the session all the rows it claims.
  const std::vector<float> x = synthetic_input(101, 24, 2);
  ASSERT_TRUE(session->append(x.data(), 60, 24).ok());
  const std::vector<float> before(session->output(), session->output() + 32);
  const Status s = session->append(x.data() + 60 * 24, 41, 24);
  EXPECT_EQ(s.code(), StatusCode::kCapacityExceeded);
  EXPECT_TRUE(contains(s.message(), "max_context of 100")) << s.message();
  EXPECT_EQ(session->length(), 60u);
  EXPECT_EQ(before, std::vector<float>(session->output(), session->output() + 32));
  // The session goes on as if the failed call never happened.
  ASSERT_TRUE(session->append(x.data() + 60 * 24, 40, 24).ok());
  const std::vector<double> ref = ringrt_ref::forward_last(m.options, m.weights, x.data(), 100);
  EXPECT_LE(ringrt_ref::max_abs_diff(session->output(), ref.data(), 32), 2e-4);
}

Status load(const std::string& path) {
  std::unique_ptr<Model> model;
  return Model::load(path.c_str(), &model);
}

TEST_F(BadInput, TruncatedModel) {
  const std::string bytes = read_file(m.path);
  for (std::size_t len : {std::size_t{0}, std::size_t{7}, std::size_t{100}, bytes.size() / 2, bytes.size() - 1}) {
    write_file(dir.file("cut.rrt"), bytes.substr(0, len));
    const Status s = load(dir.file("cut.rrt"));
    EXPECT_FALSE(s.ok()) << "length " << len;
    EXPECT_TRUE(contains(s.message(), "cut.rrt")) << s.message();
  }
}

TEST_F(BadInput, CorruptedWeightsFailTheChecksum) {
  std::string bytes = read_file(m.path);
  bytes[bytes.size() - 100] ^= 0x40;
  write_file(dir.file("bad.rrt"), bytes);
  const Status s = load(dir.file("bad.rrt"));
  EXPECT_EQ(s.code(), StatusCode::kInvalidModel);
  EXPECT_TRUE(contains(s.message(), "checksum")) << s.message();
}

TEST_F(BadInput, NotAModel) {
  write_file(dir.file("x.rrt"), std::string(64, 'x'));
  Status s = load(dir.file("x.rrt"));
  EXPECT_EQ(s.code(), StatusCode::kInvalidModel);
  EXPECT_TRUE(contains(s.message(), "not a ringrt model")) << s.message();
  s = load(dir.path());
  EXPECT_TRUE(contains(s.message(), "is a directory")) << s.message();
  s = load(dir.file("missing.rrt"));
  EXPECT_EQ(s.code(), StatusCode::kIoError);
}

TEST_F(BadInput, NewerSchemaMajorVersionIsRefused) {
  flatbuffers::FlatBufferBuilder b;
  auto options = fb::CreateOptions(b, 24, 32);
  auto tensors = b.CreateVector(std::vector<flatbuffers::Offset<fb::Tensor>>{});
  auto root = fb::CreateModel(b, /*schema_major=*/2, /*schema_minor=*/0, b.CreateString("future"),
                              fb::Architecture::EdificeRingAttention, options, tensors);
  b.FinishSizePrefixed(root, fb::ModelIdentifier());
  write_file(dir.file("future.rrt"),
             std::string(reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize()));
  const Status s = load(dir.file("future.rrt"));
  EXPECT_EQ(s.code(), StatusCode::kUnsupportedVersion);
  EXPECT_TRUE(contains(s.message(), "schema version 2.0")) << s.message();
}

TEST_F(BadInput, InvalidSessionOptions) {
  std::unique_ptr<Session> s;
  SessionOptions o;
  o.chunk = 0;
  EXPECT_EQ(Session::create(*m.model, o, &s).code(), StatusCode::kInvalidArgument);
  o.chunk = 16;
  o.max_context = 0;
  EXPECT_EQ(Session::create(*m.model, o, &s).code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace ringrt::test
