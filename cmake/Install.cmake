# Install rules and package files for users of ringrt:
#   include/ringrt/*.h, *.hpp              public C and C++ API
#   lib/libringrt.a or lib/libringrt.so*   the runtime (BUILD_SHARED_LIBS chooses)
#   lib/libringrt_mpi.a                    the MPI ring transport (RINGRT_WITH_MPI=ON)
#   bin/ringrt-run (+ ringrt-convert, ringrt-synth from converter/)
#   lib/cmake/ringrt/                      find_package(ringrt): ringrt::ringrt, ringrt::ringrt_mpi
#   lib/pkgconfig/ringrt.pc                pkg-config ringrt (add --static for libringrt.a)
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
# recreates on the user's machine (a static libringrt.a names them as $<LINK_ONLY:...>).
install(TARGETS ringrt EXPORT ringrtTargets
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
configure_file(${CMAKE_CURRENT_LIST_DIR}/ringrt.pc.in ${PROJECT_BINARY_DIR}/ringrt.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/ringrt.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
