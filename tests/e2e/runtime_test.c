// End-to-end test of the process-VNF runtime with real kernel objects (needs root): two VNFs
// in their own network namespaces talk TCP over veths joined by a bridge; stdout/stderr are
// captured; stop escalates; limits bite; and after delete no netns, veth, process, cgroup,
// mount or fd of theirs is left. Addresses 10.213.0.0/24 live only inside these namespaces
// and the test's bridge.
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <sched.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "proc.h"
#include "runtime/netlink.h"
#include "runtime/netns.h"
#include "runtime/runtime.h"

#define BRIDGE "rte2e-br0"
#define PORT "7777"

static const char *const ids[] = {"rte2e-a", "rte2e-b", "rte2e-c", "rte2e-d", "rte2e-e"};
#define N_IDS (sizeof ids / sizeof ids[0])

static struct rt_runtime *rt;
static struct rt_vnf *vnfs[N_IDS];  // live handles, deleted by teardown if a test failed
static char log_dir[64];
static int base_fds;
static int test_nl = -1;  // the test's own netlink socket, closed by teardown on failure

// True when one of our fds refers to a network namespace (a leaked netns fd).
static bool have_netns_fd(void)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *de;
    bool found = false;
    while ((de = readdir(d))) {
        char path[300], target[256];
        snprintf(path, sizeof path, "/proc/self/fd/%s", de->d_name);
        ssize_t n = readlink(path, target, sizeof target - 1);
        if (n > 0) {
            target[n] = 0;
            if (!strncmp(target, "net:[", 5))
                found = true;
        }
    }
    closedir(d);
    return found;
}

static void slurp(const char *path, char *buf, size_t n)
{
    buf[0] = 0;
    FILE *f = fopen(path, "re");
    if (!f)
        return;
    size_t r = fread(buf, 1, n - 1, f);
    buf[r] = 0;
    fclose(f);
}

static void log_of(const char *id, const char *stream, char *buf, size_t n)
{
    char path[160];
    snprintf(path, sizeof path, "%s/%s.%s", log_dir, id, stream);
    slurp(path, buf, n);
}

// Runs a shell command and returns its output in buf.
static void run(const char *cmd, char *buf, size_t n)
{
    buf[0] = 0;
    FILE *p = popen(cmd, "re");
    assert_non_null(p);
    size_t r = fread(buf, 1, n - 1, p);
    buf[r] = 0;
    pclose(p);
}

static struct rt_vnf_status wait_not_running(struct rt_vnf *v, double timeout_ms)
{
    struct rt_vnf_status st;
    double t0 = proc_now_ms();
    do {
        rt_vnf_status(v, &st);
        if (st.state != RT_RUNNING)
            return st;
        proc_sleep_ms(20);
    } while (proc_now_ms() - t0 < timeout_ms);
    return st;
}

// Waits until the file at path contains needle.
static bool wait_log(const char *id, const char *stream, const char *needle, double timeout_ms)
{
    char buf[4096];
    double t0 = proc_now_ms();
    do {
        log_of(id, stream, buf, sizeof buf);
        if (strstr(buf, needle))
            return true;
        proc_sleep_ms(20);
    } while (proc_now_ms() - t0 < timeout_ms);
    return false;
}

// Counts live (non-zombie) processes whose netns is (dev, ino).
static int procs_in_netns(dev_t dev, ino_t ino)
{
    DIR *d = opendir("/proc");
    struct dirent *de;
    int n = 0;
    while ((de = readdir(d))) {
        char path[300];
        struct stat st;
        snprintf(path, sizeof path, "/proc/%s/ns/net", de->d_name);
        if (de->d_name[0] >= '0' && de->d_name[0] <= '9' && stat(path, &st) == 0 &&
            st.st_dev == dev && st.st_ino == ino)
            n++;
    }
    closedir(d);
    return n;
}

// True when pid is gone or a zombie waiting for init.
static bool pid_dead(pid_t pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    slurp(path, buf, sizeof buf);
    if (!buf[0])
        return true;
    const char *rp = strrchr(buf, ')');
    return rp && rp[1] == ' ' && (rp[2] == 'Z' || rp[2] == 'X');
}

// What a VNF had, recorded before delete so that its absence can be checked afterwards.
struct trace {
    char netns[RT_NETNS_NAME_MAX];
    char host_if[RT_IFNAMSIZ];
    struct stat ns_st;
    char cg_dirs[2][300];
    int n_cg;
};

