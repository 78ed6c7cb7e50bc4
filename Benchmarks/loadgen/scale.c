/* SPDX-License-Identifier: MIT */
/* Scale: memory per held lock, and the expiry of many leases at once.
 *
 * Memory: the daemon's RSS before and after taking N detached locks
 * (distinct names "mem/0000000"…, owner "bench-memory", ttl 1 h, pipelined
 * on one connection), against redis-server's used_memory and RSS before and
 * after N `SET mem:0000000 bench-memory PX 3600000`. Both sets are then
 * removed (RELEASE by owner; FLUSHALL).
 *
 * Expiry: N detached leases whose deadlines are spread uniformly, in random
 * order, over a 2 s window that opens once the fill is surely done. The
 * filling connection then closes (the leases live on, and expire silently).
 * Meanwhile a probe process PINGs in a loop and records every round trip,
 * and this process samples expiries_total every few ms. A round trip is an
 * upper bound on how long the event loop stalled; the expiries_total curve
 * against the known deadlines gives each lease's lateness. With
 * LOADGEN_DEBUG set in the environment, every round trip over 5 ms is
 * listed on stderr with its CLOCK_MONOTONIC time (for `perf record -k
 * CLOCK_MONOTONIC` and `perf report --time`). */
#define _GNU_SOURCE 1
#include "loadgen.h"

#include <hiredis/hiredis.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

enum { FILL_WINDOW = 1024 };          /* requests in flight while filling */
static const uint32_t memory_ttl_ms = 3600000;
static const int64_t expiry_spread_ns = 2000000000;
static const int64_t stats_interval_ns = 5000000;

/* --- Pipelined fill and release ---------------------------------------------- */

typedef struct fill_plan {
    const char    *prefix;        /* names are prefix + 7 digits */
    const char    *owner;
    long           n;
    int            release;       /* RELEASE instead of ACQUIRE */
    uint32_t       ttl_ms;        /* ACQUIRE: the lease, unless targets is set */
    const int64_t *targets;       /* ACQUIRE: absolute deadlines, ns (CLOCK_MONOTONIC) */
    int64_t       *deadlines;     /* out, with targets: send time + ttl, a lower bound of the real deadline */
} fill_plan;

/* Runs the plan on c with FILL_WINDOW requests in flight; request id of
 * item i is i + 2. Returns the seconds it took. */
static double pipeline(rawconn *c, const fill_plan *p) {
    int64_t start = now_ns();
    long sent = 0, answered = 0;
    deadbolt_wire_request req;
    char name[64];
    deadbolt_wire_acquire a = {.mode = DEADBOLT_EXCLUSIVE, .flags = DEADBOLT_DETACHED,
                               .owner = wstr(p->owner), .wait_ms = 0};
    while (answered < p->n) {
        int64_t t = now_ns();
        while (sent < p->n && sent - answered < FILL_WINDOW) {
            snprintf(name, sizeof name, "%s%07ld", p->prefix, sent);
            if (p->release) {
                deadbolt_wire_encode_release(&req, (uint32_t)(sent + 2), wstr(name), wstr(p->owner));
            } else {
                a.resource = wstr(name);
                a.ttl_ms = p->ttl_ms;
                if (p->targets) {
                    int64_t left = p->targets[sent] - t;
                    a.ttl_ms = left > 1000000 ? (uint32_t)(left / 1000000) : 1;
                    p->deadlines[sent] = t + (int64_t)a.ttl_ms * 1000000;
                }
                deadbolt_wire_encode_acquire(&req, (uint32_t)(sent + 2), &a);
            }
            rawconn_queue(c, &req);
            sent++;
        }
        rawconn_flush(c);
        rawconn_read(c);
        deadbolt_wire_message m;
        while (rawconn_next(c, &m)) {
            if (m.type == DEADBOLT_WIRE_LOST) continue;
            if (m.status != DEADBOLT_STATUS_OK)
                die("%s of %s%07ld: %s: %.*s", p->release ? "RELEASE" : "ACQUIRE", p->prefix, (long)m.request_id - 2,
                    deadbolt_status_name(m.status) ? deadbolt_status_name(m.status) : "?",
                    (int)m.message.length, m.message.bytes);
            answered++;
        }
    }
    return (double)(now_ns() - start) / 1e9;
}

