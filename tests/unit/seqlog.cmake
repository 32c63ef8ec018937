outrig_unit_test(seqlog_test SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/unit/seqlog_test.c
    LIBS common_seqlog Threads::Threads)
