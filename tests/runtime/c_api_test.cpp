// The C API end to end: load, create, append, output, errors, reset, free.
#include <gtest/gtest.h>

#include <cstring>

#include "ringrt/ringrt.h"
#include "runtime_fixture.hpp"

namespace ringrt::test {
namespace {

TEST(CApi, RunsAModelAndReportsErrors) {
  TempDir dir;
  const TestModel m = make_model(dir, "m", small_options(24, 32, 2, 2), 21);
  char err[512];
  ringrt_model* model = nullptr;
  ASSERT_EQ(ringrt_model_load(m.path.c_str(), &model, err, sizeof err), RINGRT_OK) << err;
  EXPECT_EQ(ringrt_model_embed_dim(model), 24u);
  EXPECT_EQ(ringrt_model_hidden_size(model), 32u);

  ringrt_session_options opts;
  ringrt_session_options_init(&opts);
  EXPECT_EQ(opts.chunk, 256u);
  opts.chunk = 8;
  opts.workers = 2;
  opts.max_context = 50;
  ringrt_session* s = nullptr;
  ASSERT_EQ(ringrt_session_create(model, &opts, &s, err, sizeof err), RINGRT_OK) << err;
  EXPECT_EQ(ringrt_session_output(s), nullptr);

  const std::vector<float> x = synthetic_input(50, 24, 8);
  ASSERT_EQ(ringrt_session_append(s, x.data(), 50, 24, nullptr, err, sizeof err), RINGRT_OK) << err;
  const std::vector<double> ref = ringrt_ref::forward_last(m.options, m.weights, x.data(), 50);
  EXPECT_LE(ringrt_ref::max_abs_diff(ringrt_session_output(s), ref.data(), 32), 2e-4);
  EXPECT_EQ(ringrt_session_length(s), 50u);
  EXPECT_GT(ringrt_session_arena_bytes(s), 0u);

  EXPECT_EQ(ringrt_session_append(s, x.data(), 1, 24, nullptr, err, sizeof err), RINGRT_CAPACITY_EXCEEDED);
  EXPECT_NE(std::strstr(err, "max_context"), nullptr) << err;
  ringrt_session_reset(s);
  EXPECT_EQ(ringrt_session_length(s), 0u);

  ringrt_model* bad = nullptr;
  EXPECT_EQ(ringrt_model_load(dir.file("nope.rrt").c_str(), &bad, err, sizeof err), RINGRT_IO_ERROR);
  EXPECT_EQ(bad, nullptr);
  EXPECT_NE(std::strstr(err, "nope.rrt"), nullptr) << err;

  ringrt_session_free(s);
  ringrt_model_free(model);
}

}  // namespace
}  // namespace ringrt::test
