/* SPDX-License-Identifier: MIT */
/*
 * Garbage and slow clients (README.md in this directory).
 *
 *     garbage [--flood-seconds S] [--target-mib M] [--senders N] [--slow-senders N]
 *             [--slow-seconds W] [--seed N] [--full]
 *
 * One deadboltd (the harness; DEADBOLTD picks the binary). A bystander takes
 * locks; a well-behaved client loops lock + unlock throughout; 1,000
 * half-open connections are opened and must all be reaped by the daemon;
 * then N byte senders flood it until M MiB were accepted or S seconds
 * passed, whichever comes first (--full: the M MiB must all be sent), while
 * slow senders keep trickles, stalled frames and unread connections going
 * for at least W seconds and until the byte senders are done. Afterwards the
 * daemon must be alive and answering, the bystander's locks held with the
 * same tokens, no connection backed up, its memory bounded, and it must stop
 * on SIGTERM, promptly and cleanly, while non-reading connections are open.
 *
 * Exit status: 0 if every check held, 1 if one did not (each is printed as
 * "garbage: FAIL: ..."), 2 if the test could not run.
 */
#define _GNU_SOURCE
#include "../libdeadbolt/harness.h"
#include "garbage.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Root's connections while the flood runs: bystander, well-behaved client,
 * monitor (this process's STATS). The client leaves before the drain check. */
enum { ROOT_DURING = 3, ROOT_AFTER = 2 };

/* Bounds of the checks. None is a performance claim: each is far above what
 * the daemon needs, so that only a daemon that is stuck, gone or leaking
 * fails it. */
#define RSS_BOUND_KIB        (256 * 1024)
#define SIGTERM_BOUND_S      10.0
#define SETTLE_BOUND_S       30.0    /* for the daemon's counts to catch up with closes */
#define SENDER_GRACE_S       60.0    /* for senders to leave after the flood */
#define HALF_OPEN_GRACE_S    60.0    /* after the HELLO deadline, for the half-open ones */
#define STATS_GAP_MS         10      /* between two STATS polls: STATS is the daemon's only report */
#define QUIET_WINDOW_S       2.0     /* the client's baseline, before any garbage */
#define PROGRESS_EVERY_S     5.0

static const char *const daemon_flags[] = {
    "--socket-mode", "0666",                  /* the senders' uids must reach the socket */
    "--hello-timeout-ms", "5000",             /* HELLO_TIMEOUT_MS: idle connections reaped within the run */
    "--partial-frame-timeout-ms", "2000",     /* PARTIAL_FRAME_TIMEOUT_MS: so are stalled frames */
    "--log-level", "error",                   /* not 88 warnings for the expected per-uid refusals */
    NULL};

struct child {
    pid_t       pid;
    int         pidfd;
    const char *role;
    int         exited;
    int         status;
};

static struct test_daemon daemon_;
static struct child children[MAX_SENDERS + 8];
static int child_count;
static int failures;
static struct shared *sh;

static void print_failure(const char *fmt, va_list ap) {
    fprintf(stdout, "garbage: FAIL: ");
    vfprintf(stdout, fmt, ap);
    fprintf(stdout, "\n");
}

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    print_failure(fmt, ap);
    va_end(ap);
    failures++;
}

static int open_pidfd(pid_t pid) {
    return (int)syscall(SYS_pidfd_open, pid, 0);
}

static void reap(struct child *c, int flags) {
    if (c->exited) return;
    int status;
    if (waitpid(c->pid, &status, flags) == c->pid) {
        c->exited = 1;
        c->status = status;
        close(c->pidfd);
        c->pidfd = -1;
    }
}

/* Stops every child by its pid, then the daemon; also on failure. */
static void stop_everything(void) {
    for (int i = 0; i < child_count; i++)
        if (!children[i].exited) kill(children[i].pid, SIGKILL);
    for (int i = 0; i < child_count; i++) reap(&children[i], 0);
    test_daemon_cleanup(&daemon_);
}

static void bail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void bail(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    print_failure(fmt, ap);
    va_end(ap);
    if (sh) atomic_store(&sh->stop, 1);
    stop_everything();
    fprintf(stdout, "garbage: FAILED (stopped early; every process stopped)\n");
    exit(1);
}

