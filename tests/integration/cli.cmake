# The outrig CLI against real outrig-store and outrig-hub processes.
outrig_script_test(cli_test SCRIPT ${CMAKE_CURRENT_LIST_DIR}/cli_test.sh LABEL integration
    TIMEOUT 180)
