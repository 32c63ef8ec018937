// agent_cmd: the CLI groups about hosts and their agents (host_cmd.c, vm_cmd.c).
#ifndef OUTRIG_CLI_AGENT_CMD_H
#define OUTRIG_CLI_AGENT_CMD_H

#include "cli.h"

// outrig host list|tasks HOST
int cmd_host(cli *c, int argc, char **argv, int from);
// outrig vm list|show|create|start|stop|delete [--agent URL]
int cmd_vm(cli *c, int argc, char **argv, int from);
// "none", "preemptive", "opportunistic" for an AgentVmMode value.
const char *cmd_vm_mode_name(int mode);

#endif
