// commands: the outrig command groups. Each runs the words of argv after its
// own name (argv[from..]) and returns the process exit code (cli.h).
#ifndef OUTRIG_CLI_COMMANDS_H
#define OUTRIG_CLI_COMMANDS_H

#include "cli.h"

int cmd_status(cli *c, int argc, char **argv, int from);
int cmd_store(cli *c, int argc, char **argv, int from);
int cmd_events(cli *c, int argc, char **argv, int from);

struct store_client;
// Opens a client of the store at c->store_url, right before its first call (store_cmd.c).
// Returns 0, or CLI_EXIT_UNREACHABLE with the message printed.
int cmd_store_open(cli *c, struct store_client **sc);

// Reads a whole file ("-" = stdin), at most max bytes, into a malloc'd buffer
// the caller frees. Returns 0, or prints why and returns CLI_EXIT_FAIL.
int cmd_read_file(const char *path, size_t max, char **data, size_t *len);
// "2026-11-26T13:08:48.123Z" for Unix ms (t = 0 gives "-").
void cmd_format_time(uint64_t unix_ms, char *buf, size_t len);
// A duration as "3d4h", "2h5m", "4m10s" or "12s" (two units at most).
void cmd_format_uptime(uint64_t ms, char *buf, size_t len);
// Bytes as a JSON member: "<name>" when valid UTF-8, else "<name>_base64".
void cmd_json_bytes(out_json *j, const char *name, const void *data, size_t len);

#endif
