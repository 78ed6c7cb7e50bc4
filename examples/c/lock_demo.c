#include <deadbolt.h>
#include <stdio.h>

int main(void) {
    deadbolt_t *db;
    int err = deadbolt_connect(NULL, &db);           /* $DEADBOLT_SOCKET, or the default socket */
    if (err < 0) return fprintf(stderr, "connect: %s\n", deadbolt_strerror(err)), 1;

    uint64_t token;                                  /* exclusive, waits its turn, dies with us */
    err = deadbolt_lock(db, "backup", NULL, &token);
    if (err < 0) return fprintf(stderr, "lock: %s\n", deadbolt_strerror(err)), 1;
    printf("holding backup, fencing token %llu\n", (unsigned long long)token);
    /* ... the work that must not overlap ... */
    deadbolt_unlock(db, "backup", NULL);
    deadbolt_close(db);
    return 0;
}
