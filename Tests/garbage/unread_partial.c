/* SPDX-License-Identifier: MIT */
/*
 * Reproducer: the partial-frame deadline runs while the daemon itself holds
 * the rest of the frame back, so a client that sent every frame whole, and
 * only stopped reading its answers, is closed as if it had stalled mid-frame.
 *
 * docs/SECURITY.md: a client whose unread answers pass 64 KiB "is not read
 * either ... until it reads" (STATS connections_backed_up); a connection that
 * completed HELLO is never closed for being idle. The partial-frame timeout
 * closes "a connection that leaves a frame incomplete" (OPERATIONS.md).
 *
 * One client, root, says HELLO and sends STATS requests (9-byte frames) one
 * write at a time, reading nothing. After each write it waits until the
 * daemon has read it (SIOCOUTQ, the bytes the peer has not read yet, is 0).
 * Answers pile up until the daemon stops reading (a write stays unread for
 * 500 ms; connections_backed_up is then 1). The byte stream is the same in
 * both cases; only where the writes are cut differs:
 *
 *   whole  each write is one whole frame.
 *   split  each write is the last 5 bytes of the frame begun by the write
 *          before, then the first 4 bytes (the length) of the next. Once the
 *          daemon stops reading, the client sends the last 5 bytes of its
 *          last frame too: every frame it began, it finished.
 *
 * In both, the client then waits up to 10 s (--partial-frame-timeout-ms
 * 1000). Expected: open in both (the daemon is not reading; the client left
 * nothing incomplete). Before 44f462e (the deadline runs only while the
 * daemon reads), "whole" stayed open and "split" was closed about
 * 1 + 1 s after the daemon's last read (deadline, then the 1 s it gives the
 * last answers), and protocol_errors_total grew by one: the daemon's last
 * read ended inside a frame, the deadline was armed, and the rest of that
 * frame sat unread in the socket because the daemon had stopped reading.
 * With the default 10 s timeout the same happened 10 + 1 s later (the log
 * said "closing a connection that left a frame incomplete"). Both stay
 * open now.
 *
 *     unread_partial [whole|split ...]   (default: both)
 *
 * Prints one line per case; exits 1 if a client that sent only whole frames
 * was closed, 0 if not. About 25 s.
 */
#define _GNU_SOURCE
#include "../libdeadbolt/harness.h"
#include "deadbolt.h"
#include "wire.h"
#include "garbage.h"

#include <errno.h>
#include <linux/sockios.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

enum { TIMEOUT_MS = 1000, UNREAD_MS = 500, PATIENCE_MS = 10000, MAX_WRITES = 100000 };

/* STATS, request id 7: its answer (about 700 bytes) backs the connection up
 * after a few hundred requests. */
static const uint8_t stats_frame[9] = {0, 0, 0, 5, DEADBOLT_WIRE_STATS, 0, 0, 0, 7};

static void send_all(int fd, const void *bytes, size_t length) {
    if (send(fd, bytes, length, MSG_NOSIGNAL) != (ssize_t)length) {
        perror("send");
        exit(2);
    }
}

/* Bytes written to fd that the daemon has not read yet (kernel accounting,
 * so a few hundred per write rather than the exact count). */
static int unread_by_daemon(int fd) {
    int n = 0;
    if (ioctl(fd, SIOCOUTQ, &n) != 0) {
        perror("ioctl SIOCOUTQ");
        exit(2);
    }
    return n;
}

/* Waits up to UNREAD_MS for the daemon to read everything written; 1 if it did. */
static int daemon_read_it(int fd) {
    double deadline = now_s() + UNREAD_MS / 1e3;
    for (;;) {
        if (unread_by_daemon(fd) == 0) return 1;
        if (now_s() >= deadline) return 0;
        poll(NULL, 0, 1); /* nothing to wait on: the daemon's read makes no event here */
    }
}

/* Returns 1 if the daemon closed a client that sent only whole frames. */
static int run_case(int split) {
    struct test_daemon d;
    char timeout[16];
    snprintf(timeout, sizeof timeout, "%d", TIMEOUT_MS);
    if (test_daemon_start(&d, (const char *const[]){"--partial-frame-timeout-ms", timeout, NULL}) != 0) exit(2);
    deadbolt_t *c = NULL;
    if (deadbolt_connect(d.socket_path, &c) < 0) exit(2);

    int fd = dial_or_exit(d.socket_path);
    deadbolt_wire_request hello;
    deadbolt_wire_encode_hello(&hello, 1, DEADBOLT_PROTOCOL_VERSION, (deadbolt_wire_string){"unread-partial", 14});
    send_all(fd, hello.bytes, hello.length);
    if (!daemon_read_it(fd)) exit(2);

    int writes = 0, stopped = 0;
    while (!stopped && writes < MAX_WRITES) {
        uint8_t chunk[9];
        size_t length = 0;
        if (split) {
            if (writes > 0) {
                memcpy(chunk, stats_frame + 4, 5);
                length = 5;
            }
            memcpy(chunk + length, stats_frame, 4);
            length += 4;
        } else {
            memcpy(chunk, stats_frame, 9);
            length = 9;
        }
        send_all(fd, chunk, length);
        writes++;
        stopped = !daemon_read_it(fd);
    }
    if (!stopped) {
        fprintf(stderr, "the daemon never stopped reading\n");
        exit(2);
    }
    if (split) send_all(fd, stats_frame + 4, 5); /* finish the last frame begun */
    double stopped_at = now_s();
    uint64_t backed_up = stat_or_exit(c, "connections_backed_up");
    uint64_t errors_before = stat_or_exit(c, "protocol_errors_total");

    struct pollfd p = {.fd = fd, .events = POLLRDHUP};
    int r;
    do r = poll(&p, 1, PATIENCE_MS);
    while (r < 0 && errno == EINTR);
    int closed = r > 0 && (p.revents & (POLLRDHUP | POLLHUP));
    double after = now_s() - stopped_at;
    uint64_t errors = stat_or_exit(c, "protocol_errors_total") - errors_before;
    printf("%s: root said HELLO and wrote %d STATS requests (%s), reading nothing; the daemon stopped reading "
           "(connections_backed_up %llu); every frame sent whole; --partial-frame-timeout-ms %d; %s; "
           "protocol_errors_total +%llu\n",
           split ? "split" : "whole", writes,
           split ? "each write cut 4 bytes into the next frame" : "one frame per write",
           (unsigned long long)backed_up, TIMEOUT_MS,
           closed ? "CLOSED by the daemon" : "still open", (unsigned long long)errors);
    if (closed) printf("       closed %.1f s after the daemon stopped reading\n", after);
    else printf("       still open %.1f s after the daemon stopped reading\n", after);
    close(fd);
    deadbolt_close(c);
    test_daemon_cleanup(&d);
    return closed;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    int failed = 0;
    for (int i = argc > 1 ? 1 : 0; i < argc; i++) {
        const char *name = i > 0 ? argv[i] : "all";
        int all = strcmp(name, "all") == 0;
        if (all || strcmp(name, "whole") == 0) failed |= run_case(0);
        if (all || strcmp(name, "split") == 0) failed |= run_case(1);
    }
    printf("%s\n", failed ? "FAIL: a client that sent only whole frames was closed for an incomplete frame"
                          : "ok: no client that sent only whole frames was closed");
    return failed;
}
