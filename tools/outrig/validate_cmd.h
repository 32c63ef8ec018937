// outrig validate: offline checks of SOL006 NSD/VNFD files (orch_descriptor).
#ifndef OUTRIG_CLI_VALIDATE_CMD_H
#define OUTRIG_CLI_VALIDATE_CMD_H

#include <stdio.h>

// `outrig validate [--strict] [--quiet] FILE...`: argv[0] is the command's own
// name ("validate"), argv[1..argc) its options and files. Parses every file,
// checks references among them (a VNFD not given is a warning, an error with
// --strict) and prints each diagnostic as "file:line:col: error|warning|note: ..."
// on stdout (notes are the fields kept but ignored; --quiet hides them), then a
// summary. Returns 0 without errors, 1 with any, 2 on bad usage.
int cmd_validate(int argc, char **argv);
// The same writing to out (diagnostics, summary) and err (usage).
int cmd_validate_io(int argc, char **argv, FILE *out, FILE *err);

#endif
