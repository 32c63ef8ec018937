outrig_fuzz(envelope_fuzz SOURCES ${CMAKE_CURRENT_LIST_DIR}/envelope_fuzz.c LIBS common_rpc)
