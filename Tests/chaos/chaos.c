/* SPDX-License-Identifier: MIT */
/*
 * The chaos test: mutual exclusion and fencing of deadboltd under faults,
 * through libdeadbolt. See README.md beside this file.
 *
 *     chaos --smoke            about a minute, for `make test`
 *     chaos --full             until 1,000,000 acquisitions and 100 daemon restarts
 *
 * This process is the orchestrator. It starts the daemon (harness.c), the
 * fenced store and 32 workers, injects faults, replaces the workers it
 * kills, and at the end runs the checker over what everyone recorded.
 * Exit status: 0 if every invariant held and the faults and the progress
 * reached the mode's floors; 1 if not; 2 if the test itself could not run.
 */
#define _GNU_SOURCE
#include "chaos.h"
#include "deadbolt.h"
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define MS 1000000LL
/* A progress line of the full run (it takes minutes). */
#define PROGRESS_EVERY_MS 30000
#define SURVIVAL_MARGIN_GRANTS 100

/* --- The plan of a run ---------------------------------------------------- */

struct plan {
    const char *name;
    int full;                        /* run until the targets, not for a fixed time */
    int64_t run_ms;                  /* smoke: the faulty phase; full: the most it may take */
    uint64_t target_acquisitions;    /* full */
    uint64_t target_restarts;        /* full */
    int64_t worker_kill_min_ms, worker_kill_max_ms;   /* between two worker kills */
    int64_t daemon_kill_min_ms, daemon_kill_max_ms;   /* from READY to the next kill -9 */
    int64_t daemon_down_max_ms;                       /* from the kill to the restart */
    int64_t pause_min_ms, pause_max_ms;               /* from a resume to the next pause request */
    uint32_t section_capacity;
    /* Floors: below any of them the run fails, so that faults that silently
     * stopped happening, or a run that made no progress, do not pass. */
    uint64_t min_acquisitions, min_restarts_survived;
    uint64_t min_worker_kills, min_holder_kills, min_waiter_kills;
    uint64_t min_paused_rejected, min_stale_rejected, min_token_checked, min_lease_ends;
};

static const struct plan smoke_plan = {
    .name = "smoke",
    .run_ms = 45000,
    .worker_kill_min_ms = 100, .worker_kill_max_ms = 300,
    .daemon_kill_min_ms = 3000, .daemon_kill_max_ms = 5000,
    .daemon_down_max_ms = 200,
    .pause_min_ms = 1000, .pause_max_ms = 2000,
    .section_capacity = 4u << 20,
    .min_acquisitions = 10000, .min_restarts_survived = 4,
    .min_worker_kills = 20, .min_holder_kills = 3, .min_waiter_kills = 3,
    .min_paused_rejected = 2, .min_stale_rejected = 2, .min_token_checked = 1000, .min_lease_ends = 1,
};

static const struct plan full_plan = {
    .name = "full",
    .full = 1,
    .run_ms = 30 * 60000,
    .target_acquisitions = 1000000, .target_restarts = 100,
    .worker_kill_min_ms = 50, .worker_kill_max_ms = 150,
    .daemon_kill_min_ms = 1200, .daemon_kill_max_ms = 2400,
    .daemon_down_max_ms = 100,
    .pause_min_ms = 1000, .pause_max_ms = 2000,
    .section_capacity = 8u << 20,
    .min_acquisitions = 1000000, .min_restarts_survived = 100,
    .min_worker_kills = 500, .min_holder_kills = 50, .min_waiter_kills = 50,
    .min_paused_rejected = 20, .min_stale_rejected = 20, .min_token_checked = 100000, .min_lease_ends = 10,
};

/* The daemon's flags beyond the harness's own: a short maximum TTL keeps the
 * grace period after each kill -9 short; its warning at each unclean start
 * would be one line per restart. */
static const char *const daemon_args[] = {"--max-ttl-ms", "1000", "--log-level", "error", NULL};

/* --- State of the orchestrator -------------------------------------------- */

struct worker_process {
    pid_t pid;           /* 0: none (being replaced, or stopped for good) */
    int pidfd;
    uint32_t incarnation;
    int dying;           /* we sent SIGKILL */
};

struct pause {
    int active;
    int verified;        /* stopped in PHASE_PREWRITE_PAUSE, in the section it announced */
    int newer_written;   /* the store accepted a newer token for the resource */
    int slot;
    pid_t pid;
    uint32_t section;
    int64_t not_before;  /* past the lease: the grant came before t_enter */
    int64_t give_up_at;
};

struct fault_counts {
    uint64_t worker_kills, kills_by_phase[PHASE_PREWRITE_PAUSE + 1];
    uint64_t daemon_kills, restarts;
    uint64_t pauses_requested, pauses_verified, pauses_missed, pauses_newer_written, pauses_no_newer, pauses_cut_by_stop;
};

struct daemon_counters {
    uint64_t grants, expiries, silent_expiries, lost, timeouts;
    uint64_t runs_read;
};

static struct {
    const struct plan *plan;
    uint64_t random;
    int64_t t0;
    pid_t self;

