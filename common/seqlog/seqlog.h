// seqlog: a durable log of sequenced records in segment files.
//
// Records are opaque bytes; the log gives them contiguous sequence numbers
// from 1. Each batch is appended to the active segment and, by default,
// fsync'd before seqlog_append returns. Segments are files
// <dir>/<first seq, 20 digits>.seg of bounded size; an in-memory sparse index
// makes reading from any retained seq cheap. Opening recovers: a torn tail
// (a crash mid-write) is cut at the last whole record, each record being
// checked by CRC32C. Retention removes whole oldest segments by total size and
// age, never the active one.
//
// Threads: one appender at a time (the caller serialises appends, syncs and
// retention); readers may run concurrently with it and with each other.
// Files are host-endian (little-endian on every platform Outrigger runs on).
#ifndef OUTRIG_SEQLOG_H
#define OUTRIG_SEQLOG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

typedef struct seqlog seqlog;

typedef enum {
    SEQLOG_SYNC_BATCH = 0, // fsync every append (durable when it returns)
    SEQLOG_SYNC_INTERVAL,  // fsync when interval_ms passed since the last one
    SEQLOG_SYNC_NEVER,     // leave it to the kernel (and close)
} seqlog_sync_mode;

typedef struct seqlog_opts {
    uint64_t segment_bytes; // roll over past this size; 0 = 64 MiB
    seqlog_sync_mode sync;
    uint32_t sync_interval_ms; // for SEQLOG_SYNC_INTERVAL; 0 = 100
    uint64_t retain_bytes;     // 0 = no size limit
    uint64_t retain_ms;        // 0 = no age limit
    uint32_t max_record;       // largest record; 0 = 16 MiB
} seqlog_opts;

// Opens (creating dir and the log if needed) and recovers the log in dir.
// opts may be NULL. Returns 0 and *out, -ENOMEM, -EBUSY (another process has
// it open), -EIO / -errno on file errors.
int seqlog_open(const char *dir, const seqlog_opts *opts, seqlog **out);
// Syncs and closes. NULL is a no-op.
void seqlog_close(seqlog *l);

// Appends n records (recs[i] is one record) as one batch with consecutive
// seqs; *first_seq (may be NULL) gets the first. 0, -EINVAL (n == 0 or a
// record too large), -EIO (write or fsync failed: the log refuses further
// appends, as the file state is unknown).
int seqlog_append(seqlog *l, const struct iovec *recs, size_t n, uint64_t *first_seq);
// fsyncs what was appended and not yet synced (for SEQLOG_SYNC_INTERVAL, call
// it from a timer). 0 or -EIO.
int seqlog_sync(seqlog *l);

// Called for each record read, in seq order; data is valid during the call.
// Return 0 to go on, non-zero to stop (the record counts as read).
typedef int (*seqlog_read_fn)(uint64_t seq, const void *data, size_t len, void *arg);

// Reads records with seq >= from (from the first retained one if from is
// older) up to max_records and about max_bytes (0 = no limit; at least one
// record is read). *next (may be NULL) gets the seq after the last record
// read. Returns the number of records read or -EIO.
long seqlog_read(seqlog *l, uint64_t from, size_t max_records, size_t max_bytes, seqlog_read_fn fn,
                 void *arg, uint64_t *next);

// First retained seq (last + 1 when empty) and last appended seq (0 = none yet).
uint64_t seqlog_first(seqlog *l);
uint64_t seqlog_last(seqlog *l);

typedef struct seqlog_stats {
    uint64_t bytes; // all segment files
    uint32_t segments;
    uint64_t appends;         // batches appended since open
    uint64_t syncs;           // fsyncs since open
    uint64_t truncated_bytes; // cut by recovery at open
} seqlog_stats;
void seqlog_stats_get(seqlog *l, seqlog_stats *out);

// Applies retention as of now_unix_ms: removes whole oldest segments while
// the log is over retain_bytes or their newest record is older than
// retain_ms. Returns the number of segments removed or -errno.
int seqlog_retain(seqlog *l, uint64_t now_unix_ms);

// ---- retention decision (pure, for the caller and for tests) -----------

typedef struct seqlog_seginfo {
    uint64_t bytes;
    uint64_t last_write_ms; // Unix ms of its newest record
} seqlog_seginfo;

// How many of the oldest segments (segs[0] is the oldest, the last is the
// active one and is never counted) to remove so that the rest fit in
// retain_bytes (0 = no limit) and none is older than retain_ms (0 = no limit).
size_t seqlog_retention_plan(const seqlog_seginfo *segs, size_t n, uint64_t now_ms,
                             uint64_t retain_bytes, uint64_t retain_ms);

// CRC32C (Castagnoli) of buf, continuing from crc (0 to start).
uint32_t seqlog_crc32c(uint32_t crc, const void *buf, size_t len);

#endif
