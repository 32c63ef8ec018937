// Durable subscriber positions: a small table kept in memory and rewritten
// to <dir>/subscribers (tmp file, fsync, rename, fsync dir) on every Ack.
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hubd.h"
#include "util/log.h"

#define HUBD_SUBS_MAX 4096

typedef struct hubd_sub {
    char name[HUBD_SUBSCRIBER_MAX + 1];
    uint64_t seq;
} hubd_sub;

struct hubd_subs {
    pthread_mutex_t mu;
    char path[4096];
    char tmp[4096];
    char dir[4096];
    hubd_sub *v;
    size_t n, cap;
};

static hubd_sub *hubd_subs_find(hubd_subs *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++) {
        if (strcmp(s->v[i].name, name) == 0)
            return &s->v[i];
    }
    return NULL;
}

static int hubd_subs_put(hubd_subs *s, const char *name, uint64_t seq)
{
    hubd_sub *e = hubd_subs_find(s, name);
    if (e) {
        e->seq = seq;
        return 0;
    }
    if (s->n >= HUBD_SUBS_MAX)
        return -ENOSPC;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        hubd_sub *v = realloc(s->v, cap * sizeof *v);
        if (!v)
            return -ENOMEM;
        s->v = v;
        s->cap = cap;
    }
    e = &s->v[s->n++];
    snprintf(e->name, sizeof e->name, "%s", name);
    e->seq = seq;
    return 0;
}

int hubd_subs_open(const char *dir, hubd_subs **out)
{
    hubd_subs *s = calloc(1, sizeof *s);
    if (!s)
        return -ENOMEM;
    pthread_mutex_init(&s->mu, NULL);
    snprintf(s->dir, sizeof s->dir, "%s", dir);
    snprintf(s->path, sizeof s->path, "%.4000s/subscribers", dir);
    snprintf(s->tmp, sizeof s->tmp, "%.4000s/subscribers.tmp", dir);
    FILE *f = fopen(s->path, "r");
    if (f) {
        char line[256];
        int lineno = 0;
        while (fgets(line, sizeof line, f)) {
            lineno++;
            char name[128];
            uint64_t seq;
            if (sscanf(line, "%127s %" SCNu64, name, &seq) != 2 ||
                !hubd_subscriber_name_valid(name)) {
                log_warn("%s:%d: ignoring a malformed line", s->path, lineno);
                continue;
            }
            if (hubd_subs_put(s, name, seq) != 0)
                break;
        }
        fclose(f);
    } else if (errno != ENOENT) {
        int rc = -errno;
        hubd_subs_close(s);
        return rc;
    }
    *out = s;
    return 0;
}

void hubd_subs_close(hubd_subs *s)
{
    if (!s)
        return;
    pthread_mutex_destroy(&s->mu);
    free(s->v);
    free(s);
}

static int hubd_subs_save(hubd_subs *s)
{
    int fd = open(s->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return -errno;
    FILE *f = fdopen(fd, "w");
    if (!f) {
        close(fd);
        return -ENOMEM;
    }
    for (size_t i = 0; i < s->n; i++)
        fprintf(f, "%s %" PRIu64 "\n", s->v[i].name, s->v[i].seq);
    int rc = 0;
    if (fflush(f) != 0 || fsync(fd) != 0)
        rc = -EIO;
    if (fclose(f) != 0)
        rc = -EIO;
    if (!rc && rename(s->tmp, s->path) != 0)
        rc = -errno;
    if (!rc) {
        int dfd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            if (fsync(dfd) != 0)
                rc = -EIO;
            close(dfd);
        }
    }
    return rc;
}

int hubd_subs_ack(hubd_subs *s, const char *name, uint64_t seq)
{
    pthread_mutex_lock(&s->mu);
    hubd_sub *e = hubd_subs_find(s, name);
    uint64_t old = e ? e->seq : 0;
    bool existed = e != NULL;
    int rc = hubd_subs_put(s, name, seq);
    if (!rc) {
        rc = hubd_subs_save(s);
        if (rc) {
            // Keep memory and file in agreement: the ack did not happen.
            if (existed)
                hubd_subs_find(s, name)->seq = old;
            else
                s->n--;
        }
    }
    pthread_mutex_unlock(&s->mu);
    return rc;
}

bool hubd_subs_get(hubd_subs *s, const char *name, uint64_t *seq)
{
    pthread_mutex_lock(&s->mu);
    hubd_sub *e = hubd_subs_find(s, name);
    if (e)
        *seq = e->seq;
    pthread_mutex_unlock(&s->mu);
    return e != NULL;
}

uint32_t hubd_subs_count(hubd_subs *s)
{
    pthread_mutex_lock(&s->mu);
    uint32_t n = (uint32_t)s->n;
    pthread_mutex_unlock(&s->mu);
    return n;
}
