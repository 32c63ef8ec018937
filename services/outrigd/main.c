// outrigd: starts and supervises the Outrigger micro-apps of one machine.
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/outrig.h"
#include "daemon.h"
#include "order.h"
#include "plan.h"
#include "util/log.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: outrigd [--config FILE] [--run-dir DIR] [--data-dir DIR]\n"
               "               [--log-level debug|info|warn|error] [--check]\n"
               "Starts the services of outrig.yaml (FILE, else $OUTRIG_CONFIG, else the\n"
               "embedded default: store and hub under ./var/run/outrig) and supervises them\n"
               "until SIGINT or SIGTERM. --check validates the config, prints the plan, exits.\n"
               "Environment: OUTRIG_CONFIG OUTRIG_RUN_DIR OUTRIG_DATA_DIR OUTRIG_BIN_DIR\n"
               "             OUTRIG_LOG_LEVEL OUTRIG_METRICS (see deploy/outrig.yaml)\n");
}

static const char *env_lookup(const char *name)
{
    return getenv(name);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},   {"run-dir", required_argument, NULL, 'r'},
        {"data-dir", required_argument, NULL, 'd'}, {"log-level", required_argument, NULL, 'l'},
        {"check", no_argument, NULL, 'k'},          {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},        {NULL, 0, NULL, 0},
    };
    const char *config = NULL, *run_dir = NULL, *data_dir = NULL, *level = NULL;
    bool check = false;
    int o;
    while ((o = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
        switch (o) {
        case 'c':
            config = optarg;
            break;
        case 'r':
            run_dir = optarg;
            break;
        case 'd':
            data_dir = optarg;
            break;
        case 'l':
            level = optarg;
            break;
        case 'k':
            check = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            printf("outrigd %s\n", OUTRIG_VERSION);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "outrigd: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return 2;
    }
    cfg_outrig *cfg = malloc(sizeof *cfg);
    char cwd[PATH_MAX], self[PATH_MAX];
    if (!cfg || !getcwd(cwd, sizeof cwd)) {
        fprintf(stderr, "outrigd: %s\n", strerror(errno));
        return 1;
    }
    cfg_outrig_defaults(cfg);
    cfg_error err = {0};
    log_level lv;
    if (!config)
        config = getenv("OUTRIG_CONFIG");
    int rc = config && *config ? cfg_outrig_parse_file(cfg, config, &err) : 0;
    if (rc == 0)
        rc = cfg_outrig_apply_env(cfg, env_lookup, &err);
    if (rc == 0 && level && log_level_parse(level, &lv) < 0)
        rc = cfg_fail_at(&err, "--log-level", 0, 0, "expected debug, info, warn or error");
    if (rc == 0) {
        if (run_dir)
            snprintf(cfg->run_dir, sizeof cfg->run_dir, "%s", run_dir);
        if (data_dir)
            snprintf(cfg->data_dir, sizeof cfg->data_dir, "%s", data_dir);
        if (level)
            cfg->log_level = (int)lv;
        rc = cfg_outrig_finish(cfg, cwd, &err);
    }
    if (rc == 0)
        rc = od_check_order(cfg, &err);
    if (rc) {
        fprintf(stderr, "outrigd: %s\n", err.msg);
        free(cfg);
        return 2;
    }
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    self[n > 0 ? n : 0] = '\0';
    char *slash = strrchr(self, '/');
    if (slash)
        *slash = '\0';
    log_init("outrigd", (log_level)cfg->log_level);
    if (check) {
        od_print_plan(cfg, self, stdout);
        free(cfg);
        return 0;
    }
    int code = od_daemon_run(cfg, self);
    free(cfg);
    return code;
}
