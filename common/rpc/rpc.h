// rpc: gRPC-style unary RPC over nng REQ/REP with protobuf envelopes.
//
// A request is an outrig.v1.Request envelope (method full name, absolute
// deadline, metadata, payload); a reply an outrig.v1.Reply (status, payload).
// Servers run many nng contexts with aio; handlers finish a call exactly once
// with rpc_call_done(), from any thread, so a handler may complete later
// (group commit, long poll). Clients open one nng context per call, so any
// number of threads may share one client.
#ifndef OUTRIG_RPC_H
#define OUTRIG_RPC_H

#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

// gRPC status codes, same numbers and meaning.
typedef enum {
    RPC_OK = 0,
    RPC_CANCELLED = 1,
    RPC_UNKNOWN = 2,
    RPC_INVALID_ARGUMENT = 3,
    RPC_DEADLINE_EXCEEDED = 4,
    RPC_NOT_FOUND = 5,
    RPC_ALREADY_EXISTS = 6,
    RPC_PERMISSION_DENIED = 7,
    RPC_RESOURCE_EXHAUSTED = 8,
    RPC_FAILED_PRECONDITION = 9,
    RPC_ABORTED = 10,
    RPC_OUT_OF_RANGE = 11,
    RPC_UNIMPLEMENTED = 12,
    RPC_INTERNAL = 13,
    RPC_UNAVAILABLE = 14,
    RPC_DATA_LOSS = 15,
    RPC_UNAUTHENTICATED = 16,
} rpc_code;

#define RPC_MAX_MSG_DEFAULT (4u << 20)   // 4 MiB envelope
#define RPC_CONTEXTS_DEFAULT 64
#define RPC_WATCHDOG_MS_DEFAULT 2000u

// A finished call's status: code, message, and for INVALID_ARGUMENT the field path.
typedef struct rpc_status {
    rpc_code code;
    char message[256];
    char field[128];
} rpc_status;

