// SPDX-License-Identifier: MIT
/*
 * Tests of the VMSAv8-64 page-table library.
 *
 * Descriptor values are checked against hex worked out by hand from the
 * architecture (bit positions in the comments), and tables are walked here
 * with hand-written masks rather than with the library's own decoder.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>

#include <vsmmu/bits.h>
#include <vsmmu/pgtable.h>

#include "harness.h"

/* Descriptor address bits [47:12] and the table/page + valid bits. */
#define T_ADDR 0x0000fffffffff000ULL
#define T_TABLE 0x3ULL

struct pfx {
	struct vsmmu_mem *mem;
	struct vsmmu_mem_pool *pool;
	struct vsmmu_pgtable *pgt;
	struct vsmmu_pgtable_info info;
	uint64_t pool_base, pool_size;
};

static const uint64_t POOL_BASE = 0x10000000; /* 256 MiB */

static int pfx_mem(struct pfx *f, unsigned int pa_bits, uint64_t base,
		   uint64_t size)
{
	int ret;

	memset(f, 0, sizeof(*f));
	f->pool_base = base;
	f->pool_size = size;
	ret = vsmmu_mem_create(pa_bits, &f->mem);
	if (ret)
		return ret;
	return vsmmu_mem_pool_create(f->mem, base, size, &f->pool);
}

static int pfx_init(struct pfx *f, const struct vsmmu_pgtable_cfg *c)
{
	struct vsmmu_pgtable_cfg cfg = *c;
	int ret;

	cfg.pool = f->pool;
	ret = vsmmu_pgtable_create(&cfg, &f->pgt);
	if (!ret)
		vsmmu_pgtable_get_info(f->pgt, &f->info);
	return ret;
}

/* Memory with a 16 MiB pool and a table of @fmt / granule / ias / oas. */
static int pfx_setup(struct pfx *f, enum vsmmu_pgtable_fmt fmt,
		     unsigned int gshift, unsigned int ias, unsigned int oas)
{
	struct vsmmu_pgtable_cfg cfg = {
		.fmt = fmt,
		.granule_shift = gshift,
		.ias = ias,
		.oas = oas,
	};
	int ret = pfx_mem(f, 48, POOL_BASE, 16ULL << 20);

	return ret ? ret : pfx_init(f, &cfg);
}

static void pfx_fini(struct pfx *f)
{
	vsmmu_pgtable_destroy(f->pgt);
	vsmmu_mem_pool_destroy(f->pool);
	vsmmu_mem_destroy(f->mem);
	f->pgt = NULL;
	f->pool = NULL;
	f->mem = NULL;
}

static uint64_t rd64(const struct pfx *f, uint64_t pa)
{
	uint64_t v = 0xdeadbeefdeadbeefULL;

	if (vsmmu_mem_read64(f->mem, pa, &v))
		return 0xbad0bad0bad0bad0ULL;
	return v;
}

/* Is @pa the base of a granule inside the pool? (a plausible table) */
static bool in_pool(const struct pfx *f, uint64_t pa)
{
	return pa >= f->pool_base && pa < f->pool_base + f->pool_size;
}

/* --- Exact descriptors ------------------------------------------------ */

TEST(pgtable_s1_4k_page_desc_by_hand)
{
	struct pfx f;
	struct vsmmu_pgtable_entry e;
	uint64_t l0, l1, l2, l3, pa, sz;

	ASSERT_OK(pfx_setup(&f, VSMMU_PGTABLE_S1, 12, 48, 48));
	/* 4K, ias 48: 36 bits / 9 per level = 4 levels, start at L0. */
	ASSERT_EQ(f.info.start_level, 0);
	ASSERT_OK(vsmmu_pgtable_map(f.pgt, 0x1000, 0x80000, 0x1000,
				    VSMMU_PROT_READ | VSMMU_PROT_WRITE |
					    VSMMU_PROT_CACHE));
	/* iova 0x1000: L0, L1, L2 index 0, L3 index 1. */
	l0 = rd64(&f, f.info.ttb);
	ASSERT_EQ(l0 & ~T_ADDR, T_TABLE); /* table: VALID | TYPE only */
	ASSERT_TRUE(in_pool(&f, l0 & T_ADDR));
	l1 = rd64(&f, l0 & T_ADDR);
	ASSERT_EQ(l1 & ~T_ADDR, T_TABLE);
	l2 = rd64(&f, l1 & T_ADDR);
	ASSERT_EQ(l2 & ~T_ADDR, T_TABLE);
	ASSERT_EQ(rd64(&f, (l2 & T_ADDR) + 0), 0);
	l3 = rd64(&f, (l2 & T_ADDR) + 8);
	/*
	 * 0x80000 | AF 0x400 | SH=IS 3<<8 = 0x300 | AttrIndx 1<<2 = 0x4 |
	 * nG 0x800 | PXN 1<<53 | UXN 1<<54 (= 0x0060000000000000) |
	 * TYPE 0x2 | VALID 0x1: low 12 bits 0x400+0x300+0x800+0x4+0x3 = 0xf07.
	 */
	ASSERT_EQ(l3, 0x0060000000080f07ULL);

	ASSERT_OK(vsmmu_pgtable_lookup(f.pgt, 0x1abc, &e));
	ASSERT_EQ(e.iova, 0x1000);
	ASSERT_EQ(e.pa, 0x80000);
	ASSERT_EQ(e.size, 0x1000);
	ASSERT_EQ(e.level, 3);
	ASSERT_EQ(e.desc, 0x0060000000080f07ULL);
	ASSERT_EQ(e.prot,
		  VSMMU_PROT_READ | VSMMU_PROT_WRITE | VSMMU_PROT_CACHE);
	ASSERT_OK(vsmmu_pgtable_iova_to_phys(f.pgt, 0x1abc, &pa, &sz));
	ASSERT_EQ(pa, 0x80abc);
	ASSERT_EQ(sz, 0x1000);
	ASSERT_EQ(vsmmu_pgtable_iova_to_phys(f.pgt, 0x2000, &pa, NULL),
		  -ENOENT);
	ASSERT_EQ(vsmmu_pgtable_iova_to_phys(f.pgt, 0x0, &pa, NULL), -ENOENT);
	pfx_fini(&f);
}

/* Map one 4K page at iova 0x1000 and return its L3 descriptor. */
static uint64_t s1_4k_page(struct pfx *f, uint64_t pa, unsigned int prot)
{
	uint64_t t;

	if (vsmmu_pgtable_map(f->pgt, 0x1000, pa, 0x1000, prot))
		return 0xbad;
	t = rd64(f, f->info.ttb) & T_ADDR;
	t = rd64(f, t) & T_ADDR;
	t = rd64(f, t) & T_ADDR;
	return rd64(f, t + 8);
}

TEST(pgtable_s1_prot_variants_by_hand)
{
	struct pfx f;
	struct vsmmu_pgtable_entry e;

	ASSERT_OK(pfx_setup(&f, VSMMU_PGTABLE_S1, 12, 48, 48));
	/*
	 * READ only, normal NC, not executable:
	 * 0x80000 | AF 0x400 | SH=OS 2<<8 = 0x200 | AttrIndx 0 | nG 0x800 |
	 * AP[2] RDONLY 0x80 | UXN|PXN 3<<53 | 0x3 -> low 0xe83.
	 */
	ASSERT_EQ(s1_4k_page(&f, 0x80000, VSMMU_PROT_READ),
		  0x0060000000080e83ULL);
	ASSERT_OK(vsmmu_pgtable_lookup(f.pgt, 0x1000, &e));
	ASSERT_EQ(e.prot, VSMMU_PROT_READ);
	ASSERT_EQ(vsmmu_pgtable_unmap(f.pgt, 0x1000, 0x1000, NULL), 0x1000);

	/*
	 * READ|WRITE|MMIO|EXEC|USER|GLOBAL:
	 * 0x80000 | AF 0x400 | SH=OS 0x200 | AttrIndx 2<<2 = 0x8 |
	 * AP[1] UNPRIV 0x40 | 0x3 -> low 0x64b; no nG, no XN.
	 */
	ASSERT_EQ(s1_4k_page(&f, 0x80000,
			     VSMMU_PROT_READ | VSMMU_PROT_WRITE |
				     VSMMU_PROT_MMIO | VSMMU_PROT_EXEC |
				     VSMMU_PROT_USER | VSMMU_PROT_GLOBAL),
		  0x000000000008064bULL);
	ASSERT_OK(vsmmu_pgtable_lookup(f.pgt, 0x1000, &e));
	ASSERT_EQ(e.prot, VSMMU_PROT_READ | VSMMU_PROT_WRITE | VSMMU_PROT_MMIO |
				  VSMMU_PROT_EXEC | VSMMU_PROT_USER |
				  VSMMU_PROT_GLOBAL);
	ASSERT_EQ(vsmmu_pgtable_unmap(f.pgt, 0x1000, 0x1000, NULL), 0x1000);

	/*
	 * READ|PRIV_EXEC_ONLY|NOAF|CACHE, pa 0x123456000:
	 * 0x123456000 | SH=IS 0x300 | AttrIndx 1<<2 = 0x4 | nG 0x800 |
	 * RDONLY 0x80 | UXN 1<<54 = 0x0040000000000000 | 0x3 -> low 0xb87.
	 */
	ASSERT_EQ(s1_4k_page(&f, 0x123456000,
			     VSMMU_PROT_READ | VSMMU_PROT_PRIV_EXEC_ONLY |
				     VSMMU_PROT_NOAF | VSMMU_PROT_CACHE),
		  0x0040000123456b87ULL);
	ASSERT_OK(vsmmu_pgtable_lookup(f.pgt, 0x1000, &e));
	ASSERT_EQ(e.prot, VSMMU_PROT_READ | VSMMU_PROT_PRIV_EXEC_ONLY |
				  VSMMU_PROT_NOAF | VSMMU_PROT_CACHE);
	pfx_fini(&f);
}

