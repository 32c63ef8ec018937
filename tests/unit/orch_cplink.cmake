# services/orchestrator cplink.c (in orch_domain): the linker's ConfigurePeer requests to the
# agent role the orchestrator plays for LXC sites.
outrig_unit_test(orch_cplink_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/orch_cplink_test.c
    LIBS orch_domain)
