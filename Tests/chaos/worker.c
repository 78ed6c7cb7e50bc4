/* SPDX-License-Identifier: MIT */
/*
 * A chaos worker: one process, one connection to the daemon through
 * libdeadbolt, one connection to the fenced store. It takes locks in every
 * mix the daemon offers and records each section in shared memory for the
 * checker. The orchestrator kills, stops and replaces workers at will, and
 * kills the daemon under them; a worker reconnects whenever the daemon is gone.
 */
#define _GNU_SOURCE
#include "chaos.h"
#include "deadbolt.h"

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static const char *const resource_names[CHAOS_RESOURCES] = {
    "chaos/0", "chaos/1", "chaos/2", "chaos/3", "chaos/4", "chaos/5", "chaos/6", "chaos/7",
};

enum {
    BACKOFF_FIRST_MS = 1,
    BACKOFF_MAX_MS = 20,
    BOUNDED_WAIT_MAX_MS = 300,
    /* One section in LINGER_ONE_IN holds its lock a little longer (up to
     * LINGER_MAX_US), so that sections have lengths of every scale. */
    LINGER_ONE_IN = 32,
    LINGER_MAX_US = 3000
};

struct worker {
    const struct chaos_worker_config *config;
    struct chaos_shared *shared;
    struct chaos_slot *slot;
    deadbolt_t *daemon;
    pid_t daemon_pid;
    int store_fd;
    uint64_t random;
    uint32_t section;
};

static void set_phase(struct worker *w, enum chaos_phase phase) {
    atomic_store_explicit(&w->slot->phase, (int32_t)phase, memory_order_release);
}

/* Counts a return value no rule of the test explains; the first one is kept
 * for the report. Any of them fails the run. */
static void unexpected(struct worker *w, const char *what, int rc) {
    atomic_fetch_add(&w->shared->unexpected, 1);
    if (rc == -EPROTO) atomic_fetch_add(&w->shared->protocol_errors, 1);
    if (atomic_exchange(&w->shared->unexpected_claimed, 1) == 0)
        snprintf(w->shared->first_unexpected, sizeof w->shared->first_unexpected,
                 "worker slot %d (incarnation %u): %s returned %d (%s), status %d", w->config->slot,
                 w->config->incarnation, what, rc, deadbolt_strerror(rc), deadbolt_last_status(w->daemon));
}

static void sleep_until(int64_t deadline) {
    struct timespec t = {.tv_sec = deadline / 1000000000, .tv_nsec = deadline % 1000000000};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL) == EINTR) {
    }
}

static void sleep_us(int64_t microseconds) {
    sleep_until(chaos_now() + microseconds * 1000);
}

/* Takes a fresh section record; the current one is kept when its acquire
 * was not granted. Out of records, the whole run stops. */
static int claim_section(struct worker *w) {
    uint32_t index = atomic_fetch_add(&w->shared->next_section, 1);
    if (index >= w->shared->section_capacity) {
        atomic_store(&w->shared->stop, 1);
        return -1;
    }
    w->section = index;
    atomic_store_explicit(&w->slot->section, index, memory_order_release);
    return 0;
}

static void drop_connection(struct worker *w) {
    deadbolt_close(w->daemon);
    w->daemon = NULL;
    atomic_fetch_add(&w->shared->connection_losses, 1);
}

/* The errors of a daemon that is gone or restarting. */
static int daemon_is_gone(int rc) {
    return rc == -ECONNRESET || rc == -ENOTCONN || rc == -ECONNREFUSED || rc == -ENOENT || rc == -EPIPE;
}

/* Connects, with a short growing backoff while the daemon is away. Returns
 * 0, or -1 once the run stops. */
static int connect_daemon(struct worker *w) {
    set_phase(w, PHASE_CONNECTING);
    int64_t backoff_ms = BACKOFF_FIRST_MS;
    while (!atomic_load(&w->shared->stop)) {
        deadbolt_connect_options o;
        deadbolt_connect_options_init(&o);
        o.client_name = "deadbolt chaos worker";
        int rc = deadbolt_connect_with(w->config->daemon_socket, &o, &w->daemon);
        if (rc == 0) {
            struct ucred peer;
            socklen_t length = sizeof peer;
            if (getsockopt(deadbolt_fd(w->daemon), SOL_SOCKET, SO_PEERCRED, &peer, &length) != 0) {
                unexpected(w, "getsockopt(SO_PEERCRED)", -errno);
                peer.pid = 0;
            }
            w->daemon_pid = peer.pid;
            atomic_fetch_add(&w->shared->connects, 1);
            set_phase(w, PHASE_IDLE);
            return 0;
        }
        atomic_fetch_add(&w->shared->connect_retries, 1);
        if (!daemon_is_gone(rc)) unexpected(w, "deadbolt_connect", rc);
        sleep_us(chaos_between(&w->random, backoff_ms * 500, backoff_ms * 1000));
        backoff_ms = backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff_ms * 2;
    }
    return -1;
}

