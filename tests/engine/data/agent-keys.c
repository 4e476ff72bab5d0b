/* Lists the keys of the SSH agent at $SSH_AUTH_SOCK by their comments (the agent protocol's
 * REQUEST_IDENTITIES), for a RUN --mount=type=ssh step of the engine tests: built static on the
 * host and copied into the image, which has no OpenSSH. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int read_all(int fd, unsigned char *buf, size_t n) {
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r <= 0) return -1;
        got += (size_t)r;
    }
    return 0;
}

static unsigned int be32(const unsigned char *p) {
    return ((unsigned)p[0] << 24) | ((unsigned)p[1] << 16) | ((unsigned)p[2] << 8) | p[3];
}

int main(void) {
    const char *path = getenv("SSH_AUTH_SOCK");
    if (!path) { fprintf(stderr, "SSH_AUTH_SOCK is not set\n"); return 2; }
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un addr = {0};
    addr.sun_family = AF_UNIX;
    strncpy(addr.sun_path, path, sizeof addr.sun_path - 1);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) { perror("connect"); return 3; }
    unsigned char ask[5] = {0, 0, 0, 1, 11};
    if (write(fd, ask, 5) != 5) { perror("write"); return 4; }
    unsigned char head[4];
    if (read_all(fd, head, 4)) return 5;
    unsigned int len = be32(head);
    unsigned char *msg = malloc(len);
    if (!msg || read_all(fd, msg, len) || msg[0] != 12) { fprintf(stderr, "bad answer\n"); return 6; }
    unsigned int n = be32(msg + 1), at = 5;
    printf("keys: %u\n", n);
    for (unsigned int i = 0; i < n; i++) {
        unsigned int blob = be32(msg + at); at += 4 + blob;
        unsigned int clen = be32(msg + at); at += 4;
        printf("key: %.*s\n", (int)clen, msg + at);
        at += clen;
    }
    return 0;
}