static void cannot_run(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void cannot_run(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "garbage: cannot run: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    stop_everything();
    exit(2);
}

static const char *describe_status(int status, char *buf, size_t size) {
    if (WIFEXITED(status)) snprintf(buf, size, "exit %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status)) snprintf(buf, size, "signal %d", WTERMSIG(status));
    else snprintf(buf, size, "status 0x%x", status);
    return buf;
}

enum child_kind { KIND_SENDER, KIND_HALF_OPEN, KIND_CLIENT, KIND_HOLD };

/* A child that keeps one connection that reads nothing, as uid, with or
 * without HELLO, until the daemon closes it (then it exits 0) or it is
 * killed. Blocking sends: once the daemon stops reading it, it waits in
 * send(2), as a stuck client would. */
static void hold_main(uid_t uid, int hello) __attribute__((noreturn));
static void hold_main(uid_t uid, int hello) {
    if (become(uid) < 0) _exit(2);
    int fd = dial(sh->socket_path);
    if (fd < 0) _exit(2);
    deadbolt_wire_request r;
    if (hello) {
        deadbolt_wire_encode_hello(&r, 1, DEADBOLT_PROTOCOL_VERSION, (deadbolt_wire_string){"garbage-hold", 12});
        if (send(fd, r.bytes, r.length, MSG_NOSIGNAL) != (ssize_t)r.length) _exit(0);
    }
    for (uint32_t id = 2;; id++) {
        deadbolt_wire_encode_stats(&r, id);
        if (send(fd, r.bytes, r.length, MSG_NOSIGNAL) < 0 && errno != EINTR) _exit(0);
    }
}

/* A child of `kind`. index: a sender's or half-open slot, or for a hold
 * child 1 = with HELLO; flag: a slow sender; count and give_up_s: the
 * half-open ones'. */
static struct child *spawn(enum child_kind kind, const char *role, int index, int flag, uid_t uid, uint32_t count,
                           double give_up_s, struct sample *samples) {
    if (child_count >= (int)(sizeof children / sizeof *children)) bail("too many children");
    fflush(stdout);
    fflush(stderr);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) bail("fork: %s", strerror(errno));
    if (pid == 0) {
        die_with_parent(parent);
        /* Not the orchestrator's connections, pidfds and the like: a child
         * holding a copy would keep them open in the daemon's eyes. */
#ifdef SYS_close_range
        if (syscall(SYS_close_range, 3, ~0U, 0) != 0)
#endif
            for (int fd = 3; fd < 1024; fd++) close(fd);
        switch (kind) {
        case KIND_SENDER: sender_main(sh, index, uid, flag);
        case KIND_HALF_OPEN: half_open_main(sh, index, uid, count, give_up_s);
        case KIND_CLIENT: well_behaved_main(sh, samples);
        case KIND_HOLD: hold_main(uid, index);
        }
        _exit(2);
    }
    struct child *c = &children[child_count++];
    *c = (struct child){.pid = pid, .pidfd = open_pidfd(pid), .role = role};
    if (c->pidfd < 0) bail("pidfd_open: %s (needs Linux 5.3)", strerror(errno));
    return c;
}

/* Waits up to timeout_s for any of `set` to exit; returns how many did. */
static int wait_children(struct child **set, int n, double timeout_s) {
    struct pollfd pfd[MAX_SENDERS + 8];
    int k = 0;
    for (int i = 0; i < n; i++)
        if (!set[i]->exited) pfd[k++] = (struct pollfd){.fd = set[i]->pidfd, .events = POLLIN};
    if (k == 0) return 0;
    int r = poll(pfd, (nfds_t)k, timeout_s <= 0 ? 0 : (int)(timeout_s * 1000) + 1);
    if (r < 0 && errno != EINTR) bail("poll: %s", strerror(errno));
    int exited = 0;
    for (int i = 0; i < n; i++) {
        int was = set[i]->exited;
        reap(set[i], WNOHANG);
        exited += !was && set[i]->exited;
    }
    return exited;
}

static int daemon_exited(void) {
    struct pollfd p = {.fd = daemon_.pidfd, .events = POLLIN};
    return daemon_.pid <= 0 || (daemon_.pidfd >= 0 && poll(&p, 1, 0) > 0);
}

/* --- The daemon's own reports -------------------------------------------- */

static long status_kib(pid_t pid, const char *field) {
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    long kib = -1;
    size_t n = strlen(field);
    while (fgets(line, sizeof line, f))
        if (strncmp(line, field, n) == 0 && line[n] == ':') {
            kib = strtol(line + n + 1, NULL, 10);
            break;
        }
    fclose(f);
    return kib;
}

static uint64_t stat_of(deadbolt_t *m, const char *name) {
    uint64_t v = 0;
    int rc = deadbolt_stat(m, name, &v);
    if (rc < 0) bail("STATS %s: %s%s", name, deadbolt_strerror(rc), daemon_exited() ? " (the daemon exited)" : "");
    return v;
}

/* Polls STATS until `name` equals `want` or the bound passes; returns the last value. */
static uint64_t wait_stat(deadbolt_t *m, const char *name, uint64_t want, double bound_s) {
    double deadline = now_s() + bound_s;
    uint64_t v;
    while ((v = stat_of(m, name)) != want && now_s() < deadline) poll(NULL, 0, STATS_GAP_MS);
    return v;
}

/* --- Bystander --------------------------------------------------------------- */

struct held {
    const char *resource;
    const char *owner;     /* NULL: the session */
    unsigned    flags;
    uint32_t    ttl_ms;
    uint64_t    token;
    uint64_t    session_id;
};

static struct held bystander[] = {
    {"garbage/bystander/session", NULL, 0, 0, 0, 0},
    {"garbage/bystander/owned-lease", "bystander", 0, 3600000, 0, 0},
    {"garbage/bystander/detached", "bystander", DEADBOLT_DETACHED, 3600000, 0, 0},
};

/* Session-bound locks on `keeper` (which stays open); the detached one on a
 * connection of its own, closed at once: it must outlive it. */
static void take_bystander_locks(deadbolt_t *keeper) {
    for (size_t i = 0; i < sizeof bystander / sizeof *bystander; i++) {
        struct held *h = &bystander[i];
        deadbolt_t *c = keeper;
        if (h->flags & DEADBOLT_DETACHED) {
            int rc = deadbolt_connect(daemon_.socket_path, &c);
            if (rc < 0) cannot_run("bystander connect: %s", deadbolt_strerror(rc));
        }
        deadbolt_lock_options o;
        deadbolt_lock_options_init(&o);
        o.owner = h->owner;
        o.flags = h->flags;
        o.ttl_ms = h->ttl_ms;
        o.wait_ms = 0;
        int rc = deadbolt_lock(c, h->resource, &o, &h->token);
        if (rc < 0) cannot_run("bystander lock %s: %s", h->resource, deadbolt_strerror(rc));
        deadbolt_session_info info;
        deadbolt_get_session_info(c, &info);
        h->session_id = info.session_id;
        if (c != keeper) deadbolt_close(c);
    }
}

static void check_bystander_locks(deadbolt_t *m) {
    for (size_t i = 0; i < sizeof bystander / sizeof *bystander; i++) {
        struct held *h = &bystander[i];
        deadbolt_query_result *q = NULL;
        int rc = deadbolt_query(m, h->resource, &q);
        if (rc < 0) {
            fail("bystander: QUERY %s: %s", h->resource, deadbolt_strerror(rc));
            continue;
        }
        const char *owner = h->owner ? h->owner : "";
        int ok = q->holder_count == 1 && q->holders[0].token == h->token && strcmp(q->holders[0].owner, owner) == 0 &&
                 q->holders[0].uid == 0 && q->holders[0].session_id == h->session_id &&
                 (q->holders[0].flags & DEADBOLT_DETACHED) == (h->flags & DEADBOLT_DETACHED);
        if (!ok) {
            if (q->holder_count == 0)
                fail("bystander: %s is no longer held (token %llu)", h->resource, (unsigned long long)h->token);
            else
                fail("bystander: %s: %zu holder(s), the first token %llu owner \"%s\" uid %u session %llu; "
                     "expected token %llu owner \"%s\" uid 0 session %llu",
                     h->resource, q->holder_count, (unsigned long long)q->holders[0].token, q->holders[0].owner,
                     (unsigned)q->holders[0].uid, (unsigned long long)q->holders[0].session_id,
                     (unsigned long long)h->token, owner, (unsigned long long)h->session_id);
        }
        deadbolt_query_result_free(q);
    }
}

/* --- Latency ------------------------------------------------------------------ */

static int by_value(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static void latency_line(const char *label, const struct sample *s, uint64_t n, double from_s, double to_s) {
    uint32_t from_ms = (uint32_t)(from_s * 1e3), to_ms = (uint32_t)(to_s * 1e3);
    uint32_t *v = malloc((n ? n : 1) * sizeof *v);
    if (!v) bail("out of memory");
    size_t k = 0;
    for (uint64_t i = 0; i < n; i++)
        if (s[i].start_ms >= from_ms && s[i].start_ms < to_ms) v[k++] = s[i].latency_us;
    qsort(v, k, sizeof *v, by_value);
    if (k == 0)
        printf("  %-22s %.1f s: no cycle\n", label, to_s - from_s);
    else
        printf("  %-22s %5.1f s: %8zu lock+unlock (%6.0f a second), p50 %7.3f ms, p99 %7.3f ms, max %8.3f ms\n",
               label, to_s - from_s, k, (double)k / (to_s - from_s), v[k / 2] / 1e3, v[(k * 99) / 100] / 1e3,
               v[k - 1] / 1e3);
    free(v);
}

/* --- The run ------------------------------------------------------------------- */

struct options {
    double   flood_seconds;
    uint64_t target_mib;
    int      senders;        /* byte senders */
    int      slow_senders;
    double   slow_seconds;
    uint64_t seed;
    int      full;
};

static void usage(void) {
    fprintf(stderr, "usage: garbage [--flood-seconds S] [--target-mib M] [--senders N] [--slow-senders N] "
                    "[--slow-seconds W] [--seed N] [--full]\n");
    exit(2);
}

static struct options parse(int argc, char **argv) {
    struct options o = {.flood_seconds = 25, .target_mib = 1024, .senders = 8, .slow_senders = 4, .slow_seconds = 20,
                        .seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32)};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--full") == 0) o.full = 1;
        else if (!v) usage();
        else if (strcmp(a, "--flood-seconds") == 0) o.flood_seconds = atof(v), i++;
        else if (strcmp(a, "--target-mib") == 0) o.target_mib = strtoull(v, NULL, 10), i++;
        else if (strcmp(a, "--senders") == 0) o.senders = atoi(v), i++;
        else if (strcmp(a, "--slow-senders") == 0) o.slow_senders = atoi(v), i++;
        else if (strcmp(a, "--slow-seconds") == 0) o.slow_seconds = atof(v), i++;
        else if (strcmp(a, "--seed") == 0) o.seed = strtoull(v, NULL, 0), i++;
        else usage();
    }
    int all = o.senders + o.slow_senders;
    if (o.senders < 1 || o.slow_senders < 1 || all > MAX_SENDERS || o.flood_seconds <= 0 || o.slow_seconds < 0 ||
        o.target_mib == 0)
        usage();
    /* The senders share the slots the half-open connections leave. */
    if (ROOT_DURING + MAX_CONNECTIONS_PER_UID + HALF_OPEN_B + all > MAX_CONNECTIONS) usage();
    return o;
}

