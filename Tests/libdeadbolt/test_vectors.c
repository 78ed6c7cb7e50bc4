/* SPDX-License-Identifier: MIT */
/*
 * The wire codec (Sources/CDeadbolt/wire.h) against docs/protocol-vectors.json:
 * every request vector is encoded from its fields and compared byte for
 * byte; every response, event and error vector is decoded and compared field
 * by field; every strict prefix of those must decode to -EPROTO; and the
 * status table of docs/PROTOCOL.md maps to the errnos of deadbolt.h.
 *
 * Env: DEADBOLT_VECTORS (default docs/protocol-vectors.json),
 *      DEADBOLT_PROTOCOL_DOC (default docs/PROTOCOL.md).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "deadbolt.h"
#include "wire.h"

/* --- The vector file ---------------------------------------------------- */

static json_t *load_vectors(void) {
    const char *path = getenv("DEADBOLT_VECTORS");
    if (!path || !*path) path = "docs/protocol-vectors.json";
    json_error_t error;
    json_t *root = json_load_file(path, 0, &error);
    if (!root) fail_msg("cannot load %s: %s (line %d)", path, error.text, error.line);
    json_t *vectors = json_object_get(root, "vectors");
    if (!json_is_array(vectors) || json_array_size(vectors) == 0) fail_msg("%s has no \"vectors\" array", path);
    assert_int_equal(json_integer_value(json_object_get(root, "version")), 1);
    return root;
}

/* The frame of a vector, from its lowercase hex. */
static uint8_t *vector_bytes(json_t *v, size_t *length) {
    const char *hex = json_string_value(json_object_get(v, "hex"));
    if (!hex || strlen(hex) % 2 != 0) fail_msg("vector %s: bad \"hex\"", json_string_value(json_object_get(v, "name")));
    size_t n = strlen(hex) / 2;
    uint8_t *bytes = malloc(n ? n : 1);
    assert_non_null(bytes);
    for (size_t i = 0; i < n; i++) {
        unsigned byte;
        if (sscanf(hex + 2 * i, "%2x", &byte) != 1) fail_msg("bad hex at %zu", 2 * i);
        bytes[i] = (uint8_t)byte;
    }
    *length = n;
    return bytes;
}

/* The vector being checked, for failure messages. */
static const char *current;

static json_t *field(json_t *obj, const char *key) {
    json_t *value = json_object_get(obj, key);
    if (!value) fail_msg("vector %s: no field \"%s\"", current, key);
    return value;
}

static uint64_t field_u(json_t *obj, const char *key) {
    json_t *value = field(obj, key);
    if (!json_is_integer(value)) fail_msg("vector %s: \"%s\" is not an integer", current, key);
    return (uint64_t)json_integer_value(value);
}

static int64_t field_i(json_t *obj, const char *key) {
    json_t *value = field(obj, key);
    if (!json_is_integer(value)) fail_msg("vector %s: \"%s\" is not an integer", current, key);
    return (int64_t)json_integer_value(value);
}

static const char *field_s(json_t *obj, const char *key) {
    json_t *value = field(obj, key);
    if (!json_is_string(value)) fail_msg("vector %s: \"%s\" is not a string", current, key);
    return json_string_value(value);
}

static int field_b(json_t *obj, const char *key) {
    json_t *value = field(obj, key);
    if (!json_is_boolean(value)) fail_msg("vector %s: \"%s\" is not a boolean", current, key);
    return json_is_true(value);
}

/* The object has exactly these keys (NULL-terminated), so that no field of a
 * vector goes unchecked. */
static void expect_keys(json_t *obj, ...) {
    va_list ap;
    va_start(ap, obj);
    size_t count = 0;
    for (const char *key = va_arg(ap, const char *); key; key = va_arg(ap, const char *)) {
        if (!json_object_get(obj, key)) fail_msg("vector %s: no field \"%s\"", current, key);
        count++;
    }
    va_end(ap);
    if (json_object_size(obj) != count) {
        char *dump = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);
        fail_msg("vector %s: fields %s has %zu keys, the test checks %zu", current, dump, json_object_size(obj),
                 count);
    }
}

static deadbolt_wire_string wstr(const char *s) {
    return (deadbolt_wire_string){s, strlen(s)};
}

