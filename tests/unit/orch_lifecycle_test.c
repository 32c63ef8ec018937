// orch plans (services/orchestrator/plan.c) on the example NS (examples/ns), parsed and packed
// the way onboarding stores it: instances, CP addresses and peers, scaling decisions.
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "descriptor.h"
#include "domain.h"

#ifndef OUTRIG_SRC_DIR_DEFAULT
#define OUTRIG_SRC_DIR_DEFAULT "."
#endif

typedef struct ex {
    Outrig__V1__Nsd *nsd;
    Outrig__V1__Vnfd *vnfd[3];
} ex;

static int load(void **state)
{
    const char *src = getenv("OUTRIG_SRC_DIR");
    if (!src)
        src = OUTRIG_SRC_DIR_DEFAULT;
    const char *files[] = {"cgw_vnfd.yaml", "fw_vnfd.yaml", "srv_vnfd.yaml", "cgw_fw_srv_nsd.yaml"};
    desc_set *s = desc_set_new();
    for (int i = 0; i < 4; i++) {
        char p[1024];
        snprintf(p, sizeof p, "%s/examples/ns/%s", src, files[i]);
        if (desc_set_add_file(s, p, NULL, NULL) != 0)
            return -1;
    }
    ex *e = calloc(1, sizeof *e);
    uint8_t *buf;
    size_t len;
    for (int i = 0; i < 3; i++) {
        if (desc_vnfd_pack(desc_set_vnfd(s, (size_t)i), &buf, &len))
            return -1;
        e->vnfd[i] = outrig__v1__vnfd__unpack(NULL, len, buf);
        free(buf);
    }
    if (desc_nsd_pack(desc_set_nsd(s, 0), &buf, &len))
        return -1;
    e->nsd = outrig__v1__nsd__unpack(NULL, len, buf);
    free(buf);
    desc_set_free(s);
    *state = e;
    return 0;
}

static int unload(void **state)
{
    ex *e = *state;
    outrig__v1__nsd__free_unpacked(e->nsd, NULL);
    for (int i = 0; i < 3; i++)
        outrig__v1__vnfd__free_unpacked(e->vnfd[i], NULL);
    free(e);
    return 0;
}

static void test_instantiate_plans_each_profile_minimum(void **state)
{
    ex *e = *state;
    const Outrig__V1__Nsd__Df *df = orch_plan_df(e->nsd, "");
    assert_non_null(df);
    orch_plan_vnf pl[16];
    orch_plan_err err;
    int n = orch_plan_instantiate("demo", df, e->vnfd, 3, pl, 16, &err);
    assert_int_equal(n, 3);
    assert_string_equal(pl[0].instance_id, "demo.cgw.0");
    assert_string_equal(pl[1].instance_id, "demo.fw.0");
    assert_string_equal(pl[2].instance_id, "demo.srv.0");
    assert_string_equal(pl[1].vdu->image, "outrig-vnf-forwarder");
    assert_int_equal(pl[1].vdu->memory_mib, 512);
    // Room for fewer instances than needed is an error, not a silent cut.
    assert_int_equal(orch_plan_instantiate("demo", df, e->vnfd, 3, pl, 2, &err), -ENOSPC);
}

static void test_missing_vnfd_fails_the_plan(void **state)
{
    ex *e = *state;
    orch_plan_vnf pl[16];
    orch_plan_err err;
    int n = orch_plan_instantiate("demo", orch_plan_df(e->nsd, NULL), e->vnfd, 2, pl, 16, &err);
    assert_int_equal(n, -EINVAL);
    assert_non_null(strstr(err.msg, "outrig-srv"));
    assert_null(orch_plan_df(e->nsd, "no-such-df"));
}

static void test_long_ns_name_is_refused(void **state)
{
    char id[80];
    assert_int_equal(orch_instance_id("ns", "p", 3, id, sizeof id), 0);
    assert_string_equal(id, "ns.p.3");
    assert_int_equal(orch_instance_id("n123456789012345678901234567890a",
                                      "profile-with-a-very-long-name-indeed-x", 0, id, sizeof id),
                     -ENAMETOOLONG);
}

static Outrig__V1__VnfRecord *rec_for(ex *e, const char *profile, uint32_t index, int vnfd)
{
    const Outrig__V1__Nsd__Df *df = orch_plan_df(e->nsd, NULL);
    orch_plan_vnf pv = {
        .profile = profile, .index = index, .vnfd = e->vnfd[vnfd], .vdu = e->vnfd[vnfd]->vdu[0]};
    orch_instance_id("demo", profile, index, pv.instance_id, sizeof pv.instance_id);
    Outrig__V1__VnfRecord *r = malloc(sizeof *r);
    outrig__v1__vnf_record__init(r);
    r->ns_id = strdup("demo");
    orch_plan_err err;
    assert_int_equal(orch_plan_cps(e->nsd, df, e->vnfd, 3, &pv, r, &err), 0);
    return r;
}

