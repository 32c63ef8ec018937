// seqlog: segment files, append with fsync, sparse index, recovery, retention.
//
// Segment file: header (magic, first seq), then records
//   u32 len | u32 crc32c(seq, data) | u64 seq | data[len]
// The index keeps the file offset of every SEQLOG_STRIDE-th record, so a
// read seeks there and scans at most STRIDE-1 records.
#include "seqlog/seqlog.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/clock.h"
#include "util/log.h"

#define SEQLOG_MAGIC "OSEQLOG1"
#define SEQLOG_HDR 16u
#define SEQLOG_REC_HDR 16u
#define SEQLOG_STRIDE 32u
#define SEQLOG_READ_CHUNK (256u * 1024u)

typedef struct seqlog_seg {
    uint64_t first; // seq of its first record
    uint64_t count; // whole records
    uint64_t size;  // bytes of header + whole records
    uint64_t last_write_ms;
    int fd;
    uint64_t *idx; // offset of record first + k*STRIDE
    size_t nidx, capidx;
} seqlog_seg;

struct seqlog {
    char *dir;
    int lock_fd;
    seqlog_opts opts;
    pthread_rwlock_t lock; // segs, counts, sizes, indexes
    seqlog_seg *segs;
    size_t nseg, capseg;
    uint64_t next_seq; // seq the next appended record gets
    bool broken;
    bool dirty; // appended but not fsync'd
    uint64_t last_sync_ms;
    unsigned char *wbuf; // appender's batch buffer
    size_t wcap;
    seqlog_stats stats;
};

static void seqlog_path(const seqlog *l, uint64_t first, char *buf, size_t len)
{
    snprintf(buf, len, "%s/%020" PRIu64 ".seg", l->dir, first);
}

static int seqlog_fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    int rc = fsync(fd) ? -errno : 0;
    close(fd);
    return rc;
}

static int seqlog_idx_push(seqlog_seg *s, uint64_t off)
{
    if (s->nidx == s->capidx) {
        size_t cap = s->capidx ? s->capidx * 2 : 64;
        uint64_t *n = realloc(s->idx, cap * sizeof *n);
        if (!n)
            return -ENOMEM;
        s->idx = n;
        s->capidx = cap;
    }
    s->idx[s->nidx++] = off;
    return 0;
}

static uint32_t seqlog_rec_crc(uint64_t seq, const void *data, size_t len)
{
    return seqlog_crc32c(seqlog_crc32c(0, &seq, 8), data, len);
}

static int seqlog_seg_push(seqlog *l, const seqlog_seg *s)
{
    if (l->nseg == l->capseg) {
        size_t cap = l->capseg ? l->capseg * 2 : 16;
        seqlog_seg *n = realloc(l->segs, cap * sizeof *n);
        if (!n)
            return -ENOMEM;
        l->segs = n;
        l->capseg = cap;
    }
    l->segs[l->nseg++] = *s;
    return 0;
}

static void seqlog_seg_drop(seqlog_seg *s)
{
    if (s->fd >= 0)
        close(s->fd);
    free(s->idx);
}

// Creates an empty segment starting at first and makes it the active one.
static int seqlog_seg_create(seqlog *l, uint64_t first)
{
    char path[4096];
    seqlog_path(l, first, path, sizeof path);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return -errno;
    unsigned char hdr[SEQLOG_HDR];
    memcpy(hdr, SEQLOG_MAGIC, 8);
    memcpy(hdr + 8, &first, 8);
    if (pwrite(fd, hdr, sizeof hdr, 0) != (ssize_t)sizeof hdr ||
        (l->opts.sync != SEQLOG_SYNC_NEVER && fsync(fd) != 0)) {
        int rc = errno ? -errno : -EIO;
        close(fd);
        unlink(path);
        return rc;
    }
    if (l->opts.sync != SEQLOG_SYNC_NEVER)
        seqlog_fsync_dir(l->dir);
    seqlog_seg s = {.first = first, .size = SEQLOG_HDR, .fd = fd, .last_write_ms = clock_unix_ms()};
    pthread_rwlock_wrlock(&l->lock);
    int rc = seqlog_seg_push(l, &s);
    pthread_rwlock_unlock(&l->lock);
    if (rc) {
        close(fd);
        return rc;
    }
    return 0;
}

