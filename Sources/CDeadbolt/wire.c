/* SPDX-License-Identifier: MIT */
/* The wire codec: docs/PROTOCOL.md, big-endian, str16 strings, no padding. */
#define _GNU_SOURCE 1
#include "wire.h"

#include <errno.h>
#include <string.h>

/* --- Encoding: a frame is built in place, then its length is patched. --- */

static void put_u8(deadbolt_wire_request *r, uint8_t v) {
    r->bytes[r->length++] = v;
}

static void put_u16(deadbolt_wire_request *r, uint16_t v) {
    put_u8(r, (uint8_t)(v >> 8));
    put_u8(r, (uint8_t)v);
}

static void put_u32(deadbolt_wire_request *r, uint32_t v) {
    put_u16(r, (uint16_t)(v >> 16));
    put_u16(r, (uint16_t)v);
}

/* Names are at most 255 bytes, so a request never outgrows its buffer
 * (the largest, ACQUIRE, is 533 bytes). */
static int put_string(deadbolt_wire_request *r, deadbolt_wire_string s) {
    if (s.length > 255) return -ENAMETOOLONG;
    put_u16(r, (uint16_t)s.length);
    if (s.length > 0) memcpy(r->bytes + r->length, s.bytes, s.length);
    r->length += s.length;
    return 0;
}

static void begin(deadbolt_wire_request *r, uint8_t type, uint32_t request_id) {
    r->length = DEADBOLT_WIRE_LENGTH_BYTES;
    put_u8(r, type);
    put_u32(r, request_id);
}

static int finish(deadbolt_wire_request *r) {
    uint32_t body = (uint32_t)(r->length - DEADBOLT_WIRE_LENGTH_BYTES);
    r->bytes[0] = (uint8_t)(body >> 24);
    r->bytes[1] = (uint8_t)(body >> 16);
    r->bytes[2] = (uint8_t)(body >> 8);
    r->bytes[3] = (uint8_t)body;
    return 0;
}

int deadbolt_wire_encode_hello(deadbolt_wire_request *r, uint32_t request_id,
                               uint16_t protocol_version, deadbolt_wire_string client_name) {
    begin(r, DEADBOLT_WIRE_HELLO, request_id);
    put_u16(r, protocol_version);
    int err = put_string(r, client_name);
    return err < 0 ? err : finish(r);
}

int deadbolt_wire_encode_acquire(deadbolt_wire_request *r, uint32_t request_id,
                                 const deadbolt_wire_acquire *a) {
    begin(r, DEADBOLT_WIRE_ACQUIRE, request_id);
    int err = put_string(r, a->resource);
    if (err == 0) err = put_string(r, a->owner);
    if (err < 0) return err;
    put_u8(r, a->mode);
    put_u8(r, a->flags);
    put_u32(r, a->ttl_ms);
    put_u32(r, a->wait_ms);
    return finish(r);
}

int deadbolt_wire_encode_release(deadbolt_wire_request *r, uint32_t request_id,
                                 deadbolt_wire_string resource, deadbolt_wire_string owner) {
    begin(r, DEADBOLT_WIRE_RELEASE, request_id);
    int err = put_string(r, resource);
    if (err == 0) err = put_string(r, owner);
    return err < 0 ? err : finish(r);
}

int deadbolt_wire_encode_renew(deadbolt_wire_request *r, uint32_t request_id,
                               deadbolt_wire_string resource, deadbolt_wire_string owner,
                               uint32_t ttl_ms) {
    begin(r, DEADBOLT_WIRE_RENEW, request_id);
    int err = put_string(r, resource);
    if (err == 0) err = put_string(r, owner);
    if (err < 0) return err;
    put_u32(r, ttl_ms);
    return finish(r);
}

int deadbolt_wire_encode_query(deadbolt_wire_request *r, uint32_t request_id,
                               deadbolt_wire_string resource) {
    begin(r, DEADBOLT_WIRE_QUERY, request_id);
    int err = put_string(r, resource);
    return err < 0 ? err : finish(r);
}

int deadbolt_wire_encode_list(deadbolt_wire_request *r, uint32_t request_id,
                              deadbolt_wire_string prefix, uint32_t limit,
                              deadbolt_wire_string cursor) {
    begin(r, DEADBOLT_WIRE_LIST, request_id);
    int err = put_string(r, prefix);
    if (err < 0) return err;
    put_u32(r, limit);
    err = put_string(r, cursor);
    return err < 0 ? err : finish(r);
}

int deadbolt_wire_encode_stats(deadbolt_wire_request *r, uint32_t request_id) {
    begin(r, DEADBOLT_WIRE_STATS, request_id);
    return finish(r);
}