static void raise_fd_limit(void) {
    struct rlimit l;
    getrlimit(RLIMIT_NOFILE, &l);
    rlim_t want = HALF_OPEN_A + 64;
    if (l.rlim_cur < want) {
        l.rlim_cur = l.rlim_max < want * 2 ? l.rlim_max : want * 2;
        if (l.rlim_cur < want || setrlimit(RLIMIT_NOFILE, &l) != 0)
            cannot_run("needs %llu open files (RLIMIT_NOFILE hard limit %llu)", (unsigned long long)want,
                       (unsigned long long)l.rlim_max);
    }
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct options opt = parse(argc, argv);
    if (geteuid() != 0) {
        printf("garbage: skipped: needs root (it connects as uids %d, %d, %d and %d)\n", SENDER_UID_A, SENDER_UID_B,
               HALF_OPEN_UID_A, HALF_OPEN_UID_B);
        return 0;
    }
    raise_fd_limit();
    signal(SIGPIPE, SIG_IGN);
    double t_start = now_s();

    sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    struct sample *samples = mmap(NULL, (size_t)MAX_SAMPLES * sizeof *samples, PROT_READ | PROT_WRITE,
                                  MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (sh == MAP_FAILED || samples == MAP_FAILED) cannot_run("mmap: %s", strerror(errno));
    memset(sh, 0, sizeof *sh);
    sh->epoch_s = t_start;
    sh->seed = opt.seed;
    sh->byte_target = opt.target_mib << 20;

    if (test_daemon_start(&daemon_, daemon_flags) != 0) cannot_run("deadboltd did not start");
    snprintf(sh->socket_path, sizeof sh->socket_path, "%s", daemon_.socket_path);
    const char *binary = getenv("DEADBOLTD") ? getenv("DEADBOLTD") : ".build/debug/deadboltd";
    printf("garbage: seed %llu; %s (pid %d)", (unsigned long long)opt.seed, binary, (int)daemon_.pid);
    for (const char *const *f = daemon_flags; *f; f++) printf(" %s", *f);
    printf("\n");

    deadbolt_t *monitor = NULL, *keeper = NULL;
    int rc = deadbolt_connect(daemon_.socket_path, &monitor);
    if (rc == 0) rc = deadbolt_connect(daemon_.socket_path, &keeper);
    if (rc < 0) cannot_run("connect: %s", deadbolt_strerror(rc));
    take_bystander_locks(keeper);
    printf("bystander: holds");
    for (size_t i = 0; i < sizeof bystander / sizeof *bystander; i++)
        printf("%s %s (%s%s, token %llu)", i ? "," : "", bystander[i].resource,
               bystander[i].flags & DEADBOLT_DETACHED ? "detached, its connection closed" : "session-bound",
               bystander[i].owner ? ", owner \"bystander\", 1 h lease" : "", (unsigned long long)bystander[i].token);
    printf("\n");

    struct child *client = spawn(KIND_CLIENT, "well-behaved client", 0, 0, 0, 0, 0, samples);
    if (wait_stat(monitor, "connections", ROOT_DURING, SETTLE_BOUND_S) != ROOT_DURING)
        bail("STATS connections did not settle at %d (bystander, client, monitor)", ROOT_DURING);
    long rss_before = status_kib(daemon_.pid, "VmRSS");

    /* The client's baseline: a measurement window, not a synchronisation. */
    if (wait_children(&client, 1, QUIET_WINDOW_S)) bail("the well-behaved client stopped: %s", sh->client.first_error);

    /* --- 1,000 half-open connections ------------------------------------- */
    double t_half = now_s();
    double give_up = t_half + HELLO_TIMEOUT_MS / 1e3 + HALF_OPEN_GRACE_S;
    struct child *half[2] = {
        spawn(KIND_HALF_OPEN, "half-open (uid 2)", 0, 0, HALF_OPEN_UID_A, HALF_OPEN_A, give_up, NULL),
        spawn(KIND_HALF_OPEN, "half-open (uid 3)", 1, 0, HALF_OPEN_UID_B, HALF_OPEN_B, give_up, NULL)};
    /* All 1,000 are either open in the daemon's count or seen refused. (A
     * refused connection leaves the count in the same turn of the daemon's
     * loop that refuses it, so no STATS answer counts it twice.) */
    uint64_t in_daemon = 0;
    uint32_t refused = 0, closed = 0, connected = 0;
    for (double deadline = now_s() + SETTLE_BOUND_S;;) {
        in_daemon = stat_of(monitor, "connections") - ROOT_DURING;
        refused = atomic_load(&sh->half_refused);
        closed = atomic_load(&sh->half_closed);
        connected = atomic_load(&sh->half_connected);
        if (connected + closed >= HALF_OPEN_TOTAL && in_daemon + refused + closed == HALF_OPEN_TOTAL) break;
        if (now_s() > deadline)
            bail("half-open: after %.0f s, %u connected, daemon counts %llu, %u refused, %u closed", SETTLE_BOUND_S,
                 connected, (unsigned long long)in_daemon, refused, closed);
        struct child *watch[] = {half[0], half[1], client};
        if (wait_children(watch, 3, STATS_GAP_MS / 1e3)) bail("a child stopped while the half-open connections opened");
    }
    double t_half_open = now_s() - t_half;
    printf("half-open: %u connections (%d as uid %d, %d as uid %d) in %.2f s: %llu open in the daemon at once, "
           "%u refused, %u closed before all were open\n",
           HALF_OPEN_TOTAL, HALF_OPEN_A, HALF_OPEN_UID_A, HALF_OPEN_B, HALF_OPEN_UID_B, t_half_open,
           (unsigned long long)in_daemon, refused, closed);
    uint32_t want_refused = HALF_OPEN_A - MAX_CONNECTIONS_PER_UID, want_open = HALF_OPEN_TOTAL - want_refused;
    if (closed)
        fail("half-open: %u closed before all 1,000 were open (the deadlines are too short for this machine)", closed);
    if (in_daemon != want_open || refused != want_refused)
        fail("half-open: %llu accepted and %u refused at once; expected %u (%d + %d) and %u", (unsigned long long)in_daemon,
             refused, want_open, MAX_CONNECTIONS_PER_UID, HALF_OPEN_B, want_refused);

    /* --- The flood ----------------------------------------------------------- */
    double t_flood = now_s();
    sh->flood_deadline_s = t_flood + opt.flood_seconds;
    struct child *senders[MAX_SENDERS];
    int n_senders = opt.senders + opt.slow_senders;
    for (int i = 0; i < n_senders; i++)
        senders[i] = spawn(KIND_SENDER, i < opt.senders ? "byte sender" : "slow sender", i, i >= opt.senders,
                           i % 2 ? SENDER_UID_B : SENDER_UID_A, 0, 0, NULL);
    printf("flood: %d byte senders until %llu MiB or %.0f s; %d slow senders for at least %.0f s and until the "
           "byte senders are done (uids %d and %d alternately)\n",
           opt.senders, (unsigned long long)opt.target_mib, opt.flood_seconds, opt.slow_senders, opt.slow_seconds,
           SENDER_UID_A, SENDER_UID_B);

    double next_progress = t_flood + PROGRESS_EVERY_S, slow_until = t_flood + opt.slow_seconds, t_bytes_done = 0;
    int senders_left = n_senders, byte_senders_left = opt.senders, senders_killed = 0;
    while (senders_left > 0) {
        double now = now_s();
        if (byte_senders_left == 0 && now >= slow_until && !atomic_load(&sh->stop)) atomic_store(&sh->stop, 1);
        double last_due = sh->flood_deadline_s > slow_until ? sh->flood_deadline_s : slow_until;
        if (now > last_due + SENDER_GRACE_S && !senders_killed) {
            senders_killed = 1;
            fail("%d senders still running %.0f s after the flood ended; killed", senders_left, SENDER_GRACE_S);
            for (int i = 0; i < n_senders; i++)
                if (!senders[i]->exited) kill(senders[i]->pid, SIGKILL);
        }
        struct pollfd pfd[MAX_SENDERS + 4];
        int k = 0;
        pfd[k++] = (struct pollfd){.fd = daemon_.pidfd, .events = POLLIN};
        pfd[k++] = (struct pollfd){.fd = client->pidfd, .events = POLLIN};
        for (int i = 0; i < n_senders; i++)
            if (!senders[i]->exited) pfd[k++] = (struct pollfd){.fd = senders[i]->pidfd, .events = POLLIN};
        for (int i = 0; i < 2; i++)
            if (!half[i]->exited) pfd[k++] = (struct pollfd){.fd = half[i]->pidfd, .events = POLLIN};
        double wait = next_progress - now;
        if (byte_senders_left == 0 && !atomic_load(&sh->stop) && slow_until - now < wait) wait = slow_until - now;
        int r = poll(pfd, (nfds_t)k, wait <= 0 ? 0 : (int)(wait * 1000) + 1);
        if (r < 0 && errno != EINTR) bail("poll: %s", strerror(errno));
        if (daemon_exited()) bail("the daemon exited during the flood");
        reap(client, WNOHANG);
        if (client->exited) bail("the well-behaved client stopped: %s", sh->client.first_error);
        for (int i = 0; i < n_senders; i++) {
            int was = senders[i]->exited;
            reap(senders[i], WNOHANG);
            senders_left -= !was && senders[i]->exited;
            byte_senders_left -= !was && senders[i]->exited && i < opt.senders;
        }
        if (byte_senders_left == 0 && t_bytes_done == 0) t_bytes_done = now_s();
        for (int i = 0; i < 2; i++) reap(half[i], WNOHANG);
        if (now_s() >= next_progress) {
            next_progress += PROGRESS_EVERY_S;
            printf("  t=%5.1f s: %8.1f MiB accepted in %6llu connections; daemon: %4llu connections, %llu backed up, "
                   "VmRSS %.1f MiB; client: %llu lock+unlock\n",
                   now_s() - t_flood, (double)atomic_load(&sh->bytes) / (1 << 20),
                   (unsigned long long)atomic_load(&sh->connections), (unsigned long long)stat_of(monitor, "connections"),
                   (unsigned long long)stat_of(monitor, "connections_backed_up"),
                   (double)status_kib(daemon_.pid, "VmRSS") / 1024, (unsigned long long)atomic_load(&sh->client_cycles));
        }
    }
    double t_flood_end = now_s();
    double bytes_s = t_bytes_done - t_flood;

    /* The half-open children leave once the daemon closed all theirs. */
    while (!half[0]->exited || !half[1]->exited) {
        if (now_s() > give_up + SETTLE_BOUND_S) bail("the half-open children did not finish");
        wait_children(half, 2, 1.0);
        if (daemon_exited()) bail("the daemon exited");
    }
    atomic_store(&sh->client_stop, 1);
    if (!client->exited) wait_children(&client, 1, SETTLE_BOUND_S);
    if (!client->exited) fail("the well-behaved client did not stop within %.0f s", SETTLE_BOUND_S);
    char how[64];
    for (int i = 0; i < child_count; i++)
        if (children[i].exited && !(WIFEXITED(children[i].status) && WEXITSTATUS(children[i].status) == 0))
            fail("%s (pid %d) ended with %s", children[i].role, (int)children[i].pid,
                 describe_status(children[i].status, how, sizeof how));

    /* --- After the flood -------------------------------------------------------- */
    int alive = !daemon_exited() && kill(daemon_.pid, 0) == 0;
    deadbolt_stats_result *stats = NULL;
    rc = deadbolt_stats(monitor, &stats);
    if (!alive || rc < 0) bail("after the flood: daemon alive %s, STATS %s", alive ? "yes" : "NO", deadbolt_strerror(rc));
    size_t counters = stats->count;
    deadbolt_stats_result_free(stats);
    check_bystander_locks(monitor);
    rc = deadbolt_ping(keeper);
    if (rc < 0) fail("bystander: its connection broke: %s", deadbolt_strerror(rc));
    uint64_t connections = wait_stat(monitor, "connections", ROOT_AFTER, SETTLE_BOUND_S);
    uint64_t backed_up = stat_of(monitor, "connections_backed_up");
    uint64_t protocol_errors = stat_of(monitor, "protocol_errors_total");
    long rss_after = status_kib(daemon_.pid, "VmRSS"), rss_peak = status_kib(daemon_.pid, "VmHWM");
    if (connections != ROOT_AFTER)
        fail("%llu connections open %.0f s after every sender left; expected %d (bystander, monitor)",
             (unsigned long long)connections, SETTLE_BOUND_S, ROOT_AFTER);
    if (backed_up != 0) fail("connections_backed_up is %llu with every sender gone", (unsigned long long)backed_up);
    if (rss_after > RSS_BOUND_KIB || rss_peak > RSS_BOUND_KIB)
        fail("daemon VmRSS %ld KiB after, VmHWM %ld KiB; bound %d KiB", rss_after, rss_peak, RSS_BOUND_KIB);

    /* --- SIGTERM with non-reading connections open ------------------------------- */
    struct child *hold[2] = {spawn(KIND_HOLD, "non-reading pre-HELLO connection", 0, 0, SENDER_UID_A, 0, 0, NULL),
                             spawn(KIND_HOLD, "non-reading HELLO'd connection", 1, 0, SENDER_UID_B, 0, 0, NULL)};
    uint64_t held_back = wait_stat(monitor, "connections_backed_up", 2, SETTLE_BOUND_S);
    uint64_t open_now = stat_of(monitor, "connections");
    if (held_back != 2 || open_now != ROOT_AFTER + 2)
        fail("before SIGTERM: %llu connections backed up of %llu open; expected 2 of %d", (unsigned long long)held_back,
             (unsigned long long)open_now, ROOT_AFTER + 2);
    deadbolt_close(monitor);
    double t_term = now_s();
    kill(daemon_.pid, SIGTERM);
    struct pollfd p = {.fd = daemon_.pidfd, .events = POLLIN};
    int exited = poll(&p, 1, (int)(SIGTERM_BOUND_S * 1000)) > 0;
    double term_s = now_s() - t_term;
    int code = test_daemon_stop(&daemon_); /* reaps it (or SIGKILLs it after the harness's 30 s) */
    if (!exited || code != 0)
        fail("SIGTERM: %s within %.0f s, exit code %d", exited ? "exited" : "did NOT exit", SIGTERM_BOUND_S, code);
    /* The daemon's exit closed the held connections: they leave by themselves. */
    for (double deadline = now_s() + SETTLE_BOUND_S; (!hold[0]->exited || !hold[1]->exited) && now_s() < deadline;)
        wait_children(hold, 2, deadline - now_s());
    int holds_closed = hold[0]->exited + hold[1]->exited;
    for (int i = 0; i < 2; i++)
        if (!hold[i]->exited) kill(hold[i]->pid, SIGKILL);
    char horizon[64] = "";
    char path[TEST_DAEMON_PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/lease-horizon", daemon_.state_dir);
    FILE *f = fopen(path, "r");
    if (f) {
        if (!fgets(horizon, sizeof horizon, f)) horizon[0] = '\0';
        horizon[strcspn(horizon, "\n")] = '\0';
        fclose(f);
    }
    if (strcmp(horizon, "clean") != 0) fail("lease-horizon after SIGTERM is \"%s\", not \"clean\"", horizon);
    deadbolt_close(keeper);

    /* --- Report ---------------------------------------------------------------------- */
    uint64_t total_bytes = atomic_load(&sh->bytes), total_connections = atomic_load(&sh->connections);
    printf("garbage: %.1f MiB accepted by send(2) in %.1f s (%.1f MiB/s; the byte senders' time) over %llu "
           "connections from %d senders; slow senders until %.1f s\n",
           (double)total_bytes / (1 << 20), bytes_s, (double)total_bytes / (1 << 20) / bytes_s,
           (unsigned long long)total_connections, n_senders, t_flood_end - t_flood);
    printf("  %-16s %7s %9s %7s %7s %7s %7s %7s %9s  %s\n", "mode", "conns", "MiB", "closed", "budget", "run-end",
           "checked", "frames", "answers", "notes");
    for (int m = 0; m < MODE_COUNT; m++) {
        struct mode_result t = {0};
        double cmin = 0, cmax = 0;
        for (int i = 0; i < n_senders; i++) {
            const struct mode_result *r = &sh->sender[i].mode[m];
            if (r->checked && r->close_max_s > 0) {
                if (cmax == 0 || r->close_min_s < cmin) cmin = r->close_min_s;
                if (r->close_max_s > cmax) cmax = r->close_max_s;
            }
            t.connections += r->connections, t.bytes += r->bytes, t.closed_by_daemon += r->closed_by_daemon;
            t.ended_by_budget += r->ended_by_budget, t.stopped += r->stopped, t.refused += r->refused;
            t.checked += r->checked, t.frames_sent += r->frames_sent, t.answers += r->answers;
            t.oversize += r->oversize, t.backed_up += r->backed_up, t.late += r->late;
        }
        char notes[160] = "";
        if (m == MODE_HELLO_FRAMES) snprintf(notes, sizeof notes, "%llu ended oversize", (unsigned long long)t.oversize);
        if (m == MODE_TRICKLE) snprintf(notes, sizeof notes, "%llu stalled past the deadline", (unsigned long long)t.late);
        if (m == MODE_UNREAD || m == MODE_UNREAD_PREHELLO)
            snprintf(notes, sizeof notes, "%llu backed up", (unsigned long long)t.backed_up);
        if (cmax > 0)
            snprintf(notes + strlen(notes), sizeof notes - strlen(notes), "%sclosed %.2f-%.2f s after %s",
                     notes[0] ? "; " : "", cmin, cmax, m == MODE_TRICKLE_STALL ? "the frame began" : "connect");
        if (t.refused) snprintf(notes + strlen(notes), sizeof notes - strlen(notes), "; %llu REFUSED", (unsigned long long)t.refused);
        printf("  %-16s %7llu %9.1f %7llu %7llu %7llu %7llu %7llu %9llu  %s\n", mode_names[m],
               (unsigned long long)t.connections, (double)t.bytes / (1 << 20), (unsigned long long)t.closed_by_daemon,
               (unsigned long long)t.ended_by_budget, (unsigned long long)t.stopped, (unsigned long long)t.checked,
               (unsigned long long)t.frames_sent, (unsigned long long)t.answers, notes);
        if (t.checked == 0) fail("mode %s: no connection got as far as its check", mode_names[m]);
        if (m == MODE_HELLO_FRAMES && t.oversize == 0) fail("mode hello-frames: no connection ended oversize");
    }
    for (int i = 0; i < n_senders; i++) {
        if (sh->sender[i].failures)
            fail("sender %d (uid %u): %llu failures; the first: %s", i, (unsigned)sh->sender[i].uid,
                 (unsigned long long)sh->sender[i].failures, sh->sender[i].first_failure);
    }
    if (opt.full && total_bytes < sh->byte_target)
        fail("only %.1f of %llu MiB were sent within %.0f s", (double)total_bytes / (1 << 20),
             (unsigned long long)opt.target_mib, opt.flood_seconds);

    static const char *const kind_names[HALF_KINDS] = {"silent", "part of a length", "part of a HELLO"};
    static const char *const kind_since[HALF_KINDS] = {"connect", "its bytes", "its bytes"};
    for (int i = 0; i < 2; i++) {
        const struct half_open_result *h = &sh->half[i];
        uint32_t closed_all = h->closed[0] + h->closed[1] + h->closed[2];
        printf("half-open uid %u: %u connections: %u refused (QUOTA_EXCEEDED), %u closed at a deadline (PROTOCOL_ERROR):",
               (unsigned)h->uid, h->count, h->refused, closed_all);
        const char *sep = " ";
        for (int k = 0; k < HALF_KINDS; k++)
            if (h->closed[k]) {
                printf("%s%u %s %.2f-%.2f s after %s", sep, h->closed[k], kind_names[k], h->close_min_s[k],
                       h->close_max_s[k], kind_since[k]);
                sep = ", ";
            }
        printf("; other %u, early %u, still open %u\n", h->other, h->early, h->still_open);
        uint32_t want_h_refused = i == 0 ? want_refused : 0;
        if (h->refused != want_h_refused || closed_all != h->count - want_h_refused || h->other || h->early ||
            h->still_open)
            fail("half-open uid %u: expected %u refused and %u closed at a deadline%s%s", (unsigned)h->uid,
                 want_h_refused, h->count - want_h_refused, h->first_failure[0] ? "; first problem: " : "",
                 h->first_failure);
    }

    const struct client_result *cr = &sh->client;
    printf("well-behaved client (root; lock + unlock, exclusive, session-bound, one in four with a 30 s lease; "
           "%llu cycles, %llu tokens checked, errors: %s):\n",
           (unsigned long long)cr->cycles, (unsigned long long)cr->tokens_checked, cr->error ? cr->first_error : "none");
    latency_line("quiet (baseline)", samples, cr->samples, 0, t_half - t_start);
    latency_line("half-open + bytes", samples, cr->samples, t_half - t_start, t_bytes_done - t_start);
    latency_line("slow senders only", samples, cr->samples, t_bytes_done - t_start, t_flood_end - t_start);
    if (cr->error) fail("the well-behaved client saw an error: %s", cr->first_error);

    printf("daemon: alive after the flood, STATS readable (%zu counters, protocol_errors_total %llu); "
           "connections %llu, connections_backed_up %llu once the senders were gone; VmRSS %.1f MiB before, "
           "%.1f MiB after, peak (VmHWM) %.1f MiB; bound %d MiB\n",
           counters, (unsigned long long)protocol_errors, (unsigned long long)connections,
           (unsigned long long)backed_up, rss_before / 1024.0, rss_after / 1024.0, rss_peak / 1024.0,
           RSS_BOUND_KIB / 1024);
    printf("SIGTERM with a non-reading pre-HELLO and a non-reading HELLO'd connection open (both backed up): "
           "exit code %d after %.2f s; held connections closed: %d of 2; lease-horizon \"%s\"\n",
           code, term_s, holds_closed, horizon);
    stop_everything();
    printf("garbage: %s in %.1f s\n", failures ? "FAILED" : "ok", now_s() - t_start);
    return failures ? 1 : 0;
}
