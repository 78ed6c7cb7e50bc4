/* SPDX-License-Identifier: MIT */
/* loadgen: options, the interleaved repetitions, and the markdown report.
 *
 *   loadgen --deadbolt-socket PATH --deadbolt-pid PID --redis-socket PATH
 *           --redis-pid PID --cli PATH --tmp-dir DIR [--reps N] [--window S]
 *           [--locks N] [--cli-runs N] [--sections LIST] [--quick] [--filter TEXT]
 *
 * Benchmarks/run-bench.sh starts the daemon and redis-server and passes
 * their sockets and pids. Progress goes to stderr, the report to stdout.
 *
 * Rate configurations (uncontended pairs, contended handoff) and the CLI
 * start-up run interleaved: repetition 1 of every one, then repetition 2,
 * and so on, so that a noisy minute hurts all of them alike. Each is
 * reported as the median of its repetitions, with their min–max. Memory
 * (once: an allocator keeps what it freed, so only a fresh heap's growth
 * counts) and expiry (repeated, in a row) take a million locks each and
 * run after them. */
#define _GNU_SOURCE 1
#include "loadgen.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_REPS = 64, MAX_CONFIGS = 32 };

/* One configuration's repetitions, reduced to per-repetition figures. */
typedef struct series {
    const rate_config *config;
    int    n;
    double rate[MAX_REPS];          /* ops/s */
    double p50_us[MAX_REPS], p99_us[MAX_REPS];
    double cpu_us[MAX_REPS];        /* server CPU per pair, or per grant: deadboltd's or redis-server's */
    double grant_rate[MAX_REPS];    /* contended: grants/s, re-grabs included */
    double regrab_pct[MAX_REPS];    /* contended: share of grants that were re-grabs */
    uint64_t violations;
} series;

static int is_deadbolt(const rate_config *c) { return strcmp(c->system, "deadbolt") == 0; }
static int is_redis(const rate_config *c) { return strncmp(c->system, "Redis", 5) == 0; }

static void record(series *s, const run_result *r) {
    int i = s->n++;
    int contended = strcmp(s->config->section, "contended") == 0;
    /* Uncontended: the window ends with the last pair; contended: at the
     * deadline, after which no grant counts. */
    double window = (double)((contended ? r->deadline_ns : r->end_ns) - r->start_ns) / 1e9;
    s->rate[i] = window > 0 ? (double)r->ops / window : 0;
    s->p50_us[i] = (double)r->p50_ns / 1e3;
    s->p99_us[i] = (double)r->p99_ns / 1e3;
    int64_t cpu = is_deadbolt(s->config) ? r->deadbolt_cpu_ns : is_redis(s->config) ? r->redis_cpu_ns : 0;
    /* Contended: per grant (a lock+unlock cycle), re-grabs included. */
    uint64_t cycles = r->ops + (contended ? r->extra : 0);
    s->cpu_us[i] = cycles ? (double)cpu / (double)cycles / 1e3 : 0;
    s->grant_rate[i] = window > 0 ? (double)(r->ops + r->extra) / window : 0;
    s->regrab_pct[i] = r->ops + r->extra ? 100.0 * (double)r->extra / (double)(r->ops + r->extra) : 0;
    s->violations += r->violations;
}

/* --- Formatting ------------------------------------------------------------------- */

static const char *fmt_rate(char *buf, double v) {
    if (v >= 10000) snprintf(buf, 32, "%.1fk", v / 1000);
    else if (v >= 1000) snprintf(buf, 32, "%.2fk", v / 1000);
    else snprintf(buf, 32, "%.0f", v);
    return buf;
}

static const char *fmt_us(char *buf, double v) {
    if (v >= 100) snprintf(buf, 32, "%.0f", v);
    else if (v >= 10) snprintf(buf, 32, "%.1f", v);
    else snprintf(buf, 32, "%.2f", v);
    return buf;
}