/* --- Redis helpers ----------------------------------------------------------- */

static long long redis_info_field(redisContext *r, const char *field) {
    redisReply *reply = redisCommand(r, "INFO memory");
    if (!reply || reply->type != REDIS_REPLY_STRING) die("INFO memory failed");
    char key[64];
    snprintf(key, sizeof key, "\n%s:", field);
    const char *at = strstr(reply->str, key);
    if (!at) die("INFO memory: no %s", field);
    long long v = atoll(at + strlen(key));
    freeReplyObject(reply);
    return v;
}

static void redis_simple(redisContext *r, const char *command) {
    redisReply *reply = redisCommand(r, command);
    if (!reply || reply->type == REDIS_REPLY_ERROR) die("%s failed", command);
    freeReplyObject(reply);
}

static double redis_fill(redisContext *r, long n) {
    int64_t start = now_ns();
    long outstanding = 0;
    for (long i = 0; i < n || outstanding > 0;) {
        if (i < n && outstanding < FILL_WINDOW) {
            redisAppendCommand(r, "SET mem:%07ld bench-memory PX %u", i, memory_ttl_ms);
            i++, outstanding++;
            continue;
        }
        void *reply = NULL;
        if (redisGetReply(r, &reply) != REDIS_OK || !reply) die("redis: %s", r->errstr);
        if (((redisReply *)reply)->type != REDIS_REPLY_STATUS) die("SET: unexpected reply");
        freeReplyObject(reply);
        outstanding--;
    }
    return (double)(now_ns() - start) / 1e9;
}

/* --- Memory ---------------------------------------------------------------------- */

memory_result run_memory(const bench_env *env) {
    memory_result m = {.locks = env->scale_locks};
    deadbolt_t *ctl = db_connect(env->deadbolt_socket);
    uint64_t held_before = db_stat(ctl, "locks_held");

    usleep(300000);
    int64_t rss0 = vmrss_bytes(env->deadbolt_pid);
    rawconn c;
    rawconn_open(&c, env->deadbolt_socket, "loadgen memory");
    fill_plan take = {.prefix = "mem/", .owner = "bench-memory", .n = m.locks, .ttl_ms = memory_ttl_ms};
    m.deadbolt_fill_s = pipeline(&c, &take);
    uint64_t held = db_stat(ctl, "locks_held");
    if (held != held_before + (uint64_t)m.locks)
        die("locks_held is %llu, expected %llu", (unsigned long long)held,
            (unsigned long long)(held_before + (uint64_t)m.locks));
    usleep(500000);
    m.deadbolt_rss_delta = vmrss_bytes(env->deadbolt_pid) - rss0;
    progress("  deadboltd: %ld locks in %.2f s, RSS +%.1f MiB\n", m.locks, m.deadbolt_fill_s,
             (double)m.deadbolt_rss_delta / 1048576);

    fill_plan drop = take;
    drop.release = 1;
    m.deadbolt_release_s = pipeline(&c, &drop);
    rawconn_close(&c);
    held = db_stat(ctl, "locks_held");
    if (held != held_before) die("locks_held is %llu after releasing, expected %llu", (unsigned long long)held,
                                 (unsigned long long)held_before);
    deadbolt_close(ctl);

    redisContext *r = redisConnectUnix(env->redis_socket);
    if (!r || r->err) die("redis connect failed");
    redis_simple(r, "FLUSHALL SYNC");
    usleep(300000);
    long long used0 = redis_info_field(r, "used_memory");
    int64_t redis_rss0 = vmrss_bytes(env->redis_pid);
    m.redis_fill_s = redis_fill(r, m.locks);
    redisReply *size = redisCommand(r, "DBSIZE");
    if (!size || size->type != REDIS_REPLY_INTEGER || size->integer != m.locks) die("DBSIZE is not %ld", m.locks);
    freeReplyObject(size);
    usleep(500000);
    m.redis_used_memory_delta = redis_info_field(r, "used_memory") - used0;
    m.redis_rss_delta = vmrss_bytes(env->redis_pid) - redis_rss0;
    progress("  redis-server: %ld keys in %.2f s, used_memory +%.1f MiB, RSS +%.1f MiB\n", m.locks, m.redis_fill_s,
             (double)m.redis_used_memory_delta / 1048576, (double)m.redis_rss_delta / 1048576);
    redis_simple(r, "FLUSHALL SYNC");
    redisFree(r);
    return m;
}

