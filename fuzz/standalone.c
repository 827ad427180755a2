// SPDX-License-Identifier: MIT
/*
 * A stand-in for libFuzzer's driver, for compilers without it (gcc): it
 * links with any fuzz/fuzz_*.c target and calls LLVMFuzzerTestOneInput().
 *
 *   fuzz_x [-seconds N] [-runs N] [-seed N] [-max_len N] [files or dirs...]
 *
 * Every file named (or found in a named directory) is replayed first.
 * Then, if no file was named or a time or run budget was given, it runs
 * mutated inputs: random edits (bit flips, interesting integers, block
 * copies, inserts, deletes, splices) of the files, of the target's own
 * seeds if it has any (the weak vsmmu_fuzz_seed() hook), or of random
 * bytes.  The generator is seeded from -seed or the clock and the seed
 * is printed, so a run replays exactly.  libFuzzer's "-name=value" flags
 * are accepted so scripts can drive both builds alike: -max_total_time
 * is -seconds, -runs, -seed and -max_len mean what they say,
 * -artifact_prefix is honoured, the rest are ignored.  When a sanitizer
 * kills the process, the input that did it is written to
 * <artifact_prefix>crash-standalone so it can be replayed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Optional hook a target may define: write seed input @i (0, 1, ...) to
 * @buf (at most @cap bytes) and return its length, or 0 when there are no
 * more.  libFuzzer builds never call it.
 */
size_t vsmmu_fuzz_seed(unsigned int i, uint8_t *buf, size_t cap)
	__attribute__((weak));

/* From the sanitizer runtime, when there is one. */
void __sanitizer_set_death_callback(void (*cb)(void)) __attribute__((weak));

/*
 * UBSan exits without running the death callback; make it abort instead,
 * so the SIGABRT handler below can save the input.  The runtime reads
 * this hook at start-up; UBSAN_OPTIONS still overrides it.
 */
const char *__ubsan_default_options(void);
const char *__ubsan_default_options(void)
{
	return "abort_on_error=1:print_stacktrace=1";
}

struct input {
	uint8_t *data;
	size_t len;
};

static struct input *pool;
static size_t npool, cap_pool;
static const uint8_t *cur_data;
static size_t cur_len;
static const char *artifact_prefix = "";

static void die_oom(void)
{
	fprintf(stderr, "standalone: out of memory\n");
	exit(1);
}

static char crash_path[4096];

