/* SPDX-License-Identifier: MIT */
/*
 * The fenced store: a process that stands for the system a lock protects. A
 * write carries the writer's fencing token and is accepted only if the token
 * is above every token the store has accepted for that resource; otherwise
 * it is a stale writer's and is rejected. Every write goes to a log in shared
 * memory, in the order the store decided, for the checker to recompute.
 *
 * Workers connect over SOCK_SEQPACKET (one message per write, one byte
 * back). When the stop pipe hangs up, the store takes what is still queued,
 * waits for every worker connection to close, and exits.
 */
#define _GNU_SOURCE
#include "chaos.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum { MAX_CLIENTS = 1024, FIXED_FDS = 2 };

struct store {
    const struct chaos_store_config *config;
    struct chaos_shared *shared;
    uint64_t max_token[CHAOS_RESOURCES]; /* highest accepted, per resource */
    struct pollfd fds[FIXED_FDS + MAX_CLIENTS];
    nfds_t count;
};

static uint8_t decide(struct store *s, const struct chaos_store_request *request) {
    if (request->resource >= CHAOS_RESOURCES) return 0;
    uint8_t accepted = request->token > s->max_token[request->resource];
    if (accepted) {
        s->max_token[request->resource] = request->token;
        atomic_store(&s->shared->store_max_token[request->resource], request->token);
    }

    uint32_t n = atomic_load_explicit(&s->shared->store_count, memory_order_relaxed);
    if (n < s->shared->store_capacity) {
        s->config->log[n] = (struct chaos_store_entry){
            .token = request->token, .section = request->section, .resource = request->resource, .accepted = accepted};
        atomic_store_explicit(&s->shared->store_count, n + 1, memory_order_release);
    }

    /* The orchestrator waits for a newer token than a paused holder's. */
    if (accepted && atomic_load(&s->shared->watch_armed) &&
        atomic_load(&s->shared->watch_resource) == request->resource &&
        request->token > atomic_load(&s->shared->watch_token) && atomic_exchange(&s->shared->watch_armed, 0)) {
        uint64_t one = 1;
        if (write(s->config->watch_fd, &one, sizeof one) != sizeof one) {
            fprintf(stderr, "chaos store: eventfd: %s\n", strerror(errno));
        }
    }
    return accepted;
}

/* Serves every message queued on a client. Returns -1 once it has closed. */
static int serve(struct store *s, int fd) {
    for (;;) {
        struct chaos_store_request request;
        ssize_t got = recv(fd, &request, sizeof request, MSG_DONTWAIT);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
        if (got <= 0) return -1; /* closed (a worker exited or was killed) */
        if (got != (ssize_t)sizeof request) {
            fprintf(stderr, "chaos store: a write of %zd bytes\n", got);
            _exit(4);
        }
        uint8_t answer = decide(s, &request);
        /* A killed writer cannot read its answer: that is fine. */
        if (send(fd, &answer, 1, MSG_NOSIGNAL | MSG_DONTWAIT) != 1 && errno != EPIPE && errno != ECONNRESET) {
            fprintf(stderr, "chaos store: send: %s\n", strerror(errno));
            _exit(4);
        }
    }
}

static void accept_all(struct store *s) {
    for (;;) {
        int fd = accept4(s->config->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            return; /* EAGAIN: none left */
        }
        if (s->count == FIXED_FDS + MAX_CLIENTS) {
            fprintf(stderr, "chaos store: more than %d writers at once\n", MAX_CLIENTS);
            _exit(4);
        }
        s->fds[s->count++] = (struct pollfd){.fd = fd, .events = POLLIN};
    }
}

_Noreturn void chaos_store_main(const struct chaos_store_config *config) {
    signal(SIGPIPE, SIG_IGN);
    static struct store s;
    s.config = config;
    s.shared = config->shared;
    s.fds[0] = (struct pollfd){.fd = config->listen_fd, .events = POLLIN};
    s.fds[1] = (struct pollfd){.fd = config->stop_fd, .events = POLLIN};
    s.count = FIXED_FDS;
    int stopping = 0;

    for (;;) {
        int ready = poll(s.fds, s.count, -1);
        if (ready < 0) {
            if (errno == EINTR) continue;
            fprintf(stderr, "chaos store: poll: %s\n", strerror(errno));
            _exit(4);
        }
        if (s.fds[1].revents) {
            stopping = 1;
            s.fds[1].fd = -1; /* poll ignores it from now on */
        }
        if (s.fds[0].revents || stopping) accept_all(&s);
        for (nfds_t i = FIXED_FDS; i < s.count;) {
            if (s.fds[i].revents && serve(&s, s.fds[i].fd) < 0) {
                close(s.fds[i].fd);
                s.fds[i] = s.fds[--s.count];
                continue;
            }
            i++;
        }
        /* Every worker is gone once the orchestrator hangs up: their
         * connections end after their last queued write. */
        if (stopping && s.count == FIXED_FDS) _exit(0);
    }
}