/* "median (min–max)" of a per-repetition figure; just the value with one. */
static const char *fmt_spread(char *buf, const double *v, int n, const char *(*fmt)(char *, double)) {
    char a[32], b[32], c[32];
    if (n <= 1) snprintf(buf, 100, "%s", fmt(a, median_of(v, n)));
    else snprintf(buf, 100, "%s (%s–%s)", fmt(a, median_of(v, n)), fmt(b, min_of(v, n)), fmt(c, max_of(v, n)));
    return buf;
}

static double ratio(double a, double b) { return b > 0 ? a / b : 0; }

/* --- Goals ---------------------------------------------------------------------- */

typedef struct goal {
    char measure[96];
    char target[96];
    char figure[160];
    int  met;
} goal;

static goal goals[32];
static int goal_count;

static void add_goal(const char *measure, const char *target, int met, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void add_goal(const char *measure, const char *target, int met, const char *fmt, ...) {
    goal *g = &goals[goal_count++];
    snprintf(g->measure, sizeof g->measure, "%s", measure);
    snprintf(g->target, sizeof g->target, "%s", target);
    g->met = met;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g->figure, sizeof g->figure, fmt, ap);
    va_end(ap);
}

/* --- Sections ------------------------------------------------------------------- */

static void report_uncontended(series *s, int n) {
    char b1[100], b2[100], b3[32], b4[32], b5[32], b6[32];
    printf("\n### Uncontended lock+unlock pairs\n\n");
    printf("Pairs per second, median of the repetitions (min–max); latency of a pair, median of the\n"
           "repetitions' p50 and p99. Ratio: deadbolt ÷ Redis.\n\n");
    printf("| configuration | deadbolt pairs/s | Redis pairs/s | ratio | deadbolt p50 / p99 µs | Redis p50 / p99 µs | p50 ratio |\n");
    printf("|---|---|---|---|---|---|---|\n");
    for (int i = 0; i + 1 < n; i += 2) {
        series *d = &s[i], *r = &s[i + 1];
        printf("| %s | %s | %s | %.2f× | %s / %s | %s / %s | %.2f× |\n", d->config->name,
               fmt_spread(b1, d->rate, d->n, fmt_rate), fmt_spread(b2, r->rate, r->n, fmt_rate),
               ratio(median_of(d->rate, d->n), median_of(r->rate, r->n)), fmt_us(b3, median_of(d->p50_us, d->n)),
               fmt_us(b4, median_of(d->p99_us, d->n)), fmt_us(b5, median_of(r->p50_us, r->n)),
               fmt_us(b6, median_of(r->p99_us, r->n)), ratio(median_of(d->p50_us, d->n), median_of(r->p50_us, r->n)));
    }

    printf("\n### Server CPU per lock+unlock pair\n\n");
    printf("On-CPU time of every server thread (/proc/PID/task/*/schedstat, field 1) over the\n"
           "measured window, divided by the pairs; median of the repetitions (min–max).\n"
           "Ratio: deadboltd ÷ redis-server.\n\n");
    printf("| configuration | deadboltd µs/pair | redis-server µs/pair | ratio |\n|---|---|---|---|\n");
    for (int i = 0; i + 1 < n; i += 2) {
        series *d = &s[i], *r = &s[i + 1];
        printf("| %s | %s | %s | %.2f× |\n", d->config->name, fmt_spread(b1, d->cpu_us, d->n, fmt_us),
               fmt_spread(b2, r->cpu_us, r->n, fmt_us), ratio(median_of(d->cpu_us, d->n), median_of(r->cpu_us, r->n)));
    }

    /* Goals: configurations 0/1 = 1 client, 2/3 = 16 clients, 4/5 = pipelined. */
    if (n < 6) return;
    double r16 = ratio(median_of(s[2].rate, s[2].n), median_of(s[3].rate, s[3].n));
    double rpipe = ratio(median_of(s[4].rate, s[4].n), median_of(s[5].rate, s[5].n));
    double rp50 = ratio(median_of(s[0].p50_us, s[0].n), median_of(s[1].p50_us, s[1].n));
    double rcpu = ratio(median_of(s[2].cpu_us, s[2].n), median_of(s[3].cpu_us, s[3].n));
    add_goal("uncontended pairs, 16 clients", "≥ 1.5× Redis", r16 >= 1.5, "%.2f× (%s vs %s pairs/s)", r16,
             fmt_rate(b3, median_of(s[2].rate, s[2].n)), fmt_rate(b4, median_of(s[3].rate, s[3].n)));
    add_goal("uncontended pairs, 32 pipelined", "≥ 1.5× Redis", rpipe >= 1.5, "%.2f× (%s vs %s pairs/s)", rpipe,
             fmt_rate(b3, median_of(s[4].rate, s[4].n)), fmt_rate(b4, median_of(s[5].rate, s[5].n)));
    add_goal("1-client synchronous pair p50", "≤ 1.1× Redis", rp50 <= 1.1, "%.2f× (%s vs %s µs)", rp50,
             fmt_us(b3, median_of(s[0].p50_us, s[0].n)), fmt_us(b4, median_of(s[1].p50_us, s[1].n)));
    add_goal("daemon CPU per pair, 16 clients", "≤ 0.5× redis-server", rcpu <= 0.5, "%.2f× (%s vs %s µs)", rcpu,
             fmt_us(b3, median_of(s[2].cpu_us, s[2].n)), fmt_us(b4, median_of(s[3].cpu_us, s[3].n)));
}

