#!/usr/bin/env bash
# install_test.sh BUILD_DIR EXAMPLES_DIR CONSUMER_C WORK_DIR (see CMakeLists.txt here).
# Environment: CC, CXX, CMAKE, PKG_CONFIG, RINGRT_CONSUMER_FLAGS (compile+link, e.g.
# -fsanitize=...), and when cross-compiling RINGRT_CONSUMER_CMAKE_ARGS (toolchain),
# RINGRT_CONSUMER_LDFLAGS (sysroot -L) and RINGRT_EMULATOR (runs target programs);
# each is split on spaces. RINGRT_INSTALLS_STATIC=1 when the build installs libringrt.a
# (a static build, or a shared one with RINGRT_INSTALL_STATIC=ON; default 1).
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
# libringrt.so when the build is shared (BUILD_SHARED_LIBS); libringrt.a when it is
# static, or beside the .so (RINGRT_INSTALL_STATIC), with ringrt-static.pc.
shared=0
[ -e "$prefix/lib/libringrt.so" ] && shared=1
static="${RINGRT_INSTALLS_STATIC:-1}"
[ "$shared" = 1 ] || static=1
expected=(include/ringrt/ringrt.h include/ringrt/ringrt.hpp include/ringrt/export.h
          lib/cmake/ringrt/ringrtConfig.cmake lib/pkgconfig/ringrt.pc)
[ "$shared" = 1 ] && expected+=(lib/libringrt.so)
[ "$static" = 1 ] && expected+=(lib/libringrt.a lib/pkgconfig/ringrt-static.pc)
for f in "${expected[@]}"; do
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
# check_linkage NAME: consumer_shared needs libringrt.so, every other consumer none.
check_linkage() {
  if [ "$1" = consumer_shared ]; then
    readelf -d "$work/$1" | grep -q 'NEEDED.*libringrt\.so' || { echo "FAIL: $1 does not use libringrt.so"; exit 1; }
  elif readelf -d "$work/$1" | grep -q 'NEEDED.*libringrt'; then
    echo "FAIL: $1 uses libringrt.so"
    exit 1
  fi
}
# run NAME: checks how NAME links libringrt, runs it on the model (if any).
# shellcheck disable=SC2086  # word splitting of flags (and an empty $model) is intended
run() {
  check_linkage "$1"
  "${emu[@]}" "$work/$1" $model | tail -1
}
# consumer NAME LINK_FLAGS...: consumer.c as a C program linked by the C driver (the
# .pc files bring -lstdc++), then run NAME.
# shellcheck disable=SC2086
consumer() {
  local exe="$1"
  shift
  "$cc" $flags -o "$work/$exe" "$consumer_c" $cflags "$@" $ldflags
  run "$exe"
}

# shellcheck disable=SC2046  # word splitting of pkg-config's output is intended
if [ "$shared" = 1 ]; then
  step "consumer_shared: pkg-config --libs ringrt (-lringrt is libringrt.so)"
  consumer consumer_shared $("$pkg_config" --libs ringrt) -Wl,-rpath,"$prefix/lib"
else
  step "consumer_static: pkg-config --libs --static ringrt (-lringrt is libringrt.a)"
  consumer consumer_static $("$pkg_config" --libs --static ringrt)
fi
if [ "$static" = 1 ]; then
  # ringrt-static: libringrt.a by path, also beside libringrt.so; --static changes nothing.
  libs=$("$pkg_config" --libs ringrt-static)
  [ "$libs" = "$("$pkg_config" --libs --static ringrt-static)" ] ||
    { echo "FAIL: pkg-config --static --libs ringrt-static is not: $libs"; exit 1; }
  step "consumer_archive: pkg-config --libs ringrt-static"
  # shellcheck disable=SC2086
  consumer consumer_archive $libs

  # CMake: ringrt::ringrt_static; CMake links the C program with the C++ driver.
  step "consumer_cmake_static: find_package(ringrt), ringrt::ringrt_static"
  mkdir -p "$work/cmake_static"
  cat >"$work/cmake_static/CMakeLists.txt" <<EOF
cmake_minimum_required(VERSION 3.25)
project(ringrt_static_consumer LANGUAGES C CXX)
find_package(ringrt REQUIRED)
add_executable(consumer_cmake_static "$consumer_c")
target_link_libraries(consumer_cmake_static PRIVATE ringrt::ringrt_static)
EOF
  "$cmake" -S "$work/cmake_static" -B "$work/cmake_static/build" -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_BUILD_TYPE=Release "${cmake_args[@]}" -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" \
    -DCMAKE_C_FLAGS="$flags" -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="$flags" \
    -DCMAKE_RUNTIME_OUTPUT_DIRECTORY="$work" >"$work/cmake_static.log" || { cat "$work/cmake_static.log"; exit 1; }
  "$cmake" --build "$work/cmake_static/build" >>"$work/cmake_static.log" || { cat "$work/cmake_static.log"; exit 1; }
  run consumer_cmake_static
fi
echo "install.consumer: OK"