// Scans a segment file, building its index; cuts it at the first bad record.
// *bad is set when something was cut. expect is the seq its first record must have.
static int seqlog_seg_scan(seqlog *l, seqlog_seg *s, bool *bad)
{
    struct stat st;
    if (fstat(s->fd, &st) != 0)
        return -errno;
    uint64_t fsize = (uint64_t)st.st_size;
    s->last_write_ms =
        (uint64_t)st.st_mtim.tv_sec * 1000u + (uint64_t)st.st_mtim.tv_nsec / 1000000u;
    *bad = false;
    unsigned char hdr[SEQLOG_HDR];
    if (fsize < SEQLOG_HDR || pread(s->fd, hdr, SEQLOG_HDR, 0) != SEQLOG_HDR ||
        memcmp(hdr, SEQLOG_MAGIC, 8) != 0 || memcmp(hdr + 8, &s->first, 8) != 0) {
        // A header torn by a crash right after creation: rewrite it.
        *bad = true;
        memcpy(hdr, SEQLOG_MAGIC, 8);
        memcpy(hdr + 8, &s->first, 8);
        if (ftruncate(s->fd, 0) != 0 || pwrite(s->fd, hdr, SEQLOG_HDR, 0) != SEQLOG_HDR ||
            fsync(s->fd) != 0)
            return -EIO;
        l->stats.truncated_bytes += fsize;
        s->size = SEQLOG_HDR;
        s->count = 0;
        return 0;
    }
    // Read in large chunks: a segment holds up to millions of records.
    size_t cap = SEQLOG_READ_CHUNK;
    unsigned char *buf = malloc(cap);
    if (!buf)
        return -ENOMEM;
    uint64_t off = SEQLOG_HDR;
    uint64_t seq = s->first;
    int rc = 0;
    bool stop = false;
    while (off < fsize && !stop && !rc) {
        size_t want = fsize - off < cap ? (size_t)(fsize - off) : cap;
        ssize_t got = pread(s->fd, buf, want, (off_t)off);
        if (got <= 0)
            break;
        size_t p = 0;
        bool grew = false;
        for (;;) {
            if ((size_t)got - p < SEQLOG_REC_HDR) {
                stop = p == 0; // a torn record header at the end of the file
                break;
            }
            uint32_t len, crc;
            uint64_t rseq;
            memcpy(&len, buf + p, 4);
            memcpy(&crc, buf + p + 4, 4);
            memcpy(&rseq, buf + p + 8, 8);
            if (len > l->opts.max_record || rseq != seq || fsize - off - p - SEQLOG_REC_HDR < len) {
                stop = true;
                break;
            }
            if ((size_t)got - p - SEQLOG_REC_HDR < len) {
                if (p == 0) {
                    // A record larger than the buffer: grow it and read again.
                    unsigned char *nb = realloc(buf, SEQLOG_REC_HDR + (size_t)len);
                    if (!nb) {
                        rc = -ENOMEM;
                        break;
                    }
                    buf = nb;
                    cap = SEQLOG_REC_HDR + (size_t)len;
                    grew = true;
                }
                break;
            }
            if (seqlog_rec_crc(rseq, buf + p + SEQLOG_REC_HDR, len) != crc) {
                stop = true;
                break;
            }
            if (s->count % SEQLOG_STRIDE == 0 && (rc = seqlog_idx_push(s, off + p)) != 0)
                break;
            s->count++;
            seq++;
            p += SEQLOG_REC_HDR + len;
        }
        off += p;
        if (p == 0 && !grew)
            break;
    }
    free(buf);
    if (rc)
        return rc;
    s->size = off;
    if (off < fsize) {
        *bad = true;
        l->stats.truncated_bytes += fsize - off;
        if (ftruncate(s->fd, (off_t)off) != 0 || fsync(s->fd) != 0)
            return -EIO;
    }
    return 0;
}

