/* SPDX-License-Identifier: MIT */
/*
 * The checker of the daemon's answers to garbage: every frame it sends must
 * be well-formed (docs/PROTOCOL.md), whatever it was sent.
 */
#define _GNU_SOURCE
#include "garbage.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void answers_init(struct answers *a, int track_ids) {
    memset(a, 0, sizeof *a);
    a->max_frame = MAX_FRAME_BYTES;
    a->pre_hello = 1;
    a->next_id = 1;
    a->cap = 2 * (MAX_FRAME_BYTES + 4);
    a->buf = malloc(a->cap);
    if (track_ids) {
        a->ids_cap = 4096;
        a->ids = calloc(a->ids_cap, 1);
    }
    if (!a->buf || (track_ids && !a->ids)) {
        fprintf(stderr, "garbage: out of memory\n");
        _exit(2);
    }
}

void answers_free(struct answers *a) {
    free(a->buf);
    free(a->ids);
    a->buf = NULL;
    a->ids = NULL;
}

uint32_t answers_take_id(struct answers *a, uint8_t type) {
    uint32_t id = a->next_id++;
    if (!a->ids) return id;
    if (id >= a->ids_cap) {
        size_t cap = a->ids_cap * 2;
        uint8_t *ids = realloc(a->ids, cap);
        if (!ids) {
            fprintf(stderr, "garbage: out of memory\n");
            _exit(2);
        }
        memset(ids + a->ids_cap, 0, cap - a->ids_cap);
        a->ids = ids;
        a->ids_cap = cap;
    }
    a->ids[id] = type == DEADBOLT_WIRE_ACQUIRE ? ID_SENT_ACQUIRE : ID_SENT;
    a->unanswered++;
    a->unanswered_acquire += type == DEADBOLT_WIRE_ACQUIRE;
    return id;
}

int answers_refused(const struct answers *a) {
    return a->have_first && a->first_type == DEADBOLT_WIRE_ERROR && a->first_status == DEADBOLT_STATUS_QUOTA_EXCEEDED;
}

static const char *type_name(uint8_t type) {
    static const char *const names[] = {"?",           "HELLO_RESPONSE", "ACQUIRE_RESPONSE", "RELEASE_RESPONSE",
                                        "RENEW_RESPONSE", "QUERY_RESPONSE", "LIST_RESPONSE", "STATS_RESPONSE",
                                        "PING_RESPONSE", "FORCE_RELEASE_RESPONSE", "CANCEL_RESPONSE"};
    if (type == DEADBOLT_WIRE_ERROR) return "ERROR";
    if (type == DEADBOLT_WIRE_LOST) return "LOST";
    if (type > DEADBOLT_WIRE_RESPONSE_BIT && type <= (DEADBOLT_WIRE_CANCEL | DEADBOLT_WIRE_RESPONSE_BIT))
        return names[type & 0x7f];
    return "?";
}

void answers_describe_last(const struct answers *a, char *out, size_t size) {
    if (!a->frames) {
        snprintf(out, size, "no frame");
        return;
    }
    const char *status = deadbolt_wire_status_name(a->last_status);
    if (a->last_type == DEADBOLT_WIRE_LOST)
        snprintf(out, size, "LOST");
    else
        snprintf(out, size, "%s %s id %u", type_name(a->last_type), status ? status : "?", a->last_id);
}

/* Decodes the OK payload of a response of `type`; 0 if it is well-formed. */
static int check_ok_payload(uint8_t type, deadbolt_wire_reader p) {
    switch (type & 0x7f) {
    case DEADBOLT_WIRE_HELLO: {
        deadbolt_wire_hello_ok h;
        return deadbolt_wire_decode_hello_ok(&p, &h);
    }
    case DEADBOLT_WIRE_ACQUIRE: {
        deadbolt_wire_acquire_ok o;
        return deadbolt_wire_decode_acquire_ok(&p, &o);
    }
    case DEADBOLT_WIRE_RELEASE: {
        uint32_t n;
        return deadbolt_wire_decode_release_ok(&p, &n);
    }
    case DEADBOLT_WIRE_RENEW: {
        deadbolt_wire_renew_ok o;
        return deadbolt_wire_decode_renew_ok(&p, &o);
    }
    case DEADBOLT_WIRE_QUERY: {
        uint16_t n;
        deadbolt_wire_holder h;
        deadbolt_wire_waiter w;
        if (deadbolt_wire_read_u16(&p, &n) < 0) return -1;
        for (uint16_t i = 0; i < n; i++)
            if (deadbolt_wire_decode_holder(&p, &h) < 0) return -1;
        if (deadbolt_wire_read_u16(&p, &n) < 0) return -1;
        for (uint16_t i = 0; i < n; i++)
            if (deadbolt_wire_decode_waiter(&p, &w) < 0) return -1;
        return 0;
    }
    case DEADBOLT_WIRE_LIST: {
        uint32_t n;
        deadbolt_wire_list_entry e;
        deadbolt_wire_string cursor;
        if (deadbolt_wire_read_u32(&p, &n) < 0) return -1;
        for (uint32_t i = 0; i < n; i++)
            if (deadbolt_wire_decode_list_entry(&p, &e) < 0) return -1;
        return deadbolt_wire_read_string(&p, &cursor);
    }
    case DEADBOLT_WIRE_STATS: {
        uint16_t n;
        deadbolt_wire_string name;
        uint64_t value;
        if (deadbolt_wire_read_u16(&p, &n) < 0) return -1;
        for (uint16_t i = 0; i < n; i++)
            if (deadbolt_wire_decode_counter(&p, &name, &value) < 0) return -1;
        return 0;
    }
    case DEADBOLT_WIRE_PING:
        return 0;
    case DEADBOLT_WIRE_FORCE_RELEASE: {
        uint32_t n;
        return deadbolt_wire_decode_force_release_ok(&p, &n);
    }
    case DEADBOLT_WIRE_CANCEL: {
        int removed;
        return deadbolt_wire_decode_cancel_ok(&p, &removed);
    }
    }
    return -1;
}

