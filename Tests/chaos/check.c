/* SPDX-License-Identifier: MIT */
/*
 * The checker: reads the sections the workers recorded, the daemon runs and
 * worker kills the orchestrator recorded, and the fenced store's log, after
 * every other process is gone.
 *
 * A section's interval is [t_enter, end], where end is a lower bound of the
 * moment the lock stopped being held (README.md, "Interval bounds"): the
 * truth is never shorter, so an overlap of two such intervals is a real one.
 */
#define _GNU_SOURCE
#include "chaos.h"
#include "deadbolt.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { REPORT_LIMIT = 5 };

enum end_cause { END_UNLOCK, END_ATTEMPTED_UNLOCK, END_LEASE, END_DAEMON_KILL, END_WORKER_KILL, END_NONE };
static const char *const cause_names[] = {"unlocked", "unlock sent", "lease", "daemon kill", "worker kill", "none"};

struct interval {
    uint32_t section;
    int64_t enter, end;
    enum end_cause cause;
};

struct checker {
    const struct chaos_check_input *in;
    struct chaos_check_result *out;
    struct interval *intervals;     /* per granted section, by resource */
    const struct chaos_instance **by_launch; /* daemon runs by launch time */
};

static double ms(const struct checker *c, int64_t t) {
    return (double)(t - c->in->t0) / 1e6;
}

/* The daemon run a section's connection went to: the latest run launched
 * before the request whose pid is the connection's peer pid (pids wrap, runs
 * do not overlap). NULL if none. */
static const struct chaos_instance *instance_of(const struct checker *c, const struct chaos_section *s) {
    uint32_t lo = 0, hi = c->in->instance_count; /* first run launched after t_request */
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (c->by_launch[mid]->launched_at <= s->t_request) lo = mid + 1;
        else hi = mid;
    }
    while (lo > 0) {
        const struct chaos_instance *run = c->by_launch[--lo];
        if (run->pid == s->daemon_pid) return run;
    }
    return NULL;
}

static int is_not_held(int rc) {
    return rc == -ENOENT || rc == -EPERM;
}

/* A lower bound of when the section's lock ended: the least of the lower
 * bounds of every way it could have ended. */
static int64_t section_end(struct checker *c, const struct chaos_section *s, enum end_cause *cause) {
    uint8_t state = atomic_load(&s->state);
    if (state == SECTION_DONE && s->unlock_rc == 0) {
        *cause = END_UNLOCK;
        return s->t_exit;
    }
    int64_t end = INT64_MAX;
    *cause = END_NONE;
#define CANDIDATE(t, why)          \
    do {                           \
        if ((t) < end) {           \
            end = (t);             \
            *cause = (why);        \
        }                          \
    } while (0)
    /* An unlock sent but not answered (or answered by a broken connection)
     * may have been carried out. */
    if (state >= SECTION_EXITING && !(state == SECTION_DONE && is_not_held(s->unlock_rc)))
        CANDIDATE(s->t_exit, END_ATTEMPTED_UNLOCK);
    /* The lease runs from the grant, which came after the request. */
    if (s->ttl_ms > 0) CANDIDATE(s->t_request + (int64_t)s->ttl_ms * 1000000, END_LEASE);
    /* A detached lease outlives its connection and its daemon (the next run
     * keeps a grace period), so only the lease and the unlock end it. */
    if (s->kind != KIND_DETACHED) {
        const struct chaos_instance *run = instance_of(c, s);
        if (!run) {
            c->out->unknown_daemon++;
            *cause = END_NONE;
            return s->t_enter; /* unknown: no claim made on it */
        }
        if (run->killed_at) CANDIDATE(run->killed_at, END_DAEMON_KILL);
        const struct chaos_incarnation *worker = &c->in->incarnations[s->incarnation];
        if (worker->killed_at) CANDIDATE(worker->killed_at, END_WORKER_KILL);
    }
#undef CANDIDATE
    return end == INT64_MAX ? s->t_enter : end;
}