static int connect_store(struct worker *w) {
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    size_t n = strlen(w->config->store_address);
    memcpy(a.sun_path + 1, w->config->store_address, n);
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n)) != 0) {
        fprintf(stderr, "chaos worker: cannot connect to the store: %s\n", strerror(errno));
        _exit(3);
    }
    return fd;
}

/* The section's one write to the fenced store, with its token. */
static void store_write(struct worker *w, struct chaos_section *s) {
    struct chaos_store_request request = {.token = s->token, .section = w->section, .resource = s->resource};
    uint8_t answer = 0;
    if (send(w->store_fd, &request, sizeof request, MSG_NOSIGNAL) != (ssize_t)sizeof request ||
        recv(w->store_fd, &answer, 1, 0) != 1) {
        fprintf(stderr, "chaos worker: the store went away: %s\n", strerror(errno));
        _exit(3);
    }
    s->store_result = answer ? STORE_ACCEPTED : STORE_REJECTED;
}

/* Offers this holder to the orchestrator for a pause, if it wants one, and
 * gives it time to stop us before the write. */
static void offer_pause(struct worker *w, const struct chaos_section *s) {
    /* Only a grant that came early in its wait: the checker's lower bound of
     * the lease's end, t_request + ttl, then lies well after t_enter, and the
     * paused section's interval is long. */
    if (s->t_enter - s->t_request > (int64_t)s->ttl_ms * 250000) return;
    if (!atomic_load(&w->shared->want_pause) || atomic_exchange(&w->shared->want_pause, 0) == 0) return;
    set_phase(w, PHASE_PREWRITE_PAUSE);
    struct chaos_pause_notice notice = {.slot = w->config->slot, .section = w->section};
    if (write(w->config->pause_fd, &notice, sizeof notice) != (ssize_t)sizeof notice) {
        atomic_store(&w->shared->want_pause, 1);
        set_phase(w, PHASE_HOLDING);
        return;
    }
    /* Half the lease: the orchestrator stops us within it, or the pause
     * counts as missed. An absolute deadline, so a stop does not stretch it. */
    sleep_until(s->t_enter + (int64_t)s->ttl_ms * 500000);
    set_phase(w, PHASE_HOLDING);
}

static void drain_events(struct worker *w) {
    deadbolt_event ev;
    int rc;
    while ((rc = deadbolt_next_event(w->daemon, &ev)) == 1) atomic_fetch_add(&w->shared->lost_events, 1);
    if (rc < 0) {
        if (!daemon_is_gone(rc)) unexpected(w, "deadbolt_next_event", rc);
        drop_connection(w);
    }
}