/* A decoded string equals the JSON string, as a run of bytes. */
static void assert_wire_string(deadbolt_wire_string got, json_t *obj, const char *key) {
    json_t *value = field(obj, key);
    if (!json_is_string(value)) fail_msg("vector %s: \"%s\" is not a string", current, key);
    size_t n = json_string_length(value);
    if (got.length != n || (n && memcmp(got.bytes, json_string_value(value), n) != 0))
        fail_msg("vector %s: %s is \"%.*s\" (%zu bytes), expected \"%s\" (%zu bytes)", current, key,
                 (int)got.length, got.bytes, got.length, json_string_value(value), n);
}

static void assert_field_u(uint64_t got, json_t *obj, const char *key) {
    uint64_t want = field_u(obj, key);
    if (got != want)
        fail_msg("vector %s: %s is %llu, expected %llu", current, key, (unsigned long long)got,
                 (unsigned long long)want);
}

static uint8_t mode_value(const char *name) {
    if (strcmp(name, "EXCLUSIVE") == 0) return 0;
    if (strcmp(name, "SHARED") == 0) return 1;
    fail_msg("vector %s: unknown mode %s", current, name);
    return 0xff;
}

static uint8_t reason_value(const char *name) {
    if (strcmp(name, "LEASE_EXPIRED") == 0) return 1;
    if (strcmp(name, "FORCE_RELEASED") == 0) return 2;
    if (strcmp(name, "UPSTREAM_LOST") == 0) return 3;
    fail_msg("vector %s: unknown reason %s", current, name);
    return 0xff;
}

static uint8_t flags_value(json_t *list) {
    if (!json_is_array(list)) fail_msg("vector %s: flags is not a list", current);
    uint8_t flags = 0;
    size_t i;
    json_t *name;
    json_array_foreach(list, i, name) {
        const char *s = json_string_value(name);
        if (s && strcmp(s, "DETACHED") == 0) flags |= 1u << 0;
        else if (s && strcmp(s, "REENTRANT") == 0) flags |= 1u << 1;
        else fail_msg("vector %s: unknown flag %s", current, s ? s : "(not a string)");
    }
    return flags;
}

/* --- Requests ----------------------------------------------------------- */

static void encode_request(json_t *f, deadbolt_wire_request *r) {
    const char *type = field_s(f, "type");
    uint32_t id = (uint32_t)field_u(f, "requestID");
    int rc;
    if (strcmp(type, "HELLO") == 0) {
        expect_keys(f, "type", "requestID", "protocolVersion", "clientName", NULL);
        rc = deadbolt_wire_encode_hello(r, id, (uint16_t)field_u(f, "protocolVersion"),
                                        wstr(field_s(f, "clientName")));
    } else if (strcmp(type, "ACQUIRE") == 0) {
        expect_keys(f, "type", "requestID", "resource", "owner", "mode", "flags", "ttlMilliseconds",
                    "waitMilliseconds", NULL);
        deadbolt_wire_acquire a = {
            .resource = wstr(field_s(f, "resource")),
            .owner = wstr(field_s(f, "owner")),
            .mode = mode_value(field_s(f, "mode")),
            .flags = flags_value(field(f, "flags")),
            .ttl_ms = (uint32_t)field_u(f, "ttlMilliseconds"),
            .wait_ms = (uint32_t)field_u(f, "waitMilliseconds"),
        };
        rc = deadbolt_wire_encode_acquire(r, id, &a);
    } else if (strcmp(type, "RELEASE") == 0) {
        expect_keys(f, "type", "requestID", "resource", "owner", NULL);
        rc = deadbolt_wire_encode_release(r, id, wstr(field_s(f, "resource")), wstr(field_s(f, "owner")));
    } else if (strcmp(type, "RENEW") == 0) {
        expect_keys(f, "type", "requestID", "resource", "owner", "ttlMilliseconds", NULL);
        rc = deadbolt_wire_encode_renew(r, id, wstr(field_s(f, "resource")), wstr(field_s(f, "owner")),
                                        (uint32_t)field_u(f, "ttlMilliseconds"));
    } else if (strcmp(type, "QUERY") == 0) {
        expect_keys(f, "type", "requestID", "resource", NULL);
        rc = deadbolt_wire_encode_query(r, id, wstr(field_s(f, "resource")));
    } else if (strcmp(type, "LIST") == 0) {
        expect_keys(f, "type", "requestID", "prefix", "limit", "cursor", NULL);
        rc = deadbolt_wire_encode_list(r, id, wstr(field_s(f, "prefix")), (uint32_t)field_u(f, "limit"),
                                       wstr(field_s(f, "cursor")));
    } else if (strcmp(type, "STATS") == 0) {
        expect_keys(f, "type", "requestID", NULL);
        rc = deadbolt_wire_encode_stats(r, id);
    } else if (strcmp(type, "PING") == 0) {
        expect_keys(f, "type", "requestID", NULL);
        rc = deadbolt_wire_encode_ping(r, id);
    } else if (strcmp(type, "FORCE_RELEASE") == 0) {
        expect_keys(f, "type", "requestID", "resource", NULL);
        rc = deadbolt_wire_encode_force_release(r, id, wstr(field_s(f, "resource")));
    } else if (strcmp(type, "CANCEL") == 0) {
        expect_keys(f, "type", "requestID", "targetRequestID", NULL);
        rc = deadbolt_wire_encode_cancel(r, id, (uint32_t)field_u(f, "targetRequestID"));
    } else {
        fail_msg("vector %s: request type %s is not handled by this test", current, type);
        return;
    }
    if (rc != 0) fail_msg("vector %s: encoding returned %d", current, rc);
}

