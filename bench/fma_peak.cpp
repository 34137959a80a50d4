#include "fma_peak.hpp"

#include <thread>
#include <vector>

#include "cpu_features.hpp"
#include "timing.hpp"

namespace bench {

namespace {

volatile float g_sink = 0;

using Chains = double (*)(long, float*);

Chains pick(const char** isa) {
  const ringrt::CpuFeatures& cpu = ringrt::cpu_features();
  (void)cpu;
#if defined(__x86_64__)
  if (cpu.avx512) return *isa = "avx512", fma_chains_avx512;
  if (cpu.avx2_fma) return *isa = "avx2", fma_chains_avx2;
  return *isa = "sse2", fma_chains_simd128;
#elif defined(__arm__)
  if (!cpu.neon) return *isa = "none (no NEON)", nullptr;  // the 128-bit file is built for NEON
  return *isa = "neon", fma_chains_simd128;
#elif defined(__aarch64__)
  return *isa = "neon", fma_chains_simd128;
#else
  return *isa = "simd128", fma_chains_simd128;
#endif
}

}  // namespace

const char* fma_isa() {
  const char* isa = "";
  pick(&isa);
  return isa;
}

double measure_fma_gflops(int threads, double seconds, int repeat) {
  const char* isa = "";
  const Chains chains = pick(&isa);
  if (!chains) return 0;
  // Calibrate the iterations to about `seconds` on one thread.
  float out = 0;
  long iterations = 1 << 16;
  for (;;) {
    const double t0 = now_seconds();
    chains(iterations, &out);
    const double t = now_seconds() - t0;
    if (t > seconds / 4 || iterations > (1L << 40)) {
      iterations = static_cast<long>(static_cast<double>(iterations) * seconds / (t > 0 ? t : 1e-9)) + 1;
      break;
    }
    iterations *= 4;
  }
  double best = 0;
  for (int r = 0; r < repeat; ++r) {
    std::vector<float> outs(static_cast<std::size_t>(threads) * 16, 0.0f);
    std::vector<double> flops(static_cast<std::size_t>(threads), 0.0);
    const double t0 = now_seconds();
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&, t] { flops[t] = chains(iterations, &outs[static_cast<std::size_t>(t) * 16]); });
    }
    for (std::thread& th : pool) th.join();
    const double sec = now_seconds() - t0;
    double total = 0;
    for (int t = 0; t < threads; ++t) total += flops[t], g_sink = outs[static_cast<std::size_t>(t) * 16];
    if (total / sec * 1e-9 > best) best = total / sec * 1e-9;
  }
  return best;
}

}  // namespace bench
