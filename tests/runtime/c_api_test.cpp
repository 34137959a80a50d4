// The C API end to end: load, create, append, output, errors, reset, free.
#include <gtest/gtest.h>

#include <cstddef>

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

// The headline feature from C: history in a file, a second session refused while
// the first holds it, the stream resumed by a new session, the reference's output.
TEST(CApi, FileStoreStreamsAndResumes) {
  TempDir dir;
  const TestModel m = make_model(dir, "m", small_options(24, 32, 2, 2), 22);
  const std::size_t T = 120, E = 24, H = 32;
  const std::vector<float> x = synthetic_input(T, E, 9);
  const std::vector<double> ref = ringrt_ref::forward_last(m.options, m.weights, x.data(), T);
  char err[512];
  ringrt_model* model = nullptr;
  ASSERT_EQ(ringrt_model_load(m.path.c_str(), &model, err, sizeof err), RINGRT_OK) << err;
  const std::string store = "file:" + dir.file("kv");
  ringrt_session_options o;
  ringrt_session_options_init(&o);
  EXPECT_EQ(o.struct_size, sizeof o);
  EXPECT_EQ(o.kv_store, nullptr);
  EXPECT_EQ(o.resume, 0);
  o.chunk = 16;
  o.workers = 2;
  o.max_context = T;
  o.kv_store = store.c_str();
  o.stream_tag = ringrt_hash_bytes(x.data(), x.size() * sizeof(float), RINGRT_HASH_SEED);
  EXPECT_EQ(o.stream_tag, hash_bytes(x.data(), x.size() * sizeof(float)));

  ringrt_session* first = nullptr;
  ASSERT_EQ(ringrt_session_create(model, &o, &first, err, sizeof err), RINGRT_OK) << err;
  ASSERT_EQ(ringrt_session_append(first, x.data(), 70, E, nullptr, err, sizeof err), RINGRT_OK) << err;
  EXPECT_GT(ringrt_session_kv_bytes_stored(first), 0u);
  ringrt_session* second = nullptr;
  EXPECT_EQ(ringrt_session_create(model, &o, &second, err, sizeof err), RINGRT_IO_ERROR);
  EXPECT_NE(std::strstr(err, "is in use by another process or session"), nullptr) << err;
  EXPECT_EQ(second, nullptr);
  ringrt_session_free(first);

  // Without resume an existing stream is refused, never overwritten.
  EXPECT_EQ(ringrt_session_create(model, &o, &second, err, sizeof err), RINGRT_INVALID_ARGUMENT);
  EXPECT_NE(std::strstr(err, "resume"), nullptr) << err;
  // Another tag: the stream is not continued with other data.
  ringrt_session_options other = o;
  other.resume = 1;
  other.stream_tag = o.stream_tag + 1;
  EXPECT_NE(ringrt_session_create(model, &other, &second, err, sizeof err), RINGRT_OK);
  o.resume = 1;
  ringrt_session* resumed = nullptr;
  ASSERT_EQ(ringrt_session_create(model, &o, &resumed, err, sizeof err), RINGRT_OK) << err;
  ASSERT_EQ(ringrt_session_length(resumed), 70u);
  ASSERT_EQ(ringrt_session_append(resumed, x.data() + 70 * E, T - 70, E, nullptr, err, sizeof err), RINGRT_OK) << err;
  EXPECT_LE(ringrt_ref::max_abs_diff(ringrt_session_output(resumed), ref.data(), H), 2e-4);
  // truncate: back to 119 tokens, the last one again.
  ASSERT_EQ(ringrt_session_truncate(resumed, T - 1, err, sizeof err), RINGRT_OK) << err;
  EXPECT_EQ(ringrt_session_output(resumed), nullptr);
  ASSERT_EQ(ringrt_session_append(resumed, x.data() + (T - 1) * E, 1, E, nullptr, err, sizeof err), RINGRT_OK) << err;
  EXPECT_LE(ringrt_ref::max_abs_diff(ringrt_session_output(resumed), ref.data(), H), 2e-4);
  ringrt_session_free(resumed);
  ringrt_model_free(model);
}

