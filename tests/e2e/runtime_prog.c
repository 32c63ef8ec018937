// A tiny program the runtime e2e test runs as a process VNF.
//   server PORT [ignore-term]  TCP line echo on 0.0.0.0:PORT; prints "served <line>" per line
//   client ADDR PORT MSG       sends MSG, prints "reply <echo>"; exit 0 when the echo matches
//   hog MIB                    touches MIB MiB of memory, then prints "hogged"
//   spin MS                    burns CPU for MS ms of wall time, prints "cpu_ms <used>"
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now_ms(clockid_t c)
{
    struct timespec t;
    clock_gettime(c, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int server(int port, int ignore_term)
{
    if (ignore_term)
        signal(SIGTERM, SIG_IGN);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, 8) < 0) {
        perror("server");
        return 1;
    }
    printf("listening %d\n", port);
    fflush(stdout);
    for (;;) {
        int c = accept(s, NULL, NULL);
        if (c < 0)
            continue;
        char buf[256];
        ssize_t n = read(c, buf, sizeof buf - 1);
        if (n > 0) {
            if (write(c, buf, (size_t)n) < 0)
                perror("write");
            buf[n] = 0;
            buf[strcspn(buf, "\n")] = 0;
            printf("served %s\n", buf);
            fflush(stdout);
        }
        close(c);
    }
}

static int client(const char *addr, int port, const char *msg)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, addr, &a.sin_addr) != 1)
        return 3;
    // The server may still be starting: retry for up to 10 s.
    for (int i = 0; i < 200; i++) {
        int s = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(s, (struct sockaddr *)&a, sizeof a) == 0) {
            char line[256], buf[256];
            snprintf(line, sizeof line, "%s\n", msg);
            if (write(s, line, strlen(line)) < 0)
                return 4;
            ssize_t n = read(s, buf, sizeof buf - 1);
            close(s);
            if (n <= 0)
                return 5;
            buf[n] = 0;
            buf[strcspn(buf, "\n")] = 0;
            printf("reply %s\n", buf);
            fprintf(stderr, "client-stderr\n");
            return strcmp(buf, msg) ? 2 : 0;
        }
        close(s);
        usleep(50 * 1000);
    }
    fprintf(stderr, "connect: %s\n", strerror(errno));
    return 6;
}

static int hog(long mib)
{
    size_t n = (size_t)mib << 20;
    char *p = malloc(n);
    if (!p)
        return 1;
    for (size_t i = 0; i < n; i += 4096)
        p[i] = 1;
    printf("hogged\n");
    free(p);
    return 0;
}

static int spin(long ms)
{
    double t0 = now_ms(CLOCK_MONOTONIC), c0 = now_ms(CLOCK_PROCESS_CPUTIME_ID);
    volatile unsigned long x = 0;
    while (now_ms(CLOCK_MONOTONIC) - t0 < (double)ms)
        for (int i = 0; i < 10000; i++)
            x++;
    printf("cpu_ms %.0f\n", now_ms(CLOCK_PROCESS_CPUTIME_ID) - c0);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 3 && !strcmp(argv[1], "server"))
        return server(atoi(argv[2]), argc >= 4 && !strcmp(argv[3], "ignore-term"));
    if (argc == 5 && !strcmp(argv[1], "client"))
        return client(argv[2], atoi(argv[3]), argv[4]);
    if (argc == 3 && !strcmp(argv[1], "hog"))
        return hog(atol(argv[2]));
    if (argc == 3 && !strcmp(argv[1], "spin"))
        return spin(atol(argv[2]));
    fprintf(stderr, "usage: runtime_prog server|client|hog|spin ...\n");
    return 64;
}
