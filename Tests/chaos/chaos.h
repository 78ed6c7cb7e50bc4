/* SPDX-License-Identifier: MIT */
#ifndef DEADBOLT_CHAOS_H
#define DEADBOLT_CHAOS_H

/*
 * The chaos test's shared memory: what workers, the fenced store and the
 * orchestrator record, and what the checker reads once they are all gone.
 * Everything here is mapped MAP_SHARED | MAP_ANONYMOUS before the first fork.
 *
 * Times are CLOCK_MONOTONIC nanoseconds, read by every process of this host
 * (the daemon's leases run on the same clock's rate).
 */

#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

enum {
    CHAOS_WORKERS = 32,
    CHAOS_RESOURCES = 8,
    CHAOS_TTL_MIN_MS = 50,
    CHAOS_TTL_MAX_MS = 500,
    CHAOS_MAX_INSTANCES = 4096,        /* daemon runs */
    CHAOS_MAX_INCARNATIONS = 1 << 17   /* worker processes, replacements included */
};

/* How a section's lock is held. */
enum chaos_kind {
    KIND_SESSION = 0,     /* session-bound, no lease */
    KIND_SESSION_TTL = 1, /* session-bound, with a lease */
    KIND_DETACHED = 2     /* DETACHED, with a lease and an owner string */
};

/* How a section's acquire waits. */
enum chaos_wait { WAIT_TRY = 0, WAIT_BOUNDED = 1, WAIT_FOREVER = 2 };

/* A section's progress, as its worker last recorded it. `state` is stored
 * with release order, so every field written before a state is valid once
 * that state is seen (the checker reads after the worker is dead anyway). */
enum chaos_section_state {
    SECTION_FREE = 0,
    SECTION_REQUESTED = 1, /* t_request and the request's fields are set */
    SECTION_ENTERED = 2,   /* granted: t_enter and token are set */
    SECTION_EXITING = 3,   /* t_exit is set; deadbolt_unlock() is about to be called */
    SECTION_DONE = 4       /* unlock_rc and t_unlocked are set */
};

enum chaos_store_result { STORE_NONE = 0, STORE_ACCEPTED = 1, STORE_REJECTED = 2 };

/* One acquire, from request to unlock. Written by its worker only, except
 * `paused`, which the orchestrator sets while the worker is stopped. */
struct chaos_section {
    int64_t  t_request;   /* just before deadbolt_lock() */
    int64_t  t_enter;     /* just after it granted */
    int64_t  t_exit;      /* just before deadbolt_unlock() */
    int64_t  t_unlocked;  /* just after it answered */
    uint64_t token;       /* the grant's fencing token */
    uint32_t incarnation; /* the worker process: an index into chaos_incarnation[] */
    int32_t  daemon_pid;  /* the daemon on the other end of the connection (SO_PEERCRED) */
    uint16_t ttl_ms;      /* 0 = no lease */
    uint8_t  resource;
    uint8_t  mode;        /* DEADBOLT_EXCLUSIVE or DEADBOLT_SHARED */
    uint8_t  kind;        /* enum chaos_kind */
    uint8_t  wait;        /* enum chaos_wait */
    int16_t  unlock_rc;   /* what deadbolt_unlock() returned (SECTION_DONE) */
    uint8_t  store_result;/* enum chaos_store_result: the answer to the section's write */
    uint8_t  paused;      /* 1: SIGSTOPped before its write, until a newer token was written */
    _Atomic uint8_t state;
};

/* A worker process. Written by the orchestrator only. */
struct chaos_incarnation {
    pid_t   pid;
    int32_t slot;
    int64_t killed_at;    /* recorded just before kill(SIGKILL); 0 = not killed */
};

/* What a worker is doing now, for the orchestrator to pick its victims. */
enum chaos_phase {
    PHASE_IDLE = 0,
    PHASE_CONNECTING,
    PHASE_TRYING,         /* in a deadbolt_lock() with wait 0 */
    PHASE_WAITING,        /* in a deadbolt_lock() that waits */
    PHASE_HOLDING,
    PHASE_PREWRITE_PAUSE  /* holding exclusively with a lease, before its write, and announced */
};

struct chaos_slot {
    _Atomic int32_t  phase;
    _Atomic uint32_t section; /* its current section */
};

/* A write to the fenced store, and the store's log entry for it. */
struct chaos_store_request {
    uint64_t token;
    uint32_t section;
    uint8_t  resource;
};

struct chaos_store_entry {
    uint64_t token;
    uint32_t section;
    uint8_t  resource;
    uint8_t  accepted;
};

/* A pause announcement: a worker in PHASE_PREWRITE_PAUSE, on the pause pipe. */
struct chaos_pause_notice {
    int32_t  slot;
    uint32_t section;
};

