// Shared by the example VNF programs: option parsing from argv or the environment the
// orchestrator sets (OUTRIG_PEER, OUTRIG_PORT, OUTRIG_CP_<i>), the peer the linker handed the
// site for a CP (vnf_peer), and small socket helpers. Static, no deps.
#ifndef OUTRIG_VNF_COMMON_H
#define OUTRIG_VNF_COMMON_H

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define VNF_DEFAULT_PORT 7000

// The value of --name VALUE in argv, else the environment variable env, else def.
static inline const char *vnf_opt(int argc, char **argv, const char *name, const char *env,
                                  const char *def)
{
    for (int i = 1; i + 1 < argc; i++)
        if (!strcmp(argv[i], name))
            return argv[i + 1];
    const char *v = env ? getenv(env) : NULL;
    return v && *v ? v : def;
}

// PEER_ADDRESS from a CP file, into buf; 0 or -1.
static inline int vnf_peer_from_file(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[256];
    int rc = -1;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "PEER_ADDRESS='", 14))
            continue;
        char *end = strchr(line + 14, '\'');
        if (end && end > line + 14) {
            size_t n = (size_t)(end - (line + 14));
            if (n < len) {
                memcpy(buf, line + 14, n);
                buf[n] = 0;
                rc = 0;
            }
        }
    }
    fclose(f);
    return rc;
}

// "address=..." from an agent's peer file (<OUTRIG_VNF_DIR>/peers/<cp>), into buf; 0 or -1.
static inline int vnf_peer_from_agent_file(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[256];
    int rc = -1;
    while (rc && fgets(line, sizeof line, f)) {
        if (strncmp(line, "address=", 8))
            continue;
        line[strcspn(line, "\r\n")] = 0;
        if (line[8] && strlen(line + 8) < len) {
            memcpy(buf, line + 8, strlen(line + 8) + 1);
            rc = 0;
        }
    }
    fclose(f);
    return rc;
}

// The CP the program talks through: --peer-cp, else the last OUTRIG_CP_<i> ("<id> <addr>
// <peer>") the orchestrator set. Into buf; 0 or -1.
static inline int vnf_peer_cp(int argc, char **argv, char *buf, size_t len)
{
    const char *cp = vnf_opt(argc, argv, "--peer-cp", "OUTRIG_PEER_CP", NULL);
    for (int i = 0; !cp && i < 16; i++) {
        char name[32];
        snprintf(name, sizeof name, "OUTRIG_CP_%d", i);
        const char *v = getenv(name);
        if (!v)
            break;
        snprintf(buf, len, "%s", v);
        buf[strcspn(buf, " ")] = 0;
    }
    if (cp)
        snprintf(buf, len, "%s", cp);
    return buf[0] ? 0 : -1;
}

// The peer to talk to, looked up again at every (re)connect because the linker may hand it
// over after the program started, or change it when the peer VNF comes back elsewhere:
// --peer (fixed), --peer-file (PEER_ADDRESS=), else the CP's peer as the site wrote it
// (an agent: <OUTRIG_VNF_DIR>/peers/<cp>; LXC: /etc/outrig/cp/<cp>), else OUTRIG_PEER.
static inline int vnf_peer(int argc, char **argv, char *buf, size_t len)
{
    const char *fixed = vnf_opt(argc, argv, "--peer", NULL, NULL);
    if (fixed) {
        snprintf(buf, len, "%s", fixed);
        return 0;
    }
    const char *file = vnf_opt(argc, argv, "--peer-file", NULL, NULL);
    if (file)
        return vnf_peer_from_file(file, buf, len);
    char cp[64] = "", path[512];
    if (vnf_peer_cp(argc, argv, cp, sizeof cp) == 0) {
        const char *dir = getenv("OUTRIG_VNF_DIR");
        snprintf(path, sizeof path, "%s/peers/%s", dir ? dir : "", cp);
        if (dir && vnf_peer_from_agent_file(path, buf, len) == 0)
            return 0;
        snprintf(path, sizeof path, "/etc/outrig/cp/%s", cp);
        if (vnf_peer_from_file(path, buf, len) == 0)
            return 0;
    }
    const char *env = getenv("OUTRIG_PEER");
    if (!env || !*env)
        return -1;
    snprintf(buf, len, "%s", env);
    return 0;
}

// "host:port" or "host" (with def_port) into a socket address. 0 or -1.
static inline int vnf_addr(const char *spec, int def_port, struct sockaddr_in *out)
{
    char host[128];
    snprintf(host, sizeof host, "%s", spec);
    int port = def_port;
    char *colon = strrchr(host, ':');
    if (colon) {
        *colon = 0;
        port = atoi(colon + 1);
    }
    memset(out, 0, sizeof *out);
    out->sin_family = AF_INET;
    out->sin_port = htons((uint16_t)port);
    return port > 0 && port < 65536 && inet_pton(AF_INET, host, &out->sin_addr) == 1 ? 0 : -1;
}

static inline int vnf_listen(int port)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0)
        return -1;
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (bind(s, (struct sockaddr *)&a, sizeof a) || listen(s, 64)) {
        close(s);
        return -1;
    }
    return s;
}

static inline int vnf_connect(const struct sockaddr_in *a)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0)
        return -1;
    if (connect(s, (const struct sockaddr *)a, sizeof *a)) {
        close(s);
        return -1;
    }
    return s;
}

static inline int vnf_port(int argc, char **argv)
{
    return atoi(vnf_opt(argc, argv, "--port", "OUTRIG_PORT", "7000"));
}

// Serves TCP on the program's port (--port / OUTRIG_PORT): each connection in a child process
// of its own that runs conn(fd, argc, argv) and exits. Returns only on a listen or accept
// error (1); name prefixes the messages.
static inline int vnf_serve(const char *name, int argc, char **argv,
                            void (*conn)(int fd, int argc, char **argv))
{
    signal(SIGCHLD, SIG_IGN); // connection children are not waited for
    int port = vnf_port(argc, argv);
    int l = vnf_listen(port);
    if (l < 0) {
        fprintf(stderr, "%s: listen on port %d: %s\n", name, port, strerror(errno));
        return 1;
    }
    printf("%s: listening on port %d\n", name, port);
    fflush(stdout);
    for (;;) {
        int c = accept(l, NULL, NULL);
        if (c < 0) {
            if (errno == EINTR)
                continue;
            return 1;
        }
        if (fork() == 0) {
            close(l);
            conn(c, argc, argv);
            _exit(0);
        }
        close(c);
    }
}

#endif
