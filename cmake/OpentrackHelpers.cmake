# One helper per kind of target so every module's CMakeLists.txt reads the same.
#
#   ot_library(NAME ot_foo SRCS a.cc b.cc DEPS absl::status ...)
#   ot_test(NAME foo_test SRCS foo_test.cc DEPS ot_foo)
#   ot_binary(NAME opentrack SRCS main.cc DEPS ...)

set(OT_WARNINGS -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers)

function(ot_library)
  cmake_parse_arguments(OT "" "NAME" "SRCS;DEPS" ${ARGN})
  add_library(${OT_NAME} STATIC ${OT_SRCS})
  target_include_directories(${OT_NAME} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(${OT_NAME} PRIVATE ${OT_WARNINGS})
  target_link_libraries(${OT_NAME} PUBLIC ${OT_DEPS})
endfunction()

function(ot_test)
  if(NOT OPENTRACK_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(OT "" "NAME;TIMEOUT" "SRCS;DEPS;LABELS" ${ARGN})
  add_executable(${OT_NAME} ${OT_SRCS})
  target_include_directories(${OT_NAME} PRIVATE ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(${OT_NAME} PRIVATE ${OT_WARNINGS})
  target_link_libraries(${OT_NAME} PRIVATE ${OT_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  if(NOT OT_TIMEOUT)
    set(OT_TIMEOUT 300)
  endif()
  gtest_discover_tests(${OT_NAME} DISCOVERY_MODE PRE_TEST
    PROPERTIES TIMEOUT ${OT_TIMEOUT} LABELS "${OT_LABELS}")
endfunction()

function(ot_binary)
  cmake_parse_arguments(OT "" "NAME" "SRCS;DEPS" ${ARGN})
  add_executable(${OT_NAME} ${OT_SRCS})
  target_include_directories(${OT_NAME} PRIVATE ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(${OT_NAME} PRIVATE ${OT_WARNINGS})
  target_link_libraries(${OT_NAME} PRIVATE ${OT_DEPS})
endfunction()