/* --- Expiry -------------------------------------------------------------------- */

/* The probe: PING in a loop until *stop, recording start and round trip. */
struct probe_log {
    _Atomic int stop;
    _Atomic uint64_t count;
    uint64_t cap;
    int64_t entries[][2];      /* {start_ns, rtt_ns} */
};

static void probe_run(const bench_env *env, struct probe_log *log) {
    deadbolt_t *c = db_connect(env->deadbolt_socket);
    while (!atomic_load(&log->stop)) {
        int64_t t = now_ns();
        int err = deadbolt_ping(c);
        if (err < 0) die("ping: %s", deadbolt_strerror(err));
        uint64_t i = atomic_load(&log->count);
        if (i < log->cap) {
            log->entries[i][0] = t;
            log->entries[i][1] = now_ns() - t;
            atomic_store(&log->count, i + 1);
        }
    }
    deadbolt_close(c);
}

/* Round trips of the probe pings that started in [from, to): percentiles. */
static void probe_summary(const struct probe_log *log, int64_t from, int64_t to, uint64_t *count, int64_t *p50,
                          int64_t *p99, int64_t *max) {
    uint64_t n = atomic_load(&log->count), k = 0;
    int64_t *v = malloc((size_t)(n ? n : 1) * sizeof *v);
    if (!v) die("out of memory");
    for (uint64_t i = 0; i < n; i++)
        if (log->entries[i][0] >= from && log->entries[i][0] < to) v[k++] = log->entries[i][1];
    qsort(v, (size_t)k, sizeof *v, compare_i64);
    if (count) *count = k;
    if (p50) *p50 = percentile(v, (size_t)k, 0.50);
    if (p99) *p99 = percentile(v, (size_t)k, 0.99);
    if (max) *max = k ? v[k - 1] : 0;
    free(v);
}

