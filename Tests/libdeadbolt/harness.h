/* SPDX-License-Identifier: MIT */
#ifndef DEADBOLT_TEST_HARNESS_H
#define DEADBOLT_TEST_HARNESS_H

/*
 * A real deadboltd for a test: started in a fresh temp directory, ready once
 * it says READY=1 on a notify socket (as under systemd), stopped by pid.
 *
 *     struct test_daemon d;
 *     if (test_daemon_start(&d, (const char *const[]){"--max-ttl-ms", "60000", NULL}) != 0) ...
 *     ... connect to d.socket_path ...
 *     test_daemon_cleanup(&d);
 *
 * The daemon is env DEADBOLTD, else .build/debug/deadboltd (relative to the
 * current directory). Failures are reported on stderr. Start and restart
 * from a thread that outlives the daemon (the main thread): the daemon gets
 * SIGTERM when that thread's process dies, so a crashed test leaves none
 * behind.
 */

#include <sys/types.h>

/* sockaddr_un.sun_path is 108 bytes; the directory leaves room for "/notify". */
#define TEST_DAEMON_PATH_MAX 108
#define TEST_DAEMON_DIR_MAX  (TEST_DAEMON_PATH_MAX - sizeof "/notify" + 1)

struct test_daemon {
    pid_t pid;                                /* > 0 while running, else 0 */
    int   pidfd;                              /* pidfd of pid, or -1 */
    char  dir[TEST_DAEMON_DIR_MAX];           /* the temp directory, mode 0755 */
    char  socket_path[TEST_DAEMON_PATH_MAX];  /* <dir>/d.sock */
    char  state_dir[TEST_DAEMON_PATH_MAX];    /* <dir>/state */
    char  notify_path[TEST_DAEMON_PATH_MAX];  /* <dir>/notify, bound only while starting */
};

/* Creates the temp directory and starts the daemon with --socket,
 * --state-dir, --log-level warning and extra_args (NULL-terminated; NULL =
 * none). Returns 0 once the daemon sent READY=1, or -1 (with a message on
 * stderr) if it exited first or was not ready within 30 s; the directory is
 * then removed again. */
int test_daemon_start(struct test_daemon *d, const char *const extra_args[]);

/* Starts the daemon again with the same directory, socket and state
 * directory (after test_daemon_stop or test_daemon_kill; a daemon still
 * running is stopped first). Returns 0 or -1 as test_daemon_start. */
int test_daemon_restart(struct test_daemon *d, const char *const extra_args[]);

/* SIGTERM, then waits for the daemon to exit (SIGKILL after 30 s).
 * Returns its exit status, 128 + the signal if a signal ended it, or -1 if
 * it was not running. */
int test_daemon_stop(struct test_daemon *d);

/* SIGKILL, as a crash would, then waits. Returns as test_daemon_stop. */
int test_daemon_kill(struct test_daemon *d);

/* Stops the daemon if it is running and removes the temp directory. */
void test_daemon_cleanup(struct test_daemon *d);

#endif /* DEADBOLT_TEST_HARNESS_H */
