# Why: every folder is one library with the same conventions (C++20, includes from
# the repository root, exported as gaplab::<folder>); tests are declared one way.

# gaplab_add_library(<folder> DEPS <targets...>): sources are the folder's *.cpp.
function(gaplab_add_library folder)
  cmake_parse_arguments(ARG "" "" "DEPS;PRIVATE_DEPS" ${ARGN})
  file(GLOB_RECURSE srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cpp)
  # CUDA code lives in cuda/ subfolders (C++ that calls the CUDA runtime, cuBLAS
  # or NCCL, and .cu kernels); a CPU-only build leaves it out and compiles the
  # *_cpu_only.cpp fallbacks instead.
  if(GAPLAB_HAVE_CUDA)
    file(GLOB_RECURSE cu_srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cu)
    list(FILTER srcs EXCLUDE REGEX "_cpu_only\\.cpp$")
    list(APPEND srcs ${cu_srcs})
  else()
    list(FILTER srcs EXCLUDE REGEX "/cuda/")
  endif()
  set(target gaplab_${folder})
  if(srcs)
    add_library(${target} ${srcs})
    target_include_directories(${target} PUBLIC
      $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}> $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}/gaplab>)
    target_compile_features(${target} PUBLIC cxx_std_20)
    target_link_libraries(${target} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
    target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra>)
    if(GAPLAB_ARCH)
      target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:-march=${GAPLAB_ARCH}>)
    endif()
    if(GAPLAB_HAVE_CUDA)
      target_compile_definitions(${target} PUBLIC GAPLAB_HAVE_CUDA=1)
      target_link_libraries(${target} PUBLIC CUDA::cudart CUDA::cublas)
      target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CUDA>:--expt-relaxed-constexpr -lineinfo>)
    else()
      target_compile_definitions(${target} PUBLIC GAPLAB_HAVE_CUDA=0)
    endif()
  else()
    add_library(${target} INTERFACE)
    target_include_directories(${target} INTERFACE
      $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}> $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}/gaplab>)
    target_link_libraries(${target} INTERFACE ${ARG_DEPS})
  endif()
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${folder})
  add_library(gaplab::${folder} ALIAS ${target})
  install(TARGETS ${target} EXPORT gaplabTargets
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
  install(DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/gaplab/${folder}
          FILES_MATCHING PATTERN "*.h")
endfunction()

# add_gaplab_test(<name> SOURCES <files...> LABELS <labels...> [DEPS <targets...>])
# One executable per call; each TEST() becomes one ctest test carrying the labels.
function(add_gaplab_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LABELS;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main)
  target_compile_definitions(${name} PRIVATE
    GAPLAB_SOURCE_DIR="${PROJECT_SOURCE_DIR}" GAPLAB_BINARY_DIR="${PROJECT_BINARY_DIR}")
  if(GAPLAB_ARCH)
    target_compile_options(${name} PRIVATE -march=${GAPLAB_ARCH})
  endif()
  # GTEST_SKIP (a gpu test without a GPU) shows as skipped in ctest, not as passed.
  gtest_discover_tests(${name} PROPERTIES LABELS "${ARG_LABELS}" SKIP_REGULAR_EXPRESSION "\\[  SKIPPED \\]"
                       DISCOVERY_TIMEOUT 60)
endfunction()
