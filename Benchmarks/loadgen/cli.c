/* SPDX-License-Identifier: MIT */
/* CLI start-up: `deadbolt run NAME -- true` against `flock FILE true`,
 * timed by hyperfine without a shell (-N); the figures are read back from
 * its --export-json files. */
#define _GNU_SOURCE 1
#include "loadgen.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Reads a whole file into a NUL-terminated buffer. */
static char *slurp(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) die("%s: %s", path, strerror(errno));
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    if (!buf) die("out of memory");
    size_t got;
    while ((got = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += got;
        if (cap - len <= 1) {
            cap *= 2;
            if (!(buf = realloc(buf, cap))) die("out of memory");
        }
    }
    fclose(f);
    buf[len] = '\0';
    return buf;
}

/* The number after `"key":` in the JSON object starting at `from` (and
 * before `until`, the next result); dies if it is missing. hyperfine writes
 * one object per command, with mean/median/... before its "times" array. */
static double json_number(const char *from, const char *until, const char *key) {
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\":", key);
    const char *at = strstr(from, pattern);
    if (!at || (until && at > until)) die("hyperfine JSON: no %s", key);
    return strtod(at + strlen(pattern), NULL);
}

/* One hyperfine invocation of both commands, `first` (0 = deadbolt) timed
 * first; returns the medians and means. */
static cli_result hyperfine_once(const bench_env *env, int runs, int first, const char *json) {
    char deadbolt_cmd[1024], flock_cmd[1024], runs_arg[16];
    snprintf(deadbolt_cmd, sizeof deadbolt_cmd, "%s run bench-cli -- true", env->cli_path);
    snprintf(flock_cmd, sizeof flock_cmd, "flock %s/cli.lock true", env->tmp_dir);
    snprintf(runs_arg, sizeof runs_arg, "%d", runs);
    const char *a = first == 0 ? deadbolt_cmd : flock_cmd, *b = first == 0 ? flock_cmd : deadbolt_cmd;

    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) die("fork failed");
    if (pid == 0) {
        /* The CLI finds the bench daemon through $DEADBOLT_SOCKET; hyperfine's
         * own output goes to stderr, leaving stdout to the report. */
        setenv("DEADBOLT_SOCKET", env->deadbolt_socket, 1);
        dup2(2, 1);
        execlp("hyperfine", "hyperfine", "-N", "--style", "none", "--warmup", "3", "--runs", runs_arg,
               "--export-json", json, a, b, (char *)NULL);
        fprintf(stderr, "loadgen: hyperfine: %s\n", strerror(errno));
        _exit(127);
    }
    int status;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) die("hyperfine failed (status %d)", status);

    char *text = slurp(json);
    const char *one = strstr(text, "\"command\":");
    const char *two = one ? strstr(one + 1, "\"command\":") : NULL;
    if (!one || !two) die("hyperfine JSON: expected two results in %s", json);
    const char *d = first == 0 ? one : two, *d_end = first == 0 ? two : NULL;
    const char *f = first == 0 ? two : one, *f_end = first == 0 ? NULL : two;
    cli_result r = {
        .deadbolt_median_s = json_number(d, d_end, "median"),
        .deadbolt_mean_s = json_number(d, d_end, "mean"),
        .flock_median_s = json_number(f, f_end, "median"),
        .flock_mean_s = json_number(f, f_end, "mean"),
    };
    free(text);
    return r;
}

/* hyperfine times all runs of one command, then all of the other; a burst
 * of noise could hit one alone. So a repetition is CLI_ROUNDS shorter
 * invocations that alternate which command goes first, and its figures
 * are the medians over them. */
enum { CLI_ROUNDS = 4 };

cli_result run_cli(const bench_env *env, int rep) {
    double dm[CLI_ROUNDS], dmean[CLI_ROUNDS], fm[CLI_ROUNDS], fmean[CLI_ROUNDS];
    int runs = env->cli_runs / CLI_ROUNDS > 5 ? env->cli_runs / CLI_ROUNDS : 5;
    for (int i = 0; i < CLI_ROUNDS; i++) {
        char json[512];
        snprintf(json, sizeof json, "%s/hyperfine-%d-%d.json", env->tmp_dir, rep, i);
        cli_result r = hyperfine_once(env, runs, i % 2, json);
        dm[i] = r.deadbolt_median_s;
        dmean[i] = r.deadbolt_mean_s;
        fm[i] = r.flock_median_s;
        fmean[i] = r.flock_mean_s;
    }
    cli_result r = {median_of(dm, CLI_ROUNDS), median_of(dmean, CLI_ROUNDS), median_of(fm, CLI_ROUNDS),
                    median_of(fmean, CLI_ROUNDS)};
    return r;
}
