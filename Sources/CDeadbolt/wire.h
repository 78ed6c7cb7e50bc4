/* SPDX-License-Identifier: MIT */
#ifndef DEADBOLT_WIRE_H
#define DEADBOLT_WIRE_H

/*
 * The bytes of docs/PROTOCOL.md, as the client sees them: encoders for every
 * request and decoders for every response, LOST event and ERROR frame.
 *
 * Pure: no I/O, no allocation, no clock. Frames are built in a fixed buffer
 * (every request fits once its names are at most 255 bytes) and decoded in
 * place: decoded strings point into the frame they came from and are not
 * NUL-terminated. Internal to libdeadbolt; nothing here is exported from
 * the shared library.
 */

#include "deadbolt.h"

#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__) || defined(__clang__)
#  define DEADBOLT_INTERNAL __attribute__((visibility("hidden")))
#else
#  define DEADBOLT_INTERNAL
#endif

/* Message types (PROTOCOL.md, "Message bodies"). A response is its
 * request's type | DEADBOLT_WIRE_RESPONSE_BIT. */
enum {
    DEADBOLT_WIRE_HELLO = 0x01,
    DEADBOLT_WIRE_ACQUIRE = 0x02,
    DEADBOLT_WIRE_RELEASE = 0x03,
    DEADBOLT_WIRE_RENEW = 0x04,
    DEADBOLT_WIRE_QUERY = 0x05,
    DEADBOLT_WIRE_LIST = 0x06,
    DEADBOLT_WIRE_STATS = 0x07,
    DEADBOLT_WIRE_PING = 0x08,
    DEADBOLT_WIRE_FORCE_RELEASE = 0x09,
    DEADBOLT_WIRE_CANCEL = 0x0A,
    DEADBOLT_WIRE_RESPONSE_BIT = 0x80,
    DEADBOLT_WIRE_LOST = 0xC1,
    DEADBOLT_WIRE_ERROR = 0xFF
};

/* Statuses are DEADBOLT_STATUS_* in deadbolt.h. */

enum {
    DEADBOLT_WIRE_LENGTH_BYTES = 4,           /* the u32 length prefix */
    DEADBOLT_WIRE_HEADER_BYTES = 5,           /* u8 type, u32 request id */
    DEADBOLT_WIRE_MAX_REQUEST_BYTES = 1024,   /* the largest request frame, prefix included, is 533 */
    DEADBOLT_WIRE_DEFAULT_MAX_FRAME_BYTES = 65536,
    DEADBOLT_WIRE_WAIT_FOREVER = -1           /* as u32: 0xFFFFFFFF */
};

/* A run of bytes that is not NUL-terminated. */
typedef struct deadbolt_wire_string {
    const char *bytes;
    size_t      length;
} deadbolt_wire_string;

/* A request frame, length prefix included. */
typedef struct deadbolt_wire_request {
    uint8_t bytes[DEADBOLT_WIRE_MAX_REQUEST_BYTES];
    size_t  length;
} deadbolt_wire_request;

typedef struct deadbolt_wire_acquire {
    deadbolt_wire_string resource;
    deadbolt_wire_string owner;
    uint8_t              mode;
    uint8_t              flags;
    uint32_t             ttl_ms;
    uint32_t             wait_ms;   /* 0xFFFFFFFF = without a deadline */
} deadbolt_wire_acquire;

/* Encoders. Each writes one whole frame into *r and returns 0, or
 * -ENAMETOOLONG if a string is longer than 255 bytes (nothing else can fail). */
DEADBOLT_INTERNAL int deadbolt_wire_encode_hello(deadbolt_wire_request *r, uint32_t request_id,
                                                 uint16_t protocol_version, deadbolt_wire_string client_name);
DEADBOLT_INTERNAL int deadbolt_wire_encode_acquire(deadbolt_wire_request *r, uint32_t request_id,
                                                   const deadbolt_wire_acquire *a);
DEADBOLT_INTERNAL int deadbolt_wire_encode_release(deadbolt_wire_request *r, uint32_t request_id,
                                                   deadbolt_wire_string resource, deadbolt_wire_string owner);
