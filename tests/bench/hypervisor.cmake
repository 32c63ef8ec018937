# Hypervisor benchmarks: bench-hypervisor (latency under management work, three modes) and
# bench-vm-lifecycle (create/teardown times, RSS per idle VM). Run with tests/bench/run.sh NAME.
if(TARGET agent_opp)
    foreach(b hypervisor vm_lifecycle)
        string(REPLACE "_" "-" exe bench-${b})
        add_executable(${exe} ${CMAKE_CURRENT_SOURCE_DIR}/bench/${b}.c
            ${CMAKE_CURRENT_SOURCE_DIR}/bench/bench_util.c)
        target_include_directories(${exe} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/bench)
        target_link_libraries(${exe} PRIVATE agent_opp m)
        target_compile_definitions(${exe} PRIVATE OUTRIG_GUEST_DIR="${OUTRIG_GUEST_DIR}")
        set_target_properties(${exe} PROPERTIES RUNTIME_OUTPUT_DIRECTORY
            ${CMAKE_BINARY_DIR}/tests/bench)
        add_dependencies(${exe} guests)
    endforeach()
endif()
