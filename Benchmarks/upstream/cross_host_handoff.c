/* Cross-host handoff through a Redis upstream, against the usual Redis
 * polling client, measured in one run.
 *
 *   cross_host_handoff SOCKET_A SOCKET_B REDIS_SOCKET ROUNDS REPETITIONS
 *
 * deadbolt: a holder on broker A releases while a waiter on broker B blocks
 * in deadbolt_lock; the gap is from just before A's deadbolt_unlock to B's
 * deadbolt_lock returning.
 * polling: the holder DELs the key (compare-and-delete) while the waiter
 * loops SET key NX PX 10000 with a 1 ms sleep; the gap is from just before
 * the DEL to the SET that succeeds.
 *
 * Repetitions interleave the two (rep 1 of each, then rep 2, ...); the
 * output is one markdown row per side: p50, p99 and max of all gaps (µs),
 * and the median of the per-repetition p50s.
 */
#define _GNU_SOURCE 1
#include <deadbolt.h>
#include <hiredis/hiredis.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static void die(const char *what, int err) {
    fprintf(stderr, "%s: %s\n", what, err ? deadbolt_strerror(err) : "failed");
    exit(1);
}

/* The waiter's side of one round: its grant (or success) time. */
struct waiter {
    const char *socket;      /* deadbolt: broker B; polling: Redis */
    const char *resource;
    _Atomic int64_t granted_ns;
    deadbolt_t *handle;
    redisContext *redis;
};

static void *deadbolt_waiting(void *arg) {
    struct waiter *w = arg;
    int err = deadbolt_lock(w->handle, w->resource, NULL, NULL);
    atomic_store(&w->granted_ns, now_ns());
    if (err < 0) die("lock (waiter)", err);
    return NULL;
}

static void *polling_waiter(void *arg) {
    struct waiter *w = arg;
    for (;;) {
        redisReply *r = redisCommand(w->redis, "SET %s waiter NX PX 10000", w->resource);
        int ok = r && r->type == REDIS_REPLY_STATUS;
        freeReplyObject(r);
        if (ok) break;
        usleep(1000);
    }
    atomic_store(&w->granted_ns, now_ns());
    return NULL;
}

static uint64_t waiters_on(deadbolt_t *c) {
    uint64_t v = 0;
    int err = deadbolt_stat(c, "waiters", &v);
    if (err < 0) die("stat", err);
    return v;
}