static void one_section(struct worker *w) {
    struct chaos_section *s = &w->config->sections[w->section];
    uint64_t *r = &w->random;

    s->resource = (uint8_t)(chaos_random(r) % CHAOS_RESOURCES);
    s->mode = chaos_random(r) % 4 == 0 ? DEADBOLT_SHARED : DEADBOLT_EXCLUSIVE;
    uint64_t k = chaos_random(r) % 100;
    s->kind = k < 40 ? KIND_SESSION : k < 75 ? KIND_SESSION_TTL : KIND_DETACHED;
    s->ttl_ms = s->kind == KIND_SESSION ? 0 : (uint16_t)chaos_between(r, CHAOS_TTL_MIN_MS, CHAOS_TTL_MAX_MS);
    uint64_t wk = chaos_random(r) % 10;
    s->wait = wk < 3 ? WAIT_TRY : wk < 7 ? WAIT_BOUNDED : WAIT_FOREVER;
    s->incarnation = w->config->incarnation;
    s->daemon_pid = w->daemon_pid;
    s->store_result = STORE_NONE;

    char owner[64] = "";
    deadbolt_lock_options o;
    deadbolt_lock_options_init(&o);
    o.mode = s->mode;
    o.ttl_ms = s->ttl_ms;
    o.wait_ms = s->wait == WAIT_TRY ? 0 : s->wait == WAIT_BOUNDED ? chaos_between(r, 1, BOUNDED_WAIT_MAX_MS)
                                                                  : DEADBOLT_WAIT_FOREVER;
    if (s->kind == KIND_DETACHED) {
        snprintf(owner, sizeof owner, "chaos-%u-%u", w->config->incarnation, w->section);
        o.owner = owner;
        o.flags = DEADBOLT_DETACHED;
    }
    const char *resource = resource_names[s->resource];

    set_phase(w, s->wait == WAIT_TRY ? PHASE_TRYING : PHASE_WAITING);
    s->t_request = chaos_now();
    atomic_store_explicit(&s->state, SECTION_REQUESTED, memory_order_release);
    uint64_t token = 0;
    int rc = deadbolt_lock(w->daemon, resource, &o, &token);
    if (rc != 0) {
        set_phase(w, PHASE_IDLE);
        int status = deadbolt_last_status(w->daemon);
        if (rc == -EAGAIN && status == DEADBOLT_STATUS_NOT_GRANTED) {
            atomic_fetch_add(&w->shared->not_granted, 1);
        } else if (rc == -ETIMEDOUT && status == DEADBOLT_STATUS_WAIT_TIMEOUT) {
            atomic_fetch_add(&w->shared->wait_timeouts, 1);
        } else if (deadbolt_fd(w->daemon) < 0) {
            if (!daemon_is_gone(rc)) unexpected(w, "deadbolt_lock", rc);
            drop_connection(w);
        } else {
            unexpected(w, "deadbolt_lock", rc);
        }
        return; /* the record is used again for the next request */
    }
    s->t_enter = chaos_now();
    s->token = token;
    atomic_store_explicit(&s->state, SECTION_ENTERED, memory_order_release);
    set_phase(w, PHASE_HOLDING);
    atomic_fetch_add(&w->shared->granted, 1);
    atomic_fetch_add(s->mode == DEADBOLT_EXCLUSIVE ? &w->shared->granted_exclusive : &w->shared->granted_shared, 1);

    if (s->mode == DEADBOLT_EXCLUSIVE && s->ttl_ms > 0) offer_pause(w, s);
    if (chaos_random(r) % LINGER_ONE_IN == 0) sleep_us(chaos_between(r, 0, LINGER_MAX_US));
    if (s->mode == DEADBOLT_EXCLUSIVE) store_write(w, s);

    s->t_exit = chaos_now();
    atomic_store_explicit(&s->state, SECTION_EXITING, memory_order_release);
    rc = deadbolt_unlock(w->daemon, resource, s->kind == KIND_DETACHED ? owner : NULL);
    s->t_unlocked = chaos_now();
    s->unlock_rc = (int16_t)rc;
    atomic_store_explicit(&s->state, SECTION_DONE, memory_order_release);
    set_phase(w, PHASE_IDLE);

    if (rc != 0) {
        atomic_fetch_add(&w->shared->unlock_failed, 1);
        if (deadbolt_fd(w->daemon) < 0) {
            if (!daemon_is_gone(rc)) unexpected(w, "deadbolt_unlock", rc);
            drop_connection(w);
        } else if (rc != -ENOENT && rc != -EPERM) {
            /* -ENOENT or -EPERM: the lease ran out first. The checker decides
             * whether that can be so. */
            unexpected(w, "deadbolt_unlock", rc);
        }
    }
    if (claim_section(w) != 0) return;
    if (w->daemon) drain_events(w);
}

_Noreturn void chaos_worker_main(const struct chaos_worker_config *config) {
    signal(SIGPIPE, SIG_IGN);

    struct worker w = {
        .config = config,
        .shared = config->shared,
        .slot = &config->shared->slots[config->slot],
        .random = config->seed | 1,
    };
    w.store_fd = connect_store(&w);
    if (claim_section(&w) != 0) _exit(0);
    while (!atomic_load(&w.shared->stop)) {
        if (!w.daemon && connect_daemon(&w) != 0) break;
        one_section(&w);
    }
    set_phase(&w, PHASE_IDLE);
    deadbolt_close(w.daemon);
    close(w.store_fd);
    _exit(0);
}
