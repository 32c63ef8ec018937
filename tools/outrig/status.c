// outrig status: the services outrigd runs, each asked for its health.
// The list comes from the driver (outrig.v1.Driver/ListServices); health,
// pid and uptime from each service's own Health/Check.
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "outrig/v1/driver.pb-c.h"
#include "outrig/v1/health.pb-c.h"
#include "util/clock.h"

#define SYN_STATUS "outrig status [--driver URL] [-o table|json]"
#define MAX_SERVICES 64

typedef struct svc_row {
    char name[64];
    char address[CLI_URL_MAX];
    const char *health; // SERVING, NOT_SERVING, UNREACHABLE, DISABLED
    const char *state;  // the driver's view (STARTING, BACKOFF...), NULL if unknown
    uint32_t restarts;
    bool from_driver;
    uint32_t pid;
    uint64_t started_unix_ms;
    char version[32];
    char error[300]; // why it is not SERVING, "" if it is
} svc_row;

// Marks r unreachable or not serving for `why`, keeping what the driver said
// (its last exit) after it.
static void probe_failed(svc_row *r, const char *health, const char *why)
{
    char driver_note[sizeof(r->error)];
    snprintf(driver_note, sizeof(driver_note), "%s", r->error);
    r->health = health;
    snprintf(r->error, sizeof(r->error), "%.140s%s%.150s", why, driver_note[0] ? "; " : "",
             driver_note);
}

// Asks one service for its health: fills health, pid, start time and version.
static void probe(cli *c, svc_row *r)
{
    if (!cli_check_reachable_quiet(r->address)) {
        probe_failed(r, "UNREACHABLE", "UNAVAILABLE: no socket");
        return;
    }
    cli_endpoint ep = {.name = r->name, .url = r->address};
    rpc_client_opts o = cli_client_opts(c);
    ep.client = rpc_client_open(r->address, &o);
    if (!ep.client) {
        probe_failed(r, "UNREACHABLE", "cannot use the address");
        return;
    }
    Outrig__V1__HealthCheckRequest req = OUTRIG__V1__HEALTH_CHECK_REQUEST__INIT;
    Outrig__V1__HealthCheckResponse *resp = NULL;
    rpc_status st;
    rpc_code code = cli_call_quiet(c, &ep, "/outrig.v1.Health/Check", &req.base,
                                   &outrig__v1__health_check_response__descriptor,
                                   (ProtobufCMessage **)&resp, &st);
    if (code != RPC_OK) {
        char why[sizeof(st.message) + 32];
        snprintf(why, sizeof(why), "%s: %.120s", rpc_code_name(code), st.message);
        probe_failed(r, code == RPC_UNAVAILABLE ? "UNREACHABLE" : "NOT_SERVING", why);
    } else {
        r->health = resp->status == OUTRIG__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING
                        ? "SERVING"
                        : "NOT_SERVING";
        r->error[0] = '\0';
        if (resp->status != OUTRIG__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING)
            snprintf(r->error, sizeof(r->error), "reports %s",
                     resp->status ? "NOT_SERVING" : "UNKNOWN");
        if (resp->pid)
            r->pid = resp->pid;
        if (resp->started_unix_ms)
            r->started_unix_ms = resp->started_unix_ms;
        snprintf(r->version, sizeof(r->version), "%s", resp->version ? resp->version : "");
        protobuf_c_message_free_unpacked(&resp->base, NULL);
    }
    rpc_client_close(ep.client);
}

static int print_rows(cli *c, const svc_row *rows, size_t n, bool all_ok)
{
    uint64_t now = clock_unix_ms();
    if (c->format == CLI_FMT_JSON) {
        out_json j;
        out_json_init(&j);
        out_json_object_begin(&j);
        out_json_kv_bool(&j, "ok", all_ok);
        out_json_key(&j, "services");
        out_json_array_begin(&j);
        for (size_t i = 0; i < n; i++) {
            const svc_row *r = &rows[i];
            out_json_object_begin(&j);
            out_json_kv_str(&j, "name", r->name);
            out_json_kv_str(&j, "health", r->health);
            out_json_kv_str(&j, "state", r->state);
            if (r->from_driver)
                out_json_kv_u64(&j, "restarts", r->restarts);
            out_json_kv_u64(&j, "pid", r->pid);
            out_json_kv_u64(&j, "started_unix_ms", r->started_unix_ms);
            out_json_kv_u64(
                &j, "uptime_ms",
                r->started_unix_ms && now > r->started_unix_ms ? now - r->started_unix_ms : 0);
            out_json_kv_str(&j, "address", r->address);
            out_json_kv_str(&j, "version", r->version);
            if (r->error[0])
                out_json_kv_str(&j, "error", r->error);
            out_json_object_end(&j);
        }
        out_json_array_end(&j);
        out_json_object_end(&j);
        int rc = cli_print_json(c, &j);
        out_json_free(&j);
        return rc;
    }
    static const char *const headers[] = {"NAME",   "HEALTH",   "STATE",  "PID",
                                          "UPTIME", "RESTARTS", "ADDRESS"};
    out_table *t = out_table_new(7, headers);
    if (!t)
        return CLI_EXIT_FAIL;
    for (size_t i = 0; i < n; i++) {
        const svc_row *r = &rows[i];
        char pid[16] = "-", up[32] = "-", restarts[16] = "-";
        if (r->from_driver)
            snprintf(restarts, sizeof(restarts), "%" PRIu32, r->restarts);
        if (r->pid)
            snprintf(pid, sizeof(pid), "%" PRIu32, r->pid);
        if (r->started_unix_ms && now >= r->started_unix_ms)
            cmd_format_uptime(now - r->started_unix_ms, up, sizeof(up));
        const char *cells[] = {r->name, r->health, r->state, pid, up, restarts, r->address};
        if (out_table_add(t, cells) != 0) {
            out_table_free(t);
            return CLI_EXIT_FAIL;
        }
    }
    out_table_print(t, c->out);
    out_table_free(t);
    for (size_t i = 0; i < n; i++)
        if (rows[i].error[0])
            fprintf(stderr, "outrig: %s at %s: %s\n", rows[i].name, rows[i].address, rows[i].error);
    return 0;
}

