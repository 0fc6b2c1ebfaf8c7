include(GoogleTest)

# ctc_test_dir(<target> <dir> LABEL <label> LIBS <libs...>)
# One test executable per folder of *_test.cpp files, each GoogleTest case
# registered with CTest under the given label.
function(ctc_test_dir target dir)
  cmake_parse_arguments(ARG "" "LABEL" "LIBS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS "${dir}/*_test.cpp")
  if(NOT sources)
    return()
  endif()
  add_executable(${target} ${sources})
  target_link_libraries(${target} PRIVATE ${ARG_LIBS} rapidcheck_gtest rapidcheck GTest::gtest GTest::gtest_main)
  gtest_discover_tests(${target}
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
    PROPERTIES LABELS ${ARG_LABEL}
    DISCOVERY_TIMEOUT 120)
endfunction()
