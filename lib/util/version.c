// SPDX-License-Identifier: MIT
/* The run-time version query, and what the library was built with. */
#include <vsmmu/version.h>

#include "util/util.h"

unsigned int vsmmu_version(void)
{
	return VSMMU_VERSION_HEX;
}

const char *vsmmu_version_string(void)
{
	return VSMMU_VERSION;
}

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UTIL_ASAN 1
#endif
#if __has_feature(thread_sanitizer)
#define UTIL_TSAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define UTIL_ASAN 1
#endif
#if defined(__SANITIZE_THREAD__)
#define UTIL_TSAN 1
#endif

unsigned int util_build_features(void)
{
	unsigned int f = 0;

#ifdef UTIL_ASAN
	f |= UTIL_BUILD_ASAN;
#endif
#ifdef UTIL_TSAN
	f |= UTIL_BUILD_TSAN;
#endif
	return f;
}
