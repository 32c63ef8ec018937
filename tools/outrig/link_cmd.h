// link_cmd: `outrig link list|show`, the links outrig-linker keeps (--linker URL,
// OUTRIG_LINKER, else ipc://<run-dir>/linker.sock).
#ifndef OUTRIG_CLI_LINK_CMD_H
#define OUTRIG_CLI_LINK_CMD_H

#include "cli.h"

int cmd_link(cli *c, int argc, char **argv, int from);

#endif