static int seqlog_cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

// Lists the first seqs of the segment files in dir, sorted.
static int seqlog_list(const char *dir, uint64_t **out, size_t *n)
{
    DIR *d = opendir(dir);
    if (!d)
        return -errno;
    uint64_t *v = NULL;
    size_t cnt = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len != 24 || strcmp(e->d_name + 20, ".seg") != 0)
            continue;
        char *end;
        uint64_t first = strtoull(e->d_name, &end, 10);
        if (end != e->d_name + 20 || first == 0)
            continue;
        if (cnt == cap) {
            cap = cap ? cap * 2 : 16;
            uint64_t *nv = realloc(v, cap * sizeof *nv);
            if (!nv) {
                free(v);
                closedir(d);
                return -ENOMEM;
            }
            v = nv;
        }
        v[cnt++] = first;
    }
    closedir(d);
    if (cnt)
        qsort(v, cnt, sizeof *v, seqlog_cmp_u64);
    *out = v;
    *n = cnt;
    return 0;
}

static int seqlog_recover(seqlog *l)
{
    uint64_t *firsts = NULL;
    size_t n = 0;
    int rc = seqlog_list(l->dir, &firsts, &n);
    if (rc)
        return rc;
    size_t i = 0;
    for (; i < n; i++) {
        char path[4096];
        seqlog_path(l, firsts[i], path, sizeof path);
        if (l->nseg) {
            const seqlog_seg *p = &l->segs[l->nseg - 1];
            if (firsts[i] != p->first + p->count) {
                log_error("seqlog %s: segment %s does not follow seq %" PRIu64
                          ": dropping it and later ones",
                          l->dir, path, p->first + p->count - 1);
                break;
            }
        }
        seqlog_seg s = {.first = firsts[i], .fd = -1};
        s.fd = open(path, O_RDWR | O_CLOEXEC);
        if (s.fd < 0) {
            rc = -errno;
            break;
        }
        bool bad = false;
        rc = seqlog_seg_scan(l, &s, &bad);
        if (!rc)
            rc = seqlog_seg_push(l, &s);
        if (rc) {
            seqlog_seg_drop(&s);
            break;
        }
        if (bad) {
            if (i + 1 < n)
                log_error("seqlog %s: corrupt record in %s: cut at byte %" PRIu64
                          ", dropping later segments",
                          l->dir, path, s.size);
            else
                log_warn("seqlog %s: torn tail of %s cut at byte %" PRIu64, l->dir, path, s.size);
            i++;
            break;
        }
    }
    if (!rc) {
        // Segments after a break cannot be trusted to continue the sequence.
        for (; i < n; i++) {
            char path[4096];
            seqlog_path(l, firsts[i], path, sizeof path);
            struct stat st;
            if (stat(path, &st) == 0)
                l->stats.truncated_bytes += (uint64_t)st.st_size;
            unlink(path);
        }
        seqlog_fsync_dir(l->dir);
    }
    free(firsts);
    if (rc)
        return rc;
    if (l->nseg == 0)
        return seqlog_seg_create(l, 1);
    const seqlog_seg *a = &l->segs[l->nseg - 1];
    l->next_seq = a->first + a->count;
    return 0;
}

