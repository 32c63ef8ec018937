// The RPC server's listener watchdog against nng 1.5's wedged listener.
// Its own binary: the wedged connections nng leaves behind cannot be freed by
// us, so LeakSanitizer is told not to count leaks here (see rpc.cmake).
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <nng/nng.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "outrig/v1/health.pb-c.h"
#include "rpc/rpc.h"

// A client that connects and leaves during nng's handshake can wedge an nng
// 1.5 ipc listener for good (nng#1518). The watchdog must bring it back.
static void raw_connect_close(const char *path)
{
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof sa.sun_path)
        return;
    memcpy(sa.sun_path, path, strlen(path) + 1);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0) {
        ssize_t w = write(fd, "\0SP\0\0\x30\0\0", 8);
        (void)w;
    }
    close(fd);
}

static rpc_code fresh_call(const char *url)
{
    rpc_client_opts co = {.timeout_ms = 1000, .connect_wait_ms = 500};
    rpc_client *c = rpc_client_open(url, &co);
    Outrig__V1__HealthCheckRequest in = OUTRIG__V1__HEALTH_CHECK_REQUEST__INIT;
    rpc_code code = rpc_client_call(c, "/outrig.v1.Health/Check", &in.base, NULL, NULL, NULL, NULL);
    rpc_client_close(c);
    return code;
}

static void test_watchdog_recovers_listener_wedged_by_aborted_handshake(void **state)
{
    char dir[] = "/tmp/outrig-rpcwd-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char url[160];
    snprintf(url, sizeof url, "ipc://%s/wd.sock", dir);
    rpc_server_opts o = {.name = "wd", .watchdog_ms = 200};
    rpc_server *s = rpc_server_new(&o);
    assert_int_equal(rpc_server_listen(s, url), 0);
    assert_int_equal(rpc_server_start(s), 0);
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 5; i++)
            raw_connect_close(url + 6);
        usleep(100 * 1000);
        // Within a few watchdog periods a fresh client gets through again.
        rpc_code code = RPC_UNAVAILABLE;
        for (int t = 0; t < 10 && code != RPC_OK; t++)
            code = fresh_call(url);
        assert_int_equal(code, RPC_OK);
    }
    rpc_server_stats st;
    rpc_server_stats_get(s, &st);
    assert_true(st.relistens >= 1);
    rpc_server_free(s);
    unlink(url + 6);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_watchdog_recovers_listener_wedged_by_aborted_handshake),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    nng_fini();
    return rc;
}
