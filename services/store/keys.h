// keys: what a store key, prefix and category look like.
//
// A key is "/<category>/<id>". category matches [a-z][a-z0-9_-]{0,31}: the
// categories of DESIGN.md (ns vnf cp link site host policy scale metric image
// device op) and any other lower-case name, so that a new service can keep
// state without a store change (the hub accepts the same names). id is
// non-empty printable ASCII (0x21..0x7e), may contain '/' but not "//" and
// does not end in '/'. A whole key is at most STO_KEY_MAX bytes.
#ifndef OUTRIG_STO_KEYS_H
#define OUTRIG_STO_KEYS_H

#include <stdbool.h>
#include <stddef.h>

#define STO_KEY_MAX 256
#define STO_CATEGORY_MAX 32
#define STO_VALUE_MAX (1024u * 1024u)

// Checks a key; on failure returns false and, when why != NULL, a short reason.
bool sto_key_valid(const char *key, const char **why);
// Checks a range/watch prefix: "" or any prefix of a valid key ("/", "/vn",
// "/vnf/", "/vnf/a"). Same reason convention.
bool sto_prefix_valid(const char *prefix, const char **why);
// Length of the category of a valid key or prefix ("/vnf/x" -> 3); 0 when
// the prefix does not contain a whole category ("", "/", "/vn").
size_t sto_category_len(const char *key);
// The watch topic of a prefix: "/<category>/" when the prefix names a whole
// category, else the prefix itself (it then covers whole categories).
// Writes at most len bytes with NUL; returns the topic length.
size_t sto_watch_topic(const char *prefix, char *buf, size_t len);
// True if key starts with prefix.
bool sto_has_prefix(const char *key, size_t key_len, const char *prefix, size_t prefix_len);

#endif
