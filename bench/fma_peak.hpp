// The machine's FMA peak: independent multiply-add chains on the widest vectors the
// CPU runs (AVX-512, AVX2+FMA, the 128-bit baseline: SSE2 / NEON), enough chains to
// cover the FMA latency on every port, compiled per instruction set (fma_peak_*.cpp).
#pragma once

namespace bench {

// The vectors measured: "avx512", "avx2", "sse2", "neon", "simd128", or "none (...)"
// when this build cannot measure this CPU.
const char* fma_isa();

// GFLOP/s of all threads together: best of `repeat` runs of about `seconds` each on
// `threads` threads at once (0 when fma_isa() is "none").
double measure_fma_gflops(int threads, double seconds, int repeat);

// Per ISA: flops of `iterations` rounds of every chain; `out` keeps the result alive.
double fma_chains_avx512(long iterations, float* out);
double fma_chains_avx2(long iterations, float* out);
double fma_chains_simd128(long iterations, float* out);

}  // namespace bench
