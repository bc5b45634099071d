include(GoogleTest)

# trustsphere_test(NAME SOURCES ... LIBS ...): a GoogleTest binary whose tests
# CTest lists one by one (so they run in parallel and report separately).
function(trustsphere_test NAME)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${NAME} ${ARG_SOURCES})
  target_compile_options(${NAME} PRIVATE ${TRUSTSPHERE_WARNINGS})
  target_link_libraries(${NAME} PRIVATE ${ARG_LIBS} trustsphere_test_support
    GTest::gtest_main GTest::gmock)
  # NO_PRETTY_VALUES: parameterised suites are named by index, not by the
  # bytes of their parameter (a factory).
  gtest_discover_tests(${NAME} DISCOVERY_MODE PRE_TEST DISCOVERY_TIMEOUT 30 NO_PRETTY_VALUES
    PROPERTIES TIMEOUT 300)
endfunction()
