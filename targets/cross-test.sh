#!/usr/bin/env bash
# Cross-builds ringrt for an ARM Linux target and runs the test suite under QEMU.
#
#   targets/cross-test.sh [aarch64|armhf] [extra ctest arguments...]
#
# On a fresh Debian 12 x86_64 machine it installs what it needs (root or sudo):
# the host build dependencies, Debian's cross compiler and qemu-user-static, the
# target's libgtest-dev and libflatbuffers-dev (they co-install as foreign-arch
# packages), and unpacks the target's XNNPACK, pthreadpool and cpuinfo .debs into a
# sysroot folder (those three cannot be installed for two architectures at once,
# so the host's copies are left alone). Then it configures with
# targets/<triple>.cmake, builds and runs ctest; the toolchain's emulator sets
# RINGRT_TEST_SCALE=small so the runtime tests use small shapes.
#
# Environment:
#   RINGRT_SYSROOT          sysroot folder (default: build-sysroot-<debarch> in the repo)
#   RINGRT_CROSS_BUILD_DIR  build folder  (default: build-<debarch> in the repo)
#   RINGRT_CROSS_JOBS       parallel build/test jobs (default: nproc)
# Idempotent: a second run installs and downloads nothing and rebuilds incrementally.
set -euo pipefail

target="${1:-aarch64}"
[ $# -gt 0 ] && shift
case "$target" in
  aarch64 | arm64) debarch=arm64 triple=aarch64-linux-gnu qemu=qemu-aarch64 ;;
  armhf | arm) debarch=armhf triple=arm-linux-gnueabihf qemu=qemu-arm ;;
  *)
    echo "usage: $0 [aarch64|armhf] [ctest args...]" >&2
    exit 2
    ;;
esac

