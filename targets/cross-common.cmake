# Shared body of the cross toolchain files in this folder (included by them after
# they set RINGRT_CROSS_TRIPLE, RINGRT_CROSS_PROCESSOR, RINGRT_CROSS_DEBARCH and
# RINGRT_CROSS_QEMU). Uses Debian's cross compilers (crossbuild-essential-<arch>)
# and runs target programs, and so ctest, under QEMU user-mode emulation.
#
# Where the target's libraries come from:
#   - the sysroot folder: XNNPACK, pthreadpool and cpuinfo, whose Debian packages
#     cannot be installed for two architectures at once, unpacked there from the
#     target's .debs by targets/cross-test.sh. Defaults to
#     <source>/build-sysroot-<debarch>; override with -DRINGRT_SYSROOT=... or the
#     environment variable RINGRT_SYSROOT.
#   - /usr/<triple>: the cross compiler's libc and libstdc++.
#   - / (multiarch, /usr/lib/<triple>): packages that co-install for a foreign
#     architecture, e.g. libgtest-dev:arm64 and libflatbuffers-dev:arm64.
# Programs (flatc) always come from the build machine.

set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR ${RINGRT_CROSS_PROCESSOR})
set(CMAKE_C_COMPILER ${RINGRT_CROSS_TRIPLE}-gcc)
set(CMAKE_CXX_COMPILER ${RINGRT_CROSS_TRIPLE}-g++)
set(CMAKE_LIBRARY_ARCHITECTURE ${RINGRT_CROSS_TRIPLE})

if(NOT RINGRT_SYSROOT)
  if(DEFINED ENV{RINGRT_SYSROOT} AND NOT "$ENV{RINGRT_SYSROOT}" STREQUAL "")
    set(RINGRT_SYSROOT "$ENV{RINGRT_SYSROOT}")
  else()
    get_filename_component(RINGRT_SYSROOT "${CMAKE_CURRENT_LIST_DIR}/../build-sysroot-${RINGRT_CROSS_DEBARCH}" ABSOLUTE)
  endif()
endif()
set(RINGRT_SYSROOT "${RINGRT_SYSROOT}" CACHE PATH "Folder holding the target's unpacked XNNPACK/pthreadpool/cpuinfo .debs")
# try_compile() projects read this file again: hand them the same sysroot.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES RINGRT_SYSROOT)

set(CMAKE_FIND_ROOT_PATH "${RINGRT_SYSROOT}" "/usr/${RINGRT_CROSS_TRIPLE}" "/")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# The linker must find libXNNPACK.so's own dependencies (libcpuinfo.so.0,
# libpthreadpool.so.0) in the sysroot too.
set(_ringrt_sysroot_libdir "${RINGRT_SYSROOT}/usr/lib/${RINGRT_CROSS_TRIPLE}")
foreach(_kind EXE SHARED MODULE)
  set(CMAKE_${_kind}_LINKER_FLAGS_INIT "-Wl,-rpath-link,${_ringrt_sysroot_libdir}")
endforeach()

# Run target programs under QEMU. QEMU_LD_PREFIX makes the emulated dynamic loader
# use the cross libc in /usr/<triple> (not `qemu -L`, which mixes two libcs and
# hangs); LD_LIBRARY_PATH adds the sysroot's libraries. RINGRT_TEST_SCALE=small makes
# the runtime tests use small shapes: XNNPACK is ~500x slower under emulation.
find_program(RINGRT_QEMU NAMES ${RINGRT_CROSS_QEMU} ${RINGRT_CROSS_QEMU}-static NO_CMAKE_FIND_ROOT_PATH)
if(RINGRT_QEMU)
  set(CMAKE_CROSSCOMPILING_EMULATOR
    env
    "QEMU_LD_PREFIX=/usr/${RINGRT_CROSS_TRIPLE}"
    "LD_LIBRARY_PATH=/usr/${RINGRT_CROSS_TRIPLE}/lib:${_ringrt_sysroot_libdir}:/usr/lib/${RINGRT_CROSS_TRIPLE}"
    "RINGRT_TEST_SCALE=small"
    "${RINGRT_QEMU}")
endif()
