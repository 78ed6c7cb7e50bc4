/* SPDX-License-Identifier: MIT */
/* Socket I/O, framing and the event queue of one connection. */
#define _GNU_SOURCE 1
#include "connection.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

enum { INITIAL_BUFFER_BYTES = 4096, INITIAL_EVENT_SLOTS = 4 };

/* --- Clock and deadlines --- */

int64_t deadbolt_connection_now_ms(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

int64_t deadbolt_connection_deadline(int64_t after_ms) {
    if (after_ms < 0) return DEADBOLT_NO_DEADLINE;
    int64_t now = deadbolt_connection_now_ms();
    return after_ms > DEADBOLT_NO_DEADLINE - now ? DEADBOLT_NO_DEADLINE : now + after_ms;
}

/* A poll(2) timeout for the time left before `deadline`: -1 = none, 0 = passed. */
static int poll_timeout(int64_t deadline) {
    if (deadline == DEADBOLT_NO_DEADLINE) return -1;
    int64_t left = deadline - deadbolt_connection_now_ms();
    if (left <= 0) return 0;
    /* Rounded up, so a wake-up is never early by a fraction of a ms. */
    return left >= INT_MAX ? INT_MAX : (int)left + 1;
}

/* Waits until fd has `events`. Returns 0, or -ETIMEDOUT at the deadline. */
static int wait_for(int fd, short events, int64_t deadline) {
    for (;;) {
        struct pollfd p = {.fd = fd, .events = events};
        int timeout = poll_timeout(deadline);
        int ready = poll(&p, 1, timeout);
        if (ready > 0) return 0; /* readable, writable, or an error/hang-up that the next I/O reports */
        if (ready == 0) {
            if (timeout != 0 && deadbolt_connection_now_ms() < deadline) continue;
            return -ETIMEDOUT;
        }
        if (errno != EINTR) return -errno;
    }
}

/* --- The socket --- */

int deadbolt_connection_open_socket(const char *path, int64_t deadline) {
    struct sockaddr_un address;
    memset(&address, 0, sizeof address);
    address.sun_family = AF_UNIX;
    size_t length = strlen(path);
    if (length == 0 || length >= sizeof address.sun_path) return -EINVAL;
    memcpy(address.sun_path, path, length + 1);

    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;

    /* connect(2) on a Unix socket blocks only while the listener's backlog
     * is full, for at most SO_SNDTIMEO. */
    int timeout = poll_timeout(deadline);
    if (timeout >= 0) {
        struct timeval limit = {.tv_sec = timeout / 1000, .tv_usec = (timeout % 1000) * 1000};
        if (timeout == 0) limit.tv_usec = 1000;
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
    }
    int result;
    do {
        result = connect(fd, (const struct sockaddr *)&address, sizeof address);
    } while (result < 0 && errno == EINTR); /* nothing was established: try again */
    if (result < 0 && errno != EISCONN) {
        int err = (errno == EAGAIN || errno == EINPROGRESS) ? -ETIMEDOUT : -errno;
        close(fd);
        return err;
    }
    return fd;
}

void deadbolt_connection_shut(deadbolt_t *c) {
    if (c->fd >= 0) {
        close(c->fd);
        c->fd = -1;
    }
}

/* Closes the connection and passes `err` on. */
static int fail(deadbolt_t *c, int err) {
    deadbolt_connection_shut(c);
    return err;
}

void deadbolt_connection_begin(deadbolt_t *c) {
    c->last_status = -1;
    c->last_message[0] = '\0';
}

int deadbolt_connection_malformed(deadbolt_t *c) {
    return fail(c, -EPROTO);
}

uint32_t deadbolt_connection_take_request_id(deadbolt_t *c) {
    uint32_t id = c->next_request_id++;
    if (c->next_request_id == 0) c->next_request_id = 1;
    return id;
}

/* --- Receiving frames --- */

/* Makes room for `needed` unread bytes in all, moving unread bytes to the
 * front first. Returns 0 or -ENOMEM. */
static int reserve(deadbolt_t *c, size_t needed) {
    size_t unread = c->in_end - c->in_start;
    if (c->in_start > 0) {
        memmove(c->in, c->in + c->in_start, unread);
        c->in_start = 0;
        c->in_end = unread;
    }
    if (needed <= c->in_capacity) return 0;
    size_t capacity = c->in_capacity ? c->in_capacity : INITIAL_BUFFER_BYTES;
    while (capacity < needed) capacity *= 2;
    uint8_t *grown = realloc(c->in, capacity);
    if (!grown) return -ENOMEM;
    c->in = grown;
    c->in_capacity = capacity;
    return 0;
}

/* One recv(2) into the buffer, with `flags` (MSG_DONTWAIT: never waits).
 * Returns 1 if bytes arrived, 0 if none did (nothing waiting, the receive
 * timeout, or a signal), or a connection error. */
static int receive(deadbolt_t *c, int flags) {
    ssize_t got = recv(c->fd, c->in + c->in_end, c->in_capacity - c->in_end, flags);
    if (got > 0) {
        c->in_end += (size_t)got;
        return 1;
    }
    if (got == 0) return -ECONNRESET; /* the daemon closed: it went away, or stopped */
    if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) return 0;
    return errno == EPIPE ? -ECONNRESET : -errno;
}

