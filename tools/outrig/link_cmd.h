// link_cmd: `outrig link list|show`, the links outrig-linker keeps (--linker URL,
// OUTRIG_LINKER, else ipc://<run-dir>/linker.sock).
#ifndef OUTRIG_CLI_LINK_CMD_H
#define OUTRIG_CLI_LINK_CMD_H

#include "cli.h"
#include "outrig/v1/linker.pb-c.h"
#include "output.h"

int cmd_link(cli *c, int argc, char **argv, int from);

// The links of NS ns from the linker at its usual address, printing nothing on failure (for
// `outrig ns show`). 0 with *out (free with protobuf_c_message_free_unpacked), else non-zero
// and *out NULL.
int link_list_quiet(cli *c, const char *ns, Outrig__V1__LinkListResponse **out);
// The links as a JSON array, or as a table on f.
void link_json_array(out_json *j, Outrig__V1__Link **ls, size_t n);
void link_table_print(FILE *f, Outrig__V1__Link **ls, size_t n);

#endif
