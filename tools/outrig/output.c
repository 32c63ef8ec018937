// output: JSON writer and text tables for the outrig CLI.
#include "output.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

// ---- UTF-8 ----------------------------------------------------------------

// Length of the valid UTF-8 sequence at s (n bytes left), 0 if invalid.
// Rejects overlong forms, surrogates and code points above U+10FFFF.
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    size_t len;
    uint32_t cp;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

bool out_utf8_valid(const void *data, size_t n)
{
    const unsigned char *s = data;
    size_t i = 0;
    while (i < n) {
        if (s[i] == 0)
            return false;
        size_t l = utf8_seq_len(s + i, n - i);
        if (l == 0)
            return false;
        i += l;
    }
    return true;
}

// ---- JSON -----------------------------------------------------------------

void out_json_init(out_json *j)
{
    memset(j, 0, sizeof(*j));
}

void out_json_free(out_json *j)
{
    free(j->buf);
    memset(j, 0, sizeof(*j));
}

void out_json_reset(out_json *j)
{
    char *buf = j->buf;
    size_t cap = j->cap;
    memset(j, 0, sizeof(*j));
    j->buf = buf;
    j->cap = cap;
}

static void fail(out_json *j, int err)
{
    if (j->err == 0)
        j->err = err;
}

static void put(out_json *j, const char *s, size_t n)
{
    if (j->err || n == 0)
        return;
    if (j->len + n + 1 > j->cap) {
        size_t cap = j->cap ? j->cap : 256;
        while (j->len + n + 1 > cap)
            cap *= 2;
        char *b = realloc(j->buf, cap);
        if (!b) {
            fail(j, -ENOMEM);
            return;
        }
        j->buf = b;
        j->cap = cap;
    }
    memcpy(j->buf + j->len, s, n);
    j->len += n;
    j->buf[j->len] = '\0';
}

static void puts_(out_json *j, const char *s)
{
    put(j, s, strlen(s));
}

// Called before every value: checks the value is allowed here, writes a comma.
static void before_value(out_json *j)
{
    if (j->depth == 0) {
        if (j->len > 0)
            fail(j, -EINVAL); // a second top-level value
        return;
    }
    int d = j->depth - 1;
    if (j->in_object[d]) {
        if (!j->after_key)
            fail(j, -EINVAL);
        j->after_key = false;
        return;
    }
    if (j->need_comma[d])
        put(j, ",", 1);
    j->need_comma[d] = true;
}

static void open_(out_json *j, bool object)
{
    before_value(j);
    if (j->depth >= OUT_JSON_MAX_DEPTH) {
        fail(j, -EINVAL);
        return;
    }
    j->in_object[j->depth] = object;
    j->need_comma[j->depth] = false;
    j->depth++;
    put(j, object ? "{" : "[", 1);
}

static void close_(out_json *j, bool object)
{
    if (j->depth == 0 || j->in_object[j->depth - 1] != object || j->after_key) {
        fail(j, -EINVAL);
        return;
    }
    j->depth--;
    put(j, object ? "}" : "]", 1);
}

void out_json_object_begin(out_json *j)
{
    open_(j, true);
}
void out_json_object_end(out_json *j)
{
    close_(j, true);
}
void out_json_array_begin(out_json *j)
{
    open_(j, false);
}
void out_json_array_end(out_json *j)
{
    close_(j, false);
}

static void put_escaped(out_json *j, const char *str, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)str;
    put(j, "\"", 1);
    size_t run = 0; // start of the current stretch of bytes copied as they are
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        const char *esc = NULL;
        char u[7];
        size_t skip = 1;
        if (c == '"')
            esc = "\\\"";
        else if (c == '\\')
            esc = "\\\\";
        else if (c == '\n')
            esc = "\\n";
        else if (c == '\r')
            esc = "\\r";
        else if (c == '\t')
            esc = "\\t";
        else if (c == '\b')
            esc = "\\b";
        else if (c == '\f')
            esc = "\\f";
        else if (c < 0x20) {
            u[0] = '\\', u[1] = 'u', u[2] = '0', u[3] = '0';
            u[4] = hex[c >> 4], u[5] = hex[c & 15], u[6] = '\0';
            esc = u;
        } else if (c >= 0x80) {
            skip = utf8_seq_len(s + i, n - i);
            if (skip == 0) {
                esc = "\\ufffd";
                skip = 1;
            }
        }
        if (esc) {
            put(j, str + run, i - run);
            puts_(j, esc);
            run = i + skip;
        }
        i += skip;
    }
    put(j, str + run, n - run);
    put(j, "\"", 1);
}

void out_json_key(out_json *j, const char *key)
{
    if (j->depth == 0 || !j->in_object[j->depth - 1] || j->after_key || !key) {
        fail(j, -EINVAL);
        return;
    }
    int d = j->depth - 1;
    if (j->need_comma[d])
        put(j, ",", 1);
    j->need_comma[d] = true;
    put_escaped(j, key, strlen(key));
    put(j, ":", 1);
    j->after_key = true;
}

void out_json_strn(out_json *j, const char *s, size_t n)
{
    if (n == 0)
        s = ""; // an empty protobuf bytes field has data == NULL
    before_value(j);
    put_escaped(j, s, n);
}

void out_json_str(out_json *j, const char *s)
{
    if (!s) {
        out_json_null(j);
        return;
    }
    out_json_strn(j, s, strlen(s));
}

void out_json_u64(out_json *j, uint64_t v)
{
    char b[24];
    before_value(j);
    snprintf(b, sizeof(b), "%" PRIu64, v);
    puts_(j, b);
}

