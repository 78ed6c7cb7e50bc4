/* SPDX-License-Identifier: MIT */
/*
 * libdeadbolt against a real deadboltd (one per test, from harness.c), and
 * against a fake daemon that misbehaves on purpose. Every test reads as a
 * transcript of calls and the exact values they return.
 *
 * Runs from the repository root (the daemon is env DEADBOLTD, else
 * .build/debug/deadboltd). The "nobody" test needs root and is skipped
 * otherwise.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "deadbolt.h"
#include "harness.h"

/* --- Helpers ------------------------------------------------------------ */

#define assert_rc(expr, want)                                                                                 \
    do {                                                                                                      \
        int rc_ = (expr), want_ = (want);                                                                     \
        if (rc_ != want_)                                                                                     \
            fail_msg("%s returned %d (%s), expected %d (%s)", #expr, rc_, deadbolt_strerror(rc_), want_,      \
                     deadbolt_strerror(want_));                                                               \
    } while (0)

enum { EXCL = DEADBOLT_EXCLUSIVE, SHARED = DEADBOLT_SHARED, FOREVER = DEADBOLT_WAIT_FOREVER };

static const char *const default_args[] = {"--max-ttl-ms", "60000", NULL};
static const char *const quota_args[] = {"--max-ttl-ms", "60000", "--max-locks-per-connection", "4",
                                         "--max-connections", "1", NULL};
static const char *const open_socket_args[] = {"--max-ttl-ms", "60000", "--socket-mode", "0666", NULL};

struct fixture {
    const char *const *args;
    struct test_daemon d;
};

/* Setup: a daemon with the test's arguments (its prestate), default_args
 * when it has none. */
