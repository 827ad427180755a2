// SPDX-License-Identifier: MIT
/*
 * Concurrency tests of the SMMU model's caches (include/vsmmu/smmu.h):
 * "once an invalidation call has returned, no translation that starts
 * afterwards is served from an entry it removed, and no walk that started
 * before it can insert a result fetched before it".
 *
 * A writer thread moves mappings forward in "generations": it changes the
 * tables (or the STE), invalidates, and only then publishes the new
 * generation number with a release store.  Reader threads load the
 * generation (acquire) *before* each translation; every output address
 * encodes the generation that wrote it, so a reader can check that what it
 * got is at least as new as what was published when it started, and not
 * newer than the one being written.  A violation is a stale entry served
 * after its invalidation, or an insert that outlived one.
 *
 * Tables, STEs and CDs are hand-built from the bit positions of IHI 0070
 * (the same encodings as tests/test_golden_walk.c, spelled out below), so
 * these tests depend only on the public API of lib/hw and lib/mem.
 *
 * The outcome does not depend on scheduling: every interleaving the rule
 * allows passes, any violation fails.  The number of generations and
 * translations does (each test runs for about TLBTHR_MS milliseconds) and
 * is reported.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include <vsmmu/mem.h>
#include <vsmmu/smmu.h>

#include "harness.h"

#define TLBTHR_READERS 2
#define TLBTHR_MS 200
#define TLBTHR_MAX_GENS 100000
#define TLBTHR_PAGES 8

/* Registers (6.3) */
#define TLBTHR_REG_CR0 0x20
#define TLBTHR_REG_CR2 0x2c
#define TLBTHR_REG_STRTAB_BASE 0x80
#define TLBTHR_REG_STRTAB_BASE_CFG 0x88

#define TLBTHR_STRTAB 0x100000ULL /* linear, LOG2SIZE 4: 16 STEs */
#define TLBTHR_STE(sid) (TLBTHR_STRTAB + 64ULL * (sid))
#define TLBTHR_CD 0x200000ULL
#define TLBTHR_TT 0x300000ULL /* stage-1 tables */
#define TLBTHR_S2TT 0x400000ULL /* stage-2 table sets, 64 KiB apart */

/*
 * STE dw0, stage 1: S1ContextPtr 0x200000 | Config 101 << 1 (0xa) | V 1
 * = 0x20000b.  Stage 2 only: Config 110 << 1 (0xc) | V = 0xd.
 */
#define TLBTHR_STE_S1 0x000000000020000bULL
#define TLBTHR_STE_S2 0x000000000000000dULL

/*
 * CD dw0: T0SZ 25 (0x19: 39-bit VA, 4K, walk starts at level 1) | IR0 WBWA
 * 1<<8 | OR0 WBWA 1<<10 | SH0 inner 3<<12 (0x3500) | EPD1 1<<30 | V 1<<31
 * (0xc000_0000) | IPS 48-bit 5<<32 | AA64 1<<41 (0x205_0000_0000) | R 1<<45
 * | A 1<<46 (0x6000_0000_0000) | ASID 1<<48 = 0x0001_6205_c000_3519.
 */
#define TLBTHR_ASID 1
#define TLBTHR_CD_DW0 0x00016205c0003519ULL

/*
 * STE dw2, stage 2: S2VMID 5 | S2T0SZ 25<<32 (0x19_0000_0000: 39-bit IPA)
 * | S2SL0 1<<38 (start level 1, 0x40_0000_0000) | S2IR0/S2OR0 WBWA, S2SH0
 * inner (0x3500_0000_0000) | S2TG 4K (0) | S2PS 48-bit 5<<48 | S2AA64
 * 1<<51 (0xd_0000_0000_0000) | S2R 1<<58 (0x400_0000_0000_0000)
 * = 0x040d_3559_0000_0005.
 */
#define TLBTHR_VMID 5
#define TLBTHR_STE2_DW2 0x040d355900000005ULL

