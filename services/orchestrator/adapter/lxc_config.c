// Pure generation of what a container is made of: its lxc.* config items, its init script and
// the per-CP files handed to the VNF.
#include "adapter/lxc_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int add(adapter_lxc_conf *conf, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int add(adapter_lxc_conf *conf, const char *key, const char *fmt, ...)
{
    if (conf->n == ADAPTER_LXC_CONF_MAX || strlen(key) >= sizeof conf->item[0].key)
        return -ENAMETOOLONG;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(conf->item[conf->n].val, ADAPTER_LXC_VAL_MAX, fmt, ap);
    va_end(ap);
    if (n < 0 || n >= ADAPTER_LXC_VAL_MAX)
        return -ENAMETOOLONG;
    strcpy(conf->item[conf->n].key, key);
    conf->n++;
    return 0;
}

void adapter_lxc_addr_key(size_t i, const char *address, char *key)
{
    snprintf(key, 48, "lxc.net.%zu.%s.address", i, strchr(address, ':') ? "ipv6" : "ipv4");
}

int adapter_lxc_config(const adapter_vnf_spec *spec, const adapter_lxc_paths *paths,
                       adapter_lxc_conf *conf)
{
    conf->n = 0;
    const char *d = paths->cdir;
    int rc = 0;
    rc |= add(conf, "lxc.uts.name", "%s", spec->instance_id);
    // Explicit: without it LXC would run the container on the host's own root.
    rc |= add(conf, "lxc.rootfs.path", "dir:%s/rootfs", d);
    rc |= add(conf, "lxc.pty.max", "1");
    rc |= add(conf, "lxc.tty.max", "0");
    rc |= add(conf, "lxc.console.path", "none");
    rc |= add(conf, "lxc.apparmor.profile", "unconfined");
    rc |= add(conf, "lxc.autodev", "1");
    rc |= add(conf, "lxc.mount.auto", "proc:mixed sys:ro");
    rc |= add(conf, "lxc.mount.entry", "%s/log %s none bind,create=dir 0 0", d,
              ADAPTER_LXC_LOG_DIR + 1);
    rc |= add(conf, "lxc.init.cmd", "%s", ADAPTER_LXC_INIT);
    // The init script traps SIGTERM and passes it on; PID 1 ignores signals it has no
    // handler for, so SIGPWR (LXC's default) would just time out.
    rc |= add(conf, "lxc.signal.halt", "SIGTERM");
    rc |= add(conf, "lxc.cap.drop", "sys_module sys_rawio sys_time mac_admin mac_override");
    rc |= add(conf, "lxc.log.file", "%s/lxc.log", d);
    rc |= add(conf, "lxc.log.level", "WARN");
    if (paths->limits && spec->memory_mib) {
        unsigned long long bytes = (unsigned long long)spec->memory_mib << 20;
        if (paths->cgroup2)
            rc |= add(conf, "lxc.cgroup2.memory.max", "%llu", bytes);
        else
            rc |= add(conf, "lxc.cgroup.memory.limit_in_bytes", "%llu", bytes);
    }
    if (paths->limits && spec->vcpus) {
        unsigned long quota = spec->vcpus * 100000ul;
        if (paths->cgroup2) {
            rc |= add(conf, "lxc.cgroup2.cpu.max", "%lu 100000", quota);
        } else {
            rc |= add(conf, "lxc.cgroup.cpu.cfs_period_us", "100000");
            rc |= add(conf, "lxc.cgroup.cpu.cfs_quota_us", "%lu", quota);
        }
    }
    // No CP still means a network namespace of its own: with no lxc.net at all LXC would
    // share the host's.
    if (spec->n_cps == 0)
        rc |= add(conf, "lxc.net.0.type", "empty");
    for (size_t i = 0; i < spec->n_cps; i++) {
        const adapter_cp *cp = &spec->cps[i];
        char key[48], veth[16];
        adapter_lxc_veth_name(spec->instance_id, cp->id, veth);
        snprintf(key, sizeof key, "lxc.net.%zu.type", i);
        rc |= add(conf, key, "veth");
        snprintf(key, sizeof key, "lxc.net.%zu.name", i);
        rc |= add(conf, key, "%s", cp->id);
        snprintf(key, sizeof key, "lxc.net.%zu.veth.pair", i);
        rc |= add(conf, key, "%s", veth);
        snprintf(key, sizeof key, "lxc.net.%zu.flags", i);
        rc |= add(conf, key, "up");
        if (cp->address && *cp->address) {
            adapter_lxc_addr_key(i, cp->address, key);
            rc |= add(conf, key, "%s", cp->address);
        }
        if (cp->mac && *cp->mac) {
            snprintf(key, sizeof key, "lxc.net.%zu.hwaddr", i);
            rc |= add(conf, key, "%s", cp->mac);
        }
    }
    return rc ? -ENAMETOOLONG : 0;
}

