# outrig-agent end to end: a real agent, store and hub; micro-VMs (KVM) and a process VNF
# (network namespaces, veths: root).
if(TARGET outrig-agent AND TARGET outrig-store AND TARGET outrig-hub AND TARGET orch_adapter)
    outrig_c_test(agent_e2e SOURCES ${CMAKE_CURRENT_LIST_DIR}/agent_test.c
        LIBS agent_request orch_adapter outrig_test_support common_store common_hub common_rpc common_util
             outrig_proto ${NNG_LIB} LABEL e2e TIMEOUT 180)
    target_include_directories(agent_e2e PRIVATE ${CMAKE_SOURCE_DIR}/tests/support)
    add_dependencies(agent_e2e outrig-agent outrig-store outrig-hub outrig)
endif()
# The same agent under outrigd, driven with the outrig CLI.
if(TARGET outrig-agent AND TARGET outrigd AND TARGET outrig)
    outrig_script_test(agent_outrigd_e2e SCRIPT ${CMAKE_CURRENT_LIST_DIR}/agent_outrigd_test.sh
        LABEL e2e TIMEOUT 120)
endif()
