# The opportunistic scheduler: pure logic, task steps, and the threaded runner.
if(TARGET agent_opp)
    outrig_unit_test(opp_sched_test SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/unit/opp_sched_test.c
        LIBS agent_opp)
    outrig_unit_test(opp_tasks_test SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/unit/opp_tasks_test.c
        LIBS agent_opp)
    # The runner test boots an idle guest for its opportunistic case (skipped without KVM).
    outrig_unit_test(opp_runner_test SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/unit/opp_runner_test.c
        LIBS agent_opp)
    target_compile_definitions(opp_runner_test PRIVATE OUTRIG_GUEST_DIR="${OUTRIG_GUEST_DIR}")
    add_dependencies(opp_runner_test guests)
endif()
