// SPDX-License-Identifier: MIT
/*
 * Randomised differential tests: the SMMU model (lib/hw) against the
 * page-table library (lib/pgtable) and the VMSAv8-64 permission rules.
 *
 * Each configuration builds random tables with the library (a random
 * granule, an input size chosen so that every start level and stage-2
 * concatenation is reached, random page and block mappings with random
 * permissions), points an STE (and CD) at them and sends random
 * transactions through vsmmu_translate().  The expected outcome is worked
 * out here without lib/hw:
 *
 *   - the leaf comes from vsmmu_pgtable_lookup() (output address, size,
 *     VSMMU_PROT_* it was mapped with);
 *   - permissions follow VMSAv8-64 for the NS-EL1 regime (docs/spec-notes.md
 *     Q10): AP[2] read-only, AP[1] EL0 access, UXN/PXN, EL0-writable memory
 *     is never privileged-executable; stage 2 by S2AP and XN only (no
 *     PRIV dependence, execute-only allowed);
 *   - fault priority: stage-1 translation, access flag, permission, then
 *     the same three at stage 2 on the output IPA (7.3.22);
 *   - event fields (7.3, spec-notes Q5): stage-1 faults S2 = 0, CLASS = IN,
 *     IPA 0; stage-2 faults S2 = 1, CLASS = IN, IPA[51:12] of the IPA; a
 *     stage-2-only input above the SMMU's IAS is a stage-1 F_ADDR_SIZE.
 *
 * Under nesting the stage-1 tables and the CD live in "IPA space": they are
 * allocated from a pool whose region stage 2 maps read/write, either with
 * an identity mapping (the pool sits in the SMMU's memory at PA == IPA) or
 * with an offset (the pool lives in a second memory standing for the
 * guest's view, and its pages are copied to PA = IPA + offset before the
 * SMMU walks them).
 *
 * Every query is translated twice: the second answer (normally an IOTLB
 * hit) must equal the first, and now and then vsmmu_translate_trace() (no
 * caches) must agree too.  After random unmaps (and remaps to new output
 * addresses) the test issues the invalidation the gather calls for, in one
 * of several legal forms, and the model must agree with the library again,
 * including for addresses whose old translation was cached.
 *
 * DIFF_DEBUG=1 in the environment logs every unmap and invalidation, to
 * replay a failure (with VSMMU_TEST_SEED) step by step.
 *
 * STE/CD fields are placed by the bit positions of IHI 0070 5.2/5.4 spelled
 * out below (not with include/vsmmu/arch.h).  The encodings the library
 * derives (TxSZ, TG, SL0, PS) are checked against values computed here.
 */
#include <errno.h>
#include <stdlib.h>

#include <vsmmu/mem.h>
#include <vsmmu/pgtable.h>
#include <vsmmu/smmu.h>

#include "harness.h"

/* SMMU registers (6.3) */
#define DIFF_REG_CR0 0x20
#define DIFF_REG_CR2 0x2c
#define DIFF_REG_STRTAB_BASE 0x80
#define DIFF_REG_STRTAB_BASE_CFG 0x88

/* STE (5.2): dw0 V 0, Config[3:1], S1ContextPtr[51:6]; dw2 S2VMID[15:0],
 * S2T0SZ[37:32], S2SL0[39:38], S2TG[47:46], S2PS[50:48], S2AA64 51, S2R 58;
 * dw3 S2TTB[51:4]. */
#define DIFF_STE_V 1ULL
#define DIFF_STE_CFG_S1 (5ULL << 1)
#define DIFF_STE_CFG_S2 (6ULL << 1)
#define DIFF_STE_CFG_NESTED (7ULL << 1)
#define DIFF_STE2_T0SZ(x) ((uint64_t)(x) << 32)
#define DIFF_STE2_SL0(x) ((uint64_t)(x) << 38)
#define DIFF_STE2_TG(x) ((uint64_t)(x) << 46)
#define DIFF_STE2_PS(x) ((uint64_t)(x) << 48)
#define DIFF_STE2_AA64 (1ULL << 51)
#define DIFF_STE2_R (1ULL << 58)

/* CD (5.4): dw0 T0SZ[5:0] TG0[7:6] EPD0 14 T1SZ[21:16] TG1[23:22] EPD1 30
 * V 31 IPS[34:32] AA64 41 R 45 A 46 ASID[63:48]; dw1 TTB0; dw2 TTB1. */
#define DIFF_CD_T0SZ(x) ((uint64_t)(x))
#define DIFF_CD_TG0(x) ((uint64_t)(x) << 6)
#define DIFF_CD_EPD0 (1ULL << 14)
#define DIFF_CD_T1SZ(x) ((uint64_t)(x) << 16)
#define DIFF_CD_TG1(x) ((uint64_t)(x) << 22)
#define DIFF_CD_EPD1 (1ULL << 30)
#define DIFF_CD_V (1ULL << 31)
#define DIFF_CD_IPS(x) ((uint64_t)(x) << 32)
#define DIFF_CD_AA64 (1ULL << 41)
#define DIFF_CD_R (1ULL << 45)
#define DIFF_CD_A (1ULL << 46)
#define DIFF_CD_ASID(x) ((uint64_t)(x) << 48)

/* Event record (7.3) */
#define DIFF_EVT_TRANSLATION 0x10
#define DIFF_EVT_ADDR_SIZE 0x11
#define DIFF_EVT_ACCESS 0x12
#define DIFF_EVT_PERMISSION 0x13
#define DIFF_EVT1_PNU (1ULL << 33)
#define DIFF_EVT1_IND (1ULL << 34)
#define DIFF_EVT1_RNW (1ULL << 35)
#define DIFF_EVT1_S2 (1ULL << 39)
#define DIFF_EVT1_CLASS_IN (2ULL << 40)
#define DIFF_EVT3_IPA_MASK 0x000ffffffffff000ULL /* IPA[51:12] */

/* Memory layout (PA, and IPA under nesting) */
#define DIFF_STRTAB 0x100000ULL /* linear, 16 STEs */
#define DIFF_CD_PA 0x200000ULL /* the CD when stage 1 is not nested */
#define DIFF_S1_POOL 0x1000000ULL /* stage-1 tables (IPA when nested) */
#define DIFF_S2_POOL 0x2000000ULL /* stage-2 tables (always PA) */
#define DIFF_POOL_SIZE 0x800000ULL
#define DIFF_OAS 48
#define DIFF_PS_48 5 /* IPS / S2PS encoding of 48 bits */
#define DIFF_IAS 48 /* the SMMU's IAS: max(OAS, 40) with AArch64 only */

#define DIFF_MAX_MAPS 48
#define DIFF_QUERIES 300

enum diff_kind { DIFF_S1, DIFF_S2, DIFF_NESTED };

struct diff_map {
	uint64_t iova, size;
};

struct diff_tables {
	struct vsmmu_pgtable *pgt;
	unsigned int gshift, ias;
	bool ttb1;
	struct diff_map maps[DIFF_MAX_MAPS];
	unsigned int nmaps;
};

struct diff_env {
	enum diff_kind kind;
	struct vsmmu_mem *mem; /* what the SMMU walks (PA) */
	struct vsmmu_mem *s1mem; /* where the stage-1 tables are built */
	struct vsmmu_smmu *smmu;
	struct vsmmu_mem_pool *s1pool, *s2pool;
	struct diff_tables s1[2]; /* TTB0, TTB1: pgt NULL if disabled */
	struct diff_tables s2;
	uint64_t ipa_off; /* nested: PA of the stage-1 region - its IPA */
	uint64_t cd; /* CD address (an IPA when nested) */
	uint32_t sid;
	uint16_t asid, vmid;
	bool any_global;
	/* Leaves split by partial unmaps: [start, start + size) of stage
	 * (s2 ? 2 : 1).  The parts still mapped keep their translation, so
	 * software need not invalidate them and the IOTLB may go on serving
	 * them from an entry of the old, larger size. */
	struct diff_split {
		bool s2;
		uint64_t start, size;
	} splits[64];
	unsigned int nsplits;
	uint64_t rng;
	char desc[160];
	/* statistics */
	unsigned long queries, ok, faults[4], hits, invals, unmaps;
};

