// cli: what every outrig command shares: global flags, endpoints, output
// format, exit codes, and the one way RPC failures are reported.
#ifndef OUTRIG_CLI_H
#define OUTRIG_CLI_H

#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "args.h"
#include "output.h"
#include "rpc/rpc.h"

// Exit codes of the outrig command.
enum {
    CLI_EXIT_OK = 0,
    CLI_EXIT_FAIL = 1,        // an RPC or operation error
    CLI_EXIT_USAGE = 2,       // bad arguments
    CLI_EXIT_UNREACHABLE = 3, // an endpoint could not be reached
};

typedef enum { CLI_FMT_TABLE, CLI_FMT_JSON } cli_format;

#define CLI_URL_MAX 512
#define CLI_DIR_MAX 480 // leaves room for "ipc://" + dir + "/outrigd.sock"
#define CLI_MAX_POS 32
#define CLI_MAX_OPTS 16
#define CLI_TIMEOUT_DEFAULT_MS 5000u

typedef struct cli {
    char run_dir[CLI_DIR_MAX];
    char store_url[CLI_URL_MAX]; // "" until resolved from run_dir
    char hub_url[CLI_URL_MAX];
    char driver_url[CLI_URL_MAX];
    uint32_t timeout_ms;
    char token[256];
    cli_format format;
    FILE *out; // stdout; errors always go to stderr
} cli;

// Global flag ids (args_opt.id), shared by every command.
enum {
    CLI_OPT_RUN_DIR = 1000,
    CLI_OPT_STORE,
    CLI_OPT_HUB,
    CLI_OPT_DRIVER,
    CLI_OPT_TIMEOUT,
    CLI_OPT_OUTPUT,
    CLI_OPT_TOKEN,
    CLI_OPT_HELP,
};
extern const args_opt cli_global_opts[];

// Defaults, then the environment: OUTRIG_RUN_DIR, OUTRIG_STORE, OUTRIG_HUB,
// OUTRIG_DRIVER, OUTRIG_TOKEN, OUTRIG_TIMEOUT (ms). Never fails: a bad
// environment value is ignored with a warning on stderr.
void cli_init(cli *c);
// Applies one global flag. Returns 0, or -EINVAL with err filled.
int cli_global_opt(cli *c, int id, const char *value, char *err, size_t errlen);
// Endpoints not given explicitly: ipc://<run_dir>/{store,hub,outrigd}.sock.
void cli_resolve(cli *c);

// The arguments of one command after its name: positionals and its own options.
typedef struct cli_args {
    const char *pos[CLI_MAX_POS];
    int npos;
    struct {
        int id;
        const char *value;
    } opts[CLI_MAX_OPTS];
    int nopts;
} cli_args;

// Parses argv[from..) with the global flags and `local`; applies the global
// flags to c. Between min_pos and max_pos positionals. On a usage error
// prints it with the synopsis and returns CLI_EXIT_USAGE; on --help prints the
// synopsis and returns -1 (the caller exits 0); else 0.
int cli_parse(cli *c, const char *synopsis, int argc, char **argv, int from, const args_opt *local,
              int min_pos, int max_pos, cli_args *out);
// Reads global flags from argv[*from] up to the next word, a (sub)command
// name: *name gets it and *from the index after it. Returns 0, CLI_EXIT_USAGE
// (printed with synopsis; also when no word is left), or -1 after --help.
int cli_next_word(cli *c, const char *synopsis, int argc, char **argv, int *from,
                  const char **name);
// The last value given for option id (the empty string for flags), or NULL.
const char *cli_arg(const cli_args *a, int id);
// Parses an option value as a number; on error prints the usage and returns CLI_EXIT_USAGE.
int cli_arg_u64(const cli_args *a, int id, const char *synopsis, uint64_t def, uint64_t *out);

