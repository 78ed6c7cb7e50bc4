/* SPDX-License-Identifier: MIT */
/* The harness: clock, statistics, /proc readers, forked workers with a
 * start barrier, and a raw pipelined wire connection. */
#define _GNU_SOURCE 1
#include "loadgen.h"

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* --- Clock, statistics ------------------------------------------------- */

int64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "loadgen: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(1);
}

/* Progress goes to stderr; stdout carries only the report. */
void progress(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fflush(stderr);
}

int compare_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

int compare_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int64_t percentile(const int64_t *sorted, size_t n, double p) {
    if (n == 0) return 0;
    size_t i = (size_t)(p * (double)(n - 1) + 0.5);
    return sorted[i < n ? i : n - 1];
}

double median_of(const double *values, int n) {
    double v[64];
    if (n <= 0) return 0;
    if (n > 64) n = 64;
    memcpy(v, values, (size_t)n * sizeof *v);
    qsort(v, (size_t)n, sizeof *v, compare_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double min_of(const double *values, int n) {
    double m = n > 0 ? values[0] : 0;
    for (int i = 1; i < n; i++) if (values[i] < m) m = values[i];
    return m;
}

double max_of(const double *values, int n) {
    double m = n > 0 ? values[0] : 0;
    for (int i = 1; i < n; i++) if (values[i] > m) m = values[i];
    return m;
}

/* --- /proc --------------------------------------------------------------- */

int64_t schedstat_cpu_ns(pid_t pid) {
    char path[96];
    snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
    DIR *d = opendir(path);
    if (!d) die("%s: %s", path, strerror(errno));
    int64_t total = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        char file[320];
        snprintf(file, sizeof file, "/proc/%d/task/%s/schedstat", (int)pid, e->d_name);
        FILE *f = fopen(file, "r");
        if (!f) continue; /* the thread exited meanwhile */
        long long on_cpu = 0;
        if (fscanf(f, "%lld", &on_cpu) == 1) total += on_cpu;
        fclose(f);
    }
    closedir(d);
    return total;
}

int64_t vmrss_bytes(pid_t pid) {
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f) die("%s: %s", path, strerror(errno));
    long long kb = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %lld kB", &kb) == 1) break;
    fclose(f);
    if (kb < 0) die("%s: no VmRSS", path);
    return (int64_t)kb * 1024;
}

void *shared_alloc(size_t bytes) {
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) die("mmap %zu bytes: %s", bytes, strerror(errno));
    return p;
}

void shared_free(void *p, size_t bytes) {
    munmap(p, bytes);
}

/* --- Forked workers -----------------------------------------------------
 *
 * Four pipes make the barrier, so nobody spins on 2 cores:
 *   ready: each worker writes a byte once connected;
 *   go:    the parent closes its end, and every worker's read returns 0 at once;
 *   done:  each worker writes a byte after its last operation;
 *   exit:  the parent closes its end after reading the CPU counters, and the
 *          workers close their connections outside the measured window.
 */

static void read_byte_or_eof(int fd) {
    char c;
    while (read(fd, &c, 1) < 0 && errno == EINTR) {}
}

static void write_byte(int fd) {
    while (write(fd, "x", 1) < 0 && errno == EINTR) {}
}

void worker_ready(worker_ctx *w) {
    write_byte(w->ready_w);
    read_byte_or_eof(w->go_r);
}

void worker_sample(worker_ctx *w, int64_t ns) {
    struct worker_slot *s = &w->shared->slot[w->index];
    if (s->samples < w->sample_cap) w->samples[s->samples++] = ns;
}

void worker_done(worker_ctx *w, uint64_t ops, uint64_t extra, int64_t finish_ns) {
    struct worker_slot *s = &w->shared->slot[w->index];
    s->ops = ops;
    s->extra = extra;
    s->finish_ns = finish_ns;
    write_byte(w->done_w);
    read_byte_or_eof(w->exit_r);
}

static void kill_all(pid_t *pids, int n) {
    for (int i = 0; i < n; i++)
        if (pids[i] > 0) kill(pids[i], SIGKILL);
    for (int i = 0; i < n; i++)
        if (pids[i] > 0) waitpid(pids[i], NULL, 0);
}

/* Reads n barrier bytes from fd; dies (after killing the workers) if one of
 * them exits early or `limit_ns` passes. */
