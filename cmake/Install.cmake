# Install rules and package files for users of ringrt:
#   include/ringrt/*.h, *.hpp              public C and C++ API
#   lib/libringrt.so*                      the runtime, BUILD_SHARED_LIBS=ON (scripts/build.sh)
#   lib/libringrt.a                        the runtime as an archive: the static build's library,
#                                          or next to libringrt.so (RINGRT_INSTALL_STATIC, default ON)
#   lib/libringrt_mpi.a                    the MPI ring transport (RINGRT_WITH_MPI=ON)
#   bin/ringrt-run (+ ringrt-convert, ringrt-synth from converter/, ringrt-bench)
#   lib/cmake/ringrt/                      find_package(ringrt): ringrt::ringrt (as built),
#                                          ringrt::ringrt_static (libringrt.a), ringrt::ringrt_mpi
#   lib/pkgconfig/ringrt.pc                pkg-config ringrt: -lringrt, so libringrt.so when it is
#                                          installed (--static adds the deps but keeps -lringrt)
#   lib/pkgconfig/ringrt-static.pc         pkg-config ringrt-static: lib/libringrt.a by path and its
#                                          deps, with or without --static (when libringrt.a is installed)
# The installed tree is relocatable: copy the prefix anywhere (e.g. to a board).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(RINGRT_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/ringrt)

# ringrt/mpi_transport.hpp only with the library that implements it (RINGRT_WITH_MPI).
set(_ringrt_header_excludes "")
if(NOT RINGRT_WITH_MPI)
  set(_ringrt_header_excludes PATTERN "mpi_transport.hpp" EXCLUDE)
endif()
install(DIRECTORY ${PROJECT_SOURCE_DIR}/runtime/include/ringrt
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.h" PATTERN "*.hpp" ${_ringrt_header_excludes})

# XNNPACK and pthreadpool are ringrt_dep:: imported targets that ringrtConfig.cmake
# recreates on the user's machine (libringrt.a names them as $<LINK_ONLY:...>).
# libringrt.a is installed when the build has it: ringrt (static build) or ringrt_static.
set(_ringrt_static_installed OFF)
set(_ringrt_install_targets ringrt)
if(NOT BUILD_SHARED_LIBS)
  set(_ringrt_static_installed ON)
elseif(TARGET ringrt_static)
  set(_ringrt_static_installed ON)
  list(APPEND _ringrt_install_targets ringrt_static)
endif()
install(TARGETS ${_ringrt_install_targets} EXPORT ringrtTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
if(TARGET ringrt-run)
  install(TARGETS ringrt-run RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()

install(EXPORT ringrtTargets NAMESPACE ringrt:: DESTINATION ${RINGRT_INSTALL_CMAKEDIR})
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/ringrtConfig.cmake.in
  ${PROJECT_BINARY_DIR}/ringrtConfig.cmake
  INSTALL_DESTINATION ${RINGRT_INSTALL_CMAKEDIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/ringrtConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/ringrtConfig.cmake ${PROJECT_BINARY_DIR}/ringrtConfigVersion.cmake
  DESTINATION ${RINGRT_INSTALL_CMAKEDIR})
# The build tree is a package too: -Dringrt_DIR=<build> uses it without installing.
export(EXPORT ringrtTargets NAMESPACE ringrt:: FILE ${PROJECT_BINARY_DIR}/ringrtTargets.cmake)

# RINGRT_WITH_MPI: lib/libringrt_mpi.a as ringrt::ringrt_mpi, in its own export set
# so that find_package(ringrt) needs MPI only for it (ringrtConfig.cmake: component mpi).
if(RINGRT_WITH_MPI)
  install(TARGETS ringrt_mpi EXPORT ringrtMpiTargets ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
  install(EXPORT ringrtMpiTargets NAMESPACE ringrt:: DESTINATION ${RINGRT_INSTALL_CMAKEDIR})
  export(EXPORT ringrtMpiTargets NAMESPACE ringrt:: FILE ${PROJECT_BINARY_DIR}/ringrtMpiTargets.cmake)
endif()

# pkg-config: prefix is found from the .pc file's own place, so it stays relocatable.
file(RELATIVE_PATH RINGRT_PC_TO_PREFIX /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
string(REGEX REPLACE "/$" "" RINGRT_PC_TO_PREFIX "${RINGRT_PC_TO_PREFIX}")
set(RINGRT_PC_PREFIX "\${pcfiledir}/${RINGRT_PC_TO_PREFIX}")
# libringrt's own dependencies, the same in both files: -lstdc++ lets a C program link
# libringrt.a with the C driver.
set(RINGRT_PC_DEPS "-lXNNPACK -lpthreadpool -lcpuinfo -lpthread -lstdc++ -lm")
configure_file(${CMAKE_CURRENT_LIST_DIR}/ringrt.pc.in ${PROJECT_BINARY_DIR}/ringrt.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/ringrt.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
# ringrt-static.pc names libringrt.a by path: with libringrt.so in the same folder,
# -lringrt (ringrt.pc, even with --static) links the .so.
if(_ringrt_static_installed)
  configure_file(${CMAKE_CURRENT_LIST_DIR}/ringrt-static.pc.in ${PROJECT_BINARY_DIR}/ringrt-static.pc @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/ringrt-static.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endif()
