/* SPDX-License-Identifier: MIT */
/*
 * Half-open connections: connected, and never a whole frame. A third stay
 * silent (the HELLO deadline closes them), a third send 1-3 bytes of a
 * length prefix, a third a length and part of a HELLO body (the
 * partial-frame deadline closes those first); the bytes go out once all
 * this child's connections are open. Each must end with exactly one frame,
 * an ERROR with request id 0, then EOF:
 *
 *   QUOTA_EXCEEDED   refused at connect, this uid had its 512 already;
 *   PROTOCOL_ERROR   closed at its deadline, and no earlier: the time from
 *                    just before connect(2) (silent ones) or just before
 *                    the bytes were sent (the others) to EOF is at least
 *                    the deadline.
 *
 * The child waits in poll(2) on all of them at once until each was closed,
 * or until it gives up; the orchestrator sees the counts live.
 */
#define _GNU_SOURCE
#include "garbage.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct half {
    int     fd;
    int     kind;
    double  t_connect;     /* just before connect(2) */
    double  t_partial;     /* just before the part of a frame was sent */
    size_t  len;
    uint8_t buf[256];      /* what the daemon sent: one ERROR frame */
};

static void note_failure(struct half_open_result *res, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note_failure(struct half_open_result *res, const char *fmt, ...) {
    if (res->first_failure[0]) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(res->first_failure, sizeof res->first_failure, fmt, ap);
    va_end(ap);
    fprintf(stderr, "garbage: FAIL: half-open (uid %u): %s\n", (unsigned)res->uid, res->first_failure);
}

/* The connection's bytes are in h->buf; the daemon closed it. */
static void classify(struct shared *sh, struct half_open_result *res, struct half *h, double t_closed) {
    deadbolt_wire_message m;
    uint32_t length = h->len >= 4 ? deadbolt_wire_frame_length(h->buf) : 0;
    int one_error = h->len >= 4 && h->len <= sizeof h->buf && h->len == 4 + (size_t)length &&
                    deadbolt_wire_decode_message(h->buf + 4, length, &m) == 0 && m.type == DEADBOLT_WIRE_ERROR &&
                    m.request_id == 0;
    double after = t_closed - h->t_connect;
    if (one_error && m.status == DEADBOLT_STATUS_QUOTA_EXCEEDED) {
        res->refused++;
        atomic_fetch_add(&sh->half_refused, 1);
        return;
    }
    atomic_fetch_add(&sh->half_closed, 1);
    if (!one_error || m.status != DEADBOLT_STATUS_PROTOCOL_ERROR) {
        res->other++;
        const char *status = one_error ? deadbolt_wire_status_name(m.status) : NULL;
        note_failure(res, "a half-open connection ended with %zu bytes (%s) instead of one ERROR PROTOCOL_ERROR "
                          "or QUOTA_EXCEEDED, %.3f s after connect",
                     h->len, one_error ? (status ? status : "unknown status") : "not one ERROR frame", after);
        return;
    }
    /* The silent ones' deadline runs from the accept, the others' from
     * the daemon's read of their bytes: both after the times recorded. */
    double deadline = (h->kind == HALF_IDLE ? HELLO_TIMEOUT_MS : PARTIAL_FRAME_TIMEOUT_MS) / 1e3;
    double since = t_closed - (h->kind == HALF_IDLE ? h->t_connect : h->t_partial);
    if (since < deadline - DEADLINE_TOLERANCE_S) {
        res->early++;
        note_failure(res, "a half-open connection (%s) was closed %.3f s after %s, before its %.0f ms deadline",
                     h->kind == HALF_IDLE ? "silent" : "partial frame", since,
                     h->kind == HALF_IDLE ? "connect" : "its bytes were sent", deadline * 1e3);
    }
    int k = h->kind;
    if (res->closed[k] == 0 || since < res->close_min_s[k]) res->close_min_s[k] = since;
    if (since > res->close_max_s[k]) res->close_max_s[k] = since;
    res->closed[k]++;
}

void half_open_main(struct shared *sh, int slot, uid_t uid, uint32_t count, double give_up_s) {
    struct half_open_result *res = &sh->half[slot];
    res->uid = uid;
    res->count = count;
    int err = become(uid);
    if (err < 0) {
        note_failure(res, "cannot become uid %u: %s", (unsigned)uid, strerror(-err));
        _exit(2);
    }
    struct half *h = calloc(count, sizeof *h);
    struct pollfd *pfd = calloc(count, sizeof *pfd);
    uint32_t *index = calloc(count, sizeof *index);
    if (!h || !pfd || !index) _exit(2);

    deadbolt_wire_request hello;
    deadbolt_wire_encode_hello(&hello, 1, DEADBOLT_PROTOCOL_VERSION, (deadbolt_wire_string){"garbage-half-open", 17});
    uint32_t open = 0;
    for (uint32_t i = 0; i < count; i++) {
        h[i].kind = (int)(i % HALF_KINDS);
        h[i].t_connect = now_s();
        int fd = dial(sh->socket_path);
        if (fd < 0) {
            res->other++;
            atomic_fetch_add(&sh->half_closed, 1);
            note_failure(res, "connect: %s", strerror(-fd));
            h[i].fd = -1;
            continue;
        }
        set_nonblocking(fd);
        h[i].fd = fd;
        open++;
        atomic_fetch_add(&sh->half_connected, 1);
    }
    /* Part of a frame, once all are open: a partial-frame deadline running
     * out while this uid still connects would free a slot of its quota.
     * 1-3 bytes of the length, or the length and 1 .. length-1 bytes of
     * the body. A refused connection may be gone already. */
    for (uint32_t i = 0; i < count; i++) {
        size_t partial = h[i].kind == HALF_PREFIX          ? 1 + i % 3
                         : h[i].kind == HALF_PARTIAL_HELLO ? 4 + 1 + i % (hello.length - 5)
                                                           : 0;
        h[i].t_partial = now_s();
        if (h[i].fd >= 0 && partial && send(h[i].fd, hello.bytes, partial, MSG_NOSIGNAL) != (ssize_t)partial &&
            errno != EPIPE && errno != ECONNRESET)
            note_failure(res, "send of %zu bytes of a frame: %s", partial, strerror(errno));
    }

    while (open > 0) {
        double left = give_up_s - now_s();
        if (left <= 0) break;
        nfds_t n = 0;
        for (uint32_t i = 0; i < count; i++)
            if (h[i].fd >= 0) {
                index[n] = i;
                pfd[n++] = (struct pollfd){.fd = h[i].fd, .events = POLLIN | POLLRDHUP};
            }
        int r = poll(pfd, n, (int)(left * 1000) + 1);
        if (r < 0 && errno != EINTR) {
            note_failure(res, "poll: %s", strerror(errno));
            break;
        }
        double now = now_s();
        for (nfds_t j = 0; j < n && r > 0; j++) {
            if (!pfd[j].revents) continue;
            struct half *c = &h[index[j]];
            int ended = 0;
            for (;;) {
                uint8_t spill[256];
                int fits = c->len < sizeof c->buf;
                ssize_t got = recv(c->fd, fits ? c->buf + c->len : spill, fits ? sizeof c->buf - c->len : sizeof spill,
                                   MSG_DONTWAIT);
                if (got > 0) {
                    c->len += (size_t)got; /* past the buffer: counted, and never one ERROR frame */
                    continue;
                }
                if (got < 0 && errno == EINTR) continue;
                if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
                ended = 1; /* EOF, or ECONNRESET: the daemon closed with bytes of ours unread */
                break;
            }
            if (ended) {
                classify(sh, res, c, now);
                close(c->fd);
                c->fd = -1;
                open--;
            }
        }
    }
    res->still_open = open;
    if (open) note_failure(res, "%u half-open connections still open when the run gave up on them", open);
    for (uint32_t i = 0; i < count; i++)
        if (h[i].fd >= 0) close(h[i].fd);
    _exit(0);
}
