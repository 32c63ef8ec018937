// outrig validate: the CLI face of desc_set (services/orchestrator/descriptor).
#include <string.h>

#include "descriptor.h"
#include "validate_cmd.h"

#define VALIDATE_USAGE                                                                             \
    "usage: outrig validate [--strict] [--quiet] FILE...\n"                                        \
    "  checks SOL006 NSD and VNFD files offline, resolving references among them\n"                \
    "  --strict   a reference to a descriptor not given is an error, not a warning\n"              \
    "  --quiet    do not list the fields kept but ignored (notes)\n"                               \
    "exit codes: 0 valid, 1 errors found, 2 bad arguments"

typedef struct vstate {
    FILE *out;
    bool quiet;
    unsigned errors, warnings, notes;
} vstate;

static void print_diag(void *arg, const desc_diag *d)
{
    vstate *v = arg;
    if (d->sev == DESC_ERROR)
        v->errors++;
    else if (d->sev == DESC_WARNING)
        v->warnings++;
    else
        v->notes++;
    if (d->sev == DESC_NOTE && v->quiet)
        return;
    char line[1200];
    fprintf(v->out, "%s\n", desc_diag_format(d, line, sizeof line));
}

int cmd_validate_io(int argc, char **argv, FILE *out, FILE *err)
{
    bool strict = false, quiet = false, opts = true;
    int nfiles = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (opts && strcmp(a, "--") == 0) {
            opts = false;
        } else if (opts && strcmp(a, "--strict") == 0) {
            strict = true;
        } else if (opts && (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0)) {
            quiet = true;
        } else if (opts && (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)) {
            fprintf(out, "%s\n", VALIDATE_USAGE);
            return 0;
        } else if (opts && a[0] == '-' && a[1]) {
            fprintf(err, "outrig validate: unknown option '%.40s'\n%s\n", a, VALIDATE_USAGE);
            return 2;
        } else {
            nfiles++;
        }
    }
    if (nfiles == 0) {
        fprintf(err, "outrig validate: no FILE given\n%s\n", VALIDATE_USAGE);
        return 2;
    }
    desc_set *s = desc_set_new();
    if (!s) {
        fprintf(err, "outrig validate: out of memory\n");
        return 1;
    }
    vstate v = {.out = out, .quiet = quiet};
    opts = true;
    for (int i = 1; i < argc; i++) {
        if (opts && strcmp(argv[i], "--") == 0) {
            opts = false;
            continue;
        }
        if (opts && argv[i][0] == '-' && argv[i][1])
            continue;
        if (desc_set_add_file(s, argv[i], print_diag, &v) < 0) {
            fprintf(err, "outrig validate: out of memory\n");
            desc_set_free(s);
            return 1;
        }
    }
    desc_set_check(s, strict, print_diag, &v);
    fprintf(out, "%d file%s: %zu nsd, %zu vnfd; %u error%s, %u warning%s, %u ignored field%s\n",
            nfiles, nfiles == 1 ? "" : "s", desc_set_n_nsd(s), desc_set_n_vnfd(s), v.errors,
            v.errors == 1 ? "" : "s", v.warnings, v.warnings == 1 ? "" : "s", v.notes,
            v.notes == 1 ? "" : "s");
    desc_set_free(s);
    return v.errors ? 1 : 0;
}

int cmd_validate(int argc, char **argv)
{
    return cmd_validate_io(argc, argv, stdout, stderr);
}
