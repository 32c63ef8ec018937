// argv: the command line and environment outrigd gives a micro-app (pure).
#ifndef OUTRIGD_ARGV_H
#define OUTRIGD_ARGV_H

#include <stddef.h>

#include "config/outrig.h"

// A NULL-terminated vector of strings, all owned by the vector.
typedef struct od_strv {
    char **v;
    size_t n, cap;
} od_strv;

// Appends a copy of s; 0 or -ENOMEM.
int od_strv_push(od_strv *sv, const char *s);
// Frees the strings and the vector; a zeroed or freed od_strv is a no-op.
void od_strv_free(od_strv *sv);

// argv for service s of config c: binary (argv[0]), --listen, --store, --hub,
// --run-dir, --data-dir <data_dir>/<name>, --log-level, --metrics
// (http://127.0.0.1:<base + cfg index>/metrics or off), then --set k=v for
// each set: entry. 0 or -ENOMEM.
int od_build_argv(const cfg_outrig *c, const cfg_service *s, const char *binary, od_strv *out);
// environ plus the service's env: entries (which replace same-named ones).
int od_build_env(const cfg_service *s, char *const *environ_in, od_strv *out);
// The paths to try for service s's binary, best first, into out (no I/O):
// its `binary` if set (as is), else outrig-<name> in bin_dir, in self_dir
// (outrigd's own directory), in self_dir/../<name>/ (the build tree), then
// the bare name for a PATH search. 0 or -ENOMEM.
int od_binary_candidates(const cfg_outrig *c, const cfg_service *s, const char *self_dir,
                         od_strv *out);
// The address of the named service's listener, or the default ipc URL for it.
void od_service_url(const cfg_outrig *c, const char *name, char *buf, size_t len);

#endif