// "OK", "INVALID_ARGUMENT", ...; "UNKNOWN" for codes out of range.
const char *rpc_code_name(rpc_code c);
// Parses a code name; returns 0 or -EINVAL.
int rpc_code_parse(const char *name, rpc_code *out);
// Fills st; fmt may be NULL. field may be NULL.
void rpc_status_set(rpc_status *st, rpc_code code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
// "INVALID_ARGUMENT: events[0].category: must not be empty" into buf.
const char *rpc_status_str(const rpc_status *st, char *buf, size_t len);

// ---- server ---------------------------------------------------------------

typedef struct rpc_server rpc_server;
typedef struct rpc_call rpc_call;

// Handles one call. `in` is the decoded request; `out` a zeroed, initialised
// reply message of the method's output type, owned by the call: put memory it
// points to in the call's arena (rpc_call_alloc/strdup). Finish with
// rpc_call_done() or rpc_call_fail() exactly once, from any thread.
typedef void (*rpc_handler_fn)(rpc_call *call, const ProtobufCMessage *in, ProtobufCMessage *out,
                               void *arg);

typedef struct rpc_method_impl {
    const char *name;        // method name as in the descriptor ("Put")
    rpc_handler_fn fn;
} rpc_method_impl;

typedef struct rpc_server_opts {
    int contexts;            // concurrent calls in flight; 0 = RPC_CONTEXTS_DEFAULT
    size_t max_msg;          // largest accepted envelope; 0 = RPC_MAX_MSG_DEFAULT
    const char *name;        // service name reported by Health/Check
    // Period of the listener watchdog, which re-listens on an address that no
    // longer accepts connections (an nng 1.5 bug); 0 = default, UINT32_MAX = off.
    uint32_t watchdog_ms;
} rpc_server_opts;

// Creates a server (not yet listening). Returns NULL on allocation failure.
rpc_server *rpc_server_new(const rpc_server_opts *opts);
// Registers the methods of a protobuf-c service; every method of the
// descriptor must have an impl (else -EINVAL). arg is passed to handlers.
int rpc_server_add_service(rpc_server *s, const ProtobufCServiceDescriptor *svc,
                           const rpc_method_impl *impls, size_t n, void *arg);
// Listens on url (ipc://, tcp://, tls+tcp://); up to 4 calls add addresses.
// ipc socket files are made 0600. Returns 0 or -errno-like nng error mapped to -EIO/-EADDRINUSE.
int rpc_server_listen(rpc_server *s, const char *url);
// Starts the contexts. Health/Check and Health/ListMethods are served built in.
int rpc_server_start(rpc_server *s);
// Registers one method whose payloads the handler codes itself (the agent
// uses nanopb): fn gets the request payload bytes (valid until the call is
// done) and answers with rpc_call_done_raw() or rpc_call_fail(). full_method is
// "/outrig.v1.Agent/CreateVm"; in_type/out_type name the messages for
// ListMethods. Returns 0, -EEXIST, -EINVAL or -ENOMEM.
typedef void (*rpc_raw_fn)(rpc_call *call, const uint8_t *in, size_t len, void *arg);
int rpc_server_add_raw(rpc_server *s, const char *full_method, const char *in_type,
                       const char *out_type, rpc_raw_fn fn, void *arg);

// Health reported by Check: true = SERVING (default after start).
void rpc_server_set_serving(rpc_server *s, bool serving);
// The first address listened on, for Check replies.
const char *rpc_server_address(const rpc_server *s);
// Stops receiving, waits for calls in flight to finish, frees. NULL is a no-op.
void rpc_server_free(rpc_server *s);

// Counters since start (for metrics).
typedef struct rpc_server_stats {
    uint64_t calls;
    uint64_t errors;          // replies with code != OK
    uint64_t deadline_expired;
    uint64_t malformed;
    uint64_t relistens;       // listeners replaced by the watchdog
} rpc_server_stats;
void rpc_server_stats_get(const rpc_server *s, rpc_server_stats *out);

// Call accessors, valid until the call is done.
const char *rpc_call_method(const rpc_call *c);       // "/outrig.v1.Store/Put"
const char *rpc_call_token(const rpc_call *c);        // caller token, "" if none
const char *rpc_call_request_id(const rpc_call *c);   // "" if none
const char *rpc_call_trace_id(const rpc_call *c);
uint64_t rpc_call_deadline(const rpc_call *c);        // Unix ms, 0 = none
// Arena memory freed when the call is done; NULL on exhaustion.
void *rpc_call_alloc(rpc_call *c, size_t n);
char *rpc_call_strdup(rpc_call *c, const char *s);
// Sends `out` with OK (code == RPC_OK) or the status alone. Exactly once.
void rpc_call_done(rpc_call *c, rpc_code code);
void rpc_call_fail(rpc_call *c, rpc_code code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
// Finishes a raw call with OK and the encoded reply out[0..len) (copied).
void rpc_call_done_raw(rpc_call *c, const void *out, size_t len);

// ---- client ---------------------------------------------------------------

typedef struct rpc_client rpc_client;

typedef struct rpc_client_opts {
    const char *token;        // caller token put in every request's metadata
    uint32_t timeout_ms;      // default per-call deadline; 0 = 10000
    size_t max_msg;           // largest accepted reply; 0 = RPC_MAX_MSG_DEFAULT
    uint32_t connect_wait_ms; // how long one attempt waits for a connection; 0 = 1000
} rpc_client_opts;

typedef struct rpc_call_opts {
    uint32_t timeout_ms;      // overrides the client default; 0 = default
    uint64_t deadline_unix_ms;// absolute deadline; overrides timeout_ms when set
    bool idempotent;          // may be retried on UNAVAILABLE with backoff
    const char *request_id;   // NULL = generated
    const char *trace_id;
} rpc_call_opts;

// Dials url in the background (the peer may come later). NULL on failure.
rpc_client *rpc_client_open(const char *url, const rpc_client_opts *opts);
void rpc_client_close(rpc_client *c);   // NULL is a no-op
const char *rpc_client_url(const rpc_client *c);

// Calls method ("/outrig.v1.Store/Get") with `in`; on OK decodes the reply as
// out_desc into *out (free with protobuf_c_message_free_unpacked; out may be
// NULL to discard). Returns the status code; st (may be NULL) gets details.
// Connection failures and no reply by the deadline are UNAVAILABLE and
// DEADLINE_EXCEEDED; a request is never re-sent by nng.
rpc_code rpc_client_call(rpc_client *c, const char *method, const ProtobufCMessage *in,
                         const ProtobufCMessageDescriptor *out_desc, ProtobufCMessage **out,
                         const rpc_call_opts *opts, rpc_status *st);

// Calls method with an already encoded request payload; on OK *out (malloc'd,
// caller frees; may be NULL for an empty reply) and *out_len get the encoded
// reply payload. Same retry and deadline rules as rpc_client_call.
rpc_code rpc_client_call_bytes(rpc_client *c, const char *method, const void *in, size_t in_len,
                               void **out, size_t *out_len, const rpc_call_opts *opts,
                               rpc_status *st);

// Sends raw bytes as a whole envelope and returns the decoded reply status
// (tests and fuzzing: garbage, oversize). reply_payload may be NULL.
rpc_code rpc_client_call_raw(rpc_client *c, const void *buf, size_t len, uint32_t timeout_ms,
                             rpc_status *st);

// ---- envelopes (also used by tests and fuzzers) ----------------------------

// Decodes a reply envelope into st and, when OK, returns the payload slice
// inside buf through *payload/*plen (valid while the returned
// message lives; free it with rpc_reply_free). NULL + st INTERNAL if malformed.
struct Outrig__V1__Reply;
struct Outrig__V1__Reply *rpc_reply_decode(const void *buf, size_t len, rpc_status *st);
void rpc_reply_free(struct Outrig__V1__Reply *r);

// Decodes a request envelope; validates method syntax. NULL + st set if bad.
struct Outrig__V1__Request;
struct Outrig__V1__Request *rpc_request_decode(const void *buf, size_t len, size_t max_msg,
                                                rpc_status *st);
void rpc_request_free(struct Outrig__V1__Request *r);

#endif
