# outrigd on real processes: outrig-store and outrig-hub when they are built,
# and outrigd-testsvc, a micro-app that crashes or ignores SIGTERM on request.
add_executable(outrigd-testsvc ${CMAKE_CURRENT_LIST_DIR}/outrigd_testsvc.c)
target_link_libraries(outrigd-testsvc PRIVATE common_microapp common_util)
outrig_c_test(outrigd_integration_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/outrigd_test.c
    LIBS common_rpc outrig_proto outrig_test_support LABEL integration TIMEOUT 180)
if(TARGET outrigd_integration_test)
    set(_od_store ${CMAKE_BINARY_DIR}/services/store/outrig-store)
    set(_od_hub ${CMAKE_BINARY_DIR}/services/hub/outrig-hub)
    target_compile_definitions(outrigd_integration_test PRIVATE
        OUTRIGD_BIN="$<TARGET_FILE:outrigd>" TESTSVC_BIN="$<TARGET_FILE:outrigd-testsvc>"
        STORE_BIN="${_od_store}" HUB_BIN="${_od_hub}")
    add_dependencies(outrigd_integration_test outrigd outrigd-testsvc)
    foreach(svc outrig-store outrig-hub)
        if(TARGET ${svc})
            add_dependencies(outrigd_integration_test ${svc})
        endif()
    endforeach()
endif()