static void check_request(json_t *v) {
    size_t n;
    uint8_t *want = vector_bytes(v, &n);
    deadbolt_wire_request r;
    memset(&r, 0xAA, sizeof r);
    encode_request(field(v, "fields"), &r);
    if (r.length != n || memcmp(r.bytes, want, n) != 0) {
        char got_hex[2 * sizeof r.bytes + 1] = "";
        for (size_t i = 0; i < r.length && i < sizeof r.bytes; i++) sprintf(got_hex + 2 * i, "%02x", r.bytes[i]);
        fail_msg("vector %s: encoded %s, expected %s", current, got_hex, json_string_value(field(v, "hex")));
    }
    free(want);
}

/* --- Responses, events, errors ------------------------------------------ */

static uint8_t type_value(const char *name) {
    static const struct {
        const char *name;
        uint8_t     type;
    } types[] = {
        {"HELLO_RESPONSE", 0x81}, {"ACQUIRE_RESPONSE", 0x82}, {"RELEASE_RESPONSE", 0x83},
        {"RENEW_RESPONSE", 0x84}, {"QUERY_RESPONSE", 0x85},   {"LIST_RESPONSE", 0x86},
        {"STATS_RESPONSE", 0x87}, {"PING_RESPONSE", 0x88},    {"FORCE_RELEASE_RESPONSE", 0x89},
        {"CANCEL_RESPONSE", 0x8A}, {"LOST", 0xC1},            {"ERROR", 0xFF},
    };
    for (size_t i = 0; i < sizeof types / sizeof *types; i++)
        if (strcmp(types[i].name, name) == 0) return types[i].type;
    fail_msg("vector %s: type %s is not handled by this test", current, name);
    return 0;
}

static void check_holder(deadbolt_wire_reader *p, json_t *h) {
    deadbolt_wire_holder w;
    assert_int_equal(deadbolt_wire_decode_holder(p, &w), 0);
    expect_keys(h, "owner", "sessionID", "pid", "uid", "gid", "mode", "detached", "fencingToken", "holdCount",
                "heldMilliseconds", "leaseRemainingMilliseconds", NULL);
    assert_wire_string(w.owner, h, "owner");
    assert_field_u(w.session_id, h, "sessionID");
    assert_int_equal(w.pid, field_i(h, "pid"));
    assert_field_u(w.uid, h, "uid");
    assert_field_u(w.gid, h, "gid");
    assert_int_equal(w.mode, mode_value(field_s(h, "mode")));
    assert_int_equal(w.holder_flags & 1, field_b(h, "detached"));
    assert_field_u(w.token, h, "fencingToken");
    assert_field_u(w.hold_count, h, "holdCount");
    assert_field_u(w.held_ms, h, "heldMilliseconds");
    assert_field_u(w.lease_remaining_ms, h, "leaseRemainingMilliseconds");
}