/* Save the input being run; async-signal-safe. */
static void dump_current(void)
{
	static const char msg[] =
		"standalone: input saved as crash-standalone\n";
	const uint8_t *p = cur_data;
	size_t left = cur_len;
	int fd;

	if (!p)
		return;
	cur_data = NULL; /* once */
	fd = open(crash_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	while (left) {
		ssize_t n = write(fd, p, left);

		if (n <= 0)
			break;
		p += n;
		left -= (size_t)n;
	}
	close(fd);
	if (write(2, msg, sizeof(msg) - 1) < 0)
		return;
}

static void on_abort(int sig)
{
	dump_current();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void run_one(const uint8_t *data, size_t len)
{
	/* Run a private copy, so overreads are caught at its true end. */
	uint8_t *copy = malloc(len ? len : 1);

	if (!copy)
		die_oom();
	if (len)
		memcpy(copy, data, len);
	cur_data = copy;
	cur_len = len;
	LLVMFuzzerTestOneInput(copy, len);
	cur_data = NULL;
	free(copy);
}

static void pool_add(const uint8_t *data, size_t len)
{
	uint8_t *copy;

	if (npool == cap_pool) {
		size_t n = cap_pool ? cap_pool * 2 : 16;
		struct input *p = realloc(pool, n * sizeof(*p));

		if (!p)
			die_oom();
		pool = p;
		cap_pool = n;
	}
	copy = malloc(len ? len : 1);
	if (!copy)
		die_oom();
	if (len)
		memcpy(copy, data, len);
	pool[npool].data = copy;
	pool[npool].len = len;
	npool++;
}

static int replay_file(const char *path, size_t max_len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	size_t len;

	if (!f) {
		fprintf(stderr, "standalone: %s: %s\n", path, strerror(errno));
		return -1;
	}
	buf = malloc(max_len ? max_len : 1);
	if (!buf)
		die_oom();
	len = fread(buf, 1, max_len, f);
	fclose(f);
	printf("standalone: replay %s (%zu bytes)\n", path, len);
	run_one(buf, len);
	pool_add(buf, len);
	free(buf);
	return 0;
}

static int replay_path(const char *path, size_t max_len)
{
	struct stat st;
	struct dirent *de;
	DIR *d;
	int ret = 0;

	if (stat(path, &st) || !S_ISDIR(st.st_mode))
		return replay_file(path, max_len);
	d = opendir(path);
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		char child[4096];

		if (de->d_name[0] == '.')
			continue;
		snprintf(child, sizeof(child), "%s/%s", path, de->d_name);
		if (!stat(child, &st) && S_ISREG(st.st_mode))
			ret |= replay_file(child, max_len);
	}
	closedir(d);
	return ret;
}

static uint64_t rnd(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dULL;
}

static const uint64_t interesting[] = {
	0,
	1,
	0x7f,
	0x80,
	0xff,
	0x100,
	0xfff,
	0x1000,
	0x7fff,
	0x8000,
	0xffff,
	0x10000,
	0x7fffffff,
	0x80000000,
	0xffffffff,
	0x100000000ULL,
	0xfffffffffffffULL,
	1ULL << 52,
	0x7fffffffffffffffULL,
	0x8000000000000000ULL,
	~0ULL,
	~0ULL - 0xfff,
	~0ULL - 7,
};

/* Apply 1..8 random edits to @buf (length *@len, capacity @cap). */
static void mutate(uint64_t *s, uint8_t *buf, size_t *len, size_t cap)
{
	unsigned int edits = 1 + rnd(s) % 8, e;

	for (e = 0; e < edits; e++) {
		size_t n = *len, pos = n ? rnd(s) % n : 0;

		switch (rnd(s) % 8) {
		case 0: /* flip a bit */
			if (n)
				buf[pos] ^= (uint8_t)(1u << (rnd(s) % 8));
			break;
		case 1: /* random byte */
			if (n)
				buf[pos] = (uint8_t)rnd(s);
			break;
		case 2: { /* interesting integer, either endianness */
			unsigned int w = 1u << (rnd(s) % 4), i;
			uint64_t v =
				interesting[rnd(s) % (sizeof(interesting) /
						      sizeof(interesting[0]))];
			bool be = rnd(s) & 1;

			if (rnd(s) & 1)
				v += (uint64_t)(rnd(s) % 17) - 8;
			if (n < w)
				break;
			pos = rnd(s) % (n - w + 1);
			for (i = 0; i < w; i++)
				buf[pos + (be ? w - 1 - i : i)] =
					(uint8_t)(v >> (8 * i));
			break;
		}
		case 3: { /* copy a block within the buffer */
			size_t from = n ? rnd(s) % n : 0, k;

			if (!n)
				break;
			k = rnd(s) % (n - (from > pos ? from : pos)) + 1;
			memmove(buf + pos, buf + from, k);
			break;
		}
		case 4: { /* insert random bytes */
			size_t k = 1 + rnd(s) % 16, i;

			if (n + k > cap)
				break;
			memmove(buf + pos + k, buf + pos, n - pos);
			for (i = 0; i < k; i++)
				buf[pos + i] = (uint8_t)rnd(s);
			*len = n + k;
			break;
		}
		case 5: { /* delete bytes */
			size_t k = n ? 1 + rnd(s) % (n - pos) : 0;

			if (k > 16)
				k = 16;
			memmove(buf + pos, buf + pos + k, n - pos - k);
			*len = n - k;
			break;
		}
		case 6: { /* splice a piece of another pool input */
			const struct input *o = &pool[rnd(s) % npool];
			size_t from, k;

			if (!o->len || !n)
				break;
			from = rnd(s) % o->len;
			k = 1 + rnd(s) % (o->len - from);
			if (k > n - pos)
				k = n - pos;
			memcpy(buf + pos, o->data + from, k);
			break;
		}
		default: /* truncate or grow with zeros */
			if (rnd(s) & 1) {
				*len = n ? rnd(s) % n : 0;
			} else {
				size_t k = 1 + rnd(s) % 256;

				if (n + k <= cap) {
					memset(buf + n, 0, k);
					*len = n + k;
				}
			}
			break;
		}
	}
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Parse "-name=value" or "-name value"; returns the value or NULL. */
static const char *flag(int argc, char **argv, int *i, const char *name)
{
	size_t n = strlen(name);
	const char *a = argv[*i];

	if (a[0] != '-' || strncmp(a + 1, name, n))
		return NULL;
	if (a[1 + n] == '=')
		return a + 2 + n;
	if (a[1 + n] == '\0' && *i + 1 < argc)
		return argv[++*i];
	return NULL;
}

int main(int argc, char **argv)
{
	double seconds = -1, start;
	long long runs = -1, done = 0;
	uint64_t seed = 0, s;
	size_t max_len = 64 * 1024, i, nfiles = 0;
	bool have_seed = false;
	char **files;
	uint8_t *buf;
	int a, ret = 0;

	files = calloc((size_t)argc, sizeof(*files));
	if (!files)
		die_oom();
	for (a = 1; a < argc; a++) {
		const char *v;

		if ((v = flag(argc, argv, &a, "seconds")) ||
		    (v = flag(argc, argv, &a, "max_total_time"))) {
			seconds = strtod(v, NULL);
		} else if ((v = flag(argc, argv, &a, "runs"))) {
			runs = strtoll(v, NULL, 0);
		} else if ((v = flag(argc, argv, &a, "seed"))) {
			seed = strtoull(v, NULL, 0);
			have_seed = true;
		} else if ((v = flag(argc, argv, &a, "max_len"))) {
			max_len = strtoull(v, NULL, 0);
		} else if ((v = flag(argc, argv, &a, "artifact_prefix"))) {
			artifact_prefix = v;
		} else if (!strcmp(argv[a], "-help") ||
			   !strcmp(argv[a], "--help")) {
			printf("usage: %s [-seconds N] [-runs N] [-seed N] "
			       "[-max_len N] [files or dirs...]\n",
			       argv[0]);
			free(files);
			return 0;
		} else if (argv[a][0] != '-') {
			files[nfiles++] = argv[a];
		}
		/* Any other "-flag" is libFuzzer's: ignore it. */
	}
	if (max_len < 16)
		max_len = 16;
	snprintf(crash_path, sizeof(crash_path), "%scrash-standalone",
		 artifact_prefix);
	if (__sanitizer_set_death_callback)
		__sanitizer_set_death_callback(dump_current);
	signal(SIGABRT, on_abort);

	for (i = 0; i < nfiles; i++)
		if (replay_path(files[i], max_len))
			ret = 1;
	free(files);
	if (nfiles && seconds < 0 && runs < 0) {
		printf("standalone: replayed %zu input(s)\n", npool);
		return ret;
	}
	if (seconds < 0 && runs < 0)
		seconds = 10;

	buf = malloc(max_len);
	if (!buf)
		die_oom();
	if (vsmmu_fuzz_seed) {
		unsigned int k;

		for (k = 0;; k++) {
			size_t n = vsmmu_fuzz_seed(k, buf, max_len);

			if (!n)
				break;
			run_one(buf, n);
			pool_add(buf, n);
		}
	}
	if (!npool)
		pool_add(NULL, 0);

	if (!have_seed)
		seed = (uint64_t)time(NULL) * 2654435761ULL ^ (uint64_t)clock();
	printf("standalone: seed %" PRIu64 " (replay with -seed=%" PRIu64
	       "), %zu seed input(s)\n",
	       seed, seed, npool);
	s = seed ? seed : 1;
	start = now();
	while ((runs < 0 || done < runs) &&
	       (seconds < 0 || now() - start < seconds)) {
		const struct input *base = &pool[rnd(&s) % npool];
		size_t len = base->len < max_len ? base->len : max_len;

		if (rnd(&s) % 16 == 0) {
			/* Now and then, pure random bytes. */
			len = rnd(&s) % (max_len < 4096 ? max_len : 4096);
			for (i = 0; i < len; i++)
				buf[i] = (uint8_t)rnd(&s);
		} else {
			memcpy(buf, base->data, len);
			mutate(&s, buf, &len, max_len);
		}
		run_one(buf, len);
		done++;
		/* Keep a few mutants as bases, for depth. */
		if (npool < 256 && rnd(&s) % 64 == 0)
			pool_add(buf, len);
	}
	printf("standalone: %lld runs in %.1f s, seed %" PRIu64 "\n", done,
	       now() - start, seed);
	free(buf);
	for (i = 0; i < npool; i++)
		free(pool[i].data);
	free(pool);
	return ret;
}