DEADBOLT_INTERNAL int deadbolt_wire_encode_renew(deadbolt_wire_request *r, uint32_t request_id,
                                                 deadbolt_wire_string resource, deadbolt_wire_string owner,
                                                 uint32_t ttl_ms);
DEADBOLT_INTERNAL int deadbolt_wire_encode_query(deadbolt_wire_request *r, uint32_t request_id,
                                                 deadbolt_wire_string resource);
DEADBOLT_INTERNAL int deadbolt_wire_encode_list(deadbolt_wire_request *r, uint32_t request_id,
                                                deadbolt_wire_string prefix, uint32_t limit,
                                                deadbolt_wire_string cursor);
DEADBOLT_INTERNAL int deadbolt_wire_encode_stats(deadbolt_wire_request *r, uint32_t request_id);
DEADBOLT_INTERNAL int deadbolt_wire_encode_ping(deadbolt_wire_request *r, uint32_t request_id);
DEADBOLT_INTERNAL int deadbolt_wire_encode_force_release(deadbolt_wire_request *r, uint32_t request_id,
                                                         deadbolt_wire_string resource);
DEADBOLT_INTERNAL int deadbolt_wire_encode_cancel(deadbolt_wire_request *r, uint32_t request_id,
                                                  uint32_t target_request_id);

/* Reads a frame's u32 length prefix. */
DEADBOLT_INTERNAL uint32_t deadbolt_wire_frame_length(const uint8_t prefix[DEADBOLT_WIRE_LENGTH_BYTES]);

/* A cursor over bytes being decoded. */
typedef struct deadbolt_wire_reader {
    const uint8_t *at;
    size_t         left;
} deadbolt_wire_reader;

/* A decoded frame body: its header and, by type,
 *   responses (0x81…0x8A) and ERROR: status, and for a failure the message;
 *   OK responses and LOST: `payload`, the bytes after the header (and status),
 *   for the decoders below. */
typedef struct deadbolt_wire_message {
    uint8_t              type;
    uint32_t             request_id;
    uint16_t             status;     /* DEADBOLT_STATUS_OK for LOST */
    deadbolt_wire_string message;    /* failures and ERROR; empty otherwise */
    deadbolt_wire_reader payload;
} deadbolt_wire_message;

/* Decodes a frame body (without the length prefix) sent by the daemon.
 * Returns 0, or -EPROTO if the body is too short for its header, status or
 * message, or its type is not one the daemon sends. */
DEADBOLT_INTERNAL int deadbolt_wire_decode_message(const uint8_t *body, size_t length,
                                                   deadbolt_wire_message *out);

/* OK payloads. Each decoder reads its fields from *p and returns 0, or
 * -EPROTO if the payload ends inside a field. Bytes after the known fields
 * are left in *p and ignored (PROTOCOL.md, "Versioning"). */
typedef struct deadbolt_wire_hello_ok {
    uint16_t             protocol_version;
    uint64_t             session_id;
    uint32_t             max_frame_bytes;
    uint16_t             max_name_bytes;
    uint32_t             max_locks_per_connection;
    uint32_t             max_waiters_per_connection;
    deadbolt_wire_string server_name;
} deadbolt_wire_hello_ok;
DEADBOLT_INTERNAL int deadbolt_wire_decode_hello_ok(deadbolt_wire_reader *p, deadbolt_wire_hello_ok *out);

typedef struct deadbolt_wire_acquire_ok {
    uint64_t token;
    uint32_t hold_count;
    uint32_t ttl_ms;
} deadbolt_wire_acquire_ok;
DEADBOLT_INTERNAL int deadbolt_wire_decode_acquire_ok(deadbolt_wire_reader *p, deadbolt_wire_acquire_ok *out);

DEADBOLT_INTERNAL int deadbolt_wire_decode_release_ok(deadbolt_wire_reader *p, uint32_t *remaining_hold_count);

typedef struct deadbolt_wire_renew_ok {
    uint64_t token;
    uint32_t ttl_ms;
} deadbolt_wire_renew_ok;
DEADBOLT_INTERNAL int deadbolt_wire_decode_renew_ok(deadbolt_wire_reader *p, deadbolt_wire_renew_ok *out);