static void test_cps_get_stable_addresses_and_peers(void **state)
{
    ex *e = *state;
    Outrig__V1__VnfRecord *cgw = rec_for(e, "cgw", 0, 0);
    Outrig__V1__VnfRecord *fw0 = rec_for(e, "fw", 0, 1);
    Outrig__V1__VnfRecord *fw2 = rec_for(e, "fw", 2, 1);
    Outrig__V1__VnfRecord *srv = rec_for(e, "srv", 0, 2);
    assert_int_equal(cgw->n_cps, 1);
    assert_string_equal(cgw->cps[0]->id, "cgw-access");
    assert_string_equal(cgw->cps[0]->virtual_link, "access-net");
    assert_string_equal(cgw->cps[0]->address, "10.10.1.1/24");
    assert_string_equal(cgw->cps[0]->peer_address, "10.10.1.2");
    assert_string_equal(cgw->cps[0]->peer_cp, "demo.fw.0/fw-inside");
    assert_int_equal(fw0->n_cps, 2);
    assert_string_equal(fw0->cps[0]->address, "10.10.1.2/24");
    assert_string_equal(fw0->cps[1]->address, "10.10.2.1/24");
    // The forwarder's downstream peer (its last CP's) is the server.
    assert_string_equal(fw0->cps[1]->peer_address, "10.10.2.4");
    // Blocks sized by max instances: a scaled-out fw never takes the server's address.
    assert_string_equal(fw2->cps[1]->address, "10.10.2.3/24");
    assert_string_equal(srv->cps[0]->address, "10.10.2.4/24");
    assert_string_equal(srv->cps[0]->peer_address, "10.10.2.1");
    Outrig__V1__VnfRecord *all[] = {cgw, fw0, fw2, srv};
    for (int i = 0; i < 4; i++)
        outrig__v1__vnf_record__free_unpacked(all[i], NULL);
}

// A virtual link without a cidr: its CPs still get addresses, from the /24 of the default pool
// that the link's position in the NSD picks, so that a site can set them at creation.
static void test_links_without_cidr_use_the_default_pool(void **state)
{
    ex *e = *state;
    char *saved[2];
    for (int i = 0; i < 2; i++) {
        saved[i] = e->nsd->virtual_link[i]->cidr;
        e->nsd->virtual_link[i]->cidr = "";
    }
    Outrig__V1__VnfRecord *cgw = rec_for(e, "cgw", 0, 0);
    Outrig__V1__VnfRecord *fw0 = rec_for(e, "fw", 0, 1);
    for (int i = 0; i < 2; i++)
        e->nsd->virtual_link[i]->cidr = saved[i];
    assert_string_equal(cgw->cps[0]->address, "10.213.0.1/24");
    assert_string_equal(cgw->cps[0]->peer_address, "10.213.0.2");
    assert_string_equal(fw0->cps[0]->address, "10.213.0.2/24");
    assert_string_equal(fw0->cps[1]->address, "10.213.1.1/24"); // another link, another subnet
    outrig__v1__vnf_record__free_unpacked(cgw, NULL);
    outrig__v1__vnf_record__free_unpacked(fw0, NULL);
}

static void test_scale_out_takes_lowest_free_indexes(void **state)
{
    uint32_t have[] = {0, 2}, add[8], rm[8];
    size_t na, nr;
    orch_plan_err err;
    assert_int_equal(orch_plan_scale(have, 2, 1, 5, 2, 0, add, &na, rm, &nr, &err), 0);
    assert_int_equal(na, 2);
    assert_int_equal(nr, 0);
    assert_int_equal(add[0], 1);
    assert_int_equal(add[1], 3);
}

static void test_scale_in_removes_highest_indexes(void **state)
{
    uint32_t have[] = {3, 0, 1}, add[8], rm[8];
    size_t na, nr;
    orch_plan_err err;
    assert_int_equal(orch_plan_scale(have, 3, 1, 5, 0, 1, add, &na, rm, &nr, &err), 0);
    assert_int_equal(nr, 2);
    assert_int_equal(rm[0], 3);
    assert_int_equal(rm[1], 1);
}

static void test_scale_outside_bounds_is_refused(void **state)
{
    uint32_t have[] = {0}, add[8], rm[8];
    size_t na, nr;
    orch_plan_err err;
    assert_int_equal(orch_plan_scale(have, 1, 1, 3, 3, 0, add, &na, rm, &nr, &err), -ERANGE);
    assert_string_equal(err.field, "delta");
    assert_int_equal(orch_plan_scale(have, 1, 1, 3, -1, 0, add, &na, rm, &nr, &err), -ERANGE);
    assert_int_equal(orch_plan_scale(have, 1, 1, 3, 0, 1, add, &na, rm, &nr, &err), -EINVAL);
    assert_int_equal(na + nr, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_instantiate_plans_each_profile_minimum),
        cmocka_unit_test(test_missing_vnfd_fails_the_plan),
        cmocka_unit_test(test_long_ns_name_is_refused),
        cmocka_unit_test(test_cps_get_stable_addresses_and_peers),
        cmocka_unit_test(test_links_without_cidr_use_the_default_pool),
        cmocka_unit_test(test_scale_out_takes_lowest_free_indexes),
        cmocka_unit_test(test_scale_in_removes_highest_indexes),
        cmocka_unit_test(test_scale_outside_bounds_is_refused),
    };
    return cmocka_run_group_tests(tests, load, unload);
}
