/* SPDX-License-Identifier: MIT */
#ifndef DEADBOLT_GARBAGE_H
#define DEADBOLT_GARBAGE_H

/*
 * The garbage and slow-client test (README.md in this directory).
 *
 * One orchestrator (garbage.c) starts deadboltd through the C tests'
 * harness and forks every other process: garbage senders (senders.c),
 * holders of half-open connections (half_open.c) and a well-behaved client
 * (well_behaved.c). They report through one shared mapping, `struct shared`,
 * mapped before the first fork. Each child writes only its own slot; the
 * orchestrator reads a slot once its writer has exited, except the
 * _Atomic fields, which are live.
 */

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "deadbolt.h"
#include "wire.h"

/* The daemon's deadlines, passed as flags, in ms. Short, so that idle
 * connections are reaped within the run; the HELLO deadline still leaves
 * several times the time 1,000 connections take to open on a loaded
 * machine, so that all of them are open at once. */
enum { HELLO_TIMEOUT_MS = 5000, PARTIAL_FRAME_TIMEOUT_MS = 2000 };

/* docs/SECURITY.md defaults this test relies on. */
enum { MAX_CONNECTIONS = 1024, MAX_CONNECTIONS_PER_UID = 512, MAX_FRAME_BYTES = 65536 };

/* A deadline the daemon honours is never early; this much slack covers the
 * granularity of its timers. */
#define DEADLINE_TOLERANCE_S 0.020

/* Who connects as whom. Root's own connections (bystander, well-behaved
 * client, monitor) are told apart from these by count. */
enum { SENDER_UID_A = 65534, SENDER_UID_B = 1, HALF_OPEN_UID_A = 2, HALF_OPEN_UID_B = 3 };
enum { HALF_OPEN_A = 600, HALF_OPEN_B = 400, HALF_OPEN_TOTAL = HALF_OPEN_A + HALF_OPEN_B };

enum { MAX_SENDERS = 64 };

/* What a garbage connection does (senders.c has the details). */
enum mode {
    MODE_RANDOM,          /* pure random bytes, no HELLO */
    MODE_FRAMES,          /* plausible length prefixes with random bodies, no HELLO, answers unread */
    MODE_HELLO_FRAMES,    /* HELLO, then random frames, answers read and checked; some end oversize */
    MODE_TRICKLE,         /* HELLO and small frames one byte per write, answers read */
    MODE_TRICKLE_STALL,   /* HELLO, then a frame trickled slower than the partial-frame deadline */
    MODE_UNREAD,          /* HELLO, then valid requests, answers never read */
    MODE_UNREAD_PREHELLO, /* valid requests without HELLO, answers never read */
    MODE_COUNT
};

extern const char *const mode_names[MODE_COUNT];

struct mode_result {
    uint64_t connections;
    uint64_t bytes;              /* accepted by send(2) */
    uint64_t closed_by_daemon;
    uint64_t ended_by_budget;    /* the connection's own byte or time budget ran out */
    uint64_t stopped;            /* the flood ended first */
    uint64_t refused;            /* ERROR QUOTA_EXCEEDED at connect */
    uint64_t checked;            /* connections whose expected ending was verified */
    uint64_t frames_sent;
    uint64_t answers;            /* frames read back and found well-formed */
    uint64_t oversize;           /* hello-frames: ended with a length above the maximum */
    uint64_t backed_up;          /* unread: a send made no progress for UNREAD_STALL_S */
    uint64_t late;               /* trickle: closed after a frame stayed incomplete >= the deadline */
    double   close_min_s;        /* deadline closes: time from the deadline's start to the close */
    double   close_max_s;
};

struct sender_result {
    uid_t              uid;
    int                slow;             /* a slow sender (else a byte sender) */
    struct mode_result mode[MODE_COUNT];
    uint64_t           failures;
    char               first_failure[320];
};

/* Kinds of half-open connection: connected and silent; a partial length
 * prefix; a length and part of a HELLO body. None completes a frame. */
enum { HALF_IDLE, HALF_PREFIX, HALF_PARTIAL_HELLO, HALF_KINDS };

struct half_open_result {
    uid_t    uid;
    uint32_t count;
    uint32_t refused;                     /* ERROR QUOTA_EXCEEDED, then EOF */
    uint32_t closed[HALF_KINDS];          /* ERROR PROTOCOL_ERROR, then EOF */
    double   close_min_s[HALF_KINDS];     /* seconds to EOF from connect(2) (silent) or the bytes sent */
    double   close_max_s[HALF_KINDS];
    uint32_t early;                       /* closed before its deadline could have passed */
    uint32_t other;                       /* any other ending: no frame, another frame, ... */
    uint32_t still_open;                  /* not closed when the child gave up */
    char     first_failure[240];
};

struct client_result {
    uint64_t cycles;          /* lock + unlock pairs completed */
    uint64_t samples;         /* recorded in `struct shared`'s sample array */
    uint64_t tokens_checked;
    int      error;           /* the first negative return, or 0 */
    char     first_error[240];
};

/* One lock + unlock pair of the well-behaved client. */
struct sample {
    uint32_t start_ms;        /* since shared->epoch_s */
    uint32_t latency_us;
};