    struct chaos_shared *shared;
    struct chaos_section *sections;
    struct chaos_store_entry *store_log;
    struct chaos_incarnation *incarnations;
    uint32_t incarnation_count;
    struct chaos_instance instances[CHAOS_MAX_INSTANCES];
    uint32_t instance_count;

    struct test_daemon daemon;
    int daemon_started;
    int daemon_up;
    uint64_t granted_at_ready;     /* the workers' grants when the current run said READY=1 */
    uint64_t restarts_with_grants; /* runs after a kill -9 that granted, counted at their kill */

    struct worker_process workers[CHAOS_WORKERS];
    pid_t store_pid;
    int store_pidfd;
    char store_address[64];
    int pause_read, pause_write;  /* workers announce pausable holders */
    int stop_write;               /* the store's stop pipe */
    int watch_fd;                 /* the store: a newer token was accepted */

    int stopping;
    struct pause pause;
    struct fault_counts faults;
    struct daemon_counters daemon_counters;

    int failures;
    char first_failure[512];
} o = {.store_pidfd = -1, .pause_read = -1, .pause_write = -1, .stop_write = -1, .watch_fd = -1};

static volatile sig_atomic_t interrupted;

static void on_signal(int signal_number) {
    (void)signal_number;
    interrupted = 1;
}

/* Records a failure of the run (the first one is repeated in the summary). */
static void failure(const char *format, ...) {
    va_list args;
    va_start(args, format);
    char text[512];
    vsnprintf(text, sizeof text, format, args);
    va_end(args);
    fprintf(stderr, "chaos: %s\n", text);
    if (o.failures++ == 0) snprintf(o.first_failure, sizeof o.first_failure, "%s", text);
}

/* Stops every process this test started, by pid. */
static void stop_everything(void) {
    for (int i = 0; i < CHAOS_WORKERS; i++) {
        if (o.workers[i].pid > 0) {
            kill(o.workers[i].pid, SIGKILL);
            waitpid(o.workers[i].pid, NULL, 0);
            o.workers[i].pid = 0;
        }
    }
    if (o.store_pid > 0) {
        kill(o.store_pid, SIGKILL);
        waitpid(o.store_pid, NULL, 0);
        o.store_pid = 0;
    }
    if (o.daemon_started) test_daemon_cleanup(&o.daemon);
    o.daemon_started = 0;
}

_Noreturn static void fatal(const char *format, ...) {
    va_list args;
    va_start(args, format);
    fprintf(stderr, "chaos: ");
    vfprintf(stderr, format, args);
    fprintf(stderr, "\n");
    va_end(args);
    stop_everything();
    exit(2);
}

static int64_t between_ms(int64_t lo, int64_t hi) {
    return chaos_between(&o.random, lo, hi) * MS;
}

static double seconds_since_start(int64_t t) {
    return (double)(t - o.t0) / 1e9;
}

static void *map_shared(size_t bytes) {
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) fatal("mmap of %zu bytes: %s", bytes, strerror(errno));
    return p;
}

static int open_pidfd(pid_t pid) {
    int fd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (fd < 0) fatal("pidfd_open: %s", strerror(errno));
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    return fd;
}

/* In a new child: die with the orchestrator, and keep only the fds in keep
 * (which it sorts). */
static void become_child(int *keep, int count) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != o.self) _exit(0);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    for (int i = 1; i < count; i++)
        for (int j = i; j > 0 && keep[j] < keep[j - 1]; j--) {
            int t = keep[j];
            keep[j] = keep[j - 1];
            keep[j - 1] = t;
        }
    unsigned from = 3;
    for (int i = 0; i < count; i++) {
        if ((unsigned)keep[i] > from) close_range(from, (unsigned)keep[i] - 1, 0);
        from = (unsigned)keep[i] + 1;
    }
    close_range(from, ~0U, 0);
}

/* --- The daemon ------------------------------------------------------------ */

/* Adds a run's counters to the totals, just before it is killed: they show
 * the leases that ran out and the LOST events, which workers see only in part. */
static void read_daemon_counters(void) {
    deadbolt_connect_options co;
    deadbolt_connect_options_init(&co);
    co.client_name = "deadbolt chaos orchestrator";
    co.connect_timeout_ms = 2000;
    co.io_timeout_ms = 2000;
    deadbolt_t *c;
    if (deadbolt_connect_with(o.daemon.socket_path, &co, &c) != 0) return;
    deadbolt_stats_result *stats;
    if (deadbolt_stats(c, &stats) == 0) {
        for (size_t i = 0; i < stats->count; i++) {
            const char *name = stats->counters[i].name;
            uint64_t value = stats->counters[i].value;
            if (strcmp(name, "grants_total") == 0) o.daemon_counters.grants += value;
            if (strcmp(name, "expiries_total") == 0) o.daemon_counters.expiries += value;
            if (strcmp(name, "silent_expiries_total") == 0) o.daemon_counters.silent_expiries += value;
            if (strcmp(name, "lost_total") == 0) o.daemon_counters.lost += value;
            if (strcmp(name, "timeouts_total") == 0) o.daemon_counters.timeouts += value;
        }
        o.daemon_counters.runs_read++;
        deadbolt_stats_result_free(stats);
    }
    deadbolt_close(c);
}

