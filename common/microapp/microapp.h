// microapp: the one skeleton every Outrigger service runs on (hub and store too).
//
// microapp_main() parses flags and environment, sets up logging and signals,
// builds the RPC server (Health/Check and ListMethods built in), connects the
// store and hub clients the service asks for, serves Prometheus metrics, calls
// the service's init, runs the loop (tick) until SIGINT/SIGTERM, then tears
// down in reverse. A service's main.c declares a microapp_def and calls it.
//
// Flags (each also OUTRIG_<FLAG> in the environment, flag wins):
//   --listen URL       RPC address (default ipc://<run-dir>/<name>.sock)
//   --store URL        outrig-store address (default ipc://<run-dir>/store.sock)
//   --hub URL          outrig-hub address (default ipc://<run-dir>/hub.sock)
//   --run-dir DIR      sockets and pid files (default ./var/run/outrig)
//   --data-dir DIR     durable data (default ./var/lib/outrig/<name>)
//   --metrics URL      http://127.0.0.1:PORT/metrics; "" or "off" = none (default off)
//   --log-level L      debug|info|warn|error (default info)
//   --set KEY=VALUE    a service-specific option, read with microapp_opt()
#ifndef OUTRIG_MICROAPP_H
#define OUTRIG_MICROAPP_H

#include <stdbool.h>
#include <stdint.h>

#include "metrics/metrics.h"
#include "rpc/rpc.h"

typedef struct microapp microapp;
struct hub_client;
struct store_client;

// The categories a service publishes, subscribes to, writes and watches
// (DESIGN.md). NULL-terminated lists; the dashboard draws the graph of these.
typedef struct microapp_categories {
    const char *const *publishes;
    const char *const *subscribes;
    const char *const *writes;
    const char *const *watches;
} microapp_categories;

typedef struct microapp_def {
    const char *name;            // "hub", "store", "orchestrator" ...
    microapp_categories cats;
    bool needs_store;            // open a store client before init
    bool needs_hub;              // open a hub client before init
    // Builds the service: domain state, event and state managers, and its
    // RPC services (microapp_add_service). Returns 0 or a negative errno;
    // *state is handed back to tick and fini.
    int (*init)(microapp *app, void **state);
    // Called every tick_ms (0 = 100) on the main thread.
    void (*tick)(microapp *app, void *state);
    uint32_t tick_ms;
    // Called after the RPC server stopped; frees *state.
    void (*fini)(microapp *app, void *state);
} microapp_def;

// Runs the service; returns the process exit code.
int microapp_main(const microapp_def *def, int argc, char **argv);

// Registers an RPC service on the app's server (before init returns).
int microapp_add_service(microapp *app, const ProtobufCServiceDescriptor *svc,
                         const rpc_method_impl *impls, size_t n, void *arg);

const microapp_def *microapp_def_of(const microapp *app);
const char *microapp_name(const microapp *app);
const char *microapp_listen_url(const microapp *app);
const char *microapp_run_dir(const microapp *app);
const char *microapp_data_dir(const microapp *app);   // created if missing
const char *microapp_store_url(const microapp *app);
const char *microapp_hub_url(const microapp *app);
// A --set option, or def_value when not given.
const char *microapp_opt(const microapp *app, const char *key, const char *def_value);
// Parses a --set option as an unsigned number with optional k/M/G/ms/s suffix
// rules left to the caller: returns def_value when absent, -EINVAL when malformed.
int microapp_opt_u64(const microapp *app, const char *key, uint64_t def_value, uint64_t *out);

rpc_server *microapp_rpc(microapp *app);
metrics_registry *microapp_metrics(microapp *app);
struct store_client *microapp_store(microapp *app);   // NULL unless needs_store
struct hub_client *microapp_hub(microapp *app);       // NULL unless needs_hub

// Asks the loop to stop (from any thread or a signal handler).
void microapp_stop(microapp *app);
bool microapp_stopping(const microapp *app);

// "store.write" style lists as one line for ListMethods / logs: "pub=vnf,host sub=..."
int microapp_categories_format(const microapp_categories *c, char *buf, size_t len);

#endif
