// Case 8, KV dtypes: the machine's read bandwidth (1 and 2 threads, a buffer far
// larger than the caches), then one session per KV dtype (Edifice defaults, 2
// workers, memory store) grown to the history length, and the median time of one
// 1-token and one 64-token append there. The floor of an append is the bytes it
// must read (every KV byte of the history and the weights) at the 2-thread read
// bandwidth; "x floor" says how far the append is from it.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <unistd.h>
#include <memory>
#include <thread>
#include <vector>

#include "cases.hpp"
#include "child_process.hpp"
#include "grown_session.hpp"
#include "input_stream.hpp"
#include "report.hpp"
#include "ringrt/ringrt.hpp"
#include "timing.hpp"

namespace bench {

namespace {

constexpr uint32_t kWorkers = kGrowWorkers;

volatile uint64_t g_sink = 0;

// Bytes per second reading `words` 64-bit words with `threads` threads (best of 5).
double read_bandwidth(const uint64_t* data, std::size_t words, unsigned threads) {
  double best = 0;
  for (int rep = 0; rep < 5; ++rep) {
    std::vector<uint64_t> sums(threads * 8, 0);
    const double t0 = now_seconds();
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t) {
      pool.emplace_back([&, t] {
        const std::size_t lo = words / threads * t, hi = t + 1 == threads ? words : words / threads * (t + 1);
        uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (std::size_t i = lo; i + 4 <= hi; i += 4) s0 += data[i], s1 += data[i + 1], s2 += data[i + 2], s3 += data[i + 3];
        sums[t * 8] = s0 + s1 + s2 + s3;  // a cache line apart
      });
    }
    for (std::thread& th : pool) th.join();
    const double sec = now_seconds() - t0;
    uint64_t total = 0;
    for (uint64_t s : sums) total += s;
    g_sink = total;  // the sums are used: the reads cannot be optimised away
    best = std::max(best, static_cast<double>(words) * 8 / sec);
  }
  return best;
}

void bandwidth_child(ChildReport& r, uint64_t mib) {
  const std::size_t words = static_cast<std::size_t>(mib << 20) / 8;  // 512 MiB: far beyond any cache
  std::vector<uint64_t> data(words);
  for (std::size_t i = 0; i < words; ++i) data[i] = i * 2654435761u;
  r.values[0] = read_bandwidth(data.data(), words, 1);
  r.values[1] = read_bandwidth(data.data(), words, 2);
}

// values: [0] 1-token median s, [1] 64-token median s, [2] KV bytes at the history, [3] length.
void append_child(ChildReport& r, const std::string& model_path, uint64_t history, ringrt::KvDtype dtype,
                  int appends) {
  ringrt::SessionOptions o;
  o.kv_dtype = dtype;
  o.max_context = history + static_cast<uint64_t>(appends) * 65 + kChunk;
  GrownSession g;
  const ringrt::Status s = grow_session(model_path, o, history, &g);
  if (!s.ok()) return r.fail("%s", s.message());
  ringrt::Session* session = g.session.get();
  InputStream& input = g.input;
  r.values[2] = static_cast<double>(session->kv_bytes_stored());
  r.values[3] = static_cast<double>(session->length());
  for (int k = 0; k < 2; ++k) {
    const FeedResult timed = median_append(*session, input, k == 0 ? 1 : 64, appends);
    if (!timed.status.ok()) return r.fail("%s", timed.status.message());
    r.values[k] = timed.append_seconds;
  }
}

// values: [0] 1-token median s, store pages cached; [1] the same with every page dropped
// before each append; [2] the store's bytes on disk.
void file_child(ChildReport& r, const std::string& model_path, const std::string& store, uint64_t history,
                ringrt::KvDtype dtype, int appends, const char* readahead) {
  setenv("RINGRT_KV_READAHEAD", readahead, 1);
  const std::string spec = "file:" + store;
  ringrt::SessionOptions o;
  o.kv_dtype = dtype;
  o.kv_store = spec.c_str();
  o.max_context = history + 2 * static_cast<uint64_t>(appends) + kChunk;
  GrownSession g;
  const ringrt::Status s = grow_session(model_path, o, history, &g);
  if (!s.ok()) return r.fail("%s", s.message());
  std::unique_ptr<ringrt::Session>& session = g.session;
  InputStream& input = g.input;
  const FeedResult warm = median_append(*session, input, 1, appends);
  if (!warm.status.ok()) return r.fail("%s", warm.status.message());
  const FeedResult cold = median_dropped_append(g, store, appends);
  if (!cold.status.ok()) return r.fail("%s", cold.status.message());
  r.values[0] = warm.append_seconds;
  r.values[1] = cold.append_seconds;
  r.values[2] = static_cast<double>(session->kv_bytes_stored());
  session.reset();
  ::unlink(store.c_str());
}

void file_store_cold(Context& ctx, const std::string& model, uint64_t T, int appends) {
  Table t(fmt("case 8c: file store - 1-token append at history %s (median of %d), store pages cached vs dropped "
              "before each append, %u workers", size_label(T).c_str(), appends, kWorkers),
          {"kv dtype", "readahead", "store MiB", "cached ms", "dropped ms", "dropped / cached", "MB/s from disk"});
  for (ringrt::KvDtype dtype : {ringrt::KvDtype::kF32, ringrt::KvDtype::kF16}) {
    for (const char* readahead : {"4", "0"}) {
      const std::string store = ctx.temp() + "/kv8c";
      ChildReport r =
          run_in_child([&](ChildReport& rep) { file_child(rep, model, store, T, dtype, appends, readahead); });
      ::unlink(store.c_str());
      if (!r.ok()) {
        ctx.fail(std::string("kvdtype file store ") + ringrt::kv_dtype_name(dtype), r.message);
        t.add({ringrt::kv_dtype_name(dtype), readahead, "failed"});
        continue;
      }
      t.add({ringrt::kv_dtype_name(dtype), std::string(readahead) + " chunks", mib(r.values[2]),
             fixed(r.values[0] * 1e3, 2), fixed(r.values[1] * 1e3, 2), fmt("%.2fx", r.values[1] / r.values[0]),
             fmt("%.0f", r.values[2] / r.values[1] * 1e-6)});
    }
  }
  t.note("dropped: fdatasync + posix_fadvise(DONTNEED) on the store before each timed append, so the append");
  t.note("reads every KV byte of the history from the disk; readahead = RINGRT_KV_READAHEAD (4: the default).");
  t.print();
}

}  // namespace