/* The outcome the architecture requires, worked out without lib/hw. */
struct diff_exp {
	enum vsmmu_txn_outcome outcome;
	uint64_t oa, ipa;
	unsigned int shift, perm;
	unsigned int id;
	bool s2;
	uint64_t fipa; /* IPA reported by a stage-2 fault */
};

static uint64_t diff_rand(struct diff_env *e)
{
	return vt_rand(&e->rng);
}

static uint64_t diff_below(struct diff_env *e, uint64_t n)
{
	return n ? diff_rand(e) % n : 0;
}

/* Size of a leaf at @level for granule 2^@g: g + (3 - level)(g - 3) bits. */
static unsigned int diff_level_shift(unsigned int g, unsigned int level)
{
	return g + (3 - level) * (g - 3);
}

/* Levels that may hold a leaf (VMSAv8-64 without LPA/LPA2). */
static bool diff_leaf_level(unsigned int g, unsigned int level)
{
	if (level == 3)
		return true;
	if (g == 12)
		return level == 1 || level == 2;
	return level == 2; /* 16K and 64K (64K L1 needs 52-bit PA) */
}

static void diff_env_free(struct diff_env *e)
{
	unsigned int i;

	vsmmu_smmu_destroy(e->smmu);
	for (i = 0; i < 2; i++)
		vsmmu_pgtable_destroy(e->s1[i].pgt);
	vsmmu_pgtable_destroy(e->s2.pgt);
	vsmmu_mem_pool_destroy(e->s1pool);
	vsmmu_mem_pool_destroy(e->s2pool);
	if (e->s1mem != e->mem)
		vsmmu_mem_destroy(e->s1mem);
	vsmmu_mem_destroy(e->mem);
	memset(e, 0, sizeof(*e));
}

/*
 * Check the encodings the library derived against the architecture:
 * TxSZ = 64 - ias; TG0 4K 0 / 64K 1 / 16K 2, TG1 16K 1 / 4K 2 / 64K 3,
 * S2TG as TG0; S2SL0 4K 0:L2 1:L1 2:L0, 16K/64K 0:L3 1:L2 2:L1; stage-1
 * start level 4 - ceil((ias - g) / (g - 3)); stage-2 concatenation
 * 2^(ias - (start-level shift + g - 3)) tables when that is positive.
 */
static void diff_check_info(const struct diff_tables *t, bool s2)
{
	struct vsmmu_pgtable_info info;
	unsigned int g = t->gshift, bpl = g - 3, top, want_tg;

	vsmmu_pgtable_get_info(t->pgt, &info);
	ASSERT_EQ(info.tsz, 64 - t->ias);
	ASSERT_EQ(info.ps, DIFF_PS_48);
	if (t->ttb1)
		want_tg = g == 12 ? 2 : g == 14 ? 1 : 3;
	else
		want_tg = g == 12 ? 0 : g == 14 ? 2 : 1;
	ASSERT_EQ(info.tg, want_tg);
	if (!s2) {
		unsigned int levels = (t->ias - g + bpl - 1) / bpl;

		ASSERT_EQ(info.start_level, 4 - levels);
		return;
	}
	ASSERT_TRUE(info.start_level <= 3);
	ASSERT_EQ(info.sl0, (g == 12 ? 2 : 3) - info.start_level);
	top = diff_level_shift(g, info.start_level) + bpl;
	if (t->ias > top)
		ASSERT_EQ(info.concat, 1U << (t->ias - top));
	else
		ASSERT_EQ(info.concat, 1);
	ASSERT_TRUE(info.concat <= 16);
	/* the start level resolves at least one bit itself */
	ASSERT_TRUE(t->ias > diff_level_shift(g, info.start_level));
}

static int diff_tables_new(struct diff_env *e, struct diff_tables *t, bool s2,
			   unsigned int g, unsigned int ias, bool ttb1,
			   unsigned int max_concat)
{
	struct vsmmu_pgtable_cfg cfg = {
		.fmt = s2 ? VSMMU_PGTABLE_S2 : VSMMU_PGTABLE_S1,
		.granule_shift = g,
		.ias = ias,
		.oas = DIFF_OAS,
		.ttb1 = ttb1,
		.max_concat = max_concat,
		.pool = s2 ? e->s2pool : e->s1pool,
	};
	int ret;

	t->gshift = g;
	t->ias = ias;
	t->ttb1 = ttb1;
	t->nmaps = 0;
	ret = vsmmu_pgtable_create(&cfg, &t->pgt);
	if (ret == -EINVAL && max_concat) {
		/* e.g. 16K, 48 bits needs 2 tables at L1 (L0 takes DS) */
		cfg.max_concat = 0;
		ret = vsmmu_pgtable_create(&cfg, &t->pgt);
	}
	if (ret) {
		vt_fail(__FILE__, __LINE__,
			"pgtable_create(s2 %d g %u ias %u ttb1 %d): %d", s2, g,
			ias, ttb1, ret);
		return ret;
	}
	diff_check_info(t, s2);
	return vt_failed() ? -1 : 0;
}

/* The lowest address of @t's range (TTB1: the sign-extended base). */
static uint64_t diff_base(const struct diff_tables *t)
{
	return t->ttb1 ? ~((1ULL << t->ias) - 1) : 0;
}

static unsigned int diff_s1_prot(struct diff_env *e)
{
	uint64_t r = diff_rand(e);
	unsigned int prot = VSMMU_PROT_READ;

	if (r & 1)
		prot |= VSMMU_PROT_WRITE;
	if (r & 2)
		prot |= VSMMU_PROT_EXEC;
	if (r & 4)
		prot |= VSMMU_PROT_USER;
	if ((r >> 3) % 6 == 0)
		prot |= VSMMU_PROT_PRIV_EXEC_ONLY;
	if ((r >> 6) % 10 == 0)
		prot |= VSMMU_PROT_NOAF;
	if ((r >> 10) % 5 == 0)
		prot |= VSMMU_PROT_GLOBAL;
	if (r & (1 << 14))
		prot |= VSMMU_PROT_CACHE;
	else if (r & (1 << 15))
		prot |= VSMMU_PROT_MMIO;
	return prot;
}

static unsigned int diff_s2_prot(struct diff_env *e)
{
	static const unsigned int rw[] = {
		VSMMU_PROT_READ | VSMMU_PROT_WRITE,
		VSMMU_PROT_READ | VSMMU_PROT_WRITE,
		VSMMU_PROT_READ,
		VSMMU_PROT_WRITE,
	};
	uint64_t r = diff_rand(e);
	unsigned int prot = rw[r % 4];

	if (r & 4)
		prot |= VSMMU_PROT_EXEC;
	if ((r >> 3) % 10 == 0)
		prot |= VSMMU_PROT_NOAF;
	if (r & (1 << 8))
		prot |= VSMMU_PROT_CACHE;
	else if (r & (1 << 9))
		prot |= VSMMU_PROT_MMIO;
	return prot;
}

/* A random leaf level that @t can hold (at or below its start level). */
static unsigned int diff_pick_shift(struct diff_env *e,
				    const struct diff_tables *t)
{
	unsigned int cand[4], n = 0, level;

	for (level = 0; level <= 3; level++) {
		unsigned int sh = diff_level_shift(t->gshift, level);

		/* the leaf must fit well inside the range */
		if (diff_leaf_level(t->gshift, level) && sh + 2 <= t->ias)
			cand[n++] = sh;
	}
	/* pages twice as often as each block size */
	if (diff_below(e, 3) == 0 || n == 1)
		return cand[n - 1];
	return cand[diff_below(e, n)];
}

/*
 * Map a random range of @t: @n leaves of one random size at an aligned
 * address, to an output address from @pick_out (or random below 2^oa_bits).
 */