static void record_run(int64_t launched_at) {
    if (o.instance_count == CHAOS_MAX_INSTANCES) fatal("more than %d daemon runs", CHAOS_MAX_INSTANCES);
    o.instances[o.instance_count++] = (struct chaos_instance){
        .pid = o.daemon.pid, .launched_at = launched_at, .ready_at = chaos_now()};
    o.daemon_up = 1;
    o.granted_at_ready = atomic_load(&o.shared->granted);
}

static void start_daemon(void) {
    int64_t launched_at = chaos_now();
    if (test_daemon_start(&o.daemon, daemon_args) != 0) fatal("cannot start deadboltd");
    o.daemon_started = 1;
    record_run(launched_at);
}

/* A live estimate of the checker's "restarts survived", to know when the
 * full run has enough: restarts whose run the workers got grants from (a
 * margin of grants, as a grant of the run before may be counted late). */
static uint64_t restarts_survived_so_far(void) {
    int current = o.daemon_up && o.instance_count > 1 &&
                  atomic_load(&o.shared->granted) >= o.granted_at_ready + SURVIVAL_MARGIN_GRANTS;
    return o.restarts_with_grants + (uint64_t)current;
}

static void kill_daemon(void) {
    read_daemon_counters();
    if (o.instance_count > 1 && atomic_load(&o.shared->granted) >= o.granted_at_ready + SURVIVAL_MARGIN_GRANTS)
        o.restarts_with_grants++;
    /* Before the kill: every session-bound lock of this run ends after it. */
    o.instances[o.instance_count - 1].killed_at = chaos_now();
    test_daemon_kill(&o.daemon);
    o.daemon_up = 0;
    o.faults.daemon_kills++;
}

static void restart_daemon(void) {
    int64_t launched_at = chaos_now();
    if (test_daemon_restart(&o.daemon, daemon_args) != 0) fatal("cannot restart deadboltd");
    record_run(launched_at);
    o.faults.restarts++;
}

/* --- Workers --------------------------------------------------------------- */

static void spawn_worker(int slot) {
    if (o.incarnation_count == CHAOS_MAX_INCARNATIONS) fatal("more than %d worker processes", CHAOS_MAX_INCARNATIONS);
    uint32_t incarnation = o.incarnation_count++;
    atomic_store(&o.shared->slots[slot].phase, PHASE_IDLE);
    struct chaos_worker_config config = {
        .shared = o.shared,
        .sections = o.sections,
        .daemon_socket = o.daemon.socket_path,
        .store_address = o.store_address,
        .pause_fd = o.pause_write,
        .slot = slot,
        .incarnation = incarnation,
        .seed = chaos_random(&o.random),
    };
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) fatal("fork: %s", strerror(errno));
    if (pid == 0) {
        become_child(&o.pause_write, 1);
        chaos_worker_main(&config);
    }
    o.incarnations[incarnation] = (struct chaos_incarnation){.pid = pid, .slot = slot};
    o.workers[slot] = (struct worker_process){.pid = pid, .pidfd = open_pidfd(pid), .incarnation = incarnation};
}

/* SIGSTOP, and waits until the worker is stopped. Returns 0, or -1 if it
 * exited first (its pidfd then tells). */
static int stop_worker(pid_t pid) {
    kill(pid, SIGSTOP);
    siginfo_t info;
    memset(&info, 0, sizeof info);
    while (waitid(P_PID, (id_t)pid, &info, WSTOPPED | WEXITED | WNOWAIT) != 0) {
        if (errno != EINTR) return -1;
    }
    return info.si_code == CLD_STOPPED ? 0 : -1;
}

/* kill -9 of a worker, stopped first so that what it was doing is known
 * exactly. Its kill time is recorded before the kill: its session ends later. */
static void kill_worker(int slot) {
    struct worker_process *w = &o.workers[slot];
    if (stop_worker(w->pid) != 0) return;
    int32_t phase = atomic_load(&o.shared->slots[slot].phase);
    o.incarnations[w->incarnation].killed_at = chaos_now();
    kill(w->pid, SIGKILL);
    w->dying = 1;
    o.faults.worker_kills++;
    if (phase >= 0 && phase <= PHASE_PREWRITE_PAUSE) o.faults.kills_by_phase[phase]++;
}

enum victim_class { VICTIM_HOLDER, VICTIM_WAITER, VICTIM_ANY };

