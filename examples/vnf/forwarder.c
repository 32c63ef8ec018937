// outrig-vnf-forwarder: accepts TCP on --port / OUTRIG_PORT (default 7000) and relays each
// connection to --peer / OUTRIG_PEER (host[:port]) or the PEER_ADDRESS of the CP file given
// with --peer-file, both ways (the "firewall" of the example NS).
#include <poll.h>

#include "vnf_common.h"

static void relay(int a, int b)
{
    struct pollfd p[2] = {{.fd = a, .events = POLLIN}, {.fd = b, .events = POLLIN}};
    char buf[4096];
    for (;;) {
        if (poll(p, 2, -1) < 0 && errno != EINTR)
            return;
        for (int i = 0; i < 2; i++) {
            if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            ssize_t n = read(p[i].fd, buf, sizeof buf);
            if (n <= 0 || write(p[1 - i].fd, buf, (size_t)n) != n)
                return;
        }
    }
}

int main(int argc, char **argv)
{
    signal(SIGCHLD, SIG_IGN);
    int port = vnf_port(argc, argv);
    const char *peer = vnf_opt(argc, argv, "--peer", "OUTRIG_PEER", NULL);
    char fpeer[128];
    const char *file = vnf_opt(argc, argv, "--peer-file", NULL, NULL);
    if (!peer && file && vnf_peer_from_file(file, fpeer, sizeof fpeer) == 0)
        peer = fpeer;
    struct sockaddr_in to;
    if (!peer || vnf_addr(peer, VNF_DEFAULT_PORT, &to)) {
        fprintf(stderr, "outrig-vnf-forwarder: need --peer HOST[:PORT] or OUTRIG_PEER\n");
        return 2;
    }
    int l = vnf_listen(port);
    if (l < 0) {
        perror("outrig-vnf-forwarder: listen");
        return 1;
    }
    printf("outrig-vnf-forwarder: port %d -> %s\n", port, peer);
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
            int u = vnf_connect(&to);
            if (u >= 0)
                relay(c, u);
            _exit(0);
        }
        close(c);
    }
}
