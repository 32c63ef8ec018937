# LXC site adapter end to end: real containers, veths, a bridge, a site netns (root).
if(TARGET orch_adapter AND LXC_LIB)
    # Static and without the sanitizers: it runs inside a busybox rootfs with no libc.
    add_executable(lxc_vnf_prog ${CMAKE_CURRENT_LIST_DIR}/lxc_vnf_prog.c)
    set_property(TARGET lxc_vnf_prog PROPERTY COMPILE_OPTIONS -Wall -Wextra -Werror -Wno-unused-parameter)
    set_property(TARGET lxc_vnf_prog PROPERTY LINK_OPTIONS -static)
    outrig_c_test(lxc_e2e SOURCES ${CMAKE_CURRENT_LIST_DIR}/lxc_test.c
        LIBS orch_adapter outrig_test_support Threads::Threads LABEL e2e TIMEOUT 240)
    if(TARGET lxc_e2e)
        target_compile_definitions(lxc_e2e PRIVATE LXC_VNF_PROG="$<TARGET_FILE:lxc_vnf_prog>")
        add_dependencies(lxc_e2e lxc_vnf_prog)
        set_tests_properties(lxc_e2e PROPERTIES SKIP_RETURN_CODE 77)
    endif()
endif()