/* A worker to kill, of the class if one is in it now; -1 if none at all. */
static int pick_victim(enum victim_class class) {
    int matching[CHAOS_WORKERS], any[CHAOS_WORKERS];
    int m = 0, a = 0;
    for (int i = 0; i < CHAOS_WORKERS; i++) {
        const struct worker_process *w = &o.workers[i];
        if (w->pid <= 0 || w->dying || (o.pause.active && o.pause.slot == i)) continue;
        any[a++] = i;
        int32_t phase = atomic_load(&o.shared->slots[i].phase);
        if ((class == VICTIM_HOLDER && (phase == PHASE_HOLDING || phase == PHASE_PREWRITE_PAUSE)) ||
            (class == VICTIM_WAITER && phase == PHASE_WAITING))
            matching[m++] = i;
    }
    if (m > 0) return matching[chaos_random(&o.random) % (uint64_t)m];
    if (a > 0) return any[chaos_random(&o.random) % (uint64_t)a];
    return -1;
}

static void reap_worker(int slot) {
    struct worker_process *w = &o.workers[slot];
    int status = 0;
    while (waitpid(w->pid, &status, 0) < 0 && errno == EINTR) {
    }
    close(w->pidfd);
    int killed = w->dying && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
    int finished = WIFEXITED(status) && WEXITSTATUS(status) == 0 && atomic_load(&o.shared->stop);
    if (!killed && !finished) {
        failure("worker pid %d (slot %d) ended by itself: %s %d", (int)w->pid, slot,
                WIFSIGNALED(status) ? "signal" : "exit status", WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
    }
    if (o.pause.active && o.pause.slot == slot) o.pause.active = 0;
    *w = (struct worker_process){.pid = 0, .pidfd = -1};
    if (!o.stopping) spawn_worker(slot);
}

/* --- Pauses ---------------------------------------------------------------- */

/* A worker announced that it holds an exclusive lock with a lease and has
 * not written yet: stop it, and keep it stopped until its lease is over and
 * a newer holder has written. */
static void begin_pause(const struct chaos_pause_notice *notice) {
    if (notice->slot < 0 || notice->slot >= CHAOS_WORKERS) fatal("a pause notice from slot %d", (int)notice->slot);
    struct worker_process *w = &o.workers[notice->slot];
    if (w->pid <= 0 || w->dying || stop_worker(w->pid) != 0) {
        atomic_store(&o.shared->want_pause, 1); /* ask again */
        return;
    }
    int64_t now = chaos_now();
    const struct chaos_slot *slot = &o.shared->slots[notice->slot];
    o.pause = (struct pause){
        .active = 1,
        .slot = notice->slot,
        .pid = w->pid,
        .section = notice->section,
        .verified = atomic_load(&slot->phase) == PHASE_PREWRITE_PAUSE && atomic_load(&slot->section) == notice->section,
    };
    if (!o.pause.verified) {
        /* It went on before the stop landed: a plain pause of a worker. */
        o.faults.pauses_missed++;
        o.pause.give_up_at = now + 200 * MS;
        return;
    }
    o.faults.pauses_verified++;
    struct chaos_section *s = &o.sections[notice->section];
    s->paused = 1;
    o.pause.not_before = s->t_enter + (int64_t)s->ttl_ms * MS;
    o.pause.give_up_at = now + 5000 * MS;
    atomic_store(&o.shared->watch_resource, s->resource);
    atomic_store(&o.shared->watch_token, s->token);
    atomic_store(&o.shared->watch_armed, 1);
    /* A newer write may have been accepted before the watch was armed. */
    if (atomic_load(&o.shared->store_max_token[s->resource]) > s->token && atomic_exchange(&o.shared->watch_armed, 0))
        o.pause.newer_written = 1;
}

static int pause_due(int64_t now) {
    return o.pause.active && ((o.pause.newer_written && now >= o.pause.not_before) || now >= o.pause.give_up_at);
}

/* SIGCONT for the stopped holder; at_stop: the run is ending, whatever the
 * pause was waiting for. */
static void end_pause(int at_stop) {
    if (!o.pause.active) return;
    atomic_store(&o.shared->watch_armed, 0);
    kill(o.pause.pid, SIGCONT);
    if (o.pause.verified) {
        if (o.pause.newer_written) {
            o.faults.pauses_newer_written++;
        } else if (at_stop) {
            o.faults.pauses_cut_by_stop++;
        } else {
            o.faults.pauses_no_newer++;
            const struct chaos_section *s = &o.sections[o.pause.section];
            fprintf(stderr,
                    "chaos: no newer write on resource %u within 5 s of stopping the holder of section %u "
                    "(entered at %.3f s, lease %u ms, token %" PRIu64 "; the store's highest %" PRIu64 ")\n",
                    s->resource, o.pause.section, seconds_since_start(s->t_enter), s->ttl_ms, s->token,
                    atomic_load(&o.shared->store_max_token[s->resource]));
        }
    }
    o.pause.active = 0;
}

/* --- The fenced store ------------------------------------------------------ */

static void start_store(void) {
    snprintf(o.store_address, sizeof o.store_address, "deadbolt-chaos-store-%d", (int)o.self);
    int listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    size_t n = strlen(o.store_address);
    memcpy(a.sun_path + 1, o.store_address, n);
    if (listen_fd < 0 || bind(listen_fd, (struct sockaddr *)&a, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n)) != 0 ||
        listen(listen_fd, 256) != 0)
        fatal("store socket: %s", strerror(errno));
    int stop_pipe[2];
    if (pipe2(stop_pipe, O_CLOEXEC) != 0) fatal("pipe: %s", strerror(errno));
    o.watch_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (o.watch_fd < 0) fatal("eventfd: %s", strerror(errno));

    struct chaos_store_config config = {
        .shared = o.shared, .log = o.store_log, .listen_fd = listen_fd, .stop_fd = stop_pipe[0], .watch_fd = o.watch_fd};
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) fatal("fork: %s", strerror(errno));
    if (pid == 0) {
        int keep[3] = {listen_fd, stop_pipe[0], o.watch_fd};
        become_child(keep, 3);
        chaos_store_main(&config);
    }
    o.store_pid = pid;
    o.store_pidfd = open_pidfd(pid);
    close(listen_fd);
    close(stop_pipe[0]);
    o.stop_write = stop_pipe[1];
}

