/* SPDX-License-Identifier: MIT */
/*
 * Helpers for the golden translation tests (tests/test_golden_walk.c).
 *
 * The golden tests check the SMMU model against structures and event
 * records worked out by hand from the architecture.  So that a wrong mask
 * in include/vsmmu/arch.h cannot agree with itself, nothing here uses
 * arch.h or the page-table library: the few register offsets needed are
 * spelled out below from the SMMUv3 register map, and every STE, CD,
 * descriptor and event is a hex literal in the test that uses it.
 *
 * One environment (memory + SMMU) exists at a time: golden_new() frees the
 * previous one, and the last one is freed at exit, so a test that stops at
 * a failed assertion does not leak.
 */
#ifndef VSMMU_TEST_GOLDEN_UTIL_H
#define VSMMU_TEST_GOLDEN_UTIL_H

#include <stdbool.h>
#include <stdint.h>

#include <vsmmu/mem.h>
#include <vsmmu/smmu.h>

#include "harness.h"

/* Stop the test if golden_new() or a scene builder gave NULL (it has
 * already reported the failure or the skip). */
#define GOLDEN_REQUIRE(g)       \
	do {                    \
		CHECK_FAILED(); \
		if (!(g))       \
			return; \
	} while (0)

/* SMMU_* register offsets (page 0; EVTQ_PROD/CONS live in page 1). */
#define GOLDEN_REG_IDR1 0x04
#define GOLDEN_REG_CR0 0x20
#define GOLDEN_REG_CR2 0x2c
#define GOLDEN_REG_GBPA 0x44
#define GOLDEN_REG_STRTAB_BASE 0x80
#define GOLDEN_REG_STRTAB_BASE_CFG 0x88
#define GOLDEN_REG_EVTQ_BASE 0xa0
#define GOLDEN_REG_EVTQ_PROD 0x100a8

/* The event queue every golden environment enables: 64 x 32 bytes. */
#define GOLDEN_EVTQ_PA 0xf00000ULL

/* Transaction flag shorthands. */
#define GR VSMMU_TXN_READ
#define GW VSMMU_TXN_WRITE
#define GX VSMMU_TXN_EXEC
#define GP VSMMU_TXN_PRIV

struct golden {
	struct vsmmu_mem *mem;
	struct vsmmu_smmu *smmu;
	struct vsmmu_txn_result res; /* of the last golden_txn() */
};

/*
 * golden_new() - fresh 52-bit memory and an SMMU over it, built from @cfg
 * (NULL: vsmmu_smmu_config_default()).  The SMMU is left as after reset.
 * Returns NULL (and reports a test failure) if either cannot be created.
 */
struct golden *golden_new(const struct vsmmu_smmu_config *cfg);

/* golden_w64() - populate the page holding @pa, then store @val there. */
int golden_w64(struct golden *g, uint64_t pa, uint64_t val);

/* golden_r64() - the 64-bit word at @pa (0 if absent). */
uint64_t golden_r64(struct golden *g, uint64_t pa);

/*
 * golden_put4() - write a 64-byte structure (STE or CD) at @pa whose
 * first four dwords are given; dwords 4..7 are zero.
 */
int golden_put4(struct golden *g, uint64_t pa, uint64_t dw0, uint64_t dw1,
		uint64_t dw2, uint64_t dw3);

/*
 * golden_enable() - program STRTAB_BASE = @base, STRTAB_BASE_CFG = @cfg,
 * the event queue at GOLDEN_EVTQ_PA (LOG2SIZE 6), CR2.RECINVSID, then
 * CR0 = SMMUEN | EVTQEN.
 */
int golden_enable(struct golden *g, uint64_t base, uint32_t cfg);

/* golden_enable_cr2() - golden_enable() with CR2 = @cr2 instead. */
int golden_enable_cr2(struct golden *g, uint64_t base, uint32_t cfg,
		      uint32_t cr2);

/* golden_txn() - translate one transaction into g->res. */
int golden_txn(struct golden *g, uint32_t sid, bool ssv, uint32_t ssid,
	       uint64_t addr, unsigned int flags);

/* Assert that the last transaction translated to @oa_ with @shift_. */
#define GOLDEN_EXPECT_OK(g, oa_, shift_)                   \
	do {                                               \
		ASSERT_EQ((g)->res.outcome, VSMMU_TXN_OK); \
		ASSERT_EQ((g)->res.oa, (oa_));             \
		ASSERT_EQ((g)->res.page_shift, (shift_));  \
	} while (0)

/* Assert a recorded fault whose first three event dwords are given. */
#define GOLDEN_EXPECT_EVT(g, e0, e1, e2)                      \
	do {                                                  \
		ASSERT_EQ((g)->res.outcome, VSMMU_TXN_FAULT); \
		ASSERT_TRUE((g)->res.recorded);               \
		ASSERT_EQ((g)->res.evt[0], (e0));             \
		ASSERT_EQ((g)->res.evt[1], (e1));             \
		ASSERT_EQ((g)->res.evt[2], (e2));             \
	} while (0)

/* Assert a recorded configuration error: dw0 given, the rest RES0. */
#define GOLDEN_EXPECT_CERR(g, e0)                             \
	do {                                                  \
		ASSERT_EQ((g)->res.outcome, VSMMU_TXN_FAULT); \
		ASSERT_TRUE((g)->res.recorded);               \
		ASSERT_EQ((g)->res.evt[0], (e0));             \
		ASSERT_EQ((g)->res.evt[1], 0);                \
		ASSERT_EQ((g)->res.evt[2], 0);                \
		ASSERT_EQ((g)->res.evt[3], 0);                \
	} while (0)

#endif /* VSMMU_TEST_GOLDEN_UTIL_H */
