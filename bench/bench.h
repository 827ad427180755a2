/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the benchmarks in bench/: command-line options, a
 * monotonic clock, repetition statistics, a multi-threaded runner, the
 * output (a Markdown table or JSON, and with --json-out FILE one JSON
 * document in a file beside the table: `make bench BENCH_JSON=FILE`), and
 * progress on standard error when it is a terminal (never in a pipe).
 *
 * Every bench/<name>.c is linked on its own against libvsmmu.a (see the
 * Makefile), so everything here is static inline: a benchmark that does
 * not use a helper pays nothing for it and gets no unused-function
 * warning.
 *
 * Method, for every figure a benchmark prints:
 *  - a case is warmed up first (untimed), then run for `reps`
 *    repetitions of `iters` calls per thread;
 *  - each thread times its own loop with CLOCK_MONOTONIC, between a
 *    barrier and its last call; the per-call latency of a repetition is
 *    the mean over the threads of (loop time / iters);
 *  - the table shows the median, minimum and maximum of that latency over
 *    the repetitions, and the throughput of the median repetition: all
 *    threads' calls divided by the wall time from the first thread's
 *    start to the last thread's end;
 *  - next to them: the same latency in thread CPU time, and "CPUs busy",
 *    the threads' CPU time over that wall time.  With N threads it should
 *    be ~N; less means the threads were not all running (another process
 *    had a CPU, or a thread slept on a lock), and the wall figures then
 *    measure the scheduler as much as the code.
 * Nothing is pinned: the figures include whatever the scheduler does.
 */
#ifndef VSMMU_BENCH_H
#define VSMMU_BENCH_H

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* --- Options ------------------------------------------------------------- */

struct bench_opts {
	bool quick; /* --quick: few iterations, a smoke test for CI */
	bool json; /* --json: one JSON document instead of the table */
	const char *filter; /* --only SUBSTR: run the cases whose name has it */
	unsigned int threads; /* --threads N: only the N-thread cases (0 all) */
	const char *json_out; /* --json-out FILE: also the JSON, in FILE */
};

/*
 * --json-out: every row printed (as a table or as JSON) is kept, and one
 * JSON document with all of them is written to the file when the
 * benchmark exits successfully.  Each bench/<name>.c is one translation
 * unit, so these statics are per benchmark.
 */
static struct {
	const char *path;
	char bench[64];
	bool quick, failed;
	struct bench_row *rows;
	unsigned int n;
} bench_jout;

/* Progress (terminal only): the case being measured, on stderr. */
static struct {
	int on; /* -1: not decided yet */
	bool shown;
	char label[96];
	unsigned int rep;
} bench_prog = { -1, false, "", 0 };

static inline bool bench_progress_on(void)
{
	if (bench_prog.on < 0)
		bench_prog.on = isatty(STDERR_FILENO);
	return bench_prog.on;
}

static inline void bench_progress_clear(void)
{
	if (bench_prog.shown)
		fputs("\r\033[K", stderr);
	bench_prog.shown = false;
}

static inline void bench_progress_step(void)
{
	if (!bench_progress_on() || !bench_prog.label[0])
		return;
	fprintf(stderr, "\r\033[K%s: %s, repetition %u", bench_jout.bench,
		bench_prog.label, ++bench_prog.rep);
	fflush(stderr);
	bench_prog.shown = true;
}

static inline void bench_usage(FILE *f, const char *prog, const char *what)
{
	fprintf(f,
		"usage: %s [--quick] [--json] [--json-out FILE] [--only SUBSTR] "
		"[--threads N]\n"
		"%s\n"
		"  --quick          few iterations (CI smoke test); figures are "
		"rough\n"
		"  --json           print JSON instead of a Markdown table\n"
		"  --json-out FILE  also write the results as one JSON document "
		"to FILE\n"
		"  --only SUBSTR    run only the cases whose name contains "
		"SUBSTR\n"
		"  --threads N      run only the cases with N threads\n"
		"On a terminal, the case being measured is shown on standard "
		"error.\n",
		prog, what);
}

