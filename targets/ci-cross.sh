#!/usr/bin/env bash
# CI step after the native suite: cross-builds ringrt and runs its tests under QEMU
# for each target in RINGRT_CI_CROSS_TARGETS (default: "aarch64 armhf"), stopping at
# the first failure. Measured on the 2-core CI machine, from clean build folders:
# aarch64 ~4 min (build 164 s + tests 72 s), armhf ~4.5 min (163 s + 103 s), plus
# ~1 min per architecture on a fresh machine to install the cross toolchain.
set -euo pipefail
cd "$(dirname "$0")/.."
for target in ${RINGRT_CI_CROSS_TARGETS:-aarch64 armhf}; do
  start=$(date +%s)
  targets/cross-test.sh "$target"
  echo "ci-cross: $target passed in $(($(date +%s) - start)) s"
done
