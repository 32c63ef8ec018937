outrig_c_test(rpc_edges_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/rpc_edges_test.c
    LIBS common_rpc outrig_test_support LABEL integration TIMEOUT 120)
