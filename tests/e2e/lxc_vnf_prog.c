// A tiny VNF program for the LXC e2e test, linked statically so that it runs in a rootfs with
// no libc: prints its arguments and a few environment variables, then either exits with the
// status given as "exit=N" or waits for SIGTERM and says it got it.
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t term;

static void on_term(int sig)
{
    term = 1;
}

int main(int argc, char **argv)
{
    signal(SIGTERM, on_term);
    for (int i = 1; i < argc; i++)
        printf("arg%d=%s\n", i, argv[i]);
    const char *vars[] = {"GREETING", "OUTRIG_INSTANCE_ID", "OUTRIG_NS_ID"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        printf("%s=%s\n", vars[i], getenv(vars[i]) ? getenv(vars[i]) : "(unset)");
    printf("ready\n");
    fflush(stdout);
    for (int i = 1; i < argc; i++)
        if (!strncmp(argv[i], "exit=", 5))
            return atoi(argv[i] + 5);
    while (!term)
        pause();
    printf("got SIGTERM\n");
    return 0;
}
