/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

enum { READY_TIMEOUT_MS = 30000, STOP_TIMEOUT_MS = 30000 };

static long long now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* An exit status as a shell shows it: the code, or 128 + the signal. */
static int exit_code(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

static int open_pidfd(pid_t pid) {
#ifdef SYS_pidfd_open
    int fd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (fd >= 0) fcntl(fd, F_SETFD, FD_CLOEXEC);
    return fd;
#else
    (void)pid;
    return -1;
#endif
}

/* Waits for the daemon to exit, at most timeout_ms (-1 = no limit; the
 * limit needs a pidfd). Returns its exit code, or -2 if it is still running. */
static int reap(struct test_daemon *d, int timeout_ms) {
    if (d->pidfd >= 0 && timeout_ms >= 0) {
        long long deadline = now_ms() + timeout_ms;
        for (;;) {
            long long left = deadline - now_ms();
            if (left <= 0) return -2;
            struct pollfd p = {.fd = d->pidfd, .events = POLLIN};
            int r = poll(&p, 1, (int)left);
            if (r > 0) break;
            if (r < 0 && errno != EINTR) break; /* fall through to a blocking waitpid */
        }
    }
    int status = 0;
    pid_t r;
    do r = waitpid(d->pid, &status, 0);
    while (r < 0 && errno == EINTR);
    if (d->pidfd >= 0) close(d->pidfd);
    d->pidfd = -1;
    d->pid = 0;
    return r < 0 ? -1 : exit_code(status);
}

/* True if the datagram has a line "READY=1". */
static int has_ready_line(const char *text) {
    for (const char *line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        size_t n = strcspn(line, "\n");
        if (n == 7 && strncmp(line, "READY=1", 7) == 0) return 1;
    }
    return 0;
}

static int bind_notify_socket(const struct test_daemon *d) {
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    memcpy(a.sun_path, d->notify_path, strlen(d->notify_path) + 1);
    unlink(d->notify_path);
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        fprintf(stderr, "test_daemon: notify socket %s: %s\n", d->notify_path, strerror(errno));
        if (fd >= 0) close(fd);
        return -1;
    }
    return fd;
}

/* The environment for the daemon: ours, without anything systemd-related,
 * plus NOTIFY_SOCKET. */
static char **daemon_environment(const char *notify_entry) {
    static const char *const dropped[] = {"NOTIFY_SOCKET=", "WATCHDOG_USEC=", "WATCHDOG_PID=",
                                          "LISTEN_FDS=",    "LISTEN_PID=",    "LISTEN_FDNAMES="};
    size_t n = 0;
    while (environ[n]) n++;
    char **env = calloc(n + 2, sizeof *env);
    if (!env) return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        int keep = 1;
        for (size_t j = 0; j < sizeof dropped / sizeof *dropped; j++)
            if (strncmp(environ[i], dropped[j], strlen(dropped[j])) == 0) keep = 0;
        if (keep) env[k++] = environ[i];
    }
    env[k++] = (char *)notify_entry;
    env[k] = NULL;
    return env;
}

/* Waits for READY=1 on notify_fd, or for the child to exit. */
static int wait_ready(struct test_daemon *d, int notify_fd) {
    long long deadline = now_ms() + READY_TIMEOUT_MS;
    for (;;) {
        long long left = deadline - now_ms();
        if (left <= 0) {
            fprintf(stderr, "test_daemon: deadboltd (pid %d) sent no READY=1 within %d ms\n", (int)d->pid,
                    READY_TIMEOUT_MS);
            return -1;
        }
        /* With a pidfd, poll wakes on the exit too; without one, check the
         * child between bounded waits on the notify socket. */
        struct pollfd p[2] = {{.fd = notify_fd, .events = POLLIN}, {.fd = d->pidfd, .events = POLLIN}};
        int slice = d->pidfd >= 0 ? (int)left : (int)(left < 100 ? left : 100);
        int r = poll(p, d->pidfd >= 0 ? 2 : 1, slice);
        if (r < 0 && errno != EINTR) {
            fprintf(stderr, "test_daemon: poll: %s\n", strerror(errno));
            return -1;
        }
        if (r > 0 && (p[0].revents & POLLIN)) {
            char buf[4097];
            ssize_t got = recv(notify_fd, buf, sizeof buf - 1, MSG_DONTWAIT);
            if (got > 0) {
                buf[got] = '\0';
                if (has_ready_line(buf)) return 0;
            }
            continue; /* read every datagram before looking at the child */
        }
        int status;
        if (waitpid(d->pid, &status, WNOHANG) == d->pid) {
            fprintf(stderr, "test_daemon: deadboltd exited (status %d) before it sent READY=1\n", exit_code(status));
            if (d->pidfd >= 0) close(d->pidfd);
            d->pidfd = -1;
            d->pid = 0;
            return -1;
        }
    }
}

