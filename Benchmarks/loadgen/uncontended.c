/* SPDX-License-Identifier: MIT */
/* Uncontended lock+unlock pairs, each worker (or pipeline slot) on its own
 * resource, so no request ever waits for another.
 *
 *   deadbolt: ACQUIRE exclusive, session-bound, ttl 10000 ms, wait 0 (a try,
 *             as SET NX is), then RELEASE.
 *   Redis:    SET key owner NX PX 10000, then EVALSHA of a compare-and-delete
 *             script (loaded once per connection).
 *
 * Shapes: one client synchronous; 16 client processes synchronous; one
 * connection with 32 pairs in flight. A pair's latency runs from sending
 * its lock request to receiving its unlock's answer. */
#define _GNU_SOURCE 1
#include "loadgen.h"

#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { PIPELINE_DEPTH = 32, LEASE_MS = 10000 };

static const char compare_and_delete[] =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end";

/* --- Redis helpers ------------------------------------------------------- */

static redisContext *redis_connect(const char *socket_path) {
    redisContext *r = redisConnectUnix(socket_path);
    if (!r || r->err) die("redis connect %s: %s", socket_path, r ? r->errstr : "out of memory");
    return r;
}

/* Loads a script, returns its SHA1 in sha (41 bytes). */
static void redis_load_script(redisContext *r, const char *script, char sha[41]) {
    redisReply *reply = redisCommand(r, "SCRIPT LOAD %s", script);
    if (!reply || reply->type != REDIS_REPLY_STRING || reply->len != 40) die("SCRIPT LOAD failed");
    memcpy(sha, reply->str, 41);
    freeReplyObject(reply);
}

static redisReply *redis_reply(redisContext *r) {
    void *reply = NULL;
    if (redisGetReply(r, &reply) != REDIS_OK || !reply) die("redis: %s", r->errstr);
    return reply;
}

static void expect_ok(redisReply *reply, const char *what) {
    if (reply->type != REDIS_REPLY_STATUS || strcmp(reply->str, "OK") != 0)
        die("%s: unexpected reply (type %d)", what, reply->type);
    freeReplyObject(reply);
}

static void expect_integer(redisReply *reply, long long value, const char *what) {
    if (reply->type != REDIS_REPLY_INTEGER || reply->integer != value)
        die("%s: unexpected reply (type %d)", what, reply->type);
    freeReplyObject(reply);
}

/* --- Synchronous clients --------------------------------------------------- */

static int deadbolt_sync(worker_ctx *w) {
    deadbolt_t *c = db_connect(w->env->deadbolt_socket);
    char resource[64];
    snprintf(resource, sizeof resource, "bench/uncontended/%d", w->index);
    deadbolt_lock_options o;
    deadbolt_lock_options_init(&o);
    o.ttl_ms = LEASE_MS;
    o.wait_ms = 0;

    worker_ready(w);
    int64_t deadline = w->shared->deadline_ns, t = now_ns();
    uint64_t ops = 0;
    while (t < deadline) {
        int64_t start = t;
        int err = deadbolt_lock(c, resource, &o, NULL);
        if (err < 0) die("lock %s: %s", resource, deadbolt_strerror(err));
        if ((err = deadbolt_unlock(c, resource, NULL)) < 0) die("unlock %s: %s", resource, deadbolt_strerror(err));
        t = now_ns();
        worker_sample(w, t - start);
        ops++;
    }
    worker_done(w, ops, 0, t);
    deadbolt_close(c);
    return 0;
}

static int redis_sync(worker_ctx *w) {
    redisContext *r = redis_connect(w->env->redis_socket);
    char key[64], owner[32], sha[41];
    snprintf(key, sizeof key, "bench:uncontended:%d", w->index);
    snprintf(owner, sizeof owner, "owner-%d", w->index);
    redis_load_script(r, compare_and_delete, sha);

    worker_ready(w);
    int64_t deadline = w->shared->deadline_ns, t = now_ns();
    uint64_t ops = 0;
    while (t < deadline) {
        int64_t start = t;
        expect_ok(redisCommand(r, "SET %s %s NX PX %d", key, owner, LEASE_MS), "SET NX");
        expect_integer(redisCommand(r, "EVALSHA %s 1 %s %s", sha, key, owner), 1, "compare-and-delete");
        t = now_ns();
        worker_sample(w, t - start);
        ops++;
    }
    worker_done(w, ops, 0, t);
    redisFree(r);
    return 0;
}

/* --- 32 pairs in flight on one connection ---------------------------------
 *
 * Each slot runs its own pair: lock, then (on the answer) unlock, then the
 * next pair. deadbolt answers by request id, so the slot is the id; Redis
 * answers in order, so a ring of slots remembers who asked. */

struct slot {
    int64_t started_ns;
    int     unlocking;
    char    name[48];
};

