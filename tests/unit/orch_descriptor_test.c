// orch_descriptor (services/orchestrator/descriptor): the example package,
// every error path with its exact file:line:col, ignored-field reporting,
// cross-references between files, strict mode and the store encoding.
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "descriptor.h"
#include "outrig/v1/descriptor.pb-c.h"

#ifndef OUTRIG_SRC_DIR_DEFAULT
#define OUTRIG_SRC_DIR_DEFAULT "."
#endif

#define MAXD 128

typedef struct diags {
    char line[MAXD][600];
    int n;
    int sev[3];
} diags;

static void collect(void *arg, const desc_diag *d)
{
    diags *g = arg;
    g->sev[d->sev]++;
    if (g->n < MAXD)
        desc_diag_format(d, g->line[g->n++], sizeof g->line[0]);
}

static void dump(const diags *g)
{
    for (int i = 0; i < g->n; i++)
        printf("  | %s\n", g->line[i]);
}

// Fails unless a diagnostic is exactly `want`.
static void expect_line(const diags *g, const char *want)
{
    for (int i = 0; i < g->n; i++)
        if (strcmp(g->line[i], want) == 0)
            return;
    printf("missing diagnostic: %s\ngot:\n", want);
    dump(g);
    fail();
}

static const char *ex(const char *name)
{
    static char buf[8][512];
    static int k;
    k = (k + 1) % 8;
    const char *src = getenv("OUTRIG_SRC_DIR");
    snprintf(buf[k], sizeof buf[k], "%s/examples/ns/%s", src ? src : OUTRIG_SRC_DIR_DEFAULT, name);
    return buf[k];
}

// Parses one YAML text named t.yaml into a new set; returns its error count.
static int parse(desc_set **s, const char *yaml, diags *g)
{
    memset(g, 0, sizeof *g);
    *s = desc_set_new();
    assert_non_null(*s);
    int rc = desc_set_add_buf(*s, "t.yaml", yaml, strlen(yaml), collect, g);
    assert_true(rc >= 0);
    assert_int_equal(rc, g->sev[DESC_ERROR]);
    return rc;
}

// Parses one text and expects exactly one error, `want`.
static void expect_one_error(const char *yaml, const char *want)
{
    desc_set *s;
    diags g;
    int rc = parse(&s, yaml, &g);
    expect_line(&g, want);
    if (rc != 1) {
        dump(&g);
        fail_msg("expected 1 error, got %d", rc);
    }
    desc_set_free(s);
}

// A valid VNFD; tests change one line of it.
static const char VNFD[] = "vnfd:\n"                                 // 1
                           "  id: v1\n"                              // 2
                           "  vdu:\n"                                // 3
                           "    - id: a\n"                           // 4
                           "      sw-image-desc: img\n"              // 5
                           "      virtual-compute-desc: c\n"         // 6
                           "      int-cpd:\n"                        // 7
                           "        - id: a-eth0\n"                  // 8
                           "  virtual-compute-desc:\n"               // 9
                           "    - id: c\n"                           // 10
                           "      virtual-cpu:\n"                    // 11
                           "        num-virtual-cpu: 2\n"            // 12
                           "      virtual-memory:\n"                 // 13
                           "        size: 1.5\n"                     // 14
                           "  sw-image-desc:\n"                      // 15
                           "    - id: img\n"                         // 16
                           "      image: prog\n"                     // 17
                           "  ext-cpd:\n"                            // 18
                           "    - id: e0\n"                          // 19
                           "      int-cpd:\n"                        // 20
                           "        vdu-id: a\n"                     // 21
                           "        cpd: a-eth0\n"                   // 22
                           "  mgmt-cp: e0\n"                         // 23
                           "  df:\n"                                 // 24
                           "    - id: d\n"                           // 25
                           "      vdu-profile:\n"                    // 26
                           "        - id: a\n"                       // 27
                           "          min-number-of-instances: 1\n"  // 28
                           "          max-number-of-instances: 2\n"; // 29

// VNFD with the first occurrence of `from` replaced by `to` (a static buffer).
static const char *vnfd_with(const char *from, const char *to)
{
    static char buf[4096];
    const char *at = strstr(VNFD, from);
    assert_non_null(at);
    snprintf(buf, sizeof buf, "%.*s%s%s", (int)(at - VNFD), VNFD, to, at + strlen(from));
    return buf;
}

// ---- good packages -------------------------------------------------------------------