TEST(pgtable_s2_4k_desc_by_hand)
{
	struct pfx f;
	struct vsmmu_pgtable_entry e;
	uint64_t t;

	/* S2 4K ias 40: start L1 with 2 concatenated tables (see below). */
	ASSERT_OK(pfx_setup(&f, VSMMU_PGTABLE_S2, 12, 40, 48));
	ASSERT_OK(vsmmu_pgtable_map(f.pgt, 0x1000, 0x80000, 0x1000,
				    VSMMU_PROT_READ | VSMMU_PROT_WRITE |
					    VSMMU_PROT_CACHE));
	t = rd64(&f, f.info.ttb); /* L1 index 0 */
	ASSERT_EQ(t & ~T_ADDR, T_TABLE);
	t = rd64(&f, t & T_ADDR); /* L2 index 0 */
	ASSERT_EQ(t & ~T_ADDR, T_TABLE);
	/*
	 * MemAttr 0xf<<2 = 0x3c | S2AP RW 3<<6 = 0xc0 | SH=IS 0x300 |
	 * AF 0x400 | XN=2 at [54:53] = 1<<54 | 0x3:
	 * low 0x3c+0xc0+0x300+0x400+0x3 = 0x7ff.
	 */
	ASSERT_EQ(rd64(&f, (t & T_ADDR) + 8), 0x00400000000807ffULL);
	ASSERT_OK(vsmmu_pgtable_lookup(f.pgt, 0x1000, &e));
	ASSERT_EQ(e.prot,
		  VSMMU_PROT_READ | VSMMU_PROT_WRITE | VSMMU_PROT_CACHE);

	/*
	 * READ|MMIO|EXEC at iova 0x2000: MemAttr 1<<2 = 0x4 | S2AP R 0x40 |
	 * SH=OS 0x200 | AF 0x400 | XN 0 | 0x3 -> 0x647.
	 */
	ASSERT_OK(vsmmu_pgtable_map(f.pgt, 0x2000, 0x80000, 0x1000,
				    VSMMU_PROT_READ | VSMMU_PROT_MMIO |
					    VSMMU_PROT_EXEC));
	ASSERT_EQ(rd64(&f, (t & T_ADDR) + 16), 0x0000000000080647ULL);
	ASSERT_OK(vsmmu_pgtable_lookup(f.pgt, 0x2000, &e));
	ASSERT_EQ(e.prot, VSMMU_PROT_READ | VSMMU_PROT_MMIO | VSMMU_PROT_EXEC);

	/*
	 * WRITE|NOAF (NC) at iova 0x3000: MemAttr 5<<2 = 0x14 |
	 * S2AP W 0x80 | SH=OS 0x200 | XN=2 1<<54 | 0x3 -> low 0x297.
	 */
	ASSERT_OK(vsmmu_pgtable_map(f.pgt, 0x3000, 0x80000, 0x1000,
				    VSMMU_PROT_WRITE | VSMMU_PROT_NOAF));
	ASSERT_EQ(rd64(&f, (t & T_ADDR) + 24), 0x0040000000080297ULL);
	ASSERT_OK(vsmmu_pgtable_lookup(f.pgt, 0x3000, &e));
	ASSERT_EQ(e.prot, VSMMU_PROT_WRITE | VSMMU_PROT_NOAF);
	pfx_fini(&f);
}

/* --- Blocks ----------------------------------------------------------- */

TEST(pgtable_s1_4k_blocks)
{
	struct pfx f;
	struct vsmmu_pgtable_entry e;
	uint64_t l0, l1t, l2, l2t, i;

	ASSERT_OK(pfx_setup(&f, VSMMU_PGTABLE_S1, 12, 48, 48));
	/* 2 MiB at iova 0x200000 -> pa 0x40000000: one L2 block. */
	ASSERT_OK(vsmmu_pgtable_map(f.pgt, 0x200000, 0x40000000, 0x200000,
				    VSMMU_PROT_READ | VSMMU_PROT_WRITE |
					    VSMMU_PROT_CACHE));
	l0 = rd64(&f, f.info.ttb);
	l1t = l0 & T_ADDR;
	l2t = rd64(&f, l1t) & T_ADDR;
	/*
	 * L2 index 1: block, TYPE clear: 0x40000000 | 0xf00 (AF|SH IS|nG) |
	 * AttrIndx 1 0x4 | VALID 0x1 | UXN|PXN -> 0x0060000040000f05.
	 */
	ASSERT_EQ(rd64(&f, l2t + 8), 0x0060000040000f05ULL);
	ASSERT_EQ(rd64(&f, l2t), 0);
	ASSERT_OK(vsmmu_pgtable_lookup(f.pgt, 0x3fffff, &e));
	ASSERT_EQ(e.level, 2);
	ASSERT_EQ(e.size, 0x200000);
	ASSERT_EQ(e.iova, 0x200000);
	ASSERT_EQ(e.pa, 0x40000000);

	/* 1 GiB at iova 0x40000000 -> pa 0x80000000: one L1 block. */
	ASSERT_OK(vsmmu_pgtable_map(f.pgt, 0x40000000, 0x80000000, 0x40000000,
				    VSMMU_PROT_READ | VSMMU_PROT_WRITE |
					    VSMMU_PROT_CACHE));
	ASSERT_EQ(rd64(&f, l1t + 8), 0x0060000080000f05ULL);
	ASSERT_OK(vsmmu_pgtable_lookup(f.pgt, 0x40000000 + 0x12345678, &e));
	ASSERT_EQ(e.level, 1);
	ASSERT_EQ(e.size, 0x40000000);

	/* 2 MiB at 0x400000 with pa 0x40201000 (misaligned): 512 pages. */
	ASSERT_OK(vsmmu_pgtable_map(f.pgt, 0x400000, 0x40201000, 0x200000,
				    VSMMU_PROT_READ));
	l2 = rd64(&f, l2t + 16);
	ASSERT_EQ(l2 & ~T_ADDR, T_TABLE);
	for (i = 0; i < 512; i++) {
		uint64_t d = rd64(&f, (l2 & T_ADDR) + i * 8);

		ASSERT_EQ(d & T_ADDR, 0x40201000 + i * 0x1000);
		ASSERT_EQ(d & 3, 3);
	}
	/* 4 MiB + 8 KiB at 0x1ffe000: 2 pages, then two 2M blocks. */
	ASSERT_OK(vsmmu_pgtable_map(f.pgt, 0x1ffe000, 0x1ffe000, 0x402000,
				    VSMMU_PROT_READ));
	ASSERT_OK(vsmmu_pgtable_lookup(f.pgt, 0x1fff000, &e));
	ASSERT_EQ(e.level, 3);
	ASSERT_OK(vsmmu_pgtable_lookup(f.pgt, 0x2000000, &e));
	ASSERT_EQ(e.level, 2);
	ASSERT_OK(vsmmu_pgtable_lookup(f.pgt, 0x23ff000, &e));
	ASSERT_EQ(e.level, 2);
	ASSERT_EQ(e.pa, 0x2200000);
	/* A 1 GiB range not 1G aligned in pa: 2M blocks. */
	ASSERT_OK(vsmmu_pgtable_map(f.pgt, 0x80000000, 0x80200000, 0x40000000,
				    VSMMU_PROT_READ));
	ASSERT_OK(vsmmu_pgtable_lookup(f.pgt, 0x80000000, &e));
	ASSERT_EQ(e.level, 2);
	pfx_fini(&f);
}

