// outrig-vnf-client: connects to its peer (vnf_peer: --peer, --peer-file, the peer the linker
// handed its CP, or OUTRIG_PEER; port 7000 unless given) and sends a numbered line every
// --interval-ms (default 1000), printing each reply; looks the peer up again and reconnects
// when it goes away. --count N stops after N replies (exit 0).
#include <time.h>

#include "vnf_common.h"

int main(int argc, char **argv)
{
    long interval = atol(vnf_opt(argc, argv, "--interval-ms", "OUTRIG_INTERVAL_MS", "1000"));
    long count = atol(vnf_opt(argc, argv, "--count", "OUTRIG_COUNT", "0"));
    struct timespec ts = {.tv_sec = interval / 1000, .tv_nsec = (interval % 1000) * 1000000L};
    long seq = 0, replies = 0;
    int s = -1;
    char peer[128] = "", last[128] = "";
    for (;;) {
        struct sockaddr_in to;
        if (s < 0) {
            if (vnf_peer(argc, argv, peer, sizeof peer) || vnf_addr(peer, VNF_DEFAULT_PORT, &to)) {
                if (strcmp(last, "?")) {
                    fprintf(stderr, "outrig-vnf-client: no peer yet (--peer HOST[:PORT])\n");
                    snprintf(last, sizeof last, "?");
                }
                nanosleep(&ts, NULL);
                continue;
            }
            if ((s = vnf_connect(&to)) < 0) {
                fprintf(stderr, "outrig-vnf-client: %s: %s\n", peer, strerror(errno));
                nanosleep(&ts, NULL);
                continue;
            }
            if (strcmp(last, peer)) {
                printf("outrig-vnf-client: connected to %s\n", peer);
                snprintf(last, sizeof last, "%s", peer);
            }
        }
        char line[64], reply[128];
        int n = snprintf(line, sizeof line, "hello %ld\n", ++seq);
        ssize_t r;
        if (write(s, line, (size_t)n) != n || (r = read(s, reply, sizeof reply - 1)) <= 0) {
            close(s);
            s = -1;
            continue;
        }
        reply[r] = 0;
        printf("reply: %s", reply);
        fflush(stdout);
        if (count && ++replies >= count)
            return 0;
        nanosleep(&ts, NULL);
    }
}