static void report_contended(series *s, int n) {
    char b1[100], b2[32], b3[32], b4[32], b5[100];
    printf("\n### Contended handoff\n\n");
    printf("Processes loop lock/unlock on one resource with nothing in between. A handoff is a grant to\n"
           "another process than the last holder; its wait runs from the releaser's timestamp, taken just\n"
           "before it released, to the grant. A re-grab: the releaser took the lock back before any\n"
           "waiter; grants/s counts both. In the \"taking turns\" rows a releaser asks again only once\n"
           "another process holds the lock, so every release finds ~14 queued waiters and every grant is\n"
           "a handoff. Handoffs/s: median of the repetitions (min–max); waits: median of the repetitions'\n"
           "p50 and p99. Server CPU: per grant, deadboltd's or redis-server's (flock's is in the kernel).\n"
           "Ratios: deadbolt ÷ that row.\n\n");
    printf("| processes | lock | handoffs/s | grants/s | re-grabs | wait p50 µs | wait p99 µs | server CPU µs/grant | handoffs/s ratio | p50 ratio |\n");
    printf("|---|---|---|---|---|---|---|---|---|---|\n");
    for (int g = 0; g + 3 < n; g += 4) {
        series *d = &s[g];
        double d_rate = median_of(d->rate, d->n), d_p50 = median_of(d->p50_us, d->n);
        for (int k = 0; k < 4; k++) {
            series *x = &s[g + k];
            char ratios[64] = "— | —";
            if (k > 0)
                snprintf(ratios, sizeof ratios, "%.2f× | %.2f×", ratio(d_rate, median_of(x->rate, x->n)),
                         ratio(d_p50, median_of(x->p50_us, x->n)));
            printf("| %s | %s | %s | %s | %.1f%% | %s | %s | %s | %s |\n", x->config->name, x->config->system,
                   fmt_spread(b1, x->rate, x->n, fmt_rate), fmt_rate(b4, median_of(x->grant_rate, x->n)),
                   median_of(x->regrab_pct, x->n), fmt_us(b2, median_of(x->p50_us, x->n)),
                   fmt_us(b3, median_of(x->p99_us, x->n)),
                   strcmp(x->config->system, "flock(2)") == 0 ? "—" : fmt_spread(b5, x->cpu_us, x->n, fmt_us), ratios);
        }
        /* The goals: group order is deadbolt, flock, polling, pub/sub. */
        series *fl = &s[g + 1], *ps = &s[g + 3];
        double rf = ratio(d_rate, median_of(fl->rate, fl->n));
        double rp = ratio(d_p50, median_of(ps->p50_us, ps->n));
        char measure[96];
        snprintf(measure, sizeof measure, "contended handoff, %s: handoffs/s", d->config->name);
        add_goal(measure, "≥ 0.5× flock(2)", rf >= 0.5, "%.2f× (%s vs %s /s)", rf, fmt_rate(b2, d_rate),
                 fmt_rate(b3, median_of(fl->rate, fl->n)));
        snprintf(measure, sizeof measure, "contended handoff, %s: release→grant p50", d->config->name);
        add_goal(measure, "≤ 0.5× Redis pub/sub", rp <= 0.5, "%.2f× (%s vs %s µs)", rp, fmt_us(b2, d_p50),
                 fmt_us(b3, median_of(ps->p50_us, ps->n)));
    }
    uint64_t violations = 0;
    for (int i = 0; i < n; i++) violations += s[i].violations;
    if (violations) printf("\n**Mutual exclusion was violated %llu times.**\n", (unsigned long long)violations);
}