static void test_example_package_parses_and_resolves(void **state)
{
    desc_set *s = desc_set_new();
    diags g = {0};
    const char *files[] = {"cgw_fw_srv_nsd.yaml", "cgw_vnfd.yaml", "fw_vnfd.yaml", "srv_vnfd.yaml"};
    for (int i = 0; i < 4; i++)
        assert_int_equal(desc_set_add_file(s, ex(files[i]), collect, &g), 0);
    assert_int_equal(desc_set_check(s, true, collect, &g), 0);
    assert_int_equal(g.sev[DESC_WARNING], 0);
    assert_int_equal(desc_set_n_nsd(s), 1);
    assert_int_equal(desc_set_n_vnfd(s), 3);

    const desc_vnfd *fw = desc_set_find_vnfd(s, "outrig-fw");
    assert_non_null(fw);
    assert_string_equal(fw->version, "1.0");
    assert_int_equal(fw->n_vdu, 1);
    assert_int_equal(fw->vdu[0].n_int_cpd, 2);
    assert_string_equal(fw->vdu[0].int_cpd[1].id, "fw-outside");
    assert_string_equal(fw->vdu[0].int_cpd[1].layer_protocol, "ipv4");
    const desc_sw_image *img = desc_vnfd_sw_image(fw, fw->vdu[0].sw_image.id);
    assert_string_equal(img->image, "outrig-vnf-forwarder");
    const desc_compute *c = desc_vnfd_compute(fw, fw->vdu[0].compute.id);
    assert_int_equal(c->vcpus, 1);
    assert_int_equal(c->memory_mib, 512);
    assert_string_equal(fw->ext_cpd[1].cpd.id, "fw-outside");
    assert_string_equal(fw->mgmt_cp.id, "fw-inside-ext");
    const desc_vnf_df *df = desc_vnfd_df(fw, NULL);
    assert_int_equal(df->vdu_profile[0].min, 1);
    assert_int_equal(df->vdu_profile[0].max, 3);
    assert_int_equal(df->n_aspect, 1);
    assert_int_equal(df->aspect[0].max_scale_level, 2);
    assert_int_equal(df->aspect[0].n_vdu_delta, 1);
    assert_string_equal(df->aspect[0].vdu_delta[0].vdu.id, "fw");
    assert_int_equal(fw->n_ignored, 1);
    assert_string_equal(fw->ignored[0].path, "vnfd.df[0].lcm-operations-configuration");
    assert_true(fw->ignored[0].known);
    assert_int_equal(fw->ignored[0].pos.line, 60);
    assert_non_null(strstr(fw->ignored[0].value_json, "\"charm\":\"fw-charm\""));

    const desc_nsd *n = desc_set_find_nsd(s, "cgw-fw-srv");
    assert_non_null(n);
    assert_int_equal(n->n_vnfd_id, 3);
    assert_int_equal(n->n_vld, 2);
    assert_string_equal(desc_nsd_vld(n, "core-net")->cidr, "10.10.2.0/24");
    assert_int_equal(n->n_df, 1);
    const desc_vnf_profile *p = &n->df[0].vnf_profile[1];
    assert_string_equal(p->id, "fw");
    assert_int_equal(p->max, 3);
    assert_int_equal(p->n_conn, 2);
    assert_string_equal(desc_nsd_resolve_vl(n, &n->df[0], p->conn[1].vl_profile.id)->id,
                        "core-net");
    assert_string_equal(p->conn[1].cpd[0].cpd.id, "fw-outside-ext");
    assert_int_equal(n->n_ignored, 0);
    desc_set_free(s);
}

static void test_vnfd_list_and_wrapped_forms(void **state)
{
    const char *list = "vnfd:\n"
                       "  - id: x\n"
                       "    vdu: [{id: a, sw-image-desc: i}]\n"
                       "    sw-image-desc: [{id: i, image: p}]\n"
                       "  - id: y\n"
                       "    vdu: [{id: a, sw-image-desc: i}]\n"
                       "    sw-image-desc: [{id: i, image: p}]\n";
    desc_set *s;
    diags g;
    if (parse(&s, list, &g))
        dump(&g);
    assert_int_equal(g.sev[DESC_ERROR], 0);
    assert_int_equal(desc_set_n_vnfd(s), 2);
    assert_string_equal(desc_set_vnfd(s, 1)->id, "y");
    // Defaults: no compute desc, no df.
    assert_null(desc_set_vnfd(s, 0)->vdu[0].compute.id);
    desc_set_free(s);

    const char *wrapped = "etsi-nfv-vnfd:vnfd:\n"
                          "  vnfd:\n"
                          "    - id: z\n"
                          "      vdu: [{id: a, sw-image-desc: i}]\n"
                          "      sw-image-desc: [{id: i, image: p}]\n";
    assert_int_equal(parse(&s, wrapped, &g), 0);
    assert_string_equal(desc_set_vnfd(s, 0)->id, "z");
    desc_set_free(s);

    const char *nsd_list = "nsd:\n"
                           "  - id: n1\n"
                           "  - id: n2\n";
    assert_int_equal(parse(&s, nsd_list, &g), 0);
    assert_int_equal(desc_set_n_nsd(s), 2);
    desc_set_free(s);
}

static void test_memory_size_gb_to_mib(void **state)
{
    desc_set *s;
    diags g;
    assert_int_equal(parse(&s, VNFD, &g), 0);
    const desc_vnfd *v = desc_set_vnfd(s, 0);
    assert_int_equal(v->compute[0].vcpus, 2);
    assert_int_equal(v->compute[0].memory_mib, 1536);
    desc_set_free(s);
    assert_int_equal(parse(&s, vnfd_with("size: 1.5", "size: 2"), &g), 0);
    assert_int_equal(desc_set_vnfd(s, 0)->compute[0].memory_mib, 2048);
    desc_set_free(s);
    assert_int_equal(parse(&s, vnfd_with("size: 1.5", "size: .125"), &g), 0);
    assert_int_equal(desc_set_vnfd(s, 0)->compute[0].memory_mib, 128);
    desc_set_free(s);
}