/* One recv(2) that waits for bytes, until `deadline` at the latest. A
 * waiting recv costs one system call where poll(2) and then recv(2) cost
 * two (or three, with a first try that finds nothing). SO_RCVTIMEO bounds
 * the wait; it is changed only when its value would run past the deadline,
 * and far deadlines are rounded down to whole seconds, so a run of calls
 * with the same io timeout sets it once. Returns 1 if bytes arrived, 0 if
 * none did (the timeout, a signal, or a socket the caller made
 * non-blocking: the caller then polls until the deadline), or an error. */
static int receive_waiting(deadbolt_t *c, int64_t deadline) {
    int64_t timeout_ms = 0; /* none */
    if (deadline != DEADBOLT_NO_DEADLINE) {
        int64_t left = deadline - deadbolt_connection_now_ms();
        if (left <= 0) return 0;
        timeout_ms = left >= 2000 ? left / 1000 * 1000 : left;
    }
    int stale = timeout_ms == 0 ? c->receive_timeout_ms != 0
                                : c->receive_timeout_ms == 0 || c->receive_timeout_ms > timeout_ms;
    if (stale) {
        struct timeval limit = {.tv_sec = (time_t)(timeout_ms / 1000), .tv_usec = (suseconds_t)(timeout_ms % 1000) * 1000};
        if (setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit) < 0) return -errno;
        c->receive_timeout_ms = timeout_ms;
    }
    return receive(c, 0);
}

/* Takes the next whole frame from the buffer or the socket. Its body is
 * left at *body (valid until the next read) and consumed. Returns 1 with a
 * frame, 0 if `deadline` is DEADBOLT_DONT_WAIT and no whole frame has
 * arrived, or a connection error, which closes the connection. */
static int next_frame(deadbolt_t *c, int64_t deadline, const uint8_t **body, size_t *length) {
    for (;;) {
        size_t unread = c->in_end - c->in_start;
        size_t needed = DEADBOLT_WIRE_LENGTH_BYTES;
        if (unread >= DEADBOLT_WIRE_LENGTH_BYTES) {
            uint32_t body_bytes = deadbolt_wire_frame_length(c->in + c->in_start);
            /* Checked before anything is allocated for the body. */
            if (body_bytes > c->max_frame_bytes) return fail(c, -EPROTO);
            needed += body_bytes;
            if (unread >= needed) {
                *body = c->in + c->in_start + DEADBOLT_WIRE_LENGTH_BYTES;
                *length = body_bytes;
                c->in_start += needed;
                return 1;
            }
        }
        int err = reserve(c, needed < INITIAL_BUFFER_BYTES ? INITIAL_BUFFER_BYTES : needed);
        if (err < 0) return fail(c, err);
        int got = deadline == DEADBOLT_DONT_WAIT ? receive(c, MSG_DONTWAIT) : receive_waiting(c, deadline);
        if (got < 0) return fail(c, got);
        if (got > 0) continue;
        if (deadline == DEADBOLT_DONT_WAIT) return 0;
        err = wait_for(c->fd, POLLIN, deadline);
        if (err < 0) return fail(c, err);
    }
}

/* --- Events --- */

static int queue_lost(deadbolt_t *c, const deadbolt_wire_message *message) {
    deadbolt_wire_reader payload = message->payload;
    deadbolt_wire_lost lost;
    if (deadbolt_wire_decode_lost(&payload, &lost) < 0) return -EPROTO;
    if (lost.resource.length > DEADBOLT_MAX_NAME_BYTES || lost.owner.length > DEADBOLT_MAX_NAME_BYTES)
        return -EPROTO;

    if (c->event_count == c->event_capacity) {
        size_t capacity = c->event_capacity ? c->event_capacity * 2 : INITIAL_EVENT_SLOTS;
        deadbolt_event *grown = malloc(capacity * sizeof *grown);
        if (!grown) return -ENOMEM;
        for (size_t i = 0; i < c->event_count; i++) {
            grown[i] = c->events[(c->event_head + i) % c->event_capacity];
        }
        free(c->events);
        c->events = grown;
        c->event_head = 0;
        c->event_capacity = capacity;
    }
    deadbolt_event *ev = &c->events[(c->event_head + c->event_count) % c->event_capacity];
    memset(ev, 0, sizeof *ev);
    ev->type = DEADBOLT_EVENT_LOST;
    ev->reason = lost.reason;
    ev->token = lost.token;
    memcpy(ev->resource, lost.resource.bytes, lost.resource.length);
    memcpy(ev->owner, lost.owner.bytes, lost.owner.length);
    c->event_count++;
    return 0;
}

