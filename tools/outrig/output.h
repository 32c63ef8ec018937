// output: what the CLI prints. A small JSON writer with correct string
// escaping (one document or one object per line), and aligned text tables.
// Pure formatting: everything is written into memory, the caller prints it.
#ifndef OUTRIG_CLI_OUTPUT_H
#define OUTRIG_CLI_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define OUT_JSON_MAX_DEPTH 32

// A JSON document being built. Commas and the key/value alternation are kept
// by the writer; a misuse (value without a key inside an object, unbalanced
// end, too deep) makes the writer fail and out_json_finish() report -EINVAL.
typedef struct out_json {
    char *buf;
    size_t len, cap;
    int depth;
    bool in_object[OUT_JSON_MAX_DEPTH]; // per level: object (true) or array
    bool need_comma[OUT_JSON_MAX_DEPTH];
    bool after_key; // a key was written, its value is due
    int err;        // first error, 0 if none
} out_json;

// Starts an empty document. out_json_free releases it (a zeroed struct is fine).
void out_json_init(out_json *j);
void out_json_free(out_json *j);
// Clears the text but keeps the buffer, to write the next line of a stream.
void out_json_reset(out_json *j);

void out_json_object_begin(out_json *j);
void out_json_object_end(out_json *j);
void out_json_array_begin(out_json *j);
void out_json_array_end(out_json *j);
// An object member's name; the next call writes its value.
void out_json_key(out_json *j, const char *key);
// A string, escaped; invalid UTF-8 bytes become U+FFFD. NULL writes null
// (for strn: s may be NULL when n is 0, an empty string).
void out_json_str(out_json *j, const char *s);
void out_json_strn(out_json *j, const char *s, size_t n);
void out_json_u64(out_json *j, uint64_t v);
void out_json_i64(out_json *j, int64_t v);
void out_json_bool(out_json *j, bool v);
void out_json_null(out_json *j);
// Base64 (RFC 4648, padded) of n bytes, as a string.
void out_json_base64(out_json *j, const void *data, size_t n);

// Shorthands for an object member: key then value.
void out_json_kv_str(out_json *j, const char *key, const char *s);
void out_json_kv_u64(out_json *j, const char *key, uint64_t v);
void out_json_kv_bool(out_json *j, const char *key, bool v);

// Ends the document: returns the NUL-terminated text (owned by j, valid until
// the next call on j), or NULL when the document is incomplete or misused
// (*err, if not NULL, gets -EINVAL or -ENOMEM).
const char *out_json_finish(out_json *j, int *err);

// True when the n bytes are valid UTF-8 with no NUL (safe to show as text).
bool out_utf8_valid(const void *data, size_t n);

// ---- tables ---------------------------------------------------------------

typedef struct out_table out_table;

// A table with ncols columns named by headers (copied). NULL on ENOMEM.
out_table *out_table_new(size_t ncols, const char *const *headers);
void out_table_free(out_table *t); // NULL is a no-op
// Appends a row of ncols cells (copied; NULL shows as "-"). 0 or -ENOMEM.
int out_table_add(out_table *t, const char *const *cells);
// Prints the headers and rows, each column padded to its widest cell and
// separated by two spaces; control characters in cells print as '?'.
void out_table_print(const out_table *t, FILE *f);

// A printable, single-line rendering of bytes for a table cell in buf of max
// bytes (max >= 4, NUL included): text as is, other bytes and '\\' as \xNN,
// ending with "..." when cut.
void out_cell_bytes(const void *data, size_t n, char *buf, size_t max);

#endif
