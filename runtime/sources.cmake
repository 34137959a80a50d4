# The runtime library proper.
set(RINGRT_RUNTIME_SOURCES
  src/arena.cpp
  src/c_api.cpp
  src/kv_store_file.cpp
  src/kv_store_memory.cpp
  src/layer_norm.cpp
  src/mapped_file.cpp
  src/model_loader.cpp
  src/planner.cpp
  src/ring_keysplit.cpp
  src/ring_scheduler.cpp
  src/session.cpp
  src/session_bidirectional.cpp
  src/residual_store.cpp
  src/file_io.cpp
  src/session_distributed.cpp
  src/local_transport.cpp
  src/ring_exchange.cpp
  src/shard_schedule.cpp
  src/thread_pool.cpp
  src/vector_math.cpp
  src/xnn_allocator.cpp
  src/xnn_fully_connected.cpp)

add_library(ringrt STATIC ${RINGRT_RUNTIME_SOURCES} $<TARGET_OBJECTS:ringrt_format>)
add_library(ringrt::ringrt ALIAS ringrt)
target_include_directories(ringrt
  PUBLIC $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include> $<INSTALL_INTERFACE:include>
  PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_compile_options(ringrt PRIVATE ${RINGRT_RUNTIME_FLAGS})
target_compile_definitions(ringrt PRIVATE RINGRT_VERSION_STRING="${PROJECT_VERSION}")
target_link_libraries(ringrt PRIVATE ringrt_schema ringrt_dep::xnnpack ringrt_dep::pthreadpool Threads::Threads)
# Elementwise kernels are written for the auto-vectoriser.
set_source_files_properties(src/vector_math.cpp PROPERTIES COMPILE_OPTIONS "-O3;-Wno-psabi")

add_subdirectory(cli)

# Shared variant of libringrt, installed as libringrt.so beside libringrt.a
# (cmake/Install.cmake). Reuses the static library's objects (built with
# CMAKE_POSITION_INDEPENDENT_CODE), so it always has the same sources and flags.
add_library(ringrt_shared SHARED $<TARGET_OBJECTS:ringrt> $<TARGET_OBJECTS:ringrt_format>)
set_target_properties(ringrt_shared PROPERTIES OUTPUT_NAME ringrt EXPORT_NAME ringrt_shared
  VERSION ${PROJECT_VERSION} SOVERSION ${PROJECT_VERSION_MAJOR})
target_include_directories(ringrt_shared PUBLIC
  $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include> $<INSTALL_INTERFACE:include>)
target_link_libraries(ringrt_shared PRIVATE ringrt_dep::xnnpack ringrt_dep::pthreadpool Threads::Threads)
