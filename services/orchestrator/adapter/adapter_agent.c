// The agent site kind: a site is one outrig-agent, reached over its Agent API (nanopb coded
// payloads through rpc_client_call_bytes). VNFs are the agent's process VNFs; a VNF's image is
// the program it runs: an absolute path, or a name in the site's image catalogue.
//
// Endpoint: "agent://<agent RPC URL>" (e.g. "agent://ipc:///var/run/outrig/agent.sock",
// "agent://tcp://10.0.0.5:7400"). Options, in the endpoint's query or the site options:
// images=<dir> (default /usr/lib/outrig/vnf), timeout_ms=<ms> per call (default 30000: a stop
// waits for the VNF's grace time).
//
// The agent keeps owners itself, so list_vnfs reports every VNF with the owner it was created
// with; one it created without an owner is an orphan. It creates a VNF in one step and removes
// what it made if a step fails, so it never reports ADAPTER_VNF_INCOMPLETE. A CP's MAC is the
// kernel's choice on this kind (cps[].mac is ignored), and a CP address is set at creation:
// configure_cp with a different address fails with -EOPNOTSUPP.
#define _GNU_SOURCE
#include "adapter/agent_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pb_decode.h>
#include <pb_encode.h>

#define AGENT_METHOD(m) "/outrig.v1.Agent/" m

typedef struct agent_site {
    adapter_site base;
    char name[64];
    char url[256];
    char images[256];
    uint32_t timeout_ms;
    rpc_client *rpc;
} agent_site;

static agent_site *site_of(adapter_site *s)
{
    return (agent_site *)s;
}

static bool name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
}

int agent_adapter_image_path(const char *image, const char *images, char *buf, size_t len,
                             adapter_err *err)
{
    if (image[0] == '/') {
        if (strstr(image, "/../") || strlen(image) >= len)
            return adapter_fail(err, -EINVAL, "image: an absolute path without \"/../\"");
        snprintf(buf, len, "%s", image);
        return 0;
    }
    size_t n = 0;
    for (; image[n]; n++)
        if (!name_char(image[n]))
            return adapter_fail(err, -EINVAL, "image: \"%s\" is neither a path nor a name", image);
    if (!n || n > 128 || !strcmp(image, ".") || !strcmp(image, ".."))
        return adapter_fail(err, -EINVAL, "image: need 1..128 of [A-Za-z0-9._-]");
    if ((size_t)snprintf(buf, len, "%s/%s", images, image) >= len)
        return adapter_fail(err, -ENAMETOOLONG, "image: the catalogue path is too long");
    return 0;
}

// Copies s into dst[cap]; -EINVAL naming field when it does not fit.
static int put(char *dst, size_t cap, const char *s, const char *field, adapter_err *err)
{
    if (!s)
        s = "";
    if (strlen(s) >= cap)
        return adapter_fail(err, -EINVAL, "%s: the agent takes at most %zu characters", field,
                            cap - 1);
    memcpy(dst, s, strlen(s) + 1);
    return 0;
}

int agent_adapter_spec(const adapter_vnf_spec *spec, const char *images,
                       outrig_v1_CreateVnfRequest *out, adapter_err *err)
{
    memset(out, 0, sizeof *out);
    out->has_spec = true;
    outrig_v1_VnfSpec *s = &out->spec;
    char field[48];
    int rc;
    if ((rc = put(s->id, sizeof s->id, spec->instance_id, "instance_id", err)) ||
        (rc = put(s->owner, sizeof s->owner, spec->owner, "owner", err)) ||
        (rc = agent_adapter_image_path(spec->image, images, s->path, sizeof s->path, err)))
        return rc;
    size_t max_args = sizeof s->args / sizeof s->args[0];
    size_t max_env = sizeof s->env / sizeof s->env[0];
    if (spec->n_args > max_args)
        return adapter_fail(err, -EINVAL, "args: the agent takes at most %zu", max_args);
    if (spec->n_env > max_env)
        return adapter_fail(err, -EINVAL, "env: the agent takes at most %zu", max_env);
    for (size_t i = 0; i < spec->n_args; i++) {
        snprintf(field, sizeof field, "args[%zu]", i);
        if ((rc = put(s->args[i], sizeof s->args[i], spec->args[i], field, err)))
            return rc;
    }
    s->args_count = (pb_size_t)spec->n_args;
    for (size_t i = 0; i < spec->n_env; i++) {
        snprintf(field, sizeof field, "env[%zu]", i);
        if ((rc = put(s->env[i], sizeof s->env[i], spec->env[i], field, err)))
            return rc;
    }
    s->env_count = (pb_size_t)spec->n_env;
    if (spec->n_cps > sizeof s->cps / sizeof s->cps[0])
        return adapter_fail(err, -EINVAL, "cps: the agent takes at most %zu",
                            sizeof s->cps / sizeof s->cps[0]);
    for (size_t i = 0; i < spec->n_cps; i++) {
        snprintf(field, sizeof field, "cps[%zu].id", i);
        if ((rc = put(s->cps[i].id, sizeof s->cps[i].id, spec->cps[i].id, field, err)))
            return rc;
        snprintf(field, sizeof field, "cps[%zu].address", i);
        if ((rc = put(s->cps[i].address, sizeof s->cps[i].address, spec->cps[i].address, field,
                      err)))
            return rc;
    }
    s->cps_count = (pb_size_t)spec->n_cps;
    s->cpu_millis = spec->vcpus * 1000u;
    s->memory_mib = spec->memory_mib;
    return 0;
}

