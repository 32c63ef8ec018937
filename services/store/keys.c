// keys: validation of keys and prefixes (see keys.h for the rules).
#include "keys.h"

#include <string.h>

static bool cat_char(char c, bool first)
{
    if (c >= 'a' && c <= 'z')
        return true;
    return !first && ((c >= '0' && c <= '9') || c == '_' || c == '-');
}

static bool fail(const char **why, const char *reason)
{
    if (why)
        *why = reason;
    return false;
}

// Walks s as a (partial) key. complete=true demands a whole key.
static bool check(const char *s, bool complete, const char **why)
{
    size_t n = strlen(s);
    if (n == 0)
        return complete ? fail(why, "must not be empty") : true;
    if (n > STO_KEY_MAX)
        return fail(why, "longer than 256 bytes");
    if (s[0] != '/')
        return fail(why, "must start with '/'");
    size_t i = 1;
    while (i < n && s[i] != '/') {
        if (!cat_char(s[i], i == 1))
            return fail(why, "category must match [a-z][a-z0-9_-]*");
        i++;
    }
    size_t cat = i - 1;
    if (cat > STO_CATEGORY_MAX)
        return fail(why, "category longer than 32 characters");
    if (i == n)
        return complete ? fail(why, "must be /<category>/<id>") : true;
    if (cat == 0)
        return fail(why, "category must not be empty");
    i++; // the '/' after the category
    if (i == n)
        return complete ? fail(why, "id must not be empty") : true;
    for (; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x21 || c > 0x7e)
            return fail(why, "id must be printable ASCII without spaces");
        if (c == '/' && s[i - 1] == '/')
            return fail(why, "id must not contain \"//\"");
    }
    if (complete && s[n - 1] == '/')
        return fail(why, "id must not end with '/'");
    return true;
}

bool sto_key_valid(const char *key, const char **why)
{
    if (!key)
        return fail(why, "must not be empty");
    return check(key, true, why);
}

bool sto_prefix_valid(const char *prefix, const char **why)
{
    if (!prefix)
        return true;
    return check(prefix, false, why);
}

size_t sto_category_len(const char *key)
{
    if (!key || key[0] != '/')
        return 0;
    const char *slash = strchr(key + 1, '/');
    return slash ? (size_t)(slash - key - 1) : 0;
}

size_t sto_watch_topic(const char *prefix, char *buf, size_t len)
{
    if (!prefix)
        prefix = "";
    size_t cat = sto_category_len(prefix);
    size_t n = cat ? cat + 2 : strlen(prefix);
    if (len) {
        size_t m = n < len - 1 ? n : len - 1;
        memcpy(buf, prefix, m);
        buf[m] = '\0';
    }
    return n;
}

bool sto_has_prefix(const char *key, size_t key_len, const char *prefix, size_t prefix_len)
{
    return key_len >= prefix_len && memcmp(key, prefix, prefix_len) == 0;
}