int seqlog_open(const char *dir, const seqlog_opts *opts, seqlog **out)
{
    if (!dir || !out)
        return -EINVAL;
    seqlog *l = calloc(1, sizeof *l);
    if (!l)
        return -ENOMEM;
    l->lock_fd = -1;
    if (opts)
        l->opts = *opts;
    if (!l->opts.segment_bytes)
        l->opts.segment_bytes = 64u << 20;
    if (!l->opts.sync_interval_ms)
        l->opts.sync_interval_ms = 100;
    if (!l->opts.max_record)
        l->opts.max_record = 16u << 20;
    pthread_rwlock_init(&l->lock, NULL);
    l->next_seq = 1;
    int rc = 0;
    l->dir = strdup(dir);
    if (!l->dir) {
        rc = -ENOMEM;
        goto fail;
    }
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        rc = -errno;
        goto fail;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/LOCK", dir);
    l->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (l->lock_fd < 0) {
        rc = -errno;
        goto fail;
    }
    if (flock(l->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        rc = errno == EWOULDBLOCK ? -EBUSY : -errno;
        goto fail;
    }
    rc = seqlog_recover(l);
    if (rc)
        goto fail;
    l->last_sync_ms = clock_mono_ms();
    *out = l;
    return 0;
fail:
    seqlog_close(l);
    return rc;
}

void seqlog_close(seqlog *l)
{
    if (!l)
        return;
    if (l->dirty && !l->broken && l->nseg)
        fsync(l->segs[l->nseg - 1].fd);
    for (size_t i = 0; i < l->nseg; i++)
        seqlog_seg_drop(&l->segs[i]);
    free(l->segs);
    if (l->lock_fd >= 0)
        close(l->lock_fd); // releases the flock
    pthread_rwlock_destroy(&l->lock);
    free(l->wbuf);
    free(l->dir);
    free(l);
}

static int seqlog_sync_active(seqlog *l)
{
    if (!l->dirty)
        return 0;
    if (fsync(l->segs[l->nseg - 1].fd) != 0) {
        l->broken = true;
        return -EIO;
    }
    l->dirty = false;
    l->last_sync_ms = clock_mono_ms();
    l->stats.syncs++;
    return 0;
}

int seqlog_sync(seqlog *l)
{
    if (l->broken)
        return -EIO;
    return seqlog_sync_active(l);
}

int seqlog_append(seqlog *l, const struct iovec *recs, size_t n, uint64_t *first_seq)
{
    if (!n)
        return -EINVAL;
    if (l->broken)
        return -EIO;
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        if (recs[i].iov_len > l->opts.max_record)
            return -EINVAL;
        total += SEQLOG_REC_HDR + recs[i].iov_len;
    }
    seqlog_seg *a = &l->segs[l->nseg - 1];
    if (a->count && a->size + total > l->opts.segment_bytes) {
        // Roll over: the old segment is made durable before the new one is used.
        int rc = seqlog_sync_active(l);
        if (rc)
            return rc;
        rc = seqlog_seg_create(l, l->next_seq);
        if (rc)
            return rc;
        a = &l->segs[l->nseg - 1];
    }
    if (total > l->wcap) {
        size_t cap = total > 2 * l->wcap ? total : 2 * l->wcap;
        unsigned char *nb = realloc(l->wbuf, cap);
        if (!nb)
            return -ENOMEM;
        l->wbuf = nb;
        l->wcap = cap;
    }
    size_t pos = 0;
    uint64_t seq = l->next_seq;
    for (size_t i = 0; i < n; i++, seq++) {
        uint32_t len = (uint32_t)recs[i].iov_len;
        uint32_t crc = seqlog_rec_crc(seq, recs[i].iov_base, len);
        memcpy(l->wbuf + pos, &len, 4);
        memcpy(l->wbuf + pos + 4, &crc, 4);
        memcpy(l->wbuf + pos + 8, &seq, 8);
        if (len)
            memcpy(l->wbuf + pos + SEQLOG_REC_HDR, recs[i].iov_base, len);
        pos += SEQLOG_REC_HDR + len;
    }
    size_t done = 0;
    while (done < total) {
        ssize_t w = pwrite(a->fd, l->wbuf + done, total - done, (off_t)(a->size + done));
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            // Cut what may have been written so the file ends on a whole record.
            if (ftruncate(a->fd, (off_t)a->size) != 0)
                l->broken = true;
            return -EIO;
        }
        done += (size_t)w;
    }
    l->dirty = true;
    int rc = 0;
    if (l->opts.sync == SEQLOG_SYNC_BATCH ||
        (l->opts.sync == SEQLOG_SYNC_INTERVAL &&
         clock_mono_ms() - l->last_sync_ms >= l->opts.sync_interval_ms))
        rc = seqlog_sync_active(l);
    if (rc)
        return rc;
    // Publish the records to readers.
    pthread_rwlock_wrlock(&l->lock);
    uint64_t off = a->size;
    for (size_t i = 0; i < n; i++) {
        if (a->count % SEQLOG_STRIDE == 0 && seqlog_idx_push(a, off) != 0) {
            // Without an index entry later records cannot be found: refuse to go on.
            l->broken = true;
            rc = -ENOMEM;
            break;
        }
        a->count++;
        off += SEQLOG_REC_HDR + recs[i].iov_len;
    }
    if (!rc) {
        a->size = off;
        a->last_write_ms = clock_unix_ms();
        if (first_seq)
            *first_seq = l->next_seq;
        l->next_seq += n;
        l->stats.appends++;
    }
    pthread_rwlock_unlock(&l->lock);
    return rc;
}

