# outrig-store on real processes (started directly, on a temporary directory).
set(_sth ${CMAKE_CURRENT_SOURCE_DIR}/integration/store_harness.c)
foreach(t store_rpc_test store_crash_test store_watch_test)
    outrig_c_test(${t} SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/integration/${t}.c ${_sth}
        LIBS common_store common_util outrig_test_support LABEL integration TIMEOUT 300)
    if(TARGET ${t} AND TARGET outrig-store)
        add_dependencies(${t} outrig-store)
    endif()
endforeach()
