/* SPDX-License-Identifier: MIT */
/*
 * with_daemon — run a command against a fresh deadboltd.
 *
 *     with_daemon COMMAND [ARGS...]
 *     with_daemon [--DAEMON-OPTION [VALUE]...] -- COMMAND [ARGS...]
 *
 * Starts a daemon in a temp directory (Tests/libdeadbolt/harness.c; the
 * binary is env DEADBOLTD, else .build/debug/deadboltd), runs COMMAND with
 * DEADBOLT_SOCKET set to its socket, stops the daemon, removes the directory,
 * and exits with COMMAND's exit status (128 + the signal if one killed it).
 * Daemon options are recognised only when the first argument starts with
 * "--"; they run up to the first "--". Exits 125 if the daemon does not
 * start, 126/127 if COMMAND cannot be run.
 */
#define _GNU_SOURCE
#include "harness.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void usage(void) {
    fprintf(stderr, "usage: with_daemon COMMAND [ARGS...]\n"
                    "       with_daemon [--DAEMON-OPTION [VALUE]...] -- COMMAND [ARGS...]\n");
    exit(2);
}

int main(int argc, char **argv) {
    int command = 1;
    const char **daemon_args = NULL;
    if (argc > 1 && strncmp(argv[1], "--", 2) == 0) {
        int sep = 1;
        while (sep < argc && strcmp(argv[sep], "--") != 0) sep++;
        if (sep >= argc) usage();
        daemon_args = calloc((size_t)sep, sizeof *daemon_args);
        if (!daemon_args) return 125;
        for (int i = 1; i < sep; i++) daemon_args[i - 1] = argv[i];
        command = sep + 1;
    }
    if (command >= argc) usage();

    struct test_daemon d;
    if (test_daemon_start(&d, daemon_args) != 0) {
        fprintf(stderr, "with_daemon: deadboltd did not start\n");
        free(daemon_args);
        return 125;
    }
    free(daemon_args);
    if (setenv("DEADBOLT_SOCKET", d.socket_path, 1) != 0) {
        perror("with_daemon: setenv");
        test_daemon_cleanup(&d);
        return 125;
    }

    /* Like system(3): a Ctrl-C is for the command; we stay to clean up. */
    struct sigaction ignore = {.sa_handler = SIG_IGN}, old_int, old_quit;
    sigaction(SIGINT, &ignore, &old_int);
    sigaction(SIGQUIT, &ignore, &old_quit);

    int status = 0;
    pid_t pid = fork();
    if (pid < 0) {
        perror("with_daemon: fork");
        test_daemon_cleanup(&d);
        return 125;
    }
    if (pid == 0) {
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGQUIT, &old_quit, NULL);
        execvp(argv[command], argv + command);
        int err = errno;
        fprintf(stderr, "with_daemon: %s: %s\n", argv[command], strerror(err));
        _exit(err == ENOENT ? 127 : 126);
    }
    pid_t r;
    do r = waitpid(pid, &status, 0);
    while (r < 0 && errno == EINTR);

    int daemon_status = test_daemon_stop(&d);
    if (daemon_status != 0)
        fprintf(stderr, "with_daemon: deadboltd exited with status %d after SIGTERM\n", daemon_status);
    test_daemon_cleanup(&d);

    if (r < 0) {
        perror("with_daemon: waitpid");
        return 125;
    }
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return 125;
}
