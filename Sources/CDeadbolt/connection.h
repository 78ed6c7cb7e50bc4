/* SPDX-License-Identifier: MIT */
#ifndef DEADBOLT_CONNECTION_H
#define DEADBOLT_CONNECTION_H

/*
 * One connection to the daemon: the socket, the bytes received and not yet
 * read, the LOST events received while waiting for responses, and the
 * deadlines of a call. Internal to libdeadbolt.
 *
 * Invariants:
 *   - fd is -1 once an error closed the connection; every later request then
 *     answers -ENOTCONN, and only queued events can still be read.
 *   - At most one request is outstanding: a call sends one request and reads
 *     until its response, so any other response is a protocol error.
 *   - No LOST event is ever dropped: one that cannot be queued (no memory)
 *     closes the connection instead, which the caller sees as an error.
 */

#include "deadbolt.h"
#include "wire.h"

#include <stdint.h>

struct deadbolt {
    int      fd;
    uint32_t next_request_id;      /* never 0, which the protocol reserves */
    int64_t  io_timeout_ms;        /* -1 = no limit */
    uint32_t max_frame_bytes;      /* the largest body accepted from the daemon */
    int64_t  receive_timeout_ms;   /* the socket's SO_RCVTIMEO now; 0 = none */
    deadbolt_session_info info;

    /* The last request's answer: its wire status (-1 = none came) and the
     * failure message, NUL-terminated. */
    int  last_status;
    char last_message[DEADBOLT_MAX_NAME_BYTES + 1];

    /* Received bytes: [in_start, in_end) of in[0, in_capacity) are unread. */
    uint8_t *in;
    size_t   in_start;
    size_t   in_end;
    size_t   in_capacity;

    /* LOST events not yet taken by deadbolt_next_event(): a ring of
     * event_capacity slots, event_count of them used from event_head on. */
    deadbolt_event *events;
    size_t          event_head;
    size_t          event_count;
    size_t          event_capacity;
};

enum {
    /* Bodies larger than this are refused whatever the daemon announces, so
     * a rogue peer cannot make the client allocate without bound. */
    DEADBOLT_CONNECTION_MAX_FRAME_BYTES = 16 * 1024 * 1024
};

/* A point on the monotonic clock, in ms; DEADBOLT_NO_DEADLINE = never. */
#define DEADBOLT_NO_DEADLINE INT64_MAX
/* A deadline that has always passed: read what has arrived, never wait. */
#define DEADBOLT_DONT_WAIT 0
DEADBOLT_INTERNAL int64_t deadbolt_connection_now_ms(void);
/* now + after_ms, or DEADBOLT_NO_DEADLINE if after_ms is negative (no limit). */
DEADBOLT_INTERNAL int64_t deadbolt_connection_deadline(int64_t after_ms);

/* Opens and connects the socket (close-on-exec; it stays in blocking mode,
 * and every call that must not block passes MSG_DONTWAIT), waiting
 * at most until `deadline`. Returns the fd, or a negative errno. */
DEADBOLT_INTERNAL int deadbolt_connection_open_socket(const char *path, int64_t deadline);

/* The next request id. */
DEADBOLT_INTERNAL uint32_t deadbolt_connection_take_request_id(deadbolt_t *c);

/* Sends `request` (whose id is `request_id` and type `type`) and reads until
 * its response, queueing LOST events that come first. Returns 0 with the OK
 * response in *response (its strings point into the handle's buffer, valid
 * until the next call); the failure status's errno (the connection stays
 * open); or a connection error, after which the connection is closed. */
DEADBOLT_INTERNAL int deadbolt_connection_call(deadbolt_t *c, const deadbolt_wire_request *request,
                                               uint8_t type, uint32_t request_id, int64_t deadline,
                                               deadbolt_wire_message *response);

/* Reads the next frame, if one has been received or waits in the socket,
 * without blocking; a LOST event is queued. Returns 0, or a connection error
 * (the connection is then closed). */
DEADBOLT_INTERNAL int deadbolt_connection_poll_events(deadbolt_t *c);

/* Takes the oldest queued event into *ev: 1 if there was one, else 0. */
DEADBOLT_INTERNAL int deadbolt_connection_pop_event(deadbolt_t *c, deadbolt_event *ev);

/* Starts a public call that sends a request: forgets the last answer. */
DEADBOLT_INTERNAL void deadbolt_connection_begin(deadbolt_t *c);

/* For an OK response whose payload does not decode: closes the connection
 * and returns -EPROTO. */
DEADBOLT_INTERNAL int deadbolt_connection_malformed(deadbolt_t *c);

/* Closes the socket (if open); buffers and queued events stay. */
DEADBOLT_INTERNAL void deadbolt_connection_shut(deadbolt_t *c);

#endif /* DEADBOLT_CONNECTION_H */
