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

}  // namespace
}  // namespace ringrt::test
