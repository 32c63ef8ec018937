// outrig-vnf-echo: a TCP echo server (the "server" of the example NS). Listens on
// --port / OUTRIG_PORT (default 7000), one process per connection.
#include <sys/wait.h>

#include "vnf_common.h"

int main(int argc, char **argv)
{
    signal(SIGCHLD, SIG_IGN); // connection children are not waited for
    int port = vnf_port(argc, argv);
    int l = vnf_listen(port);
    if (l < 0) {
        perror("outrig-vnf-echo: listen");
        return 1;
    }
    printf("outrig-vnf-echo: listening on port %d\n", port);
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
            char buf[4096];
            ssize_t n;
            while ((n = read(c, buf, sizeof buf)) > 0)
                if (write(c, buf, (size_t)n) != n)
                    break;
            _exit(0);
        }
        close(c);
    }
}
