// Which compiled variant of the fused attention kernel runs (attention_block.hpp).
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "attention_block.hpp"
#include "attention_block_variants.hpp"
#include "attention_row.hpp"
#include "cpu_features.hpp"

namespace ringrt {

namespace {

struct KernelTable {
  AttentionKernel kernels[4];
  std::size_t count = 0;
  std::size_t chosen = 0;
};

KernelTable build_table() {
  KernelTable t;
  const CpuFeatures& cpu = cpu_features();
  (void)cpu;  // unused where the table has one SIMD entry
#if defined(__x86_64__)
  if (cpu.avx512) t.kernels[t.count++] = {"avx512", attend_block_avx512, attend_row_avx512};
  if (cpu.avx2_fma) t.kernels[t.count++] = {"avx2", attend_block_avx2, attend_row_avx2};
  t.kernels[t.count++] = {"sse2", attend_block_simd128, attend_row_simd128};
#elif defined(__aarch64__)
  t.kernels[t.count++] = {"neon", attend_block_simd128, attend_row_simd128};
#elif defined(__arm__) && defined(RINGRT_ATTENTION_SIMD128_NEON)
  if (cpu.neon) t.kernels[t.count++] = {"neon", attend_block_simd128, attend_row_simd128};
#else
  t.kernels[t.count++] = {"simd128", attend_block_simd128, attend_row_simd128};
#endif
  t.kernels[t.count++] = {"reference", attend_block_reference, attend_row_reference};
  const char* want = std::getenv("RINGRT_ATTENTION_KERNEL");
  for (std::size_t i = 0; want && i < t.count; ++i) {
    if (std::strcmp(want, t.kernels[i].name) == 0) t.chosen = i;
  }
  return t;
}

const KernelTable& table() {
  static const KernelTable t = build_table();
  return t;
}

}  // namespace

std::size_t attention_kernel_count() { return table().count; }

const AttentionKernel& attention_kernel_at(std::size_t i) { return table().kernels[i]; }

const AttentionKernel& attention_kernel() { return table().kernels[table().chosen]; }

Status check_attention_kernel_request() {
  const char* want = std::getenv("RINGRT_ATTENTION_KERNEL");
  if (!want) return Status::Ok();
  const KernelTable& t = table();
  for (std::size_t i = 0; i < t.count; ++i) {
    if (std::strcmp(want, t.kernels[i].name) == 0) return Status::Ok();
  }
  char names[64] = "";
  std::size_t used = 0;
  for (std::size_t i = 0; i < t.count && used < sizeof names; ++i) {
    used += static_cast<std::size_t>(
        std::snprintf(names + used, sizeof names - used, "%s%s", i ? ", " : "", t.kernels[i].name));
  }
  return Status::Error(StatusCode::kInvalidArgument,
                       "RINGRT_ATTENTION_KERNEL=%.40s: not an attention kernel this CPU runs (it runs: %s)", want,
                       names);
}

void attend_block(const AttentionBlock& b) { attention_kernel().run(b); }

void attend_row(const AttentionRow& r) { attention_kernel().row(r); }

}  // namespace ringrt
