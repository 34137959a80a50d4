#!/usr/bin/env bash
# exports_test.sh LIBRINGRT_SO NM: the dynamic symbols libringrt.so defines are the
# C API (ringrt_*) and the public C++ API of include/ringrt, nothing else.
set -euo pipefail
lib="$1" nm="${2:-nm}"
symbols=$("$nm" -D --defined-only "$lib" | awk '{ $1 = ""; $2 = ""; sub(/^  /, ""); print }' | c++filt)
public='^(ringrt_[a-z_0-9]+$|ringrt::(Model|Session|Status|RingTransport)::|ringrt::(status_code_name|plan_session|version|hash_bytes|kv_dtype_name|parse_kv_dtype)\(|(vtable|typeinfo|typeinfo name) for ringrt::RingTransport$)'
leaked=$(grep -Ev "$public" <<<"$symbols" || true)
count=$(wc -l <<<"$symbols")
for needed in ringrt_model_load ringrt_session_append 'ringrt::Session::append(' 'ringrt::Model::load(' \
              'ringrt::Status::Error('; do
  grep -qF "$needed" <<<"$symbols" || { echo "FAIL: $lib does not export $needed"; exit 1; }
done
if [ -n "$leaked" ]; then
  echo "FAIL: $lib exports $(wc -l <<<"$leaked") symbols outside the public API:"
  echo "$leaked"
  exit 1
fi
echo "exports: $count symbols, all public API"
