// Case 7, causal load balance: the attention core of case 2 (WorkerRing over a
// one-layer memory KV store, 4 heads x 64, chunk 256, causal) on 2 workers, the same
// rounds with the query rows assigned in contiguous blocks and striped (row r to
// worker r mod 2), in the same child, alternately. Per assignment: the wall time,
// each worker's busy time (inside attend() and prepare_share(), measured by the
// scheduler), the imbalance (max - min) / max, and the per-worker counts of visible
// (row, key) pairs and computed scores, which are deterministic.
#include <algorithm>

#include "cases.hpp"
#include "child_process.hpp"
#include "report.hpp"
#include "ring_rig.hpp"
#include "timing.hpp"

namespace bench {

namespace {

constexpr int kWorkers = 2;
constexpr std::size_t kRunValues = 7;  // seconds, busy[2], visible[2], computed[2]

void balance_child(ChildReport& r, uint64_t tokens, int repeat) {
  RingRig rig;
  ringrt::Status s = rig.init(kWorkers, kChunk, kHeads, kHeadDim, tokens);
  if (s.ok()) s = rig.fill(tokens, 7);
  if (!s.ok()) return r.fail("%s", s.message());
  const ringrt::RowAssignment order[2] = {ringrt::RowAssignment::kContiguous, ringrt::RowAssignment::kStriped};
  // One untimed run (first touches of the operators' pools), then alternate.
  rig.ring().set_row_assignment(order[0]);
  s = rig.run(tokens);
  if (!s.ok()) return r.fail("%s", s.message());
  double best[2] = {1e30, 1e30};
  for (int i = 0; i < repeat; ++i) {
    for (int a = 0; a < 2; ++a) {
      rig.ring().set_row_assignment(order[a]);
      rig.ring().clear_worker_stats();
      const double t0 = now_seconds();
      s = rig.run(tokens);
      const double t = now_seconds() - t0;
      if (!s.ok()) return r.fail("%s", s.message());
      if (t >= best[a]) continue;
      best[a] = t;
      double* v = r.values + a * kRunValues;
      const ringrt::RingWorkerStats* st = rig.ring().worker_stats();
      v[0] = t;
      for (int w = 0; w < kWorkers; ++w) {
        v[1 + w] = st[w].busy_seconds;
        v[3 + w] = static_cast<double>(st[w].visible_pairs);
        v[5 + w] = static_cast<double>(st[w].computed_scores);
      }
    }
  }
}

BalanceRun unpack(const double* v) {
  return BalanceRun{v[0], {v[1], v[2]}, {v[3], v[4]}, {v[5], v[6]}};
}

double imbalance(const double x[2]) {
  const double hi = std::max(x[0], x[1]), lo = std::min(x[0], x[1]);
  return hi > 0 ? (hi - lo) / hi : 0;
}

}  // namespace

void case_balance(Context& ctx) {
  Table t("case 7: causal load balance - attention core (case 2 setup), 2 workers, contiguous vs striped rows",
          {"T", "rows", "seconds", "busy w0 s", "busy w1 s", "busy imbalance", "idle w0 / w1", "pairs imbalance",
           "scores w0 / w1", "speedup"});
  const int repeat = ctx.opt.repeat;
  for (uint64_t T : ctx.opt.sizes.balance) {
    ChildReport r = run_in_child([&](ChildReport& rep) { balance_child(rep, T, repeat); });
    if (!r.ok()) {
      ctx.fail(fmt("balance T=%s", size_label(T).c_str()), r.message);
      t.add({size_label(T), "-", "failed"});
      continue;
    }
    BalanceResult b{unpack(r.values), unpack(r.values + kRunValues), r.peak_rss};
    ctx.results.balance[T] = b;
    for (const BalanceRun* run : {&b.contiguous, &b.striped}) {
      const bool striped = run == &b.striped;
      t.add({size_label(T), striped ? "striped" : "contiguous", fixed(run->seconds, 3), fixed(run->busy[0], 3),
             fixed(run->busy[1], 3), fmt("%.1f%%", 100 * imbalance(run->busy)),
             fmt("%.0f%% / %.0f%%", 100 * (1 - run->busy[0] / run->seconds), 100 * (1 - run->busy[1] / run->seconds)),
             fmt("%.1f%%", 100 * imbalance(run->visible)),
             fmt("%.3g / %.3g", run->computed[0], run->computed[1]),
             striped ? fmt("%.3fx", b.contiguous.seconds / b.striped.seconds) : "1"});
    }
  }
  t.note("busy = seconds inside attend() + prepare_share() (the scheduler's per-worker clock); idle = 1 - busy /");
  t.note("wall (barriers, rows with nothing to do this step). imbalance = (max - min) / max over the 2 workers.");
  t.note("pairs = visible (query row, key) pairs; scores = score entries computed (rows above a chunk's diagonal");
  t.note("are skipped). speedup = contiguous seconds / striped seconds, same child, runs alternated, best of --repeat.");
  t.print();
}

}  // namespace bench