static const char *kind_name(uint8_t kind) {
    return kind == KIND_SESSION ? "session" : kind == KIND_SESSION_TTL ? "session+ttl" : "detached";
}

static const char *wait_name(uint8_t wait) {
    return wait == WAIT_TRY ? "try" : wait == WAIT_BOUNDED ? "bounded wait" : "wait forever";
}

static void print_section(const struct checker *c, const char *label, uint32_t index, int64_t end,
                          enum end_cause cause) {
    const struct chaos_section *s = &c->in->sections[index];
    const struct chaos_incarnation *worker = &c->in->incarnations[s->incarnation];
    fprintf(stderr,
            "    %s section %u: resource %u %s %s ttl %u ms, %s, token %" PRIu64
            ", requested %.3f, entered %.3f, exit %.3f, end >= %.3f (%s), unlock %d (%s), state %u, "
            "daemon pid %d, worker pid %d%s",
            label, index, s->resource, s->mode == DEADBOLT_EXCLUSIVE ? "exclusive" : "shared", kind_name(s->kind),
            s->ttl_ms, wait_name(s->wait), s->token, ms(c, s->t_request), ms(c, s->t_enter),
            atomic_load(&s->state) >= SECTION_EXITING ? ms(c, s->t_exit) : -1.0, ms(c, end), cause_names[cause],
            s->unlock_rc, deadbolt_strerror(s->unlock_rc), atomic_load(&s->state), s->daemon_pid, worker->pid,
            s->paused ? ", paused" : "");
    if (worker->killed_at) fprintf(stderr, ", worker killed at %.3f", ms(c, worker->killed_at));
    fprintf(stderr, "\n");
}

/* qsort has no context argument. */
static const struct interval *sort_intervals;
static const struct chaos_section *sort_sections;

static int by_enter(const void *a, const void *b) {
    const struct interval *x = a, *y = b;
    return (x->enter > y->enter) - (x->enter < y->enter);
}

static int by_request(const void *a, const void *b) {
    int64_t x = sort_sections[sort_intervals[*(const uint32_t *)a].section].t_request;
    int64_t y = sort_sections[sort_intervals[*(const uint32_t *)b].section].t_request;
    return (x > y) - (x < y);
}

static int by_launch(const void *a, const void *b) {
    const struct chaos_instance *x = *(const struct chaos_instance *const *)a;
    const struct chaos_instance *y = *(const struct chaos_instance *const *)b;
    return (x->launched_at > y->launched_at) - (x->launched_at < y->launched_at);
}

/* Overlaps on one resource: in order of entry, a section that enters before
 * the latest end among the earlier conflicting ones overlaps that one. */
static void check_overlaps(struct checker *c, struct interval *v, size_t n) {
    const struct chaos_section *sections = c->in->sections;
    int64_t max_any = INT64_MIN, max_exclusive = INT64_MIN;
    size_t arg_any = 0, arg_exclusive = 0;
    for (size_t i = 0; i < n; i++) {
        /* An empty interval claims nothing: the lock may have been gone
         * before its holder even saw the grant (a lease that ran out while
         * the holder waited for the CPU). */
        if (v[i].end <= v[i].enter) continue;
        const struct chaos_section *s = &sections[v[i].section];
        int exclusive = s->mode == DEADBOLT_EXCLUSIVE;
        int64_t limit = exclusive ? max_any : max_exclusive;
        size_t other = exclusive ? arg_any : arg_exclusive;
        if (v[i].enter < limit) {
            if (c->out->overlaps < REPORT_LIMIT) {
                fprintf(stderr, "  overlap on resource %u:\n", s->resource);
                print_section(c, "earlier", v[other].section, v[other].end, v[other].cause);
                print_section(c, "later  ", v[i].section, v[i].end, v[i].cause);
            }
            c->out->overlaps++;
        }
        if (v[i].end > max_any) {
            max_any = v[i].end;
            arg_any = i;
        }
        if (exclusive && v[i].end > max_exclusive) {
            max_exclusive = v[i].end;
            arg_exclusive = i;
        }
    }
}