static void collect_bytes(int fd, int n, pid_t *pids, int workers, int64_t limit_ns, const char *what) {
    int got = 0;
    while (got < n) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int ready = poll(&p, 1, 100);
        if (ready > 0) {
            char buf[64];
            ssize_t r = read(fd, buf, (size_t)(n - got) < sizeof buf ? (size_t)(n - got) : sizeof buf);
            if (r > 0) { got += (int)r; continue; }
            if (r < 0 && errno == EINTR) continue;
        }
        for (int i = 0; i < workers; i++) {
            int status;
            if (pids[i] > 0 && waitpid(pids[i], &status, WNOHANG) == pids[i]) {
                pids[i] = 0;
                kill_all(pids, workers);
                die("a worker exited %s (status %d)", what, status);
            }
        }
        if (now_ns() > limit_ns) {
            kill_all(pids, workers);
            die("workers took too long %s", what);
        }
    }
}

run_result run_workers(const bench_env *env, int workers, worker_fn fn, void *arg) {
    if (workers < 1 || workers > MAX_WORKERS) die("bad worker count %d", workers);
    run_shared *shared = shared_alloc(sizeof *shared);
    atomic_store(&shared->last_holder, -1);
    /* Enough room for every sample of a fast single worker; past the cap a
     * worker keeps counting but stops sampling. */
    uint64_t cap = (1u << 22) / (uint64_t)workers;
    if (cap < (1u << 16)) cap = 1u << 16;
    size_t samples_bytes = (size_t)(cap * (uint64_t)workers * sizeof(int64_t));
    int64_t *samples = shared_alloc(samples_bytes);

    int ready[2], go[2], done[2], quit[2];
    if (pipe(ready) || pipe(go) || pipe(done) || pipe(quit)) die("pipe: %s", strerror(errno));
    fflush(NULL);
    pid_t pids[MAX_WORKERS] = {0};
    for (int i = 0; i < workers; i++) {
        pid_t pid = fork();
        if (pid < 0) { kill_all(pids, i); die("fork: %s", strerror(errno)); }
        if (pid == 0) {
            close(ready[0]); close(go[1]); close(done[0]); close(quit[1]);
            worker_ctx w = {.env = env, .shared = shared, .index = i, .workers = workers,
                            .samples = samples + (size_t)i * cap, .sample_cap = cap, .arg = arg,
                            .ready_w = ready[1], .go_r = go[0], .done_w = done[1], .exit_r = quit[0]};
            _exit(fn(&w));
        }
        pids[i] = pid;
    }
    close(ready[1]); close(go[0]); close(done[1]); close(quit[0]);

    int64_t limit = now_ns() + 60 * (int64_t)1000000000;
    collect_bytes(ready[0], workers, pids, workers, limit, "before the start");
    run_result r = {0};
    r.deadbolt_cpu_ns = schedstat_cpu_ns(env->deadbolt_pid);
    r.redis_cpu_ns = schedstat_cpu_ns(env->redis_pid);
    r.start_ns = shared->start_ns = now_ns();
    r.deadline_ns = shared->deadline_ns = r.start_ns + (int64_t)(env->window_s * 1e9);
    close(go[1]); /* go */

    limit = r.deadline_ns + 120 * (int64_t)1000000000;
    collect_bytes(done[0], workers, pids, workers, limit, "during the window");
    r.deadbolt_cpu_ns = schedstat_cpu_ns(env->deadbolt_pid) - r.deadbolt_cpu_ns;
    r.redis_cpu_ns = schedstat_cpu_ns(env->redis_pid) - r.redis_cpu_ns;
    close(quit[1]); /* let them clean up */

    for (int i = 0; i < workers; i++) {
        int status;
        waitpid(pids[i], &status, 0);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) die("worker %d failed (status %d)", i, status);
    }
    close(ready[0]); close(done[0]);

    /* Pool the samples of every worker. */
    uint64_t total = 0;
    for (int i = 0; i < workers; i++) total += shared->slot[i].samples;
    int64_t *all = malloc((size_t)(total ? total : 1) * sizeof *all);
    if (!all) die("out of memory");
    uint64_t at = 0;
    for (int i = 0; i < workers; i++) {
        const struct worker_slot *s = &shared->slot[i];
        memcpy(all + at, samples + (size_t)i * cap, (size_t)s->samples * sizeof *all);
        at += s->samples;
        r.ops += s->ops;
        r.extra += s->extra;
        if (s->finish_ns > r.end_ns) r.end_ns = s->finish_ns;
    }
    qsort(all, (size_t)total, sizeof *all, compare_i64);
    r.samples = total;
    r.p50_ns = percentile(all, (size_t)total, 0.50);
    r.p99_ns = percentile(all, (size_t)total, 0.99);
    r.violations = atomic_load(&shared->violations);
    free(all);
    shared_free(samples, samples_bytes);
    shared_free(shared, sizeof *shared);
    return r;
}

