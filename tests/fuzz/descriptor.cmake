# services/orchestrator/descriptor: SOL006 NSD/VNFD parser, reference checks
# and store encoding (seeds in corpus/descriptor_fuzz/: the example package).
outrig_fuzz(descriptor_fuzz SOURCES ${CMAKE_CURRENT_LIST_DIR}/descriptor_fuzz.c
    LIBS orch_descriptor)
