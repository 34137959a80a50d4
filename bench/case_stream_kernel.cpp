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
#include "kv_codec.hpp"
#include "report.hpp"
#include "timing.hpp"

namespace bench {

namespace {

constexpr std::size_t kKeys = 256, kDim = 64, kHeadsRun = 16, kChunkElems = kKeys * kDim;

// values[0]: bytes read per second (best of `batches`); values[1]: the bytes.
void stream_kernel_child(ChildReport& r, ringrt::KvDtype dtype, std::size_t chunks, int batches) {
  // Per head: `chunks` key chunks ([kKeys][kDim]), then `chunks` Vᵀ chunks
  // ([kDim][kKeys]), encoded as a store encodes them (KvCodec): a key row or a Vᵀ
  // column per position, each with its own int8 scale (scale p: position p % kKeys
  // of chunk p / kKeys, counting every head's key and value chunks in order).
  const std::size_t per_head = 2 * chunks * kChunkElems, total = kHeadsRun * per_head, positions = total / kDim;
  const ringrt::KvCodec codec{dtype};
  const std::size_t elem = codec.element_bytes();
  std::vector<uint8_t> data(total * elem);
  std::vector<float> scales(positions), piece(kDim);
  for (std::size_t p = 0; p < positions; ++p) {
    for (std::size_t e = 0; e < kDim; ++e) {
      piece[e] = static_cast<float>(((p * kDim + e) * 2654435761u) % 1000) / 500.0f - 1.0f;
    }
    const std::size_t chunk = p / kKeys, pos = p % kKeys;
    const bool value = chunk % (2 * chunks) >= chunks;
    const std::size_t offset = chunk * kChunkElems + (value ? pos : pos * kDim);
    codec.encode(piece.data(), kDim, data.data() + offset * elem, value ? kKeys : 1, &scales[p]);
  }
  // Chunk c's view: its elements and, for int8, its kKeys scales.
  const auto view = [&](std::size_t c, std::size_t stride) {
    return ringrt::KvChunkView{dtype, data.data() + c * kChunkElems * elem, stride,
                               codec.scaled() ? scales.data() + c * kKeys : nullptr};
  };
  std::vector<float> q(kDim, 0.05f), o(kDim), scratch(ringrt::attention_row_scratch_floats(kKeys));
  double best = 1e30, sink = 0;
  for (int b = 0; b <= batches; ++b) {  // batch 0 is a warm-up
    const double t0 = now_seconds();
    for (std::size_t h = 0; h < kHeadsRun; ++h) {
      float m = -INFINITY, s = 0;
      for (float& x : o) x = 0;
      for (std::size_t c = 0; c < chunks; ++c) {
        ringrt::AttentionRow row{};
        row.keys = kKeys;
        row.dim = kDim;
        row.q = q.data();
        row.k = view(h * 2 * chunks + c, kDim);
        row.vt = view(h * 2 * chunks + chunks + c, kKeys);
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
  const double bytes = static_cast<double>(positions) * codec.piece_bytes(kDim);
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
