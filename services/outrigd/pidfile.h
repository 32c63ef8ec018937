// pidfile: <run_dir>/outrigd.pid, one outrigd per run dir.
#ifndef OUTRIGD_PIDFILE_H
#define OUTRIGD_PIDFILE_H

#include <sys/types.h>

// Writes our pid to path (atomically, by rename). -EEXIST when the file names
// another live process (*other = its pid); a stale file is replaced. 0 or -errno.
int od_pidfile_acquire(const char *path, pid_t *other);
// Removes path if it still holds our pid. NULL is a no-op.
void od_pidfile_release(const char *path);

#endif