static int start_daemon(void **state) {
    struct fixture *f = calloc(1, sizeof *f);
    if (!f) return -1;
    f->args = *state ? (const char *const *)*state : default_args;
    if (test_daemon_start(&f->d, f->args) != 0) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int stop_daemon(void **state) {
    struct fixture *f = *state;
    test_daemon_cleanup(&f->d);
    free(f);
    return 0;
}

#define DAEMON_TEST(t) cmocka_unit_test_prestate_setup_teardown(t, start_daemon, stop_daemon, NULL)
#define DAEMON_TEST_WITH(t, args) \
    cmocka_unit_test_prestate_setup_teardown(t, start_daemon, stop_daemon, (void *)(args))

static struct test_daemon *daemon_of(void **state) {
    return &((struct fixture *)*state)->d;
}

static deadbolt_t *connect_ok(void **state) {
    deadbolt_t *c = NULL;
    assert_rc(deadbolt_connect(daemon_of(state)->socket_path, &c), 0);
    assert_non_null(c);
    return c;
}

/* Lock options: the library's defaults, then these. */
static deadbolt_lock_options opts(int mode, uint32_t ttl_ms, int64_t wait_ms, const char *owner, unsigned flags) {
    deadbolt_lock_options o;
    deadbolt_lock_options_init(&o);
    o.mode = mode;
    o.ttl_ms = ttl_ms;
    o.wait_ms = wait_ms;
    o.owner = owner;
    o.flags = flags;
    return o;
}

/* A try (wait 0) for an exclusive session lock. */
static deadbolt_lock_options try_opts(void) {
    return opts(EXCL, 0, 0, NULL, 0);
}

static int lock_with(deadbolt_t *c, const char *resource, deadbolt_lock_options o) {
    return deadbolt_lock(c, resource, &o, NULL);
}

/* Takes the lock and returns its token. */
static uint64_t lock_ok(deadbolt_t *c, const char *resource, deadbolt_lock_options o) {
    uint64_t token = 0;
    assert_rc(deadbolt_lock(c, resource, &o, &token), 0);
    assert_true(token > 0);
    return token;
}

static deadbolt_query_result *query_ok(deadbolt_t *c, const char *resource) {
    deadbolt_query_result *r = NULL;
    assert_rc(deadbolt_query(c, resource, &r), 0);
    assert_non_null(r);
    return r;
}

static uint64_t stat_ok(deadbolt_t *c, const char *name) {
    uint64_t value = 0;
    assert_rc(deadbolt_stat(c, name, &value), 0);
    return value;
}

static long long now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Queries `resource` until it has `count` waiters: each try a round trip,
 * for at most 10 s. */
static void wait_for_waiters(deadbolt_t *c, const char *resource, size_t count) {
    long long deadline = now_ms() + 10000;
    size_t seen = 0;
    while (now_ms() < deadline) {
        deadbolt_query_result *r = query_ok(c, resource);
        seen = r->waiter_count;
        deadbolt_query_result_free(r);
        if (seen == count) return;
    }
    fail_msg("%s still has %zu waiters after 10 s, expected %zu", resource, seen, count);
}

/* The next event: drains the handle, then polls its fd, for at most
 * timeout_ms. Returns deadbolt_next_event's 1, 0 (none in time) or error. */
static int next_event_within(deadbolt_t *c, deadbolt_event *ev, int timeout_ms) {
    long long deadline = now_ms() + timeout_ms;
    for (;;) {
        int rc = deadbolt_next_event(c, ev);
        long long left = deadline - now_ms();
        if (rc != 0 || left <= 0) return rc;
        struct pollfd p = {.fd = deadbolt_fd(c), .events = POLLIN};
        assert_true(p.fd >= 0);
        poll(&p, 1, (int)left);
    }
}

/* A deadbolt_lock on its own thread, for waits that another call ends. */
struct locker {
    pthread_t             thread;
    deadbolt_t           *c;
    const char           *resource;
    deadbolt_lock_options o;
    int                   rc;
    uint64_t              token;
};

static void *locker_main(void *arg) {
    struct locker *l = arg;
    l->rc = deadbolt_lock(l->c, l->resource, &l->o, &l->token);
    return NULL;
}

static void start_locker(struct locker *l, deadbolt_t *c, const char *resource, deadbolt_lock_options o) {
    *l = (struct locker){.c = c, .resource = resource, .o = o, .rc = 1};
    assert_int_equal(pthread_create(&l->thread, NULL, locker_main, l), 0);
}

static int join_locker(struct locker *l) {
    assert_int_equal(pthread_join(l->thread, NULL), 0);
    return l->rc;
}

/* A name of n bytes. */
static char *name_of_length(size_t n, char fill) {
    char *s = malloc(n + 1);
    assert_non_null(s);
    memset(s, fill, n);
    s[n] = '\0';
    return s;
}

/* --- Without a daemon ----------------------------------------------------- */

static void test_version_and_option_defaults(void **state) {
    (void)state;
    assert_int_equal(deadbolt_version(), DEADBOLT_VERSION_NUMBER);
    deadbolt_lock_options o;
    memset(&o, 0x55, sizeof o);
    deadbolt_lock_options_init(&o);
    assert_int_equal(o.mode, DEADBOLT_EXCLUSIVE);
    assert_int_equal(o.ttl_ms, 0);
    assert_int_equal(o.wait_ms, DEADBOLT_WAIT_FOREVER);
    assert_null(o.owner);
    assert_int_equal(o.flags, 0);
    deadbolt_connect_options co;
    memset(&co, 0x55, sizeof co);
    deadbolt_connect_options_init(&co);
    assert_null(co.client_name);
    assert_int_equal(co.connect_timeout_ms, 5000);
    assert_int_equal(co.io_timeout_ms, 30000);
}

/* --- Connecting ----------------------------------------------------------- */

static void test_connect_info_ping_close(void **state) {
    deadbolt_t *c = connect_ok(state);
    deadbolt_session_info info;
    assert_rc(deadbolt_get_session_info(c, &info), 0);
    assert_int_equal(info.protocol_version, 1);
    assert_int_equal(strncmp(info.server_name, "deadboltd", 9), 0);
    assert_int_equal(info.max_name_bytes, 255);
    assert_true(info.session_id > 0);
    assert_true(deadbolt_fd(c) >= 0);
    assert_rc(deadbolt_ping(c), 0);
    assert_rc(deadbolt_ping(c), 0);
    deadbolt_close(c);
}

static void test_connect_null_path_uses_env(void **state) {
    char *saved = getenv("DEADBOLT_SOCKET") ? strdup(getenv("DEADBOLT_SOCKET")) : NULL;
    assert_int_equal(setenv("DEADBOLT_SOCKET", daemon_of(state)->socket_path, 1), 0);
    deadbolt_t *c = NULL;
    int rc = deadbolt_connect(NULL, &c);
    if (saved) setenv("DEADBOLT_SOCKET", saved, 1);
    else unsetenv("DEADBOLT_SOCKET");
    free(saved);
    assert_rc(rc, 0);
    assert_rc(deadbolt_ping(c), 0);
    deadbolt_close(c);
}

static void test_connect_missing_socket(void **state) {
    char path[256];
    snprintf(path, sizeof path, "%s/missing.sock", daemon_of(state)->dir);
    deadbolt_t *c = (deadbolt_t *)&c; /* must become NULL */
    assert_rc(deadbolt_connect(path, &c), -ENOENT);
    assert_null(c);
    char *too_long = name_of_length(200, 'p'); /* no room in sockaddr_un */
    too_long[0] = '/';
    c = (deadbolt_t *)&c;
    assert_rc(deadbolt_connect(too_long, &c), -EINVAL);
    assert_null(c);
    free(too_long);
}

/* --- Bad input: -EINVAL / -ENAMETOOLONG, never a crash -------------------- */

static void test_null_arguments(void **state) {
    deadbolt_t *c = connect_ok(state);
    deadbolt_session_info info;
    deadbolt_event ev;
    deadbolt_query_result *q = (deadbolt_query_result *)&q;
    deadbolt_list_result *l = (deadbolt_list_result *)&l;
    deadbolt_lock_options o = try_opts();
    uint64_t v;

    deadbolt_close(NULL);
    assert_rc(deadbolt_connect(daemon_of(state)->socket_path, NULL), -EINVAL);
    assert_rc(deadbolt_connect_with(daemon_of(state)->socket_path, NULL, NULL), -EINVAL);
    assert_rc(deadbolt_get_session_info(NULL, &info), -EINVAL);
    assert_rc(deadbolt_get_session_info(c, NULL), -EINVAL);
    assert_rc(deadbolt_fd(NULL), -EINVAL);
    assert_rc(deadbolt_lock(NULL, "r", &o, NULL), -EINVAL);
    assert_rc(deadbolt_unlock(NULL, "r", NULL), -EINVAL);
    assert_rc(deadbolt_renew(NULL, "r", NULL, 1000), -EINVAL);
    assert_rc(deadbolt_force_unlock(NULL, "r"), -EINVAL);
    assert_rc(deadbolt_next_event(NULL, &ev), -EINVAL);
    assert_rc(deadbolt_next_event(c, NULL), -EINVAL);
    assert_rc(deadbolt_ping(NULL), -EINVAL);
    assert_rc(deadbolt_query(NULL, "r", &q), -EINVAL);
    assert_null(q);
    assert_rc(deadbolt_query(c, "r", NULL), -EINVAL);
    deadbolt_query_result_free(NULL);
    assert_rc(deadbolt_stat(NULL, "locks_held", &v), -EINVAL);
    assert_rc(deadbolt_stat(c, NULL, &v), -EINVAL);
    assert_rc(deadbolt_stat(c, "locks_held", NULL), -EINVAL);
    assert_rc(deadbolt_list(NULL, "", NULL, 0, &l), -EINVAL);
    assert_null(l);
    assert_rc(deadbolt_list(c, "", NULL, 0, NULL), -EINVAL);
    deadbolt_list_result_free(NULL);
    assert_true(deadbolt_strerror(0) != NULL);

    assert_rc(deadbolt_ping(c), 0); /* the handle is unharmed */
    deadbolt_close(c);
}

static void test_bad_names(void **state) {
    deadbolt_t *c = connect_ok(state);
    deadbolt_query_result *q = NULL;
    deadbolt_list_result *l = NULL;
    char *long_name = name_of_length(256, 'x');
    char *max_name = name_of_length(255, 'y');
    char *max_owner = name_of_length(255, 'o');

    assert_rc(lock_with(c, NULL, try_opts()), -EINVAL);
    assert_rc(lock_with(c, "", try_opts()), -EINVAL);
    assert_rc(deadbolt_unlock(c, NULL, NULL), -EINVAL);
    assert_rc(deadbolt_unlock(c, "", NULL), -EINVAL);
    assert_rc(deadbolt_renew(c, NULL, NULL, 1000), -EINVAL);
    assert_rc(deadbolt_renew(c, "", NULL, 1000), -EINVAL);
    assert_rc(deadbolt_force_unlock(c, NULL), -EINVAL);
    assert_rc(deadbolt_force_unlock(c, ""), -EINVAL);
    assert_rc(deadbolt_query(c, NULL, &q), -EINVAL);
    assert_rc(deadbolt_query(c, "", &q), -EINVAL);

    assert_rc(lock_with(c, long_name, try_opts()), -ENAMETOOLONG);
    assert_rc(lock_with(c, "r", opts(EXCL, 0, 0, long_name, 0)), -ENAMETOOLONG);
    assert_rc(deadbolt_unlock(c, long_name, NULL), -ENAMETOOLONG);
    assert_rc(deadbolt_unlock(c, "r", long_name), -ENAMETOOLONG);
    assert_rc(deadbolt_renew(c, long_name, NULL, 1000), -ENAMETOOLONG);
    assert_rc(deadbolt_renew(c, "r", long_name, 1000), -ENAMETOOLONG);
    assert_rc(deadbolt_force_unlock(c, long_name), -ENAMETOOLONG);
    assert_rc(deadbolt_query(c, long_name, &q), -ENAMETOOLONG);
    assert_rc(deadbolt_list(c, long_name, NULL, 0, &l), -ENAMETOOLONG);
    assert_rc(deadbolt_list(c, "", long_name, 0, &l), -ENAMETOOLONG);

    /* 255 bytes is fine. */
    lock_ok(c, max_name, opts(EXCL, 0, 0, max_owner, 0));
    deadbolt_query_result *r = query_ok(c, max_name);
    assert_int_equal(r->holder_count, 1);
    assert_string_equal(r->holders[0].owner, max_owner);
    deadbolt_query_result_free(r);
    assert_rc(deadbolt_unlock(c, max_name, max_owner), 0);

    free(long_name);
    free(max_name);
    free(max_owner);
    deadbolt_close(c);
}

static void test_bad_lock_options(void **state) {
    deadbolt_t *c = connect_ok(state);
    assert_rc(lock_with(c, "r", opts(EXCL, 0, 0, "job", DEADBOLT_DETACHED)), -EINVAL); /* DETACHED, ttl 0 */
    assert_rc(lock_with(c, "r", opts(7, 0, 0, NULL, 0)), -EINVAL);
    assert_rc(lock_with(c, "r", opts(EXCL, 0, 0, NULL, 1u << 5)), -EINVAL);
    assert_rc(lock_with(c, "r", opts(EXCL, 0, -2, NULL, 0)), -EINVAL);

    deadbolt_query_result *r = query_ok(c, "r"); /* nothing was taken */
    assert_int_equal(r->holder_count, 0);
    deadbolt_query_result_free(r);
    assert_rc(deadbolt_ping(c), 0);
    deadbolt_close(c);
}

/* --- Every status the daemon answers --------------------------------------- */

static void test_lock_statuses(void **state) {
    deadbolt_t *a = connect_ok(state), *b = connect_ok(state);
    lock_ok(a, "r", try_opts());

    assert_rc(lock_with(b, "r", try_opts()), -EAGAIN);                   /* NOT_GRANTED */
    deadbolt_lock_options try = try_opts();
    uint64_t untouched = 777;
    assert_rc(deadbolt_lock(b, "r", &try, &untouched), -EAGAIN);
    assert_int_equal(untouched, 777); /* left unchanged on failure */
    assert_rc(lock_with(b, "r", opts(EXCL, 0, 100, NULL, 0)), -ETIMEDOUT); /* WAIT_TIMEOUT */
    assert_rc(deadbolt_unlock(b, "free", NULL), -ENOENT);                /* LOCK_UNEXIST */
    assert_rc(deadbolt_unlock(b, "r", NULL), -EPERM);                    /* LOCK_BELONG_TO_OTHERS */
    assert_rc(lock_with(a, "r", try_opts()), -EDEADLK);                  /* ALREADY_HELD */
    assert_rc(lock_with(a, "t", opts(EXCL, 60001, 0, NULL, 0)), -EINVAL); /* TTL above --max-ttl-ms */
    lock_ok(a, "t", opts(EXCL, 60000, 0, NULL, 0));
    assert_rc(deadbolt_renew(a, "t", NULL, 60001), -EINVAL);

    assert_rc(deadbolt_ping(b), 0); /* a failed wait leaves the handle usable */
    assert_rc(deadbolt_unlock(a, "r", NULL), 0);
    lock_ok(b, "r", try_opts());
    deadbolt_close(a);
    deadbolt_close(b);
}

static void test_reentrant(void **state) {
    deadbolt_t *c = connect_ok(state);
    uint64_t first = lock_ok(c, "r", opts(EXCL, 0, 0, NULL, DEADBOLT_REENTRANT));
    uint64_t second = lock_ok(c, "r", opts(EXCL, 0, 0, NULL, DEADBOLT_REENTRANT));
    assert_int_equal(second, first);

    deadbolt_query_result *r = query_ok(c, "r");
    assert_int_equal(r->holder_count, 1);
    assert_int_equal(r->holders[0].hold_count, 2);
    deadbolt_query_result_free(r);

    assert_rc(deadbolt_unlock(c, "r", NULL), 0);
    r = query_ok(c, "r");
    assert_int_equal(r->holder_count, 1); /* one hold left */
    assert_int_equal(r->holders[0].hold_count, 1);
    deadbolt_query_result_free(r);
    assert_rc(deadbolt_unlock(c, "r", NULL), 0);
    assert_rc(deadbolt_unlock(c, "r", NULL), -ENOENT);
    deadbolt_close(c);
}

static void test_quota(void **state) { /* --max-locks-per-connection 4 --max-connections 1 */
    deadbolt_t *c = connect_ok(state);
    deadbolt_t *second = (deadbolt_t *)&second;
    assert_rc(deadbolt_connect(daemon_of(state)->socket_path, &second), -EDQUOT);
    assert_null(second);
    lock_ok(c, "q1", try_opts());
    lock_ok(c, "q2", try_opts());
    lock_ok(c, "q3", try_opts());
    lock_ok(c, "q4", try_opts());
    assert_rc(lock_with(c, "q5", try_opts()), -EDQUOT);
    assert_rc(deadbolt_unlock(c, "q1", NULL), 0);
    lock_ok(c, "q5", try_opts());
    deadbolt_close(c);
}

/* In a child process as nobody (65534): connect, then force-unlock "r" and
 * unlock and renew it as owner "job"; returns what each call returned. The
 * child first closes its copy of the parent's handle, as a forked child
 * should (its memory is the child's to free; the parent's connection stays). */
struct nobody_results {
    uid_t uid;
    int   connect, force_unlock, unlock, renew;
};

static struct nobody_results run_as_nobody(const char *socket_path, deadbolt_t *inherited) {
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        deadbolt_close(inherited);
        struct nobody_results r = {.connect = 1, .force_unlock = 1, .unlock = 1, .renew = 1};
        if (setgroups(0, NULL) != 0 || setresgid(65534, 65534, 65534) != 0 || setresuid(65534, 65534, 65534) != 0)
            _exit(3);
        r.uid = getuid();
        deadbolt_t *c = NULL;
        r.connect = deadbolt_connect(socket_path, &c);
        if (r.connect == 0) {
            r.force_unlock = deadbolt_force_unlock(c, "r");
            r.unlock = deadbolt_unlock(c, "r", "job");
            r.renew = deadbolt_renew(c, "r", "job", 1000);
            deadbolt_close(c);
        }
        _exit(write(fds[1], &r, sizeof r) == sizeof r ? 0 : 4);
    }
    close(fds[1]);
    struct nobody_results r;
    ssize_t got = read(fds[0], &r, sizeof r);
    close(fds[0]);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) fail_msg("the nobody child ended with status 0x%x", status);
    assert_int_equal(got, sizeof r);
    return r;
}