static const char *driver_state_name(Outrig__V1__ServiceInfo__State st)
{
    const ProtobufCEnumValue *v =
        protobuf_c_enum_descriptor_get_value(&outrig__v1__service_info__state__descriptor, st);
    return v ? v->name : "UNKNOWN";
}

// Fills rows from the driver's list, the driver itself first. Returns the
// number of rows, or -1 (with st) when the driver cannot be asked.
static int list_from_driver(cli *c, svc_row *rows, size_t max, rpc_code *code, rpc_status *st)
{
    cli_endpoint ep = {.name = "outrigd", .url = c->driver_url};
    rpc_client_opts o = cli_client_opts(c);
    ep.client = rpc_client_open(c->driver_url, &o);
    if (!ep.client) {
        *code = RPC_UNAVAILABLE;
        rpc_status_set(st, RPC_UNAVAILABLE, NULL, "cannot use address %s", c->driver_url);
        return -1;
    }
    Outrig__V1__ListServicesRequest req = OUTRIG__V1__LIST_SERVICES_REQUEST__INIT;
    Outrig__V1__ListServicesResponse *resp = NULL;
    *code = cli_call_quiet(c, &ep, "/outrig.v1.Driver/ListServices", &req.base,
                           &outrig__v1__list_services_response__descriptor,
                           (ProtobufCMessage **)&resp, st);
    rpc_client_close(ep.client);
    if (*code != RPC_OK)
        return -1;
    size_t n = 0;
    svc_row *d = &rows[n++];
    snprintf(d->name, sizeof(d->name), "outrigd");
    snprintf(d->address, sizeof(d->address), "%s", c->driver_url);
    d->state = "SERVING"; // it just answered; its health is probed like the others
    d->pid = resp->driver_pid;
    d->started_unix_ms = resp->driver_started_unix_ms;
    for (size_t i = 0; i < resp->n_services && n < max; i++) {
        const Outrig__V1__ServiceInfo *si = resp->services[i];
        svc_row *r = &rows[n++];
        snprintf(r->name, sizeof(r->name), "%s", si->name);
        snprintf(r->address, sizeof(r->address), "%s", si->address);
        r->from_driver = true;
        r->state = driver_state_name(si->state);
        r->restarts = si->restarts;
        r->pid = si->pid;
        r->started_unix_ms = si->pid ? si->started_unix_ms : 0;
        if (!si->enabled)
            r->health = "DISABLED";
        else if (si->last_exit && si->last_exit[0] &&
                 si->state != OUTRIG__V1__SERVICE_INFO__STATE__SERVING)
            snprintf(r->error, sizeof(r->error), "last exit: %s", si->last_exit);
    }
    protobuf_c_message_free_unpacked(&resp->base, NULL);
    return (int)n;
}

int cmd_status(cli *c, int argc, char **argv, int from)
{
    cli_args a;
    int rc = cli_parse(c, SYN_STATUS, argc, argv, from, NULL, 0, 0, &a);
    if (rc)
        return rc < 0 ? 0 : rc;
    svc_row *rows = calloc(MAX_SERVICES, sizeof(*rows));
    if (!rows)
        return CLI_EXIT_FAIL;
    rpc_code code = RPC_UNAVAILABLE;
    rpc_status st;
    rpc_status_set(&st, RPC_UNAVAILABLE, NULL, "no socket at %s", c->driver_url);
    int n = -1;
    if (cli_check_reachable_quiet(c->driver_url))
        n = list_from_driver(c, rows, MAX_SERVICES, &code, &st);
    bool driver_ok = n >= 0;
    if (!driver_ok) {
        // Without the driver, still say what the two services every setup has are doing.
        memset(rows, 0, 3 * sizeof(*rows));
        snprintf(rows[0].name, sizeof(rows[0].name), "outrigd");
        snprintf(rows[0].address, sizeof(rows[0].address), "%s", c->driver_url);
        rows[0].health = code == RPC_UNAVAILABLE ? "UNREACHABLE" : "NOT_SERVING";
        snprintf(rows[0].error, sizeof(rows[0].error), "%s: %s%s", rpc_code_name(code), st.message,
                 code == RPC_UNAVAILABLE ? " (is outrigd running?)" : "");
        snprintf(rows[1].name, sizeof(rows[1].name), "store");
        snprintf(rows[1].address, sizeof(rows[1].address), "%s", c->store_url);
        snprintf(rows[2].name, sizeof(rows[2].name), "hub");
        snprintf(rows[2].address, sizeof(rows[2].address), "%s", c->hub_url);
        n = 3;
    }
    bool all_ok = driver_ok;
    for (int i = driver_ok ? 0 : 1; i < n; i++) {
        svc_row *r = &rows[i];
        if (r->health && strcmp(r->health, "DISABLED") == 0)
            continue;
        probe(c, r);
        if (strcmp(r->health, "SERVING") != 0)
            all_ok = false;
    }
    rc = print_rows(c, rows, (size_t)n, all_ok);
    free(rows);
    if (rc)
        return rc;
    if (!driver_ok)
        return code == RPC_UNAVAILABLE ? CLI_EXIT_UNREACHABLE : CLI_EXIT_FAIL;
    return all_ok ? 0 : CLI_EXIT_FAIL;
}
