// outrig: the command-line client of an Outrigger control plane. main only
// reads the global flags and hands the rest to a command group.
#include <string.h>

#include "agent_cmd.h"
#include "commands.h"
#include "link_cmd.h"
#include "orch_cmd.h"
#include "validate_cmd.h"
#include "util/log.h"

#define SYNOPSIS                                                                                   \
    "outrig [--run-dir DIR] [--store URL] [--hub URL] [--driver URL] [--timeout MS]\n"             \
    "              [--token T] [-o table|json] COMMAND ...\n"                                      \
    "commands:\n"                                                                                  \
    "  status                                  services run by outrigd and their health\n"         \
    "  store get|put|ls|del|watch ...          the state store\n"                                  \
    "  events tail|publish ...                 the event hub\n"                                    \
    "  validate [--strict] FILE...             check SOL006 NSD/VNFD files offline\n"             \
    "  nsd|vnfd add|list|show|delete ...       onboarded descriptors\n"                           \
    "  image add|list|delete ...               the local image catalogue\n"                       \
    "  site add|list|show|delete ...           sites and their adapters\n"                        \
    "  ns create|list|show|delete|scale|heal   network services\n"                               \
    "  op list|show                            lifecycle operations\n"                            \
    "  link list|show                          links between VNF connection points\n"             \
    "  host list|tasks HOST                    hosts (agent leases) and their management tasks\n"  \
    "  vm list|show|create|start|stop|delete   micro-VMs of an agent (--agent URL)\n"              \
    "  version                                 print the version\n"                                \
    "exit codes: 0 ok, 1 operation failed, 2 bad arguments, 3 endpoint unreachable"

static int cmd_version(cli *c, int argc, char **argv, int from)
{
    cli_args a;
    int rc = cli_parse(c, "outrig version", argc, argv, from, NULL, 0, 0, &a);
    if (rc)
        return rc < 0 ? 0 : rc;
    fprintf(c->out, "outrig %s\n", OUTRIG_VERSION);
    return 0;
}

// validate parses its own arguments (it runs offline, with no global flags).
static int cmd_validate_group(cli *c, int argc, char **argv, int from)
{
    return cmd_validate(argc - from + 1, argv + from - 1);
}

static const struct {
    const char *name;
    int (*fn)(cli *c, int argc, char **argv, int from);
} groups[] = {
    {"status", cmd_status},
    {"store", cmd_store},
    {"events", cmd_events},
    {"version", cmd_version},
    {"validate", cmd_validate_group},
    {"nsd", cmd_nsd},
    {"vnfd", cmd_vnfd},
    {"image", cmd_image},
    {"site", cmd_site},
    {"ns", cmd_ns},
    {"op", cmd_op},
    {"link", cmd_link},
    {"host", cmd_host},
    {"vm", cmd_vm},
};

int main(int argc, char **argv)
{
    // The client libraries log at info; a CLI shows only what went wrong.
    log_init("outrig", LOG_ERROR);
    cli c;
    cli_init(&c);
    int from = 1;
    const char *name;
    int rc = cli_next_word(&c, SYNOPSIS, argc, argv, &from, &name);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (strcmp(name, "help") == 0) {
        printf("usage: %s\n", SYNOPSIS);
        return 0;
    }
    for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
        if (strcmp(groups[i].name, name) == 0)
            return groups[i].fn(&c, argc, argv, from);
    return cli_usage(SYNOPSIS, "unknown command '%.40s'", name);
}