/* QUERY_RESPONSE is u16 holderCount, holders, u16 waiterCount, waiters:
 * read a count, then that many entries, twice. */
typedef struct deadbolt_wire_holder {
    deadbolt_wire_string owner;
    uint64_t             session_id;
    int32_t              pid;
    uint32_t             uid;
    uint32_t             gid;
    uint8_t              mode;
    uint8_t              holder_flags;   /* bit 0 = detached */
    uint64_t             token;
    uint32_t             hold_count;
    uint64_t             held_ms;
    uint32_t             lease_remaining_ms; /* 0xFFFFFFFF = no lease */
} deadbolt_wire_holder;

typedef struct deadbolt_wire_waiter {
    deadbolt_wire_string owner;
    uint64_t             session_id;
    int32_t              pid;
    uint32_t             uid;
    uint32_t             gid;
    uint8_t              mode;
    uint64_t             waited_ms;
    uint32_t             wait_remaining_ms;  /* 0xFFFFFFFF = unbounded */
} deadbolt_wire_waiter;

/* The smallest encoding of one entry, to bound a count before allocating. */
enum {
    DEADBOLT_WIRE_MIN_HOLDER_BYTES = 2 + 8 + 4 + 4 + 4 + 1 + 1 + 8 + 4 + 8 + 4,
    DEADBOLT_WIRE_MIN_WAITER_BYTES = 2 + 8 + 4 + 4 + 4 + 1 + 8 + 4,
    DEADBOLT_WIRE_MIN_LIST_ENTRY_BYTES = 2 + 1 + 4 + 4,
    DEADBOLT_WIRE_MIN_COUNTER_BYTES = 2 + 8
};

DEADBOLT_INTERNAL int deadbolt_wire_read_u16(deadbolt_wire_reader *p, uint16_t *out);
DEADBOLT_INTERNAL int deadbolt_wire_read_u32(deadbolt_wire_reader *p, uint32_t *out);
DEADBOLT_INTERNAL int deadbolt_wire_decode_holder(deadbolt_wire_reader *p, deadbolt_wire_holder *out);
DEADBOLT_INTERNAL int deadbolt_wire_decode_waiter(deadbolt_wire_reader *p, deadbolt_wire_waiter *out);

/* LIST_RESPONSE is u32 count, entries, then str16 nextCursor. */
typedef struct deadbolt_wire_list_entry {
    deadbolt_wire_string resource;
    uint8_t              mode;
    uint32_t             holder_count;
    uint32_t             waiter_count;
} deadbolt_wire_list_entry;
DEADBOLT_INTERNAL int deadbolt_wire_decode_list_entry(deadbolt_wire_reader *p, deadbolt_wire_list_entry *out);
DEADBOLT_INTERNAL int deadbolt_wire_read_string(deadbolt_wire_reader *p, deadbolt_wire_string *out);

/* STATS_RESPONSE is u16 count, then count × (str16 name, u64 value). */
DEADBOLT_INTERNAL int deadbolt_wire_decode_counter(deadbolt_wire_reader *p, deadbolt_wire_string *name,
                                                   uint64_t *value);

DEADBOLT_INTERNAL int deadbolt_wire_decode_force_release_ok(deadbolt_wire_reader *p, uint32_t *released_holders);
DEADBOLT_INTERNAL int deadbolt_wire_decode_cancel_ok(deadbolt_wire_reader *p, int *removed_waiter);

typedef struct deadbolt_wire_lost {
    deadbolt_wire_string resource;
    deadbolt_wire_string owner;
    uint64_t             token;
    uint8_t              reason;
} deadbolt_wire_lost;
DEADBOLT_INTERNAL int deadbolt_wire_decode_lost(deadbolt_wire_reader *p, deadbolt_wire_lost *out);

/* Statuses: the errno each maps to (negative; 0 for OK; -EREMOTEIO for a
 * status this library does not know), and the status's name
 * ("NOT_GRANTED"), or NULL for an unknown one. */
DEADBOLT_INTERNAL int deadbolt_wire_status_errno(uint16_t status);
DEADBOLT_INTERNAL const char *deadbolt_wire_status_name(uint16_t status);

#endif /* DEADBOLT_WIRE_H */