int deadbolt_wire_encode_ping(deadbolt_wire_request *r, uint32_t request_id) {
    begin(r, DEADBOLT_WIRE_PING, request_id);
    return finish(r);
}

int deadbolt_wire_encode_force_release(deadbolt_wire_request *r, uint32_t request_id,
                                       deadbolt_wire_string resource) {
    begin(r, DEADBOLT_WIRE_FORCE_RELEASE, request_id);
    int err = put_string(r, resource);
    return err < 0 ? err : finish(r);
}

int deadbolt_wire_encode_cancel(deadbolt_wire_request *r, uint32_t request_id,
                                uint32_t target_request_id) {
    begin(r, DEADBOLT_WIRE_CANCEL, request_id);
    put_u32(r, target_request_id);
    return finish(r);
}

/* --- Decoding: every read checks `left` first; nothing reads past it. --- */

uint32_t deadbolt_wire_frame_length(const uint8_t prefix[DEADBOLT_WIRE_LENGTH_BYTES]) {
    return ((uint32_t)prefix[0] << 24) | ((uint32_t)prefix[1] << 16) |
           ((uint32_t)prefix[2] << 8) | (uint32_t)prefix[3];
}

static int read_bytes(deadbolt_wire_reader *p, size_t n, const uint8_t **out) {
    if (p->left < n) return -EPROTO;
    *out = p->at;
    p->at += n;
    p->left -= n;
    return 0;
}

static int read_u8(deadbolt_wire_reader *p, uint8_t *out) {
    const uint8_t *b;
    if (read_bytes(p, 1, &b) < 0) return -EPROTO;
    *out = b[0];
    return 0;
}

int deadbolt_wire_read_u16(deadbolt_wire_reader *p, uint16_t *out) {
    const uint8_t *b;
    if (read_bytes(p, 2, &b) < 0) return -EPROTO;
    *out = (uint16_t)(((unsigned)b[0] << 8) | b[1]);
    return 0;
}

int deadbolt_wire_read_u32(deadbolt_wire_reader *p, uint32_t *out) {
    const uint8_t *b;
    if (read_bytes(p, 4, &b) < 0) return -EPROTO;
    *out = deadbolt_wire_frame_length(b);
    return 0;
}

static int read_u64(deadbolt_wire_reader *p, uint64_t *out) {
    uint32_t high, low;
    if (deadbolt_wire_read_u32(p, &high) < 0 || deadbolt_wire_read_u32(p, &low) < 0) return -EPROTO;
    *out = ((uint64_t)high << 32) | low;
    return 0;
}

static int read_i32(deadbolt_wire_reader *p, int32_t *out) {
    uint32_t bits;
    if (deadbolt_wire_read_u32(p, &bits) < 0) return -EPROTO;
    memcpy(out, &bits, sizeof bits); /* two's complement, without an implementation-defined cast */
    return 0;
}

int deadbolt_wire_read_string(deadbolt_wire_reader *p, deadbolt_wire_string *out) {
    uint16_t length;
    const uint8_t *b;
    if (deadbolt_wire_read_u16(p, &length) < 0 || read_bytes(p, length, &b) < 0) return -EPROTO;
    out->bytes = (const char *)b;
    out->length = length;
    return 0;
}

int deadbolt_wire_decode_message(const uint8_t *body, size_t length, deadbolt_wire_message *out) {
    deadbolt_wire_reader p = {body, length};
    memset(out, 0, sizeof *out);
    if (read_u8(&p, &out->type) < 0 || deadbolt_wire_read_u32(&p, &out->request_id) < 0) return -EPROTO;

    int is_response = out->type >= (DEADBOLT_WIRE_HELLO | DEADBOLT_WIRE_RESPONSE_BIT) &&
                      out->type <= (DEADBOLT_WIRE_CANCEL | DEADBOLT_WIRE_RESPONSE_BIT);
    if (out->type == DEADBOLT_WIRE_LOST) {
        out->status = DEADBOLT_STATUS_OK;
    } else if (is_response || out->type == DEADBOLT_WIRE_ERROR) {
        if (deadbolt_wire_read_u16(&p, &out->status) < 0) return -EPROTO;
        if (out->status != DEADBOLT_STATUS_OK || out->type == DEADBOLT_WIRE_ERROR) {
            if (deadbolt_wire_read_string(&p, &out->message) < 0) return -EPROTO;
        }
    } else {
        return -EPROTO;
    }
    out->payload = p;
    return 0;
}