// An OSM hackfest-style package (as `osm nfpkg-create` writes it): it parses with
// no error or warning, its OSM-only fields listed as notes.
static void test_osm_style_package_parses(void **state)
{
    const char *vnfd = "vnfd:\n"
                       "  id: hackfest_basic-vnf\n"
                       "  description: A basic VNF descriptor w/ one VDU\n"
                       "  df:\n"
                       "  - id: default-df\n"
                       "    instantiation-level:\n"
                       "    - id: default-instantiation-level\n"
                       "      vdu-level:\n"
                       "      - number-of-instances: 1\n"
                       "        vdu-id: hackfest_basic-VM\n"
                       "    vdu-profile:\n"
                       "    - id: hackfest_basic-VM\n"
                       "      min-number-of-instances: 1\n"
                       "  ext-cpd:\n"
                       "  - id: vnf-cp0-ext\n"
                       "    int-cpd:\n"
                       "      cpd: vdu-eth0-int\n"
                       "      vdu-id: hackfest_basic-VM\n"
                       "  mgmt-cp: vnf-cp0-ext\n"
                       "  product-name: hackfest_basic-vnf\n"
                       "  sw-image-desc:\n"
                       "  - id: ubuntu20.04\n"
                       "    image: ubuntu20.04\n"
                       "    name: ubuntu20.04\n"
                       "  vdu:\n"
                       "  - id: hackfest_basic-VM\n"
                       "    cloud-init-file: cloud-config.txt\n"
                       "    int-cpd:\n"
                       "    - id: vdu-eth0-int\n"
                       "      virtual-network-interface-requirement:\n"
                       "      - name: vdu-eth0\n"
                       "        virtual-interface:\n"
                       "          type: PARAVIRT\n"
                       "    name: hackfest_basic-VM\n"
                       "    sw-image-desc: ubuntu20.04\n"
                       "    virtual-compute-desc: hackfest_basic-VM-compute\n"
                       "    virtual-storage-desc:\n"
                       "    - hackfest_basic-VM-storage\n"
                       "  version: 1.0\n"
                       "  virtual-compute-desc:\n"
                       "  - id: hackfest_basic-VM-compute\n"
                       "    virtual-cpu:\n"
                       "      num-virtual-cpu: 1\n"
                       "    virtual-memory:\n"
                       "      size: 1.0\n"
                       "  virtual-storage-desc:\n"
                       "  - id: hackfest_basic-VM-storage\n"
                       "    size-of-storage: 10\n";
    const char *nsd = "nsd:\n"
                      "  nsd:\n"
                      "  - description: Simple NS with a single VNF and a single VL\n"
                      "    designer: OSM\n"
                      "    df:\n"
                      "    - id: default-df\n"
                      "      vnf-profile:\n"
                      "      - id: vnf1\n"
                      "        virtual-link-connectivity:\n"
                      "        - constituent-cpd-id:\n"
                      "          - constituent-base-element-id: vnf1\n"
                      "            constituent-cpd-id: vnf-cp0-ext\n"
                      "            ip-address: 10.0.0.5\n"
                      "          virtual-link-profile-id: mgmtnet\n"
                      "        vnfd-id: hackfest_basic-vnf\n"
                      "    id: hackfest_basic-ns\n"
                      "    name: hackfest_basic-ns\n"
                      "    version: 1.0\n"
                      "    virtual-link-desc:\n"
                      "    - id: mgmtnet\n"
                      "      mgmt-network: true\n"
                      "      vim-network-name: mgmt\n"
                      "    vnfd-id:\n"
                      "    - hackfest_basic-vnf\n";
    diags g = {0};
    desc_set *s = desc_set_new();
    assert_int_equal(desc_set_add_buf(s, "vnfd.yaml", vnfd, strlen(vnfd), collect, &g), 0);
    assert_int_equal(desc_set_add_buf(s, "nsd.yaml", nsd, strlen(nsd), collect, &g), 0);
    assert_int_equal(desc_set_check(s, true, collect, &g), 0);
    if (g.sev[DESC_WARNING])
        dump(&g);
    assert_int_equal(g.sev[DESC_WARNING], 0);
    expect_line(&g, "vnfd.yaml:27:5: note: vnfd.vdu[0].cloud-init-file is not acted on by the "
                    "orchestrator; kept");
    expect_line(&g, "nsd.yaml:13:13: note: nsd.nsd[0].df[0].vnf-profile[0]."
                    "virtual-link-connectivity[0].constituent-cpd-id[0].ip-address is not acted "
                    "on by the orchestrator; kept");
    assert_int_equal(g.sev[DESC_NOTE], 5);
    const desc_vnfd *v = desc_set_vnfd(s, 0);
    assert_string_equal(v->version, "1.0");
    assert_int_equal(v->compute[0].memory_mib, 1024);
    assert_true(desc_set_nsd(s, 0)->vld[0].mgmt_network);
    desc_set_free(s);
}

// ---- error paths ---------------------------------------------------------------------

static void test_error_bad_yaml_has_position(void **state)
{
    desc_set *s;
    diags g;
    assert_int_equal(parse(&s, "vnfd:\n  id: [a, b\n  vdu: x\n", &g), 1);
    assert_int_equal(strncmp(g.line[0], "t.yaml:", 7), 0);
    // libyaml reports an unclosed flow sequence where it notices it.
    assert_non_null(strstr(g.line[0], ": error: "));
    assert_true(atoi(g.line[0] + 7) >= 2);
    desc_set_free(s);
    expect_one_error("vnfd:\n  id: a\n  id: b\n",
                     "t.yaml:3:3: error: duplicate key 'id' (first at line 2)");
}

static void test_error_wrong_types(void **state)
{
    expect_one_error(vnfd_with("  vdu:\n    - id: a\n      sw-image-desc: img\n"
                               "      virtual-compute-desc: c\n      int-cpd:\n"
                               "        - id: a-eth0\n",
                               "  vdu: {id: a}\n"),
                     "t.yaml:3:8: error: vnfd.vdu: expected a sequence, got a mapping");
    expect_one_error(vnfd_with("sw-image-desc: img", "sw-image-desc: [img]"),
                     "t.yaml:5:22: error: vnfd.vdu[0].sw-image-desc: expected a string, got "
                     "a sequence");
    expect_one_error("vnfd:\n  id: v\n  vdu:\n    - a\n",
                     "t.yaml:4:7: error: vnfd.vdu[0]: expected a mapping, got a scalar");
    expect_one_error("nsd:\n  nsd:\n    - id: n\n      virtual-link-desc:\n"
                     "        - id: l\n          mgmt-network: maybe\n",
                     "t.yaml:6:25: error: nsd.nsd[0].virtual-link-desc[0].mgmt-network: "
                     "expected true or false, got 'maybe'");
    expect_one_error("vnfd: 3\n", "t.yaml:1:7: error: vnfd: expected a mapping or a sequence, "
                                  "got a scalar");
    expect_one_error("- vnfd\n", "t.yaml:1:1: error: expected a mapping with an nsd or vnfd "
                                 "key, got a sequence");
    expect_one_error("other: 1\n", "t.yaml:1:1: error: no nsd or vnfd key at the top level");
    expect_one_error("", "t.yaml: error: empty document: expected an nsd or vnfd");
}

