# common/config: YAML tree and outrig.yaml layer (seeds in corpus/config_fuzz/).
outrig_fuzz(config_fuzz SOURCES ${CMAKE_CURRENT_LIST_DIR}/config_fuzz.c LIBS common_config)
