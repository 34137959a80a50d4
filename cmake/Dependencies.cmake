# Finds ringrt's dependencies, all from Debian's packages (scripts/install-deps.sh).
# XNNPACK and pthreadpool ship no CMake config in Debian 12, so imported targets are
# made here from their headers and libraries.

find_package(Threads REQUIRED)

# flatc runs on the build machine, also when cross-compiling.
find_program(RINGRT_FLATC flatc REQUIRED NO_CMAKE_FIND_ROOT_PATH)
find_path(RINGRT_FLATBUFFERS_INCLUDE flatbuffers/flatbuffers.h REQUIRED)

function(ringrt_import_library target header lib)
  find_path(${target}_INCLUDE ${header} REQUIRED)
  find_library(${target}_LIBRARY ${lib} REQUIRED)
  add_library(ringrt_dep::${target} UNKNOWN IMPORTED)
  set_target_properties(ringrt_dep::${target} PROPERTIES
    IMPORTED_LOCATION "${${target}_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${${target}_INCLUDE}")
endfunction()

ringrt_import_library(pthreadpool pthreadpool.h pthreadpool)
ringrt_import_library(xnnpack xnnpack.h XNNPACK)
set_property(TARGET ringrt_dep::xnnpack APPEND PROPERTY INTERFACE_LINK_LIBRARIES ringrt_dep::pthreadpool)
