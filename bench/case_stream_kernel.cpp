// Case 8d, the streaming kernel alone: one thread runs attend_row (the kernel a
// 1-token append runs per row, head and chunk) over 16 heads x 64 chunks of 256 keys
// (D = 64) held in memory as a store keeps them, f32, f16 and int8 (with a scale per
// position), and reports the rate it reads them at against the 1-thread read
// bandwidth of 8a. Nothing else of an append (the dense layers, the merge, the
// thread pool) is in it: what is left between this rate and the bandwidth is the
// kernel's own (its loads' order, the widening, the exp).
#include <cmath>
#include <cstdint>
#include <vector>

#include "attention_block.hpp"
#include "attention_row.hpp"
#include "cases.hpp"
#include "child_process.hpp"
#include "fp16.hpp"
#include "report.hpp"
#include "timing.hpp"

namespace bench {

namespace {

constexpr std::size_t kKeys = 256, kDim = 64, kHeadsRun = 16;

struct ChunkData {
  std::vector<float> f32;
  std::vector<uint16_t> f16;
  std::vector<int8_t> i8;
  std::vector<float> scales;
};

// values[0]: bytes read per second (best of `batches`); values[1]: the bytes.
void stream_kernel_child(ChildReport& r, ringrt::KvDtype dtype, std::size_t chunks, int batches) {
  const std::size_t per_head = 2 * chunks * kKeys * kDim, total = kHeadsRun * per_head;
  ChunkData d;
  std::size_t elem = 4;
  if (dtype == ringrt::KvDtype::kF16) d.f16.reserve(total);
  else if (dtype == ringrt::KvDtype::kInt8) d.i8.reserve(total);
  else d.f32.reserve(total);
  for (std::size_t i = 0; i < total; ++i) {
    const float x = static_cast<float>((i * 2654435761u) % 1000) / 500.0f - 1.0f;
    if (dtype == ringrt::KvDtype::kF16) d.f16.push_back(ringrt::f32_to_f16(x));
    else if (dtype == ringrt::KvDtype::kInt8) d.i8.push_back(static_cast<int8_t>(x * 127));
    else d.f32.push_back(x);
  }
  if (dtype == ringrt::KvDtype::kF16) elem = 2;
  if (dtype == ringrt::KvDtype::kInt8) elem = 1, d.scales.assign(total / kDim, 1.0f / 127);
  const auto base = [&](std::size_t offset) -> const void* {
    if (dtype == ringrt::KvDtype::kF16) return d.f16.data() + offset;
    if (dtype == ringrt::KvDtype::kInt8) return d.i8.data() + offset;
    return d.f32.data() + offset;
  };
  const float* scales = d.scales.empty() ? nullptr : d.scales.data();
  std::vector<float> q(kDim, 0.05f), o(kDim), scratch(ringrt::attention_row_scratch_floats(kKeys));
  double best = 1e30, sink = 0;
  for (int b = 0; b <= batches; ++b) {  // batch 0 is a warm-up
    const double t0 = now_seconds();
    for (std::size_t h = 0; h < kHeadsRun; ++h) {
      float m = -INFINITY, s = 0;
      for (float& x : o) x = 0;
      const std::size_t k0 = h * per_head, v0 = k0 + chunks * kKeys * kDim;
      for (std::size_t c = 0; c < chunks; ++c) {
        ringrt::AttentionRow row{};
        row.keys = kKeys;
        row.dim = kDim;
        row.q = q.data();
        row.k = {dtype, base(k0 + c * kKeys * kDim), kDim, scales ? scales + (k0 + c * kKeys * kDim) / kDim : nullptr};
        row.vt = {dtype, base(v0 + c * kKeys * kDim), kKeys, scales ? scales + (v0 + c * kKeys * kDim) / kDim : nullptr};
        row.lo = 0;
        row.hi = kKeys;
        row.o = o.data();
        row.row_max = &m;
        row.row_sum = &s;
        row.exp_scale = 0.125f;
        row.scratch = scratch.data();
        ringrt::attend_row(row);
      }
      sink += o[0] / s;
    }
    if (b > 0) best = std::min(best, now_seconds() - t0);
  }
  const double bytes = static_cast<double>(total) * elem + (scales ? total / kDim * 4.0 : 0);
  r.values[0] = bytes / best;
  r.values[1] = bytes;
  r.values[2] = sink;  // used: the kernel's work cannot be optimised away
}

}  // namespace

void stream_kernel_table(Context& ctx, double bandwidth_1thread) {
  const std::size_t chunks = ctx.opt.smoke ? 4 : 64;
  const int batches = 5 * ctx.opt.repeat;
  Table t(fmt("case 8d: the streaming kernel alone (\"%s\"), 1 thread, %zu heads x %zu chunks of %zu keys, D = %zu, "
              "best of %d",
              ringrt::attention_kernel().name, kHeadsRun, chunks, kKeys, kDim, batches),
          {"kv dtype", "MiB read", "GB/s", "of 1-thread read bandwidth"});
  for (ringrt::KvDtype dtype : {ringrt::KvDtype::kF32, ringrt::KvDtype::kF16, ringrt::KvDtype::kInt8}) {
    ChildReport r = run_in_child([&](ChildReport& rep) { stream_kernel_child(rep, dtype, chunks, batches); });
    if (!r.ok()) {
      ctx.fail(std::string("streaming kernel ") + ringrt::kv_dtype_name(dtype), r.message);
      t.add({ringrt::kv_dtype_name(dtype), "failed"});
      continue;
    }
    t.add({ringrt::kv_dtype_name(dtype), mib(r.values[1]), fixed(r.values[0] * 1e-9, 1),
           bandwidth_1thread > 0 ? fmt("%.0f%%", 100.0 * r.values[0] / bandwidth_1thread) : "-"});
  }
  t.note("the bytes as stored (int8: with its float scales); one query row per head, every key visible.");
  t.print();
}

}  // namespace bench
