// Management task steps: page hashing, zeroing, metrics sampling, chunk prefetch.
#include "opp_tasks.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ZERO_CHUNK (16u << 10)

static inline uint64_t rotl(uint64_t x, int r)
{
    return (x << r) | (x >> (64 - r));
}

// Four independent multiply-rotate lanes over 8-byte words, folded at the end: fast enough
// to hash a page in well under a microsecond, and sensitive to every bit and position.
uint64_t opp_page_hash(const void *page)
{
    const uint64_t k1 = 0x9e3779b97f4a7c15ull, k2 = 0xc2b2ae3d27d4eb4full;
    uint64_t a = k1, b = k2, c = ~k1, d = ~k2;
    const unsigned char *p = page;
    for (size_t i = 0; i < OPP_PAGE; i += 32) {
        uint64_t w[4];
        memcpy(w, p + i, sizeof(w));
        a = rotl(a + w[0] * k2, 31) * k1;
        b = rotl(b + w[1] * k2, 31) * k1;
        c = rotl(c + w[2] * k2, 31) * k1;
        d = rotl(d + w[3] * k2, 31) * k1;
    }
    uint64_t h = rotl(a, 1) + rotl(b, 7) + rotl(c, 12) + rotl(d, 18);
    h ^= h >> 33;
    h *= k2;
    h ^= h >> 29;
    return h;
}

bool opp_hash_step(void *arg, uint64_t *cursor, const opp_portion *p, uint64_t *bytes)
{
    opp_hash_job *j = arg;
    uint64_t pages = j->len / OPP_PAGE;
    while (*cursor < pages) {
        j->hashes[*cursor] = opp_page_hash(j->base + *cursor * OPP_PAGE);
        (*cursor)++;
        *bytes += OPP_PAGE;
        if (*cursor < pages && opp_portion_over(p))
            return false;
    }
    return true;
}

bool opp_zero_step(void *arg, uint64_t *cursor, const opp_portion *p, uint64_t *bytes)
{
    opp_zero_job *j = arg;
    while (*cursor < j->len) {
        size_t n = j->len - *cursor < ZERO_CHUNK ? j->len - *cursor : ZERO_CHUNK;
        memset(j->base + *cursor, 0, n);
        *cursor += n;
        *bytes += n;
        if (*cursor < j->len && opp_portion_over(p))
            return false;
    }
    return true;
}

int opp_parse_proc_stat(const char *line, opp_sample *s)
{
    // The command name may hold spaces and parentheses: fields restart after the last ')'.
    const char *q = strrchr(line, ')');
    if (!q)
        return -EINVAL;
    q++;
    // Fields after ')': 3 state ... 14 utime 15 stime ... 20 num_threads ... 24 rss.
    uint64_t f[25] = {0};
    int field = 2;
    while (*q && field < 24) {
        while (*q == ' ')
            q++;
        if (!*q)
            break;
        field++;
        char *end;
        uint64_t v = strtoull(q, &end, 10);
        if (end == q) {  // the state letter
            while (*q && *q != ' ')
                q++;
        } else {
            f[field] = v;
            q = end;
        }
    }
    if (field < 24)
        return -EINVAL;
    s->utime_ticks = f[14];
    s->stime_ticks = f[15];
    s->threads = f[20];
    s->rss_pages = f[24];
    return 0;
}

bool opp_metrics_step(void *arg, uint64_t *cursor, const opp_portion *p, uint64_t *bytes)
{
    opp_metrics_job *j = arg;
    opp_sample s;
    memset(&s, 0, sizeof(s));
    s.at_us = j->now_us ? j->now_us() : 0;
    char buf[1024];
    int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ssize_t n = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        if (n > 0) {
            buf[n] = '\0';
            opp_parse_proc_stat(buf, &s);
            *bytes += (uint64_t)n;
        }
    }
    if (j->guest_count) {
        s.guest_items = *j->guest_count;
        s.guest_sum_us = *j->guest_sum;
        s.guest_max_us = *j->guest_max;
    }
    // Two runners (idle path and fallback worker) may each hold a metrics task on this job.
    uint64_t k = __atomic_fetch_add(&j->count, 1, __ATOMIC_RELAXED);
    j->samples[k % j->cap] = s;
    (*cursor)++;
    return true;
}

bool opp_prefetch_step(void *arg, uint64_t *cursor, const opp_portion *p, uint64_t *bytes)
{
    opp_prefetch_job *j = arg;
    while (*cursor < j->nchunks) {
        uint64_t b = 0;
        if (j->fetch(j->ctx, *cursor, &b) < 0)
            j->failures++;
        *bytes += b;
        (*cursor)++;
        if (*cursor < j->nchunks && opp_portion_over(p))
            return false;
    }
    return true;
}
