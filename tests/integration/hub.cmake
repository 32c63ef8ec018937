# Hub integration: real outrig-hub, publisher and subscriber processes.
add_executable(hub_pubsub_tool ${CMAKE_CURRENT_SOURCE_DIR}/integration/hub_pubsub_tool.c)
target_link_libraries(hub_pubsub_tool PRIVATE common_hub common_util)
outrig_script_test(hub_integration SCRIPT ${CMAKE_CURRENT_SOURCE_DIR}/integration/hub_test.sh
    LABEL integration TIMEOUT 300)
outrig_c_test(hub_client_test SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/integration/hub_client_test.c
    LIBS common_hub common_util outrig_test_support LABEL integration TIMEOUT 120)
outrig_script_test(hub_reconnect SCRIPT ${CMAKE_CURRENT_SOURCE_DIR}/integration/hub_reconnect_test.sh
    LABEL integration TIMEOUT 120)
