// End-to-end test of the LXC site adapter with real containers (needs root, liblxc and
// busybox-static): two VNFs, one a static program from the site's image catalogue and one
// busybox, get CP addresses, are joined by a bridge the test makes and ping each other; they
// are listed, stopped (gracefully: the program sees SIGTERM), restarted and deleted, and then
// no container directory, veth or process of theirs is left. The same again with the site in
// its own network namespace, where the host ends of the veths must appear instead of the
// host's. Addresses 10.213.x.0/24 live only on the test's bridges.
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "adapter/adapter.h"
#include "proc.h"

#define PROG_NAME "lxc_vnf_prog"

static char data_dir[64];  // /tmp/orlxc-XXXXXX: every site of this test lives under it
static adapter_site *site; // the open site of the running test, closed by teardown
static char site_netns[32];
static char bridge[16];
static const char *ids[16]; // instances the running test may have created
static size_t n_ids;

// `ip` run in the site's netns when it has one.
static int ip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int ip(const char *fmt, ...)
{
    char args[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    if (site_netns[0])
        return proc_sh("ip -n %s %s >/dev/null 2>&1", site_netns, args);
    return proc_sh("ip %s >/dev/null 2>&1", args);
}

static bool link_in(const char *netns, const char *ifname)
{
    if (netns)
        return proc_sh("ip -n %s link show dev %s >/dev/null 2>&1", netns, ifname) == 0;
    return proc_sh("ip link show dev %s >/dev/null 2>&1", ifname) == 0;
}

static bool file_has(const char *path, const char *needle)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    char buf[8192];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    return strstr(buf, needle) != NULL;
}

static bool wait_file_has(const char *path, const char *needle, long timeout_ms)
{
    for (double end = proc_now_ms() + timeout_ms; proc_now_ms() < end; proc_sleep_ms(20))
        if (file_has(path, needle))
            return true;
    return file_has(path, needle);
}

static int count_cb(const adapter_vnf_info *info, void *arg)
{
    adapter_vnf_info *seen = arg;
    size_t i = 0;
    while (i < 4 && seen[i].instance_id[0])
        i++;
    if (i < 4)
        seen[i] = *info;
    return 0;
}

// The VNFs the site lists, up to 4, into seen (zeroed first); returns how many.
static size_t list(adapter_vnf_info seen[4])
{
    adapter_err err;
    memset(seen, 0, 4 * sizeof seen[0]);
    assert_int_equal(adapter_list_vnfs(site, count_cb, seen, &err), 0);
    size_t n = 0;
    while (n < 4 && seen[n].instance_id[0])
        n++;
    return n;
}

static const adapter_vnf_info *find(const adapter_vnf_info seen[4], const char *id)
{
    for (size_t i = 0; i < 4; i++)
        if (!strcmp(seen[i].instance_id, id))
            return &seen[i];
    return NULL;
}

static void read_cgroups(char *buf, size_t len)
{
    FILE *f = fopen("/proc/self/cgroup", "r");
    size_t n = f ? fread(buf, 1, len - 1, f) : 0;
    buf[n] = 0;
    if (f)
        fclose(f);
}

// Cgroups LXC made for a container of this test ("lxc.monitor.or-e2e-*", "lxc.payload...").
static int cgroups_left(void)
{
    return proc_sh(
        "test -z \"$(find /sys/fs/cgroup -maxdepth 4 -name 'lxc.*.or-e2e-*' 2>/dev/null)\"");
}

static void open_site(const char *tag, const char *netns)
{
    char endpoint[128], opt[64];
    snprintf(endpoint, sizeof endpoint, "lxc://%s/%s?stop_timeout=3", data_dir, tag);
    snprintf(opt, sizeof opt, "netns=%s", netns ? netns : "");
    const char *options[] = {netns ? opt : NULL, NULL};
    adapter_site_config cfg = {.name = tag, .endpoint = endpoint, .options = options};
    adapter_err err;
    char images[128];
    snprintf(images, sizeof images, "%s/%s/images", data_dir, tag);
    assert_int_equal(proc_sh("mkdir -p %s && cp %s %s/%s", images, LXC_VNF_PROG, images, PROG_NAME),
                     0);
    int rc = adapter_open("lxc", &cfg, &site, &err);
    if (rc)
        fail_msg("open: %s", err.msg);
}

