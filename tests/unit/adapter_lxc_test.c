// Unit tests of the LXC adapter's pure parts: container and veth names, the config items a
// spec becomes, the init script (its quoting checked by running it through /bin/sh), the
// per-CP file, the label round trip, the static-executable check and the listed state.
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "adapter/lxc_internal.h"

static void test_container_name_is_prefixed_and_recognised(void **state)
{
    char name[ADAPTER_LXC_NAME_MAX + 1];
    adapter_lxc_container_name("ns1.fw.0", name);
    assert_string_equal(name, "or-ns1.fw.0");
    assert_true(adapter_lxc_is_ours(name));
    assert_false(adapter_lxc_is_ours("ns1.fw.0"));
    assert_false(adapter_lxc_is_ours("or-"));
    assert_false(adapter_lxc_is_ours("or-.x"));
    assert_false(adapter_lxc_is_ours("lxc.pivot"));
    char longid[ADAPTER_ID_MAX + 1];
    memset(longid, 'z', ADAPTER_ID_MAX);
    longid[ADAPTER_ID_MAX] = 0;
    adapter_lxc_container_name(longid, name);
    assert_int_equal(strlen(name), ADAPTER_ID_MAX + 3);
}

static void test_veth_name_fits_ifnamsiz_is_stable_and_distinct(void **state)
{
    char a[16], b[16], c[16], d[16];
    adapter_lxc_veth_name("ns1.fw.0", "eth-in", a);
    adapter_lxc_veth_name("ns1.fw.0", "eth-in", b);
    adapter_lxc_veth_name("ns1.fw.0", "eth-out", c);
    adapter_lxc_veth_name("ns1.fw.1", "eth-in", d);
    assert_int_equal(strlen(a), 15);
    assert_string_equal(a, b);
    assert_string_not_equal(a, c);
    assert_string_not_equal(a, d);
    assert_memory_equal(a, "or", 2);
    for (int i = 0; i < 15; i++)
        assert_true((a[i] >= 'a' && a[i] <= 'z') || (a[i] >= '2' && a[i] <= '7'));
    // The separator matters: ("ab", "c") and ("a", "bc") are different CPs.
    adapter_lxc_veth_name("ab", "c", a);
    adapter_lxc_veth_name("a", "bc", b);
    assert_string_not_equal(a, b);
    // Many CPs of one NS: no two collide.
    static char names[2000][16];
    for (int i = 0; i < 2000; i++) {
        char id[32], cp[8];
        snprintf(id, sizeof id, "ns.p.%d", i / 4);
        snprintf(cp, sizeof cp, "cp%d", i % 4);
        adapter_lxc_veth_name(id, cp, names[i]);
        for (int j = 0; j < i; j++)
            assert_string_not_equal(names[i], names[j]);
    }
}

static const char *conf_get(const adapter_lxc_conf *c, const char *key)
{
    const char *v = NULL;
    for (size_t i = 0; i < c->n; i++)
        if (!strcmp(c->item[i].key, key))
            v = c->item[i].val;
    return v;
}

