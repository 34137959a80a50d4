#!/usr/bin/env bash
# The soak test (not in CI: it runs for minutes): 200 sequences of random lengths
# streamed in random pieces through one session with resets; every output must
# match a fresh session's and the resident memory must not grow.
#   scripts/soak.sh [--sequences N] [--max-length T] [--kv-store file:PATH]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
build/tests/soak/ringrt-soak "$@"