TEST(pgtable_16k_64k_blocks)
{
	struct pfx f;
	struct vsmmu_pgtable_entry e;

	/* 16K: L2 blocks are 2^(14+11) = 32 MiB, no L1 blocks. */
	ASSERT_OK(pfx_setup(&f, VSMMU_PGTABLE_S1, 14, 48, 48));
	ASSERT_OK(vsmmu_pgtable_map(f.pgt, 1ULL << 36, 1ULL << 36, 1ULL << 36,
				    VSMMU_PROT_READ));
	ASSERT_OK(vsmmu_pgtable_lookup(f.pgt, (1ULL << 36) + 0x5000000, &e));
	ASSERT_EQ(e.level, 2);
	ASSERT_EQ(e.size, 32ULL << 20);
	ASSERT_EQ(e.pa, (1ULL << 36) + 0x4000000);
	ASSERT_EQ(vsmmu_pgtable_unmap(f.pgt, 1ULL << 36, 1ULL << 36, NULL),
		  1ULL << 36);
	pfx_fini(&f);

	/* 64K: L2 blocks are 2^(16+13) = 512 MiB, no L1 blocks. */
	ASSERT_OK(pfx_setup(&f, VSMMU_PGTABLE_S2, 16, 48, 48));
	ASSERT_OK(vsmmu_pgtable_map(f.pgt, 1ULL << 42, 0, 1ULL << 42,
				    VSMMU_PROT_READ));
	ASSERT_OK(vsmmu_pgtable_lookup(f.pgt, (1ULL << 42) + 0x30010000, &e));
	ASSERT_EQ(e.level, 2);
	ASSERT_EQ(e.size, 512ULL << 20);
	ASSERT_EQ(e.pa, 0x20000000);
	ASSERT_OK(vsmmu_pgtable_map(f.pgt, 0x10000, 0x30000, 0x20000,
				    VSMMU_PROT_READ));
	ASSERT_OK(vsmmu_pgtable_lookup(f.pgt, 0x20000, &e));
	ASSERT_EQ(e.level, 3);
	ASSERT_EQ(e.size, 0x10000);
	ASSERT_EQ(e.pa, 0x40000);
	pfx_fini(&f);
}

/* --- Geometry and info -------------------------------------------------- */

struct geo_case {
	enum vsmmu_pgtable_fmt fmt;
	unsigned int gshift, ias, max_concat;
	unsigned int start, concat, sl0;
};

/*
 * Worked out by hand.  Level n maps 2^(g + (3-n)*(g-3)) bytes per entry:
 *   4K:  L3 12, L2 21, L1 30, L0 39
 *   16K: L3 14, L2 25, L1 36, L0 47
 *   64K: L3 16, L2 29, L1 42
 * Stage 1: start = the level whose entry span is below ias and leaves at
 * most g-3 bits.  Stage 2: the deepest start level (4K from L2, others
 * from L3) with ias - span bits <= (g-3) + log2(max_concat).
 */
static const struct geo_case geo_cases[] = {
	{ VSMMU_PGTABLE_S1, 12, 48, 0, 0, 1, 0 }, /* 48-39 = 9 bits */
	{ VSMMU_PGTABLE_S1, 12, 39, 0, 1, 1, 0 }, /* 39-30 = 9 */
	{ VSMMU_PGTABLE_S1, 12, 40, 0, 0, 1, 0 }, /* 40-39 = 1 at L0 */
	{ VSMMU_PGTABLE_S1, 12, 25, 0, 2, 1, 0 }, /* 25-21 = 4 */
	{ VSMMU_PGTABLE_S1, 14, 48, 0, 0, 1, 0 }, /* 48-47 = 1 */
	{ VSMMU_PGTABLE_S1, 14, 47, 0, 1, 1, 0 }, /* 47-36 = 11 */
	{ VSMMU_PGTABLE_S1, 14, 36, 0, 2, 1, 0 }, /* 36-25 = 11 */
	{ VSMMU_PGTABLE_S1, 14, 25, 0, 3, 1, 0 }, /* 25-14 = 11 */
	{ VSMMU_PGTABLE_S1, 16, 48, 0, 1, 1, 0 }, /* 48-42 = 6 */
	{ VSMMU_PGTABLE_S1, 16, 52, 0, 1, 1, 0 }, /* 52-42 = 10 */
	{ VSMMU_PGTABLE_S1, 16, 42, 0, 2, 1, 0 }, /* 42-29 = 13 */
	{ VSMMU_PGTABLE_S1, 16, 29, 0, 3, 1, 0 }, /* 29-16 = 13 */
	/* 4K S2: 40-30 = 10 bits at L1 = 9 + 1: 2 tables, SL0 1 */
	{ VSMMU_PGTABLE_S2, 12, 40, 0, 1, 2, 1 },
	/* 42-30 = 12 = 9 + 3: 8 tables at L1 */
	{ VSMMU_PGTABLE_S2, 12, 42, 0, 1, 8, 1 },
	/* 43-30 = 13 = 9 + 4: 16 tables at L1 ... */
	{ VSMMU_PGTABLE_S2, 12, 43, 0, 1, 16, 1 },
	/* ... unless limited to 15: L0 with 43-39 = 4 bits, SL0 2 */
	{ VSMMU_PGTABLE_S2, 12, 43, 15, 0, 1, 2 },
	/* 48: L1 would need 2^9 tables; L0 9 bits, SL0 2 */
	{ VSMMU_PGTABLE_S2, 12, 48, 0, 0, 1, 2 },
	/* 34-21 = 13 at L2: 16 tables, SL0 0 */
	{ VSMMU_PGTABLE_S2, 12, 34, 0, 2, 16, 0 },
	/* same with max 8: L1, 34-30 = 4 bits, 1 table, SL0 1 */
	{ VSMMU_PGTABLE_S2, 12, 34, 8, 1, 1, 1 },
	/* 32-21 = 11 at L2: 4 tables */
	{ VSMMU_PGTABLE_S2, 12, 32, 0, 2, 4, 0 },
	{ VSMMU_PGTABLE_S2, 12, 25, 0, 2, 1, 0 }, /* 25-21 = 4 */
	/* 16K S2: 48-36 = 12 at L1 = 11 + 1: 2 tables, SL0 2 */
	{ VSMMU_PGTABLE_S2, 14, 48, 0, 1, 2, 2 },
	/* 40-25 = 15 at L2 = 11 + 4: 16 tables, SL0 1 */
	{ VSMMU_PGTABLE_S2, 14, 40, 0, 2, 16, 1 },
	/* 25-14 = 11 at L3: SL0 0 */
	{ VSMMU_PGTABLE_S2, 14, 25, 0, 3, 1, 0 },
	/* 64K S2: 42-29 = 13 at L2: 1 table, SL0 1 */
	{ VSMMU_PGTABLE_S2, 16, 42, 0, 2, 1, 1 },
	/* 44-29 = 15 at L2: 4 tables */
	{ VSMMU_PGTABLE_S2, 16, 44, 0, 2, 4, 1 },
	/* 48-29 = 19 too many; L1 48-42 = 6, SL0 2 */
	{ VSMMU_PGTABLE_S2, 16, 48, 0, 1, 1, 2 },
	/* 33-16 = 17 at L3 = 13 + 4: 16 tables, SL0 0 */
	{ VSMMU_PGTABLE_S2, 16, 33, 0, 3, 16, 0 },
	/* 52-42 = 10 at L1 */
	{ VSMMU_PGTABLE_S2, 16, 52, 0, 1, 1, 2 },
};

static void geo_one(const struct geo_case *c)
{
	struct vsmmu_pgtable_cfg cfg = {
		.fmt = c->fmt,
		.granule_shift = c->gshift,
		.ias = c->ias,
		.oas = c->ias > 48 ? 52 : 48,
		.max_concat = c->max_concat,
	};
	uint64_t g = 1ULL << c->gshift, top = (1ULL << c->ias) - g;
	unsigned int span = c->gshift + (3 - c->start) * (c->gshift - 3);
	uint64_t idx = top >> span, pa;
	struct pfx f;

	ASSERT_OK(pfx_mem(&f, 52, POOL_BASE, 16ULL << 20));
	ASSERT_OK(pfx_init(&f, &cfg));
	ASSERT_EQ(f.info.start_level, c->start);
	ASSERT_EQ(f.info.concat, c->concat);
	if (c->fmt == VSMMU_PGTABLE_S2)
		ASSERT_EQ(f.info.sl0, c->sl0);
	ASSERT_EQ(f.info.tsz, 64 - c->ias);
	ASSERT_TRUE(VS_IS_ALIGNED(f.info.ttb, c->concat * g));
	ASSERT_TRUE(in_pool(&f, f.info.ttb));
	/* The start table holds 2^(ias - span) entries in all. */
	ASSERT_EQ(idx, (1ULL << (c->ias - span)) - 1);

	ASSERT_OK(vsmmu_pgtable_map(f.pgt, 0, 0x40000000, g, VSMMU_PROT_READ));
	ASSERT_OK(
		vsmmu_pgtable_map(f.pgt, top, 0x50000000, g, VSMMU_PROT_WRITE));
	ASSERT_EQ(vsmmu_pgtable_map(f.pgt, top + g, 0, g, VSMMU_PROT_READ),
		  -EINVAL);
	ASSERT_EQ(rd64(&f, f.info.ttb + idx * 8) & 1, 1);
	if (c->start == 3) /* the leaf itself: a page */
		ASSERT_EQ(rd64(&f, f.info.ttb + idx * 8) & ~T_ADDR & 3, 3);
	ASSERT_OK(vsmmu_pgtable_iova_to_phys(f.pgt, top + 8, &pa, NULL));
	ASSERT_EQ(pa, 0x50000008);
	ASSERT_OK(vsmmu_pgtable_iova_to_phys(f.pgt, 16, &pa, NULL));
	ASSERT_EQ(pa, 0x40000010);
	ASSERT_EQ(vsmmu_pgtable_unmap(f.pgt, 0, 1ULL << c->ias, NULL),
		  (int64_t)(2 * g));
	/* All tables below the root were freed. */
	for (pa = 0; pa < c->concat * g; pa += 8)
		ASSERT_EQ(rd64(&f, f.info.ttb + pa), 0);
	pfx_fini(&f);
}

