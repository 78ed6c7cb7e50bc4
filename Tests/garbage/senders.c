/* SPDX-License-Identifier: MIT */
/*
 * A garbage sender: one process, as one uid, that opens connection after
 * connection, each in one of the modes below, and counts the bytes send(2)
 * accepted. A byte sender (random, frames, hello-frames) goes on until the
 * byte target or the time bound; a slow sender (trickle, trickle-stall,
 * unread, unread-prehello, random) until the orchestrator stops it. Every
 * socket is non-blocking; a sender waits only in poll(2), on its socket, so
 * it sees the daemon close the connection (EOF, EPIPE, ECONNRESET, POLLHUP)
 * whatever it is doing.
 *
 * What each mode expects (a connection cut short by the end of the flood
 * checks nothing):
 *
 *   random          pure random bytes, 4 KiB .. 256 KiB. The first 4 are a
 *                   length above the maximum (all but surely): the daemon
 *                   must close the connection, its last frame an ERROR
 *                   PROTOCOL_ERROR id 0.
 *   frames          plausible lengths (0 .. 64 KiB) with random bodies, no
 *                   HELLO, 16 KiB .. 4 MiB, answers not read until the end.
 *                   Whatever happens, every answer before a HELLO succeeded
 *                   says PROTOCOL_ERROR, INVALID_ARGUMENT or
 *                   UNSUPPORTED_VERSION.
 *   hello-frames    a valid HELLO, then random frames (random, request and
 *                   unknown types, bodies short and long, some with id 0),
 *                   16 KiB .. 4 MiB, answers read as they come. Every
 *                   non-ACQUIRE request is answered exactly once; one
 *                   connection in three ends with a length above the
 *                   maximum, which must get ERROR PROTOCOL_ERROR id 0 and a
 *                   close. Never closed otherwise.
 *   trickle         HELLO and small frames, one byte per write, 0-5 ms apart;
 *                   every request answered. Closed only if a frame stayed
 *                   incomplete for the partial-frame deadline (a stalled
 *                   machine), never before.
 *   trickle-stall   HELLO, then one frame at 300 ms a byte: closed with ERROR
 *                   PROTOCOL_ERROR id 0, no earlier than the partial-frame
 *                   deadline after its first byte.
 *   unread          HELLO, then valid requests (PING, STATS, QUERY, a try-lock
 *                   and its unlock of an own resource), never read, for 1-3 s:
 *                   the daemon stops reading but must not close it; every
 *                   answer read at the end is OK.
 *   unread-prehello valid requests without HELLO, never read: the daemon
 *                   must close it no earlier than the HELLO deadline (then
 *                   its last ERROR cannot be written, and it gives it 1 s).
 *
 * Every frame read back is checked (answers.c). Any connection whose first
 * frame is ERROR QUOTA_EXCEEDED was refused at connect: a failure here, as
 * the orchestrator leaves slots free for the senders.
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

const char *const mode_names[MODE_COUNT] = {"random", "frames", "hello-frames", "trickle",
                                            "trickle-stall", "unread", "unread-prehello"};

/* A send(2) that makes no progress this long means the daemon stopped
 * reading the connection. */
#define UNREAD_STALL_S 0.3

/* How long a sender waits for answers still due, or for a close it expects
 * to be announced, before it calls it a failure. Generous: a loaded
 * machine, a debug daemon. */
#define ANSWER_PATIENCE_S 30.0

/* Failures printed per sender; all are counted. */
enum { PRINTED_FAILURES = 5 };

/* What senders do, in turn. Byte senders move the bytes; slow senders,
 * mostly idle, keep trickles, stalled frames and unread connections open
 * all along. Each starts at its own point of its schedule, so that every
 * mode runs from the start. */
static const enum mode byte_schedule[] = {MODE_HELLO_FRAMES, MODE_FRAMES,       MODE_HELLO_FRAMES,
                                          MODE_RANDOM,       MODE_HELLO_FRAMES, MODE_FRAMES};
static const enum mode slow_schedule[] = {MODE_UNREAD_PREHELLO, MODE_TRICKLE, MODE_TRICKLE_STALL, MODE_UNREAD,
                                          MODE_RANDOM};

