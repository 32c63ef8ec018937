// spawn: starting, signalling and reaping child processes (the I/O edge).
#ifndef OUTRIGD_SPAWN_H
#define OUTRIGD_SPAWN_H

#include <stddef.h>
#include <sys/types.h>

#include "argv.h"

// The first candidate that names an executable file: a path containing '/'
// is checked as is, a bare name is searched in $PATH. 0 and the path in out,
// or -ENOENT.
int od_resolve_binary(const od_strv *candidates, char *out, size_t len);

// Forks and execs argv[0] with argv and envp. The child gets its own process
// group (a terminal's Ctrl-C reaches outrigd alone, which stops children in
// order), SIGTERM when outrigd dies, default signal dispositions and an empty
// signal mask. Returns the pid, or -errno when fork or exec failed (exec
// errors come back through a close-on-exec pipe, so nothing is left running).
pid_t od_spawn(char *const argv[], char *const envp[]);

// Sends sig to pid; 0 or -errno (-ESRCH when already gone).
int od_signal(pid_t pid, int sig);

// Reaps one exited child without blocking: its pid and *wstatus, 0 when none
// is ready, -ECHILD when there are no children.
pid_t od_reap(int *wstatus);

#endif