uint64_t seqlog_first(seqlog *l)
{
    pthread_rwlock_rdlock(&l->lock);
    uint64_t f = l->nseg ? l->segs[0].first : l->next_seq;
    pthread_rwlock_unlock(&l->lock);
    return f;
}

uint64_t seqlog_last(seqlog *l)
{
    pthread_rwlock_rdlock(&l->lock);
    const seqlog_seg *a = &l->segs[l->nseg - 1];
    uint64_t last = a->first + a->count - 1;
    pthread_rwlock_unlock(&l->lock);
    return last;
}

void seqlog_stats_get(seqlog *l, seqlog_stats *out)
{
    pthread_rwlock_rdlock(&l->lock);
    *out = l->stats;
    out->bytes = 0;
    for (size_t i = 0; i < l->nseg; i++)
        out->bytes += l->segs[i].size;
    out->segments = (uint32_t)l->nseg;
    pthread_rwlock_unlock(&l->lock);
}

// What a reader needs of a segment, taken under the lock so that the file is
// read without it: appends and retention go on meanwhile (the fd is a dup).
typedef struct seqlog_view {
    int fd;
    uint64_t start_seq, start_off; // the index entry at or before `from`
    uint64_t last;                 // last whole record when taken
    uint64_t size;
} seqlog_view;

// Reads the records of one segment from seq `from`; returns records read or -EIO.
static long seqlog_read_seg(const seqlog_view *s, uint64_t from, size_t max_records,
                            size_t max_bytes, size_t *bytes, seqlog_read_fn fn, void *arg,
                            bool *stop)
{
    uint64_t seq = s->start_seq;
    uint64_t off = s->start_off;
    uint64_t end = s->size;
    uint64_t last = s->last;
    size_t cap = SEQLOG_READ_CHUNK;
    unsigned char *buf = malloc(cap);
    if (!buf)
        return -EIO;
    long nread = 0;
    while (seq <= last && !*stop) {
        size_t want = end - off < cap ? (size_t)(end - off) : cap;
        ssize_t got = pread(s->fd, buf, want, (off_t)off);
        if (got < (ssize_t)SEQLOG_REC_HDR) {
            free(buf);
            return -EIO;
        }
        size_t p = 0;
        while (seq <= last && !*stop) {
            uint32_t len;
            if ((size_t)got - p < SEQLOG_REC_HDR)
                break;
            memcpy(&len, buf + p, 4);
            if ((size_t)got - p - SEQLOG_REC_HDR < len) {
                if (p == 0) {
                    // A record larger than the buffer: grow it and re-read.
                    unsigned char *nb = realloc(buf, SEQLOG_REC_HDR + (size_t)len);
                    if (!nb) {
                        free(buf);
                        return -EIO;
                    }
                    buf = nb;
                    cap = SEQLOG_REC_HDR + (size_t)len;
                }
                break;
            }
            if (seq >= from) {
                if (fn(seq, buf + p + SEQLOG_REC_HDR, len, arg) != 0)
                    *stop = true;
                nread++;
                *bytes += len;
                if ((max_records && (size_t)nread >= max_records) ||
                    (max_bytes && *bytes >= max_bytes))
                    *stop = true;
            }
            p += SEQLOG_REC_HDR + len;
            seq++;
        }
        off += p;
    }
    free(buf);
    return nread;
}

