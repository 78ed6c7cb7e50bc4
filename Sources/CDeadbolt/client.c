/* SPDX-License-Identifier: MIT */
/* The public API of deadbolt.h: connections, locks, events. */
#define _GNU_SOURCE 1
#include "deadbolt.h"
#include "connection.h"
#include "names.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
    DEFAULT_CONNECT_TIMEOUT_MS = 5000,
    DEFAULT_IO_TIMEOUT_MS = 30000,
    SOCKET_PATH_BYTES = 108, /* sizeof(struct sockaddr_un.sun_path) on Linux */
    /* The smallest maxFrameBytes a daemon may announce (deadboltd's own floor). */
    MIN_FRAME_BYTES = 1024
};

unsigned deadbolt_version(void) {
    return DEADBOLT_VERSION_NUMBER;
}

void deadbolt_lock_options_init(deadbolt_lock_options *o) {
    if (!o) return;
    memset(o, 0, sizeof *o);
    o->mode = DEADBOLT_EXCLUSIVE;
    o->ttl_ms = 0;
    o->wait_ms = DEADBOLT_WAIT_FOREVER;
    o->owner = NULL;
    o->flags = 0;
}

void deadbolt_connect_options_init(deadbolt_connect_options *o) {
    if (!o) return;
    memset(o, 0, sizeof *o);
    o->client_name = NULL;
    o->connect_timeout_ms = DEFAULT_CONNECT_TIMEOUT_MS;
    o->io_timeout_ms = DEFAULT_IO_TIMEOUT_MS;
}

/* The daemon's default socket, by the rules deadboltd uses (DefaultPaths in
 * Sources/DeadboltServer/SocketFile.swift). secure_getenv: a set-uid program
 * is not pointed at another socket by its caller's environment. */
static int default_socket_path(char path[SOCKET_PATH_BYTES]) {
    const char *configured = secure_getenv("DEADBOLT_SOCKET");
    const char *runtime = secure_getenv("XDG_RUNTIME_DIR");
    int length;
    if (configured && *configured) {
        length = snprintf(path, SOCKET_PATH_BYTES, "%s", configured);
    } else if (getuid() == 0) {
        length = snprintf(path, SOCKET_PATH_BYTES, "/run/deadbolt/deadbolt.sock");
    } else if (runtime && *runtime) {
        length = snprintf(path, SOCKET_PATH_BYTES, "%s/deadbolt/deadbolt.sock", runtime);
    } else {
        length = snprintf(path, SOCKET_PATH_BYTES, "/tmp/deadbolt-%u/deadbolt.sock", (unsigned)getuid());
    }
    return (length < 0 || length >= SOCKET_PATH_BYTES) ? -EINVAL : 0;
}

/* Says HELLO and records the daemon's answer. */
static int hello(deadbolt_t *c, const char *client_name, int64_t deadline) {
    deadbolt_wire_string name = deadbolt_string(client_name ? client_name : "libdeadbolt " DEADBOLT_VERSION_STRING);
    if (name.length > DEADBOLT_MAX_NAME_BYTES) name.length = DEADBOLT_MAX_NAME_BYTES;

    deadbolt_wire_request request;
    uint32_t id = deadbolt_connection_take_request_id(c);
    deadbolt_wire_encode_hello(&request, id, DEADBOLT_PROTOCOL_VERSION, name);
    deadbolt_wire_message response;
    int err = deadbolt_connection_call(c, &request, DEADBOLT_WIRE_HELLO, id, deadline, &response);
    if (err < 0) return err;

    deadbolt_wire_hello_ok ok;
    if (deadbolt_wire_decode_hello_ok(&response.payload, &ok) < 0 || ok.protocol_version != DEADBOLT_PROTOCOL_VERSION)
        return deadbolt_connection_malformed(c);
    c->info.protocol_version = ok.protocol_version;
    c->info.session_id = ok.session_id;
    c->info.max_frame_bytes = ok.max_frame_bytes;
    c->info.max_name_bytes = ok.max_name_bytes;
    c->info.max_locks_per_connection = ok.max_locks_per_connection;
    c->info.max_waiters_per_connection = ok.max_waiters_per_connection;
    size_t copied = ok.server_name.length < sizeof c->info.server_name - 1 ? ok.server_name.length
                                                                            : sizeof c->info.server_name - 1;
    memcpy(c->info.server_name, ok.server_name.bytes, copied);
    c->info.server_name[copied] = '\0';

    uint32_t limit = ok.max_frame_bytes < MIN_FRAME_BYTES ? MIN_FRAME_BYTES : ok.max_frame_bytes;
    c->max_frame_bytes = limit > DEADBOLT_CONNECTION_MAX_FRAME_BYTES ? DEADBOLT_CONNECTION_MAX_FRAME_BYTES : limit;
    return 0;
}

