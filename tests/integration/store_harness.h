// Test harness for outrig-store integration tests: a temporary directory,
// starting and killing real outrig-store processes.
#ifndef OUTRIG_STORE_HARNESS_H
#define OUTRIG_STORE_HARNESS_H

#include <stdbool.h>
#include <sys/types.h>

#include "store/store.h"

typedef struct sth {
    char dir[64]; // /tmp/outrig-store-it-XXXXXX
    char run[96];
    char data[96];
    char url[160]; // ipc://<run>/store.sock
    pid_t pid;
    const char *extra[8]; // extra "--set" values, NULL-terminated
} sth;

// Clears *h and creates the directories (set h->extra after). 0 or -1.
int sth_init(sth *h);
// Starts outrig-store and waits until Info answers (10 s). 0 or -1.
int sth_start(sth *h);
// Sends sig to the store and reaps it; returns the wait status (0 if none ran).
int sth_kill(sth *h, int sig);
// Stops the store with SIGTERM and removes the directory. -1 if the store did
// not exit with status 0 (a crash, or a leak report under ASan) or the
// directory is still there.
int sth_fini(sth *h);
// A client of the harness's store.
store_client *sth_client(sth *h);

#endif