// Model info and the memory plan, before and after creation, as the C++ API gives them.
TEST(CApi, ModelInfoAndPlanMatchTheCppApi) {
  TempDir dir;
  const TestModel m = make_model(dir, "m", small_options(24, 32, 2, 3), 23);
  char err[512];
  ringrt_load_options lo;
  ringrt_load_options_init(&lo);
  EXPECT_EQ(lo.verify_checksum, 1);
  lo.verify_checksum = 0;
  ringrt_model* model = nullptr;
  ASSERT_EQ(ringrt_model_load_with_options(m.path.c_str(), &lo, &model, err, sizeof err), RINGRT_OK) << err;
  ringrt_model_info info;
  ringrt_model_info_init(&info);
  ASSERT_EQ(ringrt_model_get_info(model, &info, err, sizeof err), RINGRT_OK) << err;
  EXPECT_EQ(info.struct_size, sizeof info);
  EXPECT_EQ(info.embed_dim, 24u);
  EXPECT_EQ(info.hidden_size, 32u);
  EXPECT_EQ(info.num_heads, 2u);
  EXPECT_EQ(info.num_layers, 3u);
  EXPECT_EQ(info.weights_f16, 0);
  EXPECT_EQ(info.file_bytes, read_file(m.path).size());

  for (const char* kv : {"memory", "file"}) {
    const std::string store = std::string(kv) == "file" ? "file:" + dir.file("kv") : "memory";
    ringrt_session_options o;
    ringrt_session_options_init(&o);
    o.chunk = 8;
    o.workers = 2;
    o.max_context = 64;
    o.kv_store = store.c_str();
    SessionOptions cpp;
    cpp.chunk = 8;
    cpp.workers = 2;
    cpp.max_context = 64;
    cpp.kv_store = store.c_str();
    MemoryPlan want;
    ASSERT_TRUE(plan_session(*m.model, cpp, &want).ok());
    ringrt_memory_plan plan;
    ringrt_memory_plan_init(&plan);
    ASSERT_EQ(ringrt_plan_session(model, &o, &plan, err, sizeof err), RINGRT_OK) << err;
    EXPECT_EQ(plan.arena_bytes, want.arena_bytes) << kv;
    EXPECT_EQ(plan.kv_bytes, want.kv_bytes) << kv;
    EXPECT_EQ(plan.kv_in_arena, std::string(kv) == "memory" ? 1 : 0);
    EXPECT_EQ(plan.workers, 2u);
    EXPECT_EQ(plan.chunk, 8u);
    EXPECT_EQ(plan.max_context, 64u);
    ASSERT_EQ(plan.entry_count, want.count) << kv;
    for (std::size_t i = 0; i < want.count; ++i) {
      EXPECT_STREQ(plan.entries[i].name, want.entries[i].name);
      EXPECT_EQ(plan.entries[i].bytes, want.entries[i].bytes);
      EXPECT_EQ(plan.entries[i].offset, want.entries[i].offset);
    }
    ringrt_session* s = nullptr;
    ASSERT_EQ(ringrt_session_create(model, &o, &s, err, sizeof err), RINGRT_OK) << err;
    ringrt_memory_plan created;
    ringrt_memory_plan_init(&created);
    ASSERT_EQ(ringrt_session_get_plan(s, &created, err, sizeof err), RINGRT_OK) << err;
    EXPECT_EQ(created.arena_bytes, plan.arena_bytes);
    EXPECT_EQ(ringrt_session_arena_bytes(s), plan.arena_bytes);
    ringrt_session_free(s);
  }
  ringrt_model_free(model);
}

// The options structs grow without breaking callers: the size field is checked, a
// larger struct with unknown fields left zero is accepted, one that sets them is refused.
TEST(CApi, StructSizeKeepsTheAbiExtensible) {
  TempDir dir;
  const TestModel m = make_model(dir, "m", small_options(24, 32, 2, 1), 24);
  char err[512];
  ringrt_model* model = nullptr;
  ASSERT_EQ(ringrt_model_load(m.path.c_str(), &model, err, sizeof err), RINGRT_OK) << err;
  ringrt_session* s = nullptr;

  ringrt_session_options unset;
  std::memset(&unset, 0, sizeof unset);  // no _init: struct_size 0
  EXPECT_EQ(ringrt_session_create(model, &unset, &s, err, sizeof err), RINGRT_INVALID_ARGUMENT);
  EXPECT_NE(std::strstr(err, "ringrt_session_options.struct_size is 0"), nullptr) << err;
  EXPECT_NE(std::strstr(err, "_init"), nullptr) << err;

  struct Newer {
    ringrt_session_options known;
    uint64_t later_field;
  } newer;
  ringrt_session_options_init(&newer.known);
  newer.known.struct_size = sizeof newer;
  newer.known.max_context = 32;
  newer.later_field = 0;
  ASSERT_EQ(ringrt_session_create(model, &newer.known, &s, err, sizeof err), RINGRT_OK) << err;
  EXPECT_EQ(ringrt_session_arena_bytes(s) > 0, true);
  ringrt_session_free(s);
  s = nullptr;
  newer.later_field = 7;
  EXPECT_EQ(ringrt_session_create(model, &newer.known, &s, err, sizeof err), RINGRT_INVALID_ARGUMENT);
  EXPECT_NE(std::strstr(err, "sets fields this ringrt"), nullptr) << err;

  // Results: an output struct larger than this library's keeps the caller's tail.
  struct NewerInfo {
    ringrt_model_info known;
    uint64_t later_field;
  } info;
  ringrt_model_info_init(&info.known);
  info.known.struct_size = sizeof info;
  info.later_field = 12345;
  ASSERT_EQ(ringrt_model_get_info(model, &info.known, err, sizeof err), RINGRT_OK) << err;
  EXPECT_EQ(info.known.struct_size, sizeof info);
  EXPECT_EQ(info.known.embed_dim, 24u);
  EXPECT_EQ(info.later_field, 12345u);
  ringrt_model_info small;
  std::memset(&small, 0, sizeof small);
  EXPECT_EQ(ringrt_model_get_info(model, &small, err, sizeof err), RINGRT_INVALID_ARGUMENT);
  ringrt_model_free(model);
}

