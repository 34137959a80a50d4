#!/usr/bin/env bash
# layers_test.sh RUNTIME_DIR MODULE_INCLUDE_DIRS CXX
# For every module folder of the runtime, preprocesses `#include "<header>"` for
# every header of every other module with that module's include path (as CMake
# computes it, from MODULE_INCLUDE_DIRS). A header of a module below it (the
# table below, the documented architecture) must be found; any other must not:
# a lower layer that could see a higher one would let an upward include build.
set -euo pipefail
runtime="$1" dirs_file="$2" cxx="$3"

# What each module may see: the layers below it (transitively).
declare -A below=(
  [numeric]=""
  [core]=""
  [format]="core numeric"
  [model]="format core numeric"
  [memory]="core"
  [xnn]="memory core"
  [kernels]="core numeric"
  [kv]="kernels core numeric"
  [ring]="kv kernels core numeric"
  [distributed]="ring kv kernels core numeric"
  [session]="distributed ring kv xnn kernels memory model format core numeric"
)
declare -A include_dirs=()
while IFS='|' read -r module dirs; do
  [ -n "$module" ] && include_dirs[$module]="$dirs"
done <"$dirs_file"

probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
failures=0 checked=0
for m in "${!below[@]}"; do
  [ -n "${include_dirs[$m]+x}" ] || { echo "FAIL: no include path for module $m"; failures=$((failures + 1)); continue; }
  flags=()
  IFS=';' read -r -a dirs <<<"${include_dirs[$m]}"
  for d in "${dirs[@]}"; do [ -n "$d" ] && flags+=("-I$d"); done
  for other in "${!below[@]}"; do
    [ "$other" = "$m" ] && continue
    expect=hidden
    for b in ${below[$m]}; do [ "$b" = "$other" ] && expect=visible; done
    for header in "$runtime/$other"/*.hpp; do
      [ -e "$header" ] || continue
      name=$(basename "$header")
      printf '#include "%s"\n' "$name" >"$probe/probe.cpp"
      if "$cxx" -std=c++17 -E -o /dev/null "${flags[@]}" "$probe/probe.cpp" 2>"$probe/err"; then
        got=visible
      elif grep -q -e "$name: No such file" -e "'$name' file not found" "$probe/err"; then  # GCC, clang
        got=hidden
      else
        echo "FAIL: $m including $other/$name: neither found nor missing:"; cat "$probe/err"
        failures=$((failures + 1)); continue
      fi
      checked=$((checked + 1))
      if [ "$got" != "$expect" ]; then
        echo "FAIL: from $m/, $other/$name is $got but the architecture makes it $expect"
        failures=$((failures + 1))
      fi
    done
  done
done
echo "layers: $checked includes checked across ${#below[@]} modules, $failures wrong"
[ "$failures" -eq 0 ]
