# Why: GAPLAB_CUDA=AUTO|ON|OFF decides once whether the CUDA backend is built.
# AUTO enables it when a toolkit is found (nvcc on PATH or /usr/local/cuda);
# ON fails loudly without one. Compiling needs no GPU; running the gpu tests does.
set(GAPLAB_HAVE_CUDA OFF)
set(GAPLAB_HAVE_NCCL OFF)
if(NOT GAPLAB_CUDA MATCHES "^(AUTO|ON|OFF)$")
  message(FATAL_ERROR "GAPLAB_CUDA must be AUTO, ON or OFF, got '${GAPLAB_CUDA}'")
endif()
if(NOT GAPLAB_CUDA STREQUAL "OFF")
  if(NOT CMAKE_CUDA_COMPILER AND EXISTS /usr/local/cuda/bin/nvcc)
    set(CMAKE_CUDA_COMPILER /usr/local/cuda/bin/nvcc)
  endif()
  include(CheckLanguage)
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    set(GAPLAB_HAVE_CUDA ON)
  elseif(GAPLAB_CUDA STREQUAL "ON")
    message(FATAL_ERROR "GAPLAB_CUDA=ON but no CUDA toolkit was found (looked for nvcc on PATH and /usr/local/cuda)")
  endif()
endif()
if(GAPLAB_HAVE_CUDA)
  if(NOT CMAKE_CUDA_ARCHITECTURES)
    set(CMAKE_CUDA_ARCHITECTURES ${GAPLAB_CUDA_ARCHITECTURES})
  endif()
  set(CMAKE_CUDA_STANDARD 17)  # kernels need no C++20; CMake 3.25 knows no CUDA20 flag for nvcc 13
  set(CMAKE_CUDA_STANDARD_REQUIRED ON)
  enable_language(CUDA)
  # yaml-cpp's target exports /usr/include; passed to nvcc as -isystem it breaks
  # libstdc++'s #include_next <math.h>. CMake drops implicit directories it knows.
  list(APPEND CMAKE_CUDA_IMPLICIT_INCLUDE_DIRECTORIES /usr/include)
  find_package(CUDAToolkit REQUIRED)
  # CMake 3.25 does not parse nvcc 13's link line, so it knows no implicit link
  # directory; programs linked by the C++ compiler need the runtime's folder.
  set(CMAKE_CUDA_RUNTIME_LIBRARY Shared)
  list(APPEND CMAKE_CUDA_IMPLICIT_LINK_DIRECTORIES ${CUDAToolkit_LIBRARY_DIR})
  # NCCL ships beside the toolkit (/usr/local/cuda/lib64) but has no CMake target.
  # Without it the backend still builds: ranks then sum device gradients through
  # host memory over MPI (distributed/trial_communicator.h), which is slower.
  if(GAPLAB_NCCL)
    find_library(GAPLAB_NCCL_LIBRARY NAMES nccl libnccl.so.2 HINTS ${CUDAToolkit_LIBRARY_DIR} /usr/local/cuda/lib64)
    find_path(GAPLAB_NCCL_INCLUDE_DIR nccl.h HINTS ${CUDAToolkit_INCLUDE_DIRS} /usr/local/cuda/include)
  endif()
  if(GAPLAB_NCCL AND GAPLAB_NCCL_LIBRARY AND GAPLAB_NCCL_INCLUDE_DIR)
    set(GAPLAB_HAVE_NCCL ON)
    add_library(gaplab_nccl INTERFACE)
    target_link_libraries(gaplab_nccl INTERFACE ${GAPLAB_NCCL_LIBRARY})
    target_include_directories(gaplab_nccl INTERFACE ${GAPLAB_NCCL_INCLUDE_DIR})
    install(TARGETS gaplab_nccl EXPORT gaplabTargets)
  else()
    set(GAPLAB_HAVE_NCCL OFF)
    if(GAPLAB_NCCL)
      message(WARNING "gaplab: NCCL (libnccl.so, nccl.h) not found beside the CUDA toolkit: multi-rank GPU trials "
                      "will sum gradients through host memory over MPI (set GAPLAB_NCCL_LIBRARY and "
                      "GAPLAB_NCCL_INCLUDE_DIR to use NCCL)")
    endif()
  endif()
endif()
message(STATUS "gaplab: CUDA backend ${GAPLAB_HAVE_CUDA}, NCCL ${GAPLAB_HAVE_NCCL} (GAPLAB_CUDA=${GAPLAB_CUDA}, "
               "architectures ${CMAKE_CUDA_ARCHITECTURES}); the CPU backend always builds")