static void test_error_missing_required_fields(void **state)
{
    expect_one_error(vnfd_with("    - id: a\n      sw", "    - name: a\n      sw"),
                     "t.yaml:4:7: error: vnfd.vdu[0]: missing required field 'id'");
    expect_one_error(vnfd_with("  id: v1\n", "  version: 1\n"),
                     "t.yaml:2:3: error: vnfd: missing required field 'id'");
    expect_one_error(vnfd_with("      image: prog\n", "      name: prog\n"),
                     "t.yaml:16:7: error: vnfd.sw-image-desc[0]: missing required field "
                     "'image'");
    expect_one_error(vnfd_with("        cpd: a-eth0\n", ""),
                     "t.yaml:21:9: error: vnfd.ext-cpd[0].int-cpd: missing required field "
                     "'cpd'");
    expect_one_error(vnfd_with("        size: 1.5\n", "        mem-policy: STRICT\n"),
                     "t.yaml:14:9: error: vnfd.virtual-compute-desc[0].virtual-memory: "
                     "missing required field 'size'");
    expect_one_error("nsd:\n  nsd:\n    - id: n\n      vnfd-id: [v]\n      df:\n"
                     "        - id: d\n          vnf-profile:\n            - id: p\n",
                     "t.yaml:8:15: error: nsd.nsd[0].df[0].vnf-profile[0]: missing required "
                     "field 'vnfd-id'");
    expect_one_error("vnfd:\n  id: x\n", "t.yaml:2:3: error: vnfd: a vnfd needs at least one vdu");
    expect_one_error("vnfd:\n  id: x\n  kdu: [{name: k}]\n  vdu: []\n",
                     "t.yaml:4:8: error: vnfd: a vnfd needs at least one vdu (kdu-only VNFDs "
                     "are not supported)");
    expect_one_error(vnfd_with("      int-cpd:\n        vdu-id: a\n        cpd: a-eth0\n", ""),
                     "t.yaml:19:7: error: vnfd.ext-cpd[0]: needs int-cpd (vdu-id and cpd) or "
                     "int-virtual-link-desc");
}

static void test_error_duplicate_ids(void **state)
{
    expect_one_error(vnfd_with("        - id: a-eth0\n", "        - id: a-eth0\n"
                                                         "        - id: a-eth0\n"),
                     "t.yaml:9:11: error: duplicate int-cpd id 'a-eth0' (first at line 8:11)");
    expect_one_error(vnfd_with("  df:\n", "  df:\n    - id: d\n"),
                     "t.yaml:26:7: error: duplicate df id 'd' (first at line 25:7)");
    expect_one_error("nsd:\n  nsd:\n    - id: n\n      vnfd-id: [v, w, v]\n",
                     "t.yaml:4:23: error: duplicate vnfd id 'v' (first at line 4:17)");
    // Several duplicates are reported in file order.
    desc_set *s;
    diags g;
    assert_int_equal(parse(&s, "nsd:\n  - id: n\n    vnfd-id: [b, a, b, a]\n", &g), 2);
    assert_string_equal(g.line[0],
                        "t.yaml:3:21: error: duplicate vnfd id 'b' (first at line 3:15)");
    assert_string_equal(g.line[1],
                        "t.yaml:3:24: error: duplicate vnfd id 'a' (first at line 3:18)");
    desc_set_free(s);
    // Across files of a set.
    assert_int_equal(parse(&s, VNFD, &g), 0);
    assert_int_equal(desc_set_add_buf(s, "u.yaml", VNFD, strlen(VNFD), collect, &g), 1);
    expect_line(&g, "u.yaml:2:3: error: duplicate vnfd id 'v1' (first in t.yaml:2:3)");
    assert_int_equal(desc_set_n_vnfd(s), 1);
    desc_set_free(s);
}

static void test_error_bad_numbers(void **state)
{
    expect_one_error(vnfd_with("num-virtual-cpu: 2", "num-virtual-cpu: two"),
                     "t.yaml:12:26: error: vnfd.virtual-compute-desc[0].virtual-cpu."
                     "num-virtual-cpu: expected an integer, got 'two'");
    expect_one_error(vnfd_with("num-virtual-cpu: 2", "num-virtual-cpu: 0"),
                     "t.yaml:12:26: error: vnfd.virtual-compute-desc[0].virtual-cpu."
                     "num-virtual-cpu: 0 is out of range [1, 1024]");
    expect_one_error(vnfd_with("size: 1.5", "size: -1"),
                     "t.yaml:14:15: error: vnfd.virtual-compute-desc[0].virtual-memory.size: "
                     "expected a number of GB (like 0.5 or 2), got '-1'");
    expect_one_error(vnfd_with("size: 1.5", "size: 1e3"),
                     "t.yaml:14:15: error: vnfd.virtual-compute-desc[0].virtual-memory.size: "
                     "expected a number of GB (like 0.5 or 2), got '1e3'");
    expect_one_error(vnfd_with("size: 1.5", "size: 0.0000001"),
                     "t.yaml:14:15: error: vnfd.virtual-compute-desc[0].virtual-memory.size: "
                     "0.0000001 GB is out of range (1 MiB to 65536 GB)");
    expect_one_error(vnfd_with("min-number-of-instances: 1", "min-number-of-instances: 20000"),
                     "t.yaml:28:36: error: vnfd.df[0].vdu-profile[0].min-number-of-instances: "
                     "20000 is out of range [0, 10000]");
    expect_one_error(vnfd_with("min-number-of-instances: 1", "min-number-of-instances: 3"),
                     "t.yaml:29:36: error: vnfd.df[0].vdu-profile[0]: max-number-of-instances "
                     "2 is below min-number-of-instances 3");
    expect_one_error("nsd:\n  - id: n\n    virtual-link-desc:\n      - id: l\n"
                     "        cidr: 10.0.0.0/33\n",
                     "t.yaml:5:15: error: nsd[0].virtual-link-desc[0].cidr: expected a CIDR "
                     "prefix like 10.0.1.0/24, got '10.0.0.0/33'");
}

