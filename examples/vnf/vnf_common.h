// Shared by the example VNF programs: option parsing from argv or the environment the
// orchestrator sets (OUTRIG_PEER, OUTRIG_PORT), or a CP file the site wrote
// (/etc/outrig/cp/<cp>: PEER_ADDRESS='...'), and small socket helpers. Static, no deps.
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

#endif
