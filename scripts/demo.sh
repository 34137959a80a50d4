#!/usr/bin/env bash
# The README's main job, end to end on built-in defaults: installs dependencies,
# builds, makes an Edifice-default model with fixed-seed weights, converts it,
# streams a long sequence through ringrt-run and prints what it measured.
#   TOKENS=4096 scripts/demo.sh      (default 4096 tokens)
set -euo pipefail
cd "$(dirname "$0")/.."
TOKENS=${TOKENS:-4096}
scripts/install-deps.sh
scripts/build.sh
bin=build
work=build/demo
mkdir -p "$work"

echo "== 1. synthetic Edifice RingAttention model (embed 288, hidden 256, 4 heads, 4 layers, seed 42) and a ${TOKENS}-token input"
"$bin/converter/ringrt-synth" --out-dir "$work" --seed 42 --tokens "$TOKENS"
echo "== 2. convert safetensors + JSON config to model.rrt"
"$bin/converter/ringrt-convert" --config "$work/config.json" --weights "$work/params.safetensors" --output "$work/model.rrt"
"$bin/converter/ringrt-convert" inspect "$work/model.rrt" | tail -n 3
echo "== 3. run the ${TOKENS}-token sequence through the ring"
"$bin/runtime/cli/ringrt-run" "$work/model.rrt" --input "$work/input.npy" --output "$work/output.npy"
