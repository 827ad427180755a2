/* SPDX-License-Identifier: MIT */
/*
 * A small test harness: TEST(name) { ... } registers a test; assertions
 * print both sides and end the test on failure; output is TAP with a final
 * "N passed, N failed, N skipped" line.  Run one test or a group with
 * `vsmmu-test PATTERN` (substring match); VSMMU_TEST_SEED fixes the seed of
 * randomised tests (each prints the seed it used).
 */
#ifndef VSMMU_TEST_HARNESS_H
#define VSMMU_TEST_HARNESS_H

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct vt_test {
	const char *name;
	const char *file;
	void (*fn)(void);
	struct vt_test *next;
};

void vt_register(struct vt_test *t);
void vt_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void vt_skip(const char *why);
bool vt_failed(void);
/* The seed of this run of a randomised test; printed once per test. */
uint64_t vt_seed(void);
/* xorshift64* generator for tests. */
uint64_t vt_rand(uint64_t *state);

#define TEST(name)                                                           \
	static void vt_fn_##name(void);                                      \
	static struct vt_test vt_t_##name = { #name, __FILE__, vt_fn_##name, \
					      NULL };                        \
	__attribute__((constructor)) static void vt_reg_##name(void)         \
	{                                                                    \
		vt_register(&vt_t_##name);                                   \
	}                                                                    \
	static void vt_fn_##name(void)

#define ASSERT_TRUE(c)                                                        \
	do {                                                                  \
		if (!(c)) {                                                   \
			vt_fail(__FILE__, __LINE__, "expected true: %s", #c); \
			return;                                               \
		}                                                             \
	} while (0)

#define ASSERT_FALSE(c) ASSERT_TRUE(!(c))

#define ASSERT_EQ(a, b)                                              \
	do {                                                         \
		uint64_t vt_a = (uint64_t)(a), vt_b = (uint64_t)(b); \
		if (vt_a != vt_b) {                                  \
			vt_fail(__FILE__, __LINE__,                  \
				"%s == %s: 0x%" PRIx64 " (%" PRId64  \
				") != 0x%" PRIx64 " (%" PRId64 ")",  \
				#a, #b, vt_a, (int64_t)vt_a, vt_b,   \
				(int64_t)vt_b);                      \
			return;                                      \
		}                                                    \
	} while (0)

#define ASSERT_NE(a, b)                                                     \
	do {                                                                \
		uint64_t vt_a = (uint64_t)(a), vt_b = (uint64_t)(b);        \
		if (vt_a == vt_b) {                                         \
			vt_fail(__FILE__, __LINE__,                         \
				"%s != %s: both 0x%" PRIx64, #a, #b, vt_a); \
			return;                                             \
		}                                                           \
	} while (0)

#define ASSERT_STREQ(a, b)                                            \
	do {                                                          \
		const char *vt_a = (a), *vt_b = (b);                  \
		if (!vt_a || !vt_b || strcmp(vt_a, vt_b)) {           \
			vt_fail(__FILE__, __LINE__,                   \
				"%s == %s: \"%s\" != \"%s\"", #a, #b, \
				vt_a ? vt_a : "(null)",               \
				vt_b ? vt_b : "(null)");              \
			return;                                       \
		}                                                     \
	} while (0)

/* For use in helpers called from tests: return early if a check failed. */
#define ASSERT_OK(expr) ASSERT_EQ((expr), 0)
#define CHECK_FAILED()           \
	do {                     \
		if (vt_failed()) \
			return;  \
	} while (0)

#define SKIP(why)             \
	do {                  \
		vt_skip(why); \
		return;       \
	} while (0)

#endif /* VSMMU_TEST_HARNESS_H */
