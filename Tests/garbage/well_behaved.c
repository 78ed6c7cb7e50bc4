/* SPDX-License-Identifier: MIT */
/*
 * The well-behaved client: root, one connection through libdeadbolt, a loop
 * of lock + unlock on 64 resources of its own, exclusive and session-bound,
 * one in four with a 30 s lease. Nobody else takes these locks, so every
 * call must succeed, and each grant's token must be above the last one of
 * its resource. It records each pair's latency (both round trips) and stops
 * at its first error, which fails the run.
 */
#define _GNU_SOURCE
#include "garbage.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

enum { RESOURCES = 64, LEASE_MS = 30000, WAIT_MS = 10000 };

static void record_error(struct client_result *r, int rc, const char *what) {
    r->error = rc;
    copy_text(r->first_error, sizeof r->first_error, "%s after %llu cycles: %s", what,
              (unsigned long long)r->cycles, deadbolt_strerror(rc));
}

void well_behaved_main(struct shared *sh, struct sample *samples) {
    struct client_result *r = &sh->client;
    deadbolt_connect_options co;
    deadbolt_connect_options_init(&co);
    co.client_name = "garbage-well-behaved";
    deadbolt_t *c = NULL;
    int rc = deadbolt_connect_with(sh->socket_path, &co, &c);
    if (rc < 0) {
        record_error(r, rc, "connect");
        _exit(1);
    }
    char names[RESOURCES][32];
    uint64_t last_token[RESOURCES] = {0};
    for (int i = 0; i < RESOURCES; i++) snprintf(names[i], sizeof names[i], "garbage/client/%d", i);

    deadbolt_lock_options o;
    deadbolt_lock_options_init(&o);
    o.mode = DEADBOLT_EXCLUSIVE;
    o.wait_ms = WAIT_MS;
    while (!atomic_load(&sh->client_stop)) {
        int i = (int)(r->cycles % RESOURCES);
        o.ttl_ms = r->cycles % 4 == 3 ? LEASE_MS : 0;
        double t0 = now_s();
        uint64_t token = 0;
        rc = deadbolt_lock(c, names[i], &o, &token);
        if (rc < 0) {
            record_error(r, rc, "lock");
            break;
        }
        rc = deadbolt_unlock(c, names[i], NULL);
        if (rc < 0) {
            record_error(r, rc, "unlock");
            break;
        }
        double t1 = now_s();
        if (token <= last_token[i]) {
            r->error = -1;
            copy_text(r->first_error, sizeof r->first_error, "%s granted token %llu after %llu", names[i],
                      (unsigned long long)token, (unsigned long long)last_token[i]);
            break;
        }
        r->tokens_checked += last_token[i] != 0;
        last_token[i] = token;
        if (r->samples < MAX_SAMPLES) {
            samples[r->samples].start_ms = (uint32_t)((t0 - sh->epoch_s) * 1e3);
            samples[r->samples].latency_us = (uint32_t)((t1 - t0) * 1e6);
            r->samples++;
        }
        r->cycles++;
        atomic_store(&sh->client_cycles, r->cycles);
    }
    deadbolt_close(c);
    _exit(r->error ? 1 : 0);
}