static void report_memory(const memory_result *m) {
    double n = (double)m->locks;
    double db = (double)m->deadbolt_rss_delta / n, used = (double)m->redis_used_memory_delta / n,
           rss = (double)m->redis_rss_delta / n;
    printf("\n### Memory per held lock\n\n");
    printf("%ld distinct detached locks (ttl 1 h, owner `bench-memory`, names `mem/0000000`…) taken\n"
           "pipelined on one connection, against as many `SET mem:0000000 bench-memory PX 3600000`.\n"
           "One run. Ratio: deadboltd RSS ÷ that row.\n\n", m->locks);
    printf("| measure | bytes per lock | total | time to take them | ratio |\n|---|---|---|---|---|\n");
    printf("| deadboltd RSS delta | %.0f | %.1f MiB | %.2f s | — |\n", db, (double)m->deadbolt_rss_delta / 1048576,
           m->deadbolt_fill_s);
    printf("| redis-server used_memory delta | %.0f | %.1f MiB | %.2f s | %.2f× |\n", used,
           (double)m->redis_used_memory_delta / 1048576, m->redis_fill_s, ratio(db, used));
    printf("| redis-server RSS delta | %.0f | %.1f MiB | | %.2f× |\n", rss, (double)m->redis_rss_delta / 1048576,
           ratio(db, rss));
    printf("\n(Releasing the %ld locks again, pipelined: %.2f s.)\n", m->locks, m->deadbolt_release_s);
    add_goal("memory per held lock", "≤ Redis", db <= used, "%.0f B (deadboltd RSS) vs %.0f B (Redis used_memory), %.2f×",
             db, used, ratio(db, used));
}

static const char *fmt_count(char *buf, double v) {
    snprintf(buf, 32, "%.0f", v);
    return buf;
}

/* One row of the expiry table: a per-repetition figure (ms, or a count). */
static void expiry_row(const char *measure, const double *v, int n) {
    char buf[100];
    int count = strstr(measure, "(count)") != NULL;
    printf("| %s | %s |\n", measure, fmt_spread(buf, v, n, count ? fmt_count : fmt_us));
}