static void check_waiter(deadbolt_wire_reader *p, json_t *h) {
    deadbolt_wire_waiter w;
    assert_int_equal(deadbolt_wire_decode_waiter(p, &w), 0);
    expect_keys(h, "owner", "sessionID", "pid", "uid", "gid", "mode", "waitedMilliseconds",
                "waitRemainingMilliseconds", NULL);
    assert_wire_string(w.owner, h, "owner");
    assert_field_u(w.session_id, h, "sessionID");
    assert_int_equal(w.pid, field_i(h, "pid"));
    assert_field_u(w.uid, h, "uid");
    assert_field_u(w.gid, h, "gid");
    assert_int_equal(w.mode, mode_value(field_s(h, "mode")));
    assert_field_u(w.waited_ms, h, "waitedMilliseconds");
    assert_field_u(w.wait_remaining_ms, h, "waitRemainingMilliseconds");
}

/* Decodes an OK payload of `type` and compares it with the fields. */
static void check_ok_payload(uint8_t type, deadbolt_wire_reader *p, json_t *f) {
    switch (type) {
    case 0x81: {
        deadbolt_wire_hello_ok h;
        expect_keys(f, "type", "requestID", "status", "protocolVersion", "sessionID", "maxFrameBytes",
                    "maxNameBytes", "maxLocksPerConnection", "maxWaitersPerConnection", "serverName", NULL);
        assert_int_equal(deadbolt_wire_decode_hello_ok(p, &h), 0);
        assert_field_u(h.protocol_version, f, "protocolVersion");
        assert_field_u(h.session_id, f, "sessionID");
        assert_field_u(h.max_frame_bytes, f, "maxFrameBytes");
        assert_field_u(h.max_name_bytes, f, "maxNameBytes");
        assert_field_u(h.max_locks_per_connection, f, "maxLocksPerConnection");
        assert_field_u(h.max_waiters_per_connection, f, "maxWaitersPerConnection");
        assert_wire_string(h.server_name, f, "serverName");
        break;
    }
    case 0x82: {
        deadbolt_wire_acquire_ok a;
        expect_keys(f, "type", "requestID", "status", "fencingToken", "holdCount", "ttlMilliseconds", NULL);
        assert_int_equal(deadbolt_wire_decode_acquire_ok(p, &a), 0);
        assert_field_u(a.token, f, "fencingToken");
        assert_field_u(a.hold_count, f, "holdCount");
        assert_field_u(a.ttl_ms, f, "ttlMilliseconds");
        break;
    }
    case 0x83: {
        uint32_t remaining;
        expect_keys(f, "type", "requestID", "status", "remainingHoldCount", NULL);
        assert_int_equal(deadbolt_wire_decode_release_ok(p, &remaining), 0);
        assert_field_u(remaining, f, "remainingHoldCount");
        break;
    }
    case 0x84: {
        deadbolt_wire_renew_ok r;
        expect_keys(f, "type", "requestID", "status", "fencingToken", "ttlMilliseconds", NULL);
        assert_int_equal(deadbolt_wire_decode_renew_ok(p, &r), 0);
        assert_field_u(r.token, f, "fencingToken");
        assert_field_u(r.ttl_ms, f, "ttlMilliseconds");
        break;
    }
    case 0x85: {
        expect_keys(f, "type", "requestID", "status", "holders", "waiters", NULL);
        json_t *holders = field(f, "holders"), *waiters = field(f, "waiters");
        uint16_t count;
        assert_int_equal(deadbolt_wire_read_u16(p, &count), 0);
        assert_int_equal(count, json_array_size(holders));
        for (size_t i = 0; i < count; i++) check_holder(p, json_array_get(holders, i));
        assert_int_equal(deadbolt_wire_read_u16(p, &count), 0);
        assert_int_equal(count, json_array_size(waiters));
        for (size_t i = 0; i < count; i++) check_waiter(p, json_array_get(waiters, i));
        break;
    }
    case 0x86: {
        expect_keys(f, "type", "requestID", "status", "entries", "nextCursor", NULL);
        json_t *entries = field(f, "entries");
        uint32_t count;
        assert_int_equal(deadbolt_wire_read_u32(p, &count), 0);
        assert_int_equal(count, json_array_size(entries));
        for (size_t i = 0; i < count; i++) {
            json_t *e = json_array_get(entries, i);
            deadbolt_wire_list_entry w;
            assert_int_equal(deadbolt_wire_decode_list_entry(p, &w), 0);
            expect_keys(e, "resource", "mode", "holderCount", "waiterCount", NULL);
            assert_wire_string(w.resource, e, "resource");
            assert_int_equal(w.mode, mode_value(field_s(e, "mode")));
            assert_field_u(w.holder_count, e, "holderCount");
            assert_field_u(w.waiter_count, e, "waiterCount");
        }
        deadbolt_wire_string cursor;
        assert_int_equal(deadbolt_wire_read_string(p, &cursor), 0);
        assert_wire_string(cursor, f, "nextCursor");
        break;
    }
    case 0x87: {
        expect_keys(f, "type", "requestID", "status", "counters", NULL);
        json_t *counters = field(f, "counters");
        uint16_t count;
        assert_int_equal(deadbolt_wire_read_u16(p, &count), 0);
        assert_int_equal(count, json_array_size(counters));
        for (size_t i = 0; i < count; i++) {
            json_t *c = json_array_get(counters, i);
            deadbolt_wire_string name;
            uint64_t value;
            assert_int_equal(deadbolt_wire_decode_counter(p, &name, &value), 0);
            expect_keys(c, "name", "value", NULL);
            assert_wire_string(name, c, "name");
            assert_field_u(value, c, "value");
        }
        break;
    }
    case 0x88:
        expect_keys(f, "type", "requestID", "status", NULL);
        break;
    case 0x89: {
        uint32_t released;
        expect_keys(f, "type", "requestID", "status", "releasedHolders", NULL);
        assert_int_equal(deadbolt_wire_decode_force_release_ok(p, &released), 0);
        assert_field_u(released, f, "releasedHolders");
        break;
    }
    case 0x8A: {
        int removed = -1;
        expect_keys(f, "type", "requestID", "status", "removedWaiter", NULL);
        assert_int_equal(deadbolt_wire_decode_cancel_ok(p, &removed), 0);
        assert_int_equal(removed != 0, field_b(f, "removedWaiter"));
        break;
    }
    default:
        fail_msg("vector %s: response type 0x%02x is not handled by this test", current, type);
    }
    /* Version-1 senders send nothing after the known fields. */
    assert_int_equal(p->left, 0);
}

