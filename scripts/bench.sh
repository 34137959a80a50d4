#!/usr/bin/env bash
# Builds ringrt (scripts/build.sh, Release) and runs the benchmark. Arguments go to
# ringrt-bench, e.g. scripts/bench.sh --case core,naive --repeat 3, or --smoke.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
exec build/bench/ringrt-bench "$@"