static int problem(struct answers *a, const char *what, const uint8_t *body, size_t length) {
    if (!a->bad[0]) {
        char hex[3 * 24 + 1] = "";
        for (size_t i = 0; i < length && i < 24; i++) snprintf(hex + 3 * i, 4, " %02x", body[i]);
        snprintf(a->bad, sizeof a->bad, "answer %llu: %s (%zu-byte body:%s%s)", (unsigned long long)a->frames + 1,
                 what, length, hex, length > 24 ? " ..." : "");
    }
    return -1;
}

static int check_frame(struct answers *a, const uint8_t *body, size_t length) {
    deadbolt_wire_message m;
    if (deadbolt_wire_decode_message(body, length, &m) != 0) return problem(a, "does not decode", body, length);
    int is_lost = m.type == DEADBOLT_WIRE_LOST;
    if (!is_lost && !deadbolt_wire_status_name(m.status)) return problem(a, "unknown status", body, length);
    if (is_lost) {
        deadbolt_wire_lost lost;
        deadbolt_wire_reader p = m.payload;
        if (deadbolt_wire_decode_lost(&p, &lost) != 0) return problem(a, "LOST does not decode", body, length);
    } else if (m.type != DEADBOLT_WIRE_ERROR && m.status == DEADBOLT_STATUS_OK) {
        if (check_ok_payload(m.type, m.payload) != 0) return problem(a, "OK payload does not decode", body, length);
    }
    if (!a->have_first) {
        a->have_first = 1;
        a->first_type = m.type;
        a->first_status = m.status;
    }
    int refusal = a->frames == 0 && m.type == DEADBOLT_WIRE_ERROR && m.request_id == 0 &&
                  (m.status == DEADBOLT_STATUS_QUOTA_EXCEEDED || m.status == DEADBOLT_STATUS_SHUTTING_DOWN);
    if (a->pre_hello && !refusal) {
        if (m.type == (DEADBOLT_WIRE_HELLO | DEADBOLT_WIRE_RESPONSE_BIT) && m.status == DEADBOLT_STATUS_OK) {
            a->pre_hello = 0;
        } else if (is_lost || (m.status != DEADBOLT_STATUS_PROTOCOL_ERROR &&
                               m.status != DEADBOLT_STATUS_INVALID_ARGUMENT &&
                               m.status != DEADBOLT_STATUS_UNSUPPORTED_VERSION)) {
            return problem(a, "before HELLO, an answer other than PROTOCOL_ERROR, INVALID_ARGUMENT or "
                              "UNSUPPORTED_VERSION", body, length);
        }
    }
    if (a->all_ok && !refusal && (is_lost || m.status != DEADBOLT_STATUS_OK))
        return problem(a, "a valid request was not answered OK", body, length);
    if (a->ids && !is_lost && m.request_id != 0) {
        if (m.request_id >= a->next_id || a->ids[m.request_id] == ID_UNUSED)
            return problem(a, "answers a request id never sent", body, length);
        if (a->ids[m.request_id] == ID_ANSWERED) return problem(a, "answers a request id a second time", body, length);
        a->unanswered_acquire -= a->ids[m.request_id] == ID_SENT_ACQUIRE;
        a->ids[m.request_id] = ID_ANSWERED;
        a->unanswered--;
    }
    a->frames++;
    a->last_type = m.type;
    a->last_id = m.request_id;
    a->last_status = m.status;
    return 0;
}

int answers_feed(struct answers *a, const uint8_t *p, size_t n) {
    if (a->bad[0]) return -1;
    while (n > 0) {
        size_t take = a->cap - a->len < n ? a->cap - a->len : n;
        memcpy(a->buf + a->len, p, take);
        a->len += take;
        p += take;
        n -= take;
        size_t at = 0;
        while (a->len - at >= DEADBOLT_WIRE_LENGTH_BYTES) {
            uint32_t length = deadbolt_wire_frame_length(a->buf + at);
            if (length > a->max_frame) {
                char what[80];
                snprintf(what, sizeof what, "a frame of %u bytes, above the maximum of %u", length, a->max_frame);
                return problem(a, what, a->buf + at + 4, 0);
            }
            if (a->len - at - DEADBOLT_WIRE_LENGTH_BYTES < length) break;
            if (check_frame(a, a->buf + at + DEADBOLT_WIRE_LENGTH_BYTES, length) != 0) return -1;
            at += DEADBOLT_WIRE_LENGTH_BYTES + length;
        }
        memmove(a->buf, a->buf + at, a->len - at);
        a->len -= at;
    }
    return 0;
}
