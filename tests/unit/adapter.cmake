# Site adapters (services/orchestrator/adapter): the generic layer and the LXC kind's pure parts.
if(TARGET orch_adapter)
    outrig_unit_test(adapter_spec_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/adapter_spec_test.c
        LIBS orch_adapter)
    if(LXC_LIB)
        outrig_unit_test(adapter_lxc_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/adapter_lxc_test.c
            LIBS orch_adapter)
    endif()
endif()