/* Hangs up on the store once every worker is gone; it drains and exits. */
static void stop_store(void) {
    close(o.stop_write);
    o.stop_write = -1;
    struct pollfd p = {.fd = o.store_pidfd, .events = POLLIN};
    if (poll(&p, 1, 10000) != 1) {
        failure("the store did not exit within 10 s");
        kill(o.store_pid, SIGKILL);
    }
    int status = 0;
    while (waitpid(o.store_pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) failure("the store ended with status %d", status);
    o.store_pid = 0;
    close(o.store_pidfd);
}

/* --- The run --------------------------------------------------------------- */

static int64_t earliest(int64_t a, int64_t b) {
    return a < b ? a : b;
}

/* Waits for the next event or deadline, and handles what woke it. */
static void wait_and_handle(int64_t deadline) {
    struct pollfd fds[CHAOS_WORKERS + 4];
    int slot_of[CHAOS_WORKERS + 4];
    nfds_t n = 0;
    enum { ROLE_PAUSE = -1, ROLE_WATCH = -2, ROLE_STORE = -3, ROLE_DAEMON = -4 };
    /* The watch before the pause pipe: a late signal of an ended pause must
     * not count for one that begins in this round. */
    fds[n] = (struct pollfd){.fd = o.watch_fd, .events = POLLIN};
    slot_of[n++] = ROLE_WATCH;
    fds[n] = (struct pollfd){.fd = o.pause_read, .events = POLLIN};
    slot_of[n++] = ROLE_PAUSE;
    if (o.store_pid > 0) {
        fds[n] = (struct pollfd){.fd = o.store_pidfd, .events = POLLIN};
        slot_of[n++] = ROLE_STORE;
    }
    if (o.daemon_up && o.daemon.pidfd >= 0) {
        fds[n] = (struct pollfd){.fd = o.daemon.pidfd, .events = POLLIN};
        slot_of[n++] = ROLE_DAEMON;
    }
    for (int i = 0; i < CHAOS_WORKERS; i++) {
        if (o.workers[i].pid <= 0) continue;
        fds[n] = (struct pollfd){.fd = o.workers[i].pidfd, .events = POLLIN};
        slot_of[n++] = i;
    }
    int64_t left = deadline - chaos_now();
    int timeout = left <= 0 ? 0 : left > 1000 * MS ? 1000 : (int)((left + MS - 1) / MS);
    int ready = poll(fds, n, timeout);
    if (ready <= 0) {
        if (ready < 0 && errno != EINTR) fatal("poll: %s", strerror(errno));
        return;
    }
    for (nfds_t i = 0; i < n; i++) {
        if (!fds[i].revents) continue;
        switch (slot_of[i]) {
        case ROLE_PAUSE: {
            struct chaos_pause_notice notice;
            while (read(o.pause_read, &notice, sizeof notice) == (ssize_t)sizeof notice) {
                if (!o.pause.active && !o.stopping) begin_pause(&notice);
            }
            break;
        }
        case ROLE_WATCH: {
            uint64_t count;
            if (read(o.watch_fd, &count, sizeof count) == sizeof count && o.pause.active && o.pause.verified)
                o.pause.newer_written = 1;
            break;
        }
        case ROLE_STORE:
            fatal("the fenced store exited by itself");
        case ROLE_DAEMON: {
            int64_t now = chaos_now();
            int code = test_daemon_kill(&o.daemon); /* reaps it */
            o.instances[o.instance_count - 1].killed_at = now;
            o.daemon_up = 0;
            failure("deadboltd exited by itself (status %d) at %.3f s", code, seconds_since_start(now));
            break;
        }
        default:
            reap_worker(slot_of[i]);
        }
    }
}

static void run_faults(void) {
    const struct plan *p = o.plan;
    int64_t start = chaos_now();
    int64_t next_worker_kill = start + between_ms(p->worker_kill_min_ms, p->worker_kill_max_ms);
    int64_t next_daemon_kill = o.instances[0].ready_at + between_ms(p->daemon_kill_min_ms, p->daemon_kill_max_ms);
    int64_t restart_at = 0;
    int64_t next_pause = start + between_ms(p->pause_min_ms, p->pause_max_ms);
    int pause_requested = 0;
    unsigned victim_turn = 0;
    int64_t next_progress = start + PROGRESS_EVERY_MS * MS;

    for (;;) {
        int64_t now = chaos_now();
        if (interrupted) {
            failure("interrupted");
            return;
        }
        if (o.failures) return;
        if (atomic_load(&o.shared->stop)) {
            failure("ran out of section records (%u)", p->section_capacity);
            return;
        }
        if (!p->full && now >= start + p->run_ms * MS) return;
        if (p->full && atomic_load(&o.shared->granted) >= p->target_acquisitions &&
            restarts_survived_so_far() >= p->target_restarts)
            return;
        if (p->full && now >= start + p->run_ms * MS) {
            failure("the targets were not reached within %" PRId64 " s", p->run_ms / 1000);
            return;
        }

        if (p->full && now >= next_progress) {
            printf("  %4.0f s: %" PRIu64 " acquisitions, %" PRIu64 " daemon restarts, %" PRIu64 " worker kills\n",
                   seconds_since_start(now), atomic_load(&o.shared->granted), o.faults.restarts, o.faults.worker_kills);
            next_progress += PROGRESS_EVERY_MS * MS;
        }
        if (now >= next_worker_kill) {
            int victim = pick_victim((enum victim_class)(victim_turn++ % 3));
            if (victim >= 0) kill_worker(victim);
            next_worker_kill = chaos_now() + between_ms(p->worker_kill_min_ms, p->worker_kill_max_ms);
        }
        if (o.daemon_up && now >= next_daemon_kill) {
            kill_daemon();
            restart_at = chaos_now() + between_ms(0, p->daemon_down_max_ms);
        }
        if (!o.daemon_up && chaos_now() >= restart_at) {
            restart_daemon();
            next_daemon_kill = chaos_now() + between_ms(p->daemon_kill_min_ms, p->daemon_kill_max_ms);
        }
        if (o.pause.active) {
            pause_requested = 0;
            if (pause_due(chaos_now())) {
                end_pause(0);
                next_pause = chaos_now() + between_ms(p->pause_min_ms, p->pause_max_ms);
            }
        } else if (!pause_requested && now >= next_pause) {
            atomic_store(&o.shared->want_pause, 1);
            pause_requested = 1;
            o.faults.pauses_requested++;
        }

        int64_t deadline = earliest(next_worker_kill, o.daemon_up ? next_daemon_kill : restart_at);
        if (o.pause.active) {
            deadline = earliest(deadline, o.pause.give_up_at);
            if (o.pause.newer_written) deadline = earliest(deadline, o.pause.not_before);
        } else if (!pause_requested) {
            deadline = earliest(deadline, next_pause);
        }
        if (!p->full) deadline = earliest(deadline, start + p->run_ms * MS);
        else deadline = earliest(deadline, next_progress);
        wait_and_handle(deadline);
    }
}

/* Lets every worker finish its section and exit; kill -9 (recorded, as any
 * kill) for those that do not within 20 s. */
static void stop_workers(void) {
    o.stopping = 1;
    atomic_store(&o.shared->want_pause, 0);
    atomic_store(&o.shared->stop, 1);
    end_pause(1);
    int64_t deadline = chaos_now() + 20000 * MS;
    int killed_stragglers = 0;
    for (;;) {
        int alive = 0;
        for (int i = 0; i < CHAOS_WORKERS; i++) alive += o.workers[i].pid > 0;
        if (!alive) return;
        if (!killed_stragglers && chaos_now() >= deadline) {
            killed_stragglers = 1;
            for (int i = 0; i < CHAOS_WORKERS; i++) {
                if (o.workers[i].pid <= 0 || o.workers[i].dying) continue;
                fprintf(stderr, "chaos: worker slot %d did not stop within 20 s (phase %d); killing it\n", i,
                        (int)atomic_load(&o.shared->slots[i].phase));
                o.incarnations[o.workers[i].incarnation].killed_at = chaos_now();
                kill(o.workers[i].pid, SIGKILL);
                o.workers[i].dying = 1;
            }
        }
        wait_and_handle(killed_stragglers ? chaos_now() + 1000 * MS : deadline);
    }
}

/* --- The report ------------------------------------------------------------- */

static int floor_check(const char *what, uint64_t value, uint64_t floor) {
    if (value >= floor) return 0;
    failure("too little %s: %" PRIu64 ", the floor is %" PRIu64, what, value, floor);
    return 1;
}

static int must_be_zero(const char *what, uint64_t value) {
    if (value == 0) return 0;
    failure("%s: %" PRIu64 " (must be 0)", what, value);
    return 1;
}

static void report(const struct chaos_check_result *r, int64_t wall) {
    const struct chaos_shared *sh = o.shared;
    const struct fault_counts *f = &o.faults;
    const struct daemon_counters *dc = &o.daemon_counters;
    uint64_t holder_kills = f->kills_by_phase[PHASE_HOLDING] + f->kills_by_phase[PHASE_PREWRITE_PAUSE];
    uint64_t waiter_kills = f->kills_by_phase[PHASE_WAITING];
    printf("deadbolt chaos (%s): %d workers, %d resources, %.1f s\n", o.plan->name, CHAOS_WORKERS, CHAOS_RESOURCES,
           (double)wall / 1e9);
    printf("  acquisitions              %10" PRIu64 "  (exclusive %" PRIu64 ", shared %" PRIu64 ")\n",
           atomic_load(&sh->granted), atomic_load(&sh->granted_exclusive), atomic_load(&sh->granted_shared));
    printf("  overlaps                  %10" PRIu64 "  (must be 0; %" PRIu64 " exclusive and %" PRIu64
           " shared sections checked)\n",
           r->overlaps, r->exclusive_checked, r->shared_checked);
    printf("  tokens backwards          %10" PRIu64 "  (must be 0; %" PRIu64 " grants compared with an earlier one)\n",
           r->tokens_backwards, r->token_checked);
    printf("  stale tokens accepted     %10" PRIu64 "  (must be 0; of %" PRIu64 " writes to the fenced store)\n",
           r->stale_accepted, r->store_writes);
    printf("  valid holders rejected    %10" PRIu64 "  (must be 0)\n", r->valid_rejected);
    printf("  locks lost without cause  %10" PRIu64 "  (must be 0)\n", r->lost_without_cause);
    printf("  leases outlived           %10" PRIu64 "  (must be 0; unlocks sent after the lease's end that succeeded)\n",
           r->leases_outlived);
    printf("  protocol errors           %10" PRIu64 "  (must be 0; -EPROTO: an answer the client could not match)\n",
           atomic_load(&sh->protocol_errors));
    printf("  stale writes rejected     %10" PRIu64 "  (%" PRIu64 " by paused holders; of %" PRIu64
           " paused holders %" PRIu64 " were accepted, %" PRIu64 " found their lock gone)\n",
           r->stale_rejected, r->paused_rejected, r->paused_sections, r->paused_accepted, r->paused_unlock_failed);
    printf("  daemon restarts survived  %10" PRIu64 "  (runs after a kill -9 that granted locks, of %" PRIu64
           " restarts)\n",
           r->instances_with_grants, f->restarts);
    printf("  faults: worker kill -9 %" PRIu64 " (holding %" PRIu64 ", waiting %" PRIu64 ", trying %" PRIu64
           ", connecting %" PRIu64 ", between sections %" PRIu64 "); daemon kill -9 %" PRIu64 "\n",
           f->worker_kills, holder_kills, waiter_kills, f->kills_by_phase[PHASE_TRYING],
           f->kills_by_phase[PHASE_CONNECTING], f->kills_by_phase[PHASE_IDLE], f->daemon_kills);
    printf("          SIGSTOP of holders %" PRIu64 " (resumed past their lease once a newer holder wrote %" PRIu64
           ", no newer write within 5 s %" PRIu64 ", resumed by the end of the run %" PRIu64
           "; stops that missed the holder %" PRIu64 ")\n",
           f->pauses_verified, f->pauses_newer_written, f->pauses_no_newer, f->pauses_cut_by_stop, f->pauses_missed);
    printf("  workers: tries not granted %" PRIu64 ", wait timeouts %" PRIu64 ", unlocks that failed %" PRIu64
           ", LOST events %" PRIu64 ",\n           connections %" PRIu64 ", connection losses %" PRIu64
           ", connect retries %" PRIu64 ", processes %u\n",
           atomic_load(&sh->not_granted), atomic_load(&sh->wait_timeouts), atomic_load(&sh->unlock_failed),
           atomic_load(&sh->lost_events), atomic_load(&sh->connects), atomic_load(&sh->connection_losses),
           atomic_load(&sh->connect_retries), o.incarnation_count);
    printf("  daemon (%" PRIu64 " of %u runs read before their kill): grants %" PRIu64 ", lease expiries %" PRIu64
           " (silent %" PRIu64 "), LOST sent %" PRIu64 ", wait timeouts %" PRIu64 "\n",
           dc->runs_read, o.instance_count, dc->grants, dc->expiries, dc->silent_expiries, dc->lost, dc->timeouts);
    printf("  interval ends: unlock %" PRIu64 ", unlock sent %" PRIu64 ", lease %" PRIu64 ", daemon kill %" PRIu64
           ", worker kill %" PRIu64 "; empty %" PRIu64 ", unknown daemon %" PRIu64 "\n",
           r->ends_by_unlock, r->ends_by_attempted_unlock, r->ends_by_lease, r->ends_by_daemon_kill,
           r->ends_by_worker_kill, r->empty_intervals, r->unknown_daemon);
    fflush(stdout);
}

static int evaluate(const struct chaos_check_result *r) {
    const struct plan *p = o.plan;
    const struct fault_counts *f = &o.faults;
    int bad = 0;
    bad |= must_be_zero("overlaps", r->overlaps);
    bad |= must_be_zero("tokens backwards", r->tokens_backwards);
    bad |= must_be_zero("stale tokens accepted", r->stale_accepted);
    bad |= must_be_zero("valid holders rejected", r->valid_rejected);
    bad |= must_be_zero("locks lost without cause", r->lost_without_cause);
    bad |= must_be_zero("leases outlived", r->leases_outlived);
    bad |= must_be_zero("sections on an unknown daemon run", r->unknown_daemon);
    if (atomic_load(&o.shared->unexpected)) {
        failure("unexpected return values: %" PRIu64 ", the first: %s", atomic_load(&o.shared->unexpected),
                o.shared->first_unexpected);
        bad = 1;
    }
    bad |= floor_check("acquisitions", atomic_load(&o.shared->granted), p->min_acquisitions);
    bad |= floor_check("daemon restarts survived", r->instances_with_grants, p->min_restarts_survived);
    bad |= floor_check("worker kills", f->worker_kills, p->min_worker_kills);
    bad |= floor_check("kills of holders", f->kills_by_phase[PHASE_HOLDING] + f->kills_by_phase[PHASE_PREWRITE_PAUSE],
                       p->min_holder_kills);
    bad |= floor_check("kills of waiters", f->kills_by_phase[PHASE_WAITING], p->min_waiter_kills);
    bad |= floor_check("stale writes of paused holders rejected", r->paused_rejected, p->min_paused_rejected);
    bad |= floor_check("stale writes rejected", r->stale_rejected, p->min_stale_rejected);
    bad |= floor_check("grants compared for token order", r->token_checked, p->min_token_checked);
    bad |= floor_check("sections ended by their lease", r->ends_by_lease, p->min_lease_ends);
    return bad;
}

/* --- main -------------------------------------------------------------------- */

static void usage(void) {
    fprintf(stderr, "usage: chaos --smoke|--full [--seconds N] [--seed N]\n"
                    "  The daemon is $DEADBOLTD, else .build/debug/deadboltd.\n");
    exit(2);
}

int main(int argc, char **argv) {
    struct plan plan;
    int have_mode = 0;
    uint64_t seed = (uint64_t)chaos_now() ^ ((uint64_t)getpid() << 32);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--smoke") == 0) {
            plan = smoke_plan;
            have_mode = 1;
        } else if (strcmp(argv[i], "--full") == 0) {
            plan = full_plan;
            have_mode = 1;
        } else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc && have_mode) {
            plan.run_ms = strtoll(argv[++i], NULL, 10) * 1000;
        } else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
            seed = strtoull(argv[++i], NULL, 0);
        } else {
            usage();
        }
    }
    if (!have_mode) usage();
    o.plan = &plan;
    o.random = seed | 1;
    o.self = getpid();
    o.t0 = chaos_now();
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct sigaction on_stop = {.sa_handler = on_signal};
    sigaction(SIGINT, &on_stop, NULL);
    sigaction(SIGTERM, &on_stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    const char *daemon = getenv("DEADBOLTD");
    printf("deadbolt chaos (%s): daemon %s, seed 0x%" PRIx64 "\n", plan.name, daemon && *daemon ? daemon : ".build/debug/deadboltd",
           seed);

    o.shared = map_shared(sizeof *o.shared);
    o.shared->section_capacity = plan.section_capacity;
    o.shared->store_capacity = plan.section_capacity;
    o.sections = map_shared((size_t)plan.section_capacity * sizeof *o.sections);
    o.store_log = map_shared((size_t)plan.section_capacity * sizeof *o.store_log);
    o.incarnations = calloc(CHAOS_MAX_INCARNATIONS, sizeof *o.incarnations);
    if (!o.incarnations) fatal("out of memory");

    int pause_pipe[2];
    if (pipe2(pause_pipe, O_CLOEXEC | O_NONBLOCK) != 0) fatal("pipe: %s", strerror(errno));
    o.pause_read = pause_pipe[0];
    o.pause_write = pause_pipe[1];

    start_daemon();
    start_store();
    for (int i = 0; i < CHAOS_WORKERS; i++) spawn_worker(i);

    run_faults();
    stop_workers();
    stop_store();
    if (o.daemon_up) {
        read_daemon_counters();
        o.instances[o.instance_count - 1].killed_at = chaos_now();
    }
    test_daemon_cleanup(&o.daemon);
    o.daemon_started = 0;

    struct chaos_check_input in = {
        .shared = o.shared,
        .sections = o.sections,
        .section_count = atomic_load(&o.shared->next_section) < plan.section_capacity ? atomic_load(&o.shared->next_section)
                                                                                      : plan.section_capacity,
        .incarnations = o.incarnations,
        .instances = o.instances,
        .instance_count = o.instance_count,
        .log = o.store_log,
        .log_count = atomic_load(&o.shared->store_count),
        .t0 = o.t0,
    };
    struct chaos_check_result result;
    chaos_check(&in, &result);
    int64_t wall = chaos_now() - o.t0;
    report(&result, wall);
    evaluate(&result);
    if (o.failures) {
        printf("FAIL: %d problem(s); the first: %s\n", o.failures, o.first_failure);
        return 1;
    }
    printf("PASS\n");
    return 0;
}
