include(GoogleTest)

# trustsphere_test(NAME SOURCES ... LIBS ...): a GoogleTest binary whose tests
# CTest lists one by one (so they run in parallel and report separately).
function(trustsphere_test NAME)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${NAME} ${ARG_SOURCES})
  target_compile_options(${NAME} PRIVATE ${TRUSTSPHERE_WARNINGS})
  target_link_libraries(${NAME} PRIVATE ${ARG_LIBS} trustsphere_test_support
    GTest::gtest_main GTest::gmock)
  gtest_discover_tests(${NAME} DISCOVERY_MODE PRE_TEST DISCOVERY_TIMEOUT 30
    PROPERTIES TIMEOUT 300)
endfunction()