/*
 * For every case: the geometry, the root alignment, and mapping the first
 * and the last granule of the input range (which uses the last of the
 * concatenated tables), reading their start-level descriptor by hand.
 */
TEST(pgtable_geometry_all_granules)
{
	unsigned int i;

	for (i = 0; i < VS_ARRAY_SIZE(geo_cases); i++) {
		geo_one(&geo_cases[i]);
		if (vt_failed()) {
			printf("# in case %u: S%d granule %u ias %u\n", i,
			       geo_cases[i].fmt + 1, geo_cases[i].gshift,
			       geo_cases[i].ias);
			return;
		}
	}
}

TEST(pgtable_info_encodings_by_hand)
{
	struct vsmmu_pgtable_cfg cfg = { 0 };
	struct pfx f;

	ASSERT_OK(pfx_mem(&f, 52, POOL_BASE, 4ULL << 20));
	/* S1 4K ias 48 oas 48: T0SZ 16, TG0 4K = 0, IPS 48 bits = 5. */
	cfg = (struct vsmmu_pgtable_cfg){ .fmt = VSMMU_PGTABLE_S1,
					  .granule_shift = 12,
					  .ias = 48,
					  .oas = 48 };
	ASSERT_OK(pfx_init(&f, &cfg));
	ASSERT_EQ(f.info.tsz, 16);
	ASSERT_EQ(f.info.tg, 0);
	ASSERT_EQ(f.info.ps, 5);
	ASSERT_EQ(f.info.start_level, 0);
	ASSERT_EQ(f.info.concat, 1);
	vsmmu_pgtable_destroy(f.pgt);

	/* S1 16K ias 36 oas 40: T0SZ 28, TG0 16K = 2, IPS 40 = 2, L2. */
	cfg = (struct vsmmu_pgtable_cfg){ .fmt = VSMMU_PGTABLE_S1,
					  .granule_shift = 14,
					  .ias = 36,
					  .oas = 40 };
	ASSERT_OK(pfx_init(&f, &cfg));
	ASSERT_EQ(f.info.tsz, 28);
	ASSERT_EQ(f.info.tg, 2);
	ASSERT_EQ(f.info.ps, 2);
	ASSERT_EQ(f.info.start_level, 2);
	vsmmu_pgtable_destroy(f.pgt);

	/* S1 64K TTB0 ias 42 oas 44: T0SZ 22, TG0 64K = 1, IPS 44 = 4. */
	cfg = (struct vsmmu_pgtable_cfg){ .fmt = VSMMU_PGTABLE_S1,
					  .granule_shift = 16,
					  .ias = 42,
					  .oas = 44 };
	ASSERT_OK(pfx_init(&f, &cfg));
	ASSERT_EQ(f.info.tsz, 22);
	ASSERT_EQ(f.info.tg, 1);
	ASSERT_EQ(f.info.ps, 4);
	vsmmu_pgtable_destroy(f.pgt);

	/* TTB1 uses the TG1 encoding: 4K = 2, 16K = 1, 64K = 3. */
	cfg = (struct vsmmu_pgtable_cfg){ .fmt = VSMMU_PGTABLE_S1,
					  .granule_shift = 12,
					  .ias = 39,
					  .oas = 32,
					  .ttb1 = true };
	ASSERT_OK(pfx_init(&f, &cfg));
	ASSERT_EQ(f.info.tsz, 25); /* T1SZ = 64 - 39 */
	ASSERT_EQ(f.info.tg, 2);
	ASSERT_EQ(f.info.ps, 0); /* 32 bits */
	ASSERT_EQ(f.info.start_level, 1);
	vsmmu_pgtable_destroy(f.pgt);
	cfg.granule_shift = 14;
	cfg.oas = 36;
	ASSERT_OK(pfx_init(&f, &cfg));
	ASSERT_EQ(f.info.tg, 1);
	ASSERT_EQ(f.info.ps, 1); /* 36 bits */
	vsmmu_pgtable_destroy(f.pgt);
	cfg.granule_shift = 16;
	cfg.oas = 52;
	ASSERT_OK(pfx_init(&f, &cfg));
	ASSERT_EQ(f.info.tg, 3);
	ASSERT_EQ(f.info.ps, 6); /* 52 bits */
	vsmmu_pgtable_destroy(f.pgt);

	/* S2 uses STE.S2TG: 4K 0, 64K 1, 16K 2; S2PS 42 bits = 3. */
	cfg = (struct vsmmu_pgtable_cfg){ .fmt = VSMMU_PGTABLE_S2,
					  .granule_shift = 16,
					  .ias = 42,
					  .oas = 42 };
	ASSERT_OK(pfx_init(&f, &cfg));
	ASSERT_EQ(f.info.tg, 1);
	ASSERT_EQ(f.info.ps, 3);
	ASSERT_EQ(f.info.tsz, 22);
	ASSERT_EQ(f.info.sl0, 1);
	vsmmu_pgtable_destroy(f.pgt);
	cfg.granule_shift = 14;
	cfg.ias = 40;
	ASSERT_OK(pfx_init(&f, &cfg));
	ASSERT_EQ(f.info.tg, 2);
	vsmmu_pgtable_destroy(f.pgt);
	cfg.granule_shift = 12;
	ASSERT_OK(pfx_init(&f, &cfg));
	ASSERT_EQ(f.info.tg, 0);
	vsmmu_pgtable_destroy(f.pgt);
	f.pgt = NULL;
	pfx_fini(&f);
}

/* --- TTB1 --------------------------------------------------------------- */

TEST(pgtable_ttb1_upper_range)
{
	struct vsmmu_pgtable_cfg cfg = { .fmt = VSMMU_PGTABLE_S1,
					 .granule_shift = 12,
					 .ias = 48,
					 .oas = 48,
					 .ttb1 = true };
	struct vsmmu_pgtable_gather g;
	struct vsmmu_pgtable_entry e;
	struct pfx f;
	uint64_t pa, t;

	ASSERT_OK(pfx_mem(&f, 48, POOL_BASE, 4ULL << 20));
	ASSERT_OK(pfx_init(&f, &cfg));
	/* Bits 63:48 must all be one. */
	ASSERT_EQ(vsmmu_pgtable_map(f.pgt, 0x1000, 0, 0x1000, VSMMU_PROT_READ),
		  -EINVAL);
	ASSERT_EQ(vsmmu_pgtable_map(f.pgt, 0xfffe000000001000ULL, 0, 0x1000,
				    VSMMU_PROT_READ),
		  -EINVAL);
	ASSERT_OK(vsmmu_pgtable_map(f.pgt, 0xffff000000001000ULL, 0x5000,
				    0x1000, VSMMU_PROT_READ));
	ASSERT_OK(vsmmu_pgtable_iova_to_phys(f.pgt, 0xffff000000001010ULL, &pa,
					     NULL));
	ASSERT_EQ(pa, 0x5010);
	ASSERT_EQ(vsmmu_pgtable_iova_to_phys(f.pgt, 0x1010, &pa, NULL),
		  -EINVAL);
	/* Offset 0x1000 within the TTB1 range: L0 index 0. */
	ASSERT_EQ(rd64(&f, f.info.ttb) & 3, 3);

	/* The very top page: every index 511; the gather end wraps. */
	ASSERT_OK(vsmmu_pgtable_map(f.pgt, 0xfffffffffffff000ULL, 0x6000,
				    0x1000, VSMMU_PROT_READ));
	t = rd64(&f, f.info.ttb + 511 * 8);
	ASSERT_EQ(t & 3, 3);
	t = rd64(&f, (t & T_ADDR) + 511 * 8);
	t = rd64(&f, (t & T_ADDR) + 511 * 8);
	/* READ, NC: 0x6000 | 0x400 | 0x200 | 0x800 | 0x80 | XN | 0x3 */
	ASSERT_EQ(rd64(&f, (t & T_ADDR) + 511 * 8), 0x0060000000006e83ULL);
	ASSERT_OK(vsmmu_pgtable_lookup(f.pgt, 0xffffffffffffffffULL, &e));
	ASSERT_EQ(e.iova, 0xfffffffffffff000ULL);
	ASSERT_EQ(e.pa, 0x6000);

	vsmmu_pgtable_gather_init(&g);
	ASSERT_EQ(vsmmu_pgtable_unmap(f.pgt, 0xfffffffffffff000ULL, 0x1000, &g),
		  0x1000);
	ASSERT_EQ(g.start, 0xfffffffffffff000ULL);
	ASSERT_EQ(g.end, 0); /* one past 2^64 - 1 */
	ASSERT_EQ(g.pgsize, 0x1000);
	ASSERT_EQ(g.leaf_levels, 1U << 3);
	ASSERT_TRUE(g.tables_freed);
	ASSERT_EQ(rd64(&f, f.info.ttb + 511 * 8), 0);
	/* The whole upper range at once. */
	ASSERT_EQ(vsmmu_pgtable_unmap(f.pgt, 0xffff000000000000ULL, 1ULL << 48,
				      NULL),
		  0x1000);
	pfx_fini(&f);
}