static void track(const char *id)
{
    ids[n_ids++] = id;
}

// Deletes whatever the test left, the bridge, the netns and the site: runs after every test,
// passed or not.
static int teardown(void **state)
{
    adapter_err err;
    if (getenv("ORLXC_KEEP")) {
        printf("ORLXC_KEEP: leaving %s\n", data_dir); // debugging a failure by hand
        exit(1);
    }
    for (size_t i = 0; site && i < n_ids; i++) {
        int rc = adapter_delete_vnf(site, ids[i], &err);
        if (rc && rc != -ENOENT)
            fprintf(stderr, "teardown: delete %s: %s\n", ids[i], err.msg);
    }
    n_ids = 0;
    if (bridge[0])
        ip("link del %s", bridge);
    bridge[0] = 0;
    adapter_close(site);
    site = NULL;
    if (site_netns[0])
        proc_sh("ip netns del %s 2>/dev/null", site_netns);
    site_netns[0] = 0;
    return 0;
}

static void must(int rc, const adapter_err *err, const char *what)
{
    if (rc)
        fail_msg("%s: %d (%s): %s", what, rc, strerror(-rc), err->msg);
}

static void two_vnfs(const char *tag, const char *netns, int subnet)
{
    adapter_err err;
    if (netns) {
        snprintf(site_netns, sizeof site_netns, "%s", netns);
        assert_int_equal(proc_sh("ip netns add %s", netns), 0);
    }
    open_site(tag, netns);
    char srv[64], cli[64], owner[64], addr_a[32], addr_b[32], peer[32], mac[18];
    snprintf(srv, sizeof srv, "e2e-%s.srv.0", tag);
    snprintf(cli, sizeof cli, "e2e-%s.cli.0", tag);
    snprintf(owner, sizeof owner, "ns-e2e-%s", tag);
    snprintf(addr_a, sizeof addr_a, "10.213.%d.1/24", subnet);
    snprintf(addr_b, sizeof addr_b, "10.213.%d.2/24", subnet);
    snprintf(peer, sizeof peer, "10.213.%d.1", subnet);
    snprintf(mac, sizeof mac, "02:00:00:00:%02x:01", subnet);
    track(srv);
    track(cli);

    const char *args_a[] = {"hello world", "it's \"quoted\" $HOME"};
    const char *env_a[] = {"GREETING=hi there"};
    adapter_cp cp_a = {.id = "cp0", .address = addr_a, .mac = mac};
    adapter_vnf_spec a = {.instance_id = srv,
                          .owner = owner,
                          .image = PROG_NAME,
                          .args = args_a,
                          .n_args = 2,
                          .env = env_a,
                          .n_env = 1,
                          .vcpus = 1,
                          .memory_mib = 64,
                          .cps = &cp_a,
                          .n_cps = 1};
    // B learns its peer only from the CP file configure_cp writes, like a linker-fed VNF.
    const char *args_b[] = {
        "sh", "-c",
        "F=/etc/outrig/cp/cp0\n"
        "until [ -n \"$PEER_ADDRESS\" ] && ping -c1 -W1 \"$PEER_ADDRESS\" >/dev/null 2>&1; do\n"
        "  sleep 0.1; [ -f $F ] && . $F\n"
        "done\n"
        "echo \"PING_OK $PEER_ADDRESS from $ADDRESS peer $PEER_CP\"\n"
        "ip neigh show \"$PEER_ADDRESS\"\n"
        "exec sleep 1000\n"};
    adapter_cp cp_b = {.id = "cp0"};
    adapter_vnf_spec b = {.instance_id = cli,
                          .owner = owner,
                          .image = "busybox",
                          .args = args_b,
                          .n_args = 3,
                          .cps = &cp_b,
                          .n_cps = 1};

    char cg_before[1024], cg_after[1024];
    read_cgroups(cg_before, sizeof cg_before);
    double t0 = proc_now_ms();
    must(adapter_create_vnf(site, &a, &err), &err, "create a");
    double t1 = proc_now_ms();
    must(adapter_start_vnf(site, srv, &err), &err, "start a");
    double t2 = proc_now_ms();
    must(adapter_create_vnf(site, &b, &err), &err, "create b");
    must(adapter_start_vnf(site, cli, &err), &err, "start b");
    double t3 = proc_now_ms();
    printf("[ site %s ] create %.1f ms + start %.1f ms = %.1f ms (first VNF); both %.1f ms\n", tag,
           t1 - t0, t2 - t1, t2 - t0, t3 - t0);
    // Starting a container must not move the caller into the container's cgroups.
    read_cgroups(cg_after, sizeof cg_after);
    assert_string_equal(cg_before, cg_after);

    adapter_vnf_info ia, ib;
    must(adapter_vnf_status(site, srv, &ia, &err), &err, "status a");
    must(adapter_vnf_status(site, cli, &ib, &err), &err, "status b");
    assert_int_equal(ia.state, ADAPTER_VNF_RUNNING);
    assert_true(ia.pid > 0);
    assert_string_equal(ia.owner, owner);
    assert_int_equal(ia.n_cps, 1);
    assert_string_equal(ia.cps[0].address, addr_a);
    assert_true(strlen(ia.cps[0].host_ifname) > 2 && strlen(ia.cps[0].host_ifname) <= 15);
    assert_string_not_equal(ia.cps[0].host_ifname, ib.cps[0].host_ifname);
    // Host ends exist in the site's netns and only there.
    assert_true(link_in(netns, ia.cps[0].host_ifname));
    assert_true(link_in(netns, ib.cps[0].host_ifname));
    if (netns)
        assert_false(link_in(NULL, ia.cps[0].host_ifname));

    // A's memory limit (64 MiB) is in force on its payload cgroup, v1 or v2.
    assert_int_equal(
        proc_sh("n=0; for d in $(find /sys/fs/cgroup -maxdepth 4 -type d -name "
                "'lxc.payload.or-%s'); do for f in memory.limit_in_bytes memory.max; do "
                "[ -f $d/$f ] || continue; [ $(cat $d/$f) = 67108864 ] || exit 1; "
                "n=1; done; done; [ $n = 1 ]",
                srv),
        0);

    adapter_cp_peer p = {.address = peer, .cp = "e2e.srv.0/cp0"};
    must(adapter_configure_cp(site, cli, "cp0", addr_b, &p, &err), &err, "configure_cp b");
    must(adapter_vnf_status(site, cli, &ib, &err), &err, "status b");
    assert_string_equal(ib.cps[0].address, addr_b);

    snprintf(bridge, sizeof bridge, "orlxc-br%d", subnet);
    assert_int_equal(ip("link add %s type bridge", bridge), 0);
    assert_int_equal(ip("link set %s up", bridge), 0);
    assert_int_equal(ip("link set %s master %s", ia.cps[0].host_ifname, bridge), 0);
    assert_int_equal(ip("link set %s master %s", ib.cps[0].host_ifname, bridge), 0);

    char expect[96];
    snprintf(expect, sizeof expect, "PING_OK %s from %s peer e2e.srv.0/cp0", peer, addr_b);
    if (!wait_file_has(ib.log_path, expect, 20000))
        fail_msg("no \"%s\" in %s", expect, ib.log_path);
    assert_true(wait_file_has(ib.log_path, mac, 2000)); // A's own MAC came from its spec
    // A got its arguments intact through the generated init script, and its environment.
    assert_true(file_has(ia.log_path, "arg1=hello world\n"));
    assert_true(file_has(ia.log_path, "arg2=it's \"quoted\" $HOME\n"));
    assert_true(file_has(ia.log_path, "GREETING=hi there\n"));
    char line[96];
    snprintf(line, sizeof line, "OUTRIG_INSTANCE_ID=%s\n", srv);
    assert_true(file_has(ia.log_path, line));

    adapter_vnf_info seen[4];
    assert_int_equal(list(seen), 2);
    assert_non_null(find(seen, srv));
    assert_non_null(find(seen, cli));
    assert_int_equal(find(seen, cli)->state, ADAPTER_VNF_RUNNING);
    assert_string_equal(find(seen, cli)->owner, owner);

    // A graceful stop reaches the program itself.
    double t4 = proc_now_ms();
    must(adapter_stop_vnf(site, srv, &err), &err, "stop a");
    printf("[ site %s ] graceful stop %.1f ms\n", tag, proc_now_ms() - t4);
    assert_true(file_has(ia.log_path, "got SIGTERM"));
    must(adapter_vnf_status(site, srv, &ia, &err), &err, "status a");
    assert_int_equal(ia.state, ADAPTER_VNF_STOPPED);
    assert_int_equal(ia.exit_code, 0);
    assert_int_equal(ia.pid, 0);
    assert_false(link_in(netns, ia.cps[0].host_ifname));
    // A restart keeps the config and the log.
    must(adapter_start_vnf(site, srv, &err), &err, "restart a");
    assert_int_equal(adapter_start_vnf(site, srv, &err), -EALREADY);
    must(adapter_vnf_status(site, srv, &ia, &err), &err, "status a");
    assert_int_equal(ia.state, ADAPTER_VNF_RUNNING);

    read_cgroups(cg_after, sizeof cg_after); // attach (configure_cp) and stop moved nothing
    assert_string_equal(cg_before, cg_after);
    must(adapter_stop_vnf(site, cli, &err), &err, "stop b");
    must(adapter_vnf_status(site, cli, &ib, &err), &err, "status b");
    assert_int_equal(ib.state, ADAPTER_VNF_STOPPED);

    // Delete: A while running, B stopped. Then nothing of either is left.
    must(adapter_delete_vnf(site, srv, &err), &err, "delete a");
    must(adapter_delete_vnf(site, cli, &err), &err, "delete b");
    assert_int_equal(adapter_delete_vnf(site, srv, &err), -ENOENT);
    assert_int_equal(adapter_vnf_status(site, srv, &ia, &err), -ENOENT);
    assert_int_equal(list(seen), 0);
    char lxcpath[128];
    snprintf(lxcpath, sizeof lxcpath, "%s/%s/lxc", data_dir, tag);
    assert_int_equal(proc_sh("test -z \"$(ls -A %s)\"", lxcpath), 0);
    assert_false(link_in(netns, ia.cps[0].host_ifname));
    assert_false(link_in(netns, ib.cps[0].host_ifname));
    assert_false(link_in(NULL, ia.cps[0].host_ifname));
    int left = 0;
    for (int i = 0; i < 100 && (left = proc_count_matching(lxcpath) + proc_count_matching(srv) +
                                       proc_count_matching(cli));
         i++)
        proc_sleep_ms(50);
    assert_int_equal(left, 0);
    assert_int_equal(cgroups_left(), 0);
    // liblxc's lock folders for the site go with the handle.
    adapter_close(site);
    site = NULL;
    assert_int_equal(proc_sh("test ! -e /run/lxc/lock%s", lxcpath), 0);
}

