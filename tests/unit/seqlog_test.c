// seqlog: append/read, reopen, torn tail, corruption, rollover, retention.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "seqlog/seqlog.h"

typedef struct collect {
    uint64_t seqs[4096];
    char data[4096][32];
    size_t n;
} collect;

static int collect_fn(uint64_t seq, const void *data, size_t len, void *arg)
{
    collect *c = arg;
    c->seqs[c->n] = seq;
    snprintf(c->data[c->n], sizeof c->data[0], "%.*s", (int)len, (const char *)data);
    c->n++;
    return 0;
}

static int setup(void **state)
{
    char *dir = strdup("/tmp/seqlog_test.XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    *state = dir;
    return 0;
}

static int teardown(void **state)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", (char *)*state);
    int rc = system(cmd);
    free(*state);
    return rc;
}

// Appends records "r<seq>" for count records in batches of batch.
static void append_n(seqlog *l, size_t count, size_t batch)
{
    size_t done = 0;
    while (done < count) {
        size_t n = count - done < batch ? count - done : batch;
        struct iovec iov[64];
        char bufs[64][32];
        uint64_t next = seqlog_last(l) + 1;
        for (size_t i = 0; i < n; i++) {
            int len = snprintf(bufs[i], sizeof bufs[i], "r%llu", (unsigned long long)(next + i));
            iov[i] = (struct iovec){bufs[i], (size_t)len};
        }
        uint64_t first = 0;
        assert_int_equal(seqlog_append(l, iov, n, &first), 0);
        assert_int_equal(first, next);
        done += n;
    }
}

static void check_range(seqlog *l, uint64_t from, uint64_t to)
{
    collect *c = calloc(1, sizeof *c);
    uint64_t next = 0;
    long n = seqlog_read(l, from, 0, 0, collect_fn, c, &next);
    assert_int_equal(n, (long)(to - from + 1));
    assert_int_equal(next, to + 1);
    for (size_t i = 0; i < c->n; i++) {
        char want[32];
        snprintf(want, sizeof want, "r%llu", (unsigned long long)(from + i));
        assert_int_equal(c->seqs[i], from + i);
        assert_string_equal(c->data[i], want);
    }
    free(c);
}

static char *last_segment(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char best[256] = "";
    while ((e = readdir(d))) {
        if (strstr(e->d_name, ".seg") && strcmp(e->d_name, best) > 0)
            snprintf(best, sizeof best, "%.200s", e->d_name);
    }
    closedir(d);
    char *p = malloc(1024);
    snprintf(p, 1024, "%.500s/%.200s", dir, best);
    return p;
}

static void test_seqlog_append_assigns_contiguous_seqs(void **state)
{
    seqlog *l = NULL;
    assert_int_equal(seqlog_open(*state, NULL, &l), 0);
    assert_int_equal(seqlog_last(l), 0);
    assert_int_equal(seqlog_first(l), 1);
    append_n(l, 100, 7);
    assert_int_equal(seqlog_last(l), 100);
    check_range(l, 1, 100);
    check_range(l, 37, 100); // from the middle of an index stride
    check_range(l, 64, 100);
    seqlog_close(l);
}

static void test_seqlog_read_limits(void **state)
{
    seqlog *l = NULL;
    assert_int_equal(seqlog_open(*state, NULL, &l), 0);
    append_n(l, 50, 50);
    collect *c = calloc(1, sizeof *c);
    uint64_t next = 0;
    assert_int_equal(seqlog_read(l, 10, 5, 0, collect_fn, c, &next), 5);
    assert_int_equal(next, 15);
    c->n = 0;
    // Byte limit: records are 2-3 bytes; at least one always comes.
    assert_int_equal(seqlog_read(l, 20, 0, 1, collect_fn, c, &next), 1);
    assert_int_equal(next, 21);
    c->n = 0;
    assert_int_equal(seqlog_read(l, 51, 0, 0, collect_fn, c, &next), 0);
    assert_int_equal(next, 51);
    free(c);
    seqlog_close(l);
}

static void test_seqlog_reopen_keeps_records(void **state)
{
    seqlog *l = NULL;
    seqlog_opts o = {.segment_bytes = 1024};
    assert_int_equal(seqlog_open(*state, &o, &l), 0);
    append_n(l, 300, 10);
    seqlog_stats st;
    seqlog_stats_get(l, &st);
    assert_true(st.segments > 3); // rolled over
    seqlog_close(l);
    assert_int_equal(seqlog_open(*state, &o, &l), 0);
    assert_int_equal(seqlog_last(l), 300);
    check_range(l, 1, 300);
    append_n(l, 5, 5);
    check_range(l, 290, 305);
    seqlog_close(l);
}

static void test_seqlog_second_open_is_busy(void **state)
{
    seqlog *a = NULL, *b = NULL;
    assert_int_equal(seqlog_open(*state, NULL, &a), 0);
    assert_int_equal(seqlog_open(*state, NULL, &b), -EBUSY);
    seqlog_close(a);
}