/* --- EEXIST, errors -------------------------------------------------- */

TEST(pgtable_map_eexist_changes_nothing)
{
	struct pfx f;
	uint64_t pa;

	ASSERT_OK(pfx_setup(&f, VSMMU_PGTABLE_S1, 12, 40, 44));
	ASSERT_OK(vsmmu_pgtable_map(f.pgt, 0x400000, 0x400000, 0x1000,
				    VSMMU_PROT_READ));
	/* [0x200000, 0x600000) overlaps the page at 0x400000. */
	ASSERT_EQ(vsmmu_pgtable_map(f.pgt, 0x200000, 0x200000, 0x400000,
				    VSMMU_PROT_READ),
		  -EEXIST);
	ASSERT_EQ(vsmmu_pgtable_iova_to_phys(f.pgt, 0x200000, &pa, NULL),
		  -ENOENT);
	ASSERT_EQ(vsmmu_pgtable_iova_to_phys(f.pgt, 0x3ff000, &pa, NULL),
		  -ENOENT);
	/* Overlapping a block from inside. */
	ASSERT_OK(vsmmu_pgtable_map(f.pgt, 0x40000000, 0, 0x40000000,
				    VSMMU_PROT_READ));
	ASSERT_EQ(vsmmu_pgtable_map(f.pgt, 0x7ffff000, 0, 0x2000,
				    VSMMU_PROT_READ),
		  -EEXIST);
	ASSERT_EQ(vsmmu_pgtable_iova_to_phys(f.pgt, 0x80000000, &pa, NULL),
		  -ENOENT);
	ASSERT_OK(vsmmu_pgtable_map(f.pgt, 0x80000000, 0, 0x1000,
				    VSMMU_PROT_READ));
	pfx_fini(&f);
}

TEST(pgtable_errors)
{
	struct vsmmu_pgtable_cfg cfg = { .fmt = VSMMU_PGTABLE_S1,
					 .granule_shift = 12,
					 .ias = 32,
					 .oas = 40 };
	struct vsmmu_pgtable *p = NULL;
	struct vsmmu_pgtable_entry e;
	struct pfx f;
	uint64_t pa;

	ASSERT_OK(pfx_mem(&f, 48, POOL_BASE, 1ULL << 20));
	/* Bad configurations. */
	ASSERT_EQ(vsmmu_pgtable_create(&cfg, &p), -EINVAL); /* no pool */
	cfg.pool = f.pool;
	ASSERT_EQ(vsmmu_pgtable_create(NULL, &p), -EINVAL);
	cfg.granule_shift = 13;
	ASSERT_EQ(vsmmu_pgtable_create(&cfg, &p), -EINVAL);
	cfg.granule_shift = 12;
	cfg.ias = 24;
	ASSERT_EQ(vsmmu_pgtable_create(&cfg, &p), -EINVAL);
	cfg.ias = 49; /* > 48 needs 64K */
	ASSERT_EQ(vsmmu_pgtable_create(&cfg, &p), -EINVAL);
	cfg.granule_shift = 14;
	ASSERT_EQ(vsmmu_pgtable_create(&cfg, &p), -EINVAL);
	cfg.granule_shift = 16;
	cfg.ias = 53;
	ASSERT_EQ(vsmmu_pgtable_create(&cfg, &p), -EINVAL);
	cfg.ias = 32;
	cfg.oas = 50; /* not an IPS value */
	ASSERT_EQ(vsmmu_pgtable_create(&cfg, &p), -EINVAL);
	cfg.granule_shift = 12;
	cfg.oas = 52; /* 52-bit OA needs 64K */
	ASSERT_EQ(vsmmu_pgtable_create(&cfg, &p), -EINVAL);
	cfg.oas = 40;
	cfg.fmt = VSMMU_PGTABLE_S2;
	cfg.ttb1 = true;
	ASSERT_EQ(vsmmu_pgtable_create(&cfg, &p), -EINVAL);
	cfg.ttb1 = false;
	cfg.max_concat = 17;
	ASSERT_EQ(vsmmu_pgtable_create(&cfg, &p), -EINVAL);
	/* 16K ias 48 needs 2 tables at L1 (L0 has no S2SL0 encoding). */
	cfg.max_concat = 1;
	cfg.granule_shift = 14;
	cfg.ias = 48;
	ASSERT_EQ(vsmmu_pgtable_create(&cfg, &p), -EINVAL);
	cfg.fmt = 7;
	ASSERT_EQ(vsmmu_pgtable_create(&cfg, &p), -EINVAL);
	ASSERT_TRUE(p == NULL);

	cfg = (struct vsmmu_pgtable_cfg){ .fmt = VSMMU_PGTABLE_S1,
					  .granule_shift = 12,
					  .ias = 32,
					  .oas = 40 };
	ASSERT_OK(pfx_init(&f, &cfg));
	/* Misalignment of iova, pa or size. */
	ASSERT_EQ(vsmmu_pgtable_map(f.pgt, 0x800, 0, 0x1000, VSMMU_PROT_READ),
		  -EINVAL);
	ASSERT_EQ(vsmmu_pgtable_map(f.pgt, 0, 0x800, 0x1000, VSMMU_PROT_READ),
		  -EINVAL);
	ASSERT_EQ(vsmmu_pgtable_map(f.pgt, 0, 0, 0x1800, VSMMU_PROT_READ),
		  -EINVAL);
	ASSERT_EQ(vsmmu_pgtable_map(f.pgt, 0, 0, 0, VSMMU_PROT_READ), -EINVAL);
	/* Out of range input: ias 32. */
	ASSERT_EQ(vsmmu_pgtable_map(f.pgt, 1ULL << 32, 0, 0x1000,
				    VSMMU_PROT_READ),
		  -EINVAL);
	ASSERT_EQ(vsmmu_pgtable_map(f.pgt, 0xfffff000, 0, 0x2000,
				    VSMMU_PROT_READ),
		  -EINVAL);
	ASSERT_EQ(vsmmu_pgtable_map(f.pgt, 0xfffff000, 0, 0xfffffffffffff000ULL,
				    VSMMU_PROT_READ),
		  -EINVAL);
	/* Out of range output: oas 40. */
	ASSERT_EQ(vsmmu_pgtable_map(f.pgt, 0, 1ULL << 40, 0x1000,
				    VSMMU_PROT_READ),
		  -EINVAL);
	ASSERT_EQ(vsmmu_pgtable_map(f.pgt, 0, (1ULL << 40) - 0x1000, 0x2000,
				    VSMMU_PROT_READ),
		  -EINVAL);
	ASSERT_EQ(vsmmu_pgtable_map(f.pgt, 0, 0xfffffffffffff000ULL, 0x2000,
				    VSMMU_PROT_READ),
		  -EINVAL);
	/* Neither READ nor WRITE; unknown flags. */
	ASSERT_EQ(vsmmu_pgtable_map(f.pgt, 0, 0, 0x1000, VSMMU_PROT_EXEC),
		  -EINVAL);
	ASSERT_EQ(vsmmu_pgtable_map(f.pgt, 0, 0, 0x1000,
				    VSMMU_PROT_READ | (1U << 20)),
		  -EINVAL);
	/* Nothing was mapped by any of these. */
	ASSERT_EQ(vsmmu_pgtable_iova_to_phys(f.pgt, 0, &pa, NULL), -ENOENT);
	/* Lookup / unmap errors. */
	ASSERT_EQ(vsmmu_pgtable_lookup(f.pgt, 1ULL << 32, &e), -EINVAL);
	ASSERT_EQ(vsmmu_pgtable_lookup(f.pgt, 0x1000, &e), -ENOENT);
	ASSERT_EQ(vsmmu_pgtable_unmap(f.pgt, 0x1000, 0x1000, NULL), 0);
	ASSERT_EQ(vsmmu_pgtable_unmap(f.pgt, 0x1800, 0x1000, NULL), -EINVAL);
	ASSERT_EQ(vsmmu_pgtable_unmap(f.pgt, 0x1000, 0x800, NULL), -EINVAL);
	ASSERT_EQ(vsmmu_pgtable_unmap(f.pgt, 0xfffff000, 0x2000, NULL),
		  -EINVAL);
	vsmmu_pgtable_destroy(NULL);
	pfx_fini(&f);
}