static void test_other_uid_is_refused(void **state) { /* --socket-mode 0666 */
    if (geteuid() != 0) skip();
    deadbolt_t *c = connect_ok(state);
    lock_ok(c, "r", opts(EXCL, 0, 0, "job", 0));

    struct nobody_results r = run_as_nobody(daemon_of(state)->socket_path, c);
    assert_int_equal(r.uid, 65534);
    assert_rc(r.connect, 0);
    assert_rc(r.force_unlock, -EPERM); /* PERMISSION_DENIED: not an admin */
    assert_rc(r.unlock, -EPERM);       /* PERMISSION_DENIED: root's owner "job" */
    assert_rc(r.renew, -EPERM);

    deadbolt_query_result *q = query_ok(c, "r"); /* still root's */
    assert_int_equal(q->holder_count, 1);
    assert_int_equal(q->holders[0].uid, 0);
    deadbolt_query_result_free(q);
    assert_rc(deadbolt_unlock(c, "r", "job"), 0);
    deadbolt_close(c);
}

static void test_shutdown_answers_waiter(void **state) {
    deadbolt_t *a = connect_ok(state), *b = connect_ok(state);
    lock_ok(a, "r", try_opts());
    static struct locker waiter; /* static: outlives the test if it fails */
    start_locker(&waiter, b, "r", opts(EXCL, 0, FOREVER, NULL, 0));
    wait_for_waiters(a, "r", 1);

    assert_int_equal(test_daemon_stop(daemon_of(state)), 0);
    assert_rc(join_locker(&waiter), -ESHUTDOWN);
    assert_rc(deadbolt_ping(a), -ECONNRESET);
    deadbolt_close(a);
    deadbolt_close(b);
}