static void test_seqlog_torn_tail_is_cut(void **state)
{
    seqlog *l = NULL;
    assert_int_equal(seqlog_open(*state, NULL, &l), 0);
    append_n(l, 20, 20);
    seqlog_close(l);
    char *seg = last_segment(*state);
    struct stat st;
    assert_int_equal(stat(seg, &st), 0);
    // A crash in the middle of record 20: its last bytes never made it.
    assert_int_equal(truncate(seg, st.st_size - 2), 0);
    assert_int_equal(seqlog_open(*state, NULL, &l), 0);
    assert_int_equal(seqlog_last(l), 19);
    check_range(l, 1, 19);
    seqlog_stats ss;
    seqlog_stats_get(l, &ss);
    assert_true(ss.truncated_bytes > 0);
    // The next append takes seq 20 and lands on a whole-record boundary.
    append_n(l, 3, 3);
    check_range(l, 1, 22);
    seqlog_close(l);
    assert_int_equal(seqlog_open(*state, NULL, &l), 0);
    check_range(l, 1, 22);
    seqlog_close(l);
    free(seg);
}

static void test_seqlog_garbage_tail_is_cut(void **state)
{
    seqlog *l = NULL;
    assert_int_equal(seqlog_open(*state, NULL, &l), 0);
    append_n(l, 10, 10);
    seqlog_close(l);
    char *seg = last_segment(*state);
    int fd = open(seg, O_WRONLY | O_APPEND);
    // A plausible header (len 4, seq 11) with a wrong CRC.
    unsigned char junk[20] = {4, 0, 0, 0, 1, 2, 3, 4, 11, 0, 0, 0, 0, 0, 0, 0, 'x', 'y', 'z', 'w'};
    assert_int_equal(write(fd, junk, sizeof junk), (ssize_t)sizeof junk);
    close(fd);
    assert_int_equal(seqlog_open(*state, NULL, &l), 0);
    assert_int_equal(seqlog_last(l), 10);
    check_range(l, 1, 10);
    seqlog_close(l);
    free(seg);
}

static void test_seqlog_torn_record_header_is_cut(void **state)
{
    seqlog *l = NULL;
    assert_int_equal(seqlog_open(*state, NULL, &l), 0);
    append_n(l, 40, 40);
    seqlog_close(l);
    char *seg = last_segment(*state);
    int fd = open(seg, O_WRONLY | O_APPEND);
    assert_int_equal(write(fd, "\x05\0\0", 3), 3); // 3 of a record header's 16 bytes
    close(fd);
    assert_int_equal(seqlog_open(*state, NULL, &l), 0);
    assert_int_equal(seqlog_last(l), 40);
    seqlog_stats st;
    seqlog_stats_get(l, &st);
    assert_int_equal(st.truncated_bytes, 3);
    append_n(l, 1, 1);
    check_range(l, 1, 41);
    seqlog_close(l);
    free(seg);
}

static void test_seqlog_corrupt_middle_segment_drops_later(void **state)
{
    seqlog *l = NULL;
    seqlog_opts o = {.segment_bytes = 512};
    assert_int_equal(seqlog_open(*state, &o, &l), 0);
    append_n(l, 200, 10);
    seqlog_close(l);
    // Flip a byte of the first segment's 5th record payload.
    char path[512];
    snprintf(path, sizeof path, "%s/%020d.seg", (char *)*state, 1);
    int fd = open(path, O_RDWR);
    unsigned char b;
    off_t off = 16 + 4 * (16 + 2) + 16; // records 1..4 are "r1".."r4"
    assert_int_equal(pread(fd, &b, 1, off), 1);
    b ^= 0xff;
    assert_int_equal(pwrite(fd, &b, 1, off), 1);
    close(fd);
    assert_int_equal(seqlog_open(*state, &o, &l), 0);
    assert_int_equal(seqlog_last(l), 4);
    check_range(l, 1, 4);
    seqlog_close(l);
}

static void test_seqlog_retention_by_size(void **state)
{
    seqlog *l = NULL;
    seqlog_opts o = {.segment_bytes = 1024, .retain_bytes = 3000};
    assert_int_equal(seqlog_open(*state, &o, &l), 0);
    append_n(l, 1000, 10);
    int removed = seqlog_retain(l, 0);
    assert_true(removed > 0);
    seqlog_stats st;
    seqlog_stats_get(l, &st);
    assert_true(st.bytes <= 3000);
    uint64_t first = seqlog_first(l);
    assert_true(first > 1);
    check_range(l, first, 1000);
    // Reading from before the first retained seq starts at it.
    collect *c = calloc(1, sizeof *c);
    assert_true(seqlog_read(l, 1, 1, 0, collect_fn, c, NULL) == 1);
    assert_int_equal(c->seqs[0], first);
    free(c);
    seqlog_close(l);
    // The removed files stay removed across a reopen.
    assert_int_equal(seqlog_open(*state, &o, &l), 0);
    assert_int_equal(seqlog_first(l), first);
    assert_int_equal(seqlog_last(l), 1000);
    seqlog_close(l);
}

