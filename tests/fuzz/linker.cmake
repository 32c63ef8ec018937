# outrig-linker: CP report and verdict decoding (seeds in corpus/linker_cp_fuzz/).
if(TARGET lnk_domain)
    outrig_fuzz(linker_cp_fuzz SOURCES ${CMAKE_CURRENT_LIST_DIR}/linker_cp_fuzz.c
        LIBS lnk_domain)
endif()
