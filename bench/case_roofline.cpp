// Case 1, roofline: XNNPACK f32 fully-connected GEMMs at the shapes the ring runs for
// one head and one KV chunk: QK^T = [256 x 64] · [64 x 256] (K chunk as weights) and
// PV = [256 x 256] · [256 x 64] (V chunk as transposed weights), with the ring's row
// strides. Best of N batches; 2 threads split each GEMM through a pthreadpool.
// Case 1c: the fused attention kernel alone at the same shape (256 query rows in
// blocks of 32 against one 256-key chunk of one head), 1 thread: what the kernel
// reaches before the ring's barriers and masks.
#include <algorithm>
#include <cmath>
#include <pthreadpool.h>
#include <vector>
#include <xnnpack.h>

#include "attention_block.hpp"
#include "cases.hpp"
#include "fma_peak.hpp"
#include "child_process.hpp"
#include "report.hpp"
#include "timing.hpp"
#include "xnn_allocator.hpp"

namespace bench {

namespace {

constexpr std::size_t M = kChunk, Kd = kHeadDim, N = kChunk;
constexpr double kGemmFlops = 2.0 * M * Kd * N;  // both shapes

std::vector<float> buffer(std::size_t floats, float value) {
  return std::vector<float>(floats + XNN_EXTRA_BYTES / sizeof(float), value);
}

// Best seconds per run of `op` over `batches` batches of `iterations` runs.
double best_seconds(xnn_operator_t op, pthreadpool_t pool, int batches, int iterations) {
  double best = 1e30;
  xnn_run_operator(op, pool);  // warm up
  for (int b = 0; b < batches; ++b) {
    const double t0 = now_seconds();
    for (int i = 0; i < iterations; ++i) xnn_run_operator(op, pool);
    const double t = (now_seconds() - t0) / iterations;
    if (t < best) best = t;
  }
  return best;
}

void roofline_child(ChildReport& r, int threads, int batches, int iterations) {
  const ringrt::Status init = ringrt::ensure_xnnpack_initialized();
  if (!init.ok()) return r.fail("%s", init.message());
  pthreadpool_t pool = threads > 1 ? pthreadpool_create(threads) : nullptr;
  const std::size_t H3 = 3 * kHidden;
  std::vector<float> q = buffer(M * H3, 0.01f), k = buffer(N * Kd, 0.02f), s = buffer(M * N, 0.0f),
                     v = buffer(N * Kd, 0.03f), o = buffer(M * Kd, 0.0f);
  xnn_operator_t qk = nullptr, pv = nullptr;
  // Exactly the ring's operators: K op reads Q rows of the qkv buffer (stride 3H).
  if (xnn_create_fully_connected_nc_f32(Kd, N, H3, N, k.data(), nullptr, -INFINITY, INFINITY, 0, &qk) !=
          xnn_status_success ||
      xnn_create_fully_connected_nc_f32(N, Kd, N, Kd, v.data(), nullptr, -INFINITY, INFINITY,
                                        XNN_FLAG_TRANSPOSE_WEIGHTS, &pv) != xnn_status_success ||
      xnn_setup_fully_connected_nc_f32(qk, M, q.data(), s.data(), pool) != xnn_status_success ||
      xnn_setup_fully_connected_nc_f32(pv, M, s.data(), o.data(), pool) != xnn_status_success) {
    return r.fail("XNNPACK fully-connected setup failed");
  }
  const double t_qk = best_seconds(qk, pool, batches, iterations);
  const double t_pv = best_seconds(pv, pool, batches, iterations);
  r.values[0] = kGemmFlops / t_qk * 1e-9;
  r.values[1] = kGemmFlops / t_pv * 1e-9;
  r.values[2] = 2 * kGemmFlops / (t_qk + t_pv) * 1e-9;
  r.values[3] = t_qk + t_pv;
  xnn_delete_operator(qk);
  xnn_delete_operator(pv);
  if (pool) pthreadpool_destroy(pool);
}

// values[0]: GFLOP/s of the block kernel, unmasked; values[1]: with the causal
// diagonal's mask (row r sees keys [0, r + 1) of the chunk, half the pairs, counted
// as computed).
void kernel_child(ChildReport& r, int batches, int iterations) {
  constexpr std::size_t B = ringrt::kAttentionBlockRows, blocks = M / B;
  std::vector<float> qt(blocks * Kd * B, 0.01f), k(N * Kd, 0.02f), vt(Kd * N, 0.03f), ot(blocks * Kd * B, 0.0f);
  std::vector<float> row_max(M, -INFINITY), row_sum(M, 0.0f);
  std::vector<float> scratch(ringrt::attention_block_scratch_floats(N, Kd));
  std::vector<uint32_t> lo(M, 0), hi(M);
  for (std::size_t i = 0; i < M; ++i) hi[i] = static_cast<uint32_t>(i + 1);
  ringrt::AttentionBlock ab{};
  ab.keys = N;
  ab.dim = Kd;
  ab.rows = B;
  ab.k = k.data();
  ab.k_stride = Kd;
  ab.vt = vt.data();
  ab.vt_stride = N;
  ab.exp_scale = 0.125f;
  ab.scratch = scratch.data();
  for (int masked = 0; masked < 2; ++masked) {
    auto run = [&] {
      for (std::size_t b = 0; b < blocks; ++b) {
        ab.qt = qt.data() + b * Kd * B;
        ab.ot = ot.data() + b * Kd * B;
        ab.row_max = row_max.data() + b * B;
        ab.row_sum = row_sum.data() + b * B;
        ab.lo = masked ? lo.data() + b * B : nullptr;
        ab.hi = masked ? hi.data() + b * B : nullptr;
        ringrt::attend_block(ab);
      }
    };
    run();
    double best = 1e30;
    for (int b = 0; b < batches; ++b) {
      const double t0 = now_seconds();
      for (int i = 0; i < iterations; ++i) run();
      best = std::min(best, (now_seconds() - t0) / iterations);
    }
    // Masked: each block computes keys up to its last row's, [0, (b + 1) B).
    double flops = 2 * kGemmFlops;
    if (masked) {
      flops = 0;
      for (std::size_t b = 0; b < blocks; ++b) flops += 4.0 * B * (b + 1) * B * Kd;
    }
    r.values[masked] = flops / best * 1e-9;
  }
}

}  // namespace

const RooflineResult* measure_roofline(Context& ctx, int threads) {
  if (auto* hit = Results::find(ctx.results.roofline, threads)) return hit;
  const Sizes& s = ctx.opt.sizes;
  const int batches = s.roofline_batches * ctx.opt.repeat, iterations = s.roofline_iterations;
  ChildReport r = run_in_child([&](ChildReport& rep) { roofline_child(rep, threads, batches, iterations); });
  if (!r.ok()) {
    ctx.fail(fmt("roofline %d thread(s)", threads), r.message);
    return nullptr;
  }
  ctx.results.roofline[threads] = RooflineResult{r.values[0], r.values[1], r.values[2], r.peak_rss};
  return &ctx.results.roofline[threads];
}

const double* measure_fma_peak(Context& ctx, int threads) {
  if (auto* hit = Results::find(ctx.results.fma_peak, threads)) return *hit > 0 ? hit : nullptr;
  const double seconds = ctx.opt.smoke ? 0.02 : 0.25;
  const int repeat = 3 * ctx.opt.repeat;
  ChildReport r = run_in_child([&](ChildReport& rep) { rep.values[0] = measure_fma_gflops(threads, seconds, repeat); });
  if (!r.ok()) {
    ctx.fail(fmt("FMA peak %d thread(s)", threads), r.message);
    return nullptr;
  }
  ctx.results.fma_peak[threads] = r.values[0];
  return r.values[0] > 0 ? &ctx.results.fma_peak[threads] : nullptr;
}

std::string fraction_of_peak(Context& ctx, double gflops, int threads) {
  const double* peak = measure_fma_peak(ctx, threads);
  return peak ? fmt("%.0f%%", 100.0 * gflops / *peak) : "-";
}

void case_roofline(Context& ctx) {
  {
    Table p(std::string("case 1a: FMA peak - independent multiply-add chains on ") + fma_isa() + " vectors",
            {"threads", "GFLOP/s", "per thread"});
    for (int threads : {1, 2}) {
      const double* g = measure_fma_peak(ctx, threads);
      if (!g) {
        p.add({std::to_string(threads), "not measured"});
        continue;
      }
      p.add({std::to_string(threads), fixed(*g, 1), fixed(*g / threads, 1)});
    }
    p.note("the machine's own limit: every GFLOP/s figure below is also given as a fraction of it.");
    p.print();
  }
  Table t("case 1b: roofline - XNNPACK f32 GEMM at the attention block shapes (best of " +
              std::to_string(ctx.opt.sizes.roofline_batches * ctx.opt.repeat) + " x " +
              std::to_string(ctx.opt.sizes.roofline_iterations) + ")",
          {"threads", "QK^T 256x64.64x256 GFLOP/s", "PV 256x256.256x64 GFLOP/s", "block GFLOP/s",
           "of FMA peak", "block tokens/s", "peak RSS MiB"});
  for (int threads : {1, 2}) {
    const RooflineResult* r = measure_roofline(ctx, threads);
    if (!r) {
      t.add({std::to_string(threads), "failed"});
      continue;
    }
    // One block = 256 query rows against one 256-key chunk of one head (QK^T then PV).
    const double block_seconds = 2 * kGemmFlops / (r->block_gflops * 1e9);
    t.add({std::to_string(threads), fixed(r->qk_gflops, 1), fixed(r->pv_gflops, 1), fixed(r->block_gflops, 1),
           fraction_of_peak(ctx, r->block_gflops, threads), fmt("%.3g", M / block_seconds), mib(r->rss)});
  }
  t.note("block = QK^T then PV for 256 query rows and one 256-key chunk of one head;");
  t.note("\"block GFLOP/s\" is the roofline the attention core is compared with (same thread count).");
  t.print();

  const int batches = ctx.opt.sizes.roofline_batches * ctx.opt.repeat, iterations = ctx.opt.sizes.roofline_iterations;
  ChildReport k = run_in_child([&](ChildReport& rep) { kernel_child(rep, batches, iterations); });
  Table kt(std::string("case 1c: the fused attention kernel alone (\"") + ringrt::attention_kernel().name +
               "\"), the same block, 1 thread",
           {"chunk", "GFLOP/s", "of FMA peak", "vs XNNPACK block"});
  if (!k.ok()) {
    ctx.fail("attention kernel alone", k.message);
  } else {
    const RooflineResult* x = measure_roofline(ctx, 1);
    for (int masked = 0; masked < 2; ++masked) {
      kt.add({masked ? "causal diagonal (masked)" : "every key visible", fixed(k.values[masked], 1),
              fraction_of_peak(ctx, k.values[masked], 1), x ? fmt("%.2fx", k.values[masked] / x->block_gflops) : "-"});
    }
  }
  kt.note("256 query rows in 8 blocks of 32 against one 256-key chunk, D = 64, scores + softmax + P.V;");
  kt.note("masked: row r sees keys [0, r + 1); a block computes the keys up to its last row's, and");
  kt.note("those (row, key) pairs are the flops counted (the masked half of each diagonal tile included).");
  kt.print();
}

}  // namespace bench