static void test_lxc_two_vnfs_ping_over_bridge_then_nothing_left(void **state)
{
    two_vnfs("host", NULL, 1);
}

static void test_lxc_site_in_own_netns_keeps_veths_there(void **state)
{
    two_vnfs("ns", "orlxc-e2e-site", 2);
}

static int seen_cb(const adapter_vnf_info *info, void *arg)
{
    adapter_vnf_info *out = arg;
    if (!strcmp(info->instance_id, out->instance_id))
        *out = *info;
    return 0;
}

static void test_lxc_failed_and_incomplete_vnfs_are_listed_and_deleted(void **state)
{
    adapter_err err;
    open_site("fail", NULL);
    const char *id = "e2e-fail.bad.0";
    track(id);
    const char *args[] = {"exit=3"};
    adapter_vnf_spec s = {
        .instance_id = id, .owner = "ns-fail", .image = PROG_NAME, .args = args, .n_args = 1};
    must(adapter_create_vnf(site, &s, &err), &err, "create");
    adapter_vnf_info info;
    must(adapter_vnf_status(site, id, &info, &err), &err, "status");
    assert_int_equal(info.state, ADAPTER_VNF_CREATED);
    must(adapter_start_vnf(site, id, &err), &err, "start");
    for (int i = 0; i < 250 && info.state != ADAPTER_VNF_FAILED; i++) {
        proc_sleep_ms(20);
        must(adapter_vnf_status(site, id, &info, &err), &err, "status");
    }
    assert_int_equal(info.state, ADAPTER_VNF_FAILED);
    assert_int_equal(info.exit_code, 3);

    // What a crash mid-create leaves: a directory with no config and no label.
    assert_int_equal(proc_sh("mkdir %s/fail/lxc/or-e2e-fail.half.0", data_dir), 0);
    track("e2e-fail.half.0");
    adapter_vnf_info half = {.instance_id = "e2e-fail.half.0"};
    assert_int_equal(adapter_list_vnfs(site, seen_cb, &half, &err), 0);
    assert_int_equal(half.state, ADAPTER_VNF_INCOMPLETE);
    assert_string_equal(half.owner, "");
    assert_int_equal(adapter_stop_vnf(site, "e2e-fail.half.0", &err), 0);

    must(adapter_delete_vnf(site, id, &err), &err, "delete failed");
    must(adapter_delete_vnf(site, "e2e-fail.half.0", &err), &err, "delete incomplete");
    assert_int_equal(proc_sh("test -z \"$(ls -A %s/fail/lxc)\"", data_dir), 0);
    assert_int_equal(cgroups_left(), 0);
}

