# services/orchestrator domain: operations, plans, reconcile diff, sites (orch_domain).
if(TARGET orch_domain)
    outrig_unit_test(orch_ops_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/orch_ops_test.c
        LIBS orch_domain)
    outrig_unit_test(orch_reconcile_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/orch_reconcile_test.c
        LIBS orch_domain)
    outrig_unit_test(orch_sites_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/orch_sites_test.c
        LIBS orch_domain)
    outrig_unit_test(orch_lifecycle_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/orch_lifecycle_test.c
        LIBS orch_domain orch_descriptor)
    if(TARGET orch_lifecycle_test)
        target_compile_definitions(orch_lifecycle_test PRIVATE
            OUTRIG_SRC_DIR_DEFAULT="${CMAKE_SOURCE_DIR}")
    endif()
endif()
