/* SPDX-License-Identifier: MIT */
/* Contended handoff: 2 or 16 processes loop lock / unlock on one resource.
 *
 * Every worker runs the same loop, whatever the lock:
 *
 *     acquire();  t_grant = now
 *     if the last holder was another worker: a handoff, waited
 *         t_grant - last_release  (the release time its releaser stored)
 *     else: a re-grab (the releaser took it back before any waiter)
 *     last_release = now;  release()
 *
 * There is no work inside the lock. In the free-for-all shape a releaser
 * asks again at once and competes with the waiters: a FIFO lock hands over
 * every time, an unfair one lets the releaser re-grab. In the taking-turns
 * shape a releaser first waits (on a futex in shared memory) until another
 * worker has been granted the lock, so with 16 workers every release finds
 * ~14 waiters queued and every grant is a handoff. Handoffs/s counts grants
 * to another worker within the window; the wait samples are those handoffs.
 * A shared counter checks mutual exclusion on the way.
 *
 * The locks:
 *   deadbolt  deadbolt_lock blocking (exclusive, session-bound, no lease);
 *   flock     flock(2) LOCK_EX on a temp file, each worker with its own
 *             open file description;
 *   polling   Redis SET key owner NX PX 10000, sleeping 1 ms after each
 *             refusal; release by compare-and-delete EVALSHA;
 *   pub/sub   Redisson's scheme: each worker subscribes to the lock's channel
 *             once; acquiring runs a script that does SET NX PX and returns
 *             the key's PTTL when refused; a refused worker waits for a
 *             message or that PTTL, then tries again; release runs a
 *             compare-and-delete script that also PUBLISHes. */
#define _GNU_SOURCE 1
#include "loadgen.h"

#include <errno.h>
#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <limits.h>
#include <linux/futex.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

enum { LEASE_MS = 10000 };

static const char compare_and_delete[] =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end";
/* Redisson's tryLock in spirit: nil when taken, else the holder's PTTL. */
static const char acquire_or_pttl[] =
    "if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return nil end "
    "return redis.call('PTTL', KEYS[1])";
static const char release_and_publish[] =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]); "
    "redis.call('PUBLISH', KEYS[2], 'unlocked'); return 1 end return 0";

/* One lock implementation, as the loop sees it. */
typedef struct lock_impl {
    void (*setup)(worker_ctx *w, void **state);
    void (*acquire)(void *state);
    void (*release)(void *state);
    void (*teardown)(void *state);
} lock_impl;

/* A configuration: the lock, and whether releasers take turns. */
typedef struct contended_arg {
    const lock_impl *impl;
    int              taking_turns;
} contended_arg;

/* The futex is shared between processes (MAP_SHARED), so not _PRIVATE. */
static void futex_wait(_Atomic uint32_t *word, uint32_t expected, long timeout_ns) {
    struct timespec t = {.tv_sec = 0, .tv_nsec = timeout_ns};
    syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT, expected, &t, NULL, 0);
}