static void test_error_dangling_references_inside_vnfd(void **state)
{
    expect_one_error(vnfd_with("sw-image-desc: img", "sw-image-desc: imag"),
                     "t.yaml:5:22: error: sw-image-desc 'imag' is not defined in vnfd 'v1'");
    expect_one_error(vnfd_with("virtual-compute-desc: c", "virtual-compute-desc: k"),
                     "t.yaml:6:29: error: virtual-compute-desc 'k' is not defined in vnfd "
                     "'v1'");
    expect_one_error(vnfd_with("cpd: a-eth0", "cpd: a-eth1"),
                     "t.yaml:22:14: error: int-cpd 'a-eth1' is not defined in vdu 'a'");
    expect_one_error(vnfd_with("vdu-id: a", "vdu-id: b"),
                     "t.yaml:21:17: error: vdu 'b' is not defined in vnfd 'v1'");
    expect_one_error(vnfd_with("mgmt-cp: e0", "mgmt-cp: e1"),
                     "t.yaml:23:12: error: ext-cpd 'e1' is not defined in vnfd 'v1'");
    expect_one_error(vnfd_with("        - id: a\n          min", "        - id: z\n          min"),
                     "t.yaml:27:15: error: vdu 'z' is not defined in vnfd 'v1'");
    expect_one_error(vnfd_with("        - id: a-eth0\n",
                               "        - id: a-eth0\n          int-virtual-link-desc: vl\n"),
                     "t.yaml:9:34: error: int-virtual-link-desc 'vl' is not defined in vnfd "
                     "'v1'");
    expect_one_error(vnfd_with("          max-number-of-instances: 2\n",
                               "          max-number-of-instances: 2\n"
                               "      instantiation-level:\n"
                               "        - id: l\n"
                               "          vdu-level:\n"
                               "            - vdu-id: a\n"
                               "              number-of-instances: 3\n"),
                     "t.yaml:33:23: error: instantiation-level 'l' asks for 3 instances of vdu "
                     "'a', outside its vdu-profile bounds [1, 2]");
}

// An NSD of two profiles over vnfd v1 (the VNFD above) and one virtual link.
static const char NSD[] = "nsd:\n"                                                  // 1
                          "  nsd:\n"                                                // 2
                          "    - id: n\n"                                           // 3
                          "      vnfd-id:\n"                                        // 4
                          "        - v1\n"                                          // 5
                          "      virtual-link-desc:\n"                              // 6
                          "        - id: net\n"                                     // 7
                          "      df:\n"                                             // 8
                          "        - id: d\n"                                       // 9
                          "          virtual-link-profile:\n"                       // 10
                          "            - id: net-p\n"                               // 11
                          "              virtual-link-desc-id: net\n"               // 12
                          "          vnf-profile:\n"                                // 13
                          "            - id: p1\n"                                  // 14
                          "              vnfd-id: v1\n"                             // 15
                          "              flavour-id: d\n"                           // 16
                          "              virtual-link-connectivity:\n"              // 17
                          "                - virtual-link-profile-id: net-p\n"      // 18
                          "                  constituent-cpd-id:\n"                 // 19
                          "                    - constituent-base-element-id: p1\n" // 20
                          "                      constituent-cpd-id: e0\n"          // 21
                          "            - id: p2\n"                                  // 22
                          "              vnfd-id: v1\n"                             // 23
                          "              virtual-link-connectivity:\n"              // 24
                          "                - virtual-link-profile-id: net\n"        // 25
                          "                  constituent-cpd-id:\n"                 // 26
                          "                    - constituent-base-element-id: p2\n" // 27
                          "                      constituent-cpd-id: e0\n";         // 28

static const char *nsd_with(const char *from, const char *to)
{
    static char buf[4096];
    const char *at = strstr(NSD, from);
    assert_non_null(at);
    snprintf(buf, sizeof buf, "%.*s%s%s", (int)(at - NSD), NSD, to, at + strlen(from));
    return buf;
}

// Parses VNFD as v.yaml and nsd as n.yaml, runs the set check; returns all errors.
static int check_pair(const char *nsd, bool strict, diags *g)
{
    memset(g, 0, sizeof *g);
    desc_set *s = desc_set_new();
    int e = desc_set_add_buf(s, "v.yaml", VNFD, strlen(VNFD), collect, g);
    e += desc_set_add_buf(s, "n.yaml", nsd, strlen(nsd), collect, g);
    e += desc_set_check(s, strict, collect, g);
    desc_set_free(s);
    return e;
}

static void expect_pair_error(const char *nsd, const char *want)
{
    diags g;
    int e = check_pair(nsd, false, &g);
    expect_line(&g, want);
    if (e != 1) {
        dump(&g);
        fail_msg("expected 1 error, got %d", e);
    }
}

