/* SPDX-License-Identifier: MIT */
/*
 * Reproducer: a client that sends requests and never reads the answers.
 *
 * One connection, as uid 65534 ("nobody"): a valid HELLO, then a stream of
 * 9-byte frames of an unknown message type (0x42). Each gets an ERROR frame
 * back (PROTOCOL.md: the connection stays open). The client never reads, so
 * the answers pile up in the daemon. Meanwhile a root client PINGs the
 * daemon; each sample prints the bytes the sender got through write(2), the
 * daemon's VmRSS and the PING's round trip.
 *
 *     unread_replies [MiB to send, default 64] [seconds, default 60] [read]
 *
 * With "read" (the control), the sender drains its answers as it goes.
 *
 * Then the sender is killed (its connection closes) and the daemon is
 * stopped with SIGTERM; both are timed.
 *
 * Before the flow control of ea4d086 the daemon's VmRSS grew with every
 * MiB sent; since then the daemon stops reading the sender once 64 KiB of
 * answers wait, and VmRSS stays flat.
 */
#define _GNU_SOURCE
#include "../libdeadbolt/harness.h"
#include "deadbolt.h"
#include "wire.h"
#include "garbage.h"

#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long rss_kib(pid_t pid) {
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    long kib = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %ld kB", &kib) == 1) break;
    fclose(f);
    return kib;
}

static void sender(const char *socket_path, unsigned long long budget, int drain, _Atomic unsigned long long *sent) {
    if (setgroups(0, NULL) != 0 || setresgid(65534, 65534, 65534) != 0 || setresuid(65534, 65534, 65534) != 0) _exit(2);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof a.sun_path, "%s", socket_path);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) _exit(3);
    deadbolt_wire_request hello;
    deadbolt_wire_encode_hello(&hello, 1, DEADBOLT_PROTOCOL_VERSION, (deadbolt_wire_string){"unread", 6});
    if (send(fd, hello.bytes, hello.length, MSG_NOSIGNAL) != (ssize_t)hello.length) _exit(4);
    if (drain && fork() == 0) { /* the control: read and discard every answer */
        static uint8_t sink[65536];
        while (recv(fd, sink, sizeof sink, 0) > 0) {}
        _exit(0);
    }
    static uint8_t chunk[9 * 7000];
    for (size_t i = 0; i < sizeof chunk; i += 9) {
        static const uint8_t frame[9] = {0, 0, 0, 5, 0x42, 0, 0, 0, 7};
        memcpy(chunk + i, frame, sizeof frame);
    }
    while (atomic_load(sent) < budget) {
        ssize_t n = send(fd, chunk, sizeof chunk, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) _exit(5);
        atomic_fetch_add(sent, (unsigned long long)n);
    }
    pause(); /* keep the connection open, unread, until killed */
    _exit(0);
}

int main(int argc, char **argv) {
    unsigned long long budget = (argc > 1 ? strtoull(argv[1], NULL, 10) : 64) << 20;
    double seconds = argc > 2 ? atof(argv[2]) : 60;
    int drain = argc > 3 && strcmp(argv[3], "read") == 0;
    struct test_daemon d;
    if (test_daemon_start(&d, (const char *const[]){"--socket-mode", "0666", NULL}) != 0) return 1;
    deadbolt_t *c = NULL;
    int rc = deadbolt_connect(d.socket_path, &c);
    if (rc < 0) {
        fprintf(stderr, "connect: %s\n", deadbolt_strerror(rc));
        test_daemon_cleanup(&d);
        return 1;
    }
    _Atomic unsigned long long *sent =
        mmap(NULL, sizeof *sent, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    atomic_store(sent, 0);
    printf("daemon pid %d, VmRSS %ld KiB before\n", (int)d.pid, rss_kib(d.pid));
    pid_t child = fork();
    if (child == 0) sender(d.socket_path, budget, drain, sent);
    double start = now_s();
    int status = 0;
    while (now_s() - start < seconds) {
        double t0 = now_s();
        rc = deadbolt_ping(c);
        double ping_ms = (now_s() - t0) * 1e3;
        printf("t=%5.1f s  sent %6.1f MiB  daemon VmRSS %8ld KiB  ping %s %.1f ms\n", now_s() - start,
               (double)atomic_load(sent) / (1 << 20), rss_kib(d.pid), rc < 0 ? deadbolt_strerror(rc) : "ok", ping_ms);
        fflush(stdout);
        if (rc < 0) break;
        if (waitpid(child, &status, WNOHANG) == child) {
            printf("sender exited early, status 0x%x\n", status);
            child = 0;
            break;
        }
        poll(NULL, 0, 1000); /* a sampling interval, not a synchronisation */
    }
    if (child > 0) {
        kill(child, SIGKILL);
        waitpid(child, &status, 0);
    }
    double closed = now_s();
    rc = deadbolt_ping(c);
    printf("sender killed; first ping after it: %s, %.1f ms; daemon VmRSS %ld KiB\n",
           rc < 0 ? deadbolt_strerror(rc) : "ok", (now_s() - closed) * 1e3, rss_kib(d.pid));
    deadbolt_close(c);
    double stop = now_s();
    int code = test_daemon_stop(&d);
    printf("SIGTERM to exit: %.1f s, exit code %d\n", now_s() - stop, code);
    test_daemon_cleanup(&d);
    return 0;
}
