// --check: the start order and each service's command line, for an operator.
#include "plan.h"

#include <limits.h>

#include "argv.h"
#include "spawn.h"
#include "supervisor.h"

void od_print_plan(const cfg_outrig *c, const char *self_dir, FILE *out)
{
    od_sup sup;
    size_t culprit;
    if (od_sup_init(&sup, c, &culprit) < 0)
        return;
    fprintf(out, "config: %s\nrun_dir: %s\ndata_dir: %s\n",
            c->config_path[0] ? c->config_path : "(embedded)", c->run_dir, c->data_dir);
    for (size_t i = 0; i < sup.n; i++) {
        const cfg_service *s = sup.kids[i].svc;
        od_strv cands = {0}, argv = {0};
        char bin[PATH_MAX] = "";
        od_binary_candidates(c, s, self_dir, &cands);
        if (od_resolve_binary(&cands, bin, sizeof bin) < 0)
            snprintf(bin, sizeof bin, "(not found: %s)", cands.n ? cands.v[cands.n - 1] : "");
        od_build_argv(c, s, bin, &argv);
        fprintf(out, "%zu. %s%s:", i + 1, s->name, s->enabled ? "" : " (disabled)");
        for (size_t k = 0; k < argv.n; k++)
            fprintf(out, " %s", argv.v[k]);
        fprintf(out, "\n");
        od_strv_free(&cands);
        od_strv_free(&argv);
    }
}