// kv_dtype came after the first version of ringrt_session_options and
// ringrt_memory_plan: a program built against that header (struct_size up to
// kv_dtype) still works and gets f32; a newer one chooses the dtype.
TEST(CApi, KvDtypeFieldAndTheFirstStructVersion) {
  TempDir dir;
  const TestModel m = make_model(dir, "m", small_options(24, 32, 4, 2), 24);  // head_dim 8
  char err[512];
  ringrt_model* model = nullptr;
  ASSERT_EQ(ringrt_model_load(m.path.c_str(), &model, err, sizeof err), RINGRT_OK) << err;
  const std::vector<float> x = synthetic_input(40, 24, 2);
  const std::vector<double> ref = ringrt_ref::forward_last(m.options, m.weights, x.data(), 40);
  uint64_t bytes[3] = {};
  for (uint32_t dtype : {RINGRT_KV_F32, RINGRT_KV_F16, RINGRT_KV_INT8}) {
    ringrt_session_options o;
    ringrt_session_options_init(&o);
    EXPECT_EQ(o.kv_dtype, RINGRT_KV_F32);
    o.chunk = 16;
    o.max_context = 40;
    o.kv_dtype = dtype;
    ringrt_memory_plan plan;
    ringrt_memory_plan_init(&plan);
    ASSERT_EQ(ringrt_plan_session(model, &o, &plan, err, sizeof err), RINGRT_OK) << err;
    EXPECT_EQ(plan.kv_dtype, dtype);
    ringrt_session* s = nullptr;
    ASSERT_EQ(ringrt_session_create(model, &o, &s, err, sizeof err), RINGRT_OK) << err;
    ASSERT_EQ(ringrt_session_append(s, x.data(), 40, 24, nullptr, err, sizeof err), RINGRT_OK) << err;
    EXPECT_LE(ringrt_ref::max_abs_diff(ringrt_session_output(s), ref.data(), 32), dtype == RINGRT_KV_F32 ? 2e-5
                                                                                  : dtype == RINGRT_KV_F16 ? 5e-3 : 5e-2);
    bytes[dtype] = ringrt_session_kv_bytes_stored(s);
    ringrt_session_free(s);
  }
  EXPECT_EQ(bytes[RINGRT_KV_F16] * 2, bytes[RINGRT_KV_F32]);
  EXPECT_EQ(bytes[RINGRT_KV_INT8], 40u * 2 * 2 * 4 * (8 + 4));

  // The first version: no kv_dtype (whatever lies past struct_size is not read).
  ringrt_session_options old;
  ringrt_session_options_init(&old);
  old.struct_size = offsetof(ringrt_session_options, kv_dtype);
  old.kv_dtype = RINGRT_KV_INT8;  // past the old struct: ignored
  old.max_context = 40;
  ringrt_memory_plan plan;
  ringrt_memory_plan_init(&plan);
  plan.struct_size = offsetof(ringrt_memory_plan, kv_dtype);
  plan.kv_dtype = 99;  // the caller's memory past its struct: left alone
  ASSERT_EQ(ringrt_plan_session(model, &old, &plan, err, sizeof err), RINGRT_OK) << err;
  EXPECT_EQ(plan.kv_dtype, 99u);
  EXPECT_EQ(plan.struct_size, offsetof(ringrt_memory_plan, kv_dtype));
  ringrt_session* s = nullptr;
  ASSERT_EQ(ringrt_session_create(model, &old, &s, err, sizeof err), RINGRT_OK) << err;
  ASSERT_EQ(ringrt_session_append(s, x.data(), 40, 24, nullptr, err, sizeof err), RINGRT_OK) << err;
  EXPECT_EQ(ringrt_session_kv_bytes_stored(s), bytes[RINGRT_KV_F32]);
  ringrt_session_free(s);
  // Smaller than the first version: never initialised.
  old.struct_size = offsetof(ringrt_session_options, kv_dtype) - 1;
  EXPECT_EQ(ringrt_session_create(model, &old, &s, err, sizeof err), RINGRT_INVALID_ARGUMENT);
  EXPECT_NE(std::strstr(err, "less than any ringrt version's"), nullptr) << err;
  ringrt_session_options bad;
  ringrt_session_options_init(&bad);
  bad.kv_dtype = 9;
  EXPECT_EQ(ringrt_session_create(model, &bad, &s, err, sizeof err), RINGRT_INVALID_ARGUMENT);
  EXPECT_NE(std::strstr(err, "kv_dtype 9 is not a KV dtype"), nullptr) << err;
  ringrt_model_free(model);
}

}  // namespace
}  // namespace ringrt::test
