// outrig-vnf-client: connects to --peer / OUTRIG_PEER (host[:port], or the PEER_ADDRESS of
// --peer-file) and sends a numbered line every --interval-ms (default 1000), printing each
// reply; reconnects when the peer goes away. --count N stops after N replies (exit 0).
#include <time.h>

#include "vnf_common.h"

int main(int argc, char **argv)
{
    const char *peer = vnf_opt(argc, argv, "--peer", "OUTRIG_PEER", NULL);
    char fpeer[128];
    const char *file = vnf_opt(argc, argv, "--peer-file", NULL, NULL);
    if (!peer && file && vnf_peer_from_file(file, fpeer, sizeof fpeer) == 0)
        peer = fpeer;
    struct sockaddr_in to;
    if (!peer || vnf_addr(peer, VNF_DEFAULT_PORT, &to)) {
        fprintf(stderr, "outrig-vnf-client: need --peer HOST[:PORT] or OUTRIG_PEER\n");
        return 2;
    }
    long interval = atol(vnf_opt(argc, argv, "--interval-ms", "OUTRIG_INTERVAL_MS", "1000"));
    long count = atol(vnf_opt(argc, argv, "--count", "OUTRIG_COUNT", "0"));
    struct timespec ts = {.tv_sec = interval / 1000, .tv_nsec = (interval % 1000) * 1000000L};
    long seq = 0, replies = 0;
    int s = -1;
    for (;;) {
        if (s < 0 && (s = vnf_connect(&to)) < 0) {
            fprintf(stderr, "outrig-vnf-client: %s: %s\n", peer, strerror(errno));
            nanosleep(&ts, NULL);
            continue;
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
