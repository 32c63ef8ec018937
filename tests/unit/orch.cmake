# services/orchestrator: descriptor parser (orch_descriptor), placement
# (orch_placement) and the `outrig validate` command built on the parser.
outrig_unit_test(orch_descriptor_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/orch_descriptor_test.c
    LIBS orch_descriptor)
outrig_unit_test(orch_validate_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/orch_validate_test.c
    ${CMAKE_SOURCE_DIR}/tools/outrig/validate_cmd.c LIBS orch_descriptor)
outrig_unit_test(orch_placement_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/orch_placement_test.c
    LIBS orch_placement)
foreach(t orch_descriptor_test orch_validate_test)
    if(TARGET ${t})
        target_compile_definitions(${t} PRIVATE OUTRIG_SRC_DIR_DEFAULT="${CMAKE_SOURCE_DIR}")
    endif()
endforeach()
if(TARGET orch_validate_test)
    target_include_directories(orch_validate_test PRIVATE ${CMAKE_SOURCE_DIR}/tools/outrig)
endif()