/* --- Unmap: splitting, gather, freeing --------------------------------- */

TEST(pgtable_unmap_split_1g_block)
{
	struct vsmmu_pgtable_gather g;
	struct vsmmu_pgtable_entry e;
	struct pfx f;
	uint64_t l1t, l2t, l3t;

	ASSERT_OK(pfx_setup(&f, VSMMU_PGTABLE_S1, 12, 39, 40));
	ASSERT_EQ(f.info.start_level, 1);
	ASSERT_OK(vsmmu_pgtable_map(f.pgt, 0x40000000, 0x80000000, 0x40000000,
				    VSMMU_PROT_READ | VSMMU_PROT_WRITE |
					    VSMMU_PROT_CACHE));
	l1t = f.info.ttb;
	ASSERT_EQ(rd64(&f, l1t + 8), 0x0060000080000f05ULL);

	vsmmu_pgtable_gather_init(&g);
	ASSERT_EQ(g.start, g.end);
	ASSERT_EQ(vsmmu_pgtable_unmap(f.pgt, 0x40201000, 0x1000, &g), 0x1000);
	/*
	 * The L1 block became an L2 table of 2M blocks, the L2 block at
	 * 0x40200000 an L3 table of pages, and one page went: leaves
	 * removed at L1, L2 and L3 (0xe), smallest 4K.
	 */
	ASSERT_EQ(g.start, 0x40201000);
	ASSERT_EQ(g.end, 0x40202000);
	ASSERT_EQ(g.pgsize, 0x1000);
	ASSERT_EQ(g.leaf_levels, 0xe);
	ASSERT_FALSE(g.tables_freed);

	ASSERT_EQ(rd64(&f, l1t + 8) & ~T_ADDR, T_TABLE);
	l2t = rd64(&f, l1t + 8) & T_ADDR;
	/* L2 index 0: 2M block at 0x80000000, same attributes. */
	ASSERT_EQ(rd64(&f, l2t), 0x0060000080000f05ULL);
	ASSERT_EQ(rd64(&f, l2t + 511 * 8), 0x00600000bfe00f05ULL);
	ASSERT_EQ(rd64(&f, l2t + 8) & ~T_ADDR, T_TABLE);
	l3t = rd64(&f, l2t + 8) & T_ADDR;
	/* Pages now: TYPE set, 0x80200000 | 0xf07 | XN. */
	ASSERT_EQ(rd64(&f, l3t), 0x0060000080200f07ULL);
	ASSERT_EQ(rd64(&f, l3t + 8), 0);
	ASSERT_EQ(rd64(&f, l3t + 16), 0x0060000080202f07ULL);

	ASSERT_OK(vsmmu_pgtable_lookup(f.pgt, 0x40000000, &e));
	ASSERT_EQ(e.level, 2);
	ASSERT_EQ(e.pa, 0x80000000);
	ASSERT_EQ(vsmmu_pgtable_lookup(f.pgt, 0x40201000, &e), -ENOENT);
	ASSERT_OK(vsmmu_pgtable_lookup(f.pgt, 0x403ff000, &e));
	ASSERT_EQ(e.level, 3);
	ASSERT_EQ(e.pa, 0x803ff000);
	ASSERT_EQ(e.prot,
		  VSMMU_PROT_READ | VSMMU_PROT_WRITE | VSMMU_PROT_CACHE);
	ASSERT_OK(vsmmu_pgtable_lookup(f.pgt, 0x7fe00000, &e));
	ASSERT_EQ(e.level, 2);
	ASSERT_EQ(e.pa, 0xbfe00000);

	/* Unmapping the rest frees both tables; the gather accumulates. */
	ASSERT_EQ(vsmmu_pgtable_unmap(f.pgt, 0x40000000, 0x40000000, &g),
		  0x40000000 - 0x1000);
	ASSERT_EQ(g.start, 0x40000000);
	ASSERT_EQ(g.end, 0x80000000);
	ASSERT_EQ(g.pgsize, 0x1000);
	ASSERT_EQ(g.leaf_levels, 0xe);
	ASSERT_TRUE(g.tables_freed);
	ASSERT_EQ(rd64(&f, l1t + 8), 0);
	pfx_fini(&f);
}

TEST(pgtable_unmap_split_2m_block_gather)
{
	struct vsmmu_pgtable_gather g;
	struct pfx f;
	uint64_t pa, sz;

	ASSERT_OK(pfx_setup(&f, VSMMU_PGTABLE_S2, 12, 40, 40));
	ASSERT_OK(vsmmu_pgtable_map(f.pgt, 0x200000, 0x600000, 0x200000,
				    VSMMU_PROT_READ));
	vsmmu_pgtable_gather_init(&g);
	/* Second half of the block, plus unmapped space after it. */
	ASSERT_EQ(vsmmu_pgtable_unmap(f.pgt, 0x300000, 0x300000, &g), 0x100000);
	ASSERT_EQ(g.start, 0x300000);
	ASSERT_EQ(g.end, 0x400000);
	ASSERT_EQ(g.pgsize, 0x1000);
	ASSERT_EQ(g.leaf_levels, (1U << 2) | (1U << 3));
	ASSERT_FALSE(g.tables_freed);
	ASSERT_OK(vsmmu_pgtable_iova_to_phys(f.pgt, 0x2ff000, &pa, &sz));
	ASSERT_EQ(pa, 0x6ff000);
	ASSERT_EQ(sz, 0x1000);
	ASSERT_EQ(vsmmu_pgtable_iova_to_phys(f.pgt, 0x300000, &pa, &sz),
		  -ENOENT);
	/* A whole 2M block: pgsize 2M, level 2 only. */
	ASSERT_OK(vsmmu_pgtable_map(f.pgt, 0x800000, 0x800000, 0x200000,
				    VSMMU_PROT_READ));
	vsmmu_pgtable_gather_init(&g);
	ASSERT_EQ(vsmmu_pgtable_unmap(f.pgt, 0x800000, 0x200000, &g), 0x200000);
	ASSERT_EQ(g.pgsize, 0x200000);
	ASSERT_EQ(g.leaf_levels, 1U << 2);
	ASSERT_FALSE(g.tables_freed); /* the L2 table holds 0x200000.. */
	pfx_fini(&f);
}

TEST(pgtable_unmap_frees_empty_tables)
{
	struct vsmmu_pgtable_gather g;
	struct vsmmu_pgtable_cfg cfg = { .fmt = VSMMU_PGTABLE_S1,
					 .granule_shift = 12,
					 .ias = 48,
					 .oas = 48 };
	struct pfx f;
	unsigned int i;
	uint64_t l0;

	/* Root + 3 tables: anything leaked runs the pool dry. */
	ASSERT_OK(pfx_mem(&f, 48, POOL_BASE, 4 * 0x1000));
	ASSERT_OK(pfx_init(&f, &cfg));
	for (i = 0; i < 200; i++) {
		uint64_t iova = (uint64_t)(i % 7) << 39 | (uint64_t)i << 12;

		ASSERT_OK(vsmmu_pgtable_map(f.pgt, iova, 0x1000, 0x1000,
					    VSMMU_PROT_READ));
		l0 = rd64(&f, f.info.ttb + (i % 7) * 8);
		ASSERT_EQ(l0 & ~T_ADDR, T_TABLE);
		vsmmu_pgtable_gather_init(&g);
		ASSERT_EQ(vsmmu_pgtable_unmap(f.pgt, iova, 0x1000, &g), 0x1000);
		ASSERT_TRUE(g.tables_freed);
		ASSERT_EQ(g.start, iova);
		ASSERT_EQ(g.end, iova + 0x1000);
		ASSERT_EQ(rd64(&f, f.info.ttb + (i % 7) * 8), 0);
	}
	/* Two pages in one L3 table: the tables stay until the last. */
	ASSERT_OK(vsmmu_pgtable_map(f.pgt, 0x1000, 0x1000, 0x1000,
				    VSMMU_PROT_READ));
	ASSERT_OK(vsmmu_pgtable_map(f.pgt, 0x5000, 0x1000, 0x1000,
				    VSMMU_PROT_READ));
	vsmmu_pgtable_gather_init(&g);
	ASSERT_EQ(vsmmu_pgtable_unmap(f.pgt, 0x1000, 0x1000, &g), 0x1000);
	ASSERT_FALSE(g.tables_freed);
	ASSERT_EQ(vsmmu_pgtable_unmap(f.pgt, 0x5000, 0x1000, &g), 0x1000);
	ASSERT_TRUE(g.tables_freed);
	ASSERT_EQ(g.start, 0x1000);
	ASSERT_EQ(g.end, 0x6000);
	ASSERT_EQ(rd64(&f, f.info.ttb), 0);
	pfx_fini(&f);
}

