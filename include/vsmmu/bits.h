/* SPDX-License-Identifier: MIT */
/*
 * Bit-field helpers in the style of the kernel's <linux/bitfield.h>.
 *
 * Architected structures are arrays of little-endian 64-bit words; fields
 * are described by a mask and moved in and out with VS_FIELD_GET and
 * VS_FIELD_PREP.  The masks must be compile-time constants that are not
 * zero.  All helpers are pure and thread-safe.
 */
#ifndef VSMMU_BITS_H
#define VSMMU_BITS_H

#include <stdint.h>

#define VS_BIT(n) (1ULL << (n))
/* Bits h..l inclusive, 0 <= l <= h <= 63. */
#define VS_GENMASK(h, l) ((~0ULL >> (63 - (h))) & (~0ULL << (l)))
#define VS_FIELD_GET(mask, reg) \
	((uint64_t)(((uint64_t)(reg) & (mask)) >> __builtin_ctzll(mask)))
#define VS_FIELD_PREP(mask, val) \
	((((uint64_t)(val)) << __builtin_ctzll(mask)) & (mask))
/* Does @val fit in the field described by @mask? */
#define VS_FIELD_FIT(mask, val) \
	((((uint64_t)(val)) & ~((mask) >> __builtin_ctzll(mask))) == 0)

#define VS_ALIGN_DOWN(x, a) ((x) & ~((uint64_t)(a)-1))
#define VS_ALIGN_UP(x, a) VS_ALIGN_DOWN((x) + (uint64_t)(a)-1, (a))
#define VS_IS_ALIGNED(x, a) (((x) & ((uint64_t)(a)-1)) == 0)
#define VS_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif /* VSMMU_BITS_H */