static void trace_of(struct rt_vnf *v, const char *id, struct trace *t)
{
    memset(t, 0, sizeof *t);
    snprintf(t->netns, sizeof t->netns, "%s", rt_vnf_netns(v));
    if (rt_vnf_host_ifname(v, 0))
        snprintf(t->host_if, sizeof t->host_if, "%s", rt_vnf_host_ifname(v, 0));
    char path[128];
    snprintf(path, sizeof path, "%s/%s", RT_NETNS_DIR, t->netns);
    assert_int_equal(stat(path, &t->ns_st), 0);
    if (rt_runtime_cgroup_mode(rt) == RT_CG_V1) {
        snprintf(t->cg_dirs[0], sizeof t->cg_dirs[0], "/sys/fs/cgroup/cpu/outrig-e2e/%s", id);
        snprintf(t->cg_dirs[1], sizeof t->cg_dirs[1], "/sys/fs/cgroup/memory/outrig-e2e/%s",
                 id);
        t->n_cg = 2;
    }
}

static void assert_gone(const struct trace *t)
{
    char path[128], buf[8192];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", RT_NETNS_DIR, t->netns);
    assert_int_not_equal(stat(path, &st), 0);
    run("ip netns list", buf, sizeof buf);
    assert_null(strstr(buf, t->netns));
    slurp("/proc/self/mountinfo", buf, sizeof buf);
    assert_null(strstr(buf, path));
    if (t->host_if[0])
        assert_int_equal(if_nametoindex(t->host_if), 0);
    assert_int_equal(procs_in_netns(t->ns_st.st_dev, t->ns_st.st_ino), 0);
    for (int i = 0; i < t->n_cg; i++)
        assert_int_not_equal(stat(t->cg_dirs[i], &st), 0);
}

static int rm_entry(const char *p, const struct stat *s, int flag, struct FTW *f)
{
    return remove(p);
}

static void purge_all(void)
{
    for (size_t i = 0; i < N_IDS; i++) {
        rt_vnf_delete(vnfs[i]);
        vnfs[i] = NULL;
        rt_vnf_purge(rt, ids[i]);
    }
    int nl = rt_nl_open();
    if (nl >= 0) {
        rt_nl_link_del(nl, BRIDGE);
        close(nl);
    }
}

// After each test, so that one failure does not cascade into the next.
static int test_teardown(void **state)
{
    if (test_nl >= 0)
        close(test_nl);
    test_nl = -1;
    if (rt)
        purge_all();
    return 0;
}

static int group_setup(void **state)
{
    if (geteuid() != 0)
        return 0;
    snprintf(log_dir, sizeof log_dir, "/tmp/rt-e2e-XXXXXX");
    if (!mkdtemp(log_dir))
        return -1;
    struct rt_config cfg = {.log_dir = log_dir, .cgroup_parent = "outrig-e2e",
                            .stop_grace_ms = 1000};
    if (rt_runtime_new(&cfg, &rt) < 0)
        return -1;
    purge_all();  // leftovers of an earlier run that was killed
    base_fds = proc_count_fds();
    return 0;
}