TEST(pgtable_destroy_frees_everything)
{
	struct vsmmu_pgtable_cfg cfg = { .fmt = VSMMU_PGTABLE_S2,
					 .granule_shift = 12,
					 .ias = 40,
					 .oas = 40 };
	struct pfx f;
	unsigned int i;

	/* Root (2 concatenated pages) + 2 tables, aligned to 8K. */
	ASSERT_OK(pfx_mem(&f, 48, POOL_BASE, 4 * 0x1000));
	for (i = 0; i < 100; i++) {
		ASSERT_OK(pfx_init(&f, &cfg));
		ASSERT_OK(vsmmu_pgtable_map(f.pgt, (uint64_t)i << 30, 0x1000,
					    0x1000, VSMMU_PROT_READ));
		vsmmu_pgtable_destroy(f.pgt);
		f.pgt = NULL;
	}
	pfx_fini(&f);
}

TEST(pgtable_enomem_rolls_back)
{
	struct vsmmu_pgtable_cfg cfg = { .fmt = VSMMU_PGTABLE_S1,
					 .granule_shift = 12,
					 .ias = 48,
					 .oas = 48 };
	struct vsmmu_pgtable_entry e;
	struct pfx f;

	/* Root + 2 tables: a 4K page needs 3 (L1, L2, L3). */
	ASSERT_OK(pfx_mem(&f, 48, POOL_BASE, 3 * 0x1000));
	ASSERT_OK(pfx_init(&f, &cfg));
	ASSERT_EQ(vsmmu_pgtable_map(f.pgt, 0x1000, 0, 0x1000, VSMMU_PROT_READ),
		  -ENOMEM);
	ASSERT_EQ(vsmmu_pgtable_lookup(f.pgt, 0x1000, &e), -ENOENT);
	ASSERT_EQ(rd64(&f, f.info.ttb), 0);
	/* Both tables came back: a 2M block needs L1 and L2 only. */
	ASSERT_OK(vsmmu_pgtable_map(f.pgt, 0x200000, 0, 0x200000,
				    VSMMU_PROT_READ));
	/* Splitting it needs a third table: fails, block unchanged. */
	ASSERT_EQ(vsmmu_pgtable_unmap(f.pgt, 0x201000, 0x1000, NULL), -ENOMEM);
	ASSERT_OK(vsmmu_pgtable_lookup(f.pgt, 0x201000, &e));
	ASSERT_EQ(e.level, 2);
	ASSERT_EQ(e.pa, 0);
	/*
	 * A multi-leaf map that runs out midway leaves nothing behind: the
	 * 2M block at 0x600000 needs no new table, the page at 0x800000
	 * needs an L3 table.
	 */
	ASSERT_EQ(vsmmu_pgtable_map(f.pgt, 0x600000, 0, 0x201000,
				    VSMMU_PROT_READ),
		  -ENOMEM);
	ASSERT_EQ(vsmmu_pgtable_lookup(f.pgt, 0x600000, &e), -ENOENT);
	ASSERT_EQ(vsmmu_pgtable_lookup(f.pgt, 0x800000, &e), -ENOENT);
	ASSERT_EQ(vsmmu_pgtable_unmap(f.pgt, 0x200000, 0x200000, NULL),
		  0x200000);
	ASSERT_EQ(rd64(&f, f.info.ttb), 0);
	pfx_fini(&f);
}

/* --- 52-bit output with 64K -------------------------------------------- */

TEST(pgtable_64k_52bit_oa)
{
	struct vsmmu_pgtable_cfg cfg = { .fmt = VSMMU_PGTABLE_S1,
					 .granule_shift = 16,
					 .ias = 52,
					 .oas = 52 };
	/* Tables above 2^48 too, so table descriptors use [15:12]. */
	const uint64_t base = 0x000f000000000000ULL;
	struct vsmmu_pgtable_entry e;
	struct pfx f;
	uint64_t d, t, pa;

	ASSERT_OK(pfx_mem(&f, 52, base, 1ULL << 20));
	ASSERT_OK(pfx_init(&f, &cfg));
	ASSERT_EQ(f.info.start_level, 1); /* 52-42 = 10 bits at L1 */
	ASSERT_EQ(f.info.tsz, 12);
	ASSERT_EQ(f.info.ps, 6);
	ASSERT_EQ(f.info.ttb >> 48, 0xf);

	ASSERT_OK(vsmmu_pgtable_map(
		f.pgt, 0x000f000000010000ULL, 0x000abcdef0120000ULL, 0x10000,
		VSMMU_PROT_READ | VSMMU_PROT_WRITE | VSMMU_PROT_CACHE));
	/* L1 index = iova >> 42 = 0xf << 6 = 960: offset 960 * 8 = 0x1e00 */
	d = rd64(&f, f.info.ttb + 0x1e00);
	/* Table: addr[47:16] in place, addr[51:48] = 0xf in [15:12]. */
	ASSERT_EQ(d & 0xffff, 0xf003);
	t = (d & 0x0000ffffffff0000ULL) | ((d >> 12) & 0xf) << 48;
	ASSERT_TRUE(in_pool(&f, t));
	/* L2 index (iova >> 29) & 0x1fff = 0. */
	d = rd64(&f, t);
	ASSERT_EQ(d & 0xffff, 0xf003);
	t = (d & 0x0000ffffffff0000ULL) | ((d >> 12) & 0xf) << 48;
	ASSERT_TRUE(in_pool(&f, t));
	/*
	 * L3 index 1.  OA 0x000abcdef0120000: bits [47:16] stay in place
	 * (0x0000bcdef0120000), OA[51:48] = 0xa goes to [15:12] (0xa000);
	 * | 0xf07 (AF, SH IS, nG, AttrIndx 1, page) | UXN|PXN 3<<53.
	 */
	ASSERT_EQ(rd64(&f, t + 8), 0x0060bcdef012af07ULL);
	ASSERT_OK(vsmmu_pgtable_iova_to_phys(f.pgt, 0x000f000000012345ULL, &pa,
					     NULL));
	ASSERT_EQ(pa, 0x000abcdef0122345ULL);
	ASSERT_OK(vsmmu_pgtable_lookup(f.pgt, 0x000f000000010000ULL, &e));
	ASSERT_EQ(e.pa, 0x000abcdef0120000ULL);

	/* A 512M block with OA bits above 48, split by an unmap. */
	ASSERT_OK(vsmmu_pgtable_map(f.pgt, 0x20000000, 0x000c000020000000ULL,
				    0x20000000, VSMMU_PROT_READ));
	ASSERT_EQ(vsmmu_pgtable_unmap(f.pgt, 0x20000000, 0x10000, NULL),
		  0x10000);
	ASSERT_OK(vsmmu_pgtable_iova_to_phys(f.pgt, 0x3fff0008, &pa, NULL));
	ASSERT_EQ(pa, 0x000c00003fff0008ULL);
	ASSERT_EQ(vsmmu_pgtable_iova_to_phys(f.pgt, 0x20000000, &pa, NULL),
		  -ENOENT);
	pfx_fini(&f);

	/* Without 52-bit OA, the output must stay below 2^48. */
	cfg.oas = 48;
	cfg.ias = 48;
	ASSERT_OK(pfx_mem(&f, 48, POOL_BASE, 1ULL << 20));
	ASSERT_OK(pfx_init(&f, &cfg));
	ASSERT_EQ(vsmmu_pgtable_map(f.pgt, 0, 1ULL << 48, 0x10000,
				    VSMMU_PROT_READ),
		  -EINVAL);
	pfx_fini(&f);
}

/* --- Random map/unmap against a reference list ------------------------ */

struct ref_map {
	uint64_t iova, pa, size;
};

#define REF_MAX 4096

struct ref {
	struct ref_map m[REF_MAX];
	unsigned int n;
};

static bool ref_overlaps(const struct ref *r, uint64_t iova, uint64_t size)
{
	unsigned int i;

	for (i = 0; i < r->n; i++)
		if (iova < r->m[i].iova + r->m[i].size &&
		    r->m[i].iova < iova + size)
			return true;
	return false;
}

/* Remove [iova, iova+size) from the reference; return bytes removed. */
static uint64_t ref_unmap(struct ref *r, uint64_t iova, uint64_t size)
{
	uint64_t end = iova + size, done = 0;
	unsigned int i, n = r->n;

	for (i = 0; i < n; i++) {
		struct ref_map *m = &r->m[i];
		uint64_t mend = m->iova + m->size, lo, hi;

		if (end <= m->iova || mend <= iova)
			continue;
		lo = iova > m->iova ? iova : m->iova;
		hi = end < mend ? end : mend;
		done += hi - lo;
		if (hi < mend && r->n < REF_MAX) /* keep the tail */
			r->m[r->n++] = (struct ref_map){ hi,
							 m->pa + (hi - m->iova),
							 mend - hi };
		if (lo > m->iova) {
			m->size = lo - m->iova; /* keep the head */
		} else {
			m->size = 0;
		}
	}
	for (i = 0; i < r->n;) {
		if (!r->m[i].size)
			r->m[i] = r->m[--r->n];
		else
			i++;
	}
	return done;
}