static void check_decoded(json_t *v, const char *direction) {
    json_t *f = field(v, "fields");
    size_t n;
    uint8_t *frame = vector_bytes(v, &n);
    assert_true(n >= DEADBOLT_WIRE_LENGTH_BYTES);
    assert_int_equal(deadbolt_wire_frame_length(frame), n - DEADBOLT_WIRE_LENGTH_BYTES);

    deadbolt_wire_message m;
    assert_int_equal(deadbolt_wire_decode_message(frame + 4, n - 4, &m), 0);
    uint8_t type = type_value(field_s(f, "type"));
    assert_int_equal(m.type, type);
    assert_field_u(m.request_id, f, "requestID");

    if (strcmp(direction, "event") == 0) {
        assert_int_equal(type, DEADBOLT_WIRE_LOST);
        expect_keys(f, "type", "requestID", "resource", "owner", "fencingToken", "reason", NULL);
        deadbolt_wire_lost lost;
        assert_int_equal(deadbolt_wire_decode_lost(&m.payload, &lost), 0);
        assert_wire_string(lost.resource, f, "resource");
        assert_wire_string(lost.owner, f, "owner");
        assert_field_u(lost.token, f, "fencingToken");
        assert_int_equal(lost.reason, reason_value(field_s(f, "reason")));
        assert_int_equal(m.payload.left, 0);
    } else {
        if (strcmp(direction, "error") == 0) assert_int_equal(type, DEADBOLT_WIRE_ERROR);
        else if (type < 0x81 || type > 0x8A) fail_msg("vector %s: a response of type 0x%02x", current, type);
        const char *status = deadbolt_wire_status_name(m.status);
        if (!status || strcmp(status, field_s(f, "status")) != 0)
            fail_msg("vector %s: status %u (%s), expected %s", current, m.status, status ? status : "unknown",
                     field_s(f, "status"));
        if (type == DEADBOLT_WIRE_ERROR || m.status != DEADBOLT_STATUS_OK) {
            expect_keys(f, "type", "requestID", "status", "message", NULL);
            assert_wire_string(m.message, f, "message");
        } else {
            check_ok_payload(type, &m.payload, f);
        }
    }
    free(frame);
}

