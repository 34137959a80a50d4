// The fixture of the file KV store suites (file_store_test, kv_lock_test): a small
// causal model in a temporary directory and session options whose KV store is the
// file dir/kv.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "runtime_fixture.hpp"

namespace ringrt::test {

struct FileStoreFixture : ::testing::Test {
  void SetUp() override {
    m = make_model(dir, "m", small_options(24, 32, 4, 2), 31);
    x = synthetic_input(T, 24, 4);
    spec = "file:" + dir.file("kv");
    o = session_options(16, 2, T);
    o.kv_store = spec.c_str();
  }
  // A session of m with `options`: its status in *status, or, without one, expected ok.
  std::unique_ptr<Session> create(const SessionOptions& options, Status* status = nullptr) const {
    std::unique_ptr<Session> s;
    const Status st = Session::create(*m.model, options, &s);
    if (status) *status = st;
    else EXPECT_TRUE(st.ok()) << st.message();
    return s;
  }
  const std::size_t T = 200;
  TempDir dir;
  TestModel m;
  std::vector<float> x;  // T timesteps of 24 features
  std::string spec;      // "file:" + dir/kv, what o.kv_store points to
  SessionOptions o;      // chunk 16, 2 workers, max context T, the file store
};

}  // namespace ringrt::test