static void report_expiry(const expiry_result *e, int n) {
    double fill[MAX_REPS], done[MAX_REPS], p50[MAX_REPS], p99[MAX_REPS], max[MAX_REPS], over[MAX_REPS],
        close_max[MAX_REPS], idle_p99[MAX_REPS], idle_max[MAX_REPS], late50[MAX_REPS], late99[MAX_REPS],
        latemax[MAX_REPS], pings[MAX_REPS];
    int complete = 1;
    uint64_t fewest = UINT64_MAX;
    for (int i = 0; i < n; i++) {
        fill[i] = e[i].fill_s;
        done[i] = e[i].done_after_last_deadline_ms;
        p50[i] = (double)e[i].ping_p50_ns / 1e6;
        p99[i] = (double)e[i].ping_p99_ns / 1e6;
        max[i] = (double)e[i].ping_max_ns / 1e6;
        over[i] = (double)e[i].pings_over_5ms;
        pings[i] = (double)e[i].pings;
        close_max[i] = (double)e[i].close_max_ns / 1e6;
        idle_p99[i] = (double)e[i].idle_p99_ns / 1e6;
        idle_max[i] = (double)e[i].idle_max_ns / 1e6;
        late50[i] = (double)e[i].late_p50_ns / 1e6;
        late99[i] = (double)e[i].late_p99_ns / 1e6;
        latemax[i] = (double)e[i].late_max_ns / 1e6;
        complete &= e[i].complete;
        if (e[i].expiries < fewest) fewest = e[i].expiries;
    }
    char buf[100];
    printf("\n### Expiry at scale\n\n");
    printf("%ld detached leases per repetition, deadlines spread uniformly over %.2f s in random order,\n"
           "taken pipelined on one connection, which then closes: they expire silently. A probe client\n"
           "PINGs in a loop meanwhile; a round trip bounds the event loop's stall. Lateness comes from\n"
           "expiries_total, sampled every %.0f ms, against the known deadlines (an upper bound, by up to\n"
           "one interval). Median of %d repetitions (min–max); times in ms unless marked.\n\n",
           e[0].leases, e[0].spread_s, (double)e[0].stats_interval_ns / 1e6, n);
    printf("| measure | value |\n|---|---|\n");
    printf("| expiries_total delta, fewest of the repetitions | %llu of %ld%s |\n", (unsigned long long)fewest,
           e[0].leases, complete ? "" : " (incomplete)");
    printf("| time to take the leases, s | %s |\n", fmt_spread(buf, fill, n, fmt_us));
    expiry_row("all expired, after the last deadline", done, n);
    expiry_row("probe round trips during expiry (count)", pings, n);
    expiry_row("probe round trip p50, during expiry", p50, n);
    expiry_row("probe round trip p99, during expiry", p99, n);
    expiry_row("**probe round trip max, during expiry**", max, n);
    expiry_row("probe round trips over 5 ms, during expiry (count)", over, n);
    expiry_row("probe round trip max, while the filling session closed", close_max, n);
    expiry_row("probe round trip p99, idle daemon (reference)", idle_p99, n);
    expiry_row("probe round trip max, idle daemon (reference)", idle_max, n);
    expiry_row("expiry lateness p50", late50, n);
    expiry_row("expiry lateness p99", late99, n);
    expiry_row("expiry lateness max", latemax, n);
    char measure[96];
    snprintf(measure, sizeof measure, "expiry of %ld leases", e[0].leases);
    double m = median_of(max, n);
    add_goal(measure, "no event-loop stall > 5 ms", complete && m <= 5.0,
             "max probe round trip %.2f ms (median of %d; min–max %.2f–%.2f; idle daemon %.2f)%s", m, n,
             min_of(max, n), max_of(max, n), median_of(idle_max, n), complete ? "" : "; not all leases expired");
}

static void report_cli(const cli_result *c, int n, int runs) {
    double dm[MAX_REPS], fm[MAX_REPS], dmean[MAX_REPS], fmean[MAX_REPS];
    for (int i = 0; i < n; i++) {
        dm[i] = c[i].deadbolt_median_s * 1e3;
        fm[i] = c[i].flock_median_s * 1e3;
        dmean[i] = c[i].deadbolt_mean_s * 1e3;
        fmean[i] = c[i].flock_mean_s * 1e3;
    }
    char b1[100], b2[100], b3[32], b4[32];
    printf("\n### CLI start-up\n\n");
    printf("`hyperfine -N` (no shell), %d runs per command and repetition, in 4 invocations that\n"
           "alternate which command goes first; a repetition's figure is the median of its invocations'\n"
           "medians (means), the table's the median of the repetitions (min–max). Ratio: deadbolt ÷\n"
           "flock(1).\n\n", runs);
    printf("| command | median ms | mean ms | ratio |\n|---|---|---|---|\n");
    double d = median_of(dm, n), f = median_of(fm, n);
    printf("| `deadbolt run bench-cli -- true` | %s | %s | %.2f× |\n", fmt_spread(b1, dm, n, fmt_us),
           fmt_us(b3, median_of(dmean, n)), ratio(d, f));
    printf("| `flock FILE true` | %s | %s | — |\n", fmt_spread(b2, fm, n, fmt_us), fmt_us(b4, median_of(fmean, n)));
    add_goal("CLI start-up", "≤ 2× flock(1)", ratio(d, f) <= 2.0, "%.2f× (%.2f vs %.2f ms)", ratio(d, f), d, f);
}

