# bench-hub: publish/subscribe throughput, latency and loss through a real outrig-hub.
add_executable(bench-hub ${CMAKE_CURRENT_SOURCE_DIR}/bench/bench_hub.c)
target_link_libraries(bench-hub PRIVATE common_hub common_util ${NNG_LIB} Threads::Threads)
set_target_properties(bench-hub PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests/bench)