void case_kvdtype(Context& ctx) {
  const int appends = 15 * ctx.opt.repeat;
  const uint64_t T = ctx.opt.sizes.kv_dtype_history;
  const uint64_t mib_read = ctx.opt.sizes.bandwidth_mib;
  ChildReport bw = run_in_child([&](ChildReport& rep) { bandwidth_child(rep, mib_read); });
  Table b(fmt("case 8a: read bandwidth - %llu MiB of 64-bit words summed, best of 5",
              static_cast<unsigned long long>(mib_read)),
          {"threads", "GB/s"});
  if (!bw.ok()) {
    ctx.fail("kvdtype bandwidth", bw.message);
    b.add({"-", "failed"});
  } else {
    b.add({"1", fixed(bw.values[0] * 1e-9, 1)});
    b.add({"2", fixed(bw.values[1] * 1e-9, 1)});
  }
  b.print();
  stream_kernel_table(ctx, bw.ok() ? bw.values[0] : 0);
  Table t(fmt("case 8b: KV dtypes - appends at history %s (median of %d), %u workers, memory store",
              size_label(T).c_str(), appends, kWorkers),
          {"kv dtype", "KV MiB", "1-token ms", "x floor", "vs f32", "floor vs f32", "at 256 ms", "64-token ms",
           "vs f32"});
  const std::string& model = ctx.model();
  if (model.empty() || T == 0) {
    t.add({"-", "no model or no history length"});
    t.print();
    return;
  }
  double f32_one = 0, f32_block = 0, f32_floor = 0;
  for (ringrt::KvDtype dtype : {ringrt::KvDtype::kF32, ringrt::KvDtype::kF16, ringrt::KvDtype::kInt8}) {
    ChildReport r = run_in_child([&](ChildReport& rep) { append_child(rep, model, T, dtype, appends); });
    // The same appends at a history of one chunk: what an append costs besides the KV read.
    ChildReport s = run_in_child([&](ChildReport& rep) { append_child(rep, model, kChunk, dtype, appends); });
    if (!r.ok()) {
      ctx.fail(std::string("kvdtype ") + ringrt::kv_dtype_name(dtype), r.message);
      t.add({ringrt::kv_dtype_name(dtype), "failed"});
      continue;
    }
    const double floor = bw.ok() ? (r.values[2] + static_cast<double>(ctx.model_bytes)) / bw.values[1] : 0;
    if (dtype == ringrt::KvDtype::kF32) f32_one = r.values[0], f32_block = r.values[1], f32_floor = floor;
    ctx.results.kv_dtype_append[static_cast<int>(dtype)] = {r.values[0], floor};
    t.add({ringrt::kv_dtype_name(dtype), mib(r.values[2]), fixed(r.values[0] * 1e3, 2),
           floor > 0 ? fmt("%.2fx", r.values[0] / floor) : "-", fmt("%.2fx", f32_one / r.values[0]),
           floor > 0 ? fmt("%.2fx", f32_floor / floor) : "-", s.ok() ? fixed(s.values[0] * 1e3, 2) : "-",
           fixed(r.values[1] * 1e3, 2), fmt("%.2fx", f32_block / r.values[1])});
  }
  t.note("x floor = 1-token time / ((KV bytes + model file bytes) / 2-thread read bandwidth of 8a);");
  t.note("at 256 = the 1-token append at a history of one chunk (the cost that does not grow with it);");
  t.note("vs f32 = f32 time / this time (higher is faster); floor vs f32 = f32 floor / this floor, the most");
  t.note("a read-bound append can gain: the weights are read whatever the KV dtype, so it is below 2x and 4x.");
  t.note("A 1-token append runs the streaming kernel on the chunks as stored (f16/int8 widened as loaded);");
  t.note("a 64-token one widens each chunk to float32 once and runs the block kernel (kernel " +
         std::string(ringrt::attention_kernel_name()) + ").");
  t.print();
  file_store_cold(ctx, model, T, std::max(5, appends / 3));
}

}  // namespace bench
