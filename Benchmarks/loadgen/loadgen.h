/* SPDX-License-Identifier: MIT */
#ifndef LOADGEN_H
#define LOADGEN_H

/*
 * loadgen — the load generator behind `make bench` (docs/BENCHMARKS.md).
 *
 * Deadbolt (through libdeadbolt, or its wire codec for pipelining) against
 * Redis (hiredis) and flock(2), side by side in one run. This header holds
 * what the sections share:
 *
 *   harness.c      clock, percentiles, /proc readers, forked workers with a
 *                  start barrier, a raw pipelined wire connection;
 *   uncontended.c  lock+unlock pairs, each worker on its own resource;
 *   contended.c    handoff of one resource between 2 or 16 processes;
 *   scale.c        memory per held lock, expiry of a million leases;
 *   cli.c          CLI start-up through hyperfine;
 *   main.c         options, the interleaved repetitions, the report.
 */

#include <deadbolt.h>
#include "wire.h" /* libdeadbolt's internal codec, linked from libdeadbolt.a */

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* --- What the run was given ------------------------------------------- */

typedef struct bench_env {
    const char *deadbolt_socket;
    const char *redis_socket;
    pid_t       deadbolt_pid;      /* for schedstat and VmRSS */
    pid_t       redis_pid;
    const char *cli_path;          /* the static `deadbolt` CLI */
    const char *tmp_dir;           /* the run's temp dir (flock files) */
    double      window_s;          /* measured window of each rate configuration */
    int         reps;              /* repetitions of each rate configuration */
    long        scale_locks;       /* locks for the memory and expiry sections */
    int         cli_runs;          /* hyperfine runs per command and repetition */
    int         quick;
} bench_env;

/* --- Clock, statistics, /proc ----------------------------------------- */

int64_t now_ns(void);
void    die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void    progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int     compare_i64(const void *a, const void *b);
int     compare_double(const void *a, const void *b);
/* The p-quantile (0…1) of n sorted values, nearest rank; 0 if n is 0. */
int64_t percentile(const int64_t *sorted, size_t n, double p);
double  median_of(const double *values, int n);
double  min_of(const double *values, int n);
double  max_of(const double *values, int n);

/* Nanoseconds on CPU of every thread of pid: the sum of field 1 of
 * /proc/PID/task/(all)/schedstat. Threads that exited are not counted. */
int64_t schedstat_cpu_ns(pid_t pid);
/* VmRSS of pid in bytes, from /proc/PID/status. */
int64_t vmrss_bytes(pid_t pid);

/* Shared, zero-filled memory that forked children see too. */
void *shared_alloc(size_t bytes);
void  shared_free(void *p, size_t bytes);

/* --- Forked workers ----------------------------------------------------- */

enum { MAX_WORKERS = 64 };

/* The part of a run every worker process sees (MAP_SHARED). Contended
 * configurations keep the lock's bookkeeping here. */
typedef struct run_shared {
    int64_t start_ns;              /* the barrier's release */
    int64_t deadline_ns;           /* workers start no new operation after it */
    /* contended.c: who held the lock last and when it released it */
    _Atomic int64_t  last_release_ns;
    _Atomic int      last_holder;  /* worker index, -1 = nobody yet */
    _Atomic int      in_critical;  /* holders at once: must stay 0 or 1 */
    _Atomic uint64_t violations;   /* times it was not */
    _Atomic uint32_t grants;       /* contended, taking turns: a futex word, +1 per grant */
    _Atomic int      sleepers;     /* workers waiting on `grants` */
    struct worker_slot {
        uint64_t ops;              /* operations completed (pairs, handoffs) */
        uint64_t extra;            /* contended: grants that were re-grabs */
        int64_t  finish_ns;        /* when the last operation ended */
        uint64_t samples;          /* latency samples kept (<= the cap) */
    } slot[MAX_WORKERS];
} run_shared;

/* What a worker process is handed. */
typedef struct worker_ctx {
    const bench_env *env;
    run_shared      *shared;
    int              index;        /* 0 … workers-1 */
    int              workers;
    int64_t         *samples;      /* this worker's latency samples, ns */
    uint64_t         sample_cap;
    void            *arg;          /* the configuration's own argument */
    int              ready_w, go_r, done_w, exit_r; /* the barrier's pipes */
} worker_ctx;

/* A worker: connect, worker_ready(), measure until the deadline,
 * worker_done(), clean up; return 0, or die() on any failure. */
typedef int (*worker_fn)(worker_ctx *w);

/* Worker side of the barrier. worker_ready() returns when every worker is
 * ready and the window has started; worker_done() publishes the counts and
 * returns when every worker is done, so connections close outside the
 * measured window. */
