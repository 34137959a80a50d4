# Sourced by failure_test.sh and run_failure_test.sh: the checks on a job in which
# rank 1 went away.
#   check_job_end NAME RC ELAPSED_MS BOUND_S EXPECT OUTPUT PATTERN
# Passes (returns 0, prints "NAME: ok") when the launcher exited non-zero within
# BOUND_S seconds, OUTPUT matches the extended regex EXPECT (it names rank 1), and
# no process whose command line matches PATTERN is left; leftovers are killed.
check_job_end() {
  local name=$1 rc=$2 elapsed_ms=$3 bound=$4 expect=$5 output=$6 pattern=$7 fail=0 left pid
  [ "$rc" -ne 0 ] || { echo "FAIL: the job exited 0 although rank 1 went away"; fail=1; }
  [ "$elapsed_ms" -lt $((bound * 1000)) ] || { echo "FAIL: the job took ${elapsed_ms} ms to end (bound ${bound} s)"; fail=1; }
  grep -Eq -- "$expect" <<<"$output" || { echo "FAIL: the output does not name rank 1 (/$expect/)"; fail=1; }
  # A stopped rank 1 that outlived the job would hold its resources forever.
  sleep 1
  left=$(pgrep -f -- "$pattern" || true)
  if [ -n "$left" ]; then
    echo "FAIL: processes of the job left behind: $left"
    # These are the test's own processes: end them by pid.
    for pid in $left; do kill -CONT "$pid" 2>/dev/null; kill -KILL "$pid" 2>/dev/null; done
    fail=1
  fi
  [ "$fail" -eq 0 ] && echo "$name: ok"
  return "$fail"
}