long seqlog_read(seqlog *l, uint64_t from, size_t max_records, size_t max_bytes, seqlog_read_fn fn,
                 void *arg, uint64_t *next)
{
    long total = 0;
    size_t bytes = 0;
    bool stop = false;
    while (!stop) {
        seqlog_view v = {.fd = -1};
        pthread_rwlock_rdlock(&l->lock);
        if (from < l->segs[0].first)
            from = l->segs[0].first;
        // Binary search for the segment holding `from`.
        size_t lo = 0, hi = l->nseg;
        while (hi - lo > 1) {
            size_t mid = (lo + hi) / 2;
            if (l->segs[mid].first <= from)
                lo = mid;
            else
                hi = mid;
        }
        for (size_t i = lo; i < l->nseg; i++) {
            const seqlog_seg *s = &l->segs[i];
            if (!s->count || from > s->first + s->count - 1)
                continue;
            if (from < s->first)
                from = s->first;
            uint64_t k = (from - s->first) / SEQLOG_STRIDE;
            v = (seqlog_view){.fd = dup(s->fd),
                              .start_seq = s->first + k * SEQLOG_STRIDE,
                              .start_off = s->idx[k],
                              .last = s->first + s->count - 1,
                              .size = s->size};
            if (v.fd < 0)
                total = -EIO;
            break;
        }
        pthread_rwlock_unlock(&l->lock);
        if (v.fd < 0)
            break; // past the end, or dup failed
        size_t left = max_records ? max_records - (size_t)total : 0;
        long r = seqlog_read_seg(&v, from, left, max_bytes, &bytes, fn, arg, &stop);
        close(v.fd);
        if (r < 0) {
            total = r;
            break;
        }
        total += r;
        from += (uint64_t)r;
        if (from <= v.last)
            break; // stopped inside the segment
    }
    if (next && total >= 0)
        *next = from;
    return total;
}

int seqlog_retain(seqlog *l, uint64_t now_unix_ms)
{
    if (!l->opts.retain_bytes && !l->opts.retain_ms)
        return 0;
    pthread_rwlock_rdlock(&l->lock);
    size_t n = l->nseg;
    seqlog_seginfo *info = malloc(n * sizeof *info);
    if (info) {
        for (size_t i = 0; i < n; i++)
            info[i] = (seqlog_seginfo){l->segs[i].size, l->segs[i].last_write_ms};
    }
    pthread_rwlock_unlock(&l->lock);
    if (!info)
        return -ENOMEM;
    size_t k = seqlog_retention_plan(info, n, now_unix_ms, l->opts.retain_bytes, l->opts.retain_ms);
    free(info);
    if (!k)
        return 0;
    // Forget them first (readers then never touch them), then delete the files.
    pthread_rwlock_wrlock(&l->lock);
    seqlog_seg *gone = malloc(k * sizeof *gone);
    if (!gone) {
        pthread_rwlock_unlock(&l->lock);
        return -ENOMEM;
    }
    memcpy(gone, l->segs, k * sizeof *gone);
    memmove(l->segs, l->segs + k, (l->nseg - k) * sizeof *l->segs);
    l->nseg -= k;
    pthread_rwlock_unlock(&l->lock);
    for (size_t i = 0; i < k; i++) {
        char path[4096];
        seqlog_path(l, gone[i].first, path, sizeof path);
        unlink(path);
        seqlog_seg_drop(&gone[i]);
    }
    free(gone);
    seqlog_fsync_dir(l->dir);
    return (int)k;
}
