# The outrig CLI's orchestrator commands against real store, hub and orchestrator
# processes (the LXC part runs only as root with lxc installed).
if(TARGET outrig-orchestrator)
    outrig_script_test(orch_cli_test SCRIPT ${CMAKE_CURRENT_LIST_DIR}/orch_cli_test.sh
        LABEL integration TIMEOUT 180)
endif()