static int diff_map_random(struct diff_env *e, struct diff_tables *t,
			   uint64_t out, unsigned int prot)
{
	unsigned int sh = diff_pick_shift(e, t), tries;
	uint64_t leaf = 1ULL << sh, n = 1 + diff_below(e, sh <= 16 ? 6 : 2);
	uint64_t size = n * leaf, span = 1ULL << t->ias;
	int ret = -EEXIST;

	if (t->nmaps == DIFF_MAX_MAPS)
		return -ENOSPC;
	if (size > span / 4)
		size = leaf;
	out &= ~(leaf - 1);
	for (tries = 0; tries < 8 && ret == -EEXIST; tries++) {
		uint64_t off = diff_below(e, (span - size) >> sh) << sh;

		/* now and then, next to an existing mapping */
		if (t->nmaps && diff_below(e, 3) == 0) {
			const struct diff_map *m =
				&t->maps[diff_below(e, t->nmaps)];
			uint64_t end = (m->iova - diff_base(t)) + m->size;

			off = (end + leaf - 1) & ~(leaf - 1);
			if (off > span - size)
				continue;
		}
		ret = vsmmu_pgtable_map(t->pgt, diff_base(t) + off, out, size,
					prot);
		if (!ret) {
			t->maps[t->nmaps].iova = diff_base(t) + off;
			t->maps[t->nmaps].size = size;
			t->nmaps++;
		}
	}
	if (ret == -EEXIST || ret == -ENOMEM)
		return 0; /* crowded or out of table memory: not an error */
	return ret;
}

/* Nested with an offset: copy the guest's view of the stage-1 region
 * (tables and CD) to where stage 2 puts it. */
