// outrig-vnf-forwarder: accepts TCP on --port / OUTRIG_PORT (default 7000) and relays each
// connection, both ways, to its peer as vnf_peer finds it at that moment (the peer the linker
// handed its last CP, --peer, --peer-file or OUTRIG_PEER): the "firewall" of the example NS.
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

// One connection: to the peer as found now, then both ways until either side ends.
static void forward(int c, int argc, char **argv)
{
    char peer[128];
    struct sockaddr_in to;
    if (vnf_peer(argc, argv, peer, sizeof peer) || vnf_addr(peer, VNF_DEFAULT_PORT, &to)) {
        fprintf(stderr, "outrig-vnf-forwarder: no peer yet\n");
        return;
    }
    int u = vnf_connect(&to);
    if (u < 0)
        fprintf(stderr, "outrig-vnf-forwarder: %s: %s\n", peer, strerror(errno));
    else
        relay(c, u);
}

int main(int argc, char **argv)
{
    return vnf_serve("outrig-vnf-forwarder", argc, argv, forward);
}