int deadbolt_connect_with(const char *socket_path, const deadbolt_connect_options *o, deadbolt_t **out) {
    if (!out) return -EINVAL;
    *out = NULL;
    deadbolt_connect_options defaults;
    if (!o) {
        deadbolt_connect_options_init(&defaults);
        o = &defaults;
    }
    if (o->connect_timeout_ms < -1 || o->io_timeout_ms < -1) return -EINVAL;

    char path[SOCKET_PATH_BYTES];
    if (!socket_path) {
        int err = default_socket_path(path);
        if (err < 0) return err;
        socket_path = path;
    }
    deadbolt_t *c = calloc(1, sizeof *c);
    if (!c) return -ENOMEM;
    c->fd = -1;
    c->last_status = -1;
    c->next_request_id = 1;
    c->io_timeout_ms = o->io_timeout_ms;
    c->max_frame_bytes = DEADBOLT_WIRE_DEFAULT_MAX_FRAME_BYTES;

    int64_t deadline = deadbolt_connection_deadline(o->connect_timeout_ms);
    int fd = deadbolt_connection_open_socket(socket_path, deadline);
    if (fd < 0) {
        deadbolt_close(c);
        return fd;
    }
    c->fd = fd;
    int err = hello(c, o->client_name, deadline);
    if (err < 0) {
        deadbolt_close(c);
        return err == -ENOTCONN ? -ECONNRESET : err;
    }
    *out = c;
    return 0;
}

int deadbolt_connect(const char *socket_path, deadbolt_t **out) {
    return deadbolt_connect_with(socket_path, NULL, out);
}

void deadbolt_close(deadbolt_t *c) {
    if (!c) return;
    deadbolt_connection_shut(c);
    free(c->in);
    free(c->events);
    free(c);
}

int deadbolt_get_session_info(const deadbolt_t *c, deadbolt_session_info *out) {
    if (!c || !out) return -EINVAL;
    *out = c->info;
    return 0;
}

int deadbolt_last_status(const deadbolt_t *c) {
    return c ? c->last_status : -EINVAL;
}

const char *deadbolt_last_message(const deadbolt_t *c) {
    return c ? c->last_message : NULL;
}

int deadbolt_fd(const deadbolt_t *c) {
    if (!c) return -EINVAL;
    return c->fd >= 0 ? c->fd : -ENOTCONN;
}

/* The deadline of an ordinary request: the handle's io timeout from now. */
static int64_t request_deadline(const deadbolt_t *c) {
    return deadbolt_connection_deadline(c->io_timeout_ms);
}

int deadbolt_lock(deadbolt_t *c, const char *resource, const deadbolt_lock_options *o, uint64_t *token_out) {
    if (!c) return -EINVAL;
    deadbolt_connection_begin(c);
    deadbolt_lock_options defaults;
    if (!o) {
        deadbolt_lock_options_init(&defaults);
        o = &defaults;
    }
    deadbolt_wire_acquire acquire;
    int err = deadbolt_check_resource_and_owner(resource, o->owner, &acquire.resource, &acquire.owner);
    if (err < 0) return err;
    if (o->mode != DEADBOLT_EXCLUSIVE && o->mode != DEADBOLT_SHARED) return -EINVAL;
    if (o->flags & ~(unsigned)(DEADBOLT_DETACHED | DEADBOLT_REENTRANT)) return -EINVAL;
    if ((o->flags & DEADBOLT_DETACHED) && o->ttl_ms == 0) return -EINVAL;
    if (o->wait_ms < DEADBOLT_WAIT_FOREVER) return -EINVAL;

    int forever = o->wait_ms == DEADBOLT_WAIT_FOREVER || o->wait_ms >= (int64_t)UINT32_MAX;
    acquire.mode = (uint8_t)o->mode;
    acquire.flags = (uint8_t)o->flags;
    acquire.ttl_ms = o->ttl_ms;
    acquire.wait_ms = forever ? UINT32_MAX : (uint32_t)o->wait_ms;

    /* The daemon answers a bounded wait at its deadline; allow it the io
     * timeout on top of that to answer. */
    int64_t deadline = DEADBOLT_NO_DEADLINE;
    if (!forever && c->io_timeout_ms >= 0 && c->io_timeout_ms <= INT64_MAX - o->wait_ms)
        deadline = deadbolt_connection_deadline(o->wait_ms + c->io_timeout_ms);

    deadbolt_wire_request request;
    uint32_t id = deadbolt_connection_take_request_id(c);
    deadbolt_wire_encode_acquire(&request, id, &acquire);
    deadbolt_wire_message response;
    err = deadbolt_connection_call(c, &request, DEADBOLT_WIRE_ACQUIRE, id, deadline, &response);
    if (err < 0) return err;
    deadbolt_wire_acquire_ok ok;
    if (deadbolt_wire_decode_acquire_ok(&response.payload, &ok) < 0) return deadbolt_connection_malformed(c);
    if (token_out) *token_out = ok.token;
    return 0;
}

