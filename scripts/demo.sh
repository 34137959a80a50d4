#!/usr/bin/env bash
# The README's main job, end to end on built-in defaults: installs dependencies,
# builds, makes an Edifice-default model with fixed-seed weights, converts it,
# streams a long sequence through ringrt-run with the KV history in a file, and
# prints what it measured (tokens/s, planned arena, peak RSS, KV bytes on disk).
#   TOKENS=32768 scripts/demo.sh      (default 32768 tokens)
set -euo pipefail
cd "$(dirname "$0")/.."
TOKENS=${TOKENS:-32768}
scripts/install-deps.sh
scripts/build.sh
bin=build
work=build/demo
mkdir -p "$work"
rm -f "$work/kv"  # a store is never overwritten silently; start this demo afresh

echo "== 1. synthetic Edifice RingAttention model (embed 288, hidden 256, 4 heads, 4 layers, seed 42) + ${TOKENS}-token input"
"$bin/converter/ringrt-synth" --out-dir "$work" --seed 42 --tokens "$TOKENS"
echo "== 2. convert safetensors + JSON config to model.rrt"
"$bin/converter/ringrt-convert" --config "$work/config.json" --weights "$work/params.safetensors" --output "$work/model.rrt"
"$bin/converter/ringrt-convert" inspect "$work/model.rrt" | tail -n 1
echo "== 3. the memory plan: fixed before the first token"
"$bin/runtime/cli/ringrt-run" "$work/model.rrt" --plan --max-context "$TOKENS" --kv-store "file:$work/kv" | grep -E "plan|arena total|KV at max"
echo "== 4. stream the ${TOKENS}-token sequence through the ring, KV history in $work/kv"
"$bin/runtime/cli/ringrt-run" "$work/model.rrt" --input "$work/input.npy" --output "$work/output.npy" \
  --kv-store "file:$work/kv"
