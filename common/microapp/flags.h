// Internal to microapp: command-line flags and environment overrides.
#ifndef OUTRIG_MICROAPP_FLAGS_H
#define OUTRIG_MICROAPP_FLAGS_H

#include <stddef.h>

#define MICROAPP_MAX_SETS 64
#define MICROAPP_PATH_MAX 512

typedef struct microapp_flags {
    char listen[MICROAPP_PATH_MAX];
    char store[MICROAPP_PATH_MAX];
    char hub[MICROAPP_PATH_MAX];
    char run_dir[MICROAPP_PATH_MAX];
    char data_dir[MICROAPP_PATH_MAX];
    char metrics[MICROAPP_PATH_MAX];
    char log_level[16];
    size_t nsets;
    char *set_keys[MICROAPP_MAX_SETS];   // point into set_buf
    char *set_vals[MICROAPP_MAX_SETS];
    char set_buf[MICROAPP_MAX_SETS][256];
} microapp_flags;

// Fills f from argv and the environment (OUTRIG_LISTEN, OUTRIG_STORE,
// OUTRIG_HUB, OUTRIG_RUN_DIR, OUTRIG_DATA_DIR, OUTRIG_METRICS,
// OUTRIG_LOG_LEVEL; a flag wins over the environment), then the defaults
// derived from the service name. Returns 0, 1 after printing --help, or
// -EINVAL with a message in err.
int microapp_flags_parse(microapp_flags *f, const char *name, int argc, char **argv, char *err,
                         size_t errlen);

#endif
