// Case 3, naive baseline: per head, materialise the full T x T score matrix with an
// XNNPACK fully-connected operator (K_j as the weights), a row softmax with the
// causal mask, then PV with XNNPACK (V_j as transposed weights). The softmax uses
// the runtime's vectorised max/exp so that the comparison with the ring is about
// the structure (one T x T matrix vs. blocks), not about expf. Executed flops are
// those of the full matrix products: 4 T^2 H.
#include <cmath>
#include <cstring>
#include <pthreadpool.h>
#include <vector>
#include <xnnpack.h>

#include "cases.hpp"
#include "child_process.hpp"
#include "report.hpp"
#include "timing.hpp"
#include "vector_math.hpp"
#include "xnn_allocator.hpp"

namespace bench {

namespace {

struct SoftmaxJob {
  float* scores;
  std::size_t T;
  float scale;
};

void softmax_row(void* ctx, std::size_t t) {
  const SoftmaxJob& j = *static_cast<SoftmaxJob*>(ctx);
  float* row = j.scores + t * j.T;
  const std::size_t n = t + 1;  // causal: keys 0..t
  const float m = ringrt::max_of(row, n);
  const float inv = 1.0f / ringrt::exp_shifted_sum(row, n, m, j.scale);
  for (std::size_t i = 0; i < n; ++i) row[i] *= inv;
  std::memset(row + n, 0, (j.T - n) * sizeof(float));
}

const char* run_naive(std::size_t T, pthreadpool_t pool, const float* qkv, float* k, float* v, float* scores,
                      float* out) {
  const std::size_t D = kHeadDim, H = kHidden;
  for (std::size_t head = 0; head < kHeads; ++head) {
    for (std::size_t t = 0; t < T; ++t) {
      std::memcpy(k + t * D, qkv + t * 3 * H + H + head * D, D * sizeof(float));
      std::memcpy(v + t * D, qkv + t * 3 * H + 2 * H + head * D, D * sizeof(float));
    }
    xnn_operator_t qk = nullptr, pv = nullptr;
    if (xnn_create_fully_connected_nc_f32(D, T, 3 * H, T, k, nullptr, -INFINITY, INFINITY, 0, &qk) !=
            xnn_status_success ||
        xnn_setup_fully_connected_nc_f32(qk, T, qkv + head * D, scores, pool) != xnn_status_success ||
        xnn_run_operator(qk, pool) != xnn_status_success) {
      return "XNNPACK QK^T failed";
    }
    xnn_delete_operator(qk);
    SoftmaxJob job{scores, T, 1.0f / std::sqrt(static_cast<float>(D))};
    if (pool) {
      pthreadpool_parallelize_1d(pool, softmax_row, &job, T, 0);
    } else {
      for (std::size_t t = 0; t < T; ++t) softmax_row(&job, t);
    }
    if (xnn_create_fully_connected_nc_f32(T, D, T, H, v, nullptr, -INFINITY, INFINITY, XNN_FLAG_TRANSPOSE_WEIGHTS,
                                          &pv) != xnn_status_success ||
        xnn_setup_fully_connected_nc_f32(pv, T, scores, out + head * D, pool) != xnn_status_success ||
        xnn_run_operator(pv, pool) != xnn_status_success) {
      return "XNNPACK PV failed";
    }
    xnn_delete_operator(pv);
  }
  return nullptr;
}

void naive_child(ChildReport& r, uint64_t tokens, int threads, int repeat) {
  const ringrt::Status init = ringrt::ensure_xnnpack_initialized();
  if (!init.ok()) return r.fail("%s", init.message());
  pthreadpool_t pool = threads > 1 ? pthreadpool_create(threads) : nullptr;
  const std::size_t T = tokens, H = kHidden, pad = XNN_EXTRA_BYTES / sizeof(float);
  std::vector<float> qkv(T * 3 * H + pad), k(T * kHeadDim + pad), v(T * kHeadDim + pad), out(T * H + pad);
  std::vector<float> scores(T * T + pad);  // the T x T matrix: 1 GiB at T = 16K
  uint64_t state = 11;
  for (float& x : qkv) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    x = static_cast<float>(static_cast<double>(state >> 40) * (2.0 / 16777216.0) - 1.0);
  }
  double best = 1e30;
  for (int i = 0; i < repeat; ++i) {
    const double t0 = now_seconds();
    if (const char* err = run_naive(T, pool, qkv.data(), k.data(), v.data(), scores.data(), out.data())) {
      return r.fail("%s", err);
    }
    const double t = now_seconds() - t0;
    if (t < best) best = t;
  }
  r.values[0] = best;
  if (pool) pthreadpool_destroy(pool);
}

}  // namespace

void case_naive(Context& ctx) {
  Table t("case 3: naive baseline - full T x T scores per head (XNNPACK), causal row softmax, PV (XNNPACK)",
          {"T", "threads", "seconds", "GFLOP/s exec", "tokens/s", "peak RSS MiB", "ring s", "ring speedup",
           "memory ratio"});
  const int repeat = ctx.opt.repeat;
  for (uint64_t T : ctx.opt.sizes.naive) {
    for (int P : {1, 2}) {
      ChildReport r = run_in_child([&](ChildReport& rep) { naive_child(rep, T, P, repeat); });
      if (!r.ok()) {
        ctx.fail(fmt("naive T=%s threads=%d", size_label(T).c_str(), P), r.message);
        t.add({size_label(T), std::to_string(P), "failed"});
        continue;
      }
      const double seconds = r.values[0];
      NaiveResult n{seconds, 2 * causal_attention_flops(T, kHidden) / seconds * 1e-9, r.peak_rss};
      ctx.results.naive[SizeWorkers{T, P}] = n;
      const CoreResult* ring = measure_core(ctx, T, P);
      t.add({size_label(T), std::to_string(P), fixed(seconds, 3), fixed(n.gflops, 1),
             fmt("%.0f", static_cast<double>(T) / seconds), mib(n.rss), ring ? fixed(ring->seconds, 3) : "-",
             ring ? fmt("%.2fx", seconds / ring->seconds) : "-", ring ? fmt("%.1fx", n.rss / ring->rss) : "-"});
    }
  }
  t.note("ring speedup = naive seconds / ring seconds (case 2, same T and thread count);");
  t.note("memory ratio = naive peak RSS / ring peak RSS. GFLOP/s exec counts the full products, 4 T^2 H.");
  t.print();
}

}  // namespace bench
