# outrig-agent: the Agent API's nanopb request decoders and validation, every method
# (seeds in corpus/agent_request_fuzz/: a method byte, then an encoded request).
if(TARGET agent_request)
    outrig_fuzz(agent_request_fuzz SOURCES ${CMAKE_CURRENT_LIST_DIR}/agent_request_fuzz.c
        LIBS agent_request)
endif()
