# outrigd's domain: start order, backoff, the supervisor state machine, argv.
foreach(t order supervisor argv)
    outrig_unit_test(outrigd_${t}_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/outrigd_${t}_test.c
        LIBS outrigd_domain)
endforeach()
