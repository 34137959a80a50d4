#!/usr/bin/env bash
# python_test.sh REPO WORK_DIR SYNTH CONVERT [PYTHON]: the Python package as a new user
# installs it. A virtual environment that sees Debian's packages (numpy, pytest,
# setuptools), the README's one install command (offline: it builds libringrt
# itself), then the pytest suite against the installed package, from outside the
# source tree so that the installed copy is the one imported.
set -euo pipefail
repo="$1" work="$2" synth="$3" convert="$4" python="${5:-python3}"
step() { echo "== $*"; }

rm -rf "$work"
mkdir -p "$work"
step "$python -m venv --system-site-packages $work/venv"
"$python" -m venv --system-site-packages "$work/venv"
# shellcheck disable=SC1091
. "$work/venv/bin/activate"
step "python3 -m pip install --no-build-isolation ./python   (in $repo)"
(cd "$repo" && PIP_DISABLE_PIP_VERSION_CHECK=1 python3 -m pip install --no-build-isolation --no-input -q ./python)

cd "$work"
lib=$(python3 -c 'import ringrt._capi as c; print(c.LIBRARY_PATH)')
step "import ringrt: $(python3 -c 'import ringrt; print(ringrt.version())'), library $lib"
case "$lib" in
  "$work/venv/"*) ;;
  *) echo "FAIL: the installed package uses $lib, not the library it built"; exit 1 ;;
esac
step "pytest $repo/python/tests"
RINGRT_SYNTH="$synth" RINGRT_CONVERT="$convert" python3 -m pytest -q -p no:cacheprovider "$repo/python/tests"
echo "python.package: OK"