static void test_config_has_rootfs_pty_apparmor_init_and_one_veth_per_cp(void **state)
{
    adapter_cp cps[2] = {{.id = "in", .address = "10.213.0.1/24", .mac = "02:00:00:00:00:07"},
                         {.id = "out", .address = "fd00::2/64"}};
    adapter_vnf_spec s = {.instance_id = "ns1.fw.0",
                          .owner = "ns1",
                          .image = "fw",
                          .vcpus = 2,
                          .memory_mib = 64,
                          .cps = cps,
                          .n_cps = 2};
    adapter_lxc_paths p = {.cdir = "/d/lxc/or-ns1.fw.0", .cgroup2 = false, .limits = true};
    adapter_lxc_conf *c = malloc(sizeof *c);
    assert_int_equal(adapter_lxc_config(&s, &p, c), 0);
    assert_string_equal(conf_get(c, "lxc.rootfs.path"), "dir:/d/lxc/or-ns1.fw.0/rootfs");
    assert_non_null(conf_get(c, "lxc.pty.max"));
    assert_string_equal(conf_get(c, "lxc.apparmor.profile"), "unconfined");
    assert_string_equal(conf_get(c, "lxc.init.cmd"), ADAPTER_LXC_INIT);
    assert_string_equal(conf_get(c, "lxc.signal.halt"), "SIGTERM");
    assert_string_equal(conf_get(c, "lxc.uts.name"), "ns1.fw.0");
    assert_string_equal(conf_get(c, "lxc.mount.entry"),
                        "/d/lxc/or-ns1.fw.0/log var/log/outrig none bind,create=dir 0 0");
    assert_string_equal(conf_get(c, "lxc.cgroup.memory.limit_in_bytes"), "67108864");
    assert_string_equal(conf_get(c, "lxc.cgroup.cpu.cfs_quota_us"), "200000");
    assert_null(conf_get(c, "lxc.cgroup2.memory.max"));
    char veth[16];
    adapter_lxc_veth_name("ns1.fw.0", "in", veth);
    assert_string_equal(conf_get(c, "lxc.net.0.type"), "veth");
    assert_string_equal(conf_get(c, "lxc.net.0.name"), "in");
    assert_string_equal(conf_get(c, "lxc.net.0.veth.pair"), veth);
    assert_string_equal(conf_get(c, "lxc.net.0.flags"), "up");
    assert_string_equal(conf_get(c, "lxc.net.0.ipv4.address"), "10.213.0.1/24");
    assert_string_equal(conf_get(c, "lxc.net.0.hwaddr"), "02:00:00:00:00:07");
    assert_null(conf_get(c, "lxc.net.0.link")); // the linker attaches it, not LXC
    assert_string_equal(conf_get(c, "lxc.net.1.ipv6.address"), "fd00::2/64");
    assert_null(conf_get(c, "lxc.net.1.hwaddr"));
    assert_null(conf_get(c, "lxc.net.2.type"));

    // The type key of a network must come before its other keys (liblxc needs it first).
    for (size_t i = 0; i < c->n; i++)
        if (!strncmp(c->item[i].key, "lxc.net.1.", 10)) {
            assert_string_equal(c->item[i].key, "lxc.net.1.type");
            break;
        }

    p.cgroup2 = true;
    assert_int_equal(adapter_lxc_config(&s, &p, c), 0);
    assert_string_equal(conf_get(c, "lxc.cgroup2.memory.max"), "67108864");
    assert_string_equal(conf_get(c, "lxc.cgroup2.cpu.max"), "200000 100000");
    p.limits = false;
    assert_int_equal(adapter_lxc_config(&s, &p, c), 0);
    assert_null(conf_get(c, "lxc.cgroup2.memory.max"));
    assert_null(conf_get(c, "lxc.cgroup2.cpu.max"));
    free(c);
}

static void test_config_without_cps_still_isolates_the_network(void **state)
{
    adapter_vnf_spec s = {.instance_id = "x", .owner = "o", .image = "busybox"};
    adapter_lxc_paths p = {.cdir = "/d/lxc/or-x", .limits = true};
    adapter_lxc_conf *c = malloc(sizeof *c);
    assert_int_equal(adapter_lxc_config(&s, &p, c), 0);
    assert_string_equal(conf_get(c, "lxc.net.0.type"), "empty");
    assert_null(conf_get(c, "lxc.cgroup.memory.limit_in_bytes")); // 0: no limit
    assert_null(conf_get(c, "lxc.cgroup.cpu.cfs_quota_us"));
    char longdir[700];
    memset(longdir, 'd', sizeof longdir - 1);
    longdir[0] = '/';
    longdir[sizeof longdir - 1] = 0;
    p.cdir = longdir;
    assert_int_equal(adapter_lxc_config(&s, &p, c), -ENAMETOOLONG);
    free(c);
}

