// state: the host's liveness record. /host/<name> holds a HostRecord (the agent's address,
// pid, CPUs, KVM) attached to a lease of lease_ttl_ms that the tick keeps alive every third of
// the TTL. If the agent dies the lease expires and the key vanishes; if the store lost the
// lease (restart, a long stall) the next tick grants a new one and writes the key again.
// Lease calls go through a client of their own whose timeout is a third of the TTL: a
// keepalive that takes longer is useless anyway, and it must not hold the tick (or the
// shutdown) for the default 10 s.
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "agent.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/log.h"

static void host_key(const agent *ag, char *buf, size_t len)
{
    snprintf(buf, len, "/host/%s", ag->host);
}

static int reg(agent *ag, struct store_client *sc)
{
    rpc_status st;
    uint64_t id = 0;
    uint32_t ttl = 0;
    rpc_code c = store_lease_grant(sc, ag->lease_ttl_ms, 0, &id, &ttl, &st);
    if (c != RPC_OK)
        goto fail;
    outrig_v1_HostRecord rec;
    agent_host_record(ag, &rec);
    uint8_t buf[512];
    size_t len = 0;
    if (agent_encode(outrig_v1_HostRecord_fields, &rec, buf, sizeof buf, &len))
        return -EINVAL;
    char key[96];
    host_key(ag, key, sizeof key);
    c = store_put(sc, key, buf, len, id, NULL, &st);
    if (c != RPC_OK) {
        store_lease_revoke(sc, id, NULL);
        goto fail;
    }
    ag->lease = id;
    ag->last_keepalive_ms = clock_mono_ms();
    ag->lease_warned = false;
    log_info("registered %s (lease %llu, ttl %u ms)", key, (unsigned long long)id, ttl);
    agent_event_host(ag, "up");
    return 0;
fail:
    if (!ag->lease_warned) {
        char b[320];
        log_warn("host registration: %s (retrying)", rpc_status_str(&st, b, sizeof b));
        ag->lease_warned = true;
    }
    return -EIO;
}

static struct store_client *client(agent *ag)
{
    if (!ag->store && microapp_store(ag->app)) {
        rpc_client_opts o = {.timeout_ms = ag->lease_ttl_ms / 3, .connect_wait_ms = 200};
        ag->store = store_client_open(microapp_store_url(ag->app), &o);
    }
    return ag->store;
}

void agent_state_tick(agent *ag)
{
    struct store_client *sc = client(ag);
    if (!sc)
        return;
    if (!ag->lease) {
        reg(ag, sc);
        return;
    }
    uint64_t now = clock_mono_ms();
    if (now - ag->last_keepalive_ms < ag->lease_ttl_ms / 3)
        return;
    rpc_status st;
    rpc_code c = store_lease_keepalive(sc, ag->lease, NULL, &st);
    if (c == RPC_OK) {
        ag->last_keepalive_ms = now;
        ag->lease_warned = false;
    } else if (c == RPC_NOT_FOUND) {
        log_warn("host lease %llu expired; registering again", (unsigned long long)ag->lease);
        ag->lease = 0;
        reg(ag, sc);
    } else if (!ag->lease_warned) {
        char b[320];
        log_warn("host lease keepalive: %s", rpc_status_str(&st, b, sizeof b));
        ag->lease_warned = true;
    }
}

// Revoking the lease deletes /host/<name> at once instead of after the TTL.
void agent_state_stop(agent *ag)
{
    struct store_client *sc = ag->store;
    if (!sc || !ag->lease) {
        store_client_close(sc);
        ag->store = NULL;
        return;
    }
    // With the store unreachable a revoke would only wait out its timeout; the lease expires.
    if (!ag->lease_warned && store_lease_revoke(sc, ag->lease, NULL) == RPC_OK)
        log_info("host lease revoked");
    ag->lease = 0;
    store_client_close(sc);
    ag->store = NULL;
    agent_event_host(ag, "down");
}
