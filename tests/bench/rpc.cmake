add_executable(bench-rpc ${CMAKE_CURRENT_LIST_DIR}/bench_rpc.c)
target_link_libraries(bench-rpc PRIVATE common_rpc outrig_test_support outrig_bench_util)
set_target_properties(bench-rpc PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests/bench)