static void report_goals(void) {
    printf("\n### Goals (issue 9), from this run\n\n| measure | goal | figure | met |\n|---|---|---|---|\n");
    for (int i = 0; i < goal_count; i++)
        printf("| %s | %s | %s | %s |\n", goals[i].measure, goals[i].target, goals[i].figure,
               goals[i].met ? "met" : "**not met**");
}

/* --- main -------------------------------------------------------------------------- */

static void usage(void) {
    fprintf(stderr, "usage: loadgen --deadbolt-socket PATH --deadbolt-pid PID --redis-socket PATH --redis-pid PID\n"
                    "               --cli PATH --tmp-dir DIR [--reps N] [--window SECONDS] [--locks N]\n"
                    "               [--cli-runs N] [--sections uncontended,contended,cli,memory,expiry] [--quick]\n"
                    "               [--filter TEXT]   (only the rate configurations whose label has TEXT)\n");
    exit(64);
}

static int wants(const char *sections, const char *name) {
    if (!sections) return 1;
    size_t len = strlen(name);
    for (const char *p = sections; (p = strstr(p, name)) != NULL; p += len)
        if ((p == sections || p[-1] == ',') && (p[len] == '\0' || p[len] == ',')) return 1;
    return 0;
}

int main(int argc, char **argv) {
    bench_env env = {.reps = 3, .window_s = 3.0, .scale_locks = 1000000, .cli_runs = 200};
    const char *sections = NULL, *filter = NULL;
    static const struct option options[] = {
        {"deadbolt-socket", required_argument, NULL, 'd'}, {"deadbolt-pid", required_argument, NULL, 'D'},
        {"redis-socket", required_argument, NULL, 'r'},    {"redis-pid", required_argument, NULL, 'R'},
        {"cli", required_argument, NULL, 'c'},             {"tmp-dir", required_argument, NULL, 't'},
        {"reps", required_argument, NULL, 'n'},            {"window", required_argument, NULL, 'w'},
        {"locks", required_argument, NULL, 'l'},           {"cli-runs", required_argument, NULL, 'h'},
        {"sections", required_argument, NULL, 's'},        {"quick", no_argument, NULL, 'q'},
        {"filter", required_argument, NULL, 'f'},
        {NULL, 0, NULL, 0}};
    int opt;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case 'd': env.deadbolt_socket = optarg; break;
        case 'D': env.deadbolt_pid = atoi(optarg); break;
        case 'r': env.redis_socket = optarg; break;
        case 'R': env.redis_pid = atoi(optarg); break;
        case 'c': env.cli_path = optarg; break;
        case 't': env.tmp_dir = optarg; break;
        case 'n': env.reps = atoi(optarg); break;
        case 'w': env.window_s = atof(optarg); break;
        case 'l': env.scale_locks = atol(optarg); break;
        case 'h': env.cli_runs = atoi(optarg); break;
        case 's': sections = optarg; break;
        case 'q': env.quick = 1; break;
        case 'f': filter = optarg; break;
        default: usage();
        }
    }
    if (!env.deadbolt_socket || !env.redis_socket || env.deadbolt_pid <= 0 || env.redis_pid <= 0 || !env.tmp_dir ||
        env.reps < 1 || env.reps > MAX_REPS || env.window_s <= 0 || env.scale_locks < 1 || env.cli_runs < 1 ||
        (wants(sections, "cli") && !env.cli_path))
        usage();

    /* The rate configurations, in report order. --filter is for profiling
     * one of them; the report then has no pairs to compare. */
    series all[MAX_CONFIGS];
    int count = 0, first_contended = 0;
    if (wants(sections, "uncontended"))
        for (int i = 0; i < uncontended_count; i++) all[count++] = (series){.config = &uncontended_configs[i]};
    first_contended = count;
    if (wants(sections, "contended"))
        for (int i = 0; i < contended_count; i++) all[count++] = (series){.config = &contended_configs[i]};
    if (filter) {
        int kept = 0, kept_uncontended = 0;
        for (int i = 0; i < count; i++) {
            char label[256];
            snprintf(label, sizeof label, "%s: %s, %s", all[i].config->section, all[i].config->name,
                     all[i].config->system);
            if (strstr(label, filter)) {
                if (i < first_contended) kept_uncontended++;
                all[kept++] = all[i];
            }
        }
        count = kept;
        first_contended = kept_uncontended;
    }
    int cli = wants(sections, "cli");
    cli_result cli_results[MAX_REPS];

    printf("Repetitions: %d, interleaved; measured window: %.1f s per configuration and repetition%s.\n", env.reps,
           env.window_s, env.quick ? " (quick mode)" : "");

    for (int rep = 0; rep < env.reps; rep++) {
        for (int i = 0; i < count; i++) {
            const rate_config *c = all[i].config;
            progress("[rep %d/%d] %s, %s, %s: ", rep + 1, env.reps, c->section, c->name, c->system);
            run_result r = run_workers(&env, c->workers, c->fn, c->arg);
            record(&all[i], &r);
            char b[32];
            progress("%s/s, p50 %.1f µs, p99 %.1f µs\n", fmt_rate(b, all[i].rate[rep]), (double)r.p50_ns / 1e3,
                     (double)r.p99_ns / 1e3);
        }
        if (cli) {
            progress("[rep %d/%d] CLI start-up (hyperfine)\n", rep + 1, env.reps);
            cli_results[rep] = run_cli(&env, rep);
        }
    }

    memory_result memory = {0};
    int have_memory = wants(sections, "memory");
    if (have_memory) {
        progress("memory: %ld locks\n", env.scale_locks);
        memory = run_memory(&env);
    }
    expiry_result expiry[MAX_REPS];
    int have_expiry = wants(sections, "expiry");
    for (int rep = 0; have_expiry && rep < env.reps; rep++) {
        progress("[rep %d/%d] expiry: %ld leases\n", rep + 1, env.reps, env.scale_locks);
        /* Without the memory section, assume a slow fill: 10 µs a lock. */
        expiry[rep] = run_expiry(&env, have_memory ? memory.deadbolt_fill_s : (double)env.scale_locks * 1e-5);
    }

    if (filter) {
        /* No anchors to compare with: one plain row per configuration. */
        char b1[100], b2[100], b3[32], b4[32];
        printf("\n| configuration | ops/s | p50 µs | p99 µs | server CPU µs/op |\n|---|---|---|---|---|\n");
        for (int i = 0; i < count; i++)
            printf("| %s: %s, %s | %s | %s | %s | %s |\n", all[i].config->section, all[i].config->name,
                   all[i].config->system, fmt_spread(b1, all[i].rate, all[i].n, fmt_rate),
                   fmt_us(b3, median_of(all[i].p50_us, all[i].n)), fmt_us(b4, median_of(all[i].p99_us, all[i].n)),
                   fmt_spread(b2, all[i].cpu_us, all[i].n, fmt_us));
    } else {
        if (first_contended > 0) report_uncontended(all, first_contended);
        if (count > first_contended) report_contended(all + first_contended, count - first_contended);
    }
    if (have_memory) report_memory(&memory);
    if (have_expiry) report_expiry(expiry, env.reps);
    if (cli) report_cli(cli_results, env.reps, env.cli_runs);
    if (goal_count > 0) report_goals();
    return 0;
}
