// The label file next to each container: what the adapter created it for, in a text form
// that survives a crash of the orchestrator and needs no liblxc to read.
#include "adapter/lxc_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define LABEL_MAGIC "outrig-vnf 1"

void adapter_lxc_label_from_spec(const adapter_vnf_spec *spec, adapter_lxc_label *out)
{
    memset(out, 0, sizeof *out);
    snprintf(out->instance, sizeof out->instance, "%s", spec->instance_id);
    snprintf(out->owner, sizeof out->owner, "%s", spec->owner);
    snprintf(out->image, sizeof out->image, "%s", spec->image);
    out->n_cps = spec->n_cps;
    for (size_t i = 0; i < spec->n_cps; i++) {
        adapter_cp_info *c = &out->cps[i];
        snprintf(c->id, sizeof c->id, "%s", spec->cps[i].id);
        adapter_lxc_veth_name(spec->instance_id, spec->cps[i].id, c->host_ifname);
        snprintf(c->address, sizeof c->address, "%s",
                 spec->cps[i].address ? spec->cps[i].address : "");
    }
}

int adapter_lxc_label_format(const adapter_lxc_label *l, char *buf, size_t len)
{
    size_t off = 0;
    int n = snprintf(buf, len, LABEL_MAGIC "\ninstance %s\nowner %s\nimage %s\n", l->instance,
                     l->owner, l->image);
    if (n < 0 || (size_t)n >= len)
        return -ENOSPC;
    off = (size_t)n;
    for (size_t i = 0; i < l->n_cps; i++) {
        const adapter_cp_info *c = &l->cps[i];
        n = snprintf(buf + off, len - off, "cp %s %s %s\n", c->id, c->host_ifname,
                     c->address[0] ? c->address : "-");
        if (n < 0 || (size_t)n >= len - off)
            return -ENOSPC;
        off += (size_t)n;
    }
    return 0;
}

// Copies the value after "key " on this line into out[size]; 1 if the line is that key.
static int take(const char *line, size_t n, const char *key, char *out, size_t size, int *rc)
{
    size_t k = strlen(key);
    if (n <= k || strncmp(line, key, k) || line[k] != ' ')
        return 0;
    if (n - k - 1 >= size || n - k - 1 == 0)
        *rc = -EINVAL;
    else
        snprintf(out, size, "%.*s", (int)(n - k - 1), line + k + 1);
    return 1;
}

int adapter_lxc_label_parse(const char *text, adapter_lxc_label *out)
{
    memset(out, 0, sizeof *out);
    size_t m = strlen(LABEL_MAGIC);
    if (strncmp(text, LABEL_MAGIC, m) || text[m] != '\n')
        return -EINVAL;
    int rc = 0;
    for (const char *p = text + m + 1; *p && !rc;) {
        size_t n = strcspn(p, "\n");
        if (take(p, n, "instance", out->instance, sizeof out->instance, &rc) ||
            take(p, n, "owner", out->owner, sizeof out->owner, &rc) ||
            take(p, n, "image", out->image, sizeof out->image, &rc)) {
        } else if (n > 3 && !strncmp(p, "cp ", 3)) {
            char id[32], ifn[32], addr[64], line[160];
            if (out->n_cps == ADAPTER_CPS_MAX || n >= sizeof line)
                return -EINVAL;
            snprintf(line, sizeof line, "%.*s", (int)n, p);
            if (sscanf(line, "cp %31s %31s %63s", id, ifn, addr) != 3 || !adapter_cp_id_valid(id) ||
                strlen(ifn) > 15 || strlen(addr) > ADAPTER_ADDR_MAX)
                return -EINVAL;
            adapter_cp_info *c = &out->cps[out->n_cps++];
            strcpy(c->id, id);
            strcpy(c->host_ifname, ifn);
            strcpy(c->address, strcmp(addr, "-") ? addr : "");
        } else if (n) {
            return -EINVAL;
        }
        p += n;
        if (*p)
            p++;
    }
    if (rc || !adapter_id_valid(out->instance) || !adapter_id_valid(out->owner))
        return -EINVAL;
    return 0;
}