root="$(cd "$(dirname "$0")/.." && pwd)"
export RINGRT_SYSROOT="${RINGRT_SYSROOT:-$root/build-sysroot-$debarch}"
build="${RINGRT_CROSS_BUILD_DIR:-$root/build-$debarch}"
jobs="${RINGRT_CROSS_JOBS:-$(nproc)}"
log() { echo "cross-test[$target]: $*"; }
t_start=$(date +%s)
elapsed() { echo "$(($(date +%s) - t_start))s"; }

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { log "need root (or sudo) to install packages" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

# apt-get update, retried: a foreign architecture's index can fail to download
# while a mirror is syncing ("File has unexpected size ... Mirror sync in progress?").
# If one index keeps failing (seen: bookworm-security's armhf list), go on with the
# lists that did download: apt-get install below fails clearly if a package is then
# missing.
apt_update() {
  local attempt
  for attempt in 1 2 3 4; do
    if $sudo apt-get update -q; then return 0; fi
    log "apt-get update failed (attempt $attempt), retrying in $((attempt * 10))s" >&2
    sleep $((attempt * 10))
  done
  log "apt-get update kept failing for some index; going on with the lists it has" >&2
}

# --- 1. Host: build dependencies, cross compiler, QEMU -------------------------
"$root/scripts/install-deps.sh"

host_pkgs=("crossbuild-essential-$debarch" qemu-user-static)
missing=()
for p in "${host_pkgs[@]}"; do installed "$p" || missing+=("$p"); done

# --- 2. Target packages that co-install (multiarch) ---------------------------
target_pkgs=("libgtest-dev:$debarch" "libflatbuffers-dev:$debarch")
if ! dpkg --print-foreign-architectures | grep -qx "$debarch"; then
  log "dpkg --add-architecture $debarch"
  $sudo dpkg --add-architecture "$debarch"
fi
for p in "${target_pkgs[@]}"; do installed "$p" || missing+=("$p"); done

updated=0
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  apt_update
  updated=1
  $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# --- 3. Target packages that do not co-install: unpack into the sysroot --------
# libXNNPACK.so.0 needs libcpuinfo.so.0 and libpthreadpool.so.0 (checked below
# with readelf -d); the -dev packages bring the headers and .so links.
sysroot_pkgs=(libxnnpack0 libxnnpack-dev libpthreadpool0 libpthreadpool-dev libcpuinfo0 libcpuinfo-dev)
stamp="$RINGRT_SYSROOT/.ringrt-sysroot"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "${sysroot_pkgs[*]}" ]; then
  log "unpacking ${sysroot_pkgs[*]} ($debarch) into $RINGRT_SYSROOT"
  debs="$RINGRT_SYSROOT.debs"
  rm -rf "$debs" && mkdir -p "$debs" "$RINGRT_SYSROOT"
  chmod 777 "$debs" # apt-get download drops root to _apt when it can write here
  fetch() { (cd "$debs" && apt-get download -q "${sysroot_pkgs[@]/%/:$debarch}"); }
  if ! fetch; then
    [ "$updated" = 1 ] || { apt_update; updated=1; }
    fetch
  fi
  for deb in "$debs"/*.deb; do dpkg-deb -x "$deb" "$RINGRT_SYSROOT"; done
  echo "${sysroot_pkgs[*]}" >"$stamp"
fi
libdir="$RINGRT_SYSROOT/usr/lib/$triple"
for lib in "$libdir"/libXNNPACK.so.0 "$libdir"/libpthreadpool.so.0 "$libdir"/libcpuinfo.so.0; do
  for needed in $(readelf -d "$lib" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
    if [ ! -e "$libdir/$needed" ] && [ ! -e "/usr/$triple/lib/$needed" ]; then
      log "$(basename "$lib") needs $needed, found neither in $libdir nor /usr/$triple/lib" >&2
      exit 1
    fi
  done
done

# --- 4. binfmt_misc: lets emulated tests exec other target programs -----------
# converter_tests runs the real ringrt-convert / ringrt-synth binaries as child
# processes; inside QEMU that execve() needs the kernel to know the target's ELF
# format. Register qemu-user-static's handler when the machine allows it
# (containers often do not); otherwise those tests are excluded below.
binfmt=/proc/sys/fs/binfmt_misc
qemu_name="${qemu}"
if [ ! -e "$binfmt/register" ]; then
  $sudo mount -t binfmt_misc binfmt_misc "$binfmt" 2>/dev/null || true
fi
if [ -e "$binfmt/register" ] && [ ! -e "$binfmt/$qemu_name" ] && [ -f "/usr/lib/binfmt.d/$qemu_name.conf" ]; then
  grep -v '^#' "/usr/lib/binfmt.d/$qemu_name.conf" | $sudo tee "$binfmt/register" >/dev/null 2>&1 || true
fi
ctest_exclude=()
if [ -e "$binfmt/$qemu_name" ] && grep -qx enabled "$binfmt/$qemu_name"; then
  log "binfmt_misc handler $qemu_name is registered"
else
  # These suites run ringrt-convert, ringrt-synth or ringrt-run as child processes
  # (tests/support/process.cpp); the native suite runs all of them.
  log "no binfmt_misc handler for $qemu_name: excluding the suites that exec target programs" >&2
  ctest_exclude=(-E '^(Convert|Synth|Safetensors|CliRun|CliConventions|Catalogue|RunOutputs|FifoInputs|KvLock|KvIntegrity|StrictFormats|NpyBounds|LargeSafetensors)[A-Za-z]*\.')
fi

# --- 5. Configure, build, test --------------------------------------------------
log "configure $build ($(elapsed))"
# Benchmarks are not meaningful under emulation; examples are built to check the user's flow.
cmake -S "$root" -B "$build" \
  -DCMAKE_TOOLCHAIN_FILE="$root/targets/$triple.cmake" \
  -DCMAKE_BUILD_TYPE=Release \
  -DRINGRT_SYSROOT="$RINGRT_SYSROOT" \
  -DRINGRT_BUILD_BENCH=OFF >/dev/null
log "build ($(elapsed))"
nice cmake --build "$build" -j"$jobs"
log "test ($(elapsed))"
status=0
ctest --test-dir "$build" --output-on-failure -j"$jobs" --timeout 900 "${ctest_exclude[@]}" "$@" || status=$?
log "done in $(elapsed), ctest exit $status"
exit "$status"