struct bench_row;
static inline void bench_print_json(FILE *f, const char *bench, bool quick,
				    const struct bench_row *rows,
				    unsigned int n);

static inline void bench_jout_write(void)
{
	FILE *f;

	bench_progress_clear();
	if (!bench_jout.path || bench_jout.failed)
		return;
	f = fopen(bench_jout.path, "w");
	if (!f) {
		fprintf(stderr, "%s: cannot write %s: %s\n", bench_jout.bench,
			bench_jout.path, strerror(errno));
		return;
	}
	bench_print_json(f, bench_jout.bench, bench_jout.quick, bench_jout.rows,
			 bench_jout.n);
	if (fclose(f))
		fprintf(stderr, "%s: writing %s: %s\n", bench_jout.bench,
			bench_jout.path, strerror(errno));
}

/* Parse argv; exits (0 for --help, 2 for a bad option). */
static inline void bench_parse_args(int argc, char **argv, const char *what,
				    struct bench_opts *o)
{
	int i;

	memset(o, 0, sizeof(*o));
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick")) {
			o->quick = true;
		} else if (!strcmp(argv[i], "--json")) {
			o->json = true;
		} else if (!strcmp(argv[i], "--only") && i + 1 < argc) {
			o->filter = argv[++i];
		} else if (!strcmp(argv[i], "--json-out") && i + 1 < argc) {
			o->json_out = argv[++i];
		} else if (!strcmp(argv[i], "--threads") && i + 1 < argc) {
			char *end;
			unsigned long n = strtoul(argv[++i], &end, 10);

			if (*end || !n || n > 64) {
				fprintf(stderr, "%s: bad --threads '%s'\n",
					argv[0], argv[i]);
				exit(2);
			}
			o->threads = (unsigned int)n;
		} else if (!strcmp(argv[i], "-h") ||
			   !strcmp(argv[i], "--help")) {
			bench_usage(stdout, argv[0], what);
			exit(0);
		} else {
			fprintf(stderr, "%s: unknown option '%s'\n", argv[0],
				argv[i]);
			bench_usage(stderr, argv[0], what);
			exit(2);
		}
	}
	{
		const char *b = strrchr(argv[0], '/');

		snprintf(bench_jout.bench, sizeof(bench_jout.bench), "%s",
			 b ? b + 1 : argv[0]);
	}
	bench_jout.quick = o->quick;
	if (o->json_out) {
		bench_jout.path = o->json_out;
	}
	atexit(bench_jout_write); /* also clears the progress line */
}

static inline bool bench_selected(const struct bench_opts *o, const char *name,
				  unsigned int threads)
{
	bool sel = (!o->filter || strstr(name, o->filter)) &&
		   (!o->threads || o->threads == threads);

	/* a benchmark asks this before each case: the progress label */
	if (sel) {
		snprintf(bench_prog.label, sizeof(bench_prog.label),
			 "%s, %u thread%s", name, threads,
			 threads == 1 ? "" : "s");
		bench_prog.rep = 0;
	}
	return sel;
}

