/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "garbage.h"
#include "deadbolt.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int become(uid_t uid) {
    if (setgroups(0, NULL) != 0 || setresgid(uid, uid, uid) != 0 || setresuid(uid, uid, uid) != 0) return -errno;
    return 0;
}

int dial(const char *path) {
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
    int r;
    do r = connect(fd, (struct sockaddr *)&a, sizeof a);
    while (r != 0 && errno == EINTR);
    if (r != 0) {
        int err = -errno;
        close(fd);
        return err;
    }
    return fd;
}

int dial_or_exit(const char *path) {
    int fd = dial(path);
    if (fd < 0) {
        fprintf(stderr, "connect %s: %s\n", path, strerror(-fd));
        exit(2);
    }
    return fd;
}

uint64_t stat_or_exit(deadbolt_t *c, const char *name) {
    uint64_t v = 0;
    int rc = deadbolt_stat(c, name, &v);
    if (rc < 0) {
        fprintf(stderr, "STATS %s: %s\n", name, deadbolt_strerror(rc));
        exit(2);
    }
    return v;
}

void set_nonblocking(int fd) {
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

void die_with_parent(pid_t parent) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(3);
}

void copy_text(char *dst, size_t size, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(dst, size, fmt, ap);
    va_end(ap);
}

static uint64_t splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void rng_seed(struct rng *r, uint64_t seed) {
    for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&seed);
}

static inline uint64_t rotl(uint64_t x, int k) {
    return (x << k) | (x >> (64 - k));
}

uint64_t rng_next(struct rng *r) {
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

uint64_t rng_below(struct rng *r, uint64_t n) {
    return n ? rng_next(r) % n : 0;
}

uint64_t rng_log_uniform(struct rng *r, uint64_t lo, uint64_t hi) {
    /* Pick a power of two between lo and hi, then a value within it. */
    int lo_bits = 63 - __builtin_clzll(lo | 1), hi_bits = 63 - __builtin_clzll(hi | 1);
    int bits = lo_bits + (int)rng_below(r, (uint64_t)(hi_bits - lo_bits + 1));
    uint64_t v = (1ULL << bits) + rng_below(r, 1ULL << bits);
    return v < lo ? lo : v > hi ? hi : v;
}

void rng_fill(struct rng *r, uint8_t *p, size_t n) {
    while (n >= 8) {
        uint64_t v = rng_next(r);
        memcpy(p, &v, 8);
        p += 8;
        n -= 8;
    }
    if (n) {
        uint64_t v = rng_next(r);
        memcpy(p, &v, n);
    }
}