struct conn {
    struct shared        *sh;
    struct sender_result *res;
    struct mode_result   *mr;
    struct rng           *rng;
    int                   index;        /* the sender's */
    uint64_t              number;       /* the sender's connection count */
    enum mode             mode;
    int                   fd;
    int                   reads;        /* reads answers as they come */
    double                t_connect;    /* just before connect(2) */
    double                deadline;     /* the connection's time budget */
    double                last_progress;
    int                   backed_up;
    int                   closed;       /* the daemon closed it */
    double                t_closed;
    int                   failed;
    int                   gone;         /* connect(2) failed: stop */
    struct answers        in;
};

enum step { STEP_DONE, STEP_CLOSED, STEP_TIMEOUT, STEP_STOPPED };

static uint8_t read_buf[65536];

/* Byte senders stop at the byte target or the time bound; slow senders
 * when the orchestrator says so (the byte senders are done, and the slow
 * window has passed). */
static int flood_over(const struct conn *c) {
    if (atomic_load(&c->sh->stop)) return 1;
    return !c->res->slow && (now_s() >= c->sh->flood_deadline_s || atomic_load(&c->sh->bytes) >= c->sh->byte_target);
}

static void fail(struct conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(struct conn *c, const char *fmt, ...) {
    char what[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    c->failed = 1;
    if (c->res->failures == 0)
        copy_text(c->res->first_failure, sizeof c->res->first_failure, "%s connection %llu: %s", mode_names[c->mode],
                  (unsigned long long)c->number, what);
    if (c->res->failures++ < PRINTED_FAILURES)
        fprintf(stderr, "garbage: FAIL: sender %d (uid %u), %s connection %llu, %.2f s in: %s\n", c->index,
                (unsigned)c->res->uid, mode_names[c->mode], (unsigned long long)c->number, now_s() - c->t_connect,
                what);
}

static void account(struct conn *c, size_t n) {
    c->mr->bytes += n;
    atomic_fetch_add(&c->sh->bytes, n);
}

static enum step closed(struct conn *c) {
    if (!c->closed) {
        c->closed = 1;
        c->t_closed = now_s();
    }
    return STEP_CLOSED;
}

/* Reads what is there; STEP_CLOSED at EOF or a reset, else STEP_DONE. */
static enum step read_some(struct conn *c) {
    for (;;) {
        ssize_t n = recv(c->fd, read_buf, sizeof read_buf, MSG_DONTWAIT);
        if (n > 0) {
            answers_feed(&c->in, read_buf, (size_t)n);
            continue;
        }
        if (n == 0) return closed(c);
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return STEP_DONE;
        if (errno == ECONNRESET || errno == EPIPE) return closed(c);
        fail(c, "recv: %s", strerror(errno));
        return closed(c);
    }
}

/* One poll(2) round: waits at most until `until` (and 100 ms, to notice
 * the end of the flood), sending from *p if `want_send`. */
static enum step turn(struct conn *c, double until, const uint8_t *p, size_t n, size_t *sent) {
    if (flood_over(c)) return STEP_STOPPED;
    double now = now_s();
    if (c->deadline > 0 && now >= c->deadline) return STEP_TIMEOUT;
    if (until > c->deadline && c->deadline > 0) until = c->deadline;
    int wait_ms = (int)((until - now) * 1000) + 1;
    if (wait_ms > 100) wait_ms = 100;
    if (wait_ms < 0) wait_ms = 0;
    struct pollfd pfd = {.fd = c->fd, .events = POLLRDHUP | (c->reads ? POLLIN : 0) | (n ? POLLOUT : 0)};
    int r = poll(&pfd, 1, wait_ms);
    if (r < 0) {
        if (errno != EINTR) fail(c, "poll: %s", strerror(errno));
        return STEP_DONE;
    }
    if (c->reads && (pfd.revents & (POLLIN | POLLRDHUP | POLLHUP | POLLERR))) {
        if (read_some(c) == STEP_CLOSED) return STEP_CLOSED;
    } else if (pfd.revents & (POLLRDHUP | POLLHUP | POLLERR)) {
        return closed(c);
    }
    if (n && (pfd.revents & POLLOUT)) {
        ssize_t s = send(c->fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (s > 0) {
            *sent += (size_t)s;
            account(c, (size_t)s);
            c->last_progress = now_s();
        } else if (s < 0 && (errno == EPIPE || errno == ECONNRESET)) {
            return closed(c);
        } else if (s < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            fail(c, "send: %s", strerror(errno));
            return closed(c);
        }
    }
    if (n && now_s() - c->last_progress >= UNREAD_STALL_S) c->backed_up = 1;
    return STEP_DONE;
}

/* Sends all n bytes, reading answers meanwhile if the connection reads. */
static enum step pump(struct conn *c, const uint8_t *p, size_t n) {
    size_t sent = 0;
    c->last_progress = now_s();
    while (sent < n) {
        enum step s = turn(c, now_s() + 1, p + sent, n - sent, &sent);
        if (s != STEP_DONE) return s;
    }
    return STEP_DONE;
}

/* Waits until t, reading answers meanwhile if the connection reads. */
static enum step pause_until(struct conn *c, double t) {
    while (now_s() < t) {
        enum step s = turn(c, t, NULL, 0, NULL);
        if (s != STEP_DONE) return s;
    }
    return STEP_DONE;
}

/* Reads until done(c) holds, the daemon closes, or `patience` passes.
 * Ignores the connection's time budget and the end of the flood: what it
 * waits for is due. */
static enum step read_until(struct conn *c, int (*done)(const struct conn *), double patience) {
    double deadline = now_s() + patience;
    int reads = c->reads;
    c->reads = 1;
    enum step result = STEP_TIMEOUT;
    while (!done(c)) {
        double now = now_s();
        if (now >= deadline) goto out;
        struct pollfd pfd = {.fd = c->fd, .events = POLLIN | POLLRDHUP};
        int r = poll(&pfd, 1, (int)((deadline - now) * 1000) + 1);
        if (r < 0 && errno != EINTR) {
            fail(c, "poll: %s", strerror(errno));
            goto out;
        }
        if (r > 0 && read_some(c) == STEP_CLOSED) {
            result = STEP_CLOSED;
            goto out;
        }
    }
    result = STEP_DONE;
out:
    c->reads = reads;
    return result;
}

static int never(const struct conn *c) {
    (void)c;
    return 0;
}

static int hello_answered(const struct conn *c) {
    return c->in.frames > 0;
}

static int all_answered(const struct conn *c) {
    return c->in.unanswered == c->in.unanswered_acquire;
}

/* After the daemon closed the connection: everything it sent, to the end. */
static void read_to_end(struct conn *c) {
    if (read_until(c, never, ANSWER_PATIENCE_S) != STEP_CLOSED)
        fail(c, "the daemon closed the connection but its data never ended");
}

/* Before closing a connection ourselves: what is there, without waiting. */
static void read_what_is_there(struct conn *c) {
    read_some(c);
}

static int open_connection(struct conn *c) {
    c->t_connect = now_s();
    int fd = dial(c->sh->socket_path);
    if (fd < 0) {
        fail(c, "connect: %s; this sender stops", strerror(-fd));
        c->gone = 1; /* the daemon is gone: the orchestrator says so */
        return -1;
    }
    set_nonblocking(fd);
    c->fd = fd;
    c->mr->connections++;
    atomic_fetch_add(&c->sh->connections, 1);
    return 0;
}

static void put_be32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* A body length: mostly small or medium, a quarter large, some exactly the
 * maximum (which is allowed). */
static uint32_t plausible_length(struct rng *r) {
    uint64_t pick = rng_below(r, 100);
    if (pick < 40) return (uint32_t)rng_below(r, 65);
    if (pick < 70) return (uint32_t)(65 + rng_below(r, 4096 - 65 + 1));
    if (pick < 95) return (uint32_t)(4097 + rng_below(r, MAX_FRAME_BYTES - 4097));
    return MAX_FRAME_BYTES;
}

/* A type byte for a frame after HELLO: any byte, a request type with a
 * random body, or one that is not a request (unknown, or a response's). */
static uint8_t random_type(struct rng *r) {
    uint64_t pick = rng_below(r, 100);
    if (pick < 55) return (uint8_t)rng_next(r);
    if (pick < 80) return (uint8_t)(DEADBOLT_WIRE_HELLO + rng_below(r, DEADBOLT_WIRE_CANCEL));
    if (pick < 90) return (uint8_t)(DEADBOLT_WIRE_CANCEL + 1 + rng_below(r, 0x80 - DEADBOLT_WIRE_CANCEL - 1));
    return (uint8_t)(0x80 + rng_below(r, 0x80));
}

/* Appends one frame of `length` random bytes; if `tracked`, its header is
 * a random type and a tracked request id (or id 0, one in ten). Returns
 * the bytes appended. */
static size_t random_frame(struct conn *c, uint8_t *out, uint32_t length, int tracked) {
    put_be32(out, length);
    rng_fill(c->rng, out + 4, length);
    if (tracked && length >= DEADBOLT_WIRE_HEADER_BYTES) {
        uint8_t type = random_type(c->rng);
        out[4] = type;
        put_be32(out + 5, rng_below(c->rng, 10) == 0 ? 0 : answers_take_id(&c->in, type));
    }
    c->mr->frames_sent++;
    return 4 + (size_t)length;
}

static enum step send_hello(struct conn *c, int one_byte_at_a_time) {
    deadbolt_wire_request h;
    char name[32];
    int n = snprintf(name, sizeof name, "garbage-%s", mode_names[c->mode]);
    deadbolt_wire_encode_hello(&h, answers_take_id(&c->in, DEADBOLT_WIRE_HELLO), DEADBOLT_PROTOCOL_VERSION,
                               (deadbolt_wire_string){name, (size_t)n});
    if (!one_byte_at_a_time) return pump(c, h.bytes, h.length);
    for (size_t i = 0; i < h.length; i++) {
        enum step s = pump(c, h.bytes + i, 1);
        if (s == STEP_DONE) s = pause_until(c, now_s() + (double)rng_below(c->rng, 6) / 1e3);
        if (s != STEP_DONE) return s;
    }
    return STEP_DONE;
}

/* HELLO, and its answer: 0 if the session is open. */
static int say_hello(struct conn *c, int one_byte_at_a_time) {
    enum step s = send_hello(c, one_byte_at_a_time);
    if (s == STEP_DONE) s = read_until(c, hello_answered, ANSWER_PATIENCE_S);
    if (s == STEP_STOPPED) return -1;
    if (s == STEP_DONE && !c->in.pre_hello) return 0;
    char last[96];
    answers_describe_last(&c->in, last, sizeof last);
    if (s == STEP_CLOSED) read_to_end(c);
    if (!answers_refused(&c->in)) fail(c, "HELLO was not answered OK (%s; %s)", last, s == STEP_CLOSED ? "closed" : "no answer");
    return -1;
}

/* A batch of valid requests: PING, STATS, QUERY, a try-lock of a resource
 * of this connection's own and its unlock, repeated to about 64 KiB. Sets
 * *frames to how many. */
static size_t valid_requests(struct conn *c, uint8_t *out, size_t cap, uint64_t *frames) {
    char resource[64];
    int n = snprintf(resource, sizeof resource, "garbage/unread/%d/%llu", (int)getpid(), (unsigned long long)c->number);
    deadbolt_wire_string name = {resource, (size_t)n}, none = {"", 0};
    deadbolt_wire_acquire a = {.resource = name, .owner = none, .mode = 0, .flags = 0, .ttl_ms = 0, .wait_ms = 0};
    size_t length = 0;
    *frames = 0;
    for (;;) {
        deadbolt_wire_request r[5];
        deadbolt_wire_encode_ping(&r[0], answers_take_id(&c->in, DEADBOLT_WIRE_PING));
        deadbolt_wire_encode_stats(&r[1], answers_take_id(&c->in, DEADBOLT_WIRE_STATS));
        deadbolt_wire_encode_query(&r[2], answers_take_id(&c->in, DEADBOLT_WIRE_QUERY), name);
        deadbolt_wire_encode_acquire(&r[3], answers_take_id(&c->in, DEADBOLT_WIRE_ACQUIRE), &a);
        deadbolt_wire_encode_release(&r[4], answers_take_id(&c->in, DEADBOLT_WIRE_RELEASE), name, none);
        size_t group = r[0].length + r[1].length + r[2].length + r[3].length + r[4].length;
        if (length + group > cap) return length;
        for (int i = 0; i < 5; i++) {
            memcpy(out + length, r[i].bytes, r[i].length);
            length += r[i].length;
        }
        *frames += 5;
    }
}

static uint8_t out_buf[256 * 1024 + MAX_FRAME_BYTES + 4];

/* --- The modes ----------------------------------------------------------- */

static enum step mode_random(struct conn *c) {
    uint64_t budget = rng_log_uniform(c->rng, 4096, 256 * 1024), sent_before = c->mr->bytes;
    c->deadline = c->t_connect + ANSWER_PATIENCE_S;
    enum step s = STEP_DONE;
    while (s == STEP_DONE && c->mr->bytes - sent_before < budget) {
        rng_fill(c->rng, out_buf, 16384);
        s = pump(c, out_buf, 16384);
    }
    /* The bytes may all be in the socket before the daemon reads the first 4. */
    if (s == STEP_DONE) s = read_until(c, never, ANSWER_PATIENCE_S);
    if (s == STEP_CLOSED) {
        read_to_end(c);
        if (answers_refused(&c->in)) return s;
        int framing_error = c->in.frames > 0 && c->in.last_type == DEADBOLT_WIRE_ERROR && c->in.last_id == 0 &&
                            c->in.last_status == DEADBOLT_STATUS_PROTOCOL_ERROR;
        int bad_version = c->in.frames > 0 && c->in.last_type == (DEADBOLT_WIRE_HELLO | DEADBOLT_WIRE_RESPONSE_BIT) &&
                          c->in.last_status == DEADBOLT_STATUS_UNSUPPORTED_VERSION;
        char last[96];
        answers_describe_last(&c->in, last, sizeof last);
        if (framing_error || bad_version) c->mr->checked++;
        else fail(c, "closed after random bytes with %s as its last frame, not ERROR PROTOCOL_ERROR id 0", last);
    } else if (s != STEP_STOPPED) {
        fail(c, "%llu random bytes accepted and no close within %.0f s", (unsigned long long)(c->mr->bytes - sent_before),
             ANSWER_PATIENCE_S);
    }
    return s == STEP_TIMEOUT ? STEP_DONE : s;
}

static enum step mode_frames(struct conn *c) {
    uint64_t budget = rng_log_uniform(c->rng, 16 * 1024, 4 * 1024 * 1024), sent = 0;
    /* Backed up, it is closed at the HELLO deadline (plus 1 s for the
     * unreadable ERROR); wait a little longer than that. */
    c->deadline = c->t_connect + (HELLO_TIMEOUT_MS + 3000) / 1e3;
    enum step s = STEP_DONE;
    while (s == STEP_DONE && sent < budget) {
        size_t length = 0;
        while (length < 128 * 1024) length += random_frame(c, out_buf + length, plausible_length(c->rng), 0);
        s = pump(c, out_buf, length);
        sent += length;
    }
    if (s == STEP_CLOSED) read_to_end(c);
    else read_what_is_there(c);
    if (s != STEP_STOPPED && !c->in.bad[0]) c->mr->checked++;
    return s == STEP_TIMEOUT ? STEP_DONE : s;
}

static enum step mode_hello_frames(struct conn *c) {
    if (say_hello(c, 0) != 0) return c->closed ? STEP_CLOSED : STEP_STOPPED;
    uint64_t budget = rng_log_uniform(c->rng, 16 * 1024, 4 * 1024 * 1024), sent = 0;
    int oversize = rng_below(c->rng, 3) == 0;
    c->deadline = now_s() + ANSWER_PATIENCE_S;
    enum step s = STEP_DONE;
    while (s == STEP_DONE && sent < budget) {
        size_t length = 0;
        while (length < 128 * 1024) length += random_frame(c, out_buf + length, plausible_length(c->rng), 1);
        s = pump(c, out_buf, length);
        sent += length;
    }
    char last[96];
    if (s == STEP_DONE && oversize) {
        c->mr->oversize++;
        uint32_t length = rng_below(c->rng, 2) ? MAX_FRAME_BYTES + 1
                                               : MAX_FRAME_BYTES + 1 + (uint32_t)rng_below(c->rng, 0xFFFFFFFFu - MAX_FRAME_BYTES);
        put_be32(out_buf, length);
        size_t tail = (size_t)rng_below(c->rng, 65);
        rng_fill(c->rng, out_buf + 4, tail);
        s = pump(c, out_buf, 4 + tail);
        if (s == STEP_DONE || s == STEP_CLOSED) {
            if (s == STEP_DONE && read_until(c, never, ANSWER_PATIENCE_S) != STEP_CLOSED) {
                fail(c, "a length of %u (above the maximum) was not answered by a close", length);
                return STEP_DONE;
            }
            read_to_end(c);
            answers_describe_last(&c->in, last, sizeof last);
            if (c->in.last_type != DEADBOLT_WIRE_ERROR || c->in.last_id != 0 ||
                c->in.last_status != DEADBOLT_STATUS_PROTOCOL_ERROR)
                fail(c, "a length of %u was answered by %s, not ERROR PROTOCOL_ERROR id 0", length, last);
            else if (!all_answered(c))
                fail(c, "%llu requests before the over-long length were never answered",
                     (unsigned long long)(c->in.unanswered - c->in.unanswered_acquire));
            else
                c->mr->checked++;
            return STEP_CLOSED;
        }
    } else if (s == STEP_DONE) {
        /* Budget spent: every request sent must be answered before we go. */
        s = read_until(c, all_answered, ANSWER_PATIENCE_S);
        if (s == STEP_DONE) c->mr->checked++;
        else if (s == STEP_TIMEOUT)
            fail(c, "%llu requests unanswered %.0f s after the last was sent",
                 (unsigned long long)(c->in.unanswered - c->in.unanswered_acquire), ANSWER_PATIENCE_S);
        if (s != STEP_CLOSED) return STEP_DONE;
    }
    if (s == STEP_CLOSED) {
        read_to_end(c);
        answers_describe_last(&c->in, last, sizeof last);
        if (!answers_refused(&c->in))
            fail(c, "closed by the daemon after HELLO and whole frames only (last frame: %s)", last);
    }
    return s == STEP_TIMEOUT ? STEP_DONE : s;
}

static enum step mode_trickle(struct conn *c) {
    if (say_hello(c, 1) != 0) return c->closed ? STEP_CLOSED : STEP_STOPPED;
    c->deadline = now_s() + 1.0 + (double)rng_below(c->rng, 1000) / 1e3;
    double frame_started = 0;
    enum step s = STEP_DONE;
    while (s == STEP_DONE && now_s() < c->deadline) {
        uint8_t frame[4 + 16];
        size_t length = random_frame(c, frame, (uint32_t)(DEADBOLT_WIRE_HEADER_BYTES + rng_below(c->rng, 12)), 1);
        frame_started = now_s();
        for (size_t i = 0; i < length && s == STEP_DONE; i++) {
            /* The frame is finished even past the budget: only whole frames. */
            double budget = c->deadline;
            c->deadline = 0;
            s = pump(c, frame + i, 1);
            if (s == STEP_DONE && i + 1 < length) s = pause_until(c, now_s() + (double)rng_below(c->rng, 6) / 1e3);
            c->deadline = budget;
        }
    }
    if (s == STEP_TIMEOUT) s = STEP_DONE;
    if (s == STEP_DONE) {
        s = read_until(c, all_answered, ANSWER_PATIENCE_S);
        if (s == STEP_DONE) c->mr->checked++;
        else if (s == STEP_TIMEOUT)
            fail(c, "%llu trickled requests unanswered %.0f s after the last was sent",
                 (unsigned long long)(c->in.unanswered - c->in.unanswered_acquire), ANSWER_PATIENCE_S);
        if (s != STEP_CLOSED) return STEP_DONE;
    }
    if (s == STEP_CLOSED) {
        read_to_end(c);
        double incomplete_for = c->t_closed - frame_started;
        char last[96];
        answers_describe_last(&c->in, last, sizeof last);
        if (answers_refused(&c->in)) return s;
        if (incomplete_for < PARTIAL_FRAME_TIMEOUT_MS / 1e3 - DEADLINE_TOLERANCE_S)
            fail(c, "closed %.3f s after its current frame began, before the %d ms partial-frame deadline (last "
                    "frame: %s)", incomplete_for, PARTIAL_FRAME_TIMEOUT_MS, last);
        else
            c->mr->late++; /* this sender stalled past the deadline mid-frame: the daemon may close it */
    }
    return s;
}

static enum step mode_trickle_stall(struct conn *c) {
    if (say_hello(c, 1) != 0) return c->closed ? STEP_CLOSED : STEP_STOPPED;
    uint8_t frame[4 + 28];
    size_t length = random_frame(c, frame, 28, 1);
    double first_byte = now_s();
    double patience = PARTIAL_FRAME_TIMEOUT_MS / 1e3 + ANSWER_PATIENCE_S;
    c->deadline = first_byte + patience;
    enum step s = STEP_DONE;
    for (size_t i = 0; i < length && s == STEP_DONE; i++) {
        s = pump(c, frame + i, 1);
        if (s == STEP_DONE) s = pause_until(c, now_s() + 0.3);
    }
    if (s == STEP_DONE || s == STEP_TIMEOUT) {
        fail(c, "a frame trickled at 300 ms a byte was not closed at the %d ms partial-frame deadline (%s)",
             PARTIAL_FRAME_TIMEOUT_MS, s == STEP_DONE ? "the whole frame went through" : "still open");
        return STEP_DONE;
    }
    if (s == STEP_CLOSED) {
        read_to_end(c);
        if (answers_refused(&c->in)) return s;
        double after = c->t_closed - first_byte;
        char last[96];
        answers_describe_last(&c->in, last, sizeof last);
        if (c->in.last_type != DEADBOLT_WIRE_ERROR || c->in.last_id != 0 ||
            c->in.last_status != DEADBOLT_STATUS_PROTOCOL_ERROR)
            fail(c, "a stalled frame was closed with %s as the last frame, not ERROR PROTOCOL_ERROR id 0", last);
        else if (after < PARTIAL_FRAME_TIMEOUT_MS / 1e3 - DEADLINE_TOLERANCE_S)
            fail(c, "a stalled frame was closed %.3f s after its first byte, before the %d ms deadline", after,
                 PARTIAL_FRAME_TIMEOUT_MS);
        else {
            c->mr->checked++;
            if (c->mr->checked == 1 || after < c->mr->close_min_s) c->mr->close_min_s = after;
            if (after > c->mr->close_max_s) c->mr->close_max_s = after;
        }
    }
    return s;
}

static enum step mode_unread(struct conn *c) {
    enum step s = send_hello(c, 0);
    if (s != STEP_DONE) {
        if (s == STEP_CLOSED) read_to_end(c);
        if (s == STEP_CLOSED && !answers_refused(&c->in)) fail(c, "closed right after HELLO");
        return s;
    }
    c->in.all_ok = 1;
    c->deadline = now_s() + 1.0 + (double)rng_below(c->rng, 2000) / 1e3;
    uint64_t frames;
    while ((s = pump(c, out_buf, valid_requests(c, out_buf, 64 * 1024, &frames))) == STEP_DONE)
        c->mr->frames_sent += frames;
    if (c->backed_up) c->mr->backed_up++;
    if (s == STEP_TIMEOUT) {
        struct pollfd pfd = {.fd = c->fd, .events = POLLRDHUP};
        if (poll(&pfd, 1, 0) > 0 && (pfd.revents & (POLLRDHUP | POLLHUP | POLLERR))) s = closed(c);
    }
    if (s == STEP_CLOSED) {
        read_to_end(c);
        if (!answers_refused(&c->in))
            fail(c, "the daemon closed a connection that said HELLO and only stopped reading (backed up: %s)",
                 c->backed_up ? "yes" : "no");
        return s;
    }
    read_what_is_there(c);
    if (s == STEP_TIMEOUT && !c->in.bad[0]) c->mr->checked++;
    return s == STEP_TIMEOUT ? STEP_DONE : s;
}

static enum step mode_unread_prehello(struct conn *c) {
    double hello_s = HELLO_TIMEOUT_MS / 1e3;
    c->deadline = c->t_connect + hello_s + ANSWER_PATIENCE_S;
    enum step s;
    uint64_t frames;
    while ((s = pump(c, out_buf, valid_requests(c, out_buf, 64 * 1024, &frames))) == STEP_DONE)
        c->mr->frames_sent += frames;
    if (c->backed_up) c->mr->backed_up++;
    if (s == STEP_TIMEOUT) {
        fail(c, "not closed %.0f s after the %d ms HELLO deadline (it sent requests before HELLO and read "
                "nothing; backed up: %s)", ANSWER_PATIENCE_S, HELLO_TIMEOUT_MS, c->backed_up ? "yes" : "no");
        return STEP_DONE;
    }
    if (s == STEP_CLOSED) {
        read_to_end(c);
        if (answers_refused(&c->in)) return s;
        double after = c->t_closed - c->t_connect;
        if (after < hello_s - DEADLINE_TOLERANCE_S)
            fail(c, "closed %.3f s after connect, before the %d ms HELLO deadline", after, HELLO_TIMEOUT_MS);
        else if (!c->in.bad[0]) {
            c->mr->checked++;
            if (c->mr->checked == 1 || after < c->mr->close_min_s) c->mr->close_min_s = after;
            if (after > c->mr->close_max_s) c->mr->close_max_s = after;
        }
    }
    return s;
}

static void run_connection(struct conn *c) {
    c->fd = -1;
    c->closed = 0;
    c->backed_up = 0;
    c->failed = 0;
    c->deadline = 0;
    c->reads = c->mode == MODE_HELLO_FRAMES || c->mode == MODE_TRICKLE || c->mode == MODE_TRICKLE_STALL;
    answers_init(&c->in, c->mode == MODE_HELLO_FRAMES || c->mode == MODE_TRICKLE || c->mode == MODE_TRICKLE_STALL);
    if (open_connection(c) != 0) {
        answers_free(&c->in);
        return;
    }
    enum step s = STEP_STOPPED;
    switch (c->mode) {
    case MODE_RANDOM: s = mode_random(c); break;
    case MODE_FRAMES: s = mode_frames(c); break;
    case MODE_HELLO_FRAMES: s = mode_hello_frames(c); break;
    case MODE_TRICKLE: s = mode_trickle(c); break;
    case MODE_TRICKLE_STALL: s = mode_trickle_stall(c); break;
    case MODE_UNREAD: s = mode_unread(c); break;
    case MODE_UNREAD_PREHELLO: s = mode_unread_prehello(c); break;
    case MODE_COUNT: break;
    }
    c->mr->answers += c->in.frames;
    if (c->in.bad[0]) fail(c, "malformed answer from the daemon: %s", c->in.bad);
    if (answers_refused(&c->in)) {
        c->mr->refused++;
        fail(c, "refused at connect (ERROR QUOTA_EXCEEDED): the run should leave slots free for the senders");
    } else if (s == STEP_CLOSED) {
        c->mr->closed_by_daemon++;
    } else if (s == STEP_STOPPED) {
        c->mr->stopped++;
    } else {
        c->mr->ended_by_budget++;
    }
    close(c->fd);
    answers_free(&c->in);
}

void sender_main(struct shared *sh, int index, uid_t uid, int slow) {
    struct sender_result *res = &sh->sender[index];
    res->uid = uid;
    res->slow = slow;
    int err = become(uid);
    if (err < 0) {
        copy_text(res->first_failure, sizeof res->first_failure, "cannot become uid %u: %s", (unsigned)uid,
                  strerror(-err));
        res->failures++;
        _exit(2);
    }
    struct rng rng;
    rng_seed(&rng, sh->seed ^ (0x51ed270b27eb4f4dULL * (uint64_t)(index + 1)));
    struct conn c = {.sh = sh, .res = res, .rng = &rng, .index = index};
    const enum mode *schedule = slow ? slow_schedule : byte_schedule;
    size_t length = slow ? sizeof slow_schedule / sizeof *slow_schedule : sizeof byte_schedule / sizeof *byte_schedule;
    for (uint64_t n = 0; !flood_over(&c) && !c.gone; n++) {
        c.number = n;
        c.mode = schedule[((size_t)index + n) % length];
        c.mr = &res->mode[c.mode];
        run_connection(&c);
    }
    _exit(0);
}