// Prints "outrig: <message>" and the synopsis to stderr; returns CLI_EXIT_USAGE.
int cli_usage(const char *synopsis, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

// An endpoint: a human name ("outrig-store") and its client.
typedef struct cli_endpoint {
    const char *name;
    const char *url;
    rpc_client *client;
} cli_endpoint;

// One subcommand of a group: its name, synopsis, options and positional bounds. A group's
// table entry starts with a cli_sub and adds what runs it.
typedef struct cli_sub {
    const char *name;
    const char *synopsis;
    const args_opt *opts;
    int min_pos, max_pos;
} cli_sub;

// Reads the next word of argv (after global flags), finds that subcommand in subs (n entries,
// stride bytes apart) and parses its arguments into a. Returns the entry, or NULL with *rc the
// exit code: 0 after --help, else CLI_EXIT_USAGE (printed; "unknown <group> command 'x'", or
// "unknown command 'x'" when group is NULL).
const cli_sub *cli_pick(cli *c, const char *synopsis, const char *group, int argc, char **argv,
                        int from, const cli_sub *subs, size_t n, size_t stride, cli_args *a,
                        int *rc);

// Returns 0, or CLI_EXIT_UNREACHABLE (message printed) when the address
// cannot be used at all (no such ipc socket file): nobody listens there.
int cli_check_reachable(const char *name, const char *url);
// The same test without a message: false when url is ipc:// with no socket file.
bool cli_check_reachable_quiet(const char *url);
// Client options from the global flags (timeout, token); valid while c lives.
rpc_client_opts cli_client_opts(const cli *c);
// Checks the address and opens a raw RPC client for it. Returns 0 or
// CLI_EXIT_UNREACHABLE (message printed).
int cli_connect(cli *c, cli_endpoint *ep, const char *name, const char *url);
void cli_disconnect(cli_endpoint *ep); // a zeroed endpoint is fine

// Calls a method with the global timeout and token. On failure prints either
// the unreachable message (UNAVAILABLE: exit 3) or "CODE: message (field)"
// (exit 1) and returns that exit code; on success returns 0. st, if not NULL,
// gets the status either way.
int cli_call(cli *c, cli_endpoint *ep, const char *method, const ProtobufCMessage *in,
             const ProtobufCMessageDescriptor *out_desc, ProtobufCMessage **out, bool idempotent,
             rpc_status *st);
// The same without printing: returns the rpc code (for status probing).
rpc_code cli_call_quiet(cli *c, cli_endpoint *ep, const char *method, const ProtobufCMessage *in,
                        const ProtobufCMessageDescriptor *out_desc, ProtobufCMessage **out,
                        rpc_status *st);
// Prints a failed call of the service `name` at url the way cli_call does and
// returns the exit code (3 for UNAVAILABLE, else 1). st may be NULL.
int cli_report(const char *name, const char *url, rpc_code code, const rpc_status *st);

// Connects to the service `name` at url, calls method once and disconnects. On success *out
// holds the reply (the caller frees it with protobuf_c_message_free_unpacked; out may be NULL
// for a reply nobody reads); on failure *out is NULL and the exit code is returned, printed as
// cli_call does.
int cli_call_at(cli *c, const char *name, const char *url, const char *method,
                const ProtobufCMessage *in, const ProtobufCMessageDescriptor *out_desc,
                ProtobufCMessage **out, bool idempotent);

// Prints a finished JSON document (one line) to c->out; returns 0 or CLI_EXIT_FAIL.
int cli_print_json(cli *c, out_json *j);

// How the items of a reply print: a JSON array of one value per item (the value of the member
// json_key of an object when json_key is not NULL), or a table of ncols columns, a row per item.
typedef struct cli_list {
    const char *json_key;
    size_t ncols;
    const char *const *headers;
    void (*json)(out_json *j, const void *reply, size_t i); // writes item i as one value
    int (*row)(out_table *t, const void *reply, size_t i);  // adds item i's row: 0 or -ENOMEM
} cli_list;
// Prints items 0..n-1 of reply in c->format. Returns 0 or CLI_EXIT_FAIL (out of memory, or the
// output is gone), nothing printed on out of memory.
int cli_print_list(cli *c, const cli_list *l, const void *reply, size_t n);
// Prints item i alone: its JSON value, or the table of its one row.
int cli_print_item(cli *c, const cli_list *l, const void *reply, size_t i);

// Flushes c->out; on a write error (reader gone) sets cli_interrupted and
// returns CLI_EXIT_FAIL, else 0.
int cli_flush(cli *c);

// Set by SIGINT/SIGTERM once cli_catch_signals() ran: streams stop cleanly.
extern volatile sig_atomic_t cli_interrupted;
void cli_catch_signals(void);

// A stream of events that a client library's thread prints, one line each, until count of
// them were printed (0: no limit), a signal, or the reader is gone.
typedef struct cli_stream {
    cli *c;
    uint64_t count;
    atomic_uint_fast64_t seen;
    out_json j; // the JSON line of the event being printed
} cli_stream;
// A new stream (caller frees with cli_stream_free; NULL is a no-op) and catches the signals;
// NULL on ENOMEM.
cli_stream *cli_stream_new(cli *c, uint64_t count);
void cli_stream_free(cli_stream *s);
// True once count events were printed: the event thread drops the rest.
bool cli_stream_full(cli_stream *s);
// The event thread's JSON line, cleared, to write the event into (JSON mode).
out_json *cli_stream_json(cli_stream *s);
// The event thread printed one event: its JSON line (JSON mode) or the text already written to
// c->out (table mode) is flushed, and it counts.
void cli_stream_sent(cli_stream *s);
// Waits until the stream ends, calling poll(arg) every 20 ms (to report what was missed).
void cli_stream_run(cli_stream *s, void (*poll)(void *arg), void *arg);

#endif