/* Tokens on one resource: a grant seen (t_enter) before another was even
 * requested (t_request) came first, so its token must be smaller, whatever
 * the modes, whatever restarts came between. */
static void check_tokens(struct checker *c, struct interval *v, size_t n) {
    const struct chaos_section *sections = c->in->sections;
    uint32_t *order = malloc(n * sizeof *order);
    if (!order && n) {
        fprintf(stderr, "chaos: out of memory\n");
        exit(2);
    }
    for (size_t i = 0; i < n; i++) order[i] = (uint32_t)i;
    sort_intervals = v;
    sort_sections = sections;
    qsort(order, n, sizeof *order, by_request); /* v itself is in entry order */
    size_t j = 0, arg_max = 0;
    uint64_t max_token = 0;
    for (size_t k = 0; k < n; k++) {
        const struct chaos_section *b = &sections[v[order[k]].section];
        for (; j < n && v[j].enter < b->t_request; j++) {
            uint64_t token = sections[v[j].section].token;
            if (token >= max_token) {
                max_token = token;
                arg_max = j;
            }
        }
        if (j == 0) continue;
        c->out->token_checked++;
        if (max_token >= b->token) {
            if (c->out->tokens_backwards < REPORT_LIMIT) {
                fprintf(stderr, "  token not above an earlier grant's on resource %u:\n", b->resource);
                print_section(c, "earlier", v[arg_max].section, v[arg_max].end, v[arg_max].cause);
                print_section(c, "later  ", v[order[k]].section, v[order[k]].end, v[order[k]].cause);
            }
            c->out->tokens_backwards++;
        }
    }
    free(order);
}

static void check_store(struct checker *c) {
    const struct chaos_check_input *in = c->in;
    struct chaos_check_result *out = c->out;
    uint64_t max_token[CHAOS_RESOURCES] = {0};
    for (uint32_t i = 0; i < in->log_count; i++) {
        const struct chaos_store_entry *e = &in->log[i];
        out->store_writes++;
        if (e->resource >= CHAOS_RESOURCES || e->section >= in->section_count) {
            fprintf(stderr, "  store log entry %u is corrupt\n", i);
            out->stale_accepted++;
            continue;
        }
        const struct chaos_section *s = &in->sections[e->section];
        if (e->accepted) {
            /* Recomputed here, not taken from the store's own rule. */
            if (e->token <= max_token[e->resource]) {
                if (out->stale_accepted < REPORT_LIMIT)
                    fprintf(stderr,
                            "  stale token accepted: write %u on resource %u with token %" PRIu64
                            ", after token %" PRIu64 " was accepted\n",
                            i, e->resource, e->token, max_token[e->resource]);
                out->stale_accepted++;
            } else {
                max_token[e->resource] = e->token;
            }
        } else {
            out->stale_rejected++;
            if (atomic_load(&s->state) == SECTION_DONE && s->unlock_rc == 0) {
                if (out->valid_rejected < REPORT_LIMIT) {
                    fprintf(stderr,
                            "  a holder's write was rejected, yet its unlock succeeded: write %u, token %" PRIu64
                            " < accepted %" PRIu64 "\n",
                            i, e->token, max_token[e->resource]);
                    print_section(c, "holder", e->section, s->t_exit, END_UNLOCK);
                }
                out->valid_rejected++;
            }
        }
    }
}

