// The stack a session's worker threads need, measured. This binary interposes
// pthread_create so that every thread pthreadpool starts runs on a stack of its own
// (1 MiB, painted with a pattern); after sessions of every mode have run, the
// lowest overwritten byte of each stack gives its high-water mark. glibc keeps a
// thread's descriptor and TLS at the top of a caller-given stack, so an idle
// thread's mark is measured too and reported as the baseline.
#include <gtest/gtest.h>

#include <dlfcn.h>
#include <pthread.h>
#include <sys/mman.h>

#include <cstdio>
#include <cstring>

#include "runtime_fixture.hpp"

namespace {

constexpr std::size_t kStackBytes = 1 << 20;
constexpr unsigned char kPaint = 0xa5;
constexpr int kMaxStacks = 64;
bool g_painting = false;
unsigned char* g_stacks[kMaxStacks];
int g_count = 0;

using CreateFn = int (*)(pthread_t*, const pthread_attr_t*, void* (*)(void*), void*);

// Bytes of `stack` written, counted from its top (the stack grows down).
std::size_t used_bytes(const unsigned char* stack) {
  std::size_t low = 0;
  while (low < kStackBytes && stack[low] == kPaint) ++low;
  return kStackBytes - low;
}

void* idle(void*) { return nullptr; }

}  // namespace

extern "C" int pthread_create(pthread_t* thread, const pthread_attr_t* attr, void* (*fn)(void*), void* arg) {
  static const CreateFn real = reinterpret_cast<CreateFn>(dlsym(RTLD_NEXT, "pthread_create"));
  if (!g_painting || g_count == kMaxStacks) return real(thread, attr, fn, arg);
  void* mem = mmap(nullptr, kStackBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (mem == MAP_FAILED) return real(thread, attr, fn, arg);
  std::memset(mem, kPaint, kStackBytes);
  g_stacks[g_count++] = static_cast<unsigned char*>(mem);  // never unmapped: read after the thread ends
  pthread_attr_t painted;
  pthread_attr_init(&painted);
  pthread_attr_setstack(&painted, mem, kStackBytes);
  const int rc = real(thread, &painted, fn, arg);
  pthread_attr_destroy(&painted);
  return rc;
}

namespace ringrt::test {
namespace {

TEST(WorkerStack, EveryModeNeedsLittleStackOnItsWorkers) {
  TempDir dir;
  // Baseline: an idle thread (glibc's descriptor and TLS at the stack's top).
  g_painting = true;
  pthread_t t;
  ASSERT_EQ(pthread_create(&t, nullptr, idle, nullptr), 0);
  pthread_join(t, nullptr);
  const std::size_t baseline = used_bytes(g_stacks[0]);
  const int first_worker = g_count;

  struct Case {
    const char* name;
    ModelOptions options;
    bool file;
  };
  const Case cases[] = {
      {"causal", small_options(48, 64, 4, 2), false},
      {"causal, file store", small_options(48, 64, 4, 2), true},
      {"sliding window, GQA, softcap, sinks", ring_encoder_options(48, 64, 4, 2, true, 2, 40, 2.0f, true), false},
      {"bidirectional", ring_encoder_options(48, 64, 4, 2, false, 1, 0, 0.0f, false), true},
  };
  const std::size_t T = small_scale() ? 160 : 600, long_round = T - 100;
  const std::vector<float> x = synthetic_input(T, 48, 9);
  int n = 0;
  for (const Case& c : cases) {
    const TestModel m = make_model(dir, "m" + std::to_string(n++), c.options, 4);
    SessionOptions o = session_options(64, 3, T);
    const std::string store = "file:" + dir.file("kv" + std::to_string(n));
    if (c.file) o.kv_store = store.c_str();
    std::unique_ptr<Session> s;
    ASSERT_TRUE(Session::create(*m.model, o, &s).ok()) << c.name;
    // Long rounds (the query ring) and short ones (the key split).
    ASSERT_TRUE(s->append(x.data(), long_round, 48).ok()) << c.name;
    for (std::size_t i = long_round; i < T; i += 7) ASSERT_TRUE(s->append(x.data() + i * 48, 1, 48).ok()) << c.name;
  }
  g_painting = false;
  ASSERT_GT(g_count, first_worker) << "no worker thread was started through pthread_create";
  std::size_t worst = 0;
  for (int i = first_worker; i < g_count; ++i) worst = std::max(worst, used_bytes(g_stacks[i]));
  std::printf("worker stack high-water mark: %zu bytes over %d worker threads (an idle thread: %zu bytes of "
              "descriptor and TLS)\n", worst, g_count - first_worker, baseline);
  // The ring's per-round state lives in the session, not on the workers' stacks.
  EXPECT_LT(worst, 64u * 1024) << "a worker thread needs more stack than docs/architecture.md states";
  EXPECT_GT(worst, baseline) << "the workers' stacks were never used: the measurement is broken";
}

}  // namespace
}  // namespace ringrt::test