static void test_seqlog_retention_by_age_keeps_active(void **state)
{
    seqlog *l = NULL;
    seqlog_opts o = {.segment_bytes = 1024, .retain_ms = 60000};
    assert_int_equal(seqlog_open(*state, &o, &l), 0);
    append_n(l, 500, 10);
    assert_int_equal(seqlog_retain(l, (uint64_t)time(NULL) * 1000), 0); // all fresh
    // An hour later everything but the active segment is too old.
    assert_true(seqlog_retain(l, (uint64_t)time(NULL) * 1000 + 3600 * 1000) > 0);
    seqlog_stats st;
    seqlog_stats_get(l, &st);
    assert_int_equal(st.segments, 1);
    assert_int_equal(seqlog_last(l), 500);
    check_range(l, seqlog_first(l), 500);
    append_n(l, 1, 1);
    assert_int_equal(seqlog_last(l), 501);
    seqlog_close(l);
}

typedef struct reader {
    seqlog *l;
    volatile int stop;
    long reads, bad;
} reader;

static int check_fn(uint64_t seq, const void *data, size_t len, void *arg)
{
    reader *r = arg;
    char want[32];
    int n = snprintf(want, sizeof want, "r%llu", (unsigned long long)seq);
    if ((size_t)n != len || memcmp(want, data, len) != 0)
        r->bad++;
    return 0;
}

static void *reader_main(void *arg)
{
    reader *r = arg;
    while (!r->stop) {
        uint64_t next = 0;
        long n = seqlog_read(r->l, 1, 500, 0, check_fn, r, &next);
        if (n < 0)
            r->bad++;
        r->reads++;
    }
    return NULL;
}

static void test_seqlog_reads_while_appending_and_retaining(void **state)
{
    seqlog *l = NULL;
    seqlog_opts o = {.segment_bytes = 2048, .retain_bytes = 8192, .sync = SEQLOG_SYNC_NEVER};
    assert_int_equal(seqlog_open(*state, &o, &l), 0);
    reader r = {.l = l};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, reader_main, &r), 0);
    for (int i = 0; i < 300; i++) {
        append_n(l, 10, 10);
        assert_true(seqlog_retain(l, 0) >= 0);
    }
    r.stop = 1;
    pthread_join(th, NULL);
    assert_int_equal(r.bad, 0);
    assert_true(r.reads > 0);
    check_range(l, seqlog_first(l), 3000);
    seqlog_close(l);
}

static void test_seqlog_retention_plan(void **state)
{
    seqlog_seginfo s[4] = {{100, 1000}, {100, 2000}, {100, 3000}, {100, 4000}};
    assert_int_equal(seqlog_retention_plan(s, 4, 5000, 0, 0), 0);
    assert_int_equal(seqlog_retention_plan(s, 4, 5000, 250, 0), 2);
    assert_int_equal(seqlog_retention_plan(s, 4, 5000, 400, 0), 0);
    assert_int_equal(seqlog_retention_plan(s, 4, 5000, 0, 2500), 2); // 1000 and 2000 too old
    assert_int_equal(seqlog_retention_plan(s, 4, 5000, 10, 0), 3);   // never the active one
    assert_int_equal(seqlog_retention_plan(s, 4, 100000, 0, 1), 3);
    assert_int_equal(seqlog_retention_plan(s, 1, 100000, 1, 1), 0);
}

static void test_seqlog_large_record_and_crc(void **state)
{
    // Known CRC32C check value of "123456789".
    assert_int_equal(seqlog_crc32c(0, "123456789", 9), 0xE3069283u);
    seqlog *l = NULL;
    assert_int_equal(seqlog_open(*state, NULL, &l), 0);
    size_t big = 600 * 1024;
    char *buf = malloc(big);
    memset(buf, 'q', big);
    struct iovec iov[2] = {{"a", 1}, {buf, big}};
    assert_int_equal(seqlog_append(l, iov, 2, NULL), 0);
    seqlog_close(l);
    assert_int_equal(seqlog_open(*state, NULL, &l), 0);
    collect *c = calloc(1, sizeof *c);
    assert_int_equal(seqlog_read(l, 1, 0, 0, collect_fn, c, NULL), 2);
    assert_string_equal(c->data[0], "a");
    assert_int_equal(c->data[1][0], 'q');
    free(c);
    free(buf);
    struct iovec none;
    assert_int_equal(seqlog_append(l, &none, 0, NULL), -EINVAL);
    seqlog_close(l);
    seqlog_close(NULL);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_seqlog_append_assigns_contiguous_seqs),
        T(test_seqlog_read_limits),
        T(test_seqlog_reopen_keeps_records),
        T(test_seqlog_second_open_is_busy),
        T(test_seqlog_torn_tail_is_cut),
        T(test_seqlog_garbage_tail_is_cut),
        T(test_seqlog_torn_record_header_is_cut),
        T(test_seqlog_corrupt_middle_segment_drops_later),
        T(test_seqlog_retention_by_size),
        T(test_seqlog_retention_by_age_keeps_active),
        T(test_seqlog_reads_while_appending_and_retaining),
        cmocka_unit_test(test_seqlog_retention_plan),
        T(test_seqlog_large_record_and_crc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