struct shared {
    double   epoch_s;                   /* CLOCK_MONOTONIC at start */
    double   flood_deadline_s;          /* byte senders stop then */
    uint64_t byte_target;               /* ... or once this many bytes were accepted */
    uint64_t seed;
    char     socket_path[108];

    _Atomic uint64_t bytes;             /* all senders, accepted by send(2) */
    _Atomic uint64_t connections;       /* all senders */
    _Atomic int      stop;              /* 1: all senders abandon their connections and exit */
    _Atomic int      client_stop;       /* 1: the well-behaved client finishes its cycle and exits */

    _Atomic uint32_t half_connected;    /* half-open connections whose connect(2) returned */
    _Atomic uint32_t half_refused;      /* ... seen refused (QUOTA_EXCEEDED, then EOF) */
    _Atomic uint32_t half_closed;       /* ... seen closed any other way */

    _Atomic uint64_t client_cycles;     /* live copy of client.cycles */

    struct sender_result    sender[MAX_SENDERS];
    struct half_open_result half[2];
    struct client_result    client;
};

enum { MAX_SAMPLES = 8 * 1024 * 1024 };

/* util.c */
double now_s(void);
/* setgroups, setresgid and setresuid to uid (gid = uid); 0 or -errno. */
int become(uid_t uid);
/* A blocking connect(2) to the daemon's socket; the fd, or -errno. */
int dial(const char *path);
/* dial(), or a message and exit(2) (for the single-purpose reproducers). */
int dial_or_exit(const char *path);
/* deadbolt_stat(), or a message and exit(2) (for the reproducers). */
uint64_t stat_or_exit(deadbolt_t *c, const char *name);
void set_nonblocking(int fd);
/* Dies with the orchestrator (PR_SET_PDEATHSIG), as the daemon does. */
void die_with_parent(pid_t parent);
void copy_text(char *dst, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* A small, fast generator (xoshiro256**), seeded by splitmix64. */
struct rng {
    uint64_t s[4];
};
void     rng_seed(struct rng *r, uint64_t seed);
uint64_t rng_next(struct rng *r);
uint64_t rng_below(struct rng *r, uint64_t n);          /* uniform in [0, n) */
uint64_t rng_log_uniform(struct rng *r, uint64_t lo, uint64_t hi);
void     rng_fill(struct rng *r, uint8_t *p, size_t n);

/* The checker of what the daemon sends back (answers.c). Every frame must
 * be at most max_frame bytes, decode (deadbolt_wire_decode_message and the
 * OK payload's decoder), and carry a status this library knows. */
struct answers {
    uint8_t *buf;
    size_t   len, cap;
    uint32_t max_frame;
    uint64_t frames;
    int      pre_hello;       /* until a HELLO_RESPONSE OK: only PROTOCOL_ERROR, INVALID_ARGUMENT, UNSUPPORTED_VERSION */
    int      all_ok;          /* if set: every answer must be OK */
    int      have_first;
    uint8_t  first_type;
    uint16_t first_status;
    uint8_t  last_type;
    uint32_t last_id;
    uint16_t last_status;
    /* Request ids, if tracked: state per id (ID_*), ids 1.. in order sent. */
    uint8_t *ids;
    size_t   ids_cap;
    uint32_t next_id;
    uint64_t unanswered;          /* tracked ids sent and not answered yet */
    uint64_t unanswered_acquire;  /* ... of which ACQUIREs, which may wait */
    char     bad[240];        /* the first problem; empty while none */
};
enum { ID_UNUSED, ID_SENT, ID_SENT_ACQUIRE, ID_ANSWERED };

void answers_init(struct answers *a, int track_ids);
void answers_free(struct answers *a);
/* Takes bytes read from the daemon; returns 0, or -1 once a problem was
 * found (a->bad says which). */
int  answers_feed(struct answers *a, const uint8_t *p, size_t n);
/* Takes the next request id for a frame of type `type`. */
uint32_t answers_take_id(struct answers *a, uint8_t type);
/* True if the first frame was ERROR QUOTA_EXCEEDED with id 0: a refusal at connect. */
int answers_refused(const struct answers *a);
/* "ERROR PROTOCOL_ERROR id 0" and the like, for messages. */
void answers_describe_last(const struct answers *a, char *out, size_t size);

/* senders.c: runs sender `index` as uid `uid`, a slow one or a byte
 * sender, until the flood ends; exits. */
void sender_main(struct shared *sh, int index, uid_t uid, int slow) __attribute__((noreturn));

/* half_open.c: opens `count` half-open connections as uid `uid`, reports
 * in sh->half[slot], and watches them until the daemon closed each or
 * give_up_s passed; exits. */
void half_open_main(struct shared *sh, int slot, uid_t uid, uint32_t count, double give_up_s)
    __attribute__((noreturn));

/* well_behaved.c: loops lock + unlock as root until sh->client_stop; exits. */
void well_behaved_main(struct shared *sh, struct sample *samples) __attribute__((noreturn));

#endif /* DEADBOLT_GARBAGE_H */
