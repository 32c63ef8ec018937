# Process-VNF runtime end to end: real netns, veths, a bridge, cgroups (root).
if(TARGET agent_runtime)
    add_executable(runtime_e2e_prog ${CMAKE_CURRENT_LIST_DIR}/runtime_prog.c)
    outrig_c_test(runtime_e2e SOURCES ${CMAKE_CURRENT_LIST_DIR}/runtime_test.c
        LIBS agent_runtime outrig_test_support LABEL e2e TIMEOUT 120)
    target_compile_definitions(runtime_e2e PRIVATE RT_PROG="$<TARGET_FILE:runtime_e2e_prog>")
    add_dependencies(runtime_e2e runtime_e2e_prog)
endif()