int deadbolt_wire_decode_hello_ok(deadbolt_wire_reader *p, deadbolt_wire_hello_ok *out) {
    if (deadbolt_wire_read_u16(p, &out->protocol_version) < 0 || read_u64(p, &out->session_id) < 0 ||
        deadbolt_wire_read_u32(p, &out->max_frame_bytes) < 0 || deadbolt_wire_read_u16(p, &out->max_name_bytes) < 0 ||
        deadbolt_wire_read_u32(p, &out->max_locks_per_connection) < 0 ||
        deadbolt_wire_read_u32(p, &out->max_waiters_per_connection) < 0 ||
        deadbolt_wire_read_string(p, &out->server_name) < 0)
        return -EPROTO;
    return 0;
}

int deadbolt_wire_decode_acquire_ok(deadbolt_wire_reader *p, deadbolt_wire_acquire_ok *out) {
    if (read_u64(p, &out->token) < 0 || deadbolt_wire_read_u32(p, &out->hold_count) < 0 ||
        deadbolt_wire_read_u32(p, &out->ttl_ms) < 0)
        return -EPROTO;
    return 0;
}

int deadbolt_wire_decode_release_ok(deadbolt_wire_reader *p, uint32_t *remaining_hold_count) {
    return deadbolt_wire_read_u32(p, remaining_hold_count);
}

int deadbolt_wire_decode_renew_ok(deadbolt_wire_reader *p, deadbolt_wire_renew_ok *out) {
    if (read_u64(p, &out->token) < 0 || deadbolt_wire_read_u32(p, &out->ttl_ms) < 0) return -EPROTO;
    return 0;
}

/* The fields HolderInfo and WaiterInfo share, in their order on the wire. */
static int read_party(deadbolt_wire_reader *p, deadbolt_wire_string *owner, uint64_t *session_id,
                      int32_t *pid, uint32_t *uid, uint32_t *gid, uint8_t *mode) {
    if (deadbolt_wire_read_string(p, owner) < 0 || read_u64(p, session_id) < 0 || read_i32(p, pid) < 0 ||
        deadbolt_wire_read_u32(p, uid) < 0 || deadbolt_wire_read_u32(p, gid) < 0 || read_u8(p, mode) < 0)
        return -EPROTO;
    return 0;
}

int deadbolt_wire_decode_holder(deadbolt_wire_reader *p, deadbolt_wire_holder *out) {
    if (read_party(p, &out->owner, &out->session_id, &out->pid, &out->uid, &out->gid, &out->mode) < 0 ||
        read_u8(p, &out->holder_flags) < 0 || read_u64(p, &out->token) < 0 ||
        deadbolt_wire_read_u32(p, &out->hold_count) < 0 || read_u64(p, &out->held_ms) < 0 ||
        deadbolt_wire_read_u32(p, &out->lease_remaining_ms) < 0)
        return -EPROTO;
    return 0;
}

int deadbolt_wire_decode_waiter(deadbolt_wire_reader *p, deadbolt_wire_waiter *out) {
    if (read_party(p, &out->owner, &out->session_id, &out->pid, &out->uid, &out->gid, &out->mode) < 0 ||
        read_u64(p, &out->waited_ms) < 0 || deadbolt_wire_read_u32(p, &out->wait_remaining_ms) < 0)
        return -EPROTO;
    return 0;
}

int deadbolt_wire_decode_list_entry(deadbolt_wire_reader *p, deadbolt_wire_list_entry *out) {
    if (deadbolt_wire_read_string(p, &out->resource) < 0 || read_u8(p, &out->mode) < 0 ||
        deadbolt_wire_read_u32(p, &out->holder_count) < 0 || deadbolt_wire_read_u32(p, &out->waiter_count) < 0)
        return -EPROTO;
    return 0;
}

int deadbolt_wire_decode_counter(deadbolt_wire_reader *p, deadbolt_wire_string *name, uint64_t *value) {
    if (deadbolt_wire_read_string(p, name) < 0 || read_u64(p, value) < 0) return -EPROTO;
    return 0;
}

int deadbolt_wire_decode_force_release_ok(deadbolt_wire_reader *p, uint32_t *released_holders) {
    return deadbolt_wire_read_u32(p, released_holders);
}

int deadbolt_wire_decode_cancel_ok(deadbolt_wire_reader *p, int *removed_waiter) {
    uint8_t removed;
    if (read_u8(p, &removed) < 0) return -EPROTO;
    *removed_waiter = removed != 0;
    return 0;
}

int deadbolt_wire_decode_lost(deadbolt_wire_reader *p, deadbolt_wire_lost *out) {
    if (deadbolt_wire_read_string(p, &out->resource) < 0 || deadbolt_wire_read_string(p, &out->owner) < 0 ||
        read_u64(p, &out->token) < 0 || read_u8(p, &out->reason) < 0)
        return -EPROTO;
    return 0;
}
