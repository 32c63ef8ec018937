// args: command-line parsing for the outrig CLI. An iterator over argv that
// knows two option tables (global flags and the command's own), so global
// flags may come before or after the command; plus strict number parsing.
// Pure: no printing, no exit; errors are returned with a message.
#ifndef OUTRIG_CLI_ARGS_H
#define OUTRIG_CLI_ARGS_H

#include <stdbool.h>
#include <stdint.h>

// One option: --name [VALUE], or -c [VALUE] when short_name is set.
typedef struct args_opt {
    const char *name; // long name without dashes; NULL ends a table
    char short_name;  // 0 = none
    bool has_value;
    int id; // > 0, returned by args_next
} args_opt;

enum {
    ARGS_END = 0,         // no more arguments
    ARGS_POSITIONAL = -1, // *value is a positional argument ("-" included)
    ARGS_ERROR = -2,      // it->err says what is wrong
};

typedef struct args_iter {
    int argc;
    char **argv;
    int i;
    const args_opt *tables[2]; // searched in order; either may be NULL
    bool stop_at_positional; // leave the first positional in place (ARGS_POSITIONAL, i not advanced
                             // past it)
    bool only_positionals;   // after "--"
    char err[160];
} args_iter;

// Iterates argv[from..argc).
void args_init(args_iter *it, int argc, char **argv, int from, const args_opt *global,
               const args_opt *local);
// Next option id (with *value for options that take one, else NULL),
// ARGS_POSITIONAL with *value, ARGS_END, or ARGS_ERROR (unknown option,
// missing value, value given to a flag).
int args_next(args_iter *it, const char **value);

// Strict unsigned decimal: no sign, no spaces, no trailing bytes, no overflow.
// Returns 0 or -EINVAL / -ERANGE.
int args_parse_u64(const char *s, uint64_t *out);
// The same, bounded by max.
int args_parse_u32(const char *s, uint32_t max, uint32_t *out);

#endif