/*
 * Descriptors.  Table: address | 0x3.  Stage-1 page: 0x3 | AP 01 (RW at
 * any level, 0x40) | SH inner 0x300 | AF 0x400 | nG 0x800 | PXN 1<<53 |
 * UXN 1<<54 = 0x0060_0000_0000_0f43; a 2 MiB block has bit 1 clear
 * (0x...f41).  Stage-2 page: 0x3 | MemAttr 0xf<<2 (0x3c) | S2AP RW 0xc0 |
 * SH 0x300 | AF 0x400 = 0x7ff.
 */
#define TLBTHR_S1_PAGE 0x0060000000000f43ULL
#define TLBTHR_S1_BLOCK 0x0060000000000f41ULL
#define TLBTHR_S2_PAGE 0x00000000000007ffULL

/* Output address of page @i in generation @g: the generation is visible
 * in bits [47:24], the page in [23:12]. */
#define TLBTHR_PA(g, i) (((uint64_t)(g) << 24) | ((uint64_t)(i) << 12))

struct tlbthr_env {
	struct vsmmu_mem *mem;
	struct vsmmu_smmu *smmu;
};

/* What the readers saw, and the first violation. */
struct tlbthr_shared {
	struct tlbthr_env *env;
	_Atomic uint64_t gen; /* last generation published */
	_Atomic uint64_t writing; /* generation being written */
	atomic_bool stop;
	bool faults_allowed;
	unsigned int mode;
	_Atomic uint64_t translations, faults, bad;
	_Atomic uint64_t progress; /* translations finished, all readers */
	atomic_flag first;
	char why[256];
};

static void tlbthr_env_free(struct tlbthr_env *e)
{
	vsmmu_smmu_destroy(e->smmu);
	vsmmu_mem_destroy(e->mem);
	memset(e, 0, sizeof(*e));
}

static int tlbthr_w64(struct tlbthr_env *e, uint64_t pa, uint64_t v)
{
	int ret = vsmmu_mem_populate(e->mem, pa & ~0xfffULL, 4096);

	return ret ? ret : vsmmu_mem_write64(e->mem, pa, v);
}

static int tlbthr_env_new(struct tlbthr_env *e, bool small_caches)
{
	struct vsmmu_smmu_config cfg;
	int ret;

	memset(e, 0, sizeof(*e));
	vsmmu_smmu_config_default(&cfg);
	if (small_caches) {
		/* few sets and ways: evictions race with lookups too */
		cfg.tlb_sets = 4;
		cfg.tlb_ways = 2;
		cfg.s2_sets = 2;
		cfg.s2_ways = 2;
		cfg.cfg_sets = 1;
		cfg.cfg_ways = 2;
	}
	ret = vsmmu_mem_create(48, &e->mem);
	if (!ret)
		ret = vsmmu_smmu_create(&cfg, e->mem, &e->smmu);
	if (!ret)
		ret = vsmmu_mem_populate(e->mem, TLBTHR_STRTAB, 16 * 64);
	return ret;
}

static int tlbthr_enable(struct tlbthr_env *e)
{
	/* STRTAB_BASE_CFG linear (FMT 0), LOG2SIZE 4; CR2.RECINVSID; SMMUEN */
	int ret = vsmmu_smmu_mmio_write(e->smmu, TLBTHR_REG_STRTAB_BASE, 8,
					TLBTHR_STRTAB);

	if (!ret)
		ret = vsmmu_smmu_mmio_write(e->smmu, TLBTHR_REG_STRTAB_BASE_CFG,
					    4, 4);
	if (!ret)
		ret = vsmmu_smmu_mmio_write(e->smmu, TLBTHR_REG_CR2, 4, 2);
	if (!ret)
		ret = vsmmu_smmu_mmio_write(e->smmu, TLBTHR_REG_CR0, 4, 1);
	return ret;
}

/*
 * Stage 1 for SID @sid: CD at 0x200000, L1 0x300000 [0] -> L2 0x301000,
 * L2 [0] -> L3 0x302000 (IOVA page i = L3 [i]), L2 [1..3] 2 MiB blocks.
 */