static void test_lxc_bad_requests_are_refused_and_leave_nothing(void **state)
{
    adapter_err err;
    open_site("bad", NULL);
    const char *id = "e2e-bad.x.0";
    track(id);
    adapter_vnf_spec s = {.instance_id = id, .owner = "ns-bad", .image = "/bin/ls"};
    // A dynamically linked program cannot run in a busybox rootfs.
    assert_int_equal(adapter_create_vnf(site, &s, &err), -ENOEXEC);
    assert_non_null(strstr(err.msg, "dynamically linked"));
    s.image = "no-such-image";
    assert_int_equal(adapter_create_vnf(site, &s, &err), -ENOENT);
    s.image = "../etc/passwd";
    assert_int_equal(adapter_create_vnf(site, &s, &err), -EINVAL);
    adapter_cp lo = {.id = "lo"};
    s.image = "busybox";
    s.cps = &lo;
    s.n_cps = 1;
    assert_int_equal(adapter_create_vnf(site, &s, &err), -EINVAL);
    assert_non_null(strstr(err.msg, "cps[0].id"));
    assert_int_equal(proc_sh("test -z \"$(ls -A %s/bad/lxc)\"", data_dir), 0);

    assert_int_equal(adapter_start_vnf(site, id, &err), -ENOENT);
    assert_int_equal(adapter_stop_vnf(site, id, &err), -ENOENT);
    assert_int_equal(adapter_configure_cp(site, id, "cp0", NULL, NULL, &err), -ENOENT);
    s.cps = NULL;
    s.n_cps = 0;
    must(adapter_create_vnf(site, &s, &err), &err, "create");
    assert_int_equal(adapter_create_vnf(site, &s, &err), -EEXIST);
    assert_int_equal(adapter_configure_cp(site, id, "cp9", NULL, NULL, &err), -ENOENT);
    must(adapter_delete_vnf(site, id, &err), &err, "delete");
    assert_int_equal(proc_sh("test -z \"$(ls -A %s/bad/lxc)\"", data_dir), 0);
}

