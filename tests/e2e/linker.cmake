# outrig-linker data path end to end in network namespaces (root): bridges, VXLAN, traffic,
# nothing left behind. The namespaces are anonymous: they vanish with the test.
if(TARGET lnk_datapath)
    add_library(linker_test_net STATIC ${CMAKE_CURRENT_LIST_DIR}/linker_net.c)
    target_include_directories(linker_test_net PUBLIC ${CMAKE_CURRENT_LIST_DIR})
    target_link_libraries(linker_test_net PUBLIC common_netlink Threads::Threads)
    outrig_c_test(linker_datapath_e2e SOURCES ${CMAKE_CURRENT_LIST_DIR}/linker_datapath_test.c
        LIBS lnk_datapath lnk_domain linker_test_net LABEL e2e TIMEOUT 120)
endif()

# The service on real store, hub and linker processes, with the test playing the agents of two
# site hosts in network namespaces (root; exits 77, skipped, otherwise).
if(TARGET outrig-linker)
    outrig_c_test(linker_service_e2e SOURCES ${CMAKE_CURRENT_LIST_DIR}/linker_service_test.c
        LIBS lnk_datapath lnk_domain linker_test_net outrig_test_support common_store
        common_hub outrig_proto ${NNG_LIB} Threads::Threads LABEL e2e TIMEOUT 120)
    if(TARGET linker_service_e2e)
        add_dependencies(linker_service_e2e outrig-store outrig-hub outrig-linker outrig)
        set_tests_properties(linker_service_e2e PROPERTIES SKIP_RETURN_CODE 77)
    endif()
endif()

# The linker with a real outrig-agent: ConfigurePeer reaches the VNFs' peer files (root).
if(TARGET outrig-linker AND TARGET outrig-agent)
    outrig_c_test(linker_agent_e2e SOURCES ${CMAKE_CURRENT_LIST_DIR}/linker_agent_test.c
        LIBS lnk_domain linker_test_net outrig_test_support common_store common_hub
        outrig_proto ${NNG_LIB} Threads::Threads LABEL e2e TIMEOUT 120)
    if(TARGET linker_agent_e2e)
        add_dependencies(linker_agent_e2e outrig-store outrig-hub outrig-linker outrig-agent)
        set_tests_properties(linker_agent_e2e PROPERTIES SKIP_RETURN_CODE 77)
    endif()
endif()

# A link between two process VNFs comes UP through the real outrig-agent (ConfigurePeer data
# path, traffic check, cp.verified), with store, hub and linker processes (root; exits 77,
# skipped, otherwise).
if(TARGET outrig-linker AND TARGET outrig-agent)
    outrig_c_test(agent_link_e2e SOURCES ${CMAKE_CURRENT_LIST_DIR}/agent_link_test.c
        LIBS lnk_datapath lnk_domain linker_test_net outrig_test_support common_store
        common_hub outrig_proto ${NNG_LIB} Threads::Threads LABEL e2e TIMEOUT 120)
    if(TARGET agent_link_e2e)
        add_dependencies(agent_link_e2e outrig-store outrig-hub outrig-linker outrig-agent)
        set_tests_properties(agent_link_e2e PROPERTIES SKIP_RETURN_CODE 77)
    endif()
endif()
