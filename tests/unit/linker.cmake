# outrig-linker: domain unit tests (IPAM, link state machine, peer resolution, CP reports)
# and the shared rtnetlink module's pure part.
#
if(TARGET lnk_domain)
    outrig_unit_test(linker_ipam_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/linker_ipam_test.c
        LIBS lnk_domain)
    outrig_unit_test(linker_linkstate_test
        SOURCES ${CMAKE_CURRENT_LIST_DIR}/linker_linkstate_test.c LIBS lnk_domain)
    outrig_unit_test(linker_cpreport_test
        SOURCES ${CMAKE_CURRENT_LIST_DIR}/linker_cpreport_test.c LIBS lnk_domain)
endif()
if(TARGET lnk_nsd)
    outrig_unit_test(linker_peers_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/linker_peers_test.c
        LIBS lnk_nsd)
endif()
outrig_unit_test(netlink_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/netlink_test.c
    LIBS common_netlink)