/* --- Waiting, sharing, detaching ------------------------------------------- */

static void test_waiter_is_granted_on_unlock(void **state) {
    deadbolt_t *a = connect_ok(state), *b = connect_ok(state);
    uint64_t first = lock_ok(a, "r", try_opts());
    static struct locker waiter; /* static: outlives the test if it fails */
    start_locker(&waiter, b, "r", opts(EXCL, 0, FOREVER, NULL, 0));
    wait_for_waiters(a, "r", 1);

    deadbolt_session_info b_info;
    assert_rc(deadbolt_get_session_info(b, &b_info), 0);
    deadbolt_query_result *q = query_ok(a, "r");
    assert_int_equal(q->holder_count, 1);
    assert_int_equal(q->holders[0].token, first);
    assert_int_equal(q->holders[0].uid, getuid());
    assert_int_equal(q->holders[0].pid, getpid());
    assert_int_equal(q->holders[0].lease_remaining_ms, -1);
    assert_string_equal(q->waiters[0].owner, "");
    assert_int_equal(q->waiters[0].session_id, b_info.session_id);
    assert_int_equal(q->waiters[0].mode, DEADBOLT_EXCLUSIVE);
    assert_int_equal(q->waiters[0].wait_remaining_ms, -1);
    deadbolt_query_result_free(q);

    assert_rc(deadbolt_unlock(a, "r", NULL), 0);
    assert_rc(join_locker(&waiter), 0);
    assert_true(waiter.token > first);
    deadbolt_query_result *r = query_ok(a, "r");
    assert_int_equal(r->holder_count, 1);
    assert_int_equal(r->waiter_count, 0);
    assert_int_equal(r->holders[0].token, waiter.token);
    deadbolt_query_result_free(r);
    deadbolt_close(a);
    deadbolt_close(b);
}

static void test_shared_holders(void **state) {
    deadbolt_t *a = connect_ok(state), *b = connect_ok(state), *c = connect_ok(state);
    lock_ok(a, "r", opts(SHARED, 0, 0, NULL, 0));
    lock_ok(b, "r", opts(SHARED, 0, 0, NULL, 0));
    assert_rc(lock_with(c, "r", try_opts()), -EAGAIN);

    deadbolt_query_result *r = query_ok(c, "r");
    assert_int_equal(r->holder_count, 2);
    assert_int_equal(r->holders[0].mode, DEADBOLT_SHARED);
    assert_int_equal(r->holders[1].mode, DEADBOLT_SHARED);
    assert_int_equal(r->waiter_count, 0);
    deadbolt_query_result_free(r);
    deadbolt_close(a);
    deadbolt_close(b);
    deadbolt_close(c);
}

static void test_detached_lock_with_owner(void **state) {
    deadbolt_t *a = connect_ok(state);
    deadbolt_session_info info;
    assert_rc(deadbolt_get_session_info(a, &info), 0);
    uint64_t token = lock_ok(a, "r", opts(EXCL, 60000, 0, "job-1", DEADBOLT_DETACHED));
    deadbolt_close(a);

    deadbolt_t *b = connect_ok(state);
    deadbolt_query_result *r = query_ok(b, "r");
    assert_int_equal(r->holder_count, 1);
    assert_string_equal(r->holders[0].owner, "job-1");
    assert_int_equal(r->holders[0].flags & DEADBOLT_DETACHED, DEADBOLT_DETACHED);
    assert_int_equal(r->holders[0].token, token);
    assert_int_equal(r->holders[0].session_id, info.session_id);
    assert_int_equal(r->holders[0].pid, getpid());
    assert_in_range(r->holders[0].lease_remaining_ms, 1, 60000);
    deadbolt_query_result_free(r);

    assert_rc(deadbolt_unlock(b, "r", "job-1"), 0);
    assert_rc(deadbolt_unlock(b, "r", "job-1"), -ENOENT);
    deadbolt_close(b);
}

static void test_renew(void **state) {
    deadbolt_t *c = connect_ok(state);
    lock_ok(c, "r", try_opts());
    assert_rc(deadbolt_renew(c, "r", NULL, 5000), 0);
    deadbolt_query_result *q = query_ok(c, "r");
    assert_int_equal(q->holder_count, 1);
    assert_in_range(q->holders[0].lease_remaining_ms, 1, 5000);
    deadbolt_query_result_free(q);

    assert_rc(deadbolt_renew(c, "r", NULL, 0), 0); /* a session lock may drop its lease */
    q = query_ok(c, "r");
    assert_int_equal(q->holders[0].lease_remaining_ms, -1);
    deadbolt_query_result_free(q);

    assert_rc(deadbolt_renew(c, "free", NULL, 5000), -ENOENT);
    lock_ok(c, "d", opts(EXCL, 60000, 0, "job", DEADBOLT_DETACHED));
    assert_rc(deadbolt_renew(c, "d", "job", 0), -EINVAL); /* a detached lock may not */
    assert_rc(deadbolt_unlock(c, "d", "job"), 0);
    deadbolt_close(c);
}

