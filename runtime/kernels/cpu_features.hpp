// What the CPU running this process can execute (x86-64: CPUID and the registers the
// OS saves, XGETBV; ARM: the kernel's hardware capabilities), asked once and cached.
// The kernels pick their compiled variant from these at run time.
#pragma once

namespace ringrt {

struct CpuFeatures {
  bool f16c = false;     // x86-64: half <-> float conversion (with AVX)
  bool avx2_fma = false; // x86-64-v3: AVX2, FMA, F16C, BMI2, the YMM state saved
  bool avx512 = false;   // x86-64-v4: AVX-512 F/CD/BW/DQ/VL, the ZMM state saved
  bool neon = false;     // ARM: Advanced SIMD (always on aarch64)
};

const CpuFeatures& cpu_features();

}  // namespace ringrt