/* Decodes a body all the way, comparing nothing: 0, or the first error. */
static int decode_all(const uint8_t *body, size_t n) {
    deadbolt_wire_message m;
    int rc = deadbolt_wire_decode_message(body, n, &m);
    if (rc != 0) return rc;
    deadbolt_wire_reader *p = &m.payload;
    if (m.type == DEADBOLT_WIRE_LOST) {
        deadbolt_wire_lost lost;
        return deadbolt_wire_decode_lost(p, &lost);
    }
    if (m.type == DEADBOLT_WIRE_ERROR || m.status != DEADBOLT_STATUS_OK) return 0;
    switch (m.type) {
    case 0x81: {
        deadbolt_wire_hello_ok h;
        return deadbolt_wire_decode_hello_ok(p, &h);
    }
    case 0x82: {
        deadbolt_wire_acquire_ok a;
        return deadbolt_wire_decode_acquire_ok(p, &a);
    }
    case 0x83: {
        uint32_t remaining;
        return deadbolt_wire_decode_release_ok(p, &remaining);
    }
    case 0x84: {
        deadbolt_wire_renew_ok r;
        return deadbolt_wire_decode_renew_ok(p, &r);
    }
    case 0x85: {
        uint16_t count;
        deadbolt_wire_holder h;
        deadbolt_wire_waiter w;
        if ((rc = deadbolt_wire_read_u16(p, &count)) != 0) return rc;
        for (uint16_t i = 0; i < count; i++)
            if ((rc = deadbolt_wire_decode_holder(p, &h)) != 0) return rc;
        if ((rc = deadbolt_wire_read_u16(p, &count)) != 0) return rc;
        for (uint16_t i = 0; i < count; i++)
            if ((rc = deadbolt_wire_decode_waiter(p, &w)) != 0) return rc;
        return 0;
    }
    case 0x86: {
        uint32_t count;
        deadbolt_wire_list_entry e;
        deadbolt_wire_string cursor;
        if ((rc = deadbolt_wire_read_u32(p, &count)) != 0) return rc;
        for (uint32_t i = 0; i < count; i++)
            if ((rc = deadbolt_wire_decode_list_entry(p, &e)) != 0) return rc;
        return deadbolt_wire_read_string(p, &cursor);
    }
    case 0x87: {
        uint16_t count;
        deadbolt_wire_string name;
        uint64_t value;
        if ((rc = deadbolt_wire_read_u16(p, &count)) != 0) return rc;
        for (uint16_t i = 0; i < count; i++)
            if ((rc = deadbolt_wire_decode_counter(p, &name, &value)) != 0) return rc;
        return 0;
    }
    case 0x88:
        return 0;
    case 0x89: {
        uint32_t released;
        return deadbolt_wire_decode_force_release_ok(p, &released);
    }
    case 0x8A: {
        int removed;
        return deadbolt_wire_decode_cancel_ok(p, &removed);
    }
    default:
        fail_msg("vector %s: decode_message accepted type 0x%02x", current, m.type);
        return 0;
    }
}

static void check_truncations(json_t *v) {
    size_t n;
    uint8_t *frame = vector_bytes(v, &n);
    size_t body_length = n - DEADBOLT_WIRE_LENGTH_BYTES;
    assert_int_equal(decode_all(frame + DEADBOLT_WIRE_LENGTH_BYTES, body_length), 0);
    for (size_t cut = 0; cut < body_length; cut++) {
        /* Exactly `cut` bytes on the heap, so that ASan sees any over-read. */
        uint8_t *prefix = malloc(cut ? cut : 1);
        assert_non_null(prefix);
        memcpy(prefix, frame + DEADBOLT_WIRE_LENGTH_BYTES, cut);
        int rc = decode_all(cut ? prefix : prefix + 1, cut);
        if (rc != -EPROTO)
            fail_msg("vector %s: a %zu-byte prefix of the %zu-byte body decoded to %d, expected -EPROTO", current,
                     cut, body_length, rc);
        free(prefix);
    }
    free(frame);
}

/* --- Tests -------------------------------------------------------------- */