void agent_adapter_info(const outrig_v1_VnfInfo *in, adapter_vnf_info *out)
{
    memset(out, 0, sizeof *out);
    snprintf(out->instance_id, sizeof out->instance_id, "%s", in->id);
    snprintf(out->owner, sizeof out->owner, "%s", in->owner);
    snprintf(out->image, sizeof out->image, "%s", in->path);
    switch (in->state) {
    case outrig_v1_AgentVnfState_AGENT_VNF_CREATED:
        out->state = ADAPTER_VNF_CREATED;
        break;
    case outrig_v1_AgentVnfState_AGENT_VNF_RUNNING:
        out->state = ADAPTER_VNF_RUNNING;
        break;
    case outrig_v1_AgentVnfState_AGENT_VNF_STOPPED:
        out->state = ADAPTER_VNF_STOPPED;
        break;
    case outrig_v1_AgentVnfState_AGENT_VNF_EXITED: // ended without a stop request
    case outrig_v1_AgentVnfState_AGENT_VNF_FAILED:
        out->state = ADAPTER_VNF_FAILED;
        break;
    default:
        out->state = ADAPTER_VNF_UNKNOWN;
    }
    out->pid = out->state == ADAPTER_VNF_RUNNING ? in->pid : 0;
    out->exit_code = in->exit_code;
    size_t n = in->cps_count < ADAPTER_CPS_MAX ? in->cps_count : ADAPTER_CPS_MAX;
    for (size_t i = 0; i < n; i++) {
        snprintf(out->cps[i].id, sizeof out->cps[i].id, "%s", in->cps[i].id);
        snprintf(out->cps[i].host_ifname, sizeof out->cps[i].host_ifname, "%s",
                 in->cps[i].host_ifname);
        snprintf(out->cps[i].address, sizeof out->cps[i].address, "%s", in->cps[i].address);
    }
    out->n_cps = n;
}

int agent_adapter_errno(const rpc_status *st, bool op_start, adapter_err *err)
{
    int rc;
    switch (st->code) {
    case RPC_OK:
        return 0;
    case RPC_INVALID_ARGUMENT:
        rc = -EINVAL;
        break;
    case RPC_NOT_FOUND:
        rc = -ENOENT;
        break;
    case RPC_ALREADY_EXISTS:
        rc = -EEXIST;
        break;
    case RPC_FAILED_PRECONDITION:
        rc = op_start ? -EALREADY : -EOPNOTSUPP;
        break;
    case RPC_RESOURCE_EXHAUSTED:
        rc = -ENOSPC;
        break;
    case RPC_UNAVAILABLE:
        rc = -EHOSTUNREACH;
        break;
    case RPC_DEADLINE_EXCEEDED:
        rc = -ETIMEDOUT;
        break;
    case RPC_PERMISSION_DENIED:
    case RPC_UNAUTHENTICATED:
        rc = -EACCES;
        break;
    default:
        rc = -EIO;
    }
    if (st->field[0])
        return adapter_fail(err, rc, "%s: %s", st->field, st->message);
    return adapter_fail(err, rc, "agent: %s: %s", rpc_code_name(st->code), st->message);
}

