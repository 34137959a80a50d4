#!/usr/bin/env bash
# A rank that goes away must end the whole job, quickly, with a message naming it.
#   failure_test.sh stall|kill BINARY LAUNCHER...     (LAUNCHER: mpiexec -n 2 [flags])
# Runs `LAUNCHER BINARY --stall|--kill` (tests/mpi/mpi_transport_test.cpp): rank 1
# stops (SIGSTOP) or kills (SIGKILL) itself after three good ring shifts.
#   stall: rank 0's transport (timeout_seconds = 2) must fail the shift with
#          "rank 0: no data from rank 1 within 2 s during a ring shift" and abort the job.
#   kill:  the output must name rank 1: Open MPI's "process rank 1 ... exited on
#          signal 9", or the transport's message if rank 0 timed out first (10 s).
# Both: the launcher exits non-zero within BOUND seconds (default 30; it is killed
# after 60, which fails the test), and no process of the job is left behind.
set -uo pipefail
source "$(dirname "$0")/job_end_checks.sh"
mode=$1 binary=$2
shift 2
bound=${BOUND:-30}

start=$(date +%s%N)
out=$(timeout -k 5 60 "$@" "$binary" "--$mode" 2>&1)
rc=$?
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
echo "$out"
echo "failure_test($mode): launcher exit code $rc after ${elapsed_ms} ms"

case $mode in
  stall) expect='rank 0: no data from rank 1 within 2 s during a ring shift; rank 1 has probably died or stalled' ;;
  kill) expect='process rank 1 .*signal 9|rank 0: no data from rank 1 within|rank 0: rank 1 did not take the data' ;;
  *) echo "FAIL: unknown mode $mode"; exit 2 ;;
esac
if [ "$rc" -eq 124 ] || [ "$elapsed_ms" -ge 60000 ]; then
  echo "FAIL: the job hung: killed by timeout after 60 s"
  exit 1
fi
check_job_end "failure_test($mode)" "$rc" "$elapsed_ms" "$bound" "$expect" "$out" "$binary --$mode"
