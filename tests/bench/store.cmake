# bench-store: durable puts (1 and 16 writers), gets, watch latency, range.
if(TARGET outrig-store)
    add_executable(bench-store ${CMAKE_CURRENT_SOURCE_DIR}/bench/bench_store.c)
    target_link_libraries(bench-store PRIVATE common_store common_util)
    set_target_properties(bench-store PROPERTIES RUNTIME_OUTPUT_DIRECTORY
        ${CMAKE_BINARY_DIR}/tests/bench)
    add_dependencies(bench-store outrig-store)
endif()
