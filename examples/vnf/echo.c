// outrig-vnf-echo: a TCP echo server (the "server" of the example NS). Listens on
// --port / OUTRIG_PORT (default 7000), one process per connection.
#include "vnf_common.h"

static void echo(int c, int argc, char **argv)
{
    char buf[4096];
    ssize_t n;
    while ((n = read(c, buf, sizeof buf)) > 0)
        if (write(c, buf, (size_t)n) != n)
            break;
}

int main(int argc, char **argv)
{
    return vnf_serve("outrig-vnf-echo", argc, argv, echo);
}