int deadbolt_unlock(deadbolt_t *c, const char *resource, const char *owner) {
    if (!c) return -EINVAL;
    deadbolt_connection_begin(c);
    deadbolt_wire_string resource_name, owner_name;
    int err = deadbolt_check_resource_and_owner(resource, owner, &resource_name, &owner_name);
    if (err < 0) return err;

    deadbolt_wire_request request;
    uint32_t id = deadbolt_connection_take_request_id(c);
    deadbolt_wire_encode_release(&request, id, resource_name, owner_name);
    deadbolt_wire_message response;
    err = deadbolt_connection_call(c, &request, DEADBOLT_WIRE_RELEASE, id, request_deadline(c), &response);
    if (err < 0) return err;
    uint32_t remaining;
    return deadbolt_wire_decode_release_ok(&response.payload, &remaining) < 0 ? deadbolt_connection_malformed(c) : 0;
}

int deadbolt_renew(deadbolt_t *c, const char *resource, const char *owner, uint32_t ttl_ms) {
    if (!c) return -EINVAL;
    deadbolt_connection_begin(c);
    deadbolt_wire_string resource_name, owner_name;
    int err = deadbolt_check_resource_and_owner(resource, owner, &resource_name, &owner_name);
    if (err < 0) return err;

    deadbolt_wire_request request;
    uint32_t id = deadbolt_connection_take_request_id(c);
    deadbolt_wire_encode_renew(&request, id, resource_name, owner_name, ttl_ms);
    deadbolt_wire_message response;
    err = deadbolt_connection_call(c, &request, DEADBOLT_WIRE_RENEW, id, request_deadline(c), &response);
    if (err < 0) return err;
    deadbolt_wire_renew_ok ok;
    return deadbolt_wire_decode_renew_ok(&response.payload, &ok) < 0 ? deadbolt_connection_malformed(c) : 0;
}

int deadbolt_force_unlock(deadbolt_t *c, const char *resource) {
    if (!c) return -EINVAL;
    deadbolt_connection_begin(c);
    deadbolt_wire_string resource_name;
    int err = deadbolt_check_resource(resource, &resource_name);
    if (err < 0) return err;

    deadbolt_wire_request request;
    uint32_t id = deadbolt_connection_take_request_id(c);
    deadbolt_wire_encode_force_release(&request, id, resource_name);
    deadbolt_wire_message response;
    err = deadbolt_connection_call(c, &request, DEADBOLT_WIRE_FORCE_RELEASE, id, request_deadline(c), &response);
    if (err < 0) return err;
    uint32_t released;
    if (deadbolt_wire_decode_force_release_ok(&response.payload, &released) < 0) return deadbolt_connection_malformed(c);
    return released > INT32_MAX ? INT32_MAX : (int)released;
}

int deadbolt_next_event(deadbolt_t *c, deadbolt_event *ev) {
    if (!c || !ev) return -EINVAL;
    if (deadbolt_connection_pop_event(c, ev)) return 1;
    int err = deadbolt_connection_poll_events(c);
    if (err < 0) return err;
    return deadbolt_connection_pop_event(c, ev);
}

int deadbolt_ping(deadbolt_t *c) {
    if (!c) return -EINVAL;
    deadbolt_connection_begin(c);
    deadbolt_wire_request request;
    uint32_t id = deadbolt_connection_take_request_id(c);
    deadbolt_wire_encode_ping(&request, id);
    deadbolt_wire_message response;
    return deadbolt_connection_call(c, &request, DEADBOLT_WIRE_PING, id, request_deadline(c), &response);
}
