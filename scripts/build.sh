#!/usr/bin/env bash
# Configures and builds ringrt in build/ (Release, libringrt.so), with the MPI ring (libringrt_mpi,
# ringrt-run --distributed, the MPI tests). Extra arguments go to cmake's configure step.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DRINGRT_WITH_MPI=ON -DBUILD_SHARED_LIBS=ON "$@" >/dev/null
cmake --build build -j"$(nproc)"
