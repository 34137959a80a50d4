// Case 4, end to end: the Edifice default model (embed 288, hidden 256, 4 heads,
// 4 layers, synthetic f32 weights) through Session::append, memory KV store,
// chunk 256, input generated on the fly and appended 2048 tokens at a time.
#include <cmath>
#include <memory>

#include "cases.hpp"
#include "child_process.hpp"
#include "input_stream.hpp"
#include "report.hpp"
#include "ringrt/ringrt.hpp"

namespace bench {

namespace {

constexpr uint32_t kEmbed = 288, kLayers = 4;
constexpr std::size_t kAppendBlock = 2048;

void e2e_child(ChildReport& r, const std::string& model_path, uint64_t tokens, int workers, int repeat) {
  std::unique_ptr<ringrt::Model> model;
  ringrt::Status s = ringrt::Model::load(model_path.c_str(), &model);
  if (!s.ok()) return r.fail("%s", s.message());
  ringrt::SessionOptions o;
  o.workers = static_cast<uint32_t>(workers);
  o.chunk = kChunk;
  o.max_context = tokens;
  std::unique_ptr<ringrt::Session> session;
  s = ringrt::Session::create(*model, o, &session);
  if (!s.ok()) return r.fail("%s", s.message());
  InputStream input(kEmbed, kAppendBlock, 3);
  double best = 1e30;
  for (int i = 0; i < repeat; ++i) {
    session->reset();
    const FeedResult f = feed(*session, input, tokens, kAppendBlock);
    if (!f.status.ok()) return r.fail("%s", f.status.message());
    if (f.append_seconds < best) best = f.append_seconds;
  }
  r.values[0] = best;
  r.values[1] = static_cast<double>(session->plan().arena_bytes);
}

}  // namespace

double e2e_flops(uint64_t T) {
  const double t = static_cast<double>(T), H = kHidden;
  return kLayers * causal_attention_flops(T, kHidden) + 2 * t * (kEmbed * H + 12.0 * kLayers * H * H);
}

void case_e2e(Context& ctx) {
  Table t("case 4: end to end - Edifice defaults (E 288, H 256, 4 heads, 4 layers), memory store, chunk 256",
          {"T", "workers", "seconds", "GFLOP/s", "tokens/s", "of FMA peak", "arena MiB", "peak RSS MiB"});
  const std::string& model = ctx.model();
  if (model.empty()) {
    t.add({"-", "-", "model could not be made"});
    t.print();
    return;
  }
  const int repeat = ctx.opt.repeat;
  const auto& sizes = ctx.opt.sizes.e2e;
  for (uint64_t T : sizes) {
    for (int P : {1, 2}) {
      ChildReport r = run_in_child([&](ChildReport& rep) { e2e_child(rep, model, T, P, repeat); });
      if (!r.ok()) {
        ctx.fail(fmt("e2e T=%s workers=%d", size_label(T).c_str(), P), r.message);
        t.add({size_label(T), std::to_string(P), "failed"});
        continue;
      }
      const E2eResult e{r.values[0], e2e_flops(T) / r.values[0] * 1e-9, r.peak_rss, r.values[1]};
      ctx.results.e2e[SizeWorkers{T, P}] = e;
      t.add({size_label(T), std::to_string(P), fixed(e.seconds, 3), fixed(e.gflops, 1),
             fmt("%.0f", static_cast<double>(T) / e.seconds), fraction_of_peak(ctx, e.gflops, P), mib(e.arena),
             mib(e.rss)});
    }
  }
  for (uint64_t T : sizes) {
    const E2eResult* one = Results::find(ctx.results.e2e, SizeWorkers{T, 1});
    const E2eResult* two = Results::find(ctx.results.e2e, SizeWorkers{T, 2});
    if (one && two) t.note(fmt("T=%s: 2 workers are %.2fx faster than 1", size_label(T).c_str(), one->seconds / two->seconds));
  }
  if (sizes.size() >= 2) {
    const uint64_t a = sizes[sizes.size() - 2], b = sizes.back();
    const double model_exp = std::log(e2e_flops(b) / e2e_flops(a)) / std::log(static_cast<double>(b) / a);
    for (int P : {1, 2}) {
      const E2eResult* ea = Results::find(ctx.results.e2e, SizeWorkers{a, P});
      const E2eResult* eb = Results::find(ctx.results.e2e, SizeWorkers{b, P});
      if (!ea || !eb) continue;
      const double exponent = std::log(eb->seconds / ea->seconds) / std::log(static_cast<double>(b) / a);
      t.note(fmt("time exponent %s -> %s, %d worker(s): %.2f   (flop model incl. the linear dense part: %.2f)",
                 size_label(a).c_str(), size_label(b).c_str(), P, exponent, model_exp));
    }
  }
  t.note("GFLOP/s counts causal attention (2 T^2 H per layer) plus the dense layers (2 T (E H + 12 L H^2)).");
  t.note("peak RSS includes the mapped model file (" + mib(static_cast<double>(ctx.model_bytes)) + " MiB).");
  t.print();
}

}  // namespace bench