int deadbolt_connection_pop_event(deadbolt_t *c, deadbolt_event *ev) {
    if (c->event_count == 0) return 0;
    *ev = c->events[c->event_head];
    c->event_head = (c->event_head + 1) % c->event_capacity;
    c->event_count--;
    return 1;
}

/* What read_message() found. */
enum read_outcome {
    NOTHING_YET = 0,   /* no whole frame had arrived (only when not waiting) */
    EVENT_QUEUED = 1,  /* a LOST event, now in the queue */
    MESSAGE = 2        /* a response or an ERROR frame of a request, in *message */
};

/* Reads one frame and handles it if it is not for the caller: a LOST event
 * is queued, and an ERROR frame of no request (id 0) ends the connection
 * with its status. Returns a read_outcome, or a connection error. */
static int read_message(deadbolt_t *c, int64_t deadline, deadbolt_wire_message *message) {
    const uint8_t *body;
    size_t length;
    int got = next_frame(c, deadline, &body, &length);
    if (got <= 0) return got < 0 ? got : NOTHING_YET;
    if (deadbolt_wire_decode_message(body, length, message) < 0) return fail(c, -EPROTO);
    if (message->type == DEADBOLT_WIRE_LOST) {
        int err = queue_lost(c, message);
        return err < 0 ? fail(c, err) : EVENT_QUEUED;
    }
    if (message->type == DEADBOLT_WIRE_ERROR && message->request_id == 0) {
        /* The daemon refused the connection (its limit, its shutdown, no
         * HELLO in time) or could not read a frame; it closes after this. */
        int err = deadbolt_wire_status_errno(message->status);
        return fail(c, err == 0 ? -EPROTO : err);
    }
    return MESSAGE;
}

int deadbolt_connection_poll_events(deadbolt_t *c) {
    if (c->fd < 0) return -ENOTCONN;
    deadbolt_wire_message message;
    int got = read_message(c, DEADBOLT_DONT_WAIT, &message);
    if (got < 0) return got;
    /* A response, when no request is outstanding, is a protocol error. */
    return got == MESSAGE ? fail(c, -EPROTO) : 0;
}

/* --- Calls --- */

static int send_all(deadbolt_t *c, const uint8_t *bytes, size_t length, int64_t deadline) {
    while (length > 0) {
        ssize_t sent = send(c->fd, bytes, length, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (sent >= 0) {
            bytes += sent;
            length -= (size_t)sent;
            continue;
        }
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            int err = wait_for(c->fd, POLLOUT, deadline);
            if (err < 0) return err;
            continue;
        }
        return (errno == EPIPE || errno == ECONNRESET) ? -ECONNRESET : -errno;
    }
    return 0;
}

/* Keeps the status and message of an answer for deadbolt_last_status(). */
static void record_answer(deadbolt_t *c, const deadbolt_wire_message *answer) {
    size_t length = answer->message.length;
    if (length > DEADBOLT_MAX_NAME_BYTES) length = DEADBOLT_MAX_NAME_BYTES;
    if (length > 0) memcpy(c->last_message, answer->message.bytes, length);
    c->last_message[length] = '\0';
    c->last_status = answer->status;
}

int deadbolt_connection_call(deadbolt_t *c, const deadbolt_wire_request *request, uint8_t type,
                             uint32_t request_id, int64_t deadline, deadbolt_wire_message *response) {
    if (c->fd < 0) return -ENOTCONN;
    int err = send_all(c, request->bytes, request->length, deadline);
    if (err == -ECONNRESET) {
        /* The daemon may have said why before it closed (an ERROR frame):
         * read what is left and report that instead. */
        int got;
        while ((got = read_message(c, DEADBOLT_DONT_WAIT, response)) > NOTHING_YET) {
        }
        return fail(c, got < 0 ? got : -ECONNRESET);
    }
    if (err < 0) return fail(c, err);

    for (;;) {
        int got = read_message(c, deadline, response);
        if (got < 0) return got;
        if (got != MESSAGE) continue; /* a LOST event, now queued */
        if (response->request_id != request_id) return fail(c, -EPROTO);
        int is_error_frame = response->type == DEADBOLT_WIRE_ERROR;
        if (is_error_frame ? response->status == DEADBOLT_STATUS_OK : response->type != (type | DEADBOLT_WIRE_RESPONSE_BIT))
            return fail(c, -EPROTO);
        record_answer(c, response);
        return deadbolt_wire_status_errno(response->status);
    }
}