/* --- LOST events -------------------------------------------------------------- */

static void test_lost_on_lease_expiry(void **state) {
    deadbolt_t *c = connect_ok(state);
    uint64_t token = lock_ok(c, "r", opts(EXCL, 50, 0, NULL, 0));

    deadbolt_event ev;
    memset(&ev, 0, sizeof ev);
    assert_rc(next_event_within(c, &ev, 10000), 1);
    assert_int_equal(ev.type, DEADBOLT_EVENT_LOST);
    assert_int_equal(ev.reason, DEADBOLT_LOST_LEASE_EXPIRED);
    assert_int_equal(ev.token, token);
    assert_string_equal(ev.resource, "r");
    assert_string_equal(ev.owner, "");
    assert_rc(deadbolt_next_event(c, &ev), 0);
    assert_rc(deadbolt_unlock(c, "r", NULL), -ENOENT);
    deadbolt_close(c);
}

static void test_lost_arrives_during_lock(void **state) {
    deadbolt_t *a = connect_ok(state), *b = connect_ok(state);
    uint64_t x = lock_ok(a, "x", opts(EXCL, 50, 0, NULL, 0));
    lock_ok(b, "y", try_opts());
    /* x's lease ends while a waits for y; the LOST comes before the answer. */
    assert_rc(lock_with(a, "y", opts(EXCL, 0, 500, NULL, 0)), -ETIMEDOUT);

    deadbolt_event ev;
    assert_rc(deadbolt_next_event(a, &ev), 1); /* kept in the handle: no poll first */
    assert_int_equal(ev.type, DEADBOLT_EVENT_LOST);
    assert_int_equal(ev.reason, DEADBOLT_LOST_LEASE_EXPIRED);
    assert_int_equal(ev.token, x);
    assert_string_equal(ev.resource, "x");
    assert_rc(deadbolt_next_event(a, &ev), 0);
    deadbolt_close(a);
    deadbolt_close(b);
}

static void test_force_unlock_as_root(void **state) {
    deadbolt_t *holder = connect_ok(state), *admin = connect_ok(state);
    uint64_t token = lock_ok(holder, "r", opts(EXCL, 0, 0, "job", 0));

    assert_rc(deadbolt_force_unlock(admin, "r"), 1);
    assert_rc(deadbolt_force_unlock(admin, "r"), 0); /* free now */
    deadbolt_event ev;
    assert_rc(next_event_within(holder, &ev, 10000), 1);
    assert_int_equal(ev.type, DEADBOLT_EVENT_LOST);
    assert_int_equal(ev.reason, DEADBOLT_LOST_FORCE_RELEASED);
    assert_int_equal(ev.token, token);
    assert_string_equal(ev.resource, "r");
    assert_string_equal(ev.owner, "job");
    lock_ok(admin, "r", try_opts());
    deadbolt_close(holder);
    deadbolt_close(admin);
}

/* --- Introspection ------------------------------------------------------------ */

static void test_stat(void **state) {
    deadbolt_t *a = connect_ok(state), *b = connect_ok(state);
    assert_int_equal(stat_ok(a, "locks_held"), 0);
    lock_ok(a, "s1", try_opts());
    lock_ok(a, "s2", opts(SHARED, 0, 0, NULL, 0));
    lock_ok(b, "s2", opts(SHARED, 0, 0, NULL, 0));
    assert_int_equal(stat_ok(a, "locks_held"), 3);
    assert_int_equal(stat_ok(b, "resources"), 2);
    assert_int_equal(stat_ok(b, "connections"), 2);
    uint64_t v = 12345;
    assert_rc(deadbolt_stat(a, "no_such_counter", &v), -ENOENT);
    deadbolt_close(a);
    deadbolt_close(b);
}

static void test_stats_lists_every_counter(void **state) {
    deadbolt_t *a = connect_ok(state);
    lock_ok(a, "s1", try_opts());
    deadbolt_stats_result *stats = NULL;
    assert_rc(deadbolt_stats(a, &stats), 0);
    assert_non_null(stats);
    int found = 0;
    for (size_t i = 0; i < stats->count; i++) {
        if (strcmp(stats->counters[i].name, "locks_held") == 0) {
            assert_int_equal(stats->counters[i].value, 1);
            found = 1;
        }
    }
    assert_true(found);
    assert_true(stats->count >= 18); /* the initial set of docs/PROTOCOL.md */
    deadbolt_stats_result_free(stats);
    deadbolt_close(a);
}

/* -EPERM covers two statuses; deadbolt_last_status() tells them apart. */
static void test_last_status_and_message(void **state) {
    deadbolt_t *a = connect_ok(state), *b = connect_ok(state);
    lock_ok(a, "r", opts(EXCL, 0, 0, "job", 0));
    assert_rc(deadbolt_unlock(b, "r", "someone-else"), -EPERM);
    assert_int_equal(deadbolt_last_status(b), DEADBOLT_STATUS_LOCK_BELONG_TO_OTHERS);
    assert_string_equal(deadbolt_status_name(deadbolt_last_status(b)), "LOCK_BELONG_TO_OTHERS");
    assert_true(strlen(deadbolt_last_message(b)) > 0);
    assert_rc(deadbolt_unlock(b, "r", "job"), 0); /* same uid, same owner */
    assert_int_equal(deadbolt_last_status(b), DEADBOLT_STATUS_OK);
    assert_string_equal(deadbolt_last_message(b), "");
    assert_rc(deadbolt_unlock(b, "", NULL), -EINVAL); /* refused before sending */
    assert_int_equal(deadbolt_last_status(b), -1);
    assert_null(deadbolt_status_name(999));
    assert_int_equal(deadbolt_last_status(NULL), -EINVAL);
    assert_null(deadbolt_last_message(NULL));
    deadbolt_close(a);
    deadbolt_close(b);
}

