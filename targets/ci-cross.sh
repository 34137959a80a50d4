#!/usr/bin/env bash
# CI step after the native suite: cross-builds ringrt and runs its tests under QEMU
# for each target in RINGRT_CI_CROSS_TARGETS (default: "aarch64 armhf"), stopping at
# the first failure. Measured on the 2-core CI machine (Xeon, 2026-12-03), from a
# fresh clone: aarch64 588 s, armhf 558 s, each about 230 s of build and 320 s of
# tests under QEMU, plus installing the cross toolchain on a fresh machine. On the
# AMD EPYC CI machine of 2026-12-04: aarch64 321 s, armhf 275 s (all of .ci/run 1570 s).
set -euo pipefail
cd "$(dirname "$0")/.."
for target in ${RINGRT_CI_CROSS_TARGETS:-aarch64 armhf}; do
  start=$(date +%s)
  targets/cross-test.sh "$target"
  echo "ci-cross: $target passed in $(($(date +%s) - start)) s"
done