/* A small deterministic generator for the deadlines' order. */
static uint64_t xorshift(uint64_t *s) {
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

expiry_result run_expiry(const bench_env *env, double fill_estimate_s) {
    expiry_result e = {.leases = env->scale_locks, .stats_interval_ns = stats_interval_ns};
    long n = e.leases;
    int64_t *targets = malloc((size_t)n * sizeof *targets), *deadlines = malloc((size_t)n * sizeof *deadlines);
    if (!targets || !deadlines) die("out of memory");

    uint64_t log_cap = 1u << 22;
    size_t log_bytes = sizeof(struct probe_log) + (size_t)log_cap * 2 * sizeof(int64_t);
    struct probe_log *log = shared_alloc(log_bytes);
    log->cap = log_cap;

    deadbolt_t *ctl = db_connect(env->deadbolt_socket);
    uint64_t expired_before = db_stat(ctl, "expiries_total");

    /* The probe runs from here on: one second on the idle daemon first. */
    fflush(NULL);
    pid_t probe = fork();
    if (probe < 0) die("fork failed");
    if (probe == 0) {
        probe_run(env, log);
        _exit(0);
    }
    int64_t idle_from = now_ns();
    usleep(1000000);
    int64_t idle_to = now_ns();
    probe_summary(log, idle_from, idle_to, NULL, NULL, &e.idle_p99_ns, &e.idle_max_ns);

    /* Deadlines: uniform over [open, open + spread), in random order; the
     * window opens after 1.5× the fill time the memory section measured. */
    int64_t lead = (int64_t)((1.5 * fill_estimate_s + 1.0) * 1e9);
    if (lead < 2000000000) lead = 2000000000;
    int64_t open = now_ns() + lead;
    uint64_t seed = 0x9E3779B97F4A7C15u;
    for (long i = 0; i < n; i++) targets[i] = open + (int64_t)(xorshift(&seed) % (uint64_t)expiry_spread_ns);

    rawconn c;
    rawconn_open(&c, env->deadbolt_socket, "loadgen expiry");
    fill_plan take = {.prefix = "exp/", .owner = "bench-expiry", .n = n, .targets = targets, .deadlines = deadlines};
    e.fill_s = pipeline(&c, &take);
    int64_t fill_end = now_ns();

    qsort(deadlines, (size_t)n, sizeof *deadlines, compare_i64);
    int64_t first = deadlines[0], last = deadlines[n - 1];
    e.spread_s = (double)(last - first) / 1e9;
    if (first < fill_end) progress("  warning: leases began to expire %.0f ms before the fill ended\n",
                                   (double)(fill_end - first) / 1e6);
    progress("  %ld leases in %.2f s; deadlines from +%.2f s to +%.2f s\n", n, e.fill_s,
             (double)(first - fill_end) / 1e9, (double)(last - fill_end) / 1e9);
    rawconn_close(&c); /* the leases are detached: they stay, and will expire silently */

    /* Sample expiries_total until every lease has expired (or 30 s after the
     * last deadline). */
    size_t max_samples = (size_t)((double)(last - now_ns() + 30000000000LL) / (double)stats_interval_ns) + 16;
    int64_t (*curve)[2] = malloc(max_samples * sizeof *curve);
    if (!curve) die("out of memory");
    size_t samples = 0;
    uint64_t expired = 0;
    int64_t done_at = 0;
    for (;;) {
        expired = db_stat(ctl, "expiries_total") - expired_before;
        int64_t t = now_ns();
        if (samples < max_samples) {
            curve[samples][0] = t;
            curve[samples][1] = (int64_t)expired;
            samples++;
        }
        if (expired >= (uint64_t)n) { done_at = t; break; }
        if (t > last + 30000000000LL || samples >= max_samples) { done_at = t; break; }
        usleep((useconds_t)(stats_interval_ns / 1000));
    }
    atomic_store(&log->stop, 1);
    waitpid(probe, NULL, 0);
    e.expiries = expired;
    e.complete = expired >= (uint64_t)n;
    e.done_after_last_deadline_ms = (double)(done_at - last) / 1e6;

    probe_summary(log, fill_end, first, NULL, NULL, NULL, &e.close_max_ns);
    probe_summary(log, first, done_at, &e.pings, &e.ping_p50_ns, &e.ping_p99_ns, &e.ping_max_ns);
    for (uint64_t i = 0, pn = atomic_load(&log->count); i < pn; i++)
        if (log->entries[i][0] >= first && log->entries[i][0] < done_at && log->entries[i][1] > 5000000)
            e.pings_over_5ms++;

    /* Lateness: the leases that expired between two samples are, by rank,
     * the next ones in deadline order; each is late by at most the second
     * sample's time minus its deadline. Leases never seen to expire are late
     * by at least the end minus their deadline. */
    int64_t *late = malloc((size_t)n * sizeof *late);
    if (!late) die("out of memory");
    long rank = 0;
    for (size_t s = 0; s < samples && rank < n; s++) {
        for (; rank < curve[s][1] && rank < n; rank++) {
            int64_t l = curve[s][0] - deadlines[rank];
            late[rank] = l > 0 ? l : 0;
        }
    }
    for (; rank < n; rank++) late[rank] = done_at - deadlines[rank];
    qsort(late, (size_t)n, sizeof *late, compare_i64);
    e.late_p50_ns = percentile(late, (size_t)n, 0.50);
    e.late_p99_ns = percentile(late, (size_t)n, 0.99);
    e.late_max_ns = late[n - 1];
    progress("  expiries_total +%llu, %.0f ms after the last deadline; probe max %.2f ms\n",
             (unsigned long long)expired, e.done_after_last_deadline_ms, (double)e.ping_max_ns / 1e6);
    if (getenv("LOADGEN_DEBUG")) {
        uint64_t pn = atomic_load(&log->count);
        for (uint64_t i = 0; i < pn; i++)
            if (log->entries[i][1] > 5000000)
                progress("    ping at %+.3f s from the first deadline (monotonic %.6f s): %.2f ms\n",
                         (double)(log->entries[i][0] - first) / 1e9, (double)log->entries[i][0] / 1e9,
                         (double)log->entries[i][1] / 1e6);
    }

    free(late);
    free(curve);
    free(targets);
    free(deadlines);
    shared_free(log, log_bytes);
    deadbolt_close(ctl);
    return e;
}