static void test_list_in_byte_order(void **state) {
    deadbolt_t *a = connect_ok(state), *b = connect_ok(state);
    lock_ok(a, "jobs/b", try_opts());
    lock_ok(a, "jobs/\xc3\xa9", try_opts()); /* "jobs/é": bytes above 'b' */
    lock_ok(a, "jobs/a", opts(SHARED, 0, 0, NULL, 0));
    lock_ok(b, "jobs/a", opts(SHARED, 0, 0, NULL, 0));
    lock_ok(b, "jobs/B", try_opts());
    lock_ok(b, "other", try_opts());

    deadbolt_list_result *l = NULL;
    assert_rc(deadbolt_list(a, "jobs/", NULL, 0, &l), 0);
    assert_int_equal(l->count, 4);
    assert_string_equal(l->entries[0].resource, "jobs/B");
    assert_string_equal(l->entries[1].resource, "jobs/a");
    assert_string_equal(l->entries[2].resource, "jobs/b");
    assert_string_equal(l->entries[3].resource, "jobs/\xc3\xa9");
    assert_int_equal(l->entries[1].mode, DEADBOLT_SHARED);
    assert_int_equal(l->entries[1].holder_count, 2);
    assert_int_equal(l->entries[2].mode, DEADBOLT_EXCLUSIVE);
    assert_int_equal(l->entries[2].waiter_count, 0);
    assert_string_equal(l->next_cursor, "");
    deadbolt_list_result_free(l);

    /* Pages of two. */
    assert_rc(deadbolt_list(a, "jobs/", NULL, 2, &l), 0);
    assert_int_equal(l->count, 2);
    assert_string_equal(l->entries[1].resource, "jobs/a");
    assert_string_not_equal(l->next_cursor, "");
    deadbolt_list_result *next = NULL;
    assert_rc(deadbolt_list(a, "jobs/", l->next_cursor, 2, &next), 0);
    assert_int_equal(next->count, 2);
    assert_string_equal(next->entries[0].resource, "jobs/b");
    assert_string_equal(next->entries[1].resource, "jobs/\xc3\xa9");
    deadbolt_list_result_free(l);
    deadbolt_list_result_free(next);

    assert_rc(deadbolt_list(a, NULL, NULL, 0, &l), 0);
    assert_int_equal(l->count, 5);
    assert_string_equal(l->entries[4].resource, "other");
    deadbolt_list_result_free(l);
    deadbolt_close(a);
    deadbolt_close(b);
}

/* --- The daemon goes away ------------------------------------------------------- */

static void test_restart_after_clean_stop(void **state) {
    struct test_daemon *d = daemon_of(state);
    deadbolt_t *old = connect_ok(state);
    uint64_t before = lock_ok(old, "r", try_opts());

    assert_int_equal(test_daemon_stop(d), 0);
    assert_rc(deadbolt_ping(old), -ECONNRESET); /* and no SIGPIPE */
    assert_rc(deadbolt_ping(old), -ENOTCONN);
    assert_rc(lock_with(old, "r", try_opts()), -ENOTCONN);
    assert_rc(deadbolt_fd(old), -ENOTCONN);
    deadbolt_session_info info;
    assert_rc(deadbolt_get_session_info(old, &info), 0); /* works on a closed handle */
    deadbolt_close(old);

    assert_int_equal(test_daemon_restart(d, default_args), 0);
    deadbolt_t *c = connect_ok(state);
    assert_true(lock_ok(c, "r", try_opts()) > before);
    deadbolt_close(c);
}

static void test_restart_after_crash(void **state) {
    struct test_daemon *d = daemon_of(state);
    deadbolt_t *old = connect_ok(state);
    uint64_t before = lock_ok(old, "r", try_opts());

    assert_int_equal(test_daemon_kill(d), 128 + SIGKILL);
    deadbolt_event ev;
    assert_rc(deadbolt_next_event(old, &ev), -ECONNRESET);
    assert_rc(deadbolt_unlock(old, "r", NULL), -ENOTCONN);
    deadbolt_close(old);
    deadbolt_t *none = (deadbolt_t *)&none;
    assert_rc(deadbolt_connect(d->socket_path, &none), -ECONNREFUSED); /* the file is left, nobody listens */
    assert_null(none);

    assert_int_equal(test_daemon_restart(d, default_args), 0);
    deadbolt_t *c = connect_ok(state);
    assert_true(lock_ok(c, "r", try_opts()) > before); /* no detached lease: no grace */
    deadbolt_close(c);
}

/* --- A fake daemon that misbehaves --------------------------------------------- */

/* What the fake does after the client's HELLO, and after the PING that
 * follows it. */
enum fake_mode {
    FAKE_BAD_VERSION,   /* answers HELLO with UNSUPPORTED_VERSION */
    FAKE_MUTE,          /* never answers HELLO */
    FAKE_GARBAGE_TYPE,  /* answers PING with a frame of type 0x42 */
    FAKE_HUGE_LENGTH,   /* answers PING with a length prefix of 0x7fffffff, and no body */
    FAKE_SILENT,        /* never answers PING */
    FAKE_LOST_THEN_PONG /* sends a LOST with reason 9, then answers PING */
};

struct fake_daemon {
    enum fake_mode mode;
    char           dir[64];
    char           path[108];
    int            listen_fd;
    atomic_int     conn_fd;  /* the accepted connection, or -1 */
    pthread_t      thread;
    int            started, joined;
    const char    *failure;  /* what went wrong on its thread, or NULL */
};

static int fake_wait_readable(int fd) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int r;
    do r = poll(&p, 1, 10000);
    while (r < 0 && errno == EINTR);
    return r == 1 ? 0 : -1;
}

static int fake_read_exactly(int fd, uint8_t *buf, size_t n) {
    for (size_t done = 0; done < n;) {
        if (fake_wait_readable(fd) != 0) return -1;
        ssize_t got = read(fd, buf + done, n - done);
        if (got <= 0) return -1;
        done += (size_t)got;
    }
    return 0;
}

/* Reads one request frame of the expected type; returns its id, or 0. */
static uint32_t fake_read_request(int fd, uint8_t expected_type) {
    uint8_t prefix[4], body[1024];
    if (fake_read_exactly(fd, prefix, 4) != 0) return 0;
    uint32_t n = (uint32_t)prefix[0] << 24 | (uint32_t)prefix[1] << 16 | (uint32_t)prefix[2] << 8 | prefix[3];
    if (n < 5 || n > sizeof body || fake_read_exactly(fd, body, n) != 0 || body[0] != expected_type) return 0;
    return (uint32_t)body[1] << 24 | (uint32_t)body[2] << 16 | (uint32_t)body[3] << 8 | body[4];
}

/* Big-endian writers; each returns the bytes written. */
static size_t put(uint8_t *at, uint64_t value, size_t bytes) {
    for (size_t i = 0; i < bytes; i++) at[i] = (uint8_t)(value >> (8 * (bytes - 1 - i)));
    return bytes;
}

static size_t put_str16(uint8_t *at, const char *s) {
    size_t n = strlen(s);
    put(at, n, 2);
    memcpy(at + 2, s, n);
    return 2 + n;
}

/* Starts a frame (its length is filled in by fake_send) with a header. */
static size_t fake_header(uint8_t *frame, uint8_t type, uint32_t id) {
    return 4 + put(frame + 4, type, 1) + put(frame + 5, id, 4);
}

static int fake_send(int fd, uint8_t *frame, size_t n) {
    put(frame, n - 4, 4);
    return send(fd, frame, n, MSG_NOSIGNAL) == (ssize_t)n ? 0 : -1;
}

