# Process-VNF runtime: the pure part (names, specs, addresses, limits, state machine).
if(TARGET agent_runtime)
    outrig_unit_test(runtime_spec_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/runtime_spec_test.c
        LIBS agent_runtime)
endif()