static void futex_wake_all(_Atomic uint32_t *word) {
    syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

/* Taking turns: returns once another worker has been granted the lock
 * after our grant number `mine`, or at the deadline. */
static void wait_for_next_grant(run_shared *sh, uint32_t mine, int64_t deadline) {
    while (atomic_load(&sh->grants) == mine && now_ns() < deadline) {
        atomic_fetch_add(&sh->sleepers, 1);
        futex_wait(&sh->grants, mine, 10000000);
        atomic_fetch_sub(&sh->sleepers, 1);
    }
}

static int handoff_loop(worker_ctx *w) {
    const contended_arg *arg = w->arg;
    const lock_impl *impl = arg->impl;
    void *state = NULL;
    impl->setup(w, &state);
    run_shared *sh = w->shared;

    worker_ready(w);
    int64_t deadline = sh->deadline_ns;
    uint64_t handoffs = 0, regrabs = 0;
    for (;;) {
        impl->acquire(state);
        int64_t granted = now_ns();
        if (atomic_fetch_add(&sh->in_critical, 1) != 0) atomic_fetch_add(&sh->violations, 1);
        int previous = atomic_load(&sh->last_holder);
        int64_t released = atomic_load(&sh->last_release_ns);
        int counted = granted < deadline;
        if (previous != w->index && previous >= 0) {
            if (counted) {
                handoffs++;
                worker_sample(w, granted - released);
            }
        } else if (counted && previous >= 0) {
            regrabs++;
        }
        atomic_store(&sh->last_holder, w->index);
        uint32_t mine = atomic_fetch_add(&sh->grants, 1) + 1;
        if (arg->taking_turns && atomic_load(&sh->sleepers) > 0) futex_wake_all(&sh->grants);
        atomic_fetch_sub(&sh->in_critical, 1);
        atomic_store(&sh->last_release_ns, now_ns());
        impl->release(state);
        if (!counted) break;
        if (arg->taking_turns) wait_for_next_grant(sh, mine, deadline);
    }
    worker_done(w, handoffs, regrabs, deadline);
    impl->teardown(state);
    return 0;
}

/* --- deadbolt -------------------------------------------------------------- */

static const char deadbolt_resource[] = "bench/contended";

static void deadbolt_setup(worker_ctx *w, void **state) {
    *state = db_connect(w->env->deadbolt_socket);
}

static void deadbolt_acquire(void *state) {
    int err = deadbolt_lock(state, deadbolt_resource, NULL, NULL);
    if (err < 0) die("lock: %s", deadbolt_strerror(err));
}

static void deadbolt_release(void *state) {
    int err = deadbolt_unlock(state, deadbolt_resource, NULL);
    if (err < 0) die("unlock: %s", deadbolt_strerror(err));
}

static void deadbolt_teardown(void *state) {
    deadbolt_close(state);
}

/* --- flock(2) ---------------------------------------------------------------- */

struct flock_state { int fd; };

static void flock_setup(worker_ctx *w, void **state) {
    char path[512];
    snprintf(path, sizeof path, "%s/contended.lock", w->env->tmp_dir);
    struct flock_state *s = malloc(sizeof *s);
    if (!s) die("out of memory");
    /* Opened after the fork: an inherited descriptor would share the lock. */
    s->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (s->fd < 0) die("open %s: %s", path, strerror(errno));
    *state = s;
}

static void flock_acquire(void *state) {
    struct flock_state *s = state;
    while (flock(s->fd, LOCK_EX) < 0)
        if (errno != EINTR) die("flock: %s", strerror(errno));
}

static void flock_release(void *state) {
    struct flock_state *s = state;
    if (flock(s->fd, LOCK_UN) < 0) die("flock unlock: %s", strerror(errno));
}

static void flock_teardown(void *state) {
    struct flock_state *s = state;
    close(s->fd);
    free(s);
}

/* --- Redis ------------------------------------------------------------------- */

struct redis_state {
    redisContext *cmd;
    redisContext *sub;             /* pub/sub only: subscribed to the channel */
    char owner[32];
    char cad_sha[41], acquire_sha[41], release_sha[41];
};

static const char redis_key[] = "bench:contended", redis_channel[] = "bench:contended:released";

static redisContext *redis_connect(const char *socket_path) {
    redisContext *r = redisConnectUnix(socket_path);
    if (!r || r->err) die("redis connect %s: %s", socket_path, r ? r->errstr : "out of memory");
    return r;
}

static void load_script(redisContext *r, const char *script, char sha[41]) {
    redisReply *reply = redisCommand(r, "SCRIPT LOAD %s", script);
    if (!reply || reply->type != REDIS_REPLY_STRING || reply->len != 40) die("SCRIPT LOAD failed");
    memcpy(sha, reply->str, 41);
    freeReplyObject(reply);
}

static struct redis_state *redis_setup_common(worker_ctx *w) {
    struct redis_state *s = calloc(1, sizeof *s);
    if (!s) die("out of memory");
    s->cmd = redis_connect(w->env->redis_socket);
    snprintf(s->owner, sizeof s->owner, "worker-%d", w->index);
    load_script(s->cmd, compare_and_delete, s->cad_sha);
    load_script(s->cmd, acquire_or_pttl, s->acquire_sha);
    load_script(s->cmd, release_and_publish, s->release_sha);
    return s;
}

static void polling_setup(worker_ctx *w, void **state) {
    *state = redis_setup_common(w);
}

static void polling_acquire(void *state) {
    struct redis_state *s = state;
    for (;;) {
        redisReply *r = redisCommand(s->cmd, "SET %s %s NX PX %d", redis_key, s->owner, LEASE_MS);
        if (!r) die("redis: %s", s->cmd->errstr);
        int taken = r->type == REDIS_REPLY_STATUS;
        if (!taken && r->type != REDIS_REPLY_NIL) die("SET NX: unexpected reply (type %d)", r->type);
        freeReplyObject(r);
        if (taken) return;
        usleep(1000);
    }
}

static void polling_release(void *state) {
    struct redis_state *s = state;
    redisReply *r = redisCommand(s->cmd, "EVALSHA %s 1 %s %s", s->cad_sha, redis_key, s->owner);
    if (!r || r->type != REDIS_REPLY_INTEGER || r->integer != 1) die("compare-and-delete failed");
    freeReplyObject(r);
}

static void redis_teardown(void *state) {
    struct redis_state *s = state;
    redisFree(s->cmd);
    if (s->sub) redisFree(s->sub);
    free(s);
}

static void pubsub_setup(worker_ctx *w, void **state) {
    struct redis_state *s = redis_setup_common(w);
    s->sub = redis_connect(w->env->redis_socket);
    redisReply *r = redisCommand(s->sub, "SUBSCRIBE %s", redis_channel);
    if (!r || r->type != REDIS_REPLY_ARRAY) die("SUBSCRIBE failed");
    freeReplyObject(r);
    *state = s;
}

/* Waits up to timeout_ms for release messages; takes every one that has
 * arrived, since one retry answers them all. */
static void wait_for_release(struct redis_state *s, int timeout_ms) {
    void *reply = NULL;
    int got = 0;
    while (redisReaderGetReply(s->sub->reader, &reply) == REDIS_OK && reply) {
        freeReplyObject(reply);
        got = 1;
    }
    if (got) return;
    struct pollfd p = {.fd = s->sub->fd, .events = POLLIN};
    int ready = poll(&p, 1, timeout_ms);
    if (ready < 0 && errno != EINTR) die("poll: %s", strerror(errno));
    if (ready <= 0) return; /* the lease ran out: try again */
    if (redisBufferRead(s->sub) != REDIS_OK) die("redis subscriber: %s", s->sub->errstr);
    while (redisReaderGetReply(s->sub->reader, &reply) == REDIS_OK && reply) freeReplyObject(reply);
}

static void pubsub_acquire(void *state) {
    struct redis_state *s = state;
    for (;;) {
        redisReply *r = redisCommand(s->cmd, "EVALSHA %s 1 %s %s %d", s->acquire_sha, redis_key, s->owner, LEASE_MS);
        if (!r) die("redis: %s", s->cmd->errstr);
        if (r->type == REDIS_REPLY_NIL) { freeReplyObject(r); return; }
        if (r->type != REDIS_REPLY_INTEGER) die("acquire script: unexpected reply (type %d)", r->type);
        long long pttl = r->integer;
        freeReplyObject(r);
        /* -1: a key without a lease; -2: gone meanwhile. Retry soon. */
        wait_for_release(s, pttl > 0 ? (int)pttl : pttl == -2 ? 0 : 10);
    }
}

static void pubsub_release(void *state) {
    struct redis_state *s = state;
    redisReply *r = redisCommand(s->cmd, "EVALSHA %s 2 %s %s %s", s->release_sha, redis_key, redis_channel, s->owner);
    if (!r || r->type != REDIS_REPLY_INTEGER || r->integer != 1) die("release script failed");
    freeReplyObject(r);
}

static const lock_impl deadbolt_impl = {deadbolt_setup, deadbolt_acquire, deadbolt_release, deadbolt_teardown};
static const lock_impl flock_impl = {flock_setup, flock_acquire, flock_release, flock_teardown};
static const lock_impl polling_impl = {polling_setup, polling_acquire, polling_release, redis_teardown};
static const lock_impl pubsub_impl = {pubsub_setup, pubsub_acquire, pubsub_release, redis_teardown};

static const contended_arg deadbolt_free = {&deadbolt_impl, 0}, deadbolt_turns = {&deadbolt_impl, 1};
static const contended_arg flock_free = {&flock_impl, 0}, flock_turns = {&flock_impl, 1};
static const contended_arg polling_free = {&polling_impl, 0}, polling_turns = {&polling_impl, 1};
static const contended_arg pubsub_free = {&pubsub_impl, 0}, pubsub_turns = {&pubsub_impl, 1};

/* main.c reads these in groups of four: deadbolt first, then flock(2),
 * polling and pub/sub. */
rate_config contended_configs[] = {
    {"contended", "2 processes", "deadbolt", 2, handoff_loop, (void *)&deadbolt_free},
    {"contended", "2 processes", "flock(2)", 2, handoff_loop, (void *)&flock_free},
    {"contended", "2 processes", "Redis, 1 ms polling", 2, handoff_loop, (void *)&polling_free},
    {"contended", "2 processes", "Redis, pub/sub", 2, handoff_loop, (void *)&pubsub_free},
    {"contended", "16 processes", "deadbolt", 16, handoff_loop, (void *)&deadbolt_free},
    {"contended", "16 processes", "flock(2)", 16, handoff_loop, (void *)&flock_free},
    {"contended", "16 processes", "Redis, 1 ms polling", 16, handoff_loop, (void *)&polling_free},
    {"contended", "16 processes", "Redis, pub/sub", 16, handoff_loop, (void *)&pubsub_free},
    {"contended", "16 processes, taking turns", "deadbolt", 16, handoff_loop, (void *)&deadbolt_turns},
    {"contended", "16 processes, taking turns", "flock(2)", 16, handoff_loop, (void *)&flock_turns},
    {"contended", "16 processes, taking turns", "Redis, 1 ms polling", 16, handoff_loop, (void *)&polling_turns},
    {"contended", "16 processes, taking turns", "Redis, pub/sub", 16, handoff_loop, (void *)&pubsub_turns},
};
const int contended_count = sizeof contended_configs / sizeof contended_configs[0];