void worker_ready(worker_ctx *w);
void worker_sample(worker_ctx *w, int64_t ns);
void worker_done(worker_ctx *w, uint64_t ops, uint64_t extra, int64_t finish_ns);

/* What one run of a configuration measured. */
typedef struct run_result {
    uint64_t ops;
    uint64_t extra;
    uint64_t violations;
    int64_t  start_ns;
    int64_t  end_ns;               /* the last worker's last operation */
    int64_t  deadline_ns;
    int64_t  deadbolt_cpu_ns;      /* over [barrier release, all done] */
    int64_t  redis_cpu_ns;
    int64_t  p50_ns, p99_ns;       /* over every worker's samples */
    uint64_t samples;
} run_result;

/* Forks `workers` processes running fn(arg) with a shared start barrier and
 * a window of env->window_s seconds; dies if a worker fails. */
run_result run_workers(const bench_env *env, int workers, worker_fn fn, void *arg);

/* --- A raw wire connection, for pipelining ------------------------------ */

/* A blocking Unix-socket connection speaking docs/PROTOCOL.md through
 * libdeadbolt's codec (wire.h), with a send and a receive buffer. The
 * caller bounds what it has in flight, so a flush never blocks against a
 * daemon that is itself blocked writing responses. */
typedef struct rawconn {
    int      fd;
    uint8_t *in;
    size_t   in_start, in_end, in_cap;
    uint8_t *out;
    size_t   out_len, out_cap;
} rawconn;

/* Connects and says HELLO (request id 1 — use ids above 1 afterwards). */
void rawconn_open(rawconn *c, const char *socket_path, const char *client_name);
void rawconn_queue(rawconn *c, const deadbolt_wire_request *r);
void rawconn_flush(rawconn *c);
/* Takes the next whole frame out of the receive buffer: returns 1 and
 * fills *m (valid until the next rawconn_read), or 0 if none is buffered. */
int  rawconn_next(rawconn *c, deadbolt_wire_message *m);
/* Blocks until more bytes arrive; dies when the daemon closes. */
void rawconn_read(rawconn *c);
void rawconn_close(rawconn *c);

/* A wire string for a NUL-terminated C string. */
deadbolt_wire_string wstr(const char *s);

/* A libdeadbolt connection; dies on failure. */
deadbolt_t *db_connect(const char *socket_path);
/* A daemon counter by name; dies on failure. */
uint64_t db_stat(deadbolt_t *c, const char *name);

/* --- Sections ------------------------------------------------------------ */

/* Rate configurations are run through one interface so that main.c can
 * interleave their repetitions. */
typedef struct rate_config {
    const char *section;           /* "uncontended", "contended" */
    const char *name;              /* as in the issue */
    const char *system;            /* "deadbolt", "Redis", "flock", ... */
    int         workers;
    worker_fn   fn;
    void       *arg;
} rate_config;

/* uncontended.c */
extern const int uncontended_count;
extern rate_config uncontended_configs[];
/* contended.c */
extern const int contended_count;
extern rate_config contended_configs[];

/* scale.c: memory per held lock; expiry of many leases. */
typedef struct memory_result {
    long    locks;
    int64_t deadbolt_rss_delta;    /* bytes */
    double  deadbolt_fill_s;       /* time to take them, pipelined */
    double  deadbolt_release_s;
    int64_t redis_used_memory_delta;
    int64_t redis_rss_delta;
    double  redis_fill_s;
} memory_result;
memory_result run_memory(const bench_env *env);

typedef struct expiry_result {
    long     leases;
    double   fill_s;
    double   spread_s;             /* first to last deadline */
    uint64_t expiries;             /* expiries_total delta */
    double   done_after_last_deadline_ms; /* when expiries_total reached `leases` */
    uint64_t pings;                /* probe round trips during expiry */
    uint64_t pings_over_5ms;       /* of those, longer than 5 ms */
    int64_t  ping_p50_ns, ping_p99_ns, ping_max_ns;
    int64_t  close_max_ns;         /* probe maximum while the fillers' sessions closed */
    int64_t  idle_p99_ns, idle_max_ns; /* probe on the idle daemon, for reference */
    int64_t  late_p50_ns, late_p99_ns, late_max_ns; /* expiry lateness (upper bounds) */
    int64_t  stats_interval_ns;    /* expiries_total sampling interval */
    int      complete;             /* expiries_total reached `leases` */
} expiry_result;
expiry_result run_expiry(const bench_env *env, double fill_estimate_s);

/* cli.c: one hyperfine invocation of both commands. */
typedef struct cli_result {
    double deadbolt_median_s, deadbolt_mean_s;
    double flock_median_s, flock_mean_s;
} cli_result;
cli_result run_cli(const bench_env *env, int rep);

#endif /* LOADGEN_H */
