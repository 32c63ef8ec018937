# bench-memory: RSS of outrigd + outrig-hub + outrig-store, idle and after load.
add_executable(bench-memory ${CMAKE_CURRENT_SOURCE_DIR}/bench/bench_memory.c
    ${CMAKE_CURRENT_SOURCE_DIR}/bench/bench_util.c)
target_include_directories(bench-memory PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/bench)
target_link_libraries(bench-memory PRIVATE common_hub common_store common_rpc common_util
    outrig_proto ${NNG_LIB} Threads::Threads)
set_target_properties(bench-memory PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests/bench)
add_dependencies(bench-memory outrigd)
foreach(svc outrig-store outrig-hub)
    if(TARGET ${svc})
        add_dependencies(bench-memory ${svc})
    endif()
endforeach()