static int group_teardown(void **state)
{
    if (!rt)
        return 0;
    purge_all();
    rt_runtime_free(rt);
    nftw(log_dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
    // The parent cgroup folders are ours too; they are empty once every VNF is gone.
    rmdir("/sys/fs/cgroup/cpu/outrig-e2e");
    rmdir("/sys/fs/cgroup/memory/outrig-e2e");
    rmdir("/sys/fs/cgroup/unified/outrig-e2e");
    rmdir("/sys/fs/cgroup/outrig-e2e");
    return 0;
}

static void need_root(void)
{
    if (geteuid() != 0 || !rt)
        skip();
}

static struct rt_vnf *create(size_t idx, const char *const *argv, const char *addr,
                             struct rt_limits limits)
{
    static const char *const env[] = {"PATH=/usr/bin:/bin", "VNF_TEST=1", NULL};
    struct rt_cp_spec cp = {.ifname = "eth0", .address = addr};
    struct rt_vnf_spec spec = {.id = ids[idx], .path = argv[0], .argv = argv, .envp = env,
                               .cps = &cp, .n_cps = addr ? 1 : 0, .limits = limits};
    int e = rt_vnf_create(rt, &spec, &vnfs[idx]);
    if (e < 0)
        fail_msg("create %s: %s", ids[idx], strerror(-e));
    return vnfs[idx];
}

static void delete(size_t idx)
{
    // The handle is freed whatever delete returns: forget it before asserting.
    struct rt_vnf *v = vnfs[idx];
    vnfs[idx] = NULL;
    int e = rt_vnf_delete(v);
    if (e < 0)
        fail_msg("delete %s: %s", ids[idx], strerror(-e));
}

static void test_two_vnfs_exchange_tcp_over_a_bridge(void **state)
{
    need_root();
    const char *const srv_argv[] = {RT_PROG, "server", PORT, NULL};
    const char *const cli_argv[] = {RT_PROG, "client", "10.213.0.2", PORT, "hello-e2e", NULL};
    struct rt_limits lim = {.cpu_millis = 500, .memory_bytes = 64 << 20};
    double t_create = proc_now_ms();
    struct rt_vnf *b = create(1, srv_argv, "10.213.0.2/24", lim);
    struct rt_vnf *a = create(0, cli_argv, "10.213.0.1/24", (struct rt_limits){0});
    t_create = (proc_now_ms() - t_create) / 2;

    // iproute2 sees the namespaces and the addresses inside them.
    char buf[8192], cmd[256];
    snprintf(cmd, sizeof cmd, "ip -n %s -o addr show dev eth0", rt_vnf_netns(a));
    run(cmd, buf, sizeof buf);
    assert_non_null(strstr(buf, "10.213.0.1/24"));
    snprintf(cmd, sizeof cmd, "ip -n %s -o link show dev lo", rt_vnf_netns(a));
    run(cmd, buf, sizeof buf);
    assert_non_null(strstr(buf, "UP"));

    // The linker's job, done here by hand: one bridge joins both host ends.
    int nl = test_nl = rt_nl_open();
    assert_true(nl >= 0);
    assert_int_equal(rt_nl_bridge_add(nl, BRIDGE), 0);
    assert_int_equal(rt_nl_link_set_master(nl, rt_vnf_host_ifname(a, 0), BRIDGE), 0);
    assert_int_equal(rt_nl_link_set_master(nl, rt_vnf_host_ifname(b, 0), BRIDGE), 0);
    assert_int_equal(rt_nl_link_set_up(nl, BRIDGE, true), 0);

    assert_int_equal(rt_vnf_start(b), 0);
    assert_true(wait_log(ids[1], "stdout", "listening", 5000));
    assert_int_equal(rt_vnf_start(a), 0);

    struct rt_vnf_status st = wait_not_running(a, 15000);
    assert_int_equal(st.state, RT_EXITED);
    assert_int_equal(st.exit_code, 0);
    assert_true(wait_log(ids[0], "stdout", "reply hello-e2e", 2000));
    assert_true(wait_log(ids[0], "stderr", "client-stderr", 2000));
    assert_true(wait_log(ids[1], "stdout", "served hello-e2e", 2000));

    // The server runs in its netns, under its limits where the host has cgroups.
    rt_vnf_status(b, &st);
    assert_int_equal(st.state, RT_RUNNING);
    assert_true(st.pid > 0);
    pid_t srv_pid = st.pid;
    char path[128];
    struct stat ns_st, p_st;
    snprintf(path, sizeof path, "%s/%s", RT_NETNS_DIR, rt_vnf_netns(b));
    assert_int_equal(stat(path, &ns_st), 0);
    snprintf(path, sizeof path, "/proc/%d/ns/net", (int)srv_pid);
    assert_int_equal(stat(path, &p_st), 0);
    assert_true(p_st.st_ino == ns_st.st_ino);
    print_message("limits: %s (%s)\n", st.limits_note, rt_runtime_cgroup_note(rt));
    if (rt_runtime_cgroup_mode(rt) != RT_CG_NONE) {
        assert_true(st.limits_applied);
        snprintf(path, sizeof path, "/proc/%d/cgroup", (int)srv_pid);
        slurp(path, buf, sizeof buf);
        assert_non_null(strstr(buf, "/outrig-e2e/rte2e-b"));
        if (rt_runtime_cgroup_mode(rt) == RT_CG_V1) {
            slurp("/sys/fs/cgroup/memory/outrig-e2e/rte2e-b/memory.limit_in_bytes", buf,
                  sizeof buf);
            assert_int_equal(strtoull(buf, NULL, 10), 64 << 20);
            slurp("/sys/fs/cgroup/cpu/outrig-e2e/rte2e-b/cpu.cfs_quota_us", buf, sizeof buf);
            assert_int_equal(strtol(buf, NULL, 10), 50000);
        }
    } else {
        assert_false(st.limits_applied);
        assert_non_null(strstr(st.limits_note, "without limits"));
    }

    // The server dies of the SIGTERM well within its grace.
    double t0 = proc_now_ms();
    assert_int_equal(rt_vnf_stop(b, 3000), 0);
    assert_true(proc_now_ms() - t0 < 2500);
    rt_vnf_status(b, &st);
    assert_int_equal(st.state, RT_EXITED);
    assert_int_equal(st.term_signal, SIGTERM);
    assert_true(pid_dead(srv_pid));

    struct trace ta, tb;
    trace_of(a, ids[0], &ta);
    trace_of(b, ids[1], &tb);
    double t_delete = proc_now_ms();
    delete(0);  // exited on its own: nothing to stop
    t_delete = proc_now_ms() - t_delete;
    delete(1);
    print_message("create (netns, veth, addresses, cgroup): %.1f ms; delete: %.1f ms\n",
                  t_create, t_delete);
    assert_int_equal(rt_nl_link_del(nl, BRIDGE), 0);
    close(nl);
    test_nl = -1;
    assert_gone(&ta);
    assert_gone(&tb);
    assert_int_equal(proc_count_fds(), base_fds);
    assert_false(have_netns_fd());
}

static void test_stop_kills_what_ignores_sigterm_and_escapes_the_group(void **state)
{
    need_root();
    // The shell starts a sleeper in its own session (out of reach of a group kill), prints its
    // pid, then runs a server that ignores SIGTERM.
    const char *const argv[] = {"/bin/sh", "-c",
                                "setsid sleep 1000 & echo sleeper $!; exec " RT_PROG
                                " server " PORT " ignore-term",
                                NULL};
    struct rt_vnf *c = create(2, argv, "10.213.0.3/24", (struct rt_limits){0});
    assert_int_equal(rt_vnf_start(c), 0);
    assert_true(wait_log(ids[2], "stdout", "listening", 5000));
    char buf[4096];
    log_of(ids[2], "stdout", buf, sizeof buf);
    const char *s = strstr(buf, "sleeper ");
    assert_non_null(s);
    pid_t sleeper = (pid_t)atoi(s + 8);
    assert_true(sleeper > 0);
    assert_false(pid_dead(sleeper));

    struct rt_vnf_status st;
    rt_vnf_status(c, &st);
    pid_t pid = st.pid;
    double t0 = proc_now_ms();
    assert_int_equal(rt_vnf_stop(c, 300), 0);
    double took = proc_now_ms() - t0;
    assert_true(took >= 290);
    assert_true(took < 3000);
    rt_vnf_status(c, &st);
    assert_int_equal(st.state, RT_EXITED);
    assert_int_equal(st.term_signal, SIGKILL);
    assert_true(pid_dead(pid));
    assert_true(pid_dead(sleeper));

    struct trace t;
    trace_of(c, ids[2], &t);
    delete(2);
    assert_gone(&t);
    assert_int_equal(proc_count_fds(), base_fds);
}

static void test_exit_codes_crashes_and_exec_failures_are_reported(void **state)
{
    need_root();
    const char *const exit7[] = {"/bin/sh", "-c", "echo bye; exit 7", NULL};
    struct rt_vnf *d = create(3, exit7, NULL, (struct rt_limits){0});
    assert_int_equal(rt_vnf_start(d), 0);
    struct rt_vnf_status st = wait_not_running(d, 5000);
    assert_int_equal(st.state, RT_EXITED);
    assert_int_equal(st.exit_code, 7);
    assert_true(wait_log(ids[3], "stdout", "bye", 1000));
    // A second start of an exited VNF runs it again, appending to its log.
    assert_int_equal(rt_vnf_start(d), 0);
    st = wait_not_running(d, 5000);
    assert_int_equal(st.state, RT_EXITED);
    char buf[256];
    log_of(ids[3], "stdout", buf, sizeof buf);
    assert_string_equal(buf, "bye\nbye\n");
    delete(3);

    const char *const segv[] = {"/bin/sh", "-c", "kill -SEGV $$", NULL};
    d = create(3, segv, NULL, (struct rt_limits){0});
    assert_int_equal(rt_vnf_start(d), 0);
    st = wait_not_running(d, 5000);
    assert_int_equal(st.state, RT_FAILED);
    assert_int_equal(st.term_signal, SIGSEGV);
    delete(3);

    const char *const missing[] = {"/nonexistent/prog", NULL};
    d = create(3, missing, "10.213.0.4/24", (struct rt_limits){0});
    assert_int_equal(rt_vnf_start(d), -ENOENT);
    rt_vnf_status(d, &st);
    assert_int_equal(st.state, RT_FAILED);
    assert_int_equal(st.start_errno, ENOENT);
    assert_int_equal(st.pid, 0);
    struct trace t;
    trace_of(d, ids[3], &t);
    delete(3);
    assert_gone(&t);

    // A taken name is refused and the existing VNF is untouched.
    d = create(3, exit7, "10.213.0.4/24", (struct rt_limits){0});
    struct rt_vnf *dup = NULL;
    struct rt_cp_spec cp = {.ifname = "eth0", .address = "10.213.0.5/24"};
    struct rt_vnf_spec spec = {.id = ids[3], .path = "/bin/true", .cps = &cp, .n_cps = 1};
    assert_int_equal(rt_vnf_create(rt, &spec, &dup), -EEXIST);
    assert_null(dup);
    assert_true(if_nametoindex(rt_vnf_host_ifname(d, 0)) > 0);
    delete(3);
    assert_int_equal(proc_count_fds(), base_fds);
}

static void test_cgroup_limits_bite(void **state)
{
    need_root();
    if (rt_runtime_cgroup_mode(rt) == RT_CG_NONE) {
        print_message("no cgroup limits on this host: %s\n", rt_runtime_cgroup_note(rt));
        skip();
    }
    // 32 MiB of memory cannot hold 256 MiB (there is no swap here): the OOM killer ends it.
    const char *const hog[] = {RT_PROG, "hog", "256", NULL};
    struct rt_vnf *e = create(4, hog, NULL, (struct rt_limits){.memory_bytes = 32 << 20});
    assert_int_equal(rt_vnf_start(e), 0);
    struct rt_vnf_status st = wait_not_running(e, 10000);
    assert_int_equal(st.state, RT_FAILED);
    assert_int_equal(st.term_signal, SIGKILL);
    char buf[256];
    log_of(ids[4], "stdout", buf, sizeof buf);
    assert_null(strstr(buf, "hogged"));
    delete(4);

    // A tenth of a CPU: a second of spinning gets about 100 ms of CPU time.
    const char *const spin[] = {RT_PROG, "spin", "1000", NULL};
    e = create(4, spin, NULL, (struct rt_limits){.cpu_millis = 100});
    assert_int_equal(rt_vnf_start(e), 0);
    st = wait_not_running(e, 10000);
    assert_int_equal(st.state, RT_EXITED);
    assert_int_equal(st.exit_code, 0);
    log_of(ids[4], "stdout", buf, sizeof buf);
    const char *s = strstr(buf, "cpu_ms ");
    assert_non_null(s);
    long cpu_ms = atol(s + 7);
    print_message("spin under 100 millis of CPU for 1000 ms: %ld ms of CPU\n", cpu_ms);
    assert_true(cpu_ms < 400);
    delete(4);
    assert_int_equal(proc_count_fds(), base_fds);
}

static void test_purge_removes_what_a_lost_vnf_left(void **state)
{
    need_root();
    // What an agent that died mid-flight leaves: the netns with a process in it, a host veth
    // and the cgroup, all under the names derived from the VNF id, and no handle.
    const char *id = ids[4];
    char netns[RT_NETNS_NAME_MAX], host_if[RT_IFNAMSIZ];
    assert_int_equal(rt_netns_name("outrig-", id, netns, sizeof netns), 0);
    assert_int_equal(rt_host_ifname(id, 0, host_if), 0);
    int fd;
    assert_int_equal(rt_netns_add(netns, &fd), 0);
    test_nl = rt_nl_open();
    assert_true(test_nl >= 0);
    assert_int_equal(rt_nl_veth_add(test_nl, host_if, "eth0", fd, 0), 0);
    close(test_nl);
    test_nl = -1;
    char cg[2][128] = {"", ""};
    if (rt_runtime_cgroup_mode(rt) == RT_CG_V1) {
        snprintf(cg[0], sizeof cg[0], "/sys/fs/cgroup/cpu/outrig-e2e/%s", id);
        snprintf(cg[1], sizeof cg[1], "/sys/fs/cgroup/memory/outrig-e2e/%s", id);
        for (int i = 0; i < 2; i++) {
            char parent[128];
            snprintf(parent, sizeof parent, "%.*s", (int)(strrchr(cg[i], '/') - cg[i]), cg[i]);
            mkdir(parent, 0755);
            assert_int_equal(mkdir(cg[i], 0755), 0);
        }
    }
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (setns(fd, CLONE_NEWNET) == 0)
            execl("/bin/sleep", "sleep", "1000", (char *)NULL);
        _exit(127);
    }
    close(fd);
    struct trace t = {0};
    snprintf(t.netns, sizeof t.netns, "%s", netns);
    snprintf(t.host_if, sizeof t.host_if, "%s", host_if);
    char path[128];
    snprintf(path, sizeof path, "%s/%s", RT_NETNS_DIR, netns);
    assert_int_equal(stat(path, &t.ns_st), 0);
    for (int i = 0; i < 2 && cg[i][0]; i++, t.n_cg++)
        snprintf(t.cg_dirs[i], sizeof t.cg_dirs[i], "%s", cg[i]);
    double t0 = proc_now_ms();
    while (procs_in_netns(t.ns_st.st_dev, t.ns_st.st_ino) == 0 && proc_now_ms() - t0 < 5000)
        proc_sleep_ms(10);
    assert_int_equal(procs_in_netns(t.ns_st.st_dev, t.ns_st.st_ino), 1);

    // The name is taken until the leftovers are purged.
    struct rt_vnf *v = NULL;
    struct rt_vnf_spec spec = {.id = id, .path = "/bin/true"};
    assert_int_equal(rt_vnf_create(rt, &spec, &v), -EEXIST);
    assert_int_equal(rt_vnf_purge(rt, id), 0);
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    assert_gone(&t);
    assert_int_equal(rt_vnf_purge(rt, id), -ENOENT);
    assert_int_equal(rt_vnf_create(rt, &spec, &vnfs[4]), 0);
    delete(4);
    assert_int_equal(proc_count_fds(), base_fds);
}

