// Test harness for outrig-store integration tests.
#define _GNU_SOURCE
#include "store_harness.h"

#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int sth_init(sth *h)
{
    memset(h, 0, sizeof(*h));
    strcpy(h->dir, "/tmp/outrig-store-it-XXXXXX");
    if (!mkdtemp(h->dir))
        return -1;
    snprintf(h->run, sizeof(h->run), "%s/run", h->dir);
    snprintf(h->data, sizeof(h->data), "%s/data", h->dir);
    snprintf(h->url, sizeof(h->url), "ipc://%s/store.sock", h->run);
    mkdir(h->run, 0700);
    mkdir(h->data, 0700);
    h->pid = 0;
    return 0;
}

store_client *sth_client(sth *h)
{
    rpc_client_opts o = {.timeout_ms = 5000};
    return store_client_open(h->url, &o);
}

int sth_start(sth *h)
{
    const char *bd = getenv("OUTRIG_BUILD_DIR");
    char bin[512];
    snprintf(bin, sizeof(bin), "%s/services/store/outrig-store", bd ? bd : ".");
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        const char *argv[32] = {bin,        "--run-dir", h->run,        "--data-dir", h->data,
                                "--listen", h->url,      "--log-level", "warn"};
        int n = 9;
        for (int i = 0; h->extra[i] && n < 29; i++) {
            argv[n++] = "--set";
            argv[n++] = h->extra[i];
        }
        argv[n] = NULL;
        execv(bin, (char **)argv);
        fprintf(stderr, "exec %s: %s\n", bin, strerror(errno));
        _exit(127);
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
        usleep(50000);
    }
    store_client_close(c);
    fprintf(stderr, "outrig-store did not answer Info\n");
    return -1;
}

int sth_kill(sth *h, int sig)
{
    if (h->pid <= 0)
        return 0;
    kill(h->pid, sig);
    int st = 0;
    waitpid(h->pid, &st, 0);
    h->pid = 0;
    return st;
}

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    return remove(p);
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
        nftw(h->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
        if (access(h->dir, F_OK) == 0) {
            fprintf(stderr, "%s left behind\n", h->dir);
            rc = -1;
        }
    }
    h->dir[0] = '\0';
    return rc;
}
