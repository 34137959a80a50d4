#include "options.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "option_scanner.hpp"
#include "ringrt/ringrt.hpp"

namespace bench {

namespace {

constexpr const char* kCaseNames[] = {"roofline", "core", "naive", "e2e", "stream", "memory", "balance", "kvdtype", "pagecache"};

constexpr const char* kUsage =
    "Usage: ringrt-bench [--case NAME[,NAME...]] [--smoke] [--repeat N]\n"
    "\n"
    "Cases (default: all, in this order):\n"
    "  roofline  XNNPACK f32 GEMM at the attention block shapes, 1 and 2 threads\n"
    "  core      ring scheduler alone over a memory KV store, T = 4K, 16K, 64K (64K: 2 workers only)\n"
    "  naive     full T x T score matrix per head (XNNPACK), T = 4K, 16K\n"
    "  e2e       Edifice default model end to end, T = 4K, 16K, 64K\n"
    "  stream    latency of one 64-token append at history 4K, 16K, 64K\n"
    "  memory    plan honesty (memory store), flat RSS and throughput of the file store\n"
    "  balance   causal load balance of the attention core, 2 workers, contiguous vs striped\n"
    "            query rows, T = 4K, 16K: each worker's busy time, the imbalance, the speedup\n"
    "  kvdtype   read bandwidth, the streaming kernel alone against it, then 1- and 64-token\n"
    "            appends at history 16K with f32, f16 and int8 KV: each against the bandwidth\n"
    "            floor and against f32\n"
    "  pagecache 1-token appends over a file store at history 32K, its pages dropped before each:\n"
    "            run inside a memory limit (bench/page-cache-limit.sh) for a store beyond the page cache\n"
    "\n"
    "  --smoke     tiny sequence lengths, a few seconds in total (CI)\n"
    "  --repeat N  best of N timed runs per measurement (median of 7N appends for stream)\n"
    "  --max-tokens N  skip every sequence length above N (quick runs on slow boards)\n"
    "  --version   print the version and exit\n"
    "\n"
    "Every measurement runs in a forked child that reports its peak RSS (VmHWM).\n"
    "Targets are printed with PASS/MISS, never asserted: the exit status is 0 unless a\n"
    "measurement fails to run.\n";

constexpr uint64_t K = 1024;

Sizes full_sizes() {
  Sizes s;
  s.core = {4 * K, 16 * K, 64 * K};
  s.core_one_worker_max = 16 * K;  // 64K with 1 worker adds ~1.5 min and feeds no target
  s.naive = {4 * K, 16 * K};
  s.e2e = {4 * K, 16 * K, 64 * K};
  s.stream = {4 * K, 16 * K, 64 * K};
  s.honest = {8 * K, 32 * K};
  s.flat = {8 * K, 32 * K, 128 * K};
  s.file_vs_memory = 16 * K;
  s.balance = {4 * K, 16 * K};
  s.kv_dtype_history = 16 * K;
  s.bandwidth_mib = 512;
  s.page_cache_history = 32 * K;
  s.ref = 16 * K;
  s.roofline_batches = 15;
  s.roofline_iterations = 200;
  return s;
}

Sizes smoke_sizes() {
  Sizes s;
  s.core = {512, 1024};
  s.core_one_worker_max = 1024;
  s.naive = {512, 1024};
  s.e2e = {512, 1024, 2048};
  s.stream = {512, 1024, 2048};
  s.honest = {512, 1024};
  s.flat = {512, 1024, 2048};
  s.file_vs_memory = 1024;
  s.balance = {1024};
  s.kv_dtype_history = 1024;
  s.bandwidth_mib = 16;
  s.page_cache_history = 1024;
  s.ref = 1024;
  s.roofline_batches = 3;
  s.roofline_iterations = 20;
  return s;
}

bool known_case(const std::string& name) {
  for (const char* c : kCaseNames) {
    if (name == c) return true;
  }
  return false;
}

}  // namespace

bool parse_options(int argc, char** argv, Options* out, int* exit_code) {
  Options o;
  static const char* const kOptions[] = {"--smoke", "--case", "--repeat", "--max-tokens"};
  ringrt::cli::OptionScanner args(argc, argv, kOptions, 4);
  auto usage_error = [&](const std::string& message) {
    *exit_code = ringrt::cli::OptionScanner::usage_error("ringrt-bench", message);
    return false;
  };
  for (ringrt::cli::OptionScanner::Item item; (item = args.next()) != ringrt::cli::OptionScanner::Item::kEnd;) {
    const std::string& name = args.name();
    uint64_t n = 0;
    bool ok = item == ringrt::cli::OptionScanner::Item::kOption;
    if (item == ringrt::cli::OptionScanner::Item::kPositional) return usage_error("unexpected argument '" + name + "'");
    if (!ok) {
    } else if (name == "--help") {
      std::fputs(kUsage, stdout);
      *exit_code = 0;
      return false;
    } else if (name == "--version") {
      std::printf("ringrt-bench (ringrt) %s\n", ringrt::version());
      *exit_code = 0;
      return false;
    } else if (name == "--smoke") {
      ok = args.no_value();
      o.smoke = true;
    } else if (name == "--case") {
      std::string list;
      ok = args.value(&list);
      for (std::size_t begin = 0; ok && begin <= list.size();) {
        std::size_t end = list.find(',', begin);
        if (end == std::string::npos) end = list.size();
        const std::string c = list.substr(begin, end - begin);
        if (!known_case(c)) {
          return usage_error("unknown case '" + c + "' (roofline, core, naive, e2e, stream, memory, balance)");
        }
        o.cases.insert(c);
        begin = end + 1;
      }
    } else if (name == "--repeat") {
      ok = args.number(1, 100, &n);
      o.repeat = static_cast<int>(n);
    } else {  // --max-tokens
      ok = args.number(1, UINT64_MAX, &n);
      o.max_tokens = n;
    }
    if (!ok) return usage_error(args.error());
  }
  o.sizes = o.smoke ? smoke_sizes() : full_sizes();
  if (o.max_tokens) {
    for (std::vector<uint64_t>* v : {&o.sizes.core, &o.sizes.naive, &o.sizes.e2e, &o.sizes.stream, &o.sizes.honest,
                                     &o.sizes.flat, &o.sizes.balance}) {
      v->erase(std::remove_if(v->begin(), v->end(), [&](uint64_t t) { return t > o.max_tokens; }), v->end());
    }
    if (o.sizes.kv_dtype_history > o.max_tokens) o.sizes.kv_dtype_history = 0;
    if (o.sizes.page_cache_history > o.max_tokens) o.sizes.page_cache_history = 0;
  }
  *out = o;
  return true;
}

std::string size_label(uint64_t tokens) {
  char buf[32];
  if (tokens >= 1024 && tokens % 1024 == 0) {
    std::snprintf(buf, sizeof buf, "%lluK", static_cast<unsigned long long>(tokens / 1024));
  } else {
    std::snprintf(buf, sizeof buf, "%llu", static_cast<unsigned long long>(tokens));
  }
  return buf;
}

}  // namespace bench