static int launch(struct test_daemon *d, const char *const extra_args[]) {
    const char *daemon = getenv("DEADBOLTD");
    if (!daemon || !*daemon) daemon = ".build/debug/deadboltd";

    size_t extra = 0;
    while (extra_args && extra_args[extra]) extra++;
    const char **argv = calloc(8 + extra + 1, sizeof *argv);
    char notify_entry[sizeof "NOTIFY_SOCKET=" + TEST_DAEMON_PATH_MAX];
    snprintf(notify_entry, sizeof notify_entry, "NOTIFY_SOCKET=%s", d->notify_path);
    char **envp = daemon_environment(notify_entry);
    if (!argv || !envp) {
        fprintf(stderr, "test_daemon: out of memory\n");
        free(argv);
        free(envp);
        return -1;
    }
    size_t k = 0;
    argv[k++] = daemon;
    argv[k++] = "--socket";
    argv[k++] = d->socket_path;
    argv[k++] = "--state-dir";
    argv[k++] = d->state_dir;
    argv[k++] = "--log-level";
    argv[k++] = "warning";
    for (size_t i = 0; i < extra; i++) argv[k++] = extra_args[i];
    argv[k] = NULL;

    int rc = -1;
    int notify_fd = bind_notify_socket(d);
    int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (notify_fd < 0 || null_fd < 0) goto out;

    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "test_daemon: fork: %s\n", strerror(errno));
        goto out;
    }
    if (pid == 0) {
        /* Only async-signal-safe calls from here: the parent may have threads.
         * If the test process dies (a crash, SIGPIPE), the daemon follows. */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent) _exit(127);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        struct sigaction dfl = {.sa_handler = SIG_DFL};
        sigaction(SIGPIPE, &dfl, NULL);
        sigaction(SIGINT, &dfl, NULL);
        sigaction(SIGQUIT, &dfl, NULL);
        sigaction(SIGTERM, &dfl, NULL);
        dup2(null_fd, STDIN_FILENO);
        execvpe(daemon, (char *const *)argv, envp);
        static const char msg[] = "test_daemon: cannot execute deadboltd (set DEADBOLTD)\n";
        ssize_t ignored = write(STDERR_FILENO, msg, sizeof msg - 1);
        (void)ignored;
        _exit(127);
    }
    d->pid = pid;
    d->pidfd = open_pidfd(pid);
    rc = wait_ready(d, notify_fd);
    if (rc != 0 && d->pid > 0) {
        kill(d->pid, SIGKILL);
        reap(d, -1);
    }
out:
    /* Nobody reads the notify socket after READY=1: remove it, so the
     * daemon's later STATUS= lines go nowhere instead of filling a queue. */
    if (notify_fd >= 0) close(notify_fd);
    if (null_fd >= 0) close(null_fd);
    unlink(d->notify_path);
    free(argv);
    free(envp);
    return rc;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st;
    (void)flag;
    (void)ftw;
    if (remove(path) != 0) fprintf(stderr, "test_daemon: cannot remove %s: %s\n", path, strerror(errno));
    return 0;
}

static void remove_dir(struct test_daemon *d) {
    if (d->dir[0]) nftw(d->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    d->dir[0] = '\0';
}

int test_daemon_start(struct test_daemon *d, const char *const extra_args[]) {
    memset(d, 0, sizeof *d);
    d->pidfd = -1;
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp) tmp = "/tmp";
    int n = snprintf(d->dir, sizeof d->dir, "%s/deadbolt-test-XXXXXX", tmp);
    if (n < 0 || (size_t)n >= sizeof d->dir) {
        fprintf(stderr, "test_daemon: TMPDIR %s is too long for a Unix socket path\n", tmp);
        d->dir[0] = '\0';
        return -1;
    }
    if (!mkdtemp(d->dir)) {
        fprintf(stderr, "test_daemon: mkdtemp %s: %s\n", d->dir, strerror(errno));
        d->dir[0] = '\0';
        return -1;
    }
    chmod(d->dir, 0755); /* another uid (the tests' "nobody") reaches the socket */
    snprintf(d->socket_path, sizeof d->socket_path, "%s/d.sock", d->dir);
    snprintf(d->state_dir, sizeof d->state_dir, "%s/state", d->dir);
    snprintf(d->notify_path, sizeof d->notify_path, "%s/notify", d->dir);
    if (launch(d, extra_args) != 0) {
        remove_dir(d);
        return -1;
    }
    return 0;
}

int test_daemon_restart(struct test_daemon *d, const char *const extra_args[]) {
    if (!d->dir[0]) {
        fprintf(stderr, "test_daemon: restart without a directory (start first)\n");
        return -1;
    }
    if (d->pid > 0) test_daemon_stop(d);
    return launch(d, extra_args);
}

int test_daemon_stop(struct test_daemon *d) {
    if (d->pid <= 0) return -1;
    kill(d->pid, SIGTERM);
    int code = reap(d, STOP_TIMEOUT_MS);
    if (code == -2) {
        fprintf(stderr, "test_daemon: deadboltd (pid %d) did not exit within %d ms of SIGTERM; killing it\n",
                (int)d->pid, STOP_TIMEOUT_MS);
        kill(d->pid, SIGKILL);
        code = reap(d, -1);
    }
    return code;
}

int test_daemon_kill(struct test_daemon *d) {
    if (d->pid <= 0) return -1;
    kill(d->pid, SIGKILL);
    return reap(d, -1);
}

void test_daemon_cleanup(struct test_daemon *d) {
    if (d->pid > 0) test_daemon_stop(d);
    remove_dir(d);
}