static int diff_sync(struct diff_env *e)
{
	static uint8_t buf[64 * 1024];
	uint64_t off;
	int ret;

	if (e->s1mem == e->mem)
		return 0;
	for (off = 0; off < DIFF_POOL_SIZE; off += sizeof(buf)) {
		ret = vsmmu_mem_read(e->s1mem, DIFF_S1_POOL + off, buf,
				     sizeof(buf));
		if (!ret)
			ret = vsmmu_mem_load_buf(e->mem, buf, sizeof(buf),
						 DIFF_S1_POOL + e->ipa_off +
							 off);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * Nested: give most stage-1 outputs a stage-2 mapping (the random stage-2
 * mappings alone leave most of them faulting at stage 2).
 */
static int diff_cover_s1_outputs(struct diff_env *e)
{
	struct diff_tables *t2 = &e->s2;
	uint64_t gran = 1ULL << t2->gshift;
	unsigned int i, k;

	for (i = 0; i < 2; i++) {
		for (k = 0; k < e->s1[i].nmaps; k++) {
			const struct diff_map *m = &e->s1[i].maps[k];
			struct vsmmu_pgtable_entry ent;
			uint64_t ipa, end, out;
			int ret;

			if (t2->nmaps == DIFF_MAX_MAPS || diff_below(e, 4) == 0)
				continue;
			if (vsmmu_pgtable_lookup(e->s1[i].pgt, m->iova, &ent))
				continue;
			ipa = ent.pa & ~(gran - 1);
			end = (ent.pa + m->size + gran - 1) & ~(gran - 1);
			if (end > 1ULL << t2->ias)
				continue;
			/* keep the IPA's alignment so blocks stay possible */
			out = ((diff_rand(e) & ((1ULL << 44) - 1)) &
			       ~((1ULL << 30) - 1)) |
			      (ipa & ((1ULL << 30) - 1));
			ret = vsmmu_pgtable_map(t2->pgt, ipa, out, end - ipa,
						diff_s2_prot(e));
			if (ret == -EEXIST || ret == -ENOMEM)
				continue;
			if (ret)
				return ret;
			t2->maps[t2->nmaps].iova = ipa;
			t2->maps[t2->nmaps].size = end - ipa;
			t2->nmaps++;
		}
	}
	return 0;
}

/* --- Configuration ------------------------------------------------------ */

static const unsigned int diff_grans[3] = { 12, 14, 16 };

/* Stage-1 input sizes reaching every start level the library can build
 * (it needs ias >= 25): 4K L0 40-48 L1 31-39 L2 25-30; 16K L0 48 L1 37-47
 * L2 26-36 L3 25; 64K L1 43-48 L2 30-42 L3 25-29. */
static const unsigned int diff_s1_ias[3][6] = {
	{ 48, 44, 39, 33, 30, 25 },
	{ 48, 47, 40, 36, 30, 25 },
	{ 48, 44, 42, 36, 29, 25 },
};

/* Stage-2 input sizes, including the largest concatenations (16 tables):
 * 4K L2 <= 34, L1 <= 43, L0; 16K L3 <= 29, L2 <= 40, L1 (48: 2 tables);
 * 64K L3 <= 33, L2 <= 46, L1. */
static const unsigned int diff_s2_ias[3][8] = {
	{ 25, 30, 34, 35, 40, 43, 44, 48 },
	{ 25, 29, 30, 36, 40, 41, 47, 48 },
	{ 25, 29, 33, 34, 42, 46, 47, 48 },
};

static int diff_mmio(struct diff_env *e, uint64_t off, unsigned int size,
		     uint64_t val)
{
	int ret = vsmmu_smmu_mmio_write(e->smmu, off, size, val);

	if (ret)
		vt_fail(__FILE__, __LINE__, "mmio 0x%" PRIx64 ": %d", off, ret);
	return ret;
}

static int diff_w64(struct vsmmu_mem *mem, uint64_t pa, uint64_t v)
{
	int ret = vsmmu_mem_write64(mem, pa, v);

	if (ret)
		vt_fail(__FILE__, __LINE__, "write64 0x%" PRIx64 ": %d", pa,
			ret);
	return ret;
}

static uint64_t diff_cd_dw0(const struct diff_env *e)
{
	static const unsigned int tg0[3] = { 0, 2, 1 }, tg1[3] = { 2, 1, 3 };
	const struct diff_tables *t0 = &e->s1[0], *t1 = &e->s1[1];
	uint64_t d = DIFF_CD_V | DIFF_CD_IPS(DIFF_PS_48) | DIFF_CD_AA64 |
		     DIFF_CD_R | DIFF_CD_A | DIFF_CD_ASID(e->asid);

	/* a disabled half keeps legal T0SZ/TG0 values: 16, 4K */
	if (t0->pgt)
		d |= DIFF_CD_T0SZ(64 - t0->ias) |
		     DIFF_CD_TG0(tg0[(t0->gshift - 12) / 2]);
	else
		d |= DIFF_CD_T0SZ(16) | DIFF_CD_EPD0;
	if (t1->pgt)
		d |= DIFF_CD_T1SZ(64 - t1->ias) |
		     DIFF_CD_TG1(tg1[(t1->gshift - 12) / 2]);
	else
		d |= DIFF_CD_EPD1;
	return d;
}

static uint64_t diff_ste_dw2(const struct diff_env *e)
{
	static const unsigned int s2tg[3] = { 0, 2, 1 };
	struct vsmmu_pgtable_info info;
	const struct diff_tables *t = &e->s2;

	vsmmu_pgtable_get_info(t->pgt, &info);
	return e->vmid | DIFF_STE2_T0SZ(64 - t->ias) | DIFF_STE2_SL0(info.sl0) |
	       DIFF_STE2_TG(s2tg[(t->gshift - 12) / 2]) |
	       DIFF_STE2_PS(DIFF_PS_48) | DIFF_STE2_AA64 | DIFF_STE2_R;
}

/* Write the CD, the STE and the registers, and enable the SMMU. */
static int diff_enable(struct diff_env *e)
{
	struct vsmmu_pgtable_info info;
	uint64_t ste[8] = { 0 }, cd[8] = { 0 }, ste_pa;
	unsigned int i;
	int ret;

	if (e->kind != DIFF_S2) {
		cd[0] = diff_cd_dw0(e);
		for (i = 0; i < 2; i++) {
			if (!e->s1[i].pgt)
				continue;
			vsmmu_pgtable_get_info(e->s1[i].pgt, &info);
			cd[1 + i] = info.ttb;
		}
		for (i = 0; i < 8; i++)
			if (diff_w64(e->s1mem, e->cd + 8 * i, cd[i]))
				return -1;
	}
	ste[0] = DIFF_STE_V | e->cd;
	switch (e->kind) {
	case DIFF_S1:
		ste[0] |= DIFF_STE_CFG_S1;
		/* the VMID tag of stage-1-only entries (spec-notes Q4) */
		ste[2] = e->vmid;
		break;
	case DIFF_S2:
		ste[0] = DIFF_STE_V | DIFF_STE_CFG_S2;
		/* fall through */
	case DIFF_NESTED:
		if (e->kind == DIFF_NESTED)
			ste[0] |= DIFF_STE_CFG_NESTED;
		ste[2] = diff_ste_dw2(e);
		vsmmu_pgtable_get_info(e->s2.pgt, &info);
		ste[3] = info.ttb;
		break;
	}
	ret = vsmmu_mem_populate(e->mem, DIFF_STRTAB, 16 * 64);
	if (ret)
		return ret;
	ste_pa = DIFF_STRTAB + 64ULL * e->sid;
	for (i = 0; i < 8; i++)
		if (diff_w64(e->mem, ste_pa + 8 * i, ste[i]))
			return -1;
	if (diff_sync(e))
		return -1;
	/* STRTAB_BASE_CFG: FMT linear (0), LOG2SIZE 4; CR2.RECINVSID */
	if (diff_mmio(e, DIFF_REG_STRTAB_BASE, 8, DIFF_STRTAB) ||
	    diff_mmio(e, DIFF_REG_STRTAB_BASE_CFG, 4, 4) ||
	    diff_mmio(e, DIFF_REG_CR2, 4, 0x2) ||
	    diff_mmio(e, DIFF_REG_CR0, 4, 1))
		return -1;
	return 0;
}

/*
 * Build configuration @idx of @kind: granule idx % 3 (so each kind covers
 * all three), the input sizes random from the tables above.
 */
/* Memory, SMMU and table pools for @kind; no tables yet. */
static int diff_env_base(struct diff_env *e, enum diff_kind kind, uint64_t rng,
			 bool offset)
{
	struct vsmmu_smmu_config cfg;
	int ret;

	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->rng = rng;
	e->sid = (uint32_t)diff_below(e, 16);
	e->asid = (uint16_t)(1 + diff_below(e, 0xfffe));
	e->vmid = (uint16_t)(1 + diff_below(e, 0xfffe));
	ret = vsmmu_mem_create(DIFF_OAS, &e->mem);
	if (ret)
		return ret;
	e->s1mem = e->mem;
	if (kind == DIFF_NESTED && offset) {
		ret = vsmmu_mem_create(DIFF_OAS, &e->s1mem);
		if (ret)
			return ret;
		/* a granule-aligned offset of 1-64 GiB plus some pages */
		e->ipa_off = ((1 + diff_below(e, 64)) << 30) +
			     (diff_below(e, 256) << 16);
	}
	vsmmu_smmu_config_default(&cfg);
	ret = vsmmu_smmu_create(&cfg, e->mem, &e->smmu);
	if (!ret && kind != DIFF_S1)
		ret = vsmmu_mem_pool_create(e->mem, DIFF_S2_POOL,
					    DIFF_POOL_SIZE, &e->s2pool);
	if (!ret && kind != DIFF_S2)
		ret = vsmmu_mem_pool_create(e->s1mem, DIFF_S1_POOL,
					    DIFF_POOL_SIZE, &e->s1pool);
	return ret;
}

/* The CD's address, and under nesting the stage-2 map of the region. */
static int diff_env_cd(struct diff_env *e)
{
	int ret;

	if (e->kind == DIFF_NESTED) {
		ret = vsmmu_mem_pool_alloc(e->s1pool, 64, 64, &e->cd);
		if (ret)
			return ret;
		/* stage 2 maps the stage-1 region read/write */
		ret = vsmmu_pgtable_map(
			e->s2.pgt, DIFF_S1_POOL, DIFF_S1_POOL + e->ipa_off,
			DIFF_POOL_SIZE,
			VSMMU_PROT_READ | VSMMU_PROT_WRITE | VSMMU_PROT_CACHE);
		if (ret)
			vt_fail(__FILE__, __LINE__, "map s1 region: %d", ret);
		return ret;
	}
	e->cd = DIFF_CD_PA;
	return vsmmu_mem_populate(e->mem, DIFF_CD_PA, 4096);
}

/*
 * Build configuration @idx of @kind: granule idx % 3 (so each kind covers
 * all three), the input sizes random from the tables above.
 */
static int diff_env_new(struct diff_env *e, enum diff_kind kind,
			unsigned int idx, uint64_t seed, bool ttb1_only,
			bool offset)
{
	unsigned int g = diff_grans[idx % 3], i, nmaps;
	int ret;

	ret = diff_env_base(e, kind, seed ^ (0x9e3779b97f4a7c15ULL * (idx + 1)),
			    offset);
	if (ret)
		return ret;

	if (kind != DIFF_S1) {
		unsigned int ias = diff_s2_ias[idx % 3][diff_below(e, 8)];
		static const unsigned int mc[4] = { 0, 1, 2, 16 };

		ret = diff_tables_new(e, &e->s2, true, g, ias, false,
				      mc[diff_below(e, 4)]);
		if (ret)
			return ret;
	}
	if (kind != DIFF_S2) {
		/* TTB0 only, TTB1 only, or both (TTB1 with its own granule) */
		unsigned int which =
			ttb1_only ? 1 + (unsigned int)diff_below(e, 2) : 0;

		if (which != 1) {
			ret = diff_tables_new(
				e, &e->s1[0], false, g,
				diff_s1_ias[idx % 3][diff_below(e, 6)], false,
				0);
			if (ret)
				return ret;
		}
		if (which != 0) {
			unsigned int g1 = (unsigned int)diff_below(e, 3);

			ret = diff_tables_new(e, &e->s1[1], false,
					      diff_grans[g1],
					      diff_s1_ias[g1][diff_below(e, 6)],
					      true, 0);
			if (ret)
				return ret;
		}
		ret = diff_env_cd(e);
		if (ret)
			return ret;
	}
	if (kind != DIFF_S1) {
		nmaps = 8 + (unsigned int)diff_below(e, 16);
		for (i = 0; i < nmaps; i++) {
			uint64_t out = diff_rand(e) & ((1ULL << 44) - 1);

			ret = diff_map_random(e, &e->s2, out, diff_s2_prot(e));
			if (ret)
				return ret;
		}
	}
	for (i = 0; kind != DIFF_S2 && i < 2; i++) {
		struct diff_tables *t = &e->s1[i];
		unsigned int k;

		if (!t->pgt)
			continue;
		nmaps = 8 + (unsigned int)diff_below(e, 16);
		for (k = 0; k < nmaps; k++) {
			uint64_t out = diff_rand(e) & ((1ULL << 44) - 1);
			unsigned int prot = diff_s1_prot(e);

			if (kind == DIFF_NESTED && e->s2.nmaps &&
			    diff_below(e, 3)) {
				/* an IPA that stage 2 (mostly) maps */
				const struct diff_map *m =
					&e->s2.maps[diff_below(e, e->s2.nmaps)];

				out = m->iova + diff_below(e, m->size);
			} else if (kind == DIFF_NESTED) {
				out &= (1ULL << (e->s2.ias + 1)) - 1;
			}
			e->any_global |= !!(prot & VSMMU_PROT_GLOBAL);
			ret = diff_map_random(e, t, out, prot);
			if (ret)
				return ret;
		}
	}

	if (kind == DIFF_NESTED) {
		ret = diff_cover_s1_outputs(e);
		if (ret)
			return ret;
	}
	snprintf(
		e->desc, sizeof(e->desc),
		"%s sid %u asid %u vmid %u s1[%u/%u %u/%u] s2[%u/%u] off 0x%" PRIx64,
		kind == DIFF_S1 ? "s1" :
		kind == DIFF_S2 ? "s2" :
				  "nested",
		e->sid, e->asid, e->vmid, e->s1[0].pgt ? e->s1[0].gshift : 0,
		e->s1[0].ias, e->s1[1].pgt ? e->s1[1].gshift : 0, e->s1[1].ias,
		e->s2.pgt ? e->s2.gshift : 0, e->s2.ias, e->ipa_off);
	return diff_enable(e);
}

/* --- The oracle ----------------------------------------------------------- */

/* Permissions a stage-1 leaf mapped with @prot grants (VSMMU_TXN_*). */
static unsigned int diff_s1_perm(unsigned int prot, bool priv)
{
	bool u = prot & VSMMU_PROT_USER, w = prot & VSMMU_PROT_WRITE;
	bool peo = prot & VSMMU_PROT_PRIV_EXEC_ONLY;
	bool uxn = peo || !(prot & VSMMU_PROT_EXEC);
	bool pxn = !peo && !(prot & VSMMU_PROT_EXEC);
	unsigned int p = 0;

	if (priv) {
		p = VSMMU_TXN_READ | (w ? VSMMU_TXN_WRITE : 0);
		/* EL0-writable memory is treated as PXN */
		if (!pxn && !(u && w))
			p |= VSMMU_TXN_EXEC;
	} else {
		if (u)
			p = VSMMU_TXN_READ | (w ? VSMMU_TXN_WRITE : 0);
		if (!uxn)
			p |= VSMMU_TXN_EXEC;
	}
	return p;
}

static unsigned int diff_s2_perm(unsigned int prot)
{
	return ((prot & VSMMU_PROT_READ) ? VSMMU_TXN_READ : 0) |
	       ((prot & VSMMU_PROT_WRITE) ? VSMMU_TXN_WRITE : 0) |
	       ((prot & VSMMU_PROT_EXEC) ? VSMMU_TXN_EXEC : 0);
}

static unsigned int diff_log2(uint64_t v)
{
	return 63 - (unsigned int)__builtin_clzll(v);
}

static void diff_fault(struct diff_exp *x, unsigned int id, bool s2,
		       uint64_t ipa)
{
	x->outcome = VSMMU_TXN_FAULT;
	x->id = id;
	x->s2 = s2;
	x->fipa = s2 ? ipa : 0;
}

/* The stage-1 leaf for @va: 0, or -ENOENT (unmapped or out of range). */
static int diff_s1_lookup(const struct diff_env *e, uint64_t va,
			  struct vsmmu_pgtable_entry *ent)
{
	unsigned int i;

	for (i = 0; i < 2; i++) {
		const struct diff_tables *t = &e->s1[i];
		uint64_t mask = (1ULL << t->ias) - 1;

		if (t->pgt && (va & ~mask) == diff_base(t))
			return vsmmu_pgtable_lookup(t->pgt, va, ent);
	}
	return -ENOENT;
}

static void diff_expect(const struct diff_env *e, uint64_t addr,
			unsigned int flags, struct diff_exp *x)
{
	unsigned int need = flags &
			    (VSMMU_TXN_READ | VSMMU_TXN_WRITE | VSMMU_TXN_EXEC);
	bool priv = flags & VSMMU_TXN_PRIV;
	struct vsmmu_pgtable_entry ent;
	uint64_t ipa = addr;
	unsigned int perm = need | VSMMU_TXN_READ | VSMMU_TXN_WRITE |
			    VSMMU_TXN_EXEC;
	unsigned int shift = 64;

	memset(x, 0, sizeof(*x));
	if (e->kind != DIFF_S2) {
		if (diff_s1_lookup(e, addr, &ent)) {
			diff_fault(x, DIFF_EVT_TRANSLATION, false, 0);
			return;
		}
		if (ent.prot & VSMMU_PROT_NOAF) {
			diff_fault(x, DIFF_EVT_ACCESS, false, 0);
			return;
		}
		perm = diff_s1_perm(ent.prot, priv);
		if (!(perm & need)) {
			diff_fault(x, DIFF_EVT_PERMISSION, false, 0);
			return;
		}
		ipa = ent.pa + (addr & (ent.size - 1));
		shift = diff_log2(ent.size);
	} else if (addr >> DIFF_IAS) {
		/* stage 1 bypassed: the input is checked against the IAS */
		diff_fault(x, DIFF_EVT_ADDR_SIZE, false, 0);
		return;
	}
	if (e->kind != DIFF_S1) {
		if (ipa >> e->s2.ias ||
		    vsmmu_pgtable_lookup(e->s2.pgt, ipa, &ent)) {
			diff_fault(x, DIFF_EVT_TRANSLATION, true, ipa);
			return;
		}
		if (ent.prot & VSMMU_PROT_NOAF) {
			diff_fault(x, DIFF_EVT_ACCESS, true, ipa);
			return;
		}
		perm &= diff_s2_perm(ent.prot);
		if (!(perm & need)) {
			diff_fault(x, DIFF_EVT_PERMISSION, true, ipa);
			return;
		}
		x->ipa = ipa;
		x->oa = ent.pa + (ipa & (ent.size - 1));
		if (diff_log2(ent.size) < shift)
			shift = diff_log2(ent.size);
	} else {
		x->oa = ipa;
	}
	x->outcome = VSMMU_TXN_OK;
	x->shift = shift;
	x->perm = perm;
}

static const char *diff_flags_str(unsigned int f)
{
	static const char *const s[] = { "?",  "R", "W", "?",  "X",  "?",
					 "?",  "?", "?", "PR", "PW", "?",
					 "PX", "?", "?", "?" };

	return s[f & 15];
}

/* Does @r match @x?  If not and @report, describe both and fail. */
/*
 * May an IOTLB hit report @shift for @addr (IPA @ipa) where the tables now
 * say less?  Only inside a split leaf, up to the leaf's old size.
 */
static bool diff_split_ok(const struct diff_env *e, uint64_t addr, uint64_t ipa,
			  unsigned int shift)
{
	unsigned int i;

	for (i = 0; i < e->nsplits; i++) {
		const struct diff_split *sp = &e->splits[i];
		uint64_t a = sp->s2 ? ipa : addr;

		if (shift < 64 && (1ULL << shift) <= sp->size &&
		    a - sp->start < sp->size)
			return true;
	}
	return false;
}

static bool diff_match_q(struct diff_env *e, const char *what, uint64_t addr,
			 unsigned int flags, const struct diff_exp *x,
			 const struct vsmmu_txn_result *r, bool report)
{
	uint64_t evt0, evt1, evt3;

	if (r->outcome != x->outcome)
		goto bad;
	if (x->outcome == VSMMU_TXN_OK) {
		if (r->oa != x->oa || r->perm != x->perm || r->bypass)
			goto bad;
		if (r->page_shift != x->shift &&
		    !(r->tlb_hit && r->page_shift > x->shift &&
		      diff_split_ok(e, addr, x->ipa, r->page_shift)))
			goto bad;
		if (e->kind == DIFF_NESTED && r->ipa != x->ipa)
			goto bad;
		return true;
	}
	evt0 = x->id | ((uint64_t)e->sid << 32);
	evt1 = ((flags & VSMMU_TXN_PRIV) ? DIFF_EVT1_PNU : 0) |
	       ((flags & VSMMU_TXN_EXEC) ? DIFF_EVT1_IND : 0) |
	       ((flags & VSMMU_TXN_WRITE) ? 0 : DIFF_EVT1_RNW) |
	       (x->s2 ? DIFF_EVT1_S2 : 0) | DIFF_EVT1_CLASS_IN;
	evt3 = x->fipa & DIFF_EVT3_IPA_MASK;
	if (r->evt[0] != evt0 || r->evt[1] != evt1 || r->evt[2] != addr ||
	    r->evt[3] != evt3 || !r->recorded || r->stall)
		goto bad;
	return true;
bad:
	if (!report)
		return false;
	vt_fail(__FILE__, __LINE__,
		"%s: %s addr 0x%" PRIx64
		" %s: expected outcome %d oa 0x%" PRIx64 " ipa 0x%" PRIx64
		" shift %u perm %u | evt id 0x%x s2 %d "
		"ipa 0x%" PRIx64 "; got outcome %d oa 0x%" PRIx64
		" ipa 0x%" PRIx64 " shift %u perm %u hit %d | evt %016" PRIx64
		" %016" PRIx64 " %016" PRIx64 " %016" PRIx64 " rec %d",
		e->desc, what, addr, diff_flags_str(flags), x->outcome, x->oa,
		x->ipa, x->shift, x->perm, x->id, x->s2, x->fipa, r->outcome,
		r->oa, r->ipa, r->page_shift, r->perm, r->tlb_hit, r->evt[0],
		r->evt[1], r->evt[2], r->evt[3], r->recorded);
	return false;
}

/* Compare @r with @x; on a difference report everything and fail. */
static bool diff_match(struct diff_env *e, const char *what, uint64_t addr,
		       unsigned int flags, const struct diff_exp *x,
		       const struct vsmmu_txn_result *r)
{
	return diff_match_q(e, what, addr, flags, x, r, true);
}

static void diff_noop_trace(void *arg, const struct vsmmu_trace_step *step)
{
	(void)arg;
	(void)step;
}

/* Translate (twice, sometimes also traced) and compare with the oracle. */
static bool diff_query(struct diff_env *e, uint64_t addr, unsigned int flags)
{
	struct vsmmu_txn txn = { .sid = e->sid, .addr = addr, .flags = flags };
	struct vsmmu_txn_result r1, r2;
	struct diff_exp x;
	int ret;

	diff_expect(e, addr, flags, &x);
	memset(&r1, 0xa5, sizeof(r1));
	ret = vsmmu_translate(e->smmu, &txn, &r1);
	if (ret) {
		vt_fail(__FILE__, __LINE__, "translate: %d", ret);
		return false;
	}
	if (!diff_match(e, "first", addr, flags, &x, &r1))
		return false;
	memset(&r2, 0x5a, sizeof(r2));
	ret = vsmmu_translate(e->smmu, &txn, &r2);
	if (ret || !diff_match(e, "again", addr, flags, &x, &r2)) {
		if (ret)
			vt_fail(__FILE__, __LINE__, "translate: %d", ret);
		return false;
	}
	if (r2.tlb_hit)
		e->hits++;
	if (diff_below(e, 8) == 0) {
		memset(&r2, 0x3c, sizeof(r2));
		ret = vsmmu_translate_trace(e->smmu, &txn, &r2, diff_noop_trace,
					    NULL);
		if (ret || !diff_match(e, "traced", addr, flags, &x, &r2)) {
			if (ret)
				vt_fail(__FILE__, __LINE__, "trace: %d", ret);
			return false;
		}
	}
	e->queries++;
	if (x.outcome == VSMMU_TXN_OK)
		e->ok++;
	else
		e->faults[x.id - DIFF_EVT_TRANSLATION]++;
	return true;
}

static unsigned int diff_rand_flags(struct diff_env *e)
{
	static const unsigned int acc[3] = { VSMMU_TXN_READ, VSMMU_TXN_WRITE,
					     VSMMU_TXN_EXEC };
	uint64_t r = diff_rand(e);

	return acc[r % 3] | ((r & 4) ? VSMMU_TXN_PRIV : 0);
}

/* The tables the queries' input addresses go through. */
static const struct diff_tables *diff_in_tables(const struct diff_env *e,
						unsigned int i)
{
	if (e->kind == DIFF_S2)
		return i ? NULL : &e->s2;
	return e->s1[i].pgt ? &e->s1[i] : NULL;
}

/* A random input address: in a mapping, near one, anywhere, or beyond. */
static uint64_t diff_rand_addr(struct diff_env *e)
{
	const struct diff_tables *t = diff_in_tables(e, diff_below(e, 2));
	uint64_t r = diff_below(e, 16), span;

	if (!t)
		t = diff_in_tables(e, 0);
	if (!t)
		t = diff_in_tables(e, 1);
	span = 1ULL << t->ias;
	if (t->nmaps && r < 9) {
		const struct diff_map *m = &t->maps[diff_below(e, t->nmaps)];

		if (r < 7)
			return m->iova + diff_below(e, m->size);
		if (r == 7)
			return m->iova - 1 - diff_below(e, 1ULL << t->gshift);
		return m->iova + m->size + diff_below(e, 1ULL << t->gshift);
	}
	if (r < 14)
		return diff_base(t) + diff_below(e, span);
	/* outside the range: set a bit above it (or clear one for TTB1) */
	return (diff_base(t) + diff_below(e, span)) ^
	       (1ULL << (t->ias + diff_below(e, 64 - t->ias)));
}

/* --- Invalidation after an unmap ------------------------------------------ */

static int diff_tlbi(struct diff_env *e, const struct vsmmu_tlbi *inv)
{
	int ret = vsmmu_smmu_tlbi(e->smmu, inv);

	if (getenv("DIFF_DEBUG"))
		printf("# tlbi kind %d addr 0x%" PRIx64
		       " tg %u num %u scale %u ttl %u leaf %d\n",
		       inv->kind, inv->addr, inv->tg, inv->num, inv->scale,
		       inv->ttl, inv->leaf);

	if (ret)
		vt_fail(__FILE__, __LINE__,
			"tlbi kind %d addr 0x%" PRIx64 " tg %u num %u scale %u "
			"ttl %u: %d",
			inv->kind, inv->addr, inv->tg, inv->num, inv->scale,
			inv->ttl, ret);
	e->invals++;
	return ret;
}

/*
 * Non-range invalidation of the leaf [inv->addr, + @len): one command at
 * its start, as Linux issues without range invalidation.  Under nesting
 * this must also remove the combined entries that are splinters of a
 * stage-1 block (diff_nested_splintered_nh_va).
 */
static int diff_tlbi_plain(struct diff_env *e, struct vsmmu_tlbi *inv,
			   uint64_t len)
{
	uint64_t step = len, a, start = inv->addr;

	for (a = 0; a < len; a += step) {
		inv->addr = start + a;
		if (diff_tlbi(e, inv))
			return -1;
	}
	return 0;
}

/*
 * Invalidate [start, start + len) of @t's range with range commands of
 * granule 2^g: (num + 1) << scale granules each, TTL @ttl.
 */
static int diff_tlbi_range(struct diff_env *e, enum vsmmu_tlbi_kind kind,
			   unsigned int g, uint64_t start, uint64_t len,
			   unsigned int ttl, bool leaf)
{
	uint64_t pages = len >> g, addr = start;

	while (pages) {
		unsigned int top = diff_log2(pages);
		unsigned int scale = top > 4 ? top - 4 : 0;
		uint64_t num = (pages >> scale) - 1, chunk;
		struct vsmmu_tlbi inv = {
			.kind = kind,
			.vmid = e->vmid,
			.asid = e->asid,
			.addr = addr,
			.leaf = leaf,
			.tg = (g - 10) / 2,
			.ttl = ttl,
		};

		if (num > 31)
			num = 31;
		chunk = (num + 1) << scale;
		inv.num = (unsigned int)num;
		inv.scale = scale;
		if (!num && !scale && !ttl) {
			/* the reserved encoding: use the plain form */
			inv.tg = 0;
			inv.num = 0;
			if (diff_tlbi_plain(e, &inv, 1ULL << g))
				return -1;
		} else if (diff_tlbi(e, &inv)) {
			return -1;
		}
		addr += chunk << g;
		pages -= chunk;
	}
	return 0;
}

/*
 * What an unmap of @g (from stage @s2 tables @t) requires, in one of the
 * legal forms, chosen at random.
 */
static int diff_invalidate(struct diff_env *e, const struct diff_tables *t,
			   bool s2, const struct vsmmu_pgtable_gather *g)
{
	uint64_t len = g->end - g->start, gran = 1ULL << t->gshift;
	bool leaf = !g->tables_freed;
	unsigned int ttl = 0, r = (unsigned int)diff_below(e, 5);
	struct vsmmu_tlbi inv = { .vmid = e->vmid,
				  .asid = e->asid,
				  .leaf = leaf };
	uint64_t a;

	if (g->start == g->end)
		return 0;
	/* TTL only when the unmap removed leaves of one level */
	if (g->leaf_levels && !(g->leaf_levels & (g->leaf_levels - 1)) &&
	    g->leaf_levels > 1 && diff_below(e, 2))
		ttl = diff_log2(g->leaf_levels);
	if (s2 && e->kind == DIFF_S2) {
		if (r == 0) {
			inv.kind = VSMMU_TLBI_S12_VMALL;
			return diff_tlbi(e, &inv);
		}
		if (r <= 2 && len / gran <= 64) {
			inv.kind = VSMMU_TLBI_S2_IPA;
			for (a = g->start; a != g->end; a += gran) {
				inv.addr = a;
				if (diff_tlbi(e, &inv))
					return -1;
			}
			return 0;
		}
		return diff_tlbi_range(e, VSMMU_TLBI_S2_IPA, t->gshift,
				       g->start, len, ttl, leaf);
	}
	if (s2) {
		/* nested: S2_IPA keeps combined entries (spec-notes Q12) */
		if (r < 2) {
			inv.kind = VSMMU_TLBI_S12_VMALL;
			return diff_tlbi(e, &inv);
		}
		if (diff_tlbi_range(e, VSMMU_TLBI_S2_IPA, t->gshift, g->start,
				    len, ttl, leaf))
			return -1;
		inv.kind = VSMMU_TLBI_NH_ALL;
		return diff_tlbi(e, &inv);
	}
	/* stage 1 (alone or nested) */
	switch (r) {
	case 0:
		/* NH_ASID keeps global entries: only if there are none */
		inv.kind = e->any_global ? VSMMU_TLBI_NH_ALL :
					   VSMMU_TLBI_NH_ASID;
		return diff_tlbi(e, &inv);
	case 1:
		inv.kind = e->kind == DIFF_NESTED ? VSMMU_TLBI_S12_VMALL :
						    VSMMU_TLBI_NH_ALL;
		return diff_tlbi(e, &inv);
	case 2:
		if (len / gran <= 64) {
			inv.kind = diff_below(e, 2) ? VSMMU_TLBI_NH_VA :
						      VSMMU_TLBI_NH_VAA;
			for (a = g->start; a != g->end; a += gran) {
				inv.addr = a;
				if (diff_tlbi_plain(e, &inv, gran))
					return -1;
			}
			return 0;
		}
		/* fall through */
	default:
		return diff_tlbi_range(e,
				       diff_below(e, 2) ? VSMMU_TLBI_NH_VA :
							  VSMMU_TLBI_NH_VAA,
				       t->gshift, g->start, len, ttl, leaf);
	}
}

/* Before unmapping up to/from @addr: remember the leaf if it gets split. */
static void diff_note_split(struct diff_env *e, const struct diff_tables *t,
			    bool s2, uint64_t addr, uint64_t iova,
			    uint64_t size)
{
	struct vsmmu_pgtable_entry ent;
	struct diff_split *sp;

	if (vsmmu_pgtable_lookup(t->pgt, addr, &ent) ||
	    (ent.iova >= iova && ent.iova + ent.size - 1 <= iova + size - 1) ||
	    e->nsplits == sizeof(e->splits) / sizeof(e->splits[0]))
		return;
	sp = &e->splits[e->nsplits++];
	sp->s2 = s2;
	sp->start = ent.iova;
	sp->size = ent.size;
}

/*
 * Unmap part of a random mapping of @t (splitting blocks when the part is
 * not a whole leaf), invalidate, maybe map it again elsewhere, and check
 * addresses of the part (whose old translations the TLB may hold).
 */
static bool diff_unmap_round(struct diff_env *e, struct diff_tables *t, bool s2)
{
	uint64_t gran = 1ULL << t->gshift, iova, size, addrs[8];
	struct vsmmu_pgtable_gather g;
	struct diff_map *m;
	unsigned int i, n;
	int64_t done;

	if (!t->nmaps)
		return true;
	m = &t->maps[diff_below(e, t->nmaps)];
	n = (unsigned int)(m->size / gran);
	if (n > 1 && diff_below(e, 2)) {
		/* a granule-aligned piece, up to 64 granules */
		uint64_t first = diff_below(e, n), cnt;

		cnt = 1 + diff_below(e, n - first < 64 ? n - first : 64);
		iova = m->iova + first * gran;
		size = cnt * gran;
	} else {
		iova = m->iova;
		size = m->size;
	}
	/* warm the TLB with the part and its neighbourhood */
	for (i = 0; i < 8; i++) {
		addrs[i] = iova + diff_below(e, size);
		if (!diff_query(e, addrs[i], diff_rand_flags(e)))
			return false;
	}
	diff_note_split(e, t, s2, iova, iova, size);
	diff_note_split(e, t, s2, iova + size - 1, iova, size);
	vsmmu_pgtable_gather_init(&g);
	done = vsmmu_pgtable_unmap(t->pgt, iova, size, &g);
	if (done < 0) {
		if (done == -ENOMEM)
			return true; /* split needs a table: pool full */
		vt_fail(__FILE__, __LINE__, "unmap: %" PRId64, done);
		return false;
	}
	e->unmaps++;
	if (getenv("DIFF_DEBUG"))
		printf("# unmap s2 %d [0x%" PRIx64 " +0x%" PRIx64
		       ") gather [0x%" PRIx64 " 0x%" PRIx64
		       ") levels %x freed %d\n",
		       s2, iova, size, g.start, g.end, g.leaf_levels,
		       g.tables_freed);
	/* the gather stays within what was asked (parts may have been
	 * unmapped already), and is empty only if nothing was mapped */
	if ((g.start != g.end &&
	     (g.start < iova || g.end - 1 > iova + size - 1)) ||
	    (done && g.start == g.end)) {
		vt_fail(__FILE__, __LINE__,
			"gather [0x%" PRIx64 ", 0x%" PRIx64 ") vs [0x%" PRIx64
			", +0x%" PRIx64 ")",
			g.start, g.end, iova, size);
		return false;
	}
	if (diff_sync(e) || diff_invalidate(e, t, s2, &g))
		return false;
	if (diff_below(e, 2)) {
		/* map it again to a different output, maybe other rights */
		uint64_t out = (diff_rand(e) & ((1ULL << 44) - 1)) &
			       ~(gran - 1);
		unsigned int prot = s2 ? diff_s2_prot(e) : diff_s1_prot(e);
		int ret;

		if (!s2 && e->kind == DIFF_NESTED && e->s2.nmaps) {
			const struct diff_map *m2 =
				&e->s2.maps[diff_below(e, e->s2.nmaps)];

			out = (m2->iova + diff_below(e, m2->size)) &
			      ~(gran - 1);
		}
		e->any_global |= !!(prot & VSMMU_PROT_GLOBAL);
		/* no invalidation: an invalid entry is never cached */
		ret = vsmmu_pgtable_map(t->pgt, iova, out, size, prot);
		if (ret && ret != -ENOMEM && ret != -EINVAL) {
			vt_fail(__FILE__, __LINE__, "remap: %d", ret);
			return false;
		}
		if (diff_sync(e))
			return false;
	}
	for (i = 0; i < 8; i++)
		if (!diff_query(e, addrs[i], diff_rand_flags(e)))
			return false;
	return true;
}

/* One configuration: queries, then rounds of unmap + invalidate + queries. */
static bool diff_run(struct diff_env *e)
{
	unsigned int q, round;

	for (round = 0; round < 3; round++) {
		for (q = 0; q < DIFF_QUERIES / 3; q++)
			if (!diff_query(e, diff_rand_addr(e),
					diff_rand_flags(e)))
				return false;
		for (q = 0; q < 4; q++) {
			unsigned int i = (unsigned int)diff_below(e, 2);
			bool s2 = e->kind == DIFF_S2 ||
				  (e->kind == DIFF_NESTED &&
				   diff_below(e, 3) == 0);
			struct diff_tables *t = s2 ? &e->s2 : &e->s1[i];

			if (!s2 && !t->pgt)
				t = &e->s1[!i];
			if (!diff_unmap_round(e, t, s2))
				return false;
		}
	}
	return true;
}

static void diff_suite(enum diff_kind kind, unsigned int configs, bool ttb1,
		       bool offset)
{
	uint64_t seed = vt_seed();
	unsigned long queries = 0, ok = 0, faults[4] = { 0 }, hits = 0;
	unsigned long invals = 0, unmaps = 0;
	struct diff_env e;
	unsigned int c, i;

	for (c = 0; c < configs; c++) {
		int ret = diff_env_new(&e, kind, c, seed, ttb1, offset);
		bool good;

		if (ret || vt_failed()) {
			if (!vt_failed())
				vt_fail(__FILE__, __LINE__,
					"config %u: setup failed: %d", c, ret);
			diff_env_free(&e);
			return;
		}
		good = diff_run(&e);
		queries += e.queries;
		ok += e.ok;
		for (i = 0; i < 4; i++)
			faults[i] += e.faults[i];
		hits += e.hits;
		invals += e.invals;
		unmaps += e.unmaps;
		if (!good)
			printf("# config %u: %s\n", c, e.desc);
		diff_env_free(&e);
		if (!good)
			return;
	}
	printf("# %u configs, %lu queries: %lu ok, %lu translation, "
	       "%lu addr size, %lu access, %lu permission; %lu second-try "
	       "hits, %lu unmaps, %lu invalidations\n",
	       configs, queries, ok, faults[0], faults[1], faults[2], faults[3],
	       hits, unmaps, invals);
	/* the mix must actually exercise both sides */
	ASSERT_TRUE(ok > queries / 40);
	ASSERT_TRUE(faults[0] > 0 && faults[3] > 0);
	ASSERT_TRUE(hits > 0);
}

TEST(diff_s1_ttb0)
{
	diff_suite(DIFF_S1, 12, false, false);
}

TEST(diff_s1_ttb1)
{
	diff_suite(DIFF_S1, 12, true, false);
}

TEST(diff_s2)
{
	diff_suite(DIFF_S2, 12, false, false);
}

TEST(diff_nested_identity)
{
	diff_suite(DIFF_NESTED, 9, false, false);
}

TEST(diff_nested_offset)
{
	diff_suite(DIFF_NESTED, 9, true, true);
}

/* --- Minimal reproducers of disagreements ---------------------------------- */

/*
 * A nested environment with one TTB0 table (granule 2^@g1, @ias1 bits) and
 * a stage-2 table (2^@g2, @ias2), identity-placed stage-1 tables, fixed
 * SID/ASID/VMID, no mappings yet.
 */
static int diff_fixed_nested(struct diff_env *e, unsigned int g1,
			     unsigned int ias1, unsigned int g2,
			     unsigned int ias2)
{
	int ret = diff_env_base(e, DIFF_NESTED, 1, false);

	if (!ret)
		ret = diff_tables_new(e, &e->s2, true, g2, ias2, false, 0);
	if (!ret)
		ret = diff_tables_new(e, &e->s1[0], false, g1, ias1, false, 0);
	if (!ret)
		ret = diff_env_cd(e);
	e->sid = 3;
	e->asid = 7;
	e->vmid = 9;
	snprintf(e->desc, sizeof(e->desc), "nested s1 %u/%u s2 %u/%u", g1, ias1,
		 g2, ias2);
	return ret;
}

/* Translate once; true if the model agrees with the oracle (no failure
 * is reported otherwise). */
static bool diff_agrees(struct diff_env *e, uint64_t addr, unsigned int flags)
{
	struct vsmmu_txn txn = { .sid = e->sid, .addr = addr, .flags = flags };
	struct vsmmu_txn_result r;
	struct diff_exp x;

	diff_expect(e, addr, flags, &x);
	memset(&r, 0, sizeof(r));
	if (vsmmu_translate(e->smmu, &txn, &r))
		return false;
	return diff_match_q(e, "probe", addr, flags, &x, &r, false);
}

/*
 * A stage-1 2 MiB block over stage-2 4 KiB pages gives combined IOTLB
 * entries of 4 KiB.  Unmapping the block and issuing the one CMD_TLBI_NH_VA
 * a driver issues for a 2 MiB leaf (Linux: one command per leaf, at its
 * start) must remove all of them: IHI 0070 4.4.2.4 gives NH_VA the scope
 * of TLBI VAE1, which applies to every cached copy of the stage-1 entry
 * that translates the address, and Arm ARM D8.17.6 (R_LQLSD): the minimum
 * size of TLB entry to invalidate is the size of the translation table
 * entry.  (The model once dropped only the combined entry containing the
 * command's address, so VA 0x4000_5000 kept translating.)
 */
TEST(diff_nested_splintered_nh_va)
{
	struct vsmmu_tlbi inv = { .kind = VSMMU_TLBI_NH_VA,
				  .vmid = 9,
				  .asid = 7,
				  .addr = 0x40000000,
				  .leaf = true };
	struct vsmmu_pgtable_gather g;
	struct diff_env e;
	bool good;

	if (diff_fixed_nested(&e, 12, 39, 12, 40)) {
		diff_env_free(&e);
		ASSERT_TRUE(false);
	}
	/* IPA 0x4000_0000 + 2 MiB -> PA 0x8000_1000: only 4K-aligned, so
	 * 512 pages; VA 0x4000_0000 -> IPA 0x4000_0000: one 2 MiB block */
	if (vsmmu_pgtable_map(e.s2.pgt, 0x40000000, 0x80001000, 2ULL << 20,
			      VSMMU_PROT_READ | VSMMU_PROT_WRITE) ||
	    vsmmu_pgtable_map(e.s1[0].pgt, 0x40000000, 0x40000000, 2ULL << 20,
			      VSMMU_PROT_READ | VSMMU_PROT_WRITE) ||
	    diff_enable(&e)) {
		diff_env_free(&e);
		ASSERT_TRUE(false);
	}
	/* VA 0x4000_5010 -> IPA 0x4000_5010 -> PA 0x8000_6010, 4K entry */
	good = diff_query(&e, 0x40005010, VSMMU_TXN_READ | VSMMU_TXN_PRIV);
	vsmmu_pgtable_gather_init(&g);
	if (good && vsmmu_pgtable_unmap(e.s1[0].pgt, 0x40000000, 2ULL << 20,
					&g) != (int64_t)(2ULL << 20))
		good = false;
	if (good && diff_tlbi(&e, &inv))
		good = false;
	if (!good) {
		diff_env_free(&e);
		ASSERT_TRUE(false);
	}
	/* expected: stage-1 F_TRANSLATION (0x10, S2 = 0, CLASS = IN) */
	good = diff_agrees(&e, 0x40005010, VSMMU_TXN_READ | VSMMU_TXN_PRIV);
	diff_env_free(&e);
	ASSERT_TRUE(good);
}

/*
 * A stage-1 2 MiB block whose IPA lies in a stage-2 512 MiB block (64K
 * granule): the translation is 2 MiB (the smaller of the two leaves), and
 * VA 0x4020_0000, just past the stage-1 block, is unmapped at stage 1.
 */
TEST(diff_nested_combined_size)
{
	struct diff_env e;
	bool good;

	if (diff_fixed_nested(&e, 12, 39, 16, 48)) {
		diff_env_free(&e);
		ASSERT_TRUE(false);
	}
	/* IPA 0x2000_0000 + 512 MiB -> PA 0x4000_0000 (one L2 block);
	 * VA 0x4000_0000 + 2 MiB -> IPA 0x2020_0000 (one L2 block) */
	if (vsmmu_pgtable_map(e.s2.pgt, 0x20000000, 0x40000000, 512ULL << 20,
			      VSMMU_PROT_READ | VSMMU_PROT_WRITE) ||
	    vsmmu_pgtable_map(e.s1[0].pgt, 0x40000000, 0x20200000, 2ULL << 20,
			      VSMMU_PROT_READ | VSMMU_PROT_WRITE) ||
	    diff_enable(&e)) {
		diff_env_free(&e);
		ASSERT_TRUE(false);
	}
	/* OK: oa 0x4020_0010, page_shift 21; then F_TRANSLATION at stage 1
	 * (not served by a 512 MiB entry); then the first again */
	good = diff_query(&e, 0x40000010, VSMMU_TXN_READ | VSMMU_TXN_PRIV) &&
	       diff_query(&e, 0x40200010, VSMMU_TXN_READ | VSMMU_TXN_PRIV) &&
	       diff_query(&e, 0x40000010, VSMMU_TXN_READ);
	diff_env_free(&e);
	ASSERT_TRUE(good);
}