static int ref_lookup(const struct ref *r, uint64_t iova, uint64_t *pa)
{
	unsigned int i;

	for (i = 0; i < r->n; i++)
		if (iova >= r->m[i].iova &&
		    iova < r->m[i].iova + r->m[i].size) {
			*pa = r->m[i].pa + (iova - r->m[i].iova);
			return 0;
		}
	return -ENOENT;
}

static void random_run(enum vsmmu_pgtable_fmt fmt, unsigned int gshift,
		       unsigned int ias, uint64_t *seed, unsigned int ops)
{
	static struct ref r; /* large: keep it off the stack */
	struct vsmmu_pgtable_cfg cfg = {
		.fmt = fmt, .granule_shift = gshift, .ias = ias, .oas = 48
	};
	uint64_t g = 1ULL << gshift, blk = 1ULL << (gshift + gshift - 3);
	uint64_t span = 16 * blk; /* the random ops stay in 16 blocks */
	unsigned int n_map = 0, n_exist = 0, n_block = 0, n_split = 0;
	struct vsmmu_pgtable_gather gat;
	struct vsmmu_pgtable_entry e;
	struct pfx f;
	unsigned int i, k;

	r.n = 0;
	ASSERT_OK(pfx_mem(&f, 48, POOL_BASE, 32ULL << 20));
	ASSERT_OK(pfx_init(&f, &cfg));
	for (i = 0; i < ops; i++) {
		uint64_t x = vt_rand(seed);
		/* Block-aligned units half the time, so blocks get used. */
		uint64_t unit = (x & 1) ? blk : g;
		uint64_t iova = (vt_rand(seed) % (span / unit)) * unit;
		uint64_t size = unit * (1 + vt_rand(seed) % 3);
		uint64_t pa = (vt_rand(seed) % 1024) * blk;
		int64_t ret;

		if (iova + size > span)
			size = span - iova;
		if ((x >> 1) & 1) /* an odd page offset: no blocks */
			pa += g * (1 + (x >> 8) % 7);
		if ((x >> 2) & 1) {
			ret = vsmmu_pgtable_map(f.pgt, iova, pa, size,
						VSMMU_PROT_READ);
			if (ref_overlaps(&r, iova, size)) {
				ASSERT_EQ(ret, -EEXIST);
				n_exist++;
			} else {
				ASSERT_EQ(ret, 0);
				ASSERT_TRUE(r.n < REF_MAX);
				r.m[r.n++] = (struct ref_map){ iova, pa, size };
				n_map++;
				ASSERT_OK(
					vsmmu_pgtable_lookup(f.pgt, iova, &e));
				n_block += e.size > g;
			}
		} else {
			/* Unmap at granule resolution: splits blocks. */
			iova = (vt_rand(seed) % (span / g)) * g;
			size = g * (1 + vt_rand(seed) % (2 * blk / g));
			if (iova + size > span)
				size = span - iova;
			vsmmu_pgtable_gather_init(&gat);
			ret = vsmmu_pgtable_unmap(f.pgt, iova, size, &gat);
			ASSERT_TRUE(r.n + 2 <= REF_MAX);
			ASSERT_EQ(ret, (int64_t)ref_unmap(&r, iova, size));
			/* The gather lies within the range unmapped. */
			ASSERT_EQ(ret > 0, gat.start != gat.end);
			if (ret > 0) {
				ASSERT_TRUE(gat.start >= iova);
				ASSERT_TRUE(gat.end <= iova + size);
				ASSERT_TRUE(gat.pgsize >= g);
			}
			/* A block and a page removed at once: a split. */
			n_split += (gat.leaf_levels & 8) &&
				   (gat.leaf_levels & ~8U);
		}
		/* Probe: ends of every mapping, and random addresses. */
		for (k = 0; k < r.n; k++) {
			uint64_t got, want = r.m[k].pa;
			uint64_t last = r.m[k].iova + r.m[k].size - 8;

			ASSERT_OK(vsmmu_pgtable_iova_to_phys(f.pgt, r.m[k].iova,
							     &got, NULL));
			ASSERT_EQ(got, want);
			ASSERT_OK(vsmmu_pgtable_iova_to_phys(f.pgt, last, &got,
							     NULL));
			ASSERT_EQ(got, want + r.m[k].size - 8);
		}
		for (k = 0; k < 8; k++) {
			uint64_t a = (vt_rand(seed) % (span / 8)) * 8;
			uint64_t want = 0, got = 0;
			int rr = ref_lookup(&r, a, &want);

			ASSERT_EQ(vsmmu_pgtable_iova_to_phys(f.pgt, a, &got,
							     NULL),
				  rr);
			ASSERT_EQ(got, want);
		}
	}
	/* Unmapping everything returns what is left and empties the root. */
	{
		uint64_t left = 0;

		for (k = 0; k < r.n; k++)
			left += r.m[k].size;
		ASSERT_EQ(vsmmu_pgtable_unmap(f.pgt, 0, 1ULL << ias, NULL),
			  (int64_t)left);
		for (k = 0; k < f.info.concat * g; k += 8)
			ASSERT_EQ(rd64(&f, f.info.ttb + k), 0);
	}
	pfx_fini(&f);
	/* The run did exercise what it is meant to. */
	ASSERT_TRUE(n_map > 0);
	ASSERT_TRUE(n_exist > 0);
	ASSERT_TRUE(n_block > 0);
	ASSERT_TRUE(n_split > 0);
}

TEST(pgtable_random_vs_reference)
{
	static const struct {
		enum vsmmu_pgtable_fmt fmt;
		unsigned int gshift, ias, ops;
	} runs[] = {
		{ VSMMU_PGTABLE_S1, 12, 39, 300 },
		{ VSMMU_PGTABLE_S2, 12, 40, 300 },
		{ VSMMU_PGTABLE_S1, 14, 40, 300 },
		{ VSMMU_PGTABLE_S2, 14, 36, 300 },
		{ VSMMU_PGTABLE_S1, 16, 42, 300 },
		{ VSMMU_PGTABLE_S2, 16, 38, 300 },
	};
	uint64_t seed = vt_seed();
	unsigned int i;

	for (i = 0; i < VS_ARRAY_SIZE(runs); i++) {
		random_run(runs[i].fmt, runs[i].gshift, runs[i].ias, &seed,
			   runs[i].ops);
		if (vt_failed()) {
			printf("# in run %u: S%d granule %u ias %u\n", i,
			       runs[i].fmt + 1, runs[i].gshift, runs[i].ias);
			return;
		}
	}
}

/* --- Concurrent readers ----------------------------------------------- */

struct reader_arg {
	struct vsmmu_pgtable *pgt;
	int stop; /* atomic */
	unsigned long reads; /* atomic */
	unsigned int bad;
};

static void *reader(void *p)
{
	struct reader_arg *a = p;

	while (!__atomic_load_n(&a->stop, __ATOMIC_ACQUIRE)) {
		uint64_t pa = 0;
		unsigned int k;

		/* Pages 0..255 of the block are never unmapped. */
		for (k = 0; k < 256; k += 17) {
			if (vsmmu_pgtable_iova_to_phys(a->pgt,
						       0x40000000 + k * 0x1000,
						       &pa, NULL) ||
			    pa != 0x80000000 + k * 0x1000)
				a->bad++;
			__atomic_add_fetch(&a->reads, 1, __ATOMIC_RELEASE);
		}
	}
	return NULL;
}

/*
 * A walker running while the block it uses is split and its neighbours
 * come and go must always see the same translation.
 */
TEST(pgtable_concurrent_reader_sees_old_or_new)
{
	struct reader_arg a = { 0 };
	pthread_t th;
	struct pfx f;
	unsigned int i;

	ASSERT_OK(pfx_setup(&f, VSMMU_PGTABLE_S1, 12, 39, 40));
	ASSERT_OK(vsmmu_pgtable_map(f.pgt, 0x40000000, 0x80000000, 0x40000000,
				    VSMMU_PROT_READ));
	a.pgt = f.pgt;
	ASSERT_OK(pthread_create(&th, NULL, reader, &a));
	/* Let the reader get going so the two really overlap. */
	while (!__atomic_load_n(&a.reads, __ATOMIC_ACQUIRE))
		sched_yield();
	for (i = 0; i < 200; i++) {
		uint64_t iova = 0x40100000 + (uint64_t)(i % 64) * 0x1000;

		if (vsmmu_pgtable_unmap(f.pgt, iova, 0x1000, NULL) != 0x1000 ||
		    vsmmu_pgtable_map(f.pgt, iova,
				      0x80000000 + (iova & 0x3fffffff), 0x1000,
				      VSMMU_PROT_READ))
			break;
		/* A page elsewhere: its L2 and L3 tables appear and go. */
		if (vsmmu_pgtable_map(f.pgt, 0x1000, 0xa0000000, 0x1000,
				      VSMMU_PROT_READ) ||
		    vsmmu_pgtable_unmap(f.pgt, 0x1000, 0x1000, NULL) != 0x1000)
			break;
	}
	__atomic_store_n(&a.stop, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	pfx_fini(&f);
	ASSERT_EQ(i, 200);
	ASSERT_EQ(a.bad, 0);
}