/* Counters and flags every process shares. */
struct chaos_shared {
    _Atomic int stop;            /* workers: finish the section, then exit 0 */
    _Atomic int want_pause;      /* the orchestrator wants a holder to pause */

    _Atomic uint32_t next_section;
    uint32_t section_capacity;

    /* Worker outcomes. */
    _Atomic uint64_t granted, granted_exclusive, granted_shared;
    _Atomic uint64_t not_granted, wait_timeouts, lost_events;
    _Atomic uint64_t connection_losses, connects, connect_retries;
    _Atomic uint64_t unlock_failed;
    _Atomic uint64_t protocol_errors;        /* -EPROTO: an answer the client could not take */
    _Atomic uint64_t unexpected;             /* any other return value: a failure */
    _Atomic int      unexpected_claimed;
    char             first_unexpected[256];

    /* The fenced store. */
    _Atomic uint32_t store_count;            /* entries in the log */
    uint32_t         store_capacity;
    _Atomic uint64_t store_max_token[CHAOS_RESOURCES];
    _Atomic int      watch_armed;            /* fire watch_fd once a token above watch_token is accepted */
    _Atomic uint32_t watch_resource;
    _Atomic uint64_t watch_token;

    struct chaos_slot slots[CHAOS_WORKERS];
};

static inline int64_t chaos_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* xorshift64*: enough randomness for a workload, one state per process. */
static inline uint64_t chaos_random(uint64_t *state) {
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1DULL;
}

/* A uniform value in [lo, hi]. */
static inline int64_t chaos_between(uint64_t *state, int64_t lo, int64_t hi) {
    return lo + (int64_t)(chaos_random(state) % (uint64_t)(hi - lo + 1));
}

/* --- worker.c --- */

struct chaos_worker_config {
    struct chaos_shared *shared;
    struct chaos_section *sections;
    const char *daemon_socket;
    const char *store_address;   /* abstract Unix address of the store, without the leading NUL */
    int pause_fd;                /* write end of the pause pipe */
    int slot;
    uint32_t incarnation;
    uint64_t seed;
};

/* Runs one worker until shared->stop; never returns. */
_Noreturn void chaos_worker_main(const struct chaos_worker_config *config);

/* --- store.c --- */

struct chaos_store_config {
    struct chaos_shared *shared;
    struct chaos_store_entry *log;
    int listen_fd;               /* SOCK_SEQPACKET, listening */
    int stop_fd;                 /* read end of a pipe; its hang-up means: drain and exit */
    int watch_fd;                /* eventfd the store writes when the watch fires */
};

_Noreturn void chaos_store_main(const struct chaos_store_config *config);

/* --- check.c --- */

/* A daemon run, as the orchestrator saw it. */
struct chaos_instance {
    pid_t   pid;
    int64_t launched_at;  /* before the fork */
    int64_t ready_at;     /* READY=1 received */
    int64_t killed_at;    /* recorded just before kill -9 (or the final SIGTERM); 0 = none */
};

struct chaos_check_input {
    const struct chaos_shared *shared;
    const struct chaos_section *sections;
    uint32_t section_count;
    const struct chaos_incarnation *incarnations;
    const struct chaos_instance *instances;
    uint32_t instance_count;
    const struct chaos_store_entry *log;
    uint32_t log_count;
    int64_t t0;                  /* the run's start, for printing */
};

struct chaos_check_result {
    uint64_t sections_granted;
    uint64_t exclusive_checked, shared_checked;
    uint64_t ends_by_unlock, ends_by_lease, ends_by_daemon_kill, ends_by_worker_kill, ends_by_attempted_unlock;
    uint64_t empty_intervals;    /* the lower bound of the end fell before t_enter */
    uint64_t overlaps;           /* sections overlapping an earlier conflicting one */
    uint64_t token_checked;      /* sections compared with a grant known to be earlier */
    uint64_t tokens_backwards;
    uint64_t lost_without_cause; /* session-bound, no lease, daemon alive, unlock said "not held" */
    uint64_t leases_outlived;    /* an unlock sent after the lease's end that succeeded */
    uint64_t unknown_daemon;     /* sections whose daemon run could not be identified */
    uint64_t store_writes, stale_accepted, stale_rejected, valid_rejected;
    uint64_t paused_sections, paused_rejected, paused_accepted, paused_unlock_failed;
    uint64_t instances_with_grants; /* daemon runs after the first that granted something */
};

/* Checks every invariant; prints the first few violations of each kind on stderr. */
void chaos_check(const struct chaos_check_input *in, struct chaos_check_result *out);

#endif /* DEADBOLT_CHAOS_H */
