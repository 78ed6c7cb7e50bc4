/* SPDX-License-Identifier: MIT */
/* deadbolt_query(), deadbolt_list() and deadbolt_stat(): who holds what.
 *
 * A query or list result is one allocation: the result struct, its entry
 * array(s), then the NUL-terminated strings the entries point to. The
 * response is decoded twice: once to size that block (so a bogus count
 * cannot make it allocate more than the frame justifies), once to fill it. */
#define _GNU_SOURCE 1
#include "deadbolt.h"
#include "connection.h"
#include "names.h"
#include "results.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Appends s and a NUL at *strings, returning where it was put. */
static const char *copy_string(char **strings, deadbolt_wire_string s) {
    char *start = *strings;
    memcpy(start, s.bytes, s.length);
    start[s.length] = '\0';
    *strings += s.length + 1;
    return start;
}

/* Sends a request and takes its OK response. */
static int call(deadbolt_t *c, const deadbolt_wire_request *request, uint8_t type, uint32_t id,
                deadbolt_wire_message *response) {
    return deadbolt_connection_call(c, request, type, id, deadbolt_connection_deadline(c->io_timeout_ms), response);
}

/* --- QUERY --- */

/* Walks a QUERY payload. Without `out`, counts entries and string bytes;
 * with it, fills the result. Returns 0 or -EPROTO. */
static int walk_query(deadbolt_wire_reader p, size_t *holder_count, size_t *waiter_count, size_t *string_bytes,
                      deadbolt_query_result *out, char *strings) {
    uint16_t count;
    *string_bytes = 0;
    if (deadbolt_wire_read_u16(&p, &count) < 0) return -EPROTO;
    *holder_count = count;
    for (size_t i = 0; i < *holder_count; i++) {
        deadbolt_wire_holder h;
        if (deadbolt_wire_decode_holder(&p, &h) < 0) return -EPROTO;
        *string_bytes += h.owner.length + 1;
        if (!out) continue;
        deadbolt_holder *holder = &out->holders[i];
        holder->owner = copy_string(&strings, h.owner);
        holder->session_id = h.session_id;
        holder->pid = h.pid;
        holder->uid = h.uid;
        holder->gid = h.gid;
        holder->mode = h.mode;
        holder->flags = (h.holder_flags & 1u) ? DEADBOLT_DETACHED : 0;
        holder->token = h.token;
        holder->hold_count = h.hold_count;
        holder->held_ms = h.held_ms;
        holder->lease_remaining_ms = h.lease_remaining_ms == UINT32_MAX ? -1 : (int64_t)h.lease_remaining_ms;
    }
    if (deadbolt_wire_read_u16(&p, &count) < 0) return -EPROTO;
    *waiter_count = count;
    for (size_t i = 0; i < *waiter_count; i++) {
        deadbolt_wire_waiter w;
        if (deadbolt_wire_decode_waiter(&p, &w) < 0) return -EPROTO;
        *string_bytes += w.owner.length + 1;
        if (!out) continue;
        deadbolt_waiter *waiter = &out->waiters[i];
        waiter->owner = copy_string(&strings, w.owner);
        waiter->session_id = w.session_id;
        waiter->pid = w.pid;
        waiter->uid = w.uid;
        waiter->gid = w.gid;
        waiter->mode = w.mode;
        waiter->waited_ms = w.waited_ms;
        waiter->wait_remaining_ms = w.wait_remaining_ms == UINT32_MAX ? -1 : (int64_t)w.wait_remaining_ms;
    }
    return 0;
}

int deadbolt_query(deadbolt_t *c, const char *resource, deadbolt_query_result **out) {
    if (out) *out = NULL;
    if (!c || !out) return -EINVAL;
    deadbolt_connection_begin(c);
    deadbolt_wire_string name;
    int err = deadbolt_check_resource(resource, &name);
    if (err < 0) return err;

    deadbolt_wire_request request;
    uint32_t id = deadbolt_connection_take_request_id(c);
    deadbolt_wire_encode_query(&request, id, name);
    deadbolt_wire_message response;
    err = call(c, &request, DEADBOLT_WIRE_QUERY, id, &response);
    if (err < 0) return err;

    err = deadbolt_decode_query_result(response.payload, out);
    return err == -EPROTO ? deadbolt_connection_malformed(c) : err;
}

int deadbolt_decode_query_result(deadbolt_wire_reader payload, deadbolt_query_result **out) {
    size_t holders, waiters, string_bytes;
    if (walk_query(payload, &holders, &waiters, &string_bytes, NULL, NULL) < 0) return -EPROTO;
    size_t size = sizeof(deadbolt_query_result) + holders * sizeof(deadbolt_holder) +
                  waiters * sizeof(deadbolt_waiter) + string_bytes;
    deadbolt_query_result *result = calloc(1, size);
    if (!result) return -ENOMEM;
    result->holder_count = holders;
    result->holders = (deadbolt_holder *)(result + 1);
    result->waiter_count = waiters;
    result->waiters = (deadbolt_waiter *)(result->holders + holders);
    walk_query(payload, &holders, &waiters, &string_bytes, result, (char *)(result->waiters + waiters));
    *out = result;
    return 0;
}

void deadbolt_query_result_free(deadbolt_query_result *r) {
    free(r);
}

/* --- LIST --- */

