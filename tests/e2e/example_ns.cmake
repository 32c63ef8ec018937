# The example NS (examples/ns) under outrigd across two agent sites in network namespaces,
# with traffic through the example VNF programs, a kill and heal, and a delete that leaves
# nothing (root).
if(TARGET outrigd AND TARGET outrig AND TARGET outrig-agent AND TARGET outrig-linker
   AND TARGET outrig-orchestrator)
    outrig_script_test(example_ns_e2e SCRIPT ${CMAKE_CURRENT_LIST_DIR}/example_ns_test.sh
        LABEL e2e TIMEOUT 240)
endif()
