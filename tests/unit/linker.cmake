# outrig-linker: domain unit tests (IPAM, link state machine, peer resolution, CP reports)
# and the shared rtnetlink module's pure part.
#
# TEMPORARY bootstrap until common/CMakeLists.txt has `common_module(netlink Threads::Threads)`
# and the top-level CMakeLists.txt adds services/linker: both are built from here then.
if(NOT TARGET common_netlink)
    file(GLOB nl_srcs CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/common/netlink/*.c)
    add_library(common_netlink STATIC ${nl_srcs})
    target_include_directories(common_netlink PUBLIC ${CMAKE_SOURCE_DIR}/common)
    target_link_libraries(common_netlink PUBLIC Threads::Threads)
endif()
if(NOT TARGET lnk_domain AND EXISTS ${CMAKE_SOURCE_DIR}/services/linker/CMakeLists.txt)
    add_subdirectory(${CMAKE_SOURCE_DIR}/services/linker ${CMAKE_BINARY_DIR}/services/linker)
endif()

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
