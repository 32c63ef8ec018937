# outrig-store: write requests decoded, validated and applied to a temp LMDB backend.
outrig_fuzz(store_txn_fuzz SOURCES ${CMAKE_CURRENT_LIST_DIR}/store_txn_fuzz.c
    LIBS outrig_store_core)