static int deadbolt_pipelined(worker_ctx *w) {
    rawconn c;
    rawconn_open(&c, w->env->deadbolt_socket, "loadgen pipelined");
    struct slot slots[PIPELINE_DEPTH];
    deadbolt_wire_request req;
    deadbolt_wire_acquire acquire = {.mode = DEADBOLT_EXCLUSIVE, .ttl_ms = LEASE_MS, .wait_ms = 0};
    for (int i = 0; i < PIPELINE_DEPTH; i++)
        snprintf(slots[i].name, sizeof slots[i].name, "bench/pipelined/%d", i);

    worker_ready(w);
    int64_t deadline = w->shared->deadline_ns, t = now_ns();
    /* Request ids: 2 + slot (1 was HELLO). */
    for (int i = 0; i < PIPELINE_DEPTH; i++) {
        slots[i].started_ns = t;
        slots[i].unlocking = 0;
        acquire.resource = wstr(slots[i].name);
        deadbolt_wire_encode_acquire(&req, (uint32_t)(2 + i), &acquire);
        rawconn_queue(&c, &req);
    }
    rawconn_flush(&c);
    int in_flight = PIPELINE_DEPTH;
    uint64_t ops = 0;
    int64_t finish = t;
    while (in_flight > 0) {
        rawconn_read(&c);
        t = now_ns(); /* one timestamp per batch of answers */
        deadbolt_wire_message m;
        while (rawconn_next(&c, &m)) {
            int i = (int)m.request_id - 2;
            if (i < 0 || i >= PIPELINE_DEPTH) die("unexpected request id %u (type 0x%02x)", m.request_id, m.type);
            struct slot *s = &slots[i];
            uint8_t want = (uint8_t)((s->unlocking ? DEADBOLT_WIRE_RELEASE : DEADBOLT_WIRE_ACQUIRE) | DEADBOLT_WIRE_RESPONSE_BIT);
            if (m.type != want || m.status != DEADBOLT_STATUS_OK)
                die("%s: type 0x%02x status %u", s->name, m.type, m.status);
            if (!s->unlocking) {
                s->unlocking = 1;
                deadbolt_wire_encode_release(&req, m.request_id, wstr(s->name), wstr(""));
                rawconn_queue(&c, &req);
                continue;
            }
            worker_sample(w, t - s->started_ns);
            ops++;
            finish = t;
            if (t >= deadline) { in_flight--; continue; }
            s->unlocking = 0;
            s->started_ns = t;
            acquire.resource = wstr(s->name);
            deadbolt_wire_encode_acquire(&req, m.request_id, &acquire);
            rawconn_queue(&c, &req);
        }
        rawconn_flush(&c);
    }
    worker_done(w, ops, 0, finish);
    rawconn_close(&c);
    return 0;
}

static int redis_pipelined(worker_ctx *w) {
    redisContext *r = redis_connect(w->env->redis_socket);
    char sha[41];
    redis_load_script(r, compare_and_delete, sha);
    struct slot slots[PIPELINE_DEPTH];
    for (int i = 0; i < PIPELINE_DEPTH; i++)
        snprintf(slots[i].name, sizeof slots[i].name, "bench:pipelined:%d", i);
    /* Every slot has exactly one command outstanding, so the ring of who
     * asked never holds more than PIPELINE_DEPTH entries. */
    int ring[PIPELINE_DEPTH], head = 0, tail = 0, in_flight = 0;

    worker_ready(w);
    int64_t deadline = w->shared->deadline_ns, t = now_ns();
    for (int i = 0; i < PIPELINE_DEPTH; i++) {
        slots[i].started_ns = t;
        slots[i].unlocking = 0;
        redisAppendCommand(r, "SET %s owner NX PX %d", slots[i].name, LEASE_MS);
        ring[tail] = i; tail = (tail + 1) % PIPELINE_DEPTH; in_flight++;
    }
    uint64_t ops = 0;
    int64_t finish = t;
    while (in_flight > 0) {
        /* redisGetReply hands out replies already read before it writes the
         * appended commands and reads again: one write per batch. */
        redisReply *reply = redis_reply(r);
        t = now_ns();
        int i = ring[head];
        head = (head + 1) % PIPELINE_DEPTH;
        in_flight--;
        struct slot *s = &slots[i];
        if (!s->unlocking) {
            expect_ok(reply, "SET NX");
            s->unlocking = 1;
            redisAppendCommand(r, "EVALSHA %s 1 %s owner", sha, s->name);
        } else {
            expect_integer(reply, 1, "compare-and-delete");
            worker_sample(w, t - s->started_ns);
            ops++;
            finish = t;
            if (t >= deadline) continue;
            s->unlocking = 0;
            s->started_ns = t;
            redisAppendCommand(r, "SET %s owner NX PX %d", s->name, LEASE_MS);
        }
        ring[tail] = i; tail = (tail + 1) % PIPELINE_DEPTH; in_flight++;
    }
    worker_done(w, ops, 0, finish);
    redisFree(r);
    return 0;
}

/* Order matters to main.c: each deadbolt configuration is followed by its
 * Redis anchor. */
rate_config uncontended_configs[] = {
    {"uncontended", "1 client, synchronous", "deadbolt", 1, deadbolt_sync, NULL},
    {"uncontended", "1 client, synchronous", "Redis", 1, redis_sync, NULL},
    {"uncontended", "16 clients, synchronous", "deadbolt", 16, deadbolt_sync, NULL},
    {"uncontended", "16 clients, synchronous", "Redis", 16, redis_sync, NULL},
    {"uncontended", "32 pipelined, 1 connection", "deadbolt", 1, deadbolt_pipelined, NULL},
    {"uncontended", "32 pipelined, 1 connection", "Redis", 1, redis_pipelined, NULL},
};
const int uncontended_count = sizeof uncontended_configs / sizeof uncontended_configs[0];