/* Answers the HELLO and PING as f->mode says; returns NULL or a failure. */
static const char *fake_serve(struct fake_daemon *f, int fd) {
    uint8_t frame[512];
    size_t n;
    uint32_t id = fake_read_request(fd, 0x01);
    if (id == 0) return "no HELLO";
    if (f->mode == FAKE_MUTE) return NULL;
    if (f->mode == FAKE_BAD_VERSION) {
        n = fake_header(frame, 0x81, id);
        n += put(frame + n, 33, 2); /* UNSUPPORTED_VERSION */
        n += put_str16(frame + n, "protocol version 1 is not supported; this daemon speaks 2");
        return fake_send(fd, frame, n) == 0 ? NULL : "cannot send the HELLO failure";
    }
    n = fake_header(frame, 0x81, id);
    n += put(frame + n, 0, 2);         /* OK */
    n += put(frame + n, 1, 2);         /* protocolVersion */
    n += put(frame + n, 1, 8);         /* sessionID */
    n += put(frame + n, 65536, 4);     /* maxFrameBytes */
    n += put(frame + n, 255, 2);       /* maxNameBytes */
    n += put(frame + n, 1024, 4);      /* maxLocksPerConnection */
    n += put(frame + n, 256, 4);       /* maxWaitersPerConnection */
    n += put_str16(frame + n, "fake"); /* serverName */
    if (fake_send(fd, frame, n) != 0) return "cannot send the HELLO response";

    id = fake_read_request(fd, 0x08);
    if (id == 0) return "no PING";
    switch (f->mode) {
    case FAKE_GARBAGE_TYPE:
        n = fake_header(frame, 0x42, id);
        return fake_send(fd, frame, n) == 0 ? NULL : "cannot send garbage";
    case FAKE_HUGE_LENGTH:
        put(frame, 0x7fffffff, 4);
        return send(fd, frame, 4, MSG_NOSIGNAL) == 4 ? NULL : "cannot send the length";
    case FAKE_LOST_THEN_PONG:
        n = fake_header(frame, 0xC1, 0);
        n += put_str16(frame + n, "r");
        n += put_str16(frame + n, "o");
        n += put(frame + n, 77, 8); /* fencingToken */
        n += put(frame + n, 9, 1);  /* a reason this library does not know */
        if (fake_send(fd, frame, n) != 0) return "cannot send LOST";
        n = fake_header(frame, 0x88, id);
        n += put(frame + n, 0, 2);
        return fake_send(fd, frame, n) == 0 ? NULL : "cannot send PING_RESPONSE";
    default:
        return NULL;
    }
}

static void *fake_main(void *arg) {
    struct fake_daemon *f = arg;
    if (fake_wait_readable(f->listen_fd) != 0) {
        f->failure = "no client connected";
        return NULL;
    }
    int fd = accept4(f->listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0) {
        f->failure = "accept failed";
        return NULL;
    }
    atomic_store(&f->conn_fd, fd);
    f->failure = fake_serve(f, fd);
    /* Stay connected until the client hangs up, so that it must act on what
     * it got rather than on a close. (The teardown closes fd.) */
    uint8_t scratch[512];
    while (fake_wait_readable(fd) == 0 && read(fd, scratch, sizeof scratch) > 0) {
    }
    return NULL;
}

