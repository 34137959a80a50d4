# Cross-compiles ringrt for 64-bit ARM Linux (Raspberry Pi 4/5, other Cortex-A boards):
#   cmake -S . -B build-pi -DCMAKE_TOOLCHAIN_FILE=targets/aarch64-linux-gnu.cmake
# Needs crossbuild-essential-arm64 and qemu-user-static (for ctest); the target's
# libraries are set up by targets/cross-test.sh aarch64. See targets/README.md.
set(RINGRT_CROSS_TRIPLE aarch64-linux-gnu)
set(RINGRT_CROSS_PROCESSOR aarch64)
set(RINGRT_CROSS_DEBARCH arm64)
set(RINGRT_CROSS_QEMU qemu-aarch64)
include(${CMAKE_CURRENT_LIST_DIR}/cross-common.cmake)
