// After Session::create, append(), output() and reset() never call the system
// heap. This binary replaces malloc, calloc, realloc, free and operator new/delete
// with counting versions (glibc's __libc_* do the work) and streams a long sequence.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "runtime_fixture.hpp"

extern "C" {
void* __libc_malloc(size_t);
void* __libc_calloc(size_t, size_t);
void* __libc_realloc(void*, size_t);
void __libc_free(void*);
}

namespace {
std::atomic<bool> g_counting{false};
std::atomic<long> g_calls{0};
inline void count() {
  if (g_counting.load(std::memory_order_relaxed)) g_calls.fetch_add(1, std::memory_order_relaxed);
}
}  // namespace

extern "C" {
void* malloc(size_t n) {
  count();
  return __libc_malloc(n);
}
void* calloc(size_t a, size_t b) {
  count();
  return __libc_calloc(a, b);
}
void* realloc(void* p, size_t n) {
  count();
  return __libc_realloc(p, n);
}
void free(void* p) {
  if (p) count();
  __libc_free(p);
}
}
void* operator new(size_t n) {
  count();
  void* p = __libc_malloc(n ? n : 1);
  if (!p) std::abort();
  return p;
}
void* operator new[](size_t n) { return operator new(n); }
void* operator new(size_t n, const std::nothrow_t&) noexcept {
  count();
  return __libc_malloc(n ? n : 1);
}
void* operator new[](size_t n, const std::nothrow_t& t) noexcept { return operator new(n, t); }
void operator delete(void* p) noexcept {
  if (p) count();
  __libc_free(p);
}
void operator delete[](void* p) noexcept { operator delete(p); }
void operator delete(void* p, size_t) noexcept { operator delete(p); }
void operator delete[](void* p, size_t) noexcept { operator delete(p); }

namespace ringrt::test {
namespace {

TEST(NoHeap, LongStreamedRunMakesNoHeapCalls) {
  TempDir dir;
  const TestModel m = make_model(dir, "m", small_options(48, 64, 4, 2), 2);
  const std::size_t T = small_scale() ? 300 : 3000;
  const std::vector<float> x = synthetic_input(T, 48, 3);
  std::vector<float> all(200 * 64);
  SessionOptions o;
  o.chunk = 64;
  o.workers = 2;
  o.max_context = T;
  std::unique_ptr<Session> s;
  ASSERT_TRUE(Session::create(*m.model, o, &s).ok());
  EXPECT_TRUE(s->plan().xnnpack_in_arena) << "XNNPACK does not allocate through ringrt's arena pools";

  // Sanity check of the counter itself: a vector allocation is seen.
  g_calls = 0;
  g_counting = true;
  { std::vector<int> probe(10); }
  g_counting = false;
  ASSERT_GE(g_calls.load(), 2) << "the allocation counter does not see heap calls";

  g_calls = 0;
  g_counting = true;
  bool ok = true;
  for (int pass = 0; pass < 2 && ok; ++pass) {
    std::size_t done = 0;
    for (std::size_t piece = 1; done < T && ok; piece = piece * 3 % 199 + 1) {
      const std::size_t n = std::min(piece, T - done);
      ok = s->append(x.data() + done * 48, n, 48, n <= 200 ? all.data() : nullptr).ok() && s->output() != nullptr;
      done += n;
    }
    s->reset();
  }
  g_counting = false;
  EXPECT_TRUE(ok);
  EXPECT_EQ(g_calls.load(), 0) << "heap calls during append/output/reset";
}

// The attention variants' paths: a sliding-window ring store with grouped-query heads,
// soft-cap and sinks, streamed; and a bidirectional model layer by layer, with the
// residual stream in the arena and in a file, deferred and whole appends.
TEST(NoHeap, AttentionVariantsMakeNoHeapCalls) {
  TempDir dir;
  struct Case {
    ModelOptions options;
    const char* store;
    KvDtype kv_dtype;
  };
  const std::string file = "file:" + dir.file("kv"), f16 = "file:" + dir.file("kv16"), i8 = "file:" + dir.file("kv8");
  const Case cases[] = {{ring_encoder_options(24, 32, 4, 2, true, 2, 40, 2.0f, true), nullptr, KvDtype::kF32},
                        {ring_encoder_options(24, 32, 4, 2, false, 1, 0, 0.0f, true), nullptr, KvDtype::kF32},
                        {ring_encoder_options(24, 32, 4, 2, false, 2, 30), file.c_str(), KvDtype::kF32},
                        // f16 and int8 KV: decoded into the ring's scratch, in memory and from a file.
                        {ring_encoder_options(24, 32, 4, 2, true, 2), nullptr, KvDtype::kF16},
                        {ring_encoder_options(24, 32, 4, 2, true, 2), nullptr, KvDtype::kInt8},
                        {ring_encoder_options(24, 32, 4, 2, true, 0, 40), f16.c_str(), KvDtype::kF16},
                        {ring_encoder_options(24, 32, 4, 2, true), i8.c_str(), KvDtype::kInt8}};
  const std::size_t T = 400;
  const std::vector<float> x = synthetic_input(T, 24, 3);
  int n = 0;
  for (const Case& c : cases) {
    const TestModel m = make_model(dir, "v" + std::to_string(n++), c.options, 2);
    SessionOptions o;
    o.chunk = 32;
    o.workers = 2;
    o.max_context = T;
    o.kv_store = c.store;
    o.kv_dtype = c.kv_dtype;
    std::unique_ptr<Session> s;
    ASSERT_TRUE(Session::create(*m.model, o, &s).ok());
    std::vector<float> all(T * 32);
    g_calls = 0;
    g_counting = true;
    bool ok = true;
    if (c.options.causal) {
      for (std::size_t done = 0, piece = 1; done < T && ok; done += piece, piece = piece * 5 % 97 + 1) {
        const std::size_t k = std::min(piece, T - done);
        ok = s->append(x.data() + done * 24, k, 24, all.data()).ok();
      }
    } else {
      ok = s->append_deferred(x.data(), 150, 24).ok() && s->append(x.data() + 150 * 24, 50, 24, all.data()).ok() &&
           s->append(x.data() + 200 * 24, 200, 24).ok();
    }
    s->reset();
    g_counting = false;
    EXPECT_TRUE(ok) << n;
    EXPECT_EQ(g_calls.load(), 0) << "heap calls in case " << n;
  }
}

}  // namespace
}  // namespace ringrt::test
