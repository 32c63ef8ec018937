// The LXC site kind: each VNF a system container driven through liblxc's C API, with a root
// file system built from busybox-static and the VNF's static program, one veth per CP whose
// host end (named by adapter_lxc_veth_name) is left unattached for the linker.
//
// Endpoint: "lxc://<data dir>" or "<data dir>" (absolute, no whitespace). Options, in the
// endpoint's query or the site options: netns=<name under /run/netns, or a path> to run the
// site in that network namespace; images=<dir> for the image catalogue (default
// <data dir>/images); busybox=<path> (default /bin/busybox); stop_timeout=<seconds> before
// a stop kills (default 5); limits=off to not apply vcpus/memory through cgroups.
//
// A site in its own network namespace: every liblxc call runs with the calling thread
// switched into the site's netns (setns) and back. Start must, so that the monitor process
// liblxc forks, and with it the host ends of the veths, live there; and every other call must
// too, because liblxc reaches a running container through an abstract unix socket, and
// those are per network namespace (from any other netns a running container looks STOPPED).
// setns(CLONE_NEWNET) affects only the calling thread, so other threads are undisturbed.
#define _GNU_SOURCE
#include "adapter/lxc_internal.h"
#include "netlink/netlink.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <lxc/lxccontainer.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

// lxcpath (255) + "/" + container name (67), and the log path fits adapter_vnf_info's.
#define CDIR_MAX 324

typedef struct lxc_site {
    adapter_site base;
    char name[64];
    char lxcpath[256];
    char images[256];
    char busybox[256];
    int netns_fd; // -1: the caller's own namespace
    unsigned stop_timeout_s;
    bool cgroup2, limits;
} lxc_site;

static lxc_site *site_of(adapter_site *s)
{
    return (lxc_site *)s;
}

// Switches the calling thread into the site's netns; *saved gets the way back (-1: none).
static int enter(const lxc_site *s, int *saved, adapter_err *err)
{
    *saved = -1;
    if (s->netns_fd < 0)
        return 0;
    int fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return adapter_fail(err, -errno, "netns: %s", strerror(errno));
    if (setns(s->netns_fd, CLONE_NEWNET)) {
        int rc = -errno;
        close(fd);
        return adapter_fail(err, rc, "netns: entering the site's: %s", strerror(-rc));
    }
    *saved = fd;
    return 0;
}

static void leave(int saved)
{
    if (saved < 0)
        return;
    // Going back to a namespace we hold an fd of cannot fail short of a kernel bug; carrying
    // on in the site's namespace would silently misplace whatever this thread does next.
    if (setns(saved, CLONE_NEWNET))
        abort();
    close(saved);
}