static void test_host_ends_can_live_in_another_netns(void **state)
{
    need_root();
    // A runtime whose host ends go to a given netns (a site's switch namespace, say).
    int hfd;
    rt_netns_del("rte2e-host");
    assert_int_equal(rt_netns_add("rte2e-host", &hfd), 0);
    close(hfd);
    struct rt_runtime *rt2 = NULL;
    struct rt_config cfg = {.log_dir = log_dir, .host_netns = "rte2e-host", .no_cgroups = true};
    int e = rt_runtime_new(&cfg, &rt2);
    struct rt_vnf *v = NULL;
    struct rt_cp_spec cp = {.ifname = "eth0", .address = "10.213.0.9/24"};
    struct rt_vnf_spec spec = {.id = ids[4], .path = "/bin/true", .cps = &cp, .n_cps = 1,
                               .limits = {.memory_bytes = 64 << 20}};
    if (e == 0)
        e = rt_vnf_create(rt2, &spec, &v);
    char buf[4096] = "", cmd[128];
    char host_if[RT_IFNAMSIZ] = "";
    struct rt_vnf_status st = {0};
    if (e == 0) {
        snprintf(host_if, sizeof host_if, "%s", rt_vnf_host_ifname(v, 0));
        snprintf(cmd, sizeof cmd, "ip -n rte2e-host -o link show dev %s 2>/dev/null", host_if);
        run(cmd, buf, sizeof buf);
        rt_vnf_status(v, &st);
    }
    unsigned in_caller_ns = host_if[0] ? if_nametoindex(host_if) : 1;
    int del = rt_vnf_delete(v);
    char after[4096] = "";
    if (host_if[0])
        run(cmd, after, sizeof after);
    rt_runtime_free(rt2);
    assert_int_equal(rt_netns_del("rte2e-host"), 0);

    assert_int_equal(e, 0);
    assert_non_null(strstr(buf, host_if));
    assert_non_null(strstr(buf, "UP"));
    assert_int_equal(in_caller_ns, 0);
    // Without cgroups the VNF still runs, and its status says the limits are not enforced.
    assert_false(st.limits_applied);
    assert_non_null(strstr(st.limits_note, "running without limits"));
    assert_int_equal(del, 0);
    assert_null(strstr(after, host_if));
    assert_int_equal(proc_count_fds(), base_fds);
}

#define T(f) cmocka_unit_test_teardown(f, test_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_two_vnfs_exchange_tcp_over_a_bridge),
        T(test_stop_kills_what_ignores_sigterm_and_escapes_the_group),
        T(test_exit_codes_crashes_and_exec_failures_are_reported),
        T(test_cgroup_limits_bite),
        T(test_purge_removes_what_a_lost_vnf_left),
        T(test_host_ends_can_live_in_another_netns),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