static int walk_list(deadbolt_wire_reader p, size_t *count, size_t *string_bytes, deadbolt_list_result *out,
                     char *strings) {
    uint32_t entries;
    deadbolt_wire_string cursor;
    *string_bytes = 0;
    if (deadbolt_wire_read_u32(&p, &entries) < 0) return -EPROTO;
    /* A count the payload cannot hold is refused before it sizes anything. */
    if (entries > p.left / DEADBOLT_WIRE_MIN_LIST_ENTRY_BYTES) return -EPROTO;
    *count = entries;
    for (size_t i = 0; i < *count; i++) {
        deadbolt_wire_list_entry e;
        if (deadbolt_wire_decode_list_entry(&p, &e) < 0) return -EPROTO;
        *string_bytes += e.resource.length + 1;
        if (!out) continue;
        out->entries[i].resource = copy_string(&strings, e.resource);
        out->entries[i].mode = e.mode;
        out->entries[i].holder_count = e.holder_count;
        out->entries[i].waiter_count = e.waiter_count;
    }
    if (deadbolt_wire_read_string(&p, &cursor) < 0) return -EPROTO;
    *string_bytes += cursor.length + 1;
    if (out) out->next_cursor = copy_string(&strings, cursor);
    return 0;
}

int deadbolt_list(deadbolt_t *c, const char *prefix, const char *cursor, uint32_t limit,
                  deadbolt_list_result **out) {
    if (out) *out = NULL;
    if (!c || !out) return -EINVAL;
    deadbolt_connection_begin(c);
    deadbolt_wire_string prefix_bytes, cursor_bytes;
    int err = deadbolt_check_owner(prefix, &prefix_bytes);
    if (err == 0) err = deadbolt_check_owner(cursor, &cursor_bytes);
    if (err < 0) return err;

    deadbolt_wire_request request;
    uint32_t id = deadbolt_connection_take_request_id(c);
    deadbolt_wire_encode_list(&request, id, prefix_bytes, limit, cursor_bytes);
    deadbolt_wire_message response;
    err = call(c, &request, DEADBOLT_WIRE_LIST, id, &response);
    if (err < 0) return err;

    err = deadbolt_decode_list_result(response.payload, out);
    return err == -EPROTO ? deadbolt_connection_malformed(c) : err;
}

int deadbolt_decode_list_result(deadbolt_wire_reader payload, deadbolt_list_result **out) {
    size_t count, string_bytes;
    if (walk_list(payload, &count, &string_bytes, NULL, NULL) < 0) return -EPROTO;
    deadbolt_list_result *result = calloc(1, sizeof *result + count * sizeof(deadbolt_list_entry) + string_bytes);
    if (!result) return -ENOMEM;
    result->count = count;
    result->entries = (deadbolt_list_entry *)(result + 1);
    walk_list(payload, &count, &string_bytes, result, (char *)(result->entries + count));
    *out = result;
    return 0;
}

void deadbolt_list_result_free(deadbolt_list_result *r) {
    free(r);
}

/* --- STATS --- */

static int walk_stats(deadbolt_wire_reader p, size_t *count, size_t *string_bytes, deadbolt_stats_result *out,
                      char *strings) {
    uint16_t counters;
    *string_bytes = 0;
    if (deadbolt_wire_read_u16(&p, &counters) < 0) return -EPROTO;
    *count = counters;
    for (size_t i = 0; i < *count; i++) {
        deadbolt_wire_string name;
        uint64_t value;
        if (deadbolt_wire_decode_counter(&p, &name, &value) < 0) return -EPROTO;
        *string_bytes += name.length + 1;
        if (!out) continue;
        out->counters[i].name = copy_string(&strings, name);
        out->counters[i].value = value;
    }
    return 0;
}

int deadbolt_stats(deadbolt_t *c, deadbolt_stats_result **out) {
    if (out) *out = NULL;
    if (!c || !out) return -EINVAL;
    deadbolt_connection_begin(c);
    deadbolt_wire_request request;
    uint32_t id = deadbolt_connection_take_request_id(c);
    deadbolt_wire_encode_stats(&request, id);
    deadbolt_wire_message response;
    int err = call(c, &request, DEADBOLT_WIRE_STATS, id, &response);
    if (err < 0) return err;

    err = deadbolt_decode_stats_result(response.payload, out);
    return err == -EPROTO ? deadbolt_connection_malformed(c) : err;
}

int deadbolt_decode_stats_result(deadbolt_wire_reader payload, deadbolt_stats_result **out) {
    size_t count, string_bytes;
    if (walk_stats(payload, &count, &string_bytes, NULL, NULL) < 0) return -EPROTO;
    deadbolt_stats_result *result = calloc(1, sizeof *result + count * sizeof(deadbolt_counter) + string_bytes);
    if (!result) return -ENOMEM;
    result->count = count;
    result->counters = (deadbolt_counter *)(result + 1);
    walk_stats(payload, &count, &string_bytes, result, (char *)(result->counters + count));
    *out = result;
    return 0;
}

void deadbolt_stats_result_free(deadbolt_stats_result *r) {
    free(r);
}

int deadbolt_stat(deadbolt_t *c, const char *name, uint64_t *value) {
    if (!c || !name || !value) return -EINVAL;
    deadbolt_stats_result *stats;
    int err = deadbolt_stats(c, &stats);
    if (err < 0) return err;
    err = -ENOENT;
    for (size_t i = 0; i < stats->count; i++) {
        if (strcmp(stats->counters[i].name, name) == 0) {
            *value = stats->counters[i].value;
            err = 0;
            break;
        }
    }
    deadbolt_stats_result_free(stats);
    return err;
}
