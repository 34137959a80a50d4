// Case 9, a file store larger than the page cache: one session (Edifice defaults, 2
// workers, KV in a file) grown to a history, then 1-token appends, each after the
// store's pages are dropped, timed with the median and the rate the history comes
// off the disk. Run alone it is 8c's "dropped" at a longer history; run inside a
// memory limit smaller than a layer's share of the store (bench/page-cache-limit.sh
// sets up a cgroup), pages read ahead are evicted unless each is used soon after it
// is read: the MB/s column then shows whether the append still reads each KV byte
// from the disk once (near 8c's rate) or some of them again.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <unistd.h>

#include "cases.hpp"
#include "child_process.hpp"
#include "grown_session.hpp"
#include "report.hpp"
#include "ringrt/ringrt.hpp"

namespace bench {

namespace {

// This process's cgroup memory limit in bytes (v2 memory.max, v1
// memory.limit_in_bytes), or 0 when there is none or it cannot be read.
uint64_t cgroup_memory_limit() {
  std::ifstream groups("/proc/self/cgroup");
  std::string line;
  while (std::getline(groups, line)) {
    std::string file;
    if (line.rfind("0::", 0) == 0) {
      file = "/sys/fs/cgroup" + line.substr(3) + "/memory.max";
    } else {
      const std::size_t a = line.find(':'), b = line.find(':', a + 1);
      if (a == std::string::npos || b == std::string::npos) continue;
      const std::string controllers = line.substr(a + 1, b - a - 1);
      if (("," + controllers + ",").find(",memory,") == std::string::npos) continue;
      file = "/sys/fs/cgroup/memory" + line.substr(b + 1) + "/memory.limit_in_bytes";
    }
    std::ifstream in(file);
    unsigned long long limit = 0;
    if (in >> limit && limit < (1ull << 60)) return limit;  // "max" or a huge v1 value: no limit
  }
  return 0;
}

// values: [0] 1-token median s, every page of the store dropped before each append;
// [1] the store's bytes; [2] the session's arena bytes; [3] one layer's share of [1].
void page_cache_child(ChildReport& r, const std::string& model_path, const std::string& store, uint64_t history,
                      ringrt::KvDtype dtype, int appends) {
  const std::string spec = "file:" + store;
  ringrt::SessionOptions o;
  o.kv_dtype = dtype;
  o.kv_store = spec.c_str();
  o.max_context = history + static_cast<uint64_t>(appends) + kChunk;
  GrownSession g;
  const ringrt::Status s = grow_session(model_path, o, history, &g);
  if (!s.ok()) return r.fail("%s", s.message());
  const FeedResult cold = median_dropped_append(g, store, appends);
  if (!cold.status.ok()) return r.fail("%s", cold.status.message());
  r.values[0] = cold.append_seconds;
  r.values[1] = static_cast<double>(g.session->kv_bytes_stored());
  r.values[2] = static_cast<double>(g.session->plan().arena_bytes);
  r.values[3] = r.values[1] / g.model->info().num_layers;
}

}  // namespace

void case_page_cache(Context& ctx) {
  const uint64_t T = ctx.opt.sizes.page_cache_history;
  const int appends = 5 * ctx.opt.repeat;
  const uint64_t limit = cgroup_memory_limit();
  Table t(fmt("case 9: file store beyond the page cache - 1-token append at history %s (median of %d), store "
              "pages dropped before each append, %u workers, memory limit %s",
              size_label(T).c_str(), appends, kGrowWorkers,
              limit ? (mib(static_cast<double>(limit)) + " MiB (cgroup)").c_str() : "none"),
          {"kv dtype", "store MiB", "a layer's share MiB", "arena MiB", "dropped ms", "MB/s from disk"});
  const std::string& model = ctx.model();
  if (model.empty() || T == 0) {
    t.add({"-", "no model or no history length"});
    t.print();
    return;
  }
  for (ringrt::KvDtype dtype : {ringrt::KvDtype::kF32, ringrt::KvDtype::kF16}) {
    const std::string store = ctx.temp() + "/kv9";
    ChildReport r = run_in_child([&](ChildReport& rep) { page_cache_child(rep, model, store, T, dtype, appends); });
    ::unlink(store.c_str());
    if (!r.ok()) {
      ctx.fail(std::string("pagecache ") + ringrt::kv_dtype_name(dtype), r.message);
      t.add({ringrt::kv_dtype_name(dtype), "failed"});
      continue;
    }
    t.add({ringrt::kv_dtype_name(dtype), mib(r.values[1]), mib(r.values[3]), mib(r.values[2]),
           fixed(r.values[0] * 1e3, 1), fmt("%.0f", r.values[1] / r.values[0] * 1e-6)});
  }
  t.note("a layer's share: the history one layer's attention reads in an append (the store / its layers);");
  t.note("with a memory limit below it plus the arena and the model, readahead is evicted unless used soon:");
  t.note("compare MB/s with case 8c's dropped rate (the disk's, the whole store cached). Set a limit with");
  t.note("bench/page-cache-limit.sh (root; cgroup v1 or v2).");
  t.print();
}

}  // namespace bench