static void test_nsd_cross_references_resolve(void **state)
{
    diags g;
    assert_int_equal(check_pair(NSD, true, &g), 0);
    assert_int_equal(g.n, 0);
}

static void test_error_dangling_references_in_nsd(void **state)
{
    expect_pair_error(nsd_with("constituent-cpd-id: e0\n            - id: p2",
                               "constituent-cpd-id: e9\n            - id: p2"),
                      "n.yaml:21:43: error: ext-cpd 'e9' is not defined in vnfd 'v1'");
    expect_pair_error(
        nsd_with("constituent-base-element-id: p2", "constituent-base-element-id: p3"),
        "n.yaml:27:52: error: vnf-profile 'p3' is not defined in df 'd'");
    expect_pair_error(nsd_with("virtual-link-profile-id: net\n", "virtual-link-profile-id: nt\n"),
                      "n.yaml:25:44: error: virtual-link-profile-id 'nt' names no "
                      "virtual-link-profile of df 'd' nor virtual-link-desc of nsd 'n'");
    expect_pair_error(nsd_with("virtual-link-desc-id: net", "virtual-link-desc-id: ne"),
                      "n.yaml:12:37: error: virtual-link-desc 'ne' is not defined in nsd 'n'");
    expect_pair_error(nsd_with("flavour-id: d", "flavour-id: big"),
                      "n.yaml:16:27: error: df 'big' is not defined in vnfd 'v1'");
    expect_pair_error(nsd_with("              flavour-id: d\n",
                               "              flavour-id: d\n"
                               "              instantiation-level: lvl\n"),
                      "n.yaml:17:36: error: instantiation-level 'lvl' is not defined in df 'd'");
    expect_pair_error(nsd_with("              vnfd-id: v1\n              virtual",
                               "              vnfd-id: v2\n              virtual"),
                      "n.yaml:23:24: error: vnfd 'v2' is not in the vnfd-id list of nsd 'n'");
}

static void test_missing_vnfd_is_warning_then_strict_error(void **state)
{
    const char *nsd = nsd_with("        - v1\n", "        - v1\n        - v9\n");
    diags g;
    assert_int_equal(check_pair(nsd, false, &g), 0);
    expect_line(&g, "n.yaml:6:11: warning: vnfd 'v9' is not among the descriptors given; its "
                    "references are not checked");
    assert_int_equal(check_pair(nsd, true, &g), 1);
    expect_line(&g, "n.yaml:6:11: error: vnfd 'v9' is not among the descriptors given "
                    "(--strict)");
    // validate over files: the same through desc_validate_files.
    const char *paths[] = {ex("cgw_fw_srv_nsd.yaml"), ex("fw_vnfd.yaml")};
    memset(&g, 0, sizeof g);
    assert_int_equal(desc_validate_files(paths, 2, false, collect, &g), 0);
    assert_int_equal(g.sev[DESC_WARNING], 2);
    memset(&g, 0, sizeof g);
    assert_int_equal(desc_validate_files(paths, 2, true, collect, &g), 2);
}

static void test_cidr_from_vl_profile_and_conflict(void **state)
{
    const char *ok = nsd_with("              virtual-link-desc-id: net\n",
                              "              virtual-link-desc-id: net\n"
                              "              virtual-link-protocol-data:\n"
                              "                - associated-layer-protocol: ipv4\n"
                              "                  l3-protocol-data:\n"
                              "                    cidr: 192.168.7.0/24\n"
                              "                    ip-version: ipv4\n");
    diags g;
    assert_int_equal(check_pair(ok, true, &g), 0);
    // ip-version and associated-layer-protocol are kept as ignored notes.
    assert_int_equal(g.sev[DESC_NOTE], 2);
    desc_set *s = desc_set_new();
    assert_int_equal(desc_set_add_buf(s, "n.yaml", ok, strlen(ok), NULL, NULL), 0);
    uint8_t *buf;
    size_t len;
    assert_int_equal(desc_nsd_pack(desc_set_nsd(s, 0), &buf, &len), 0);
    Outrig__V1__Nsd *m = outrig__v1__nsd__unpack(NULL, len, buf);
    assert_non_null(m);
    assert_string_equal(m->virtual_link[0]->cidr, "192.168.7.0/24");
    assert_string_equal(
        m->df[0]->vnf_profile[0]->virtual_link_connectivity[0]->virtual_link_desc_id, "net");
    outrig__v1__nsd__free_unpacked(m, NULL);
    free(buf);
    desc_set_free(s);

    // Both the virtual-link-desc and its profile give a cidr, and they differ.
    const char *clash =
        nsd_with("        - id: net\n", "        - id: net\n          cidr: 10.1.0.0/16\n");
    char both[4096];
    snprintf(both, sizeof both, "%s", clash);
    const char *at = strstr(both, "              virtual-link-desc-id: net\n");
    assert_non_null(at);
    char full[4096];
    snprintf(full, sizeof full, "%.*s%s%s", (int)(at - both), both,
             "              virtual-link-desc-id: net\n"
             "              virtual-link-protocol-data:\n"
             "                - l3-protocol-data: {cidr: 10.2.0.0/16}\n",
             at + strlen("              virtual-link-desc-id: net\n"));
    expect_pair_error(full, "n.yaml:15:44: error: cidr 10.2.0.0/16 of virtual-link-profile "
                            "'net-p' conflicts with cidr 10.1.0.0/16 of virtual-link-desc 'net' "
                            "(line 8:17)");
}

