// SPDX-License-Identifier: MIT
/* The test runner: see harness.h. */
#include <stdarg.h>
#include <stdlib.h>
#include <time.h>

#include "harness.h"

static struct vt_test *vt_head, **vt_tail = &vt_head;
static bool vt_cur_failed, vt_cur_skipped;
static const char *vt_skip_why;
static uint64_t vt_cur_seed;
static bool vt_seed_printed;
static const char *vt_cur_name;

void vt_register(struct vt_test *t)
{
	*vt_tail = t;
	vt_tail = &t->next;
}

void vt_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	printf("# %s:%d: ", file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	vt_cur_failed = true;
}

void vt_skip(const char *why)
{
	vt_cur_skipped = true;
	vt_skip_why = why;
}

bool vt_failed(void)
{
	return vt_cur_failed;
}

uint64_t vt_seed(void)
{
	if (!vt_seed_printed) {
		printf("# %s: seed %" PRIu64
		       " (replay with VSMMU_TEST_SEED=%" PRIu64 ")\n",
		       vt_cur_name, vt_cur_seed, vt_cur_seed);
		vt_seed_printed = true;
	}
	return vt_cur_seed;
}

uint64_t vt_rand(uint64_t *s)
{
	uint64_t x = *s ? *s : 0x9e3779b97f4a7c15ULL;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dULL;
}

int main(int argc, char **argv)
{
	const char *filter = argc > 1 ? argv[1] : NULL;
	const char *env = getenv("VSMMU_TEST_SEED");
	uint64_t base_seed = env ? strtoull(env, NULL, 0) :
				   (uint64_t)time(NULL) * 2654435761ULL;
	unsigned int n = 0, pass = 0, fail = 0, skip = 0;
	struct vt_test *t;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (t = vt_head; t; t = t->next)
		if (!filter || strstr(t->name, filter))
			n++;
	printf("TAP version 13\n1..%u\n", n);
	n = 0;
	for (t = vt_head; t; t = t->next) {
		if (filter && !strstr(t->name, filter))
			continue;
		n++;
		vt_cur_failed = vt_cur_skipped = vt_seed_printed = false;
		vt_cur_name = t->name;
		vt_cur_seed = env ? base_seed : base_seed + n;
		t->fn();
		if (vt_cur_failed) {
			fail++;
			printf("not ok %u - %s\n", n, t->name);
		} else if (vt_cur_skipped) {
			skip++;
			printf("ok %u - %s # SKIP %s\n", n, t->name,
			       vt_skip_why);
		} else {
			pass++;
			printf("ok %u - %s\n", n, t->name);
		}
	}
	printf("%u passed, %u failed, %u skipped\n", pass, fail, skip);
	return fail ? 1 : 0;
}
