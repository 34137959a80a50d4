// Case 6, memory: (a) the plan is honest: with the memory store, peak RSS grows by
// the planned arena; (b) the file store keeps RSS flat whatever T, within the
// arena + model file + 16 MiB; (c) the file store keeps >= 0.9 of the memory
// store's throughput. Input is generated on the fly and appended 512 tokens at a
// time. When Session::create refuses "file:PATH" (or ignores it: no file appears),
// (b) and (c) report the file store as not available.
#include <algorithm>
#include <memory>

#include "cases.hpp"
#include "child_process.hpp"
#include "input_stream.hpp"
#include "model_fixture.hpp"
#include "report.hpp"
#include "ringrt/ringrt.hpp"

namespace bench {

namespace {

constexpr uint32_t kEmbed = 288, kWorkers = 2;
constexpr std::size_t kAppendBlock = 512;

// values: [0] seconds in append, [1] arena bytes, [2] model file bytes, [3] RSS before Session::create.
void streamed_child(ChildReport& r, const std::string& model_path, uint64_t tokens, const std::string& file_store) {
  std::unique_ptr<ringrt::Model> model;
  ringrt::Status s = ringrt::Model::load(model_path.c_str(), &model);
  if (!s.ok()) return r.fail("%s", s.message());
  const double before = current_rss_bytes();
  const std::string spec = "file:" + file_store;
  ringrt::SessionOptions o;
  o.workers = kWorkers;
  o.chunk = kChunk;
  o.max_context = tokens;
  o.kv_store = file_store.empty() ? nullptr : spec.c_str();
  std::unique_ptr<ringrt::Session> session;
  s = ringrt::Session::create(*model, o, &session);
  if (!s.ok()) {
    if (!file_store.empty()) return r.unavailable("Session::create(kv_store=\"%s\"): %s", spec.c_str(), s.message());
    return r.fail("%s", s.message());
  }
  InputStream input(kEmbed, kAppendBlock, 9);
  double seconds = 0;
  for (uint64_t done = 0; done < tokens;) {
    const std::size_t n = static_cast<std::size_t>(std::min<uint64_t>(kAppendBlock, tokens - done));
    const FeedResult f = feed(*session, input, n, kAppendBlock);
    if (!f.status.ok()) return r.fail("%s", f.status.message());
    seconds += f.append_seconds;
    if (done == 0 && !file_store.empty() && !path_exists(file_store)) {
      return r.unavailable("the session ignored kv_store=\"%s\" (no file after the first append)", spec.c_str());
    }
    done += n;
  }
  r.values[0] = seconds;
  r.values[1] = static_cast<double>(session->plan().arena_bytes);
  r.values[2] = static_cast<double>(model->info().file_bytes);
  r.values[3] = before;
}

// Runs one streamed session; returns false (and records why) unless it succeeded.
bool streamed(Context& ctx, const std::string& what, uint64_t tokens, bool file, ChildReport* out) {
  const std::string path = file ? ctx.temp() + "/kv-" + std::to_string(tokens) + ".store" : std::string();
  const std::string& model = ctx.model();
  if (model.empty()) return false;
  *out = run_in_child([&](ChildReport& rep) { streamed_child(rep, model, tokens, path); });
  if (file) remove_tree(path);
  if (out->status == ChildStatus::kUnavailable) {
    ctx.results.file_store_unavailable = out->message;
    return false;
  }
  if (!out->ok()) {
    ctx.fail(what, out->message);
    return false;
  }
  return true;
}

void honest_plan(Context& ctx) {
  Table t("case 6a: honest plan - memory store, Edifice defaults, 2 workers, max_context = T",
          {"T", "arena MiB", "RSS before create MiB", "peak RSS MiB", "peak / arena", "(peak - before) / arena"});
  for (uint64_t T : ctx.opt.sizes.honest) {
    ChildReport r;
    if (!streamed(ctx, "memory 6a T=" + size_label(T), T, false, &r)) {
      t.add({size_label(T), "failed"});
      continue;
    }
    const HonestResult h{T, r.peak_rss, r.values[3], r.values[1]};
    ctx.results.honest.push_back(h);
    t.add({size_label(T), mib(h.arena), mib(h.rss_before), mib(h.peak_rss), fixed(h.peak_rss / h.arena, 3),
           fixed((h.peak_rss - h.rss_before) / h.arena, 3)});
  }
  t.note("RSS before create = the process after Model::load (binary, libraries, the checksummed model mapping).");
  t.print();
}

void flat_memory(Context& ctx) {
  Table t("case 6b: flat memory - file store, 2 workers, 512-token appends generated on the fly",
          {"T", "tokens/s", "arena MiB", "model MiB", "peak RSS MiB", "limit MiB", "within limit"});
  for (uint64_t T : ctx.opt.sizes.flat) {
    ChildReport r;
    if (!streamed(ctx, "memory 6b T=" + size_label(T), T, true, &r)) {
      if (!ctx.results.file_store_unavailable.empty()) break;
      t.add({size_label(T), "failed"});
      continue;
    }
    const FlatResult f{T, r.peak_rss, r.values[1], r.values[2], static_cast<double>(T) / r.values[0]};
    ctx.results.flat.push_back(f);
    const double limit = f.arena + f.model_bytes + 16.0 * 1024 * 1024;
    t.add({size_label(T), fmt("%.0f", f.tokens_per_s), mib(f.arena), mib(f.model_bytes), mib(f.peak_rss),
           mib(limit), f.peak_rss <= limit ? "yes" : "no"});
  }
  if (!ctx.results.file_store_unavailable.empty()) {
    t.note("file store not available: " + ctx.results.file_store_unavailable);
  } else if (ctx.results.flat.size() >= 2) {
    double lo = 1e300, hi = 0;
    for (const FlatResult& f : ctx.results.flat) lo = std::min(lo, f.peak_rss), hi = std::max(hi, f.peak_rss);
    t.note("max peak-RSS difference across T: " + mib(hi - lo) + " MiB (target < 2 MiB)");
  }
  t.note("limit = planned arena + model file bytes + 16 MiB.");
  t.print();
}

void file_vs_memory(Context& ctx) {
  const uint64_t T = ctx.opt.sizes.file_vs_memory;
  Table t("case 6c: file vs memory store throughput, T=" + size_label(T) + ", 2 workers",
          {"store", "seconds", "tokens/s", "peak RSS MiB"});
  if (!ctx.results.file_store_unavailable.empty()) {
    t.note("file store not available: " + ctx.results.file_store_unavailable);
    t.print();
    return;
  }
  ChildReport mem, file;
  if (!streamed(ctx, "memory 6c memory store", T, false, &mem)) {
    t.add({"memory", "failed"});
    t.print();
    return;
  }
  t.add({"memory", fixed(mem.values[0], 3), fmt("%.0f", T / mem.values[0]), mib(mem.peak_rss)});
  if (!streamed(ctx, "memory 6c file store", T, true, &file)) {
    t.add({"file", ctx.results.file_store_unavailable.empty() ? "failed" : "not available"});
    if (!ctx.results.file_store_unavailable.empty()) t.note("file store not available: " + ctx.results.file_store_unavailable);
    t.print();
    return;
  }
  t.add({"file", fixed(file.values[0], 3), fmt("%.0f", T / file.values[0]), mib(file.peak_rss)});
  ctx.results.memory_tokens_per_s = T / mem.values[0];
  ctx.results.file_tokens_per_s = T / file.values[0];
  t.note(fmt("file / memory throughput: %.3f (target >= 0.9)",
             ctx.results.file_tokens_per_s / ctx.results.memory_tokens_per_s));
  t.print();
}

}  // namespace

void case_memory(Context& ctx) {
  honest_plan(ctx);
  flat_memory(ctx);
  file_vs_memory(ctx);
}

}  // namespace bench