static void test_every_vector(void **state) {
    (void)state;
    json_t *root = load_vectors();
    size_t requests = 0, responses = 0, events = 0, errors = 0, i;
    json_t *v;
    json_array_foreach(json_object_get(root, "vectors"), i, v) {
        current = json_string_value(json_object_get(v, "name"));
        if (!current) fail_msg("vector %zu has no name", i);
        expect_keys(v, "name", "direction", "hex", "fields", NULL);
        const char *direction = field_s(v, "direction");
        if (strcmp(direction, "request") == 0) {
            check_request(v);
            requests++;
        } else if (strcmp(direction, "response") == 0 || strcmp(direction, "event") == 0 ||
                   strcmp(direction, "error") == 0) {
            check_decoded(v, direction);
            check_truncations(v);
            responses += direction[0] == 'r';
            events += direction[0] == 'e' && direction[1] == 'v';
            errors += direction[0] == 'e' && direction[1] == 'r';
        } else {
            fail_msg("vector %s: direction %s is not handled by this test", current, direction);
        }
    }
    print_message("vectors: %zu requests, %zu responses, %zu events, %zu errors\n", requests, responses, events,
                  errors);
    assert_true(requests > 0);
    assert_true(responses > 0);
    assert_true(events > 0);
    assert_true(errors > 0);
    json_decref(root);
}

/* Names of 256 bytes are refused; 255 fit, and the largest request is 533
 * bytes, as wire.h says. */
static void test_encoders_and_name_lengths(void **state) {
    (void)state;
    char long_name[257], max_name[256];
    memset(long_name, 'x', 256);
    long_name[256] = '\0';
    memset(max_name, 'y', 255);
    max_name[255] = '\0';
    deadbolt_wire_string too_long = wstr(long_name), max = wstr(max_name), empty = wstr("");
    deadbolt_wire_request r;

    deadbolt_wire_acquire a = {.resource = max, .owner = max, .mode = 1, .flags = 3, .ttl_ms = 1, .wait_ms = 2};
    assert_int_equal(deadbolt_wire_encode_acquire(&r, 1, &a), 0);
    assert_int_equal(r.length, 533);
    assert_int_equal(deadbolt_wire_frame_length(r.bytes), 529);
    a.resource = too_long;
    assert_int_equal(deadbolt_wire_encode_acquire(&r, 1, &a), -ENAMETOOLONG);
    a.resource = max;
    a.owner = too_long;
    assert_int_equal(deadbolt_wire_encode_acquire(&r, 1, &a), -ENAMETOOLONG);

    assert_int_equal(deadbolt_wire_encode_hello(&r, 1, 1, too_long), -ENAMETOOLONG);
    assert_int_equal(deadbolt_wire_encode_release(&r, 1, too_long, empty), -ENAMETOOLONG);
    assert_int_equal(deadbolt_wire_encode_release(&r, 1, max, too_long), -ENAMETOOLONG);
    assert_int_equal(deadbolt_wire_encode_renew(&r, 1, too_long, empty, 5), -ENAMETOOLONG);
    assert_int_equal(deadbolt_wire_encode_renew(&r, 1, max, too_long, 5), -ENAMETOOLONG);
    assert_int_equal(deadbolt_wire_encode_query(&r, 1, too_long), -ENAMETOOLONG);
    assert_int_equal(deadbolt_wire_encode_list(&r, 1, too_long, 0, empty), -ENAMETOOLONG);
    assert_int_equal(deadbolt_wire_encode_list(&r, 1, empty, 0, too_long), -ENAMETOOLONG);
    assert_int_equal(deadbolt_wire_encode_force_release(&r, 1, too_long), -ENAMETOOLONG);
    assert_int_equal(deadbolt_wire_encode_query(&r, 1, max), 0);
    assert_int_equal(r.length, 4 + 5 + 2 + 255);
}

static const struct {
    const char *name;
    uint16_t    code;
    int         err;
} statuses[] = {
    {"OK", 0, 0},
    {"NOT_GRANTED", 1, -EAGAIN},
    {"WAIT_TIMEOUT", 2, -ETIMEDOUT},
    {"LOCK_UNEXIST", 3, -ENOENT},
    {"LOCK_BELONG_TO_OTHERS", 4, -EPERM},
    {"ALREADY_HELD", 5, -EDEADLK},
    {"CANCELLED", 6, -ECANCELED},
    {"SHUTTING_DOWN", 7, -ESHUTDOWN},
    {"INVALID_ARGUMENT", 16, -EINVAL},
    {"NAME_TOO_LONG", 17, -ENAMETOOLONG},
    {"QUOTA_EXCEEDED", 18, -EDQUOT},
    {"PERMISSION_DENIED", 19, -EPERM},
    {"UPSTREAM_UNAVAILABLE", 20, -ENOLINK},
    {"PROTOCOL_ERROR", 32, -EPROTO},
    {"UNSUPPORTED_VERSION", 33, -EPROTONOSUPPORT},
    {"INTERNAL", 34, -EREMOTEIO},
};
enum { STATUS_COUNT = sizeof statuses / sizeof *statuses };