static void test_lxc_cp_address_set_before_start_is_applied_at_start(void **state)
{
    adapter_err err;
    open_site("cfg", NULL);
    const char *id = "e2e-cfg.a.0";
    track(id);
    const char *args[] = {"sh", "-c",
                          "ip -4 addr show dev cp0; cat /etc/outrig/cp/cp0; "
                          "echo SHOWN; exec sleep 1000"};
    adapter_cp cp = {.id = "cp0", .address = "10.213.9.1/24"};
    adapter_vnf_spec s = {.instance_id = id,
                          .owner = "ns-cfg",
                          .image = "busybox",
                          .args = args,
                          .n_args = 3,
                          .cps = &cp,
                          .n_cps = 1};
    must(adapter_create_vnf(site, &s, &err), &err, "create");
    adapter_cp_peer peer = {.address = "10.213.9.7", .cp = "e2e-cfg.b.0/cp0"};
    must(adapter_configure_cp(site, id, "cp0", "10.213.9.5/24", &peer, &err), &err, "configure");
    assert_int_equal(adapter_configure_cp(site, id, "cp0", "10.213.9.5/40", NULL, &err), -EINVAL);
    must(adapter_start_vnf(site, id, &err), &err, "start");
    adapter_vnf_info info;
    must(adapter_vnf_status(site, id, &info, &err), &err, "status");
    assert_string_equal(info.cps[0].address, "10.213.9.5/24");
    assert_true(wait_file_has(info.log_path, "SHOWN", 10000));
    assert_true(file_has(info.log_path, "inet 10.213.9.5/24"));
    assert_false(file_has(info.log_path, "10.213.9.1/"));
    assert_true(file_has(info.log_path, "PEER_ADDRESS='10.213.9.7'"));
    must(adapter_delete_vnf(site, id, &err), &err, "delete");
}

