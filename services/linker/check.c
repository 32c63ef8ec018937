// check: the traffic check on a thread of its own (lnk_dp_check_start). See datapath.h.
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "datapath.h"

typedef struct check {
    int netns_fd;
    uint32_t timeout_ms;
    char peer[64];
    lnk_verdict v;
    lnk_dp_verdict_fn done;
    void *arg;
    atomic_int *running;
} check;

static void *check_main(void *p)
{
    check *c = p;
    int rc = lnk_dp_ping(c->netns_fd, c->peer, c->timeout_ms, &c->v.rtt_us, c->v.reason,
                         sizeof c->v.reason);
    if (c->netns_fd >= 0)
        close(c->netns_fd);
    c->v.ok = rc == 0;
    if (c->v.ok)
        c->v.reason[0] = 0;
    uint8_t buf[LNK_VERDICT_MAX_BYTES];
    size_t len = 0;
    lnk_verdict_encode(&c->v, buf, sizeof buf, &len); // bounded fields: always fits
    c->done(c->arg, &c->v, buf, len);
    atomic_int *running = c->running;
    free(c);
    if (running)
        atomic_fetch_sub(running, 1); // the last touch: the owner may go once it is 0
    return NULL;
}

int lnk_dp_check_start(int netns_fd, const char *peer, uint32_t timeout_ms, const char *link_id,
                       lnk_dp_verdict_fn done, void *arg, atomic_int *running)
{
    if (!peer || !link_id || !done)
        return -EINVAL;
    check *c = calloc(1, sizeof *c);
    if (!c)
        return -ENOMEM;
    // A copy of the fd holds the netns whatever becomes of the caller's (-1: ours).
    c->netns_fd = netns_fd < 0 ? -1 : fcntl(netns_fd, F_DUPFD_CLOEXEC, 0);
    if (netns_fd >= 0 && c->netns_fd < 0) {
        int rc = -errno;
        free(c);
        return rc;
    }
    c->timeout_ms = timeout_ms;
    snprintf(c->peer, sizeof c->peer, "%s", peer);
    snprintf(c->v.link_id, sizeof c->v.link_id, "%s", link_id);
    c->done = done;
    c->arg = arg;
    c->running = running;
    if (running)
        atomic_fetch_add(running, 1);
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    pthread_t t;
    int rc = -pthread_create(&t, &at, check_main, c);
    pthread_attr_destroy(&at);
    if (rc) {
        if (running)
            atomic_fetch_sub(running, 1);
        if (c->netns_fd >= 0)
            close(c->netns_fd);
        free(c);
    }
    return rc;
}