void out_json_i64(out_json *j, int64_t v)
{
    char b[24];
    before_value(j);
    snprintf(b, sizeof(b), "%" PRId64, v);
    puts_(j, b);
}

void out_json_bool(out_json *j, bool v)
{
    before_value(j);
    puts_(j, v ? "true" : "false");
}

void out_json_null(out_json *j)
{
    before_value(j);
    puts_(j, "null");
}

void out_json_base64(out_json *j, const void *data, size_t n)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *s = data;
    before_value(j);
    put(j, "\"", 1);
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)s[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)s[i + 1] << 8;
        if (i + 2 < n)
            v |= s[i + 2];
        char q[4] = {tab[(v >> 18) & 63], tab[(v >> 12) & 63], tab[(v >> 6) & 63], tab[v & 63]};
        if (i + 1 >= n)
            q[2] = '=';
        if (i + 2 >= n)
            q[3] = '=';
        put(j, q, 4);
    }
    put(j, "\"", 1);
}

void out_json_kv_str(out_json *j, const char *key, const char *s)
{
    out_json_key(j, key);
    out_json_str(j, s);
}

void out_json_kv_u64(out_json *j, const char *key, uint64_t v)
{
    out_json_key(j, key);
    out_json_u64(j, v);
}

void out_json_kv_bool(out_json *j, const char *key, bool v)
{
    out_json_key(j, key);
    out_json_bool(j, v);
}

const char *out_json_finish(out_json *j, int *err)
{
    if (j->err == 0 && (j->depth != 0 || j->len == 0 || j->after_key))
        j->err = -EINVAL;
    if (err)
        *err = j->err;
    return j->err ? NULL : j->buf;
}

// ---- tables ---------------------------------------------------------------

struct out_table {
    size_t ncols;
    size_t nrows, cap; // rows[0] holds the headers
    char ***rows;
};

static char **row_copy(size_t ncols, const char *const *cells)
{
    char **r = calloc(ncols, sizeof(*r));
    if (!r)
        return NULL;
    for (size_t i = 0; i < ncols; i++) {
        r[i] = strdup(cells[i] ? cells[i] : "-");
        if (!r[i]) {
            for (size_t k = 0; k < i; k++)
                free(r[k]);
            free(r);
            return NULL;
        }
    }
    return r;
}

static void row_free(size_t ncols, char **r)
{
    if (!r)
        return;
    for (size_t i = 0; i < ncols; i++)
        free(r[i]);
    free(r);
}

out_table *out_table_new(size_t ncols, const char *const *headers)
{
    out_table *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->ncols = ncols;
    if (out_table_add(t, headers) != 0) {
        out_table_free(t);
        return NULL;
    }
    return t;
}

void out_table_free(out_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nrows; i++)
        row_free(t->ncols, t->rows[i]);
    free(t->rows);
    free(t);
}

int out_table_add(out_table *t, const char *const *cells)
{
    if (t->nrows == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 8;
        char ***rows = realloc(t->rows, cap * sizeof(*rows));
        if (!rows)
            return -ENOMEM;
        t->rows = rows;
        t->cap = cap;
    }
    char **r = row_copy(t->ncols, cells);
    if (!r)
        return -ENOMEM;
    t->rows[t->nrows++] = r;
    return 0;
}

// Display width: one column per character, counting UTF-8 lead bytes only.
static size_t cell_width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xc0) != 0x80)
            w++;
    return w;
}

void out_table_print(const out_table *t, FILE *f)
{
    size_t *w = calloc(t->ncols ? t->ncols : 1, sizeof(*w));
    if (!w)
        return;
    for (size_t r = 0; r < t->nrows; r++)
        for (size_t c = 0; c < t->ncols; c++) {
            size_t cw = cell_width(t->rows[r][c]);
            if (cw > w[c])
                w[c] = cw;
        }
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t c = 0; c < t->ncols; c++) {
            const char *s = t->rows[r][c];
            for (const char *p = s; *p; p++)
                fputc((unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p, f);
            if (c + 1 < t->ncols)
                fprintf(f, "%*s", (int)(w[c] - cell_width(s) + 2), "");
        }
        fputc('\n', f);
    }
    free(w);
}

// Renders the byte at s[i] for a cell into tmp; returns bytes consumed, *tl the text length.
static size_t cell_char(const unsigned char *s, size_t n, size_t i, char tmp[8], size_t *tl)
{
    size_t l = s[i] >= 0x80 ? utf8_seq_len(s + i, n - i) : 0;
    if (l > 1) {
        memcpy(tmp, s + i, l);
        *tl = l;
        return l;
    }
    if (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '\\') {
        tmp[0] = (char)s[i];
        *tl = 1;
        return 1;
    }
    *tl = (size_t)snprintf(tmp, 8, "\\x%02x", s[i]);
    return 1;
}

void out_cell_bytes(const void *data, size_t n, char *buf, size_t max)
{
    const unsigned char *s = data;
    char tmp[8];
    size_t tl, total = 0;
    for (size_t i = 0; i < n && total < max;) {
        i += cell_char(s, n, i, tmp, &tl);
        total += tl;
    }
    // All of it when it fits, else as much as leaves room for "..." and the NUL.
    size_t lim = total < max ? max - 1 : max - 4;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        size_t used = cell_char(s, n, i, tmp, &tl);
        if (o + tl > lim) {
            memcpy(buf + o, "...", 3);
            o += 3;
            break;
        }
        memcpy(buf + o, tmp, tl);
        o += tl;
        i += used;
    }
    buf[o] = '\0';
}
