# Why: GAPLAB_CUDA=AUTO|ON|OFF decides once whether the CUDA backend is built.
# AUTO enables it when a toolkit is found (nvcc on PATH or /usr/local/cuda);
# ON fails loudly without one. Compiling needs no GPU; running the gpu tests does.
set(GAPLAB_HAVE_CUDA OFF)
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
message(STATUS "gaplab: CUDA toolkit ${GAPLAB_HAVE_CUDA} (GAPLAB_CUDA=${GAPLAB_CUDA}); "
               "the CUDA backend itself lands with the CUDA issue, the CPU backend always builds")
