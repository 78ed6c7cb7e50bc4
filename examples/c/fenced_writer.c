/* Fencing tokens, end to end: a writer whose lease ran out while it stalled
 * (a GC pause, a stopped VM, a slow disk) still believes it holds the lock.
 * The storage it writes to rejects it, because a newer holder has already
 * written with a higher token.
 *
 * `struct store` stands in for the protected system: a database row, an
 * object store, a file server. All it must do is remember the highest token
 * it has accepted and refuse anything lower.
 *
 * Exits 0 when the stale write was rejected and the fresh one kept. */
#include <deadbolt.h>
#include <stdio.h>
#include <string.h>

struct store {
    uint64_t highest_token;   /* the highest token a write was accepted with */
    char     value[64];
};

/* Accepts a write only if its token is not older than one already seen. */
static int store_write(struct store *s, uint64_t token, const char *value) {
    if (token < s->highest_token) {
        printf("store: rejected \"%s\": token %llu is older than %llu\n", value,
               (unsigned long long)token, (unsigned long long)s->highest_token);
        return -1;
    }
    s->highest_token = token;
    snprintf(s->value, sizeof s->value, "%s", value);
    printf("store: accepted \"%s\" with token %llu\n", value, (unsigned long long)token);
    return 0;
}

static int check(int err, const char *what) {
    if (err < 0) fprintf(stderr, "%s: %s\n", what, deadbolt_strerror(err));
    return err;
}

int main(void) {
    struct store store = {0};
    deadbolt_t *slow, *fresh;
    if (check(deadbolt_connect(NULL, &slow), "connect") < 0) return 1;
    if (check(deadbolt_connect(NULL, &fresh), "connect") < 0) return 1;

    /* The slow writer takes the lock with a 200 ms lease ... */
    deadbolt_lock_options o;
    deadbolt_lock_options_init(&o);
    o.ttl_ms = 200;
    uint64_t slow_token, fresh_token;
    if (check(deadbolt_lock(slow, "ledger", &o, &slow_token), "lock (slow)") < 0) return 1;
    printf("slow writer: holding ledger with token %llu, then stalling\n", (unsigned long long)slow_token);

    /* ... and stalls. Its lease runs out; the waiting writer is granted. */
    deadbolt_lock_options_init(&o);
    o.ttl_ms = 10000;
    o.wait_ms = 5000;
    if (check(deadbolt_lock(fresh, "ledger", &o, &fresh_token), "lock (fresh)") < 0) return 1;
    printf("fresh writer: holding ledger with token %llu\n", (unsigned long long)fresh_token);
    store_write(&store, fresh_token, "balance=200");

    /* The slow writer wakes up and writes, unaware: the store refuses. */
    int rejected = store_write(&store, slow_token, "balance=100") < 0;

    deadbolt_unlock(fresh, "ledger", NULL);
    deadbolt_close(fresh);
    deadbolt_close(slow);
    return rejected && strcmp(store.value, "balance=200") == 0 ? 0 : 1;
}
