// Test harness for outrig-store integration tests.
#define _GNU_SOURCE
#include "store_harness.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proc.h"

int sth_init(sth *h)
{
    memset(h, 0, sizeof(*h));
    if (proc_tmpdir("store-it", h->dir, sizeof(h->dir)))
        return -1;
    snprintf(h->run, sizeof(h->run), "%s/run", h->dir);
    snprintf(h->data, sizeof(h->data), "%s/data", h->dir);
    snprintf(h->url, sizeof(h->url), "ipc://%s/store.sock", h->run);
    mkdir(h->run, 0700);
    mkdir(h->data, 0700);
    return 0;
}

store_client *sth_client(sth *h)
{
    rpc_client_opts o = {.timeout_ms = 5000};
    return store_client_open(h->url, &o);
}

int sth_start(sth *h)
{
    char bin[512];
    proc_build_path("services/store/outrig-store", bin, sizeof(bin));
    char *argv[32] = {bin,        "--run-dir", h->run,        "--data-dir", h->data,
                      "--listen", h->url,      "--log-level", "warn"};
    int n = 9;
    for (int i = 0; h->extra[i] && n < 29; i++) {
        argv[n++] = "--set";
        argv[n++] = (char *)h->extra[i];
    }
    argv[n] = NULL;
    pid_t pid = proc_spawn(argv, NULL, NULL);
    if (pid < 0) {
        fprintf(stderr, "spawn %s: %s\n", bin, strerror(-pid));
        return -1;
    }
    h->pid = pid;
    store_client *c = sth_client(h);
    if (!c)
        return -1;
    for (int i = 0; i < 200; i++) {
        Outrig__V1__StoreInfoResponse *in = NULL;
        if (store_info(c, &in, NULL) == RPC_OK) {
            store_info_free(in);
            store_client_close(c);
            return 0;
        }
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid) {
            fprintf(stderr, "outrig-store exited early: status 0x%x\n", st);
            h->pid = 0;
            break;
        }
        proc_sleep_ms(50);
    }
    store_client_close(c);
    fprintf(stderr, "outrig-store did not answer Info\n");
    return -1;
}

int sth_kill(sth *h, int sig)
{
    if (h->pid <= 0)
        return 0;
    // A store that ignores sig for 30 s is killed: its status then says so.
    int st = proc_stop(h->pid, sig, 30000);
    h->pid = 0;
    return st < 0 ? 0 : st;
}

int sth_fini(sth *h)
{
    int st = sth_kill(h, SIGTERM);
    int rc = 0;
    if (st && !(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
        fprintf(stderr, "outrig-store did not exit cleanly: status 0x%x\n", st);
        rc = -1;
    }
    if (h->dir[0]) {
        proc_rmtree(h->dir);
        if (access(h->dir, F_OK) == 0) {
            fprintf(stderr, "%s left behind\n", h->dir);
            rc = -1;
        }
    }
    h->dir[0] = '\0';
    return rc;
}
