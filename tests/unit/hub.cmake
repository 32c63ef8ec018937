# outrig-hub domain and the common/hub client's checks.
outrig_unit_test(hub_domain_test SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/unit/hub_domain_test.c
    LIBS hubd_domain common_hub)
