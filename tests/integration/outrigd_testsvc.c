// outrigd-testsvc: a micro-app for outrigd's integration tests. It serves
// Health like any service, on the real skeleton, and misbehaves on request:
//   --set exit_at_start=CODE   exits with CODE during init (a crash loop)
//   --set crash_after_ms=N     exits with 3 N ms after it started serving
//   --set ignore_term=1        ignores SIGTERM (outrigd must SIGKILL it)
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "microapp/microapp.h"
#include "util/clock.h"

typedef struct testsvc {
    uint64_t started_ms, crash_after_ms;
} testsvc;

static int testsvc_init(microapp *app, void **state)
{
    uint64_t code = 0, ignore = 0;
    microapp_opt_u64(app, "exit_at_start", 0, &code);
    if (code)
        _exit((int)code);
    microapp_opt_u64(app, "ignore_term", 0, &ignore);
    if (ignore)
        signal(SIGTERM, SIG_IGN);
    testsvc *t = calloc(1, sizeof *t);
    if (!t)
        return -1;
    t->started_ms = clock_mono_ms();
    microapp_opt_u64(app, "crash_after_ms", 0, &t->crash_after_ms);
    *state = t;
    return 0;
}

static void testsvc_tick(microapp *app, void *state)
{
    testsvc *t = state;
    if (t->crash_after_ms && clock_mono_ms() - t->started_ms >= t->crash_after_ms)
        _exit(3);
}

static void testsvc_fini(microapp *app, void *state)
{
    free(state);
}

int main(int argc, char **argv)
{
    static const microapp_def def = {
        .name = "testsvc",
        .init = testsvc_init,
        .tick = testsvc_tick,
        .tick_ms = 20,
        .fini = testsvc_fini,
    };
    return microapp_main(&def, argc, argv);
}
