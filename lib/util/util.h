/* SPDX-License-Identifier: MIT */
/* Library-internal helpers (hidden; not part of the public API). */
#ifndef VSMMU_UTIL_H
#define VSMMU_UTIL_H

#define UTIL_BUILD_ASAN (1U << 0) /* compiled with AddressSanitizer */
#define UTIL_BUILD_TSAN (1U << 1) /* compiled with ThreadSanitizer */

/*
 * How the library's own objects were compiled (UTIL_BUILD_*), so a test
 * can tell that `make SAN=1 check` really runs instrumented library code
 * and not objects left over from another configuration.
 */
unsigned int util_build_features(void);

#endif /* VSMMU_UTIL_H */
