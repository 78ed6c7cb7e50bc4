/* Reacting to a LOST event: work in an event loop that polls deadbolt_fd()
 * alongside its own fds, and stop touching the guarded resource the moment
 * the daemon says the lock is gone.
 *
 * Here the lease is 300 ms and, to show the event, the program renews it
 * only twice. A real program renews at a third of the lease (or takes the
 * lock without a lease, bound to its connection) and treats LOST as fatal
 * for the work in hand.
 *
 * Exits 0 when the LOST event arrived for the lock it held. */
#include <deadbolt.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

int main(void) {
    deadbolt_t *db;
    int err = deadbolt_connect(NULL, &db);
    if (err < 0) return fprintf(stderr, "connect: %s\n", deadbolt_strerror(err)), 1;

    deadbolt_lock_options o;
    deadbolt_lock_options_init(&o);
    o.ttl_ms = 300;
    uint64_t token;
    err = deadbolt_lock(db, "printer", &o, &token);
    if (err < 0) return fprintf(stderr, "lock: %s\n", deadbolt_strerror(err)), 1;
    printf("holding printer with token %llu, lease 300 ms\n", (unsigned long long)token);

    int renewals_left = 2;
    for (int idle_polls = 0; idle_polls < 50; ) { /* gives up after 5 s without the event */
        /* Events can arrive during any call; drain them before polling. */
        deadbolt_event ev;
        while ((err = deadbolt_next_event(db, &ev)) == 1) {
            if (ev.type == DEADBOLT_EVENT_LOST && strcmp(ev.resource, "printer") == 0) {
                printf("lost printer (token %llu, reason %s): stopping work\n", (unsigned long long)ev.token,
                       ev.reason == DEADBOLT_LOST_LEASE_EXPIRED ? "lease expired" : "other");
                deadbolt_close(db);
                return ev.token == token ? 0 : 1;
            }
        }
        if (err < 0) return fprintf(stderr, "events: %s\n", deadbolt_strerror(err)), 1;

        struct pollfd fds[1] = {{.fd = deadbolt_fd(db), .events = POLLIN}};
        int ready = poll(fds, 1, 100); /* the program's other fds would go here too */
        if (ready == 0) idle_polls++;
        if (ready == 0 && renewals_left > 0) {
            renewals_left--;
            err = deadbolt_renew(db, "printer", NULL, 300);
            if (err < 0) return fprintf(stderr, "renew: %s\n", deadbolt_strerror(err)), 1;
            printf("renewed, working on\n");
        }
    }
    fprintf(stderr, "no LOST event within 5 s\n");
    return 1;
}
