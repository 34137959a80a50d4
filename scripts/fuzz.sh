#!/usr/bin/env bash
# Fuzzes every parser of untrusted input with libFuzzer, AddressSanitizer (leaks
# included) and UndefinedBehaviorSanitizer, each target for SECONDS:
#   rrt (.rrt verifier + Model::load), safetensors, config (JSON options), npy,
#   kv_header (KV file store header on resume)      -- tests/fuzz/
# Installs clang and its runtimes from Debian, builds build-fuzz/ (clang), writes the
# seed corpus (valid files of tiny models), replays tests/fuzz/regressions/, fuzzes,
# and prints per target the executions and the corpus size. Exits non-zero on any
# crash, leak, timeout or sanitizer report; the reproducer is left in
# build-fuzz/fuzz-artifacts/<target>/ (copy it to tests/fuzz/regressions/<target>/).
#   scripts/fuzz.sh [SECONDS]          (default 60 per target)
#   FUZZ_TARGETS="npy config" scripts/fuzz.sh 10
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
targets=${FUZZ_TARGETS:-rrt safetensors config npy kv_header}
build=${FUZZ_BUILD_DIR:-build-fuzz}
jobs=$(nproc)

scripts/install-deps.sh clang

CC=clang CXX=clang++ cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRINGRT_FUZZ=ON \
  -DRINGRT_SANITIZE=address,undefined -DRINGRT_BUILD_BENCH=OFF -DRINGRT_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$build" -j"$jobs" --target ringrt_fuzz_all

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

# Seeds: generated valid files and the checked-in text seeds. (The crash reproducers
# are replayed by ctest below, not used as seeds: a known, unfixed crash would stop
# the fuzzer at its first input.)
seeds="$build/fuzz-seeds"
rm -rf "$seeds"
"$build/tests/fuzz/ringrt_fuzz_seeds" "$seeds" >/dev/null
for t in $targets; do
  if [ -d tests/fuzz/seeds/"$t" ]; then cp tests/fuzz/seeds/"$t"/* "$seeds/$t/"; fi
done

# The reproducers first: a known crash must stay fixed.
status=0
ctest --test-dir "$build" -L fuzz --output-on-failure || status=1

printf '\nfuzz: %s s per target, sanitizers address+undefined, leak detection on\n' "$seconds"
summary=""
for t in $targets; do
  corpus="$build/fuzz-corpus/$t"
  artifacts="$build/fuzz-artifacts/$t"
  log="$build/fuzz-logs/$t.log"
  mkdir -p "$corpus" "$artifacts" "$(dirname "$log")"
  dict=()
  [ -f "tests/fuzz/dicts/$t.dict" ] && dict=(-dict="tests/fuzz/dicts/$t.dict")
  echo "fuzz: $t ..."
  rc=0
  "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -detect_leaks=1 -timeout=20 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$artifacts/" "${dict[@]}" "$corpus" "$seeds/$t" >"$log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$done_line")
  units=$(find "$corpus" -type f | wc -l)
  bad=""
  if [ "$rc" -ne 0 ] || grep -qE '^==[0-9]+==ERROR|runtime error:|^SUMMARY: |fuzz invariant failed|deadly signal' "$log"; then
    bad="FAILED (exit $rc): see $log and $artifacts/"
    status=1
    grep -E '==ERROR|runtime error:|SUMMARY:|fuzz invariant failed|Test unit written' "$log" | head -n 5 | sed 's/^/    /'
  fi
  line=$(printf '%-12s %10s execs %8s exec/s  corpus %5s units  cov %5s  %s' "$t" "${execs:-?}" "${rate:-?}" \
    "$units" "${cov:-?}" "${bad:-ok}")
  summary+="$line"$'\n'
done
printf '\nfuzz results (%s s per target):\n%s' "$seconds" "$summary"
if [ "$status" -ne 0 ]; then
  echo "fuzz: FAILED" >&2
  exit 1
fi
echo "fuzz: all targets clean"