/* Setup: a fake daemon on its own thread; the prestate is its mode. */
static int start_fake(void **state) {
    struct fake_daemon *f = calloc(1, sizeof *f);
    if (!f) return -1;
    f->mode = (enum fake_mode)(uintptr_t)*state;
    f->listen_fd = -1;
    atomic_init(&f->conn_fd, -1);
    *state = f;
    const char *tmp = getenv("TMPDIR");
    snprintf(f->dir, sizeof f->dir, "%s/deadbolt-fake-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(f->dir)) return -1;
    snprintf(f->path, sizeof f->path, "%s/fake.sock", f->dir);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    memcpy(a.sun_path, f->path, strlen(f->path) + 1);
    f->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (f->listen_fd < 0 || bind(f->listen_fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(f->listen_fd, 4) != 0)
        return -1;
    if (pthread_create(&f->thread, NULL, fake_main, f) != 0) return -1;
    f->started = 1;
    return 0;
}

/* Waits for the fake to finish (it does once the client has closed) and
 * fails the test if something went wrong on its side. */
static void fake_finish(struct fake_daemon *f) {
    assert_int_equal(pthread_join(f->thread, NULL), 0);
    f->joined = 1;
    if (f->failure) fail_msg("fake daemon: %s", f->failure);
}

/* Teardown: after a failed test too; wakes the thread if it still waits. */
static int stop_fake(void **state) {
    struct fake_daemon *f = *state;
    if (!f) return 0;
    if (f->started && !f->joined) {
        if (f->listen_fd >= 0) shutdown(f->listen_fd, SHUT_RDWR);
        int fd = atomic_load(&f->conn_fd);
        if (fd >= 0) shutdown(fd, SHUT_RDWR);
        pthread_join(f->thread, NULL);
    }
    if (atomic_load(&f->conn_fd) >= 0) close(atomic_load(&f->conn_fd));
    if (f->listen_fd >= 0) close(f->listen_fd);
    if (f->path[0]) unlink(f->path);
    if (f->dir[0]) rmdir(f->dir);
    free(f);
    return 0;
}

#define FAKE_TEST(t, mode) \
    cmocka_unit_test_prestate_setup_teardown(t, start_fake, stop_fake, (void *)(uintptr_t)(mode))

/* Connects with a given io timeout (a hang then fails as -ETIMEDOUT
 * instead of blocking the test). */
static deadbolt_t *fake_connect(struct fake_daemon *f, int64_t io_timeout_ms) {
    deadbolt_connect_options o;
    deadbolt_connect_options_init(&o);
    o.io_timeout_ms = io_timeout_ms;
    deadbolt_t *c = NULL;
    assert_rc(deadbolt_connect_with(f->path, &o, &c), 0);
    deadbolt_session_info info;
    assert_rc(deadbolt_get_session_info(c, &info), 0);
    assert_string_equal(info.server_name, "fake");
    assert_int_equal(info.max_waiters_per_connection, 256);
    return c;
}

static void test_fake_daemon_unknown_type(void **state) {
    struct fake_daemon *f = *state;
    deadbolt_t *c = fake_connect(f, 5000);
    assert_rc(deadbolt_ping(c), -EPROTO);
    assert_rc(deadbolt_ping(c), -ENOTCONN);
    assert_rc(deadbolt_fd(c), -ENOTCONN);
    deadbolt_close(c);
    fake_finish(f);
}

static void test_fake_daemon_huge_length(void **state) {
    struct fake_daemon *f = *state;
    deadbolt_t *c = fake_connect(f, 5000);
    long long start = now_ms();
    assert_rc(deadbolt_ping(c), -EPROTO); /* on the prefix: no 2 GiB buffer, no wait for the body */
    assert_true(now_ms() - start < 4000);
    assert_rc(deadbolt_ping(c), -ENOTCONN);
    deadbolt_close(c);
    fake_finish(f);
}

static void test_fake_daemon_unsupported_version(void **state) {
    struct fake_daemon *f = *state;
    deadbolt_t *c = (deadbolt_t *)&c; /* must become NULL */
    assert_rc(deadbolt_connect(f->path, &c), -EPROTONOSUPPORT);
    assert_null(c);
    fake_finish(f);
}

static void test_fake_daemon_no_hello_answer(void **state) {
    struct fake_daemon *f = *state;
    deadbolt_connect_options o;
    deadbolt_connect_options_init(&o);
    o.connect_timeout_ms = 200;
    deadbolt_t *c = (deadbolt_t *)&c;
    assert_rc(deadbolt_connect_with(f->path, &o, &c), -ETIMEDOUT);
    assert_null(c);
    fake_finish(f);
}

static void test_fake_daemon_no_answer_closes_handle(void **state) {
    struct fake_daemon *f = *state;
    deadbolt_t *c = fake_connect(f, 200);
    assert_rc(deadbolt_ping(c), -ETIMEDOUT);
    assert_rc(deadbolt_ping(c), -ENOTCONN); /* the answer might still come: the handle is closed */
    deadbolt_close(c);
    fake_finish(f);
}

static void test_fake_daemon_event_during_ping(void **state) {
    struct fake_daemon *f = *state;
    deadbolt_t *c = fake_connect(f, 5000);
    assert_rc(deadbolt_ping(c), 0);
    deadbolt_event ev;
    assert_rc(deadbolt_next_event(c, &ev), 1);
    assert_int_equal(ev.type, DEADBOLT_EVENT_LOST);
    assert_int_equal(ev.reason, 9); /* unknown reasons are passed through */
    assert_int_equal(ev.token, 77);
    assert_string_equal(ev.resource, "r");
    assert_string_equal(ev.owner, "o");
    assert_rc(deadbolt_next_event(c, &ev), 0);
    deadbolt_close(c);
    fake_finish(f);
}

/* --- Mutual exclusion ----------------------------------------------------------- */

enum { ROUNDS = 500 };
static volatile int inside; /* deliberately not atomic: the lock is what protects it */

struct contender {
    pthread_t   thread;
    deadbolt_t *c;
    int         overlaps, errors, first_error;
    uint64_t    tokens[ROUNDS];
};

static void note(struct contender *k, int rc) {
    if (rc == 0) return;
    k->errors++;
    if (!k->first_error) k->first_error = rc;
}

static void *contender_main(void *arg) {
    struct contender *k = arg;
    for (int i = 0; i < ROUNDS; i++) {
        int rc = deadbolt_lock(k->c, "mutex", NULL, &k->tokens[i]);
        note(k, rc);
        if (rc != 0) continue;
        if (inside) k->overlaps++;
        inside = 1;
        note(k, deadbolt_ping(k->c)); /* a round trip inside, so that an overlap would show */
        if (inside != 1) k->overlaps++;
        inside = 0;
        note(k, deadbolt_unlock(k->c, "mutex", NULL));
    }
    return NULL;
}

static int compare_tokens(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static void test_mutual_exclusion(void **state) {
    static struct contender k[2];
    static uint64_t all[2 * ROUNDS];
    memset(k, 0, sizeof k);
    for (int t = 0; t < 2; t++) k[t].c = connect_ok(state);
    for (int t = 0; t < 2; t++) assert_int_equal(pthread_create(&k[t].thread, NULL, contender_main, &k[t]), 0);
    for (int t = 0; t < 2; t++) assert_int_equal(pthread_join(k[t].thread, NULL), 0);

    for (int t = 0; t < 2; t++) {
        if (k[t].errors)
            fail_msg("thread %d: %d calls failed, the first with %d (%s)", t, k[t].errors, k[t].first_error,
                     deadbolt_strerror(k[t].first_error));
        if (k[t].overlaps) fail_msg("thread %d was inside with the other %d times", t, k[t].overlaps);
        for (int i = 1; i < ROUNDS; i++) assert_true(k[t].tokens[i] > k[t].tokens[i - 1]);
        memcpy(all + t * ROUNDS, k[t].tokens, sizeof k[t].tokens);
        deadbolt_close(k[t].c);
    }
    qsort(all, 2 * ROUNDS, sizeof *all, compare_tokens); /* every grant its own token */
    for (int i = 1; i < 2 * ROUNDS; i++) assert_true(all[i] > all[i - 1]);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version_and_option_defaults),
        DAEMON_TEST(test_connect_info_ping_close),
        DAEMON_TEST(test_connect_null_path_uses_env),
        DAEMON_TEST(test_connect_missing_socket),
        DAEMON_TEST(test_null_arguments),
        DAEMON_TEST(test_bad_names),
        DAEMON_TEST(test_bad_lock_options),
        DAEMON_TEST(test_lock_statuses),
        DAEMON_TEST(test_reentrant),
        DAEMON_TEST_WITH(test_quota, quota_args),
        DAEMON_TEST_WITH(test_other_uid_is_refused, open_socket_args),
        DAEMON_TEST(test_shutdown_answers_waiter),
        DAEMON_TEST(test_waiter_is_granted_on_unlock),
        DAEMON_TEST(test_shared_holders),
        DAEMON_TEST(test_detached_lock_with_owner),
        DAEMON_TEST(test_renew),
        DAEMON_TEST(test_lost_on_lease_expiry),
        DAEMON_TEST(test_lost_arrives_during_lock),
        DAEMON_TEST(test_force_unlock_as_root),
        DAEMON_TEST(test_stat),
        DAEMON_TEST(test_stats_lists_every_counter),
        DAEMON_TEST(test_last_status_and_message),
        DAEMON_TEST(test_list_in_byte_order),
        DAEMON_TEST(test_restart_after_clean_stop),
        DAEMON_TEST(test_restart_after_crash),
        FAKE_TEST(test_fake_daemon_unknown_type, FAKE_GARBAGE_TYPE),
        FAKE_TEST(test_fake_daemon_huge_length, FAKE_HUGE_LENGTH),
        FAKE_TEST(test_fake_daemon_unsupported_version, FAKE_BAD_VERSION),
        FAKE_TEST(test_fake_daemon_no_hello_answer, FAKE_MUTE),
        FAKE_TEST(test_fake_daemon_no_answer_closes_handle, FAKE_SILENT),
        FAKE_TEST(test_fake_daemon_event_during_ping, FAKE_LOST_THEN_PONG),
        DAEMON_TEST(test_mutual_exclusion),
    };
    return cmocka_run_group_tests_name("libdeadbolt client", tests, NULL, NULL);
}
