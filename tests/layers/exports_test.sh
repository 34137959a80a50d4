#!/usr/bin/env bash
# exports_test.sh LIBRINGRT_SO NM [LIBRINGRT_A READELF]: the dynamic symbols libringrt.so
# defines are the C API (ringrt_*) and the public C++ API of include/ringrt, nothing
# else. With LIBRINGRT_A (libringrt.a beside the .so): the archive's global symbols of
# default visibility are those same symbols, so a program or a shared library linking
# the archive sees the API and nothing else; GCC's target_clones dispatchers (IFUNC and
# their .resolver) are the exception, default visibility whatever the flags say
# (libringrt.map hides them from the .so).
set -euo pipefail
lib="$1" nm="${2:-nm}" archive="${3:-}" readelf="${4:-readelf}"
symbols=$("$nm" -D --defined-only "$lib" | awk '{ $1 = ""; $2 = ""; sub(/^  /, ""); print }' | c++filt)
public='^(ringrt_[a-z_0-9]+$|ringrt::(Model|Session|Status|RingTransport)::|ringrt::(status_code_name|plan_session|version|attention_kernel_name|hash_bytes|kv_dtype_name|parse_kv_dtype)\(|(vtable|typeinfo|typeinfo name) for ringrt::RingTransport$)'
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
if [ -n "$archive" ]; then
  so_names=$("$nm" -D --defined-only "$lib" | awk '{ print $3 }' | sort -u)
  a_names=$("$readelf" -sW "$archive" |
    awk '($5 == "GLOBAL" || $5 == "WEAK") && $6 == "DEFAULT" && $7 != "UND" && $4 != "IFUNC" && $8 !~ /\.resolver$/ { print $8 }' |
    sort -u)
  only_so=$(comm -23 <(echo "$so_names") <(echo "$a_names") | c++filt)
  only_a=$(comm -13 <(echo "$so_names") <(echo "$a_names") | c++filt)
  [ -z "$only_so" ] || { echo "FAIL: $archive hides what libringrt.so exports:"; echo "$only_so"; exit 1; }
  [ -z "$only_a" ] || { echo "FAIL: $archive has default visibility for what libringrt.so hides:"; echo "$only_a"; exit 1; }
  echo "exports: $archive gives the same $(wc -l <<<"$a_names") symbols default visibility"
fi
