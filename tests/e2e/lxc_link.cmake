# LXC-site VNFs linked by outrig-linker through the orchestrator's agent role (issue 5): an LXC
# site and an outrig-agent site in two network namespaces, links UP on verified traffic, real
# TCP between the VNFs, nothing left after the NS is deleted (root, liblxc, busybox-static;
# exits 77, skipped, otherwise).
if(TARGET outrig-orchestrator AND TARGET outrig-linker AND TARGET outrig-agent AND LXC_LIB)
    outrig_c_test(lxc_link_e2e SOURCES ${CMAKE_CURRENT_LIST_DIR}/lxc_link_test.c
        LIBS orch_adapter lnk_datapath linker_test_net common_netlink outrig_test_support outrig_proto
        common_rpc ${NNG_LIB} Threads::Threads LABEL e2e TIMEOUT 300)
    if(TARGET lxc_link_e2e)
        add_dependencies(lxc_link_e2e outrig-store outrig-hub outrig-orchestrator outrig-linker
            outrig-agent outrig-vnf-echo)
        set_tests_properties(lxc_link_e2e PROPERTIES SKIP_RETURN_CODE 77)
    endif()
endif()