/* --- libdeadbolt helpers ------------------------------------------------ */

deadbolt_t *db_connect(const char *socket_path) {
    deadbolt_t *c;
    int err = deadbolt_connect(socket_path, &c);
    if (err < 0) die("deadbolt_connect %s: %s", socket_path, deadbolt_strerror(err));
    return c;
}

uint64_t db_stat(deadbolt_t *c, const char *name) {
    uint64_t v = 0;
    int err = deadbolt_stat(c, name, &v);
    if (err < 0) die("deadbolt_stat %s: %s", name, deadbolt_strerror(err));
    return v;
}

deadbolt_wire_string wstr(const char *s) {
    deadbolt_wire_string w = {.bytes = s, .length = strlen(s)};
    return w;
}

/* --- A raw wire connection ---------------------------------------------- */

void rawconn_open(rawconn *c, const char *socket_path, const char *client_name) {
    memset(c, 0, sizeof *c);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    if (strlen(socket_path) >= sizeof a.sun_path) die("socket path too long: %s", socket_path);
    strcpy(a.sun_path, socket_path);
    c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&a, sizeof a) < 0)
        die("connect %s: %s", socket_path, strerror(errno));
    c->in_cap = 1 << 20;
    c->out_cap = 1 << 20;
    c->in = malloc(c->in_cap);
    c->out = malloc(c->out_cap);
    if (!c->in || !c->out) die("out of memory");

    deadbolt_wire_request r;
    deadbolt_wire_encode_hello(&r, 1, DEADBOLT_PROTOCOL_VERSION, wstr(client_name));
    rawconn_queue(c, &r);
    rawconn_flush(c);
    deadbolt_wire_message m;
    while (!rawconn_next(c, &m)) rawconn_read(c);
    if (m.type != (DEADBOLT_WIRE_HELLO | DEADBOLT_WIRE_RESPONSE_BIT) || m.status != DEADBOLT_STATUS_OK)
        die("HELLO refused: status %u", m.status);
}

void rawconn_queue(rawconn *c, const deadbolt_wire_request *r) {
    if (c->out_len + r->length > c->out_cap) rawconn_flush(c);
    memcpy(c->out + c->out_len, r->bytes, r->length);
    c->out_len += r->length;
}

void rawconn_flush(rawconn *c) {
    size_t at = 0;
    while (at < c->out_len) {
        ssize_t n = send(c->fd, c->out + at, c->out_len - at, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            die("send: %s", strerror(errno));
        }
        at += (size_t)n;
    }
    c->out_len = 0;
}

int rawconn_next(rawconn *c, deadbolt_wire_message *m) {
    size_t have = c->in_end - c->in_start;
    if (have < DEADBOLT_WIRE_LENGTH_BYTES) return 0;
    uint32_t length = deadbolt_wire_frame_length(c->in + c->in_start);
    if (length > c->in_cap - DEADBOLT_WIRE_LENGTH_BYTES) die("oversize frame: %u bytes", length);
    if (have < DEADBOLT_WIRE_LENGTH_BYTES + (size_t)length) return 0;
    const uint8_t *body = c->in + c->in_start + DEADBOLT_WIRE_LENGTH_BYTES;
    if (deadbolt_wire_decode_message(body, length, m) < 0) die("malformed frame from the daemon");
    c->in_start += DEADBOLT_WIRE_LENGTH_BYTES + length;
    return 1;
}

void rawconn_read(rawconn *c) {
    /* Move a partial frame to the front; decoded messages die with it. */
    if (c->in_start > 0) {
        memmove(c->in, c->in + c->in_start, c->in_end - c->in_start);
        c->in_end -= c->in_start;
        c->in_start = 0;
    }
    for (;;) {
        ssize_t n = recv(c->fd, c->in + c->in_end, c->in_cap - c->in_end, 0);
        if (n > 0) { c->in_end += (size_t)n; return; }
        if (n == 0) die("the daemon closed the connection");
        if (errno != EINTR) die("recv: %s", strerror(errno));
    }
}

void rawconn_close(rawconn *c) {
    if (c->fd >= 0) close(c->fd);
    free(c->in);
    free(c->out);
    c->fd = -1;
    c->in = c->out = NULL;
}
