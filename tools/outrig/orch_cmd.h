// orch_cmd: what the orchestrator command groups share (site, nsd, vnfd, image, ns, op):
// the endpoint (--orchestrator URL, OUTRIG_ORCHESTRATOR, else ipc://<run-dir>/orchestrator.sock),
// a subcommand table runner, and the JSON/table renderings of operations and VNFs.
#ifndef OUTRIG_CLI_ORCH_CMD_H
#define OUTRIG_CLI_ORCH_CMD_H

#include "cli.h"
#include "outrig/v1/orchestrator.pb-c.h"

int cmd_site(cli *c, int argc, char **argv, int from);
int cmd_nsd(cli *c, int argc, char **argv, int from);
int cmd_vnfd(cli *c, int argc, char **argv, int from);
int cmd_image(cli *c, int argc, char **argv, int from);
int cmd_ns(cli *c, int argc, char **argv, int from);
int cmd_op(cli *c, int argc, char **argv, int from);

#define ORCH_OPT_URL 900 // --orchestrator URL, in every subcommand's option table
#define ORCH_URL_OPT                                                                               \
    {                                                                                              \
        "orchestrator", 0, true, ORCH_OPT_URL                                                      \
    }

typedef struct orch_ctx {
    cli *c;
    cli_endpoint ep;
    char url[CLI_URL_MAX];
} orch_ctx;

typedef struct orch_sub {
    cli_sub sub;
    int (*fn)(orch_ctx *o, const cli_args *a);
} orch_sub;

// Runs the subcommand named by the next word of argv from the table.
int orch_cmd_group(cli *c, int argc, char **argv, int from, const char *synopsis,
                   const orch_sub *subs, size_t n);
// Calls /outrig.v1.Orchestrator/<method>; connects on first use. 0 or the exit code
// (message printed).
int orch_call(orch_ctx *o, const char *method, const ProtobufCMessage *in,
              const ProtobufCMessageDescriptor *out_desc, ProtobufCMessage **out, bool idempotent);
// orch_call with an IdRequest for id.
int orch_call_id(orch_ctx *o, const char *method, const char *id,
                 const ProtobufCMessageDescriptor *out_desc, ProtobufCMessage **out,
                 bool idempotent);
// orch_call of a List method with a ListRequest (filter NULL: none).
int orch_call_list(orch_ctx *o, const char *method, const char *filter,
                   const ProtobufCMessageDescriptor *out_desc, ProtobufCMessage **out);
// Calls a List method and prints the items of its reply with l; n_off is the offset of the
// reply's item count (a size_t). 0 or the exit code.
int orch_list_print(orch_ctx *o, const char *method, const char *filter,
                    const ProtobufCMessageDescriptor *out_desc, size_t n_off, const cli_list *l);
// Calls a Delete method with an IdRequest for id and prints "deleted <what> <id>" (table) or
// {"deleted":true}.
int orch_delete(orch_ctx *o, const char *method, const char *what, const char *id);

void orch_json_op(out_json *j, const Outrig__V1__Operation *op);
void orch_json_vnf(out_json *j, const Outrig__V1__VnfRecord *v);
// Prints an operation as key: value lines (table mode) or one JSON object.
int orch_print_op(orch_ctx *o, const Outrig__V1__Operation *op, Outrig__V1__VnfRecord **vnfs,
                  size_t n_vnfs);
// Follows operation id until it is finished, printing each VNF's state as it changes
// (table mode). Returns 0 when it COMPLETED, CLI_EXIT_FAIL otherwise.
int orch_wait_op(orch_ctx *o, const char *id, uint32_t timeout_ms);
// Prints the NSs of the reply (list or show).
int orch_print_ns(orch_ctx *o, Outrig__V1__NsInfo **ns, size_t n, bool detail);

#endif