/* Print an error and exit 1: a benchmark that cannot set up must fail. */
static inline void __attribute__((noreturn, format(printf, 1, 2)))
bench_die(const char *fmt, ...)
{
	va_list ap;

	bench_jout.failed = true; /* no JSON of a run that failed */
	bench_progress_clear();
	va_start(ap, fmt);
	fputs("bench: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

/* Exit with a message if @rc (a 0 / -errno return) is an error. */
static inline void bench_check(int rc, const char *what)
{
	if (rc)
		bench_die("%s: %s", what, strerror(rc < 0 ? -rc : rc));
}

/* --- Clock and statistics ---------------------------------------------- */

static inline uint64_t bench_clock_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Wall time: what the figures are made of. */
static inline uint64_t bench_now_ns(void)
{
	return bench_clock_ns(CLOCK_MONOTONIC);
}

/*
 * CPU time of the calling thread.  Shown next to the wall time: on a
 * machine that is busy with other work, a thread that was preempted
 * during its loop shows a wall time well above its CPU time, which tells
 * the reader the wall figure is inflated by the scheduler.
 */
static inline uint64_t bench_thread_cpu_ns(void)
{
	return bench_clock_ns(CLOCK_THREAD_CPUTIME_ID);
}

/* The 1-minute load average, or -1 if unknown. */
static inline double bench_loadavg(void)
{
	double l = -1;
	FILE *f = fopen("/proc/loadavg", "r");

	if (f) {
		if (fscanf(f, "%lf", &l) != 1)
			l = -1;
		fclose(f);
	}
	return l;
}

struct bench_summary {
	double median, min, max;
	unsigned int median_idx; /* index (in the input) of the median */
};

/*
 * Median (the lower middle element for an even count), minimum and
 * maximum of @n values; @n <= 64.
 */
static inline void bench_summarize(const double *v, unsigned int n,
				   struct bench_summary *s)
{
	unsigned int order[64], i, j;

	memset(s, 0, sizeof(*s));
	if (!n || n > 64)
		return;
	/* Insertion sort of indices: n is small, and we want the index. */
	for (i = 0; i < n; i++) {
		for (j = i; j > 0 && v[order[j - 1]] > v[i]; j--)
			order[j] = order[j - 1];
		order[j] = i;
	}
	s->min = v[order[0]];
	s->max = v[order[n - 1]];
	s->median_idx = order[(n - 1) / 2];
	s->median = v[s->median_idx];
}

/* --- Running a loop on N threads --------------------------------------- */

#define BENCH_MAX_THREADS 8
#define BENCH_MAX_REPS 64

/*
 * The body of a benchmark: run @iters operations for thread @tid.
 * Called once per repetition on each thread, between the start barrier
 * and the end timestamp.  The return value is added to the repetition's
 * checksum (so a benchmark can prove every operation did its job).
 */
typedef uint64_t bench_body_fn(void *arg, unsigned int tid, uint64_t iters);

struct bench_run {
	bench_body_fn *body;
	void *arg;
	unsigned int threads;
	uint64_t iters; /* per thread, per repetition */
};

struct bench_rep {
	double ns_per_op; /* mean over the threads of loop time / iters */
	double cpu_ns_per_op; /* the same with each thread's CPU time */
	double cpus; /* all threads' CPU time / wall time: ~threads if they
			really ran in parallel, less if they were preempted */
	double ops_per_s; /* all threads' operations / wall time */
	uint64_t checksum[BENCH_MAX_THREADS]; /* each body's return value */
};

struct bench_thread {
	const struct bench_run *run;
	pthread_barrier_t *barrier;
	unsigned int tid;
	uint64_t t0, t1, c0, c1, checksum;
};

static inline void *bench_thread_main(void *p)
{
	struct bench_thread *th = p;

	pthread_barrier_wait(th->barrier);
	th->c0 = bench_thread_cpu_ns();
	th->t0 = bench_now_ns();
	th->checksum = th->run->body(th->run->arg, th->tid, th->run->iters);
	th->t1 = bench_now_ns();
	th->c1 = bench_thread_cpu_ns();
	return NULL;
}

/*
 * One repetition: start @run->threads threads (always new threads, also
 * for one, so every configuration pays the same), release them together,
 * time each one.
 */
static inline void bench_run_once(const struct bench_run *run,
				  struct bench_rep *rep)
{
	struct bench_thread th[BENCH_MAX_THREADS];
	pthread_t tids[BENCH_MAX_THREADS];
	pthread_barrier_t barrier;
	uint64_t first = UINT64_MAX, last = 0;
	double sum = 0, cpu = 0;
	unsigned int i;
	int rc;

	if (!run->threads || run->threads > BENCH_MAX_THREADS || !run->iters)
		bench_die("bad run: %u threads, %" PRIu64 " iterations",
			  run->threads, run->iters);
	bench_progress_step();
	rc = pthread_barrier_init(&barrier, NULL, run->threads);
	if (rc)
		bench_die("pthread_barrier_init: %s", strerror(rc));
	for (i = 0; i < run->threads; i++) {
		th[i] = (struct bench_thread){ .run = run,
					       .barrier = &barrier,
					       .tid = i };
		rc = pthread_create(&tids[i], NULL, bench_thread_main, &th[i]);
		if (rc)
			bench_die("pthread_create: %s", strerror(rc));
	}
	memset(rep, 0, sizeof(*rep));
	for (i = 0; i < run->threads; i++) {
		pthread_join(tids[i], NULL);
		if (th[i].t0 < first)
			first = th[i].t0;
		if (th[i].t1 > last)
			last = th[i].t1;
		sum += (double)(th[i].t1 - th[i].t0) / (double)run->iters;
		cpu += (double)(th[i].c1 - th[i].c0) / (double)run->iters;
		rep->checksum[i] = th[i].checksum;
	}
	pthread_barrier_destroy(&barrier);
	rep->ns_per_op = sum / run->threads;
	rep->cpu_ns_per_op = cpu / run->threads;
	rep->cpus = last > first ?
			    cpu * (double)run->iters / (double)(last - first) :
			    0;
	rep->ops_per_s = last > first ? (double)run->iters * run->threads *
						1e9 / (double)(last - first) :
					0;
}

/* --- Results: a Markdown table or JSON ---------------------------------- */

#define BENCH_MAX_EXTRA 10

/* One line of output. */
struct bench_row {
	char name[48]; /* case name, e.g. "s1-hit" */
	char mode[48]; /* how the threads are set up, e.g. "own stream" */
	unsigned int threads;
	unsigned int reps;
	uint64_t iters; /* per thread, per repetition */
	struct bench_summary ns; /* ns per operation over the repetitions */
	struct bench_summary cpu_ns; /* the same, thread CPU time */
	double ops_per_s; /* of the median repetition */
	double cpus; /* of the median repetition: see struct bench_rep */
	double target_ns; /* 0: none */
	/* Further columns: name and value (already formatted) */
	unsigned int nextra;
	struct {
		const char *key;
		char val[32];
	} extra[BENCH_MAX_EXTRA];
};

static inline void __attribute__((format(printf, 3, 4)))
bench_row_add(struct bench_row *r, const char *key, const char *fmt, ...)
{
	va_list ap;

	if (r->nextra >= BENCH_MAX_EXTRA)
		return;
	r->extra[r->nextra].key = key;
	va_start(ap, fmt);
	vsnprintf(r->extra[r->nextra].val, sizeof(r->extra[0].val), fmt, ap);
	va_end(ap);
	r->nextra++;
}

static inline const char *bench_verdict(const struct bench_row *r)
{
	if (r->target_ns <= 0)
		return "";
	return r->ns.median <= r->target_ns ? "ok" : "MISSED";
}

/*
 * A Markdown table of @n rows.  The extra columns are those of the first
 * row; rows are expected to carry the same keys in the same order.
 */
/* Keep @rows for the --json-out document. */
static inline void bench_jout_add(const struct bench_row *rows, unsigned int n)
{
	struct bench_row *r;

	bench_progress_clear();
	if (!bench_jout.path || !n)
		return;
	r = realloc(bench_jout.rows, (bench_jout.n + n) * sizeof(*r));
	if (!r)
		bench_die("out of memory");
	memcpy(r + bench_jout.n, rows, n * sizeof(*r));
	bench_jout.rows = r;
	bench_jout.n += n;
}

static inline void bench_print_table(FILE *f, const struct bench_row *rows,
				     unsigned int n)
{
	unsigned int i, j;

	bench_jout_add(rows, n);
	if (!n)
		return;
	fprintf(f, "| case | threads | mode | ns/call (median) | min | max "
		   "| CPU ns/call | CPUs busy | calls/s (all threads) | target "
		   "| ");
	for (j = 0; j < rows[0].nextra; j++)
		fprintf(f, "%s | ", rows[0].extra[j].key);
	fprintf(f, "\n|---|--:|---|--:|--:|--:|--:|--:|--:|---|");
	for (j = 0; j < rows[0].nextra; j++)
		fprintf(f, "--:|");
	fputc('\n', f);
	for (i = 0; i < n; i++) {
		const struct bench_row *r = &rows[i];
		char target[32] = "";

		if (r->target_ns > 0)
			snprintf(target, sizeof(target), "<= %.0f %s",
				 r->target_ns, bench_verdict(r));
		fprintf(f,
			"| %s | %u | %s | %.1f | %.1f | %.1f | %.1f | %.2f "
			"| %.3g | %s | ",
			r->name, r->threads, r->mode, r->ns.median, r->ns.min,
			r->ns.max, r->cpu_ns.median, r->cpus, r->ops_per_s,
			target);
		for (j = 0; j < r->nextra; j++)
			fprintf(f, "%s | ", r->extra[j].val);
		fputc('\n', f);
	}
}

/* Write @s as a JSON string. */
static inline void bench_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* Is @s a plain decimal number (JSON's syntax, roughly)? */
static inline bool bench_is_number(const char *s)
{
	char *end;

	if (*s == '-')
		s++;
	if (*s < '0' || *s > '9')
		return false; /* "inf", "nan", "+1", ".5" */
	errno = 0;
	/* strtod() also takes hex ("0x1p3") and "infinity": refuse those */
	strtod(s, &end);
	return !*end && !errno && !strpbrk(s, "xXiInN");
}

/*
 * JSON: {"bench": @bench, "quick": bool, "loadavg": x, "results": [...]}.
 * Extra columns whose value is a plain number are written as numbers,
 * "-" (not applicable) as null, the others as strings.
 */
static inline void bench_print_json(FILE *f, const char *bench, bool quick,
				    const struct bench_row *rows,
				    unsigned int n)
{
	unsigned int i, j;

	if (f == stdout)
		bench_jout_add(rows, n);

	fprintf(f, "{\"bench\": ");
	bench_json_str(f, bench);
	fprintf(f, ", \"quick\": %s, \"loadavg\": %.2f, \"results\": [",
		quick ? "true" : "false", bench_loadavg());
	for (i = 0; i < n; i++) {
		const struct bench_row *r = &rows[i];

		fprintf(f, "%s\n  {\"case\": ", i ? "," : "");
		bench_json_str(f, r->name);
		fprintf(f, ", \"threads\": %u, \"mode\": ", r->threads);
		bench_json_str(f, r->mode);
		fprintf(f,
			", \"reps\": %u, \"iters\": %" PRIu64
			", \"ns_median\": %.2f, \"ns_min\": %.2f"
			", \"ns_max\": %.2f, \"cpu_ns_median\": %.2f"
			", \"cpus_busy\": %.2f, \"calls_per_s\": %.0f",
			r->reps, r->iters, r->ns.median, r->ns.min, r->ns.max,
			r->cpu_ns.median, r->cpus, r->ops_per_s);
		if (r->target_ns > 0)
			fprintf(f, ", \"target_ns\": %.0f, \"target_met\": %s",
				r->target_ns,
				r->ns.median <= r->target_ns ? "true" :
							       "false");
		for (j = 0; j < r->nextra; j++) {
			fprintf(f, ", ");
			bench_json_str(f, r->extra[j].key);
			fprintf(f, ": ");
			if (bench_is_number(r->extra[j].val))
				fputs(r->extra[j].val, f);
			else if (!strcmp(r->extra[j].val, "-"))
				fputs("null", f);
			else
				bench_json_str(f, r->extra[j].val);
		}
		fputc('}', f);
	}
	fprintf(f, "\n]}\n");
}

#endif /* VSMMU_BENCH_H */
