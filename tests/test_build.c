// SPDX-License-Identifier: MIT
/*
 * The build itself: the library linked into this binary was compiled the
 * way `make` was asked to build it, and reports its version.
 *
 * `make check` exports VSMMU_EXPECT_SAN (its SAN= value).  Objects used to
 * depend on nothing but their source, so `make SAN=1 check` after `make
 * check` ran the plain objects and called it a sanitizer run; now the
 * compiler and flags are recorded (build/.build-flags) and every object
 * depends on them.  This test fails if the library objects or this
 * binary's own objects are not instrumented as requested.
 */
#include <stdlib.h>
#include <string.h>

#include <vsmmu/vsmmu.h>

#include "harness.h"
#include "util/util.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define TEST_ASAN 1
#endif

TEST(build_sanitizer_as_requested)
{
	const char *want = getenv("VSMMU_EXPECT_SAN");
	unsigned int lib_asan = !!(util_build_features() & UTIL_BUILD_ASAN);
	unsigned int test_asan = 0;

#ifdef TEST_ASAN
	test_asan = 1;
#endif
	if (!want || !*want)
		SKIP("VSMMU_EXPECT_SAN unset: run by `make check`, which sets it");
	ASSERT_EQ(test_asan, (unsigned int)(strcmp(want, "1") == 0));
	ASSERT_EQ(lib_asan, test_asan);
}

TEST(build_version_query)
{
	char buf[32];

	/* The library linked and the headers compiled against agree here */
	ASSERT_EQ(vsmmu_version(), VSMMU_VERSION_HEX);
	ASSERT_STREQ(vsmmu_version_string(), VSMMU_VERSION);
	snprintf(buf, sizeof(buf), "%u.%u.%u", vsmmu_version() >> 16,
		 (vsmmu_version() >> 8) & 0xff, vsmmu_version() & 0xff);
	ASSERT_STREQ(buf, vsmmu_version_string());
}