// One Agent API call: encodes req, decodes an OK reply into rep (may be NULL).
static int call(agent_site *s, const char *method, const pb_msgdesc_t *in_f, const void *req,
                const pb_msgdesc_t *out_f, void *rep, bool idempotent, bool op_start,
                adapter_err *err)
{
    uint8_t *buf = malloc(32768);
    if (!buf)
        return adapter_fail(err, -ENOMEM, "out of memory");
    pb_ostream_t os = pb_ostream_from_buffer(buf, 32768);
    if (!pb_encode(&os, in_f, req)) {
        free(buf);
        return adapter_fail(err, -EINVAL, "request: %s", PB_GET_ERROR(&os));
    }
    rpc_call_opts o = {.timeout_ms = s->timeout_ms, .idempotent = idempotent};
    rpc_status st = {0};
    void *out = NULL;
    size_t out_len = 0;
    rpc_code c =
        rpc_client_call_bytes(s->rpc, method, buf, os.bytes_written, &out, &out_len, &o, &st);
    free(buf);
    if (c != RPC_OK) {
        st.code = c;
        free(out);
        return agent_adapter_errno(&st, op_start, err);
    }
    int rc = 0;
    if (rep) {
        pb_istream_t is = pb_istream_from_buffer(out, out_len);
        if (!pb_decode(&is, out_f, rep))
            rc = adapter_fail(err, -EPROTO, "agent reply to %s: %s", method, PB_GET_ERROR(&is));
    }
    free(out);
    return rc;
}

static int agent_open(const adapter_site_config *cfg, adapter_site **out, adapter_err *err)
{
    agent_site *s = calloc(1, sizeof *s);
    if (!s)
        return adapter_fail(err, -ENOMEM, "out of memory");
    s->base.ops = adapter_find("agent");
    snprintf(s->name, sizeof s->name, "%s", cfg->name);
    char v[32];
    int rc = adapter_endpoint_path(cfg, "agent", s->url, sizeof s->url);
    bool scheme_ok = !strncmp(s->url, "ipc://", 6) || !strncmp(s->url, "tcp://", 6) ||
                     !strncmp(s->url, "tls+tcp://", 10);
    if (rc || !scheme_ok) {
        free(s);
        return adapter_fail(err, -EINVAL, "endpoint: need agent://<ipc|tcp|tls+tcp URL>");
    }
    snprintf(s->images, sizeof s->images, "/usr/lib/outrig/vnf");
    if ((rc = adapter_option(cfg, "images", s->images, sizeof s->images)) < 0 ||
        (rc == 1 && s->images[0] != '/')) {
        free(s);
        return adapter_fail(err, -EINVAL, "images: need an absolute directory");
    }
    s->timeout_ms = 30000;
    if ((rc = adapter_option(cfg, "timeout_ms", v, sizeof v)) == 1) {
        char *end;
        unsigned long t = strtoul(v, &end, 10);
        if (*end || t < 100 || t > 600000) {
            free(s);
            return adapter_fail(err, -EINVAL, "timeout_ms: need 100..600000");
        }
        s->timeout_ms = (uint32_t)t;
    } else if (rc < 0) {
        free(s);
        return adapter_fail(err, -EINVAL, "timeout_ms: too long");
    }
    rpc_client_opts co = {.timeout_ms = s->timeout_ms};
    s->rpc = rpc_client_open(s->url, &co);
    if (!s->rpc) {
        int rv = adapter_fail(err, -ENOMEM, "endpoint: cannot open a client for %s", s->url);
        free(s);
        return rv;
    }
    *out = &s->base;
    return 0;
}

static void agent_close(adapter_site *site)
{
    agent_site *s = site_of(site);
    rpc_client_close(s->rpc);
    free(s);
}

static int agent_create(adapter_site *site, const adapter_vnf_spec *spec, adapter_err *err)
{
    agent_site *s = site_of(site);
    outrig_v1_CreateVnfRequest *req = malloc(sizeof *req);
    outrig_v1_VnfInfo *rep = malloc(sizeof *rep);
    int rc = req && rep ? agent_adapter_spec(spec, s->images, req, err)
                        : adapter_fail(err, -ENOMEM, "out of memory");
    if (!rc) {
        memset(rep, 0, sizeof *rep);
        rc = call(s, AGENT_METHOD("CreateVnf"), outrig_v1_CreateVnfRequest_fields, req,
                  outrig_v1_VnfInfo_fields, rep, false, false, err);
    }
    free(req);
    free(rep);
    return rc;
}