static void test_errors_do_not_stop_parsing(void **state)
{
    const char *y = "vnfd:\n"
                    "  id: v\n"
                    "  vdu:\n"
                    "    - id: a\n"
                    "      sw-image-desc: [x]\n"
                    "    - name: b\n"
                    "      sw-image-desc: i\n"
                    "  sw-image-desc:\n"
                    "    - id: i\n"
                    "      image: {p: 1}\n";
    desc_set *s;
    diags g;
    assert_int_equal(parse(&s, y, &g), 3);
    expect_line(&g, "t.yaml:5:22: error: vnfd.vdu[0].sw-image-desc: expected a string, got a "
                    "sequence");
    expect_line(&g, "t.yaml:6:7: error: vnfd.vdu[1]: missing required field 'id'");
    expect_line(&g, "t.yaml:10:14: error: vnfd.sw-image-desc[0].image: expected a string, got "
                    "a mapping");
    // A descriptor with errors is kept (its id is known) but marked.
    assert_true(desc_set_vnfd(s, 0)->has_errors);
    uint8_t *buf;
    size_t len;
    assert_int_equal(desc_vnfd_pack(desc_set_vnfd(s, 0), &buf, &len), -EINVAL);
    desc_set_free(s);
}

// ---- ignored fields ------------------------------------------------------------------

static void test_ignored_and_unknown_fields_are_kept_and_reported(void **state)
{
    const char *y = vnfd_with("      virtual-compute-desc: c\n", "      virtual-compute-desc: c\n"
                                                                 "      cloud-init-file: init.cfg\n"
                                                                 "      colour: blue\n");
    desc_set *s;
    diags g;
    assert_int_equal(parse(&s, y, &g), 0);
    expect_line(&g, "t.yaml:7:7: note: vnfd.vdu[0].cloud-init-file is not acted on by the "
                    "orchestrator; kept");
    expect_line(&g, "t.yaml:8:7: warning: unknown field vnfd.vdu[0].colour; kept and ignored");
    const desc_vnfd *v = desc_set_vnfd(s, 0);
    assert_int_equal(v->n_ignored, 2);
    assert_string_equal(v->ignored[0].path, "vnfd.vdu[0].cloud-init-file");
    assert_true(v->ignored[0].known);
    assert_string_equal(v->ignored[0].value_json, "\"init.cfg\"");
    assert_string_equal(v->ignored[1].path, "vnfd.vdu[0].colour");
    assert_false(v->ignored[1].known);
    assert_int_equal(v->ignored[1].pos.line, 8);
    assert_int_equal(v->ignored[1].pos.col, 7);
    desc_set_free(s);

    // Many ignored fields (the list grows) and top-level unknown keys.
    char big[8192];
    size_t off = snprintf(big, sizeof big, "%s", VNFD);
    for (int i = 0; i < 20; i++)
        off += snprintf(big + off, sizeof big - off, "  x-%d: {a: [1, \"q\\\"\"]}\n", i);
    snprintf(big + off, sizeof big - off, "extra: 1\n");
    assert_int_equal(parse(&s, big, &g), 0);
    v = desc_set_vnfd(s, 0);
    assert_int_equal(v->n_ignored, 20);
    assert_string_equal(v->ignored[19].path, "vnfd.x-19");
    assert_string_equal(v->ignored[19].value_json, "{\"a\":[\"1\",\"q\\\"\"]}");
    expect_line(&g, "t.yaml:50:1: warning: unknown field extra; kept and ignored");
    desc_set_free(s);
}

static void test_day1_primitives_listed_in_nsd_and_vnfd(void **state)
{
    const char *y = "nsd:\n"
                    "  nsd:\n"
                    "    - id: n\n"
                    "      ns-configuration:\n"
                    "        config-primitive: [{name: touch}]\n"
                    "      df:\n"
                    "        - id: d\n"
                    "          scaling-aspect: []\n";
    desc_set *s;
    diags g;
    assert_int_equal(parse(&s, y, &g), 0);
    const desc_nsd *n = desc_set_nsd(s, 0);
    assert_int_equal(n->n_ignored, 2);
    assert_string_equal(n->ignored[0].path, "nsd.nsd[0].ns-configuration");
    assert_int_equal(n->ignored[0].pos.line, 4);
    assert_string_equal(n->ignored[0].value_json, "{\"config-primitive\":[{\"name\":\"touch\"}]}");
    assert_string_equal(n->ignored[1].path, "nsd.nsd[0].df[0].scaling-aspect");
    assert_int_equal(g.sev[DESC_NOTE], 2);
    desc_set_free(s);
}

// ---- store encoding ------------------------------------------------------------------

static void test_vnfd_pack_resolves_image_and_compute(void **state)
{
    desc_set *s = desc_set_new();
    assert_int_equal(desc_set_add_file(s, ex("fw_vnfd.yaml"), NULL, NULL), 0);
    uint8_t *buf;
    size_t len;
    assert_int_equal(desc_vnfd_pack(desc_set_vnfd(s, 0), &buf, &len), 0);
    Outrig__V1__Vnfd *m = outrig__v1__vnfd__unpack(NULL, len, buf);
    assert_non_null(m);
    assert_string_equal(m->id, "outrig-fw");
    assert_int_equal(m->n_vdu, 1);
    assert_string_equal(m->vdu[0]->image, "outrig-vnf-forwarder");
    assert_int_equal(m->vdu[0]->vcpus, 1);
    assert_int_equal(m->vdu[0]->memory_mib, 512);
    assert_int_equal(m->vdu[0]->n_int_cpd, 2);
    assert_int_equal(m->n_ext_cpd, 2);
    assert_string_equal(m->ext_cpd[1]->vdu_id, "fw");
    assert_string_equal(m->mgmt_cp, "fw-inside-ext");
    assert_int_equal(m->df[0]->vdu_profile[0]->max, 3);
    assert_int_equal(m->df[0]->scaling_aspect[0]->vdu_delta[0]->count, 1);
    assert_int_equal(m->n_ignored, 1);
    assert_string_equal(m->ignored[0]->path, "vnfd.df[0].lcm-operations-configuration");
    assert_true(m->ignored[0]->known);
    assert_int_equal(m->ignored[0]->line, 60);
    assert_non_null(strstr(m->source_file, "fw_vnfd.yaml"));
    outrig__v1__vnfd__free_unpacked(m, NULL);
    free(buf);
    desc_set_free(s);
}