// Runs `script` with /bin/sh and returns its stdout (static buffer).
static const char *run_sh(const char *script)
{
    static char out[4096];
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        execl("/bin/sh", "sh", "-c", script, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    size_t n = 0;
    ssize_t r;
    while ((r = read(fds[0], out + n, sizeof out - 1 - n)) > 0)
        n += (size_t)r;
    out[n] = 0;
    close(fds[0]);
    int st;
    waitpid(pid, &st, 0);
    return out;
}

static void test_shell_quote_survives_sh(void **state)
{
    const char *nasty[] = {
        "plain", "", "it's", "''", "$HOME `id` $(id) \\ \" ;&|<>*?~#", "new\nline", "tab\there"};
    for (size_t i = 0; i < sizeof nasty / sizeof nasty[0]; i++) {
        char script[512] = "printf %s ";
        assert_int_equal(adapter_lxc_shell_quote(nasty[i], script, sizeof script), 0);
        assert_string_equal(run_sh(script), nasty[i]);
    }
    char small[8] = "";
    assert_int_equal(adapter_lxc_shell_quote("abcdefgh", small, sizeof small), -ENOSPC);
    assert_int_equal(adapter_lxc_shell_quote("ab'", small, 8), -ENOSPC);
}

static void test_init_script_quotes_args_and_env_and_is_valid_sh(void **state)
{
    const char *args[] = {"a b", "it's", "$X"};
    const char *env[] = {"GREETING=hi there", "EMPTY="};
    adapter_vnf_spec s = {.instance_id = "ns1.fw.0",
                          .owner = "ns1",
                          .image = "fw",
                          .args = args,
                          .n_args = 3,
                          .env = env,
                          .n_env = 2};
    char *script = adapter_lxc_init_script(&s, "/vnf/fw");
    assert_non_null(script);
    assert_memory_equal(script, "#!/bin/sh\n", 10);
    assert_non_null(strstr(script, "'/vnf/fw' 'a b' 'it'\\''s' '$X'"));
    assert_non_null(strstr(script, "export GREETING='hi there'\n"));
    assert_non_null(strstr(script, "export EMPTY=''\n"));
    assert_non_null(strstr(script, "export OUTRIG_INSTANCE_ID='ns1.fw.0'\n"));
    assert_non_null(strstr(script, "export OUTRIG_NS_ID='ns1'\n"));
    assert_non_null(strstr(script, "trap '"));
    assert_non_null(strstr(script, ADAPTER_LXC_LOG_DIR));
    // It is valid sh.
    char check[8192];
    snprintf(check, sizeof check, "sh -n <<'EOF_SCRIPT'\n%s\nEOF_SCRIPT\necho syntax-ok", script);
    assert_string_equal(run_sh(check), "syntax-ok\n");
    free(script);
}

static void test_cp_file_is_sourceable(void **state)
{
    adapter_cp_peer peer = {.address = "10.213.0.2", .cp = "ns1.srv.0/eth0"};
    char buf[512], script[1024];
    assert_int_equal(adapter_lxc_cp_file("eth0", "10.213.0.1/24", &peer, buf, sizeof buf), 0);
    snprintf(script, sizeof script, "%s\necho \"$CP_ID|$ADDRESS|$PEER_ADDRESS|$PEER_CP\"", buf);
    assert_string_equal(run_sh(script), "eth0|10.213.0.1/24|10.213.0.2|ns1.srv.0/eth0\n");
    assert_int_equal(adapter_lxc_cp_file("eth0", NULL, NULL, buf, sizeof buf), 0);
    snprintf(script, sizeof script, "%s\necho \"[$ADDRESS][$PEER_ADDRESS]\"", buf);
    assert_string_equal(run_sh(script), "[][]\n");
    assert_int_equal(adapter_lxc_cp_file("eth0", NULL, &peer, buf, 16), -ENOSPC);
}

static void test_label_round_trips_and_rejects_foreign_text(void **state)
{
    adapter_cp cps[2] = {{.id = "in", .address = "10.213.0.1/24"}, {.id = "out"}};
    adapter_vnf_spec s = {.instance_id = "ns1.fw.0",
                          .owner = "ns1",
                          .image = "/opt/images/fw v2",
                          .cps = cps,
                          .n_cps = 2};
    adapter_lxc_label l, back;
    adapter_lxc_label_from_spec(&s, &l);
    char text[2048];
    assert_int_equal(adapter_lxc_label_format(&l, text, sizeof text), 0);
    assert_int_equal(adapter_lxc_label_parse(text, &back), 0);
    assert_string_equal(back.instance, "ns1.fw.0");
    assert_string_equal(back.owner, "ns1");
    assert_string_equal(back.image, "/opt/images/fw v2");
    assert_int_equal(back.n_cps, 2);
    assert_string_equal(back.cps[0].address, "10.213.0.1/24");
    assert_string_equal(back.cps[1].address, "");
    char veth[16];
    adapter_lxc_veth_name("ns1.fw.0", "out", veth);
    assert_string_equal(back.cps[1].host_ifname, veth);
    assert_int_equal(adapter_lxc_label_format(&l, text, 40), -ENOSPC);

    assert_int_equal(adapter_lxc_label_parse("", &back), -EINVAL);
    assert_int_equal(adapter_lxc_label_parse("something else\n", &back), -EINVAL);
    assert_int_equal(adapter_lxc_label_parse("outrig-vnf 1\ninstance x\n", &back), -EINVAL);
    assert_int_equal(adapter_lxc_label_parse("outrig-vnf 1\ninstance x\nowner o\nbogus 1\n", &back),
                     -EINVAL);
    assert_int_equal(
        adapter_lxc_label_parse("outrig-vnf 1\ninstance x\nowner o\ncp lo a -\n", &back), -EINVAL);
    assert_int_equal(adapter_lxc_label_parse("outrig-vnf 1\ninstance x/y\nowner o\n", &back),
                     -EINVAL);
    assert_int_equal(adapter_lxc_label_parse("outrig-vnf 1\ninstance x\nowner o\n", &back), 0);
}

static void test_exec_check_takes_static_elf_and_sh_scripts_only(void **state)
{
    const char *why = NULL;
    unsigned char buf[4096];
    FILE *f = fopen("/bin/busybox", "rb"); // busybox-static: a static ELF
    if (f) {
        size_t n = fread(buf, 1, sizeof buf, f);
        fclose(f);
        assert_int_equal(adapter_lxc_exec_check(buf, n, &why), 0);
    }
    f = fopen("/bin/sh", "rb"); // dash: dynamically linked
    assert_non_null(f);
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    assert_int_equal(adapter_lxc_exec_check(buf, n, &why), -ENOEXEC);
    assert_non_null(strstr(why, "dynamically linked"));
    assert_int_equal(adapter_lxc_exec_check(buf, 20, &why), -ENOEXEC); // truncated

    // A hand-made minimal static ELF64: one PT_LOAD.
    unsigned char e[sizeof(Elf64_Ehdr) + sizeof(Elf64_Phdr)] = {0};
    Elf64_Ehdr *eh = (Elf64_Ehdr *)e;
    memcpy(eh->e_ident, ELFMAG, SELFMAG);
    eh->e_ident[EI_CLASS] = ELFCLASS64;
    eh->e_ident[EI_DATA] = ELFDATA2LSB;
    eh->e_type = ET_EXEC;
    eh->e_phoff = sizeof(Elf64_Ehdr);
    eh->e_phentsize = sizeof(Elf64_Phdr);
    eh->e_phnum = 1;
    ((Elf64_Phdr *)(e + sizeof(Elf64_Ehdr)))->p_type = PT_LOAD;
    assert_int_equal(adapter_lxc_exec_check(e, sizeof e, &why), 0);
    ((Elf64_Phdr *)(e + sizeof(Elf64_Ehdr)))->p_type = PT_INTERP;
    assert_int_equal(adapter_lxc_exec_check(e, sizeof e, &why), -ENOEXEC);
    ((Elf64_Phdr *)(e + sizeof(Elf64_Ehdr)))->p_type = PT_LOAD;
    eh->e_phnum = 2; // headers past the bytes given
    assert_int_equal(adapter_lxc_exec_check(e, sizeof e, &why), -ENOEXEC);
    eh->e_phnum = 1;
    eh->e_type = ET_REL;
    assert_int_equal(adapter_lxc_exec_check(e, sizeof e, &why), -ENOEXEC);

    const char *sh = "#!/bin/sh\necho hi\n";
    assert_int_equal(adapter_lxc_exec_check((const unsigned char *)sh, strlen(sh), &why), 0);
    const char *bash = "#!/bin/bash\necho hi\n";
    assert_int_equal(adapter_lxc_exec_check((const unsigned char *)bash, strlen(bash), &why),
                     -ENOEXEC);
    const char *shx = "#!/bin/shx\n";
    assert_int_equal(adapter_lxc_exec_check((const unsigned char *)shx, strlen(shx), &why),
                     -ENOEXEC);
    assert_int_equal(adapter_lxc_exec_check((const unsigned char *)"", 0, &why), -ENOEXEC);
}

static void test_listed_state_follows_running_and_what_was_asked(void **state)
{
    assert_int_equal(adapter_lxc_state(true, true, "stopped"), ADAPTER_VNF_RUNNING);
    assert_int_equal(adapter_lxc_state(false, false, ""), ADAPTER_VNF_INCOMPLETE);
    assert_int_equal(adapter_lxc_state(true, false, ""), ADAPTER_VNF_CREATED);
    assert_int_equal(adapter_lxc_state(true, false, "started"), ADAPTER_VNF_FAILED);
    assert_int_equal(adapter_lxc_state(true, false, "stopped"), ADAPTER_VNF_STOPPED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_container_name_is_prefixed_and_recognised),
        cmocka_unit_test(test_veth_name_fits_ifnamsiz_is_stable_and_distinct),
        cmocka_unit_test(test_config_has_rootfs_pty_apparmor_init_and_one_veth_per_cp),
        cmocka_unit_test(test_config_without_cps_still_isolates_the_network),
        cmocka_unit_test(test_shell_quote_survives_sh),
        cmocka_unit_test(test_init_script_quotes_args_and_env_and_is_valid_sh),
        cmocka_unit_test(test_cp_file_is_sourceable),
        cmocka_unit_test(test_label_round_trips_and_rejects_foreign_text),
        cmocka_unit_test(test_exec_check_takes_static_elf_and_sh_scripts_only),
        cmocka_unit_test(test_listed_state_follows_running_and_what_was_asked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