void chaos_check(const struct chaos_check_input *in, struct chaos_check_result *out) {
    memset(out, 0, sizeof *out);
    struct checker c = {.in = in, .out = out};
    c.intervals = malloc((size_t)in->section_count * sizeof *c.intervals + 1);
    c.by_launch = malloc((size_t)in->instance_count * sizeof *c.by_launch + 1);
    unsigned char *has_grants = calloc(in->instance_count + 1, 1);
    if (!c.intervals || !c.by_launch || !has_grants) {
        fprintf(stderr, "chaos: out of memory\n");
        exit(2);
    }
    for (uint32_t i = 0; i < in->instance_count; i++) c.by_launch[i] = &in->instances[i];
    qsort(c.by_launch, in->instance_count, sizeof *c.by_launch, by_launch);

    /* Intervals, grouped by resource. */
    size_t per_resource[CHAOS_RESOURCES] = {0}, start[CHAOS_RESOURCES + 1] = {0};
    for (uint32_t i = 0; i < in->section_count; i++) {
        const struct chaos_section *s = &in->sections[i];
        if (atomic_load(&s->state) >= SECTION_ENTERED) per_resource[s->resource]++;
    }
    for (int r = 0; r < CHAOS_RESOURCES; r++) start[r + 1] = start[r] + per_resource[r];
    size_t fill[CHAOS_RESOURCES];
    memcpy(fill, start, sizeof fill);
    for (uint32_t i = 0; i < in->section_count; i++) {
        const struct chaos_section *s = &in->sections[i];
        uint8_t state = atomic_load(&s->state);
        if (state < SECTION_ENTERED) continue;
        out->sections_granted++;
        if (s->mode == DEADBOLT_EXCLUSIVE) out->exclusive_checked++;
        else out->shared_checked++;
        if (s->paused) {
            out->paused_sections++;
            if (s->store_result == STORE_REJECTED) out->paused_rejected++;
            if (s->store_result == STORE_ACCEPTED) out->paused_accepted++;
            if (state == SECTION_DONE && s->unlock_rc != 0) out->paused_unlock_failed++;
        }

        struct interval *v = &c.intervals[fill[s->resource]++];
        v->section = i;
        v->enter = s->t_enter;
        v->end = section_end(&c, s, &v->cause);
        switch (v->cause) {
        case END_UNLOCK: out->ends_by_unlock++; break;
        case END_ATTEMPTED_UNLOCK: out->ends_by_attempted_unlock++; break;
        case END_LEASE: out->ends_by_lease++; break;
        case END_DAEMON_KILL: out->ends_by_daemon_kill++; break;
        case END_WORKER_KILL: out->ends_by_worker_kill++; break;
        case END_NONE: break;
        }
        if (v->end <= v->enter) out->empty_intervals++;

        /* The daemon ends due leases before it looks up a hold, and the lease
         * ended by t_enter + ttl at the latest (the grant came before t_enter):
         * an unlock sent after that must not find the hold. */
        if (s->ttl_ms > 0 && state == SECTION_DONE && s->unlock_rc == 0 &&
            s->t_exit > s->t_enter + (int64_t)s->ttl_ms * 1000000) {
            if (out->leases_outlived < REPORT_LIMIT) {
                fprintf(stderr, "  an unlock sent after the lease had ended succeeded:\n");
                print_section(&c, "outlived", i, v->end, v->cause);
            }
            out->leases_outlived++;
        }

        /* A session-bound lock without a lease ends only with its unlock,
         * its session or its daemon: "not held" from a live daemon is a loss
         * without a cause. */
        if (s->kind == KIND_SESSION && state == SECTION_DONE && is_not_held(s->unlock_rc)) {
            if (out->lost_without_cause < REPORT_LIMIT) {
                fprintf(stderr, "  a session-bound lock without a lease was lost while its session lived:\n");
                print_section(&c, "lost", i, v->end, v->cause);
            }
            out->lost_without_cause++;
        }
        const struct chaos_instance *run = instance_of(&c, s);
        if (run) has_grants[run - in->instances] = 1;
    }
    for (uint32_t i = 1; i < in->instance_count; i++) out->instances_with_grants += has_grants[i];

    for (int r = 0; r < CHAOS_RESOURCES; r++) {
        struct interval *v = &c.intervals[start[r]];
        size_t n = per_resource[r];
        qsort(v, n, sizeof *v, by_enter);
        check_overlaps(&c, v, n);
        check_tokens(&c, v, n);
    }
    check_store(&c);
    free(has_grants);
    free(c.by_launch);
    free(c.intervals);
}
