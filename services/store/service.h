// service: builds and tears down outrig-store inside the micro-app skeleton.
//
// Options (--set KEY=VALUE):
//   watch=URL             PUB address of the watch stream
//                         (default ipc://<run-dir>/store-watch.sock, file mode 0600)
//   history_revisions=N   keep the history of at least the newest N revisions (default 1000000)
//   history_bytes=N       bound the history's size in bytes (default 268435456)
//   map_size=N            largest LMDB database in bytes (default 4294967296)
//   max_batch=N           writes per group commit (default 4096)
#ifndef OUTRIG_STO_SERVICE_H
#define OUTRIG_STO_SERVICE_H

#include "microapp/microapp.h"

int sto_service_init(microapp *app, void **state);
void sto_service_fini(microapp *app, void *state);
// Refreshes the store's metrics (revision, keys, leases, commits).
void sto_service_tick(microapp *app, void *state);

#endif
