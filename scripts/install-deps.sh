#!/usr/bin/env bash
# Installs ringrt's build and test dependencies from Debian 12's packages.
# Idempotent: packages already present are left alone and nothing is downloaded
# when everything is installed. Needs root (or sudo) only when something is missing.
#   scripts/install-deps.sh          the build, the tests, the bench
#   scripts/install-deps.sh clang    those and clang with its sanitizer and libFuzzer
#                                    runtimes (scripts/sanitize.sh, scripts/fuzz.sh)
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libxnnpack-dev libpthreadpool-dev libcpuinfo-dev
  libflatbuffers-dev flatbuffers-compiler
  nlohmann-json3-dev libgtest-dev libbenchmark-dev
  libopenmpi-dev openmpi-bin
  python3-venv python3-pip python3-setuptools python3-numpy python3-pytest python3-torch
)
case "${1:-}" in
  "") ;;
  clang) packages+=(clang libclang-rt-14-dev) ;;
  *)
    echo "usage: $0 [clang]" >&2
    exit 2
    ;;
esac

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# The package lists are fetched once: a later call (clang after the base set) installs
# from the lists already on the machine, and fetches them again only if that fails.
if ls /var/lib/apt/lists/*_Packages* >/dev/null 2>&1 &&
  $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"; then
  exit 0
fi
for attempt in 1 2 3; do
  $sudo apt-get update -q && break
  echo "install-deps: apt-get update failed (attempt $attempt), retrying" >&2
  sleep 5
done
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