static int cdir_of(const lxc_site *s, const char *id, char *buf, size_t len)
{
    char name[ADAPTER_LXC_NAME_MAX + 1];
    adapter_lxc_container_name(id, name);
    int n = snprintf(buf, len, "%s/%s", s->lxcpath, name);
    return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int file_in(const char *dir, const char *rel, char *buf, size_t len)
{
    int n = snprintf(buf, len, "%s/%s", dir, rel);
    return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static struct lxc_container *container(const lxc_site *s, const char *id, adapter_err *err)
{
    char name[ADAPTER_LXC_NAME_MAX + 1];
    adapter_lxc_container_name(id, name);
    struct lxc_container *c = lxc_container_new(name, s->lxcpath);
    if (!c)
        adapter_fail(err, -ENOMEM, "liblxc: cannot load container %s", name);
    return c;
}

static bool has_space(const char *p)
{
    return strpbrk(p, " \t\n\r\\") != NULL;
}

static int opt(const adapter_site_config *cfg, const char *key, char *buf, size_t len,
               adapter_err *err)
{
    int rc = adapter_option(cfg, key, buf, len);
    if (rc < 0)
        return adapter_fail(err, -EINVAL, "options.%s: too long", key);
    return rc;
}

static int lxc_open(const adapter_site_config *cfg, adapter_site **out, adapter_err *err)
{
    char dir[200], v[256];
    int rc;
    if (adapter_endpoint_path(cfg, "lxc", dir, sizeof dir) || dir[0] != '/' || has_space(dir))
        return adapter_fail(err, -EINVAL,
                            "endpoint: need lxc://<absolute data dir> of at most %zu characters "
                            "without whitespace",
                            sizeof dir - 1);
    lxc_site *s = calloc(1, sizeof *s);
    if (!s)
        return adapter_fail(err, -ENOMEM, "out of memory");
    s->base.ops = &adapter_lxc_ops;
    s->netns_fd = -1;
    s->stop_timeout_s = 5;
    s->limits = true;
    snprintf(s->name, sizeof s->name, "%s", cfg->name);
    snprintf(s->lxcpath, sizeof s->lxcpath, "%s/lxc", dir);
    snprintf(s->images, sizeof s->images, "%s/images", dir);
    snprintf(s->busybox, sizeof s->busybox, "/bin/busybox");
    if ((rc = opt(cfg, "images", v, sizeof v, err)) < 0)
        goto fail;
    if (rc)
        snprintf(s->images, sizeof s->images, "%s", v);
    if ((rc = opt(cfg, "busybox", v, sizeof v, err)) < 0)
        goto fail;
    if (rc)
        snprintf(s->busybox, sizeof s->busybox, "%s", v);
    if ((rc = opt(cfg, "stop_timeout", v, sizeof v, err)) < 0)
        goto fail;
    if (rc) {
        char *end;
        unsigned long t = strtoul(v, &end, 10);
        if (*end || !*v || t > 3600) {
            rc = adapter_fail(err, -EINVAL, "options.stop_timeout: need 0..3600 seconds");
            goto fail;
        }
        s->stop_timeout_s = (unsigned)t;
    }
    if ((rc = opt(cfg, "limits", v, sizeof v, err)) < 0)
        goto fail;
    if (rc)
        s->limits = strcmp(v, "off") != 0;
    if ((rc = opt(cfg, "netns", v, sizeof v, err)) < 0)
        goto fail;
    if (rc) {
        s->netns_fd = nl_netns_open(v);
        if (s->netns_fd == -EINVAL) {
            rc = adapter_fail(err, -EINVAL, "options.netns: need a name or an absolute path");
            goto fail;
        }
        if (s->netns_fd < 0) {
            rc = adapter_fail(err, s->netns_fd, "options.netns: %s: %s", v, strerror(-s->netns_fd));
            goto fail;
        }
    }
    // The unified hierarchy alone (no v1 memory controller mounted) takes cgroup2 keys.
    struct stat st;
    s->cgroup2 = stat("/sys/fs/cgroup/cgroup.controllers", &st) == 0;
    if (mkdir(dir, 0755) && errno != EEXIST) {
        rc = adapter_fail(err, -errno, "endpoint: mkdir %s: %s", dir, strerror(errno));
        goto fail;
    }
    if (mkdir(s->lxcpath, 0755) && errno != EEXIST) {
        rc = adapter_fail(err, -errno, "endpoint: mkdir %s: %s", s->lxcpath, strerror(errno));
        goto fail;
    }
    *out = &s->base;
    return 0;
fail:
    if (s->netns_fd >= 0)
        close(s->netns_fd);
    free(s);
    return rc;
}

static void lxc_close(adapter_site *base)
{
    lxc_site *s = site_of(base);
    // liblxc keeps lock files under /run/lxc/lock/<lxcpath>/ and never removes the folders:
    // drop those of the site's path that are empty.
    char lock[300];
    snprintf(lock, sizeof lock, "/run/lxc/lock%s", s->lxcpath);
    for (char *slash; rmdir(lock) == 0 && (slash = strrchr(lock, '/')) &&
                      slash > lock + strlen("/run/lxc/lock");)
        *slash = 0;
    if (s->netns_fd >= 0)
        close(s->netns_fd);
    free(s);
}

// Resolves spec->image to a host file to copy in (*program, "" for busybox itself) and the
// path it has inside the container (*inner).
static int resolve_image(const lxc_site *s, const char *image, char *program, char *inner,
                         adapter_err *err)
{
    char p[PATH_MAX];
    if (image[0] == '/') {
        snprintf(p, sizeof p, "%s", image);
    } else {
        if (strchr(image, '/') || image[0] == '.')
            return adapter_fail(err, -EINVAL, "image: a catalogue name has no '/' nor leading .");
        snprintf(p, sizeof p, "%s/%s", s->images, image);
        if (access(p, F_OK) && !strcmp(image, "busybox")) {
            program[0] = 0;
            strcpy(inner, "/bin/busybox");
            return 0;
        }
    }
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return adapter_fail(err, errno == ENOENT ? -ENOENT : -errno, "image: %s: %s", p,
                            strerror(errno));
    struct stat st;
    unsigned char head[4096];
    ssize_t n = fstat(fd, &st) ? -1 : read(fd, head, sizeof head);
    close(fd);
    if (n < 0 || !S_ISREG(st.st_mode) || !(st.st_mode & 0111))
        return adapter_fail(err, -ENOEXEC, "image: %s: not an executable regular file", p);
    const char *why = NULL;
    if (adapter_lxc_exec_check(head, (size_t)n, &why))
        return adapter_fail(err, -ENOEXEC, "image: %s: %s", p, why);
    strcpy(program, p);
    const char *base = strrchr(p, '/');
    snprintf(inner, PATH_MAX, "/vnf/%s", base + 1);
    return 0;
}

static int write_label(const char *cdir, const adapter_lxc_label *l)
{
    char text[2048], p[PATH_MAX];
    int rc = adapter_lxc_label_format(l, text, sizeof text);
    if (!rc)
        rc = file_in(cdir, "outrig.label", p, sizeof p);
    return rc ? rc : adapter_lxc_write_file(p, text, 0644);
}

static int read_label(const char *cdir, adapter_lxc_label *l)
{
    char text[2048], p[PATH_MAX];
    int rc = file_in(cdir, "outrig.label", p, sizeof p);
    ssize_t n = rc ? rc : adapter_lxc_read_file(p, text, sizeof text);
    if (n < 0)
        return (int)n;
    return adapter_lxc_label_parse(text, l);
}

static int set_asked(const char *cdir, const char *what)
{
    char p[PATH_MAX];
    int rc = file_in(cdir, "outrig.state", p, sizeof p);
    return rc ? rc : adapter_lxc_write_file(p, what, 0644);
}

static int define(const lxc_site *s, const adapter_vnf_spec *spec, const char *cdir,
                  adapter_err *err)
{
    adapter_lxc_conf *conf = malloc(sizeof *conf);
    if (!conf)
        return adapter_fail(err, -ENOMEM, "out of memory");
    adapter_lxc_paths paths = {.cdir = cdir, .cgroup2 = s->cgroup2, .limits = s->limits};
    int rc = adapter_lxc_config(spec, &paths, conf);
    if (rc) {
        free(conf);
        return adapter_fail(err, rc, "config: a value is too long");
    }
    struct lxc_container *c = container(s, spec->instance_id, err);
    if (!c) {
        free(conf);
        return -ENOMEM;
    }
    for (size_t i = 0; i < conf->n && !rc; i++)
        if (!c->set_config_item(c, conf->item[i].key, conf->item[i].val))
            rc = adapter_fail(err, -EINVAL, "config: liblxc refused %s = %s", conf->item[i].key,
                              conf->item[i].val);
    if (!rc && !c->save_config(c, NULL))
        rc = adapter_fail(err, -EIO, "config: liblxc could not save %s/config", cdir);
    lxc_container_put(c);
    free(conf);
    return rc;
}

static void drop_lock(const lxc_site *s, const char *id)
{
    char p[PATH_MAX];
    char name[ADAPTER_LXC_NAME_MAX + 1];
    adapter_lxc_container_name(id, name);
    snprintf(p, sizeof p, "/run/lxc/lock%s/.%s", s->lxcpath, name);
    unlink(p);
}

static int lxc_create(adapter_site *base, const adapter_vnf_spec *spec, adapter_err *err)
{
    lxc_site *s = site_of(base);
    char cdir[CDIR_MAX], p[PATH_MAX], program[PATH_MAX], inner[PATH_MAX];
    int rc = cdir_of(s, spec->instance_id, cdir, sizeof cdir);
    if (rc)
        return adapter_fail(err, rc, "instance_id: path too long");
    // Before anything is made, so that a bad image leaves nothing behind.
    if ((rc = resolve_image(s, spec->image, program, inner, err)))
        return rc;
    if (mkdir(cdir, 0750))
        return adapter_fail(err, errno == EEXIST ? -EEXIST : -errno, "instance_id: %s: %s",
                            spec->instance_id,
                            errno == EEXIST ? "exists on this site" : strerror(errno));
    // The label first: a crash from here on leaves a directory that names its owner.
    adapter_lxc_label label;
    adapter_lxc_label_from_spec(spec, &label);
    char *script = NULL;
    if ((rc = write_label(cdir, &label))) {
        adapter_fail(err, rc, "label: %s", strerror(-rc));
        goto fail;
    }
    if ((rc = file_in(cdir, "log", p, sizeof p)) || mkdir(p, 0755)) {
        rc = adapter_fail(err, rc ? rc : -errno, "log dir: %s", strerror(rc ? -rc : errno));
        goto fail;
    }
    if (!(script = adapter_lxc_init_script(spec, inner))) {
        rc = adapter_fail(err, -ENOMEM, "init script: out of memory");
        goto fail;
    }
    if ((rc = file_in(cdir, "rootfs", p, sizeof p)) ||
        (rc = adapter_lxc_rootfs_build(p, s->busybox, program[0] ? program : NULL, script, err)))
        goto fail;
    if ((rc = define(s, spec, cdir, err)))
        goto fail;
    free(script);
    return 0;
fail:
    free(script);
    adapter_lxc_rmtree(cdir);
    drop_lock(s, spec->instance_id);
    return rc;
}

static bool exists(const lxc_site *s, const char *id)
{
    char cdir[CDIR_MAX];
    struct stat st;
    return !cdir_of(s, id, cdir, sizeof cdir) && stat(cdir, &st) == 0;
}

// liblxc 5.0's daemonized start moves the *calling* process into the container's
// "lxc.monitor.<name>" cgroup (in every hierarchy) and leaves it there, which would carry
// the orchestrator from cgroup to cgroup and keep those cgroups from ever being removed. So
// start runs in a child that exits once the container runs; the child inherits the calling
// thread's network namespace, so the veths still appear in the site's.
static int start_in_child(struct lxc_container *c)
{
    pid_t pid = adapter_lxc_fork();
    if (pid < 0)
        return -errno;
    if (pid == 0) {
        c->want_daemonize(c, true);
        c->want_close_all_fds(c, true);
        _exit(c->start(c, 0, NULL) ? 0 : 1);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -errno;
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -EIO;
}

static int lxc_start(adapter_site *base, const char *id, adapter_err *err)
{
    lxc_site *s = site_of(base);
    char cdir[CDIR_MAX];
    int saved, rc = cdir_of(s, id, cdir, sizeof cdir);
    if (rc || (rc = enter(s, &saved, err)))
        return rc;
    struct lxc_container *c = container(s, id, err);
    if (!c) {
        rc = -ENOMEM;
    } else if (!c->is_defined(c)) {
        rc = adapter_fail(err, -ENOENT, "%s: no such VNF on site %s", id, s->name);
    } else if (c->is_running(c)) {
        rc = adapter_fail(err, -EALREADY, "%s: already running", id);
    } else if ((rc = set_asked(cdir, "started"))) {
        adapter_fail(err, rc, "state file: %s", strerror(-rc));
    } else {
        adapter_lxc_cgroup_cleanup(c->name, 0, 0); // what an earlier run left: no -1 suffix
        if ((rc = start_in_child(c)))
            adapter_fail(err, rc, "%s: liblxc could not start it, see %s/lxc.log", id, cdir);
    }
    lxc_container_put(c);
    leave(saved);
    return rc;
}

// Asks init to end (it passes SIGTERM to the program), then kills after the grace time.
static int halt(const lxc_site *s, struct lxc_container *c, const char *id, adapter_err *err)
{
    if (!c->is_running(c))
        return 0;
    if (s->stop_timeout_s && c->shutdown(c, (int)s->stop_timeout_s))
        return 0;
    if (!c->stop(c) && c->is_running(c))
        return adapter_fail(err, -EIO, "%s: liblxc could not stop it", id);
    return 0;
}

static int lxc_stop(adapter_site *base, const char *id, adapter_err *err)
{
    lxc_site *s = site_of(base);
    char cdir[CDIR_MAX];
    int saved, rc = cdir_of(s, id, cdir, sizeof cdir);
    if (rc || (rc = enter(s, &saved, err)))
        return rc;
    struct lxc_container *c = container(s, id, err);
    if (!c) {
        rc = -ENOMEM;
    } else if (!c->is_defined(c)) {
        rc = exists(s, id) ? 0
                           : adapter_fail(err, -ENOENT, "%s: no such VNF on site %s", id, s->name);
    } else if ((rc = set_asked(cdir, "stopped"))) {
        // Recorded first so that the end it causes is not taken for a failure.
        adapter_fail(err, rc, "state file: %s", strerror(-rc));
    } else {
        rc = halt(s, c, id, err);
    }
    lxc_container_put(c);
    leave(saved);
    return rc;
}

static int lxc_delete(adapter_site *base, const char *id, adapter_err *err)
{
    lxc_site *s = site_of(base);
    char cdir[CDIR_MAX];
    int saved, rc = cdir_of(s, id, cdir, sizeof cdir);
    if (rc)
        return rc;
    if (!exists(s, id))
        return adapter_fail(err, -ENOENT, "%s: no such VNF on site %s", id, s->name);
    if ((rc = enter(s, &saved, err)))
        return rc;
    struct lxc_container *c = container(s, id, err);
    if (!c) {
        rc = -ENOMEM;
    } else if (c->is_defined(c)) {
        set_asked(cdir, "stopped");
        rc = halt(s, c, id, err);
        // destroy removes the rootfs and the config; what it leaves (label, logs) goes below.
        if (!rc && !c->destroy(c) && c->is_defined(c))
            rc = adapter_fail(err, -EIO, "%s: liblxc could not destroy it, see %s/lxc.log", id,
                              cdir);
    }
    lxc_container_put(c);
    leave(saved);
    if (rc)
        return rc;
    if ((rc = adapter_lxc_rmtree(cdir)))
        return adapter_fail(err, rc, "%s: removing %s: %s", id, cdir, strerror(-rc));
    drop_lock(s, id);
    char name[ADAPTER_LXC_NAME_MAX + 1];
    adapter_lxc_container_name(id, name);
    adapter_lxc_cgroup_cleanup(name, 16, 500);
    return 0;
}

// The CP's index in the label, or -1.
static int cp_index(const adapter_lxc_label *l, const char *cp)
{
    for (size_t i = 0; i < l->n_cps; i++)
        if (!strcmp(l->cps[i].id, cp))
            return (int)i;
    return -1;
}

// Runs the site's busybox with argv in the network namespace of pid (nothing else of the
// container's: the host binary is trusted, the container's copy is not). 0 or -EIO.
static int run_in_netns(const char *busybox, pid_t pid, char *const argv[])
{
    char p[64];
    snprintf(p, sizeof p, "/proc/%d/ns/net", (int)pid);
    int ns = open(p, O_RDONLY | O_CLOEXEC);
    if (ns < 0)
        return -errno;
    pid_t child = adapter_lxc_fork();
    if (child == 0) {
        int devnull = open("/dev/null", O_RDWR);
        if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(devnull, 1) < 0 || dup2(devnull, 2) < 0 ||
            setns(ns, CLONE_NEWNET))
            _exit(126);
        execv(busybox, argv);
        _exit(127);
    }
    int rc = child < 0 ? -errno : 0, st = 0;
    close(ns);
    while (!rc && waitpid(child, &st, 0) < 0)
        if (errno != EINTR)
            rc = -errno;
    return rc ? rc : WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -EIO;
}

// Sets the address of a running container's CP. Not through liblxc's attach: in 5.0 it leaks
// a pidfd per call.
static int readdress(const lxc_site *s, struct lxc_container *c, const char *cp,
                     const char *address)
{
    pid_t pid = c->init_pid(c);
    if (pid <= 0)
        return -ESRCH;
    char *flush[] = {"ip", "addr", "flush", "dev", (char *)cp, NULL};
    char *add[] = {"ip", "addr", "add", (char *)address, "dev", (char *)cp, NULL};
    char *up[] = {"ip", "link", "set", (char *)cp, "up", NULL};
    int rc = run_in_netns(s->busybox, pid, flush);
    if (!rc)
        rc = run_in_netns(s->busybox, pid, add);
    return rc ? rc : run_in_netns(s->busybox, pid, up);
}

static int update_config(struct lxc_container *c, size_t i, const char *address)
{
    char key[48];
    snprintf(key, sizeof key, "lxc.net.%zu.ipv4.address", i);
    c->clear_config_item(c, key);
    snprintf(key, sizeof key, "lxc.net.%zu.ipv6.address", i);
    c->clear_config_item(c, key);
    adapter_lxc_addr_key(i, address, key);
    return c->set_config_item(c, key, address) && c->save_config(c, NULL) ? 0 : -EIO;
}

static int lxc_configure_cp(adapter_site *base, const char *id, const char *cp, const char *address,
                            const adapter_cp_peer *peer, adapter_err *err)
{
    lxc_site *s = site_of(base);
    char cdir[CDIR_MAX], p[PATH_MAX], text[512];
    adapter_lxc_label label;
    int saved, i, rc = cdir_of(s, id, cdir, sizeof cdir);
    if (rc)
        return rc;
    if (read_label(cdir, &label))
        return adapter_fail(err, -ENOENT, "%s: no such VNF on site %s", id, s->name);
    if ((i = cp_index(&label, cp)) < 0)
        return adapter_fail(err, -ENOENT, "cp_id: %s has no CP %s", id, cp);
    bool readdr = address && *address && strcmp(address, label.cps[i].address);
    if ((rc = enter(s, &saved, err)))
        return rc;
    struct lxc_container *c = container(s, id, err);
    if (!c)
        rc = -ENOMEM;
    else if (!c->is_defined(c))
        rc = adapter_fail(err, -ENOENT, "%s: incomplete, delete it", id);
    else if (readdr && update_config(c, (size_t)i, address))
        rc = adapter_fail(err, -EIO, "%s: liblxc could not save the address", id);
    else if (readdr && c->is_running(c) && readdress(s, c, cp, address))
        rc = adapter_fail(err, -EIO, "%s: setting %s on %s inside the container failed", id,
                          address, cp);
    lxc_container_put(c);
    leave(saved);
    if (rc)
        return rc;
    if (readdr) {
        snprintf(label.cps[i].address, sizeof label.cps[i].address, "%s", address);
        if ((rc = write_label(cdir, &label)))
            return adapter_fail(err, rc, "label: %s", strerror(-rc));
    }
    char rel[64];
    snprintf(rel, sizeof rel, "rootfs%s/%s", ADAPTER_LXC_CP_DIR, cp);
    if ((rc = adapter_lxc_cp_file(cp, label.cps[i].address, peer, text, sizeof text)) ||
        (rc = file_in(cdir, rel, p, sizeof p)) || (rc = adapter_lxc_write_file(p, text, 0644)))
        return adapter_fail(err, rc, "%s: writing %s: %s", id, rel, strerror(-rc));
    return 0;
}

// Fills *out for the container directory of `id`; the caller is in the site's netns.
static int status_in(const lxc_site *s, const char *id, adapter_vnf_info *out, adapter_err *err)
{
    char cdir[CDIR_MAX], p[PATH_MAX], buf[64];
    adapter_lxc_label label;
    memset(out, 0, sizeof *out);
    out->exit_code = -1;
    snprintf(out->instance_id, sizeof out->instance_id, "%s", id);
    if (cdir_of(s, id, cdir, sizeof cdir) || !exists(s, id))
        return adapter_fail(err, -ENOENT, "%s: no such VNF on site %s", id, s->name);
    if (!read_label(cdir, &label)) {
        snprintf(out->owner, sizeof out->owner, "%s", label.owner);
        snprintf(out->image, sizeof out->image, "%s", label.image);
        out->n_cps = label.n_cps;
        memcpy(out->cps, label.cps, sizeof out->cps);
    }
    file_in(cdir, "log/vnf.log", out->log_path, sizeof out->log_path);
    if (!file_in(cdir, "log/exit", p, sizeof p) && adapter_lxc_read_file(p, buf, sizeof buf) > 0)
        out->exit_code = atoi(buf);
    char asked[16] = "";
    if (!file_in(cdir, "outrig.state", p, sizeof p))
        adapter_lxc_read_file(p, asked, sizeof asked);
    struct lxc_container *c = container(s, id, err);
    if (!c)
        return -ENOMEM;
    bool defined = c->is_defined(c), running = defined && c->is_running(c);
    out->state = adapter_lxc_state(defined, running, asked);
    pid_t pid = running ? c->init_pid(c) : 0;
    out->pid = pid > 0 ? pid : 0;
    lxc_container_put(c);
    return 0;
}

static int lxc_status(adapter_site *base, const char *id, adapter_vnf_info *out, adapter_err *err)
{
    lxc_site *s = site_of(base);
    int saved, rc = enter(s, &saved, err);
    if (rc)
        return rc;
    rc = status_in(s, id, out, err);
    leave(saved);
    return rc;
}

static int lxc_list(adapter_site *base, adapter_list_cb cb, void *arg, adapter_err *err)
{
    lxc_site *s = site_of(base);
    DIR *d = opendir(s->lxcpath);
    if (!d)
        return adapter_fail(err, -errno, "%s: %s", s->lxcpath, strerror(errno));
    adapter_vnf_info *info = malloc(sizeof *info);
    int rc = info ? 0 : adapter_fail(err, -ENOMEM, "out of memory");
    struct dirent *de;
    while (!rc && (de = readdir(d))) {
        if (!adapter_lxc_is_ours(de->d_name))
            continue;
        // The callback runs back in the caller's namespace: it may well do network I/O.
        int saved;
        if ((rc = enter(s, &saved, err)))
            break;
        int r = status_in(s, de->d_name + strlen(ADAPTER_LXC_PREFIX), info, err);
        leave(saved);
        // Gone between readdir and here (a concurrent delete) is not an error of the listing,
        // whatever liblxc made of the half-removed directory.
        char cdir[PATH_MAX];
        struct stat st;
        if (r == -ENOENT || (r && file_in(s->lxcpath, de->d_name, cdir, sizeof cdir) == 0 &&
                             stat(cdir, &st) != 0 && errno == ENOENT))
            continue;
        rc = r ? r : cb(info, arg);
    }
    free(info);
    closedir(d);
    return rc;
}

const adapter_ops adapter_lxc_ops = {
    .kind = "lxc",
    .open = lxc_open,
    .close = lxc_close,
    .create_vnf = lxc_create,
    .start_vnf = lxc_start,
    .stop_vnf = lxc_stop,
    .delete_vnf = lxc_delete,
    .configure_cp = lxc_configure_cp,
    .list_vnfs = lxc_list,
    .vnf_status = lxc_status,
};
