# bench-linker: both CPs ready -> link UP, 100 links at once within a site and across sites,
# through real store, hub and linker processes and real data paths in network namespaces.
if(TARGET outrig-linker AND TARGET linker_test_net)
    add_executable(bench-linker ${CMAKE_CURRENT_SOURCE_DIR}/bench/bench_linker.c)
    target_link_libraries(bench-linker PRIVATE outrig_bench_util outrig_test_support lnk_domain
        lnk_datapath linker_test_net common_hub outrig_proto common_rpc ${NNG_LIB}
        Threads::Threads)
    set_target_properties(bench-linker PROPERTIES RUNTIME_OUTPUT_DIRECTORY
        ${CMAKE_BINARY_DIR}/tests/bench)
    add_dependencies(bench-linker outrig-store outrig-hub outrig-linker)
endif()
