/* The floor under any UDP server on this machine: bench/echo.py's echo, in C.
 *
 * It sends every packet back with the QR bit set (so dnsperf counts it as an
 * answer) and does nothing else: one recvfrom and one sendto per packet, no
 * event loop, no interpreter. Its CPU per packet is what the kernel charges
 * for the two system calls and the loopback path, which every server pays,
 * dnsmasq and part 4 alike. bench.py compiles it with the system's C compiler
 * when there is one:
 *
 *     cc -O2 -o echo bench/echo.c && ./echo 5300
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s PORT\n", argv[0]);
        return 2;
    }
    int sock = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[1]))};
    inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
    if (bind(sock, (struct sockaddr *)&address, sizeof address) != 0) {
        perror("bind");
        return 1;
    }
    char packet[4096];
    for (;;) {
        struct sockaddr_in client;
        socklen_t client_size = sizeof client;
        ssize_t size = recvfrom(sock, packet, sizeof packet, 0,
                                (struct sockaddr *)&client, &client_size);
        if (size < 3)
            continue; /* too short to be a DNS header: nothing to echo */
        packet[2] |= 0x80;
        sendto(sock, packet, size, 0, (struct sockaddr *)&client, client_size);
    }
}
