#include "cpu_features.hpp"

#if defined(__x86_64__)
#include <cpuid.h>
#elif defined(__arm__) && defined(__linux__)
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif

namespace ringrt {

namespace {

CpuFeatures detect() {
  CpuFeatures f;
#if defined(__x86_64__)
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
  const unsigned fma = 1u << 12, movbe = 1u << 22, osxsave = 1u << 27, avx = 1u << 28, f16c = 1u << 29;
  if ((c & (osxsave | avx)) != (osxsave | avx)) return f;
  unsigned lo = 0, hi = 0;
  __asm__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  const bool ymm = (lo & 0x6u) == 0x6u;         // SSE and AVX state
  const bool zmm = ymm && (lo & 0xE0u) == 0xE0u; // opmask, ZMM0-15 upper halves, ZMM16-31
  f.f16c = ymm && (c & f16c);
  const bool v3_leaf1 = (c & (fma | movbe | f16c)) == (fma | movbe | f16c);
  if (!ymm || !v3_leaf1 || !__get_cpuid_count(7, 0, &a, &b, &c, &d)) return f;
  const unsigned bmi1 = 1u << 3, avx2 = 1u << 5, bmi2 = 1u << 8;
  f.avx2_fma = (b & (bmi1 | avx2 | bmi2)) == (bmi1 | avx2 | bmi2);
  const unsigned avx512f = 1u << 16, avx512dq = 1u << 17, avx512cd = 1u << 28, avx512bw = 1u << 30,
                 avx512vl = 1u << 31;
  const unsigned v4 = avx512f | avx512dq | avx512cd | avx512bw | avx512vl;
  f.avx512 = f.avx2_fma && zmm && (b & v4) == v4;
#elif defined(__aarch64__)
  f.neon = true;
#elif defined(__arm__) && defined(__linux__) && defined(HWCAP_NEON)
  f.neon = (getauxval(AT_HWCAP) & HWCAP_NEON) != 0;
#endif
  return f;
}

}  // namespace

const CpuFeatures& cpu_features() {
  static const CpuFeatures features = detect();
  return features;
}

}  // namespace ringrt
