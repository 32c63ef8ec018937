# outrig-orchestrator end to end on real processes and two LXC sites in their own netns
# (root, liblxc, busybox-static; skipped otherwise). The agent-site step runs when
# outrig-agent is built (not a dependency, so that the agent's build does not gate this test).
if(TARGET outrig-orchestrator AND LXC_LIB)
    outrig_c_test(orch_e2e SOURCES ${CMAKE_CURRENT_LIST_DIR}/orch_e2e_test.c
        LIBS orch_adapter outrig_test_support outrig_proto common_rpc ${NNG_LIB} Threads::Threads
        LABEL e2e TIMEOUT 300)
    if(TARGET orch_e2e)
        add_dependencies(orch_e2e outrig-store outrig-hub outrig-orchestrator outrig-vnf-echo
            outrig-vnf-forwarder outrig-vnf-client)
        set_tests_properties(orch_e2e PROPERTIES SKIP_RETURN_CODE 77)
    endif()
endif()
