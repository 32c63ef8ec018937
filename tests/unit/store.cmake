# outrig-store domain and LMDB backend.
outrig_unit_test(store_domain_test SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/unit/store_domain_test.c
    LIBS outrig_store_core)
outrig_unit_test(store_lmdb_test SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/unit/store_lmdb_test.c
    LIBS outrig_store_core)
outrig_unit_test(store_client_test SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/unit/store_client_test.c
    LIBS outrig_store_core common_store)