static int ref_call(adapter_site *site, const char *method, const char *id, bool op_start,
                    adapter_err *err)
{
    outrig_v1_VnfRef ref = outrig_v1_VnfRef_init_zero;
    snprintf(ref.id, sizeof ref.id, "%s", id);
    return call(site_of(site), method, outrig_v1_VnfRef_fields, &ref, NULL, NULL, false, op_start,
                err);
}

static int agent_start(adapter_site *site, const char *id, adapter_err *err)
{
    return ref_call(site, AGENT_METHOD("StartVnf"), id, true, err);
}

static int agent_stop(adapter_site *site, const char *id, adapter_err *err)
{
    return ref_call(site, AGENT_METHOD("StopVnf"), id, false, err);
}

static int agent_delete(adapter_site *site, const char *id, adapter_err *err)
{
    return ref_call(site, AGENT_METHOD("DeleteVnf"), id, false, err);
}

static int agent_configure_cp(adapter_site *site, const char *id, const char *cp_id,
                              const char *address, const adapter_cp_peer *peer, adapter_err *err)
{
    outrig_v1_ConfigurePeerRequest req = outrig_v1_ConfigurePeerRequest_init_zero;
    int rc;
    if ((rc = put(req.vnf_id, sizeof req.vnf_id, id, "id", err)) ||
        (rc = put(req.cp_id, sizeof req.cp_id, cp_id, "cp_id", err)) ||
        (rc = put(req.address, sizeof req.address, address, "address", err)) ||
        (rc = put(req.peer_address, sizeof req.peer_address, peer ? peer->address : NULL,
                  "peer.address", err)) ||
        (rc = put(req.peer_id, sizeof req.peer_id, peer ? peer->cp : NULL, "peer.cp", err)))
        return rc;
    return call(site_of(site), AGENT_METHOD("ConfigurePeer"), outrig_v1_ConfigurePeerRequest_fields,
                &req, NULL, NULL, false, false, err);
}

static int agent_list(adapter_site *site, adapter_list_cb cb, void *arg, adapter_err *err)
{
    agent_site *s = site_of(site);
    outrig_v1_ListVnfsRequest req = outrig_v1_ListVnfsRequest_init_zero;
    outrig_v1_ListVnfsResponse *rep = malloc(sizeof *rep);
    adapter_vnf_info *info = malloc(sizeof *info);
    int rc = rep && info ? 0 : adapter_fail(err, -ENOMEM, "out of memory");
    while (!rc) {
        memset(rep, 0, sizeof *rep);
        rc = call(s, AGENT_METHOD("ListVnfs"), outrig_v1_ListVnfsRequest_fields, &req,
                  outrig_v1_ListVnfsResponse_fields, rep, true, false, err);
        for (pb_size_t i = 0; !rc && i < rep->vnfs_count; i++) {
            agent_adapter_info(&rep->vnfs[i], info);
            rc = cb(info, arg);
        }
        if (rc || !rep->next_start_after[0])
            break;
        snprintf(req.start_after, sizeof req.start_after, "%s", rep->next_start_after);
    }
    free(rep);
    free(info);
    return rc;
}

static int agent_status(adapter_site *site, const char *id, adapter_vnf_info *out, adapter_err *err)
{
    outrig_v1_VnfRef ref = outrig_v1_VnfRef_init_zero;
    snprintf(ref.id, sizeof ref.id, "%s", id);
    outrig_v1_VnfInfo *rep = calloc(1, sizeof *rep);
    if (!rep)
        return adapter_fail(err, -ENOMEM, "out of memory");
    int rc = call(site_of(site), AGENT_METHOD("GetVnf"), outrig_v1_VnfRef_fields, &ref,
                  outrig_v1_VnfInfo_fields, rep, true, false, err);
    if (!rc)
        agent_adapter_info(rep, out);
    free(rep);
    return rc;
}

const adapter_ops adapter_agent_ops = {
    .kind = "agent",
    .open = agent_open,
    .close = agent_close,
    .create_vnf = agent_create,
    .start_vnf = agent_start,
    .stop_vnf = agent_stop,
    .delete_vnf = agent_delete,
    .configure_cp = agent_configure_cp,
    .list_vnfs = agent_list,
    .vnf_status = agent_status,
};
