#!/usr/bin/env bash
# Runs ringrt-bench's pagecache case (case 9) inside a memory cgroup, so the KV file
# store is larger than the page cache the run may use:
#   bench/page-cache-limit.sh [LIMIT_MIB] [ringrt-bench options...]
# LIMIT_MIB (default 64) caps the run's memory, page cache included. At the default
# history (32K, f32: a 258 MiB store, 64 MiB a layer) the arena (~21 MiB) and the
# mapped model (12 MiB) leave about 25 MiB of page cache: less than one layer's share.
# Needs root and a cgroup v2 or v1 memory controller; the cgroup is removed at exit.
set -euo pipefail
cd "$(dirname "$0")/.."
limit_mib="${1:-64}"
[ $# -gt 0 ] && shift
case "$limit_mib" in
  ''|*[!0-9]*) echo "usage: $0 [LIMIT_MIB] [ringrt-bench options...]" >&2; exit 2 ;;
esac
[ "$limit_mib" -ge 16 ] || { echo "page-cache-limit: a limit of $limit_mib MiB is below the 16 MiB a session needs" >&2; exit 2; }
bench=build/bench/ringrt-bench
[ -x "$bench" ] || { echo "page-cache-limit: $bench is not built (scripts/build.sh)" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "page-cache-limit: needs root to create a cgroup" >&2; exit 1; }

name="ringrt-page-cache-$$"
group=""
trap '[ -z "$group" ] || rmdir "$group" 2>/dev/null || true' EXIT
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then  # v2: a child of the root, which may hold processes
  root=/sys/fs/cgroup
  grep -qw memory "$root/cgroup.subtree_control" || echo +memory > "$root/cgroup.subtree_control" ||
    { echo "page-cache-limit: cannot enable the memory controller in $root" >&2; exit 1; }
  group="$root/$name"
  mkdir "$group"
  limit_file="$group/memory.max"
else  # v1: a child of this shell's own memory cgroup
  own=$(awk -F: '$2 ~ /(^|,)memory(,|$)/ {print $3; exit}' /proc/self/cgroup)
  parent="/sys/fs/cgroup/memory${own%/}"
  [ -d "$parent" ] || { echo "page-cache-limit: no cgroup v1 memory controller at $parent" >&2; exit 1; }
  group="$parent/$name"
  mkdir "$group"
  limit_file="$group/memory.limit_in_bytes"
fi
[ -f "$limit_file" ] || { echo "page-cache-limit: $limit_file is missing (no memory controller there)" >&2; exit 1; }
echo $((limit_mib * 1024 * 1024)) > "$limit_file"
echo "page-cache-limit: ringrt-bench --case pagecache in $group, memory limit $limit_mib MiB"
# A child shell joins the cgroup and becomes the bench; this shell stays outside to remove it.
bash -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' _ "$group" "$bench" --case pagecache "$@"
