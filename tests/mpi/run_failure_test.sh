#!/usr/bin/env bash
# A board that dies or hangs in the middle of `mpirun ringrt-run --distributed`:
# the job must end, quickly, non-zero, with a message naming the rank.
#   run_failure_test.sh kill|stall BUILD_DIR LAUNCHER...   (LAUNCHER: mpiexec -n 2 [flags])
# Streams a 16K-token input through 2 ranks; once both run, rank 1's process is
#   kill:  sent SIGKILL (a board losing power): Open MPI must report "process rank 1
#          ... exited on signal 9", or rank 0 its own timeout naming rank 1;
#   stall: sent SIGSTOP (a hung board; the process is alive, nothing notices): rank 0
#          must fail after --peer-timeout 3 naming rank 1 ("no data from rank 1", or "rank 1
#          did not take the data sent to it": with 2 ranks it is both neighbours) and end the job.
# Both: the launcher exits non-zero within 30 s and leaves no process behind.
set -uo pipefail
source "$(dirname "$0")/job_end_checks.sh"
mode=$1 build=$2
shift 2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$build/converter/ringrt-synth" --out-dir "$work/m" --hidden-size 128 --embed-dim 64 --tokens 16384 >/dev/null || exit 1
"$build/converter/ringrt-convert" --config "$work/m/config.json" --weights "$work/m/params.safetensors" \
  --output "$work/m.rrt" >/dev/null || exit 1

start=$(date +%s%N)
"$@" "$build/runtime/cli/ringrt-run" "$work/m.rrt" --input "$work/m/input.npy" --threads 1 --chunk 128 \
  --distributed --peer-timeout 3 >"$work/out.txt" 2>&1 &
launcher=$!
# Wait for rank 1's process (its environment names its rank), then let it run a little.
victim=""
for _ in $(seq 1 200); do
  for pid in $(pgrep -f -- "$work/m.rrt"); do
    if tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qx 'OMPI_COMM_WORLD_RANK=1'; then victim=$pid; fi
  done
  [ -n "$victim" ] && break
  sleep 0.05
done
if [ -z "$victim" ]; then
  echo "FAIL: rank 1 never started"; cat "$work/out.txt"; kill "$launcher" 2>/dev/null; exit 1
fi
sleep 0.5
case $mode in
  kill) kill -KILL "$victim"; expect='process rank 1 .*signal 9|no data from rank 1|rank 1 did not take the data' ;;
  stall) kill -STOP "$victim"; expect='rank 0 of 2: .*(no data from rank 1|rank 1 did not take the data sent to it) within 3 s' ;;
  *) echo "unknown mode $mode"; exit 2 ;;
esac
hit_at=$(date +%s%N)
# Bounded wait for the launcher: 60 s at most, then it counts as a hang.
for _ in $(seq 1 600); do kill -0 "$launcher" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$launcher" 2>/dev/null; then
  echo "FAIL: the job hung for 60 s after rank 1 was hit"
  kill -KILL "$launcher" "$victim" 2>/dev/null
  exit 1
fi
wait "$launcher"
rc=$?
elapsed_ms=$((($(date +%s%N) - hit_at) / 1000000))
cat "$work/out.txt"
echo "run_failure_test($mode): launcher exit code $rc, ${elapsed_ms} ms after rank 1 was hit"
check_job_end "run_failure_test($mode)" "$rc" "$elapsed_ms" 30 "$expect" "$(cat "$work/out.txt")" "$work/m.rrt"
