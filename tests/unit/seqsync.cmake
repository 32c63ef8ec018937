outrig_unit_test(seqsync_test SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/unit/seqsync_test.c
    LIBS common_seqsync)
