#include "plan_print.hpp"

namespace ringrt::cli {

namespace {
double mib(uint64_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024.0); }
}  // namespace

void print_plan(const MemoryPlan& plan, const ModelInfo& model, const char* kv_store, std::FILE* out) {
  std::fprintf(out, "memory plan: %u workers, chunk %u, max context %llu, KV store %s (%s), attention kernel %s",
               plan.workers, plan.chunk, static_cast<unsigned long long>(plan.max_context), kv_store,
               kv_dtype_name(plan.kv_dtype), attention_kernel_name());
  if (plan.ranks > 1) std::fprintf(out, ", rank %u of %u", plan.rank, plan.ranks);
  std::fprintf(out, "\n");
  std::fprintf(out, "  %-24s %16s %12s\n", "buffer", "bytes", "MiB");
  for (std::size_t i = 0; i < plan.count; ++i) {
    const PlanEntry& e = plan.entries[i];
    if (e.bytes == 0) continue;
    std::fprintf(out, "  %-24s %16llu %12.2f\n", e.name, static_cast<unsigned long long>(e.bytes), mib(e.bytes));
  }
  std::fprintf(out, "  %-24s %16llu %12.2f   (one allocation, touched at creation)\n", "arena total",
               static_cast<unsigned long long>(plan.arena_bytes), mib(plan.arena_bytes));
  if (plan.ranks > 1) {
    std::fprintf(out, "  %-24s %16llu %12.2f   (%s; rank %u of %u holds %llu of %llu positions)\n",
                 "KV share at max context", static_cast<unsigned long long>(plan.kv_bytes), mib(plan.kv_bytes),
                 plan.kv_in_arena ? "inside the arena" : "in the store file, not in RAM", plan.rank, plan.ranks,
                 static_cast<unsigned long long>(plan.kv_positions),
                 static_cast<unsigned long long>(plan.max_context));
  } else if (plan.kv_window_buffer) {
    std::fprintf(out, "  %-24s %16llu %12.2f   (%s; a ring of the last %llu positions: the sliding window, a chunk\n"
                 "  %-24s %16s %12s    and a round; the sequence length is not limited)\n",
                 "KV ring", static_cast<unsigned long long>(plan.kv_bytes), mib(plan.kv_bytes),
                 plan.kv_in_arena ? "inside the arena" : "in the store file, not in RAM",
                 static_cast<unsigned long long>(plan.kv_positions), "", "", "");
  } else {
    std::fprintf(out, "  %-24s %16llu %12.2f   (%s)\n", "KV at max context",
                 static_cast<unsigned long long>(plan.kv_bytes), mib(plan.kv_bytes),
                 plan.kv_in_arena ? "inside the arena" : "in the store file, not in RAM");
  }
  if (plan.layer_by_layer) {
    std::fprintf(out, "  %-24s %16llu %12.2f   (bidirectional: layer by layer; the embedded input and the residual\n"
                 "  %-24s %16s %12s    of every position between layers, %s; the KV store holds one layer)\n",
                 "residual stream", static_cast<unsigned long long>(plan.residual_bytes), mib(plan.residual_bytes), "",
                 "", "", plan.kv_in_arena ? "inside the arena" : "in KVPATH.residual, not in RAM");
  }
  std::fprintf(out, "  %-24s %16llu %12.2f   (mmap'ed; read once at session creation)\n", "model file",
               static_cast<unsigned long long>(model.file_bytes), mib(model.file_bytes));
  if (!plan.xnnpack_in_arena) {
    std::fprintf(out, "  warning: XNNPACK was initialised with another allocator before ringrt: its operators\n"
                      "  live on that allocator, outside the arena, and are not counted above\n");
  }
}

}  // namespace ringrt::cli