static void test_nsd_checked_against_vnfds_read_back_from_store(void **state)
{
    // Onboarding: the VNFDs are packed as the store keeps them, then read back.
    desc_set *src = desc_set_new(), *s = desc_set_new();
    const char *files[] = {"cgw_vnfd.yaml", "fw_vnfd.yaml", "srv_vnfd.yaml"};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(desc_set_add_file(src, ex(files[i]), NULL, NULL), 0);
        uint8_t *buf;
        size_t len;
        assert_int_equal(desc_vnfd_pack(desc_set_vnfd(src, i), &buf, &len), 0);
        // Named after the source file, so that it packs to the same bytes below.
        const char *name = desc_set_vnfd(src, i)->file;
        assert_int_equal(desc_set_add_vnfd_pb(s, name, buf, len), 0);
        assert_int_equal(desc_set_add_vnfd_pb(s, name, buf, len), -EINVAL); // again
        free(buf);
    }
    assert_int_equal(desc_set_add_vnfd_pb(s, "store", "\xff\xff", 2), -EINVAL);
    const desc_vnfd *fw = desc_set_find_vnfd(s, "outrig-fw");
    assert_non_null(fw);
    assert_string_equal(fw->file, desc_set_find_vnfd(src, "outrig-fw")->file);
    assert_string_equal(desc_vnfd_sw_image(fw, fw->vdu[0].sw_image.id)->image,
                        "outrig-vnf-forwarder");
    assert_int_equal(desc_vnfd_compute(fw, fw->vdu[0].compute.id)->memory_mib, 512);
    assert_int_equal(desc_vnfd_df(fw, "default-df")->vdu_profile[0].max, 3);
    assert_int_equal(fw->n_ignored, 1);
    // The stored VNFD packs to the same bytes as the parsed one.
    uint8_t *b1, *b2;
    size_t l1, l2;
    assert_int_equal(desc_vnfd_pack(desc_set_find_vnfd(src, "outrig-fw"), &b1, &l1), 0);
    assert_int_equal(desc_vnfd_pack(fw, &b2, &l2), 0);
    assert_int_equal(l1, l2);
    assert_memory_equal(b1, b2, l1);
    free(b1);
    free(b2);

    diags g = {0};
    assert_int_equal(desc_set_add_file(s, ex("cgw_fw_srv_nsd.yaml"), collect, &g), 0);
    assert_int_equal(desc_set_check(s, true, collect, &g), 0);
    desc_set_free(s);

    // A cpd the stored VNFD lacks is found the same way.
    s = desc_set_new();
    uint8_t *buf;
    size_t len;
    assert_int_equal(desc_vnfd_pack(desc_set_find_vnfd(src, "outrig-srv"), &buf, &len), 0);
    assert_int_equal(desc_set_add_vnfd_pb(s, "store", buf, len), 0);
    free(buf);
    const char *nsd =
        "nsd:\n"
        "  - id: n\n"
        "    vnfd-id: [outrig-srv]\n"
        "    virtual-link-desc: [{id: l}]\n"
        "    df:\n"
        "      - id: d\n"
        "        vnf-profile:\n"
        "          - id: s\n"
        "            vnfd-id: outrig-srv\n"
        "            virtual-link-connectivity:\n"
        "              - virtual-link-profile-id: l\n"
        "                constituent-cpd-id:\n"
        "                  - {constituent-base-element-id: s, constituent-cpd-id: x}\n";
    memset(&g, 0, sizeof g);
    assert_int_equal(desc_set_add_buf(s, "n.yaml", nsd, strlen(nsd), collect, &g), 0);
    assert_int_equal(desc_set_check(s, true, collect, &g), 1);
    expect_line(&g, "n.yaml:13:74: error: ext-cpd 'x' is not defined in vnfd 'outrig-srv'");
    desc_set_free(s);
    desc_set_free(src);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_example_package_parses_and_resolves),
        cmocka_unit_test(test_vnfd_list_and_wrapped_forms),
        cmocka_unit_test(test_memory_size_gb_to_mib),
        cmocka_unit_test(test_osm_style_package_parses),
        cmocka_unit_test(test_error_bad_yaml_has_position),
        cmocka_unit_test(test_error_wrong_types),
        cmocka_unit_test(test_error_missing_required_fields),
        cmocka_unit_test(test_error_duplicate_ids),
        cmocka_unit_test(test_error_bad_numbers),
        cmocka_unit_test(test_error_dangling_references_inside_vnfd),
        cmocka_unit_test(test_nsd_cross_references_resolve),
        cmocka_unit_test(test_error_dangling_references_in_nsd),
        cmocka_unit_test(test_missing_vnfd_is_warning_then_strict_error),
        cmocka_unit_test(test_cidr_from_vl_profile_and_conflict),
        cmocka_unit_test(test_errors_do_not_stop_parsing),
        cmocka_unit_test(test_ignored_and_unknown_fields_are_kept_and_reported),
        cmocka_unit_test(test_day1_primitives_listed_in_nsd_and_vnfd),
        cmocka_unit_test(test_vnfd_pack_resolves_image_and_compute),
        cmocka_unit_test(test_nsd_checked_against_vnfds_read_back_from_store),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