/* Every row "| NAME | code | ..." of the Statuses table in PROTOCOL.md is
 * one of `statuses`, with the same code, and every one of them is there. */
static void test_status_table_matches_protocol_doc(void **state) {
    (void)state;
    const char *path = getenv("DEADBOLT_PROTOCOL_DOC");
    if (!path || !*path) path = "docs/PROTOCOL.md";
    FILE *doc = fopen(path, "r");
    if (!doc) fail_msg("cannot open %s", path);
    char line[1024];
    int in_section = 0, seen[STATUS_COUNT] = {0};
    size_t rows = 0;
    while (fgets(line, sizeof line, doc)) {
        if (strncmp(line, "## ", 3) == 0) in_section = strncmp(line, "## Statuses", 11) == 0;
        char name[64];
        unsigned code;
        if (!in_section || sscanf(line, "| %63[A-Z_] | %u |", name, &code) != 2) continue;
        rows++;
        size_t k = 0;
        while (k < STATUS_COUNT && strcmp(statuses[k].name, name) != 0) k++;
        if (k == STATUS_COUNT) fail_msg("%s lists status %s (%u), which this test does not know", path, name, code);
        assert_int_equal(statuses[k].code, code);
        seen[k] = 1;
    }
    fclose(doc);
    assert_int_equal(rows, STATUS_COUNT);
    for (size_t k = 0; k < STATUS_COUNT; k++)
        if (!seen[k]) fail_msg("%s has no row for %s", path, statuses[k].name);
}

static void test_status_errnos_and_names(void **state) {
    (void)state;
    for (size_t k = 0; k < STATUS_COUNT; k++) {
        int err = deadbolt_wire_status_errno(statuses[k].code);
        if (err != statuses[k].err)
            fail_msg("status %s (%u) maps to %d, expected %d", statuses[k].name, statuses[k].code, err,
                     statuses[k].err);
        const char *name = deadbolt_wire_status_name(statuses[k].code);
        assert_non_null(name);
        assert_string_equal(name, statuses[k].name);
    }
    assert_int_equal(deadbolt_wire_status_errno(999), -EREMOTEIO);
    assert_int_equal(deadbolt_wire_status_errno(8), -EREMOTEIO);
    assert_int_equal(deadbolt_wire_status_errno(0xFFFF), -EREMOTEIO);
    assert_null(deadbolt_wire_status_name(999));
}

/* deadbolt_strerror: a non-empty text per errno of the table (and those of
 * the connection), a different one for each errno, positive or negative. */
static void test_strerror_texts(void **state) {
    (void)state;
    int errs[STATUS_COUNT + 6];
    size_t n = 0;
    for (size_t k = 0; k < STATUS_COUNT; k++) errs[n++] = statuses[k].err;
    errs[n++] = deadbolt_wire_status_errno(999);
    errs[n++] = -ECONNRESET;
    errs[n++] = -ENOTCONN;
    errs[n++] = -ENOMEM;
    errs[n++] = -ECONNREFUSED;
    errs[n++] = -EACCES;
    for (size_t i = 0; i < n; i++) {
        const char *text = deadbolt_strerror(errs[i]);
        if (!text || !*text) fail_msg("deadbolt_strerror(%d) is empty", errs[i]);
        const char *positive = deadbolt_strerror(-errs[i]);
        assert_non_null(positive);
        assert_string_equal(positive, text);
        for (size_t j = 0; j < n; j++)
            if (errs[j] != errs[i] && strcmp(deadbolt_strerror(errs[j]), text) == 0)
                fail_msg("deadbolt_strerror(%d) and deadbolt_strerror(%d) are both \"%s\"", errs[i], errs[j], text);
    }
    const char *unknown = deadbolt_strerror(-123456);
    assert_non_null(unknown);
    assert_true(*unknown != '\0');
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_vector),
        cmocka_unit_test(test_encoders_and_name_lengths),
        cmocka_unit_test(test_status_table_matches_protocol_doc),
        cmocka_unit_test(test_status_errnos_and_names),
        cmocka_unit_test(test_strerror_texts),
    };
    return cmocka_run_group_tests_name("libdeadbolt wire vectors", tests, NULL, NULL);
}
