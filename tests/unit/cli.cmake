# The outrig CLI: JSON/table output, argument parsing and command helpers.
outrig_unit_test(cli_output_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/cli_output_test.c
    LIBS outrig_cli)
outrig_unit_test(cli_args_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/cli_args_test.c
    LIBS outrig_cli)
outrig_unit_test(cli_util_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/cli_util_test.c
    LIBS outrig_cli)