static int tlbthr_s1_scene(struct tlbthr_env *e, uint32_t sid)
{
	int ret = tlbthr_w64(e, TLBTHR_STE(sid), TLBTHR_STE_S1);

	if (!ret)
		ret = tlbthr_w64(e, TLBTHR_CD, TLBTHR_CD_DW0);
	if (!ret)
		ret = tlbthr_w64(e, TLBTHR_CD + 8, TLBTHR_TT);
	if (!ret)
		ret = tlbthr_w64(e, TLBTHR_TT, (TLBTHR_TT + 0x1000) | 3);
	if (!ret)
		ret = tlbthr_w64(e, TLBTHR_TT + 0x1000,
				 (TLBTHR_TT + 0x2000) | 3);
	if (!ret)
		ret = vsmmu_mem_populate(e->mem, TLBTHR_TT + 0x2000, 4096);
	return ret;
}

static uint64_t tlbthr_l3(unsigned int i)
{
	return TLBTHR_TT + 0x2000 + 8ULL * i;
}

static double tlbthr_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void tlbthr_violation(struct tlbthr_shared *sh, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void tlbthr_violation(struct tlbthr_shared *sh, const char *fmt, ...)
{
	va_list ap;

	atomic_fetch_add(&sh->bad, 1);
	if (atomic_flag_test_and_set(&sh->first))
		return;
	va_start(ap, fmt);
	vsnprintf(sh->why, sizeof(sh->why), fmt, ap);
	va_end(ap);
}

/*
 * Check one translation of page @i (+@off) that started after generation
 * @g0 was published and finished before @g1 was (writing @w1).
 */
static void tlbthr_check(struct tlbthr_shared *sh, unsigned int i, uint64_t off,
			 uint64_t g0, uint64_t w1,
			 const struct vsmmu_txn_result *r)
{
	uint64_t pa, g;

	if (r->outcome == VSMMU_TXN_FAULT && sh->faults_allowed &&
	    (r->evt[0] & 0xff) == 0x10) {
		atomic_fetch_add(&sh->faults, 1);
		return;
	}
	if (r->outcome != VSMMU_TXN_OK) {
		tlbthr_violation(sh,
				 "page %u gen %" PRIu64
				 ": outcome %d evt0 0x%" PRIx64,
				 i, g0, r->outcome, r->evt[0]);
		return;
	}
	pa = r->oa - off;
	g = pa >> 24;
	if ((pa & 0xfff) || ((pa >> 12) & 0xfff) != i || r->page_shift != 12) {
		tlbthr_violation(sh,
				 "page %u gen %" PRIu64 ": torn oa 0x%" PRIx64
				 " shift %u",
				 i, g0, r->oa, r->page_shift);
		return;
	}
	if (g < g0 || g > w1)
		tlbthr_violation(
			sh,
			"page %u: generation %" PRIu64
			" published before the translation, got %" PRIu64
			" (newest being written %" PRIu64 ", hit %d)",
			i, g0, g, w1, r->tlb_hit);
}

static void *tlbthr_reader(void *arg)
{
	struct tlbthr_shared *sh = arg;
	uint64_t rng = (uint64_t)(uintptr_t)&rng | 1, n = 0;

	while (!atomic_load_explicit(&sh->stop, memory_order_relaxed)) {
		unsigned int i = (unsigned int)(vt_rand(&rng) % TLBTHR_PAGES);
		uint64_t off = vt_rand(&rng) & 0xff8;
		struct vsmmu_txn txn = {
			.sid = 1,
			.addr = ((uint64_t)i << 12) + off,
			.flags = VSMMU_TXN_READ,
		};
		struct vsmmu_txn_result r;
		uint64_t g0, w1;

		g0 = atomic_load_explicit(&sh->gen, memory_order_acquire);
		if (vsmmu_translate(sh->env->smmu, &txn, &r)) {
			tlbthr_violation(sh, "vsmmu_translate failed");
			break;
		}
		w1 = atomic_load_explicit(&sh->writing, memory_order_acquire);
		tlbthr_check(sh, i, off, g0, w1, &r);
		atomic_fetch_add_explicit(&sh->progress, 1,
					  memory_order_relaxed);
		n++;
	}
	atomic_fetch_add(&sh->translations, n);
	return NULL;
}

/*
 * After publishing a generation, let the readers fill the caches from it
 * (a few dozen translations, or 0.2 ms), so that the next invalidation has
 * entries to remove: otherwise the writer's invalidations could keep the
 * caches empty and a missing one would go unnoticed.
 */
static void tlbthr_settle(struct tlbthr_shared *sh)
{
	uint64_t target = atomic_load(&sh->progress) + 8 * TLBTHR_READERS;
	double end = tlbthr_now() + 0.0002;

	while (atomic_load(&sh->progress) < target && tlbthr_now() < end &&
	       !atomic_load(&sh->stop))
		; /* spin: sched_yield() would give a reader a whole slice */
}

/* The invalidation for generation @g of the stage-1 pages, in rotation. */
static int tlbthr_s1_tlbi(struct vsmmu_smmu *smmu, uint64_t g)
{
	struct vsmmu_tlbi inv = { .vmid = 0,
				  .asid = TLBTHR_ASID,
				  .leaf = true };
	unsigned int i;
	int ret = 0;

	switch (g % 6) {
	case 0: /* one NH_VA per page */
	case 1: /* one NH_VAA per page */
		inv.kind = g % 6 ? VSMMU_TLBI_NH_VAA : VSMMU_TLBI_NH_VA;
		for (i = 0; i < TLBTHR_PAGES && !ret; i++) {
			inv.addr = (uint64_t)i << 12;
			ret = vsmmu_smmu_tlbi(smmu, &inv);
		}
		return ret;
	case 2: /* range: TG 4K, (NUM + 1) << SCALE = 8 pages */
		inv.kind = VSMMU_TLBI_NH_VA;
		inv.tg = 1;
		inv.num = TLBTHR_PAGES - 1;
		inv.ttl = 3;
		return vsmmu_smmu_tlbi(smmu, &inv);
	case 3:
		inv.kind = VSMMU_TLBI_NH_ASID;
		return vsmmu_smmu_tlbi(smmu, &inv);
	case 4:
		inv.kind = VSMMU_TLBI_NH_ALL;
		return vsmmu_smmu_tlbi(smmu, &inv);
	default:
		inv.kind = VSMMU_TLBI_NSNH_ALL;
		return vsmmu_smmu_tlbi(smmu, &inv);
	}
}

/*
 * Writer of the stage-1 tests: generation g maps page i to
 * TLBTHR_PA(g, i).  Mode 0 replaces each leaf with one store; mode 1
 * breaks before make (store 0, invalidate, store the new leaf).
 */
static void *tlbthr_s1_writer(void *arg)
{
	struct tlbthr_shared *sh = arg;
	struct tlbthr_env *e = sh->env;
	double end = tlbthr_now() + TLBTHR_MS / 1000.0;
	uint64_t g;
	unsigned int i;

	for (g = 2; g < TLBTHR_MAX_GENS && tlbthr_now() < end; g++) {
		atomic_store_explicit(&sh->writing, g, memory_order_release);
		if (sh->mode == 1) {
			for (i = 0; i < TLBTHR_PAGES; i++)
				if (vsmmu_mem_write64(e->mem, tlbthr_l3(i), 0))
					goto fail;
			if (tlbthr_s1_tlbi(e->smmu, g))
				goto fail;
		}
		for (i = 0; i < TLBTHR_PAGES; i++)
			if (vsmmu_mem_write64(e->mem, tlbthr_l3(i),
					      TLBTHR_PA(g, i) | TLBTHR_S1_PAGE))
				goto fail;
		if (tlbthr_s1_tlbi(e->smmu, g + 1))
			goto fail;
		atomic_store_explicit(&sh->gen, g, memory_order_release);
		tlbthr_settle(sh);
	}
	atomic_store(&sh->stop, true);
	return NULL;
fail:
	tlbthr_violation(sh, "writer: memory write or tlbi failed");
	atomic_store(&sh->stop, true);
	return NULL;
}

/* Start the readers and @writer, wait for them; 0 or -1. */
static int tlbthr_run(struct tlbthr_shared *sh, void *(*writer)(void *))
{
	pthread_t rd[TLBTHR_READERS], wr;
	unsigned int i, started = 0;
	int ret = 0;

	for (i = 0; i < TLBTHR_READERS; i++) {
		if (pthread_create(&rd[i], NULL, tlbthr_reader, sh))
			break;
		started++;
	}
	if (started < TLBTHR_READERS || pthread_create(&wr, NULL, writer, sh)) {
		atomic_store(&sh->stop, true);
		ret = -1;
	} else {
		pthread_join(wr, NULL);
	}
	for (i = 0; i < started; i++)
		pthread_join(rd[i], NULL);
	return ret;
}

static void tlbthr_s1_generations(unsigned int mode)
{
	static struct tlbthr_shared sh;
	struct vsmmu_smmu_stats st;
	struct tlbthr_env e;
	unsigned int i;
	int ret;

	ret = tlbthr_env_new(&e, mode == 2);
	if (!ret)
		ret = tlbthr_s1_scene(&e, 1);
	/* generation 1 is in place before the SMMU is enabled */
	for (i = 0; !ret && i < TLBTHR_PAGES; i++)
		ret = vsmmu_mem_write64(e.mem, tlbthr_l3(i),
					TLBTHR_PA(1, i) | TLBTHR_S1_PAGE);
	if (!ret)
		ret = tlbthr_enable(&e);
	if (ret) {
		tlbthr_env_free(&e);
		ASSERT_OK(ret);
	}
	memset(&sh, 0, sizeof(sh));
	sh.env = &e;
	atomic_init(&sh.gen, 1);
	atomic_init(&sh.writing, 1);
	atomic_flag_clear(&sh.first);
	sh.mode = mode == 2 ? 0 : mode;
	sh.faults_allowed = mode == 1;
	ret = tlbthr_run(&sh, tlbthr_s1_writer);
	vsmmu_smmu_get_stats(e.smmu, &st);
	tlbthr_env_free(&e);
	printf("# %" PRIu64 " generations, %" PRIu64 " translations (%" PRIu64
	       " IOTLB hits, %" PRIu64 " transient faults), %" PRIu64
	       " violations\n",
	       atomic_load(&sh.gen) - 1, atomic_load(&sh.translations),
	       st.tlb_hits, atomic_load(&sh.faults), atomic_load(&sh.bad));
	ASSERT_OK(ret);
	if (atomic_load(&sh.bad))
		printf("# first violation: %s\n", sh.why);
	ASSERT_EQ(atomic_load(&sh.bad), 0);
	ASSERT_TRUE(atomic_load(&sh.gen) > 2);
	ASSERT_TRUE(atomic_load(&sh.translations) > 0);
}

/* Leaves replaced in place, then invalidated in one of six forms. */
TEST(tlbthr_s1_replace_leaf)
{
	tlbthr_s1_generations(0);
}

/* Break-before-make: the transient translation faults are allowed, an
 * output address from an older generation is not. */
TEST(tlbthr_s1_break_before_make)
{
	tlbthr_s1_generations(1);
}

/* As the first, with a tiny IOTLB (4 x 2) so evictions race too. */
TEST(tlbthr_s1_small_tlb)
{
	tlbthr_s1_generations(2);
}

/* --- STE updates with CFGI ------------------------------------------------ */

/* Stage-2 table set k: L1 at S2TT + k * 64K, L2 +0x1000, L3 +0x2000. */
static uint64_t tlbthr_s2_set(unsigned int k)
{
	return TLBTHR_S2TT + 0x10000ULL * k;
}

static int tlbthr_s2_fill(struct tlbthr_env *e, unsigned int k, uint64_t g)
{
	uint64_t base = tlbthr_s2_set(k);
	unsigned int i;
	int ret = tlbthr_w64(e, base, (base + 0x1000) | 3);

	if (!ret)
		ret = tlbthr_w64(e, base + 0x1000, (base + 0x2000) | 3);
	for (i = 0; !ret && i < TLBTHR_PAGES; i++)
		ret = tlbthr_w64(e, base + 0x2000 + 8ULL * i,
				 TLBTHR_PA(g, i) | TLBTHR_S2_PAGE);
	return ret;
}

/*
 * Writer of the CFGI test: generation g fills table set g % 4 with
 * TLBTHR_PA(g, i) (that set was last used three generations ago), points
 * the STE's S2TTB (dword 3, one store) at it, then CFGI_STE (or CFGI_ALL)
 * and TLBI_S12_VMALL, the sequence a hypervisor uses to move a stream to
 * new stage-2 tables.
 */
static void *tlbthr_cfgi_writer(void *arg)
{
	struct tlbthr_shared *sh = arg;
	struct tlbthr_env *e = sh->env;
	double end = tlbthr_now() + TLBTHR_MS / 1000.0;
	const struct vsmmu_tlbi tlbi = { .kind = VSMMU_TLBI_S12_VMALL,
					 .vmid = TLBTHR_VMID };
	uint64_t g;

	for (g = 2; g < TLBTHR_MAX_GENS && tlbthr_now() < end; g++) {
		struct vsmmu_cfgi cfgi = { .kind = VSMMU_CFGI_STE, .sid = 1 };

		if (g % 3 == 1)
			cfgi.kind = VSMMU_CFGI_ALL;
		else if (g % 3 == 2)
			cfgi = (struct vsmmu_cfgi){ .kind = VSMMU_CFGI_STE_RANGE,
						    .sid = 0,
						    .range = 1 };
		atomic_store_explicit(&sh->writing, g, memory_order_release);
		if (tlbthr_s2_fill(e, (unsigned int)(g % 4), g) ||
		    vsmmu_mem_write64(e->mem, TLBTHR_STE(1) + 24,
				      tlbthr_s2_set((unsigned int)(g % 4))) ||
		    vsmmu_smmu_cfgi(e->smmu, &cfgi) ||
		    vsmmu_smmu_tlbi(e->smmu, &tlbi)) {
			tlbthr_violation(sh, "writer: write/cfgi/tlbi failed");
			break;
		}
		atomic_store_explicit(&sh->gen, g, memory_order_release);
		tlbthr_settle(sh);
	}
	atomic_store(&sh->stop, true);
	return NULL;
}

/* The STE moves to new stage-2 tables every generation. */
TEST(tlbthr_cfgi_ste_switch)
{
	static struct tlbthr_shared sh;
	struct vsmmu_smmu_stats st;
	struct tlbthr_env e;
	int ret;

	ret = tlbthr_env_new(&e, false);
	if (!ret)
		ret = tlbthr_s2_fill(&e, 1, 1);
	if (!ret)
		ret = tlbthr_w64(&e, TLBTHR_STE(1), TLBTHR_STE_S2);
	if (!ret)
		ret = tlbthr_w64(&e, TLBTHR_STE(1) + 16, TLBTHR_STE2_DW2);
	if (!ret)
		ret = tlbthr_w64(&e, TLBTHR_STE(1) + 24, tlbthr_s2_set(1));
	if (!ret)
		ret = tlbthr_enable(&e);
	if (ret) {
		tlbthr_env_free(&e);
		ASSERT_OK(ret);
	}
	memset(&sh, 0, sizeof(sh));
	sh.env = &e;
	atomic_init(&sh.gen, 1);
	atomic_init(&sh.writing, 1);
	atomic_flag_clear(&sh.first);
	ret = tlbthr_run(&sh, tlbthr_cfgi_writer);
	vsmmu_smmu_get_stats(e.smmu, &st);
	tlbthr_env_free(&e);
	printf("# %" PRIu64 " generations, %" PRIu64 " translations (%" PRIu64
	       " config cache hits, %" PRIu64 " IOTLB hits), %" PRIu64
	       " violations\n",
	       atomic_load(&sh.gen) - 1, atomic_load(&sh.translations),
	       st.cfg_hits, st.tlb_hits, atomic_load(&sh.bad));
	ASSERT_OK(ret);
	if (atomic_load(&sh.bad))
		printf("# first violation: %s\n", sh.why);
	ASSERT_EQ(atomic_load(&sh.bad), 0);
	ASSERT_TRUE(atomic_load(&sh.gen) > 2);
}

/* --- Stress: hits, evictions and invalidations never tear a result -------- */

/*
 * Pages 0..7 (4 KiB) and blocks 1..3 of L2 (2 MiB) each flip between two
 * outputs, A and B; a writer flips random ones with single stores and
 * issues random invalidations (or none); readers on two SIDs sharing the
 * CD check that every answer is exactly one of the two legal ones, with
 * the right size and permissions.  Caches are tiny so that replacement
 * runs all the time.
 */
#define TLBTHR_NBLK 3

struct tlbthr_stress {
	struct tlbthr_env *env;
	atomic_bool stop;
	_Atomic uint64_t translations, bad, flips, invals;
	uint64_t seed;
	atomic_flag first;
	char why[256];
};

/* The two outputs of page @i (i < 8) or block @i - 8. */
static uint64_t tlbthr_out(unsigned int i, bool b)
{
	if (i < TLBTHR_PAGES)
		return (b ? 0x5000000000ULL : 0x4000000000ULL) |
		       ((uint64_t)i << 12);
	return (b ? 0x7000000000ULL : 0x6000000000ULL) |
	       ((uint64_t)(i - TLBTHR_PAGES + 1) << 21);
}

static uint64_t tlbthr_desc_pa(unsigned int i)
{
	if (i < TLBTHR_PAGES)
		return tlbthr_l3(i);
	return TLBTHR_TT + 0x1000 + 8ULL * (i - TLBTHR_PAGES + 1);
}

static uint64_t tlbthr_desc(unsigned int i, bool b)
{
	return tlbthr_out(i, b) |
	       (i < TLBTHR_PAGES ? TLBTHR_S1_PAGE : TLBTHR_S1_BLOCK);
}

static void *tlbthr_stress_reader(void *arg)
{
	struct tlbthr_stress *st = arg;
	uint64_t rng = (uint64_t)(uintptr_t)&rng | 1, n = 0;

	while (!atomic_load_explicit(&st->stop, memory_order_relaxed)) {
		unsigned int i = (unsigned int)(vt_rand(&rng) %
						(TLBTHR_PAGES + TLBTHR_NBLK));
		bool blk = i >= TLBTHR_PAGES;
		uint64_t off = vt_rand(&rng) & (blk ? 0x1ffff8 : 0xff8);
		uint64_t va = (blk ? (uint64_t)(i - TLBTHR_PAGES + 1) << 21 :
				     (uint64_t)i << 12) +
			      off;
		struct vsmmu_txn txn = {
			.sid = 1 + (unsigned int)(vt_rand(&rng) & 1),
			.addr = va,
			.flags = VSMMU_TXN_READ |
				 ((vt_rand(&rng) & 1) ? VSMMU_TXN_PRIV : 0),
		};
		struct vsmmu_txn_result r;

		if (vsmmu_translate(st->env->smmu, &txn, &r) ||
		    r.outcome != VSMMU_TXN_OK ||
		    (r.oa != tlbthr_out(i, false) + off &&
		     r.oa != tlbthr_out(i, true) + off) ||
		    r.page_shift != (blk ? 21U : 12U) ||
		    r.perm != (VSMMU_TXN_READ | VSMMU_TXN_WRITE)) {
			atomic_fetch_add(&st->bad, 1);
			if (!atomic_flag_test_and_set(&st->first))
				snprintf(st->why, sizeof(st->why),
					 "va 0x%" PRIx64 " sid %u: outcome %d "
					 "oa 0x%" PRIx64 " shift %u perm %u "
					 "hit %d evt0 0x%" PRIx64,
					 va, txn.sid, r.outcome, r.oa,
					 r.page_shift, r.perm, r.tlb_hit,
					 r.evt[0]);
		}
		n++;
	}
	atomic_fetch_add(&st->translations, n);
	return NULL;
}

static void *tlbthr_stress_writer(void *arg)
{
	struct tlbthr_stress *st = arg;
	struct tlbthr_env *e = st->env;
	double end = tlbthr_now() + TLBTHR_MS / 1000.0;
	uint64_t rng = st->seed | 1;
	bool state[TLBTHR_PAGES + TLBTHR_NBLK] = { false };

	while (tlbthr_now() < end) {
		unsigned int i = (unsigned int)(vt_rand(&rng) %
						(TLBTHR_PAGES + TLBTHR_NBLK));
		uint64_t r = vt_rand(&rng);
		struct vsmmu_tlbi inv = { .asid = TLBTHR_ASID, .leaf = r & 1 };
		struct vsmmu_cfgi cfgi = { .kind = VSMMU_CFGI_ALL };
		int ret = 0;

		state[i] = !state[i];
		if (vsmmu_mem_write64(e->mem, tlbthr_desc_pa(i),
				      tlbthr_desc(i, state[i])))
			break;
		atomic_fetch_add(&st->flips, 1);
		switch ((r >> 1) % 8) {
		case 0:
			inv.kind = VSMMU_TLBI_NH_VA;
			inv.addr = i < TLBTHR_PAGES ?
					   (uint64_t)i << 12 :
					   (uint64_t)(i - TLBTHR_PAGES + 1)
						   << 21;
			break;
		case 1:
			inv.kind = VSMMU_TLBI_NH_VA;
			inv.tg = 1;
			inv.num = 31;
			inv.scale = 5; /* 32 << 5 pages of 4K: 4 MiB */
			break;
		case 2:
			inv.kind = VSMMU_TLBI_NH_ASID;
			break;
		case 3:
			inv.kind = VSMMU_TLBI_NH_ALL;
			break;
		case 4:
			inv.kind = VSMMU_TLBI_NSNH_ALL;
			break;
		case 5:
			ret = vsmmu_smmu_cfgi(e->smmu, &cfgi);
			inv.kind = VSMMU_TLBI_NH_VAA;
			inv.addr = 0x1000ULL * (r % 1024);
			break;
		default: /* no invalidation: either answer stays legal */
			continue;
		}
		if (ret || vsmmu_smmu_tlbi(e->smmu, &inv))
			break;
		atomic_fetch_add(&st->invals, 1);
	}
	atomic_store(&st->stop, true);
	return NULL;
}

TEST(tlbthr_stress_no_torn_results)
{
	static struct tlbthr_stress st;
	pthread_t rd[TLBTHR_READERS], wr;
	struct vsmmu_smmu_stats stats;
	struct tlbthr_env e;
	unsigned int i, started = 0;
	int ret;

	ret = tlbthr_env_new(&e, true);
	if (!ret)
		ret = tlbthr_s1_scene(&e, 1);
	if (!ret)
		ret = tlbthr_w64(&e, TLBTHR_STE(2), TLBTHR_STE_S1);
	for (i = 0; !ret && i < TLBTHR_PAGES + TLBTHR_NBLK; i++)
		ret = vsmmu_mem_write64(e.mem, tlbthr_desc_pa(i),
					tlbthr_desc(i, false));
	if (!ret)
		ret = tlbthr_enable(&e);
	if (ret) {
		tlbthr_env_free(&e);
		ASSERT_OK(ret);
	}
	memset(&st, 0, sizeof(st));
	st.env = &e;
	st.seed = vt_seed();
	atomic_flag_clear(&st.first);
	for (i = 0; i < TLBTHR_READERS; i++) {
		if (pthread_create(&rd[i], NULL, tlbthr_stress_reader, &st))
			break;
		started++;
	}
	if (started == TLBTHR_READERS &&
	    !pthread_create(&wr, NULL, tlbthr_stress_writer, &st))
		pthread_join(wr, NULL);
	else
		atomic_store(&st.stop, true);
	for (i = 0; i < started; i++)
		pthread_join(rd[i], NULL);
	vsmmu_smmu_get_stats(e.smmu, &stats);
	tlbthr_env_free(&e);
	printf("# %" PRIu64 " translations (%" PRIu64 " IOTLB hits, %" PRIu64
	       " evictions), %" PRIu64 " flips, %" PRIu64
	       " invalidations, %" PRIu64 " bad\n",
	       atomic_load(&st.translations), stats.tlb_hits,
	       stats.tlb_evictions, atomic_load(&st.flips),
	       atomic_load(&st.invals), atomic_load(&st.bad));
	ASSERT_EQ(started, TLBTHR_READERS);
	if (atomic_load(&st.bad))
		printf("# first bad result: %s\n", st.why);
	ASSERT_EQ(atomic_load(&st.bad), 0);
	ASSERT_TRUE(atomic_load(&st.translations) > 0);
	ASSERT_TRUE(stats.tlb_hits > 0);
}
