# outrig-orchestrator: the ConfigurePeer requests it answers as the LXC sites' agent
# (seeds in corpus/orch_peer_fuzz/).
if(TARGET orch_domain)
    outrig_fuzz(orch_peer_fuzz SOURCES ${CMAKE_CURRENT_LIST_DIR}/orch_peer_fuzz.c
        LIBS orch_domain)
endif()