// Many VNFs created and started from several threads at once on a site in its own netns, as
// the orchestrator does across an NS: all run, all are listed, all go.
#define PAR_THREADS 4
#define PAR_EACH 3

struct par_arg {
    int t;
    int rc;
    char msg[300];
    double ms[PAR_EACH];
};

static void *par_worker(void *p)
{
    struct par_arg *a = p;
    for (int i = 0; i < PAR_EACH && !a->rc; i++) {
        char id[32];
        snprintf(id, sizeof id, "e2e-par.t%d.%d", a->t, i);
        const char *args[] = {"sleep", "1000"};
        adapter_cp cp = {.id = "cp0"};
        adapter_vnf_spec s = {.instance_id = id,
                              .owner = "ns-par",
                              .image = "busybox",
                              .args = args,
                              .n_args = 2,
                              .cps = &cp,
                              .n_cps = 1};
        adapter_err err;
        double t0 = proc_now_ms();
        if ((a->rc = adapter_create_vnf(site, &s, &err)) ||
            (a->rc = adapter_start_vnf(site, id, &err)))
            snprintf(a->msg, sizeof a->msg, "%s: %s", id, err.msg);
        a->ms[i] = proc_now_ms() - t0;
    }
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static ino_t netns_ino_of_test;

struct par_count {
    int running, other, wrong_netns;
};

static ino_t netns_ino(void)
{
    struct stat st;
    return stat("/proc/thread-self/ns/net", &st) ? 0 : st.st_ino;
}

static int par_cb(const adapter_vnf_info *info, void *arg)
{
    struct par_count *c = arg;
    if (netns_ino() != netns_ino_of_test)
        c->wrong_netns++;
    if (info->state == ADAPTER_VNF_RUNNING && !strcmp(info->owner, "ns-par"))
        c->running++;
    else
        c->other++;
    return 0;
}

static void test_lxc_parallel_creates_from_threads_in_site_netns(void **state)
{
    netns_ino_of_test = netns_ino();
    static char ids_buf[PAR_THREADS * PAR_EACH][32];
    snprintf(site_netns, sizeof site_netns, "orlxc-e2e-par");
    assert_int_equal(proc_sh("ip netns add %s", site_netns), 0);
    open_site("par", site_netns);
    for (int t = 0; t < PAR_THREADS; t++)
        for (int i = 0; i < PAR_EACH; i++) {
            snprintf(ids_buf[t * PAR_EACH + i], 32, "e2e-par.t%d.%d", t, i);
            track(ids_buf[t * PAR_EACH + i]);
        }
    pthread_t th[PAR_THREADS];
    struct par_arg args[PAR_THREADS] = {{0}};
    double t0 = proc_now_ms();
    for (int t = 0; t < PAR_THREADS; t++) {
        args[t].t = t;
        assert_int_equal(pthread_create(&th[t], NULL, par_worker, &args[t]), 0);
    }
    for (int t = 0; t < PAR_THREADS; t++)
        pthread_join(th[t], NULL);
    double total = proc_now_ms() - t0;
    for (int t = 0; t < PAR_THREADS; t++)
        if (args[t].rc)
            fail_msg("thread %d: %d: %s", t, args[t].rc, args[t].msg);
    double all[PAR_THREADS * PAR_EACH];
    for (int t = 0; t < PAR_THREADS; t++)
        memcpy(all + t * PAR_EACH, args[t].ms, sizeof args[t].ms);
    qsort(all, PAR_THREADS * PAR_EACH, sizeof all[0], cmp_double);
    printf("[ site par ] %d VNFs from %d threads: total %.1f ms, create+start p50 %.1f ms, "
           "max %.1f ms\n",
           PAR_THREADS * PAR_EACH, PAR_THREADS, total, all[PAR_THREADS * PAR_EACH / 2],
           all[PAR_THREADS * PAR_EACH - 1]);
    struct par_count c = {0};
    adapter_err err;
    assert_int_equal(adapter_list_vnfs(site, par_cb, &c, &err), 0);
    assert_int_equal(c.running, PAR_THREADS * PAR_EACH);
    assert_int_equal(c.other, 0);
    assert_int_equal(c.wrong_netns, 0); // callbacks run in the caller's netns
    // The caller's thread is back in its own netns: the veths are not here.
    char veth[16];
    adapter_vnf_info info;
    must(adapter_vnf_status(site, "e2e-par.t0.0", &info, &err), &err, "status");
    snprintf(veth, sizeof veth, "%s", info.cps[0].host_ifname);
    assert_false(link_in(NULL, veth));
    assert_true(link_in(site_netns, veth));
    for (int i = 0; i < PAR_THREADS * PAR_EACH; i++)
        must(adapter_delete_vnf(site, ids_buf[i], &err), &err, "delete");
    c = (struct par_count){0};
    assert_int_equal(adapter_list_vnfs(site, par_cb, &c, &err), 0);
    assert_int_equal(c.running + c.other, 0);
    assert_false(link_in(site_netns, veth));
    assert_int_equal(cgroups_left(), 0);
}

int main(void)
{
    if (geteuid() != 0 || access("/bin/busybox", X_OK)) {
        printf("skipped: needs root and /bin/busybox (busybox-static)\n");
        return 77;
    }
    snprintf(data_dir, sizeof data_dir, "/tmp/orlxc-XXXXXX");
    if (!mkdtemp(data_dir))
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_lxc_two_vnfs_ping_over_bridge_then_nothing_left, teardown),
        cmocka_unit_test_teardown(test_lxc_site_in_own_netns_keeps_veths_there, teardown),
        cmocka_unit_test_teardown(test_lxc_failed_and_incomplete_vnfs_are_listed_and_deleted,
                                  teardown),
        cmocka_unit_test_teardown(test_lxc_bad_requests_are_refused_and_leave_nothing, teardown),
        cmocka_unit_test_teardown(test_lxc_cp_address_set_before_start_is_applied_at_start,
                                  teardown),
        cmocka_unit_test_teardown(test_lxc_parallel_creates_from_threads_in_site_netns, teardown),
    };
    int fds = proc_count_fds();
    if (getenv("ORLXC_FDS"))
        proc_sh("ls -l /proc/%d/fd >&2", getpid());
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    // Nothing of liblxc's (log files, lock files, netns fds) stays open once sites are closed.
    if (proc_count_fds() != fds) {
        fprintf(stderr, "fd leak: %d open before the tests, %d after\n", fds, proc_count_fds());
        proc_sh("ls -l /proc/%d/fd >&2", getpid());
        rc = rc ? rc : 1;
    }
    proc_sh("rm -rf %s", data_dir);
    return rc;
}
