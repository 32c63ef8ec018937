outrig_fuzz(hub_event_batch_fuzz SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/hub_event_batch_fuzz.c
    LIBS hubd_domain common_hub common_seqsync)
