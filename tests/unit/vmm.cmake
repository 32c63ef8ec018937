# vmm and guest programs: need /dev/kvm; exit 77 (skipped) without it.
if(TARGET agent_vmm)
    outrig_unit_test(vmm_test SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/unit/vmm_test.c LIBS agent_vmm)
    target_compile_definitions(vmm_test PRIVATE OUTRIG_GUEST_DIR="${OUTRIG_GUEST_DIR}")
    add_dependencies(vmm_test guests)
    set_tests_properties(vmm_test PROPERTIES SKIP_RETURN_CODE 77)
endif()