int adapter_lxc_shell_quote(const char *s, char *buf, size_t len)
{
    size_t n = strlen(buf);
    const char *p = s;
    if (n + 1 >= len)
        return -ENOSPC;
    buf[n++] = '\'';
    for (; *p; p++) {
        const char *piece = *p == '\'' ? "'\\''" : NULL;
        size_t plen = piece ? 4 : 1;
        if (n + plen + 2 > len)
            return -ENOSPC;
        if (piece)
            memcpy(buf + n, piece, plen);
        else
            buf[n] = *p;
        n += plen;
    }
    buf[n++] = '\'';
    buf[n] = 0;
    return 0;
}

static int cat(char *buf, size_t len, const char *s)
{
    size_t n = strlen(buf), m = strlen(s);
    if (n + m + 1 > len)
        return -ENOSPC;
    memcpy(buf + n, s, m + 1);
    return 0;
}

char *adapter_lxc_init_script(const adapter_vnf_spec *spec, const char *program)
{
    // Bounded by the spec limits: every string is at most ADAPTER_STR_MAX, quoting at most
    // quadruples it.
    size_t len = 4096 + (spec->n_args + spec->n_env + 1) * (4 * ADAPTER_STR_MAX + 16);
    char *s = malloc(len);
    if (!s)
        return NULL;
    s[0] = 0;
    int rc = cat(s, len,
                 "#!/bin/sh\n"
                 "# Outrigger VNF init (generated): PID 1 of the container. It runs the\n"
                 "# program as its child so that SIGTERM reaches it, and records its status.\n"
                 "export PATH=/vnf:/usr/sbin:/usr/bin:/sbin:/bin\n"
                 "export OUTRIG_INSTANCE_ID=");
    rc |= adapter_lxc_shell_quote(spec->instance_id, s, len);
    rc |= cat(s, len, "\nexport OUTRIG_NS_ID=");
    rc |= adapter_lxc_shell_quote(spec->owner, s, len);
    rc |= cat(s, len, "\n");
    for (size_t i = 0; i < spec->n_env; i++) {
        const char *eq = strchr(spec->env[i], '=');
        size_t n = strlen(s);
        if (n + (size_t)(eq - spec->env[i]) + 16 > len) {
            rc = -ENOSPC;
            break;
        }
        n += (size_t)sprintf(s + n, "export %.*s=", (int)(eq - spec->env[i]), spec->env[i]);
        rc |= adapter_lxc_shell_quote(eq + 1, s, len);
        rc |= cat(s, len, "\n");
    }
    rc |= cat(s, len, "L=" ADAPTER_LXC_LOG_DIR "\nrm -f \"$L/exit\"\n");
    rc |= adapter_lxc_shell_quote(program, s, len);
    for (size_t i = 0; i < spec->n_args; i++) {
        rc |= cat(s, len, " ");
        rc |= adapter_lxc_shell_quote(spec->args[i], s, len);
    }
    rc |= cat(s, len,
              " >>\"$L/vnf.log\" 2>&1 </dev/null &\n"
              "child=$!\n"
              "trap 'kill -TERM $child 2>/dev/null; wait $child; echo $? >\"$L/exit\"; exit 0' "
              "TERM INT\n"
              "wait $child\n"
              "rc=$?\n"
              "echo $rc >\"$L/exit\"\n"
              "exit $rc\n");
    if (rc) {
        free(s);
        return NULL;
    }
    return s;
}

int adapter_lxc_cp_file(const char *cp, const char *address, const adapter_cp_peer *peer, char *buf,
                        size_t len)
{
    int n = snprintf(buf, len,
                     "# Outrigger connection point %s (written by the site adapter)\n"
                     "CP_ID='%s'\nADDRESS='%s'\nPEER_ADDRESS='%s'\nPEER_CP='%s'\n",
                     cp, cp, address ? address : "", peer && peer->address ? peer->address : "",
                     peer && peer->cp ? peer->cp : "");
    return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}
