# bench-orchestrator: NS instantiate time (10 VNFs, 2 LXC sites) split into orchestrator and
# site time, and 200 NSs of 3 VNFs at once with the control plane's RSS (root, liblxc).
if(TARGET outrig-orchestrator)
    add_executable(bench-orchestrator ${CMAKE_CURRENT_SOURCE_DIR}/bench/bench_orchestrator.c)
    target_link_libraries(bench-orchestrator PRIVATE outrig_bench_util outrig_test_support
        outrig_proto common_rpc ${NNG_LIB} Threads::Threads)
    set_target_properties(bench-orchestrator PROPERTIES RUNTIME_OUTPUT_DIRECTORY
        ${CMAKE_BINARY_DIR}/tests/bench)
    add_dependencies(bench-orchestrator outrig-store outrig-hub outrig-orchestrator
        outrig-vnf-echo outrig-vnf-forwarder outrig-vnf-client)
endif()
