# Profile-guided optimization with GCC, in two builds of one build directory:
# GENERATE compiles counters into every object, the training run writes them
# to OPENTRACK_PGO_DIR, and USE recompiles with them. The object paths must
# match between the two, hence one directory. scripts/build-pgo.sh drives it.
set(OPENTRACK_PGO "OFF" CACHE STRING "Profile-guided optimization: OFF, GENERATE or USE")
set_property(CACHE OPENTRACK_PGO PROPERTY STRINGS OFF GENERATE USE)
set(OPENTRACK_PGO_DIR "${CMAKE_BINARY_DIR}/pgo-profile" CACHE PATH "Where profiles are written and read")

if(NOT OPENTRACK_PGO STREQUAL "OFF")
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    message(FATAL_ERROR "OPENTRACK_PGO supports GCC only (clang's profiles differ)")
  endif()
  if(OPENTRACK_PGO STREQUAL "GENERATE")
    # The collector counts from several threads: atomic updates keep the counts true.
    add_compile_options(-fprofile-generate=${OPENTRACK_PGO_DIR} -fprofile-update=prefer-atomic)
    add_link_options(-fprofile-generate=${OPENTRACK_PGO_DIR})
  elseif(OPENTRACK_PGO STREQUAL "USE")
    # partial-training: code the training never ran is optimized as usual, not for size.
    add_compile_options(-fprofile-use=${OPENTRACK_PGO_DIR} -fprofile-partial-training
      -Wno-missing-profile -Wno-error=coverage-mismatch)
  else()
    message(FATAL_ERROR "OPENTRACK_PGO must be OFF, GENERATE or USE, got ${OPENTRACK_PGO}")
  endif()
endif()
