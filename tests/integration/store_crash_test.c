// kill -9 of outrig-store during concurrent writes loses no acknowledged write.
//
// Writer processes put distinct keys as fast as they can and record each
// acknowledged key with its revision; meanwhile the store is killed with
// SIGKILL and restarted, twice. After the writers stop, every acknowledged
// key must be in the store with its value and revision.
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "store_harness.h"
#include "util/clock.h"

#define WRITERS 4
#define RUN_MS 4000

static sth H;

// A writer process (this program run as "writer ID DIR URL"): puts
// /op/w<id>-<n> = "v<n>" until RUN_MS passed; each acknowledged put is a
// line "key revision" in DIR/acked-ID. A separate exec, not a bare fork: nng's
// threads do not survive fork.
static int writer(int id, const char *dir, const char *url)
{
    char path[160];
    snprintf(path, sizeof(path), "%s/acked-%d", dir, id);
    FILE *f = fopen(path, "w");
    rpc_client_opts o = {.timeout_ms = 1000};
    store_client *c = store_client_open(url, &o);
    if (!f || !c)
        return 1;
    uint64_t end = clock_mono_ms() + RUN_MS;
    for (int n = 0; clock_mono_ms() < end; n++) {
        char key[64], val[32];
        snprintf(key, sizeof(key), "/op/w%d-%06d", id, n);
        int len = snprintf(val, sizeof(val), "v%d", n);
        uint64_t rev;
        rpc_code rc = store_put(c, key, val, (size_t)len, 0, &rev, NULL);
        if (rc == RPC_OK)
            fprintf(f, "%s %" PRIu64 "\n", key, rev);
        else
            usleep(10000); // the store is down: try the next key shortly
    }
    store_client_close(c);
    fclose(f);
    return 0;
}

static int setup(void **s)
{
    return sth_init(&H);
}

static int teardown(void **s)
{
    sth_fini(&H);
    return 0;
}

static void test_kill9_loses_no_acknowledged_write(void **s)
{
    assert_int_equal(sth_start(&H), 0);
    pid_t kids[WRITERS];
    for (int i = 0; i < WRITERS; i++) {
        kids[i] = fork();
        assert_true(kids[i] >= 0);
        if (kids[i] == 0) {
            char id[8];
            snprintf(id, sizeof(id), "%d", i);
            execl("/proc/self/exe", "store_crash_test", "writer", id, H.dir, H.url, NULL);
            _exit(127);
        }
    }
    for (int round = 0; round < 2; round++) {
        usleep(1200000);
        sth_kill(&H, SIGKILL);
        assert_int_equal(sth_start(&H), 0);
    }
    for (int i = 0; i < WRITERS; i++) {
        int st;
        assert_int_equal(waitpid(kids[i], &st, 0), kids[i]);
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    // One more crash after the last acknowledgement, for good measure.
    sth_kill(&H, SIGKILL);
    assert_int_equal(sth_start(&H), 0);
    store_client *c = sth_client(&H);
    long checked = 0;
    for (int i = 0; i < WRITERS; i++) {
        char path[160], key[64];
        snprintf(path, sizeof(path), "%s/acked-%d", H.dir, i);
        FILE *f = fopen(path, "r");
        assert_non_null(f);
        uint64_t rev;
        while (fscanf(f, "%63s %" SCNu64, key, &rev) == 2) {
            Outrig__V1__KeyValue *kv = NULL;
            rpc_code rc = store_get(c, key, &kv, NULL);
            if (rc != RPC_OK)
                fail_msg("acknowledged %s at revision %" PRIu64 " is lost (%s)", key, rev,
                         rpc_code_name(rc));
            assert_int_equal(kv->mod_revision, rev);
            const char *n = strrchr(key, '-') + 1;
            char want[32];
            int len = snprintf(want, sizeof(want), "v%d", atoi(n));
            assert_int_equal(kv->value.len, len);
            assert_memory_equal(kv->value.data, want, (size_t)len);
            store_kv_free(kv);
            checked++;
        }
        fclose(f);
    }
    store_client_close(c);
    printf("checked %ld acknowledged writes across 3 kills\n", checked);
    assert_true(checked > 100);
    assert_int_equal(sth_fini(&H), 0);
}

int main(int argc, char **argv)
{
    if (argc == 5 && strcmp(argv[1], "writer") == 0)
        return writer(atoi(argv[2]), argv[3], argv[4]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_kill9_loses_no_acknowledged_write, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
