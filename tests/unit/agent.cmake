# outrig-agent: request decoding and validation (pure), and the agent site adapter's
# translation functions.
if(TARGET agent_request)
    outrig_unit_test(agent_request_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/agent_request_test.c
        LIBS agent_request)
    target_include_directories(agent_request_test PRIVATE ${CMAKE_SOURCE_DIR}/hypervisor-agent/vmm)
    outrig_unit_test(agent_vectors_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/agent_vectors_test.c
        LIBS agent_request outrig_proto)
endif()
if(TARGET orch_adapter AND TARGET outrig_nanopb)
    outrig_unit_test(agent_adapter_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/agent_adapter_test.c
        LIBS orch_adapter)
endif()
