#!/usr/bin/env bash
# install_test.sh BUILD_DIR EXAMPLES_DIR CONSUMER_C WORK_DIR (see CMakeLists.txt here).
# Environment: CC, CXX, CMAKE, PKG_CONFIG, RINGRT_CONSUMER_FLAGS (compile+link, e.g.
# -fsanitize=...), and when cross-compiling RINGRT_CONSUMER_CMAKE_ARGS (toolchain),
# RINGRT_CONSUMER_LDFLAGS (sysroot -L) and RINGRT_EMULATOR (runs target programs);
# each is split on spaces.
set -euo pipefail
build="$1" examples="$2" consumer_c="$3" work="$4"
cmake="${CMAKE:-cmake}" cc="${CC:-cc}" cxx="${CXX:-c++}" pkg_config="${PKG_CONFIG:-pkg-config}"
flags="${RINGRT_CONSUMER_FLAGS:-}"
read -r -a cmake_args <<<"${RINGRT_CONSUMER_CMAKE_ARGS:-}"
read -r -a emu <<<"${RINGRT_EMULATOR:-}"
ldflags="${RINGRT_CONSUMER_LDFLAGS:-}"
step() { echo "== $*"; }

rm -rf "$work"
mkdir -p "$work"
prefix="$work/prefix"

step "cmake --install $build --prefix $prefix"
"$cmake" --install "$build" --prefix "$prefix" >"$work/install.log"
# One libringrt, static or shared as the build chose (BUILD_SHARED_LIBS).
shared=0
[ -e "$prefix/lib/libringrt.so" ] && shared=1
lib=lib/libringrt.a
[ "$shared" = 1 ] && lib=lib/libringrt.so
for f in include/ringrt/ringrt.h include/ringrt/ringrt.hpp include/ringrt/export.h "$lib" \
         lib/cmake/ringrt/ringrtConfig.cmake lib/pkgconfig/ringrt.pc; do
  [ -e "$prefix/$f" ] || { echo "FAIL: $f not installed"; cat "$work/install.log"; exit 1; }
done

# The benchmark, when the build has it, runs from the install.
if [ -x "$build/bench/ringrt-bench" ]; then
  [ -x "$prefix/bin/ringrt-bench" ] || { echo "FAIL: bin/ringrt-bench not installed"; exit 1; }
  step "installed $("${emu[@]}" "$prefix/bin/ringrt-bench" --version)"
fi

# A small model from the installed converter, when the build has it.
model=""
if [ -x "$prefix/bin/ringrt-synth" ] && [ -x "$prefix/bin/ringrt-convert" ]; then
  step "small model with the installed ringrt-synth + ringrt-convert"
  "${emu[@]}" "$prefix/bin/ringrt-synth" --out-dir "$work/model" --embed-dim 16 --hidden-size 32 --num-heads 2 \
    --num-layers 1 >/dev/null
  "${emu[@]}" "$prefix/bin/ringrt-convert" --config "$work/model/config.json" --weights "$work/model/params.safetensors" \
    --output "$work/model.rrt" >/dev/null
  model="$work/model.rrt"
fi

step "examples/ as an outside project, find_package(ringrt) from $prefix"
"$cmake" -S "$examples" -B "$work/examples" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release "${cmake_args[@]}" \
  -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" \
  -DCMAKE_C_FLAGS="$flags" -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="$flags" >"$work/examples.log" ||
  { cat "$work/examples.log"; exit 1; }
grep -q "ringrt_DIR:PATH=$prefix/" "$work/examples/CMakeCache.txt" ||
  { echo "FAIL: found ringrt elsewhere:"; grep ringrt_DIR "$work/examples/CMakeCache.txt"; exit 1; }
"$cmake" --build "$work/examples" -j2
if [ -n "$model" ]; then
  "${emu[@]}" "$work/examples/stream_tokens" "$model" | tail -1
  "${emu[@]}" "$work/examples/stream_tokens_c" "$model" | tail -1
  "${emu[@]}" "$work/examples/file_store_resume_c" "$model" "$work/kv" | tail -1
  [ ! -e "$work/kv" ] || { echo "FAIL: file_store_resume_c left its store behind"; exit 1; }
fi

export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
step "pkg-config ringrt: $("$pkg_config" --modversion ringrt)"
cflags=$("$pkg_config" --cflags ringrt)
libs_static=$("$pkg_config" --libs --static ringrt)
# shellcheck disable=SC2086  # word splitting of flags is intended
if [ "$shared" = 1 ]; then
  # Shared: -lringrt finds libringrt.so.
  exe=consumer_shared
  "$cc" $flags -o "$work/$exe" "$consumer_c" $cflags $("$pkg_config" --libs ringrt) -Wl,-rpath,"$prefix/lib" $ldflags
  readelf -d "$work/$exe" | grep -q 'NEEDED.*libringrt\.so' || { echo "FAIL: $exe does not use libringrt.so"; exit 1; }
else
  # Static: libringrt.a with Libs.private, as a C program with no C++ driver.
  exe=consumer_static
  "$cc" $flags -o "$work/$exe" "$consumer_c" $cflags $libs_static $ldflags
  if readelf -d "$work/$exe" | grep -q 'NEEDED.*libringrt'; then echo "FAIL: $exe uses libringrt.so"; exit 1; fi
fi
"${emu[@]}" "$work/$exe" $model | tail -1
echo "install.consumer: OK"
