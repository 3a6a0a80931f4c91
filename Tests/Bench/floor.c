/* floor: the cheapest possible "DNS server" — the benchmark's floor.
 * Receives each UDP datagram, sets the QR (response) bit and sends the same
 * bytes back: one recvfrom and one sendto per packet, one thread, blocking
 * socket. Any real server's CPU per query minus this one's is the cost of
 * actually answering DNS. Never parses anything.
 * usage: floor ADDRESS PORT   (IPv4, e.g. floor 127.77.0.10 5300)
 * Stops on SIGTERM/SIGINT (default action). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

/* Largest UDP DNS message we echo; bigger datagrams are truncated. */
#define FLOOR_BUFFER_BYTES 4096

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s ADDRESS PORT\n", argv[0]);
        return 2;
    }
    struct sockaddr_in local = {0};
    local.sin_family = AF_INET;
    local.sin_port = htons((unsigned short)atoi(argv[2]));
    if (inet_pton(AF_INET, argv[1], &local.sin_addr) != 1) {
        fprintf(stderr, "floor: bad IPv4 address %s\n", argv[1]);
        return 2;
    }
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&local, sizeof local) != 0) {
        perror("floor: socket/bind");
        return 1;
    }
    unsigned char buf[FLOOR_BUFFER_BYTES];
    for (;;) {   /* ends when the bench sends SIGTERM */
        struct sockaddr_storage peer;
        socklen_t peerLen = sizeof peer;
        ssize_t n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&peer, &peerLen);
        if (n < 3) continue;           /* error or too short to hold flags */
        buf[2] |= 0x80;                /* QR = response */
        (void)sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&peer, peerLen);
    }
}
