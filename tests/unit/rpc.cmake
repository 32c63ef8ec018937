outrig_unit_test(rpc_status_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/rpc_status_test.c LIBS common_rpc)
outrig_unit_test(rpc_envelope_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/rpc_envelope_test.c LIBS common_rpc)
outrig_unit_test(rpc_server_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/rpc_server_test.c
    LIBS common_rpc outrig_test_support)
outrig_unit_test(proto_vectors_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/proto_vectors_test.c
    LIBS outrig_proto outrig_nanopb)
outrig_unit_test(metrics_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/metrics_test.c LIBS common_metrics)
outrig_unit_test(microapp_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/microapp_test.c LIBS common_microapp)
outrig_unit_test(log_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/log_test.c LIBS common_util)
outrig_unit_test(rpc_watchdog_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/rpc_watchdog_test.c
    LIBS common_rpc)
# A wedged nng 1.5 listener keeps its half-open connections for good: they are
# nng's, not ours, so leak checking is off for this one binary.
if(TARGET rpc_watchdog_test)
    set_tests_properties(rpc_watchdog_test PROPERTIES ENVIRONMENT "ASAN_OPTIONS=detect_leaks=0")
endif()
