// Test helpers for the linker's data path: anonymous network namespaces (gone when their fd
// is closed, so nothing is left behind), "VNF" namespaces with a veth CP, a TCP exchange
// between two namespaces, and listings of what a namespace holds. Root only.
#ifndef OUTRIG_TEST_LINKER_NET_H
#define OUTRIG_TEST_LINKER_NET_H

#include <stddef.h>
#include <stdint.h>

// A new, empty network namespace with lo up; returns its fd or -errno.
int ln_netns_new(void);
// Creates a veth pair: `host_if` in host_ns (-1: the caller's) and `ifname` in vnf_ns with
// address `addr` ("a.b.c.d/len"), both ends up. Returns 0 or -errno.
int ln_vnf_cp(int host_ns, const char *host_if, int vnf_ns, const char *ifname, const char *addr);
// Connects the underlay: veth "ul0" in a with addr_a and "ul0" in b with addr_b, both up.
int ln_underlay(int a, const char *addr_a, int b, const char *addr_b);
// A real exchange: listens in `server_ns` on server_ip:port, connects from `client_ns`,
// sends a byte and reads it back. Retries until timeout_ms. Returns microseconds taken by
// the successful exchange, or -errno (-ETIMEDOUT).
long ln_tcp_exchange(int client_ns, int server_ns, const char *server_ip, uint16_t port,
                     int timeout_ms);
// Runs `ip -o <what>` inside netns fd ns (through nsenter) into buf; returns 0 or -errno.
int ln_ip_list(int ns, const char *what, char *buf, size_t n);
// Monotonic microseconds.
uint64_t ln_now_us(void);

#endif