static int compare(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int64_t percentile(int64_t *sorted, int n, double p) {
    int i = (int)(p * (n - 1) + 0.5);
    return sorted[i];
}

/* One repetition of `rounds` deadbolt handoffs; gaps in ns into out. */
static void deadbolt_rep(const char *sa, const char *sb, int rounds, int64_t *out) {
    deadbolt_t *a, *b, *observer;
    int err;
    if ((err = deadbolt_connect(sa, &a)) < 0 || (err = deadbolt_connect(sb, &b)) < 0 ||
        (err = deadbolt_connect(sb, &observer)) < 0)
        die("connect", err);
    for (int i = 0; i < rounds; i++) {
        struct waiter w = {.resource = "bench/handoff", .handle = b};
        if ((err = deadbolt_lock(a, w.resource, NULL, NULL)) < 0) die("lock (holder)", err);
        pthread_t t;
        pthread_create(&t, NULL, deadbolt_waiting, &w);
        while (waiters_on(observer) == 0) {} /* B's request is queued ... */
        usleep(3000);                          /* ... refused in Redis, and B subscribed */
        int64_t released = now_ns();
        if ((err = deadbolt_unlock(a, w.resource, NULL)) < 0) die("unlock (holder)", err);
        pthread_join(t, NULL);
        out[i] = atomic_load(&w.granted_ns) - released;
        if ((err = deadbolt_unlock(b, w.resource, NULL)) < 0) die("unlock (waiter)", err);
    }
    deadbolt_close(observer);
    deadbolt_close(b);
    deadbolt_close(a);
}

static const char *compare_and_delete =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end";

static void polling_rep(const char *redis_socket, int rounds, int64_t *out) {
    redisContext *holder = redisConnectUnix(redis_socket), *waiting = redisConnectUnix(redis_socket);
    if (!holder || holder->err || !waiting || waiting->err) die("redis connect", 0);
    const char *key = "bench:polling";
    for (int i = 0; i < rounds; i++) {
        freeReplyObject(redisCommand(holder, "SET %s holder PX 10000", key));
        struct waiter w = {.resource = key, .redis = waiting};
        pthread_t t;
        pthread_create(&t, NULL, polling_waiter, &w);
        usleep(3000); /* the waiter is in its polling loop: at least one SET refused */
        int64_t released = now_ns();
        freeReplyObject(redisCommand(holder, "EVAL %s 1 %s holder", compare_and_delete, key));
        pthread_join(t, NULL);
        out[i] = atomic_load(&w.granted_ns) - released;
        freeReplyObject(redisCommand(holder, "DEL %s", key));
    }
    redisFree(holder);
    redisFree(waiting);
}

static void report(const char *name, int64_t *all, int n, int64_t *rep_p50, int reps) {
    qsort(all, n, sizeof *all, compare);
    qsort(rep_p50, reps, sizeof *rep_p50, compare);
    printf("| %s | %d | %.0f | %.0f | %.0f | %.0f–%.0f |\n", name, n, percentile(all, n, 0.5) / 1e3,
           percentile(all, n, 0.99) / 1e3, all[n - 1] / 1e3, rep_p50[0] / 1e3, rep_p50[reps - 1] / 1e3);
}

int main(int argc, char **argv) {
    if (argc != 6) {
        fprintf(stderr, "usage: %s SOCKET_A SOCKET_B REDIS_SOCKET ROUNDS REPETITIONS\n", argv[0]);
        return 64;
    }
    int rounds = atoi(argv[4]), reps = atoi(argv[5]);
    if (rounds < 1 || reps < 1) return 64;
    int64_t *deadbolt_all = calloc((size_t)(rounds * reps), sizeof(int64_t));
    int64_t *polling_all = calloc((size_t)(rounds * reps), sizeof(int64_t));
    int64_t *deadbolt_p50 = calloc((size_t)reps, sizeof(int64_t)), *polling_p50 = calloc((size_t)reps, sizeof(int64_t));
    int64_t *scratch = calloc((size_t)rounds, sizeof(int64_t));
    if (!deadbolt_all || !polling_all || !deadbolt_p50 || !polling_p50 || !scratch) die("calloc", ENOMEM);

    for (int r = 0; r < reps; r++) {
        deadbolt_rep(argv[1], argv[2], rounds, deadbolt_all + r * rounds);
        memcpy(scratch, deadbolt_all + r * rounds, (size_t)rounds * sizeof(int64_t));
        qsort(scratch, (size_t)rounds, sizeof(int64_t), compare);
        deadbolt_p50[r] = percentile(scratch, rounds, 0.5);

        polling_rep(argv[3], rounds, polling_all + r * rounds);
        memcpy(scratch, polling_all + r * rounds, (size_t)rounds * sizeof(int64_t));
        qsort(scratch, (size_t)rounds, sizeof(int64_t), compare);
        polling_p50[r] = percentile(scratch, rounds, 0.5);
    }
    printf("| cross-host handoff | handoffs | p50 µs | p99 µs | max µs | p50 per rep, min–max µs |\n");
    printf("|---|---|---|---|---|---|\n");
    report("deadbolt, two brokers, one Redis (pub/sub wake-up)", deadbolt_all, rounds * reps, deadbolt_p50, reps);
    report("Redis SET NX PX, 1 ms polling", polling_all, rounds * reps, polling_p50, reps);
    return 0;
}
