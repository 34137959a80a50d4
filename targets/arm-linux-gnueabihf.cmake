# Cross-compiles ringrt for 32-bit ARM Linux with hard-float (Debian armhf: ARMv7-A + VFPv3-D16):
#   cmake -S . -B build-armhf -DCMAKE_TOOLCHAIN_FILE=targets/arm-linux-gnueabihf.cmake
# Needs crossbuild-essential-armhf and qemu-user-static (for ctest); the target's
# libraries are set up by targets/cross-test.sh armhf. See targets/README.md.
set(RINGRT_CROSS_TRIPLE arm-linux-gnueabihf)
set(RINGRT_CROSS_PROCESSOR arm)
set(RINGRT_CROSS_DEBARCH armhf)
set(RINGRT_CROSS_QEMU qemu-arm)
include(${CMAKE_CURRENT_LIST_DIR}/cross-common.cmake)
