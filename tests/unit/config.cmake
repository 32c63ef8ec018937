# common/config: the YAML tree and the typed outrig.yaml layer.
outrig_unit_test(config_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/config_test.c LIBS common_config)
outrig_unit_test(config_outrig_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/config_outrig_test.c
    LIBS common_config)
if(TARGET config_outrig_test)
    target_compile_definitions(config_outrig_test PRIVATE
        OUTRIG_SRC_DIR_DEFAULT="${CMAKE_SOURCE_DIR}")
endif()
