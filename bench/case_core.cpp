// Case 2, attention core: the ring scheduler alone over a one-layer memory KV store
// (4 heads x 64 = H 256, chunk 256), the whole sequence [0, T) in rounds of
// workers * chunk query rows, as the session runs one layer. Flops: 2 T^2 H (causal).
#include "attention_block.hpp"
#include "cases.hpp"
#include "child_process.hpp"
#include "report.hpp"
#include "ring_rig.hpp"
#include "timing.hpp"

namespace bench {

namespace {

void core_child(ChildReport& r, uint64_t tokens, int workers, int repeat) {
  RingRig rig;
  ringrt::Status s = rig.init(static_cast<uint32_t>(workers), kChunk, kHeads, kHeadDim, tokens);
  if (s.ok()) s = rig.fill(tokens, 7);
  if (!s.ok()) return r.fail("%s", s.message());
  double best = 1e30;
  for (int i = 0; i < repeat; ++i) {
    const double t0 = now_seconds();
    s = rig.run(tokens);
    const double t = now_seconds() - t0;
    if (!s.ok()) return r.fail("%s", s.message());
    if (t < best) best = t;
  }
  r.values[0] = best;
  r.values[1] = static_cast<double>(rig.arena_bytes());
}

}  // namespace

const CoreResult* measure_core(Context& ctx, uint64_t tokens, int workers) {
  const SizeWorkers key{tokens, workers};
  if (auto* hit = Results::find(ctx.results.core, key)) return hit;
  const int repeat = ctx.opt.repeat;
  ChildReport r = run_in_child([&](ChildReport& rep) { core_child(rep, tokens, workers, repeat); });
  if (!r.ok()) {
    ctx.fail(fmt("core T=%s workers=%d", size_label(tokens).c_str(), workers), r.message);
    return nullptr;
  }
  const double seconds = r.values[0];
  ctx.results.core[key] = CoreResult{seconds, causal_attention_flops(tokens, kHidden) / seconds * 1e-9, r.peak_rss};
  return &ctx.results.core[key];
}

void case_core(Context& ctx) {
  Table t("case 2: attention core - WorkerRing over a memory KV store, one layer, H=256 (4x64), chunk 256",
          {"T", "workers", "seconds", "GFLOP/s", "tokens/s", "% of roofline", "of FMA peak", "peak RSS MiB"});
  for (uint64_t T : ctx.opt.sizes.core) {
    for (int P : {1, 2}) {
      if (P == 1 && T > ctx.opt.sizes.core_one_worker_max) {
        t.add({size_label(T), "1", "skipped (run time)"});
        continue;
      }
      const CoreResult* c = measure_core(ctx, T, P);
      if (!c) {
        t.add({size_label(T), std::to_string(P), "failed"});
        continue;
      }
      const RooflineResult* roof = measure_roofline(ctx, P);
      t.add({size_label(T), std::to_string(P), fixed(c->seconds, 3), fixed(c->gflops, 1),
             fmt("%.0f", static_cast<double>(T) / c->seconds),
             roof ? fmt("%.0f%%", 100.0 * c->gflops / roof->block_gflops) : "-", fraction_of_peak(ctx, c->gflops, P),
             mib(c->rss)});
    }
  }
  for (uint64_t T : ctx.opt.sizes.core) {
    const CoreResult* one = Results::find(ctx.results.core, SizeWorkers{T, 1});
    const CoreResult* two = Results::find(ctx.results.core, SizeWorkers{T, 2});
    if (one && two) t.note(fmt("T=%s: 2 workers are %.2fx faster than 1", size_label(T).c_str(), one->seconds / two->seconds));
  }
  t.note("GFLOP/s counts causal attention, 2 T^2 H per layer; % of roofline: vs case 1b \"block\" rate, same threads;");
  t.note(fmt("of FMA peak: vs case 1a, same threads; attention kernel \"%s\" (RINGRT_ATTENTION_KERNEL picks another).",
             ringrt::attention_kernel().name));
  t.note("peak RSS includes the KV store, 2 T H floats (T=64K: 128 MiB).");
  t.print();
}

}  // namespace bench
