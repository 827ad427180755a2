// SPDX-License-Identifier: MIT
/*
 * bench_translate: the cost of one vsmmu_translate() call.
 *
 * Cases, each with one thread and (most) with two:
 *
 *   s1-hit       stage 1, 4K granule, 4 levels (T0SZ 16); a working set of
 *                HIT_PAGES pages, which the IOTLB (1024 entries by
 *                default) holds, so every call is an IOTLB hit.
 *   s1-miss      the same stream over MISS_PAGES distinct pages touched
 *                in a scattered order (page index advances by an odd
 *                stride modulo the working set, so every page is visited
 *                once per pass and consecutive calls use different L3
 *                tables).  64x the IOTLB: every call misses and walks 4
 *                levels, but the ~0.5 MiB of tables stays warm in the CPU
 *                caches (L2: a new line of L3 table per call) and the
 *                configuration cache hits.  Walk caches off.
 *   s1-miss-seq  the same, pages in ascending order: eight consecutive
 *                calls read one cache line of L3 table (L1-warm).
 *   s1-miss-wc   s1-miss with the walk caches on (the default): each walk
 *                starts from the cached level-2 descriptor.
 *   nested-miss  stage 1 (4K, 48-bit, 4 levels) over stage 2 (4K, 48-bit,
 *                start level 0: 4 levels), the stage-1 tables and the CD
 *                living in IPA space.  Same scattered pattern: every call
 *                misses the IOTLB, walks stage 1 (each table address goes
 *                through the stage-2 cache, which holds them all) and then
 *                walks stage 2 for the output IPA.  Walk caches off.
 *   nested-miss-seq, nested-miss-wc  as for stage 1.
 *
 * Thread set-ups: "own stream" gives each thread its own StreamID, with
 * its own CD, ASID (stage 1) or VMID (nested) and its own page tables --
 * two devices, each over the whole working set; the SMMU has two TBUs
 * (IOTLB partitions, config.tbus), and StreamIDs 1 and 2 (3 and 4) are on
 * different ones, as two devices behind two TBUs of a distributed SMMU.
 * "own stream, 1 TBU" is the same with a single IOTLB both threads fill.
 * "same stream" runs both threads on StreamID 1 (or 3), each over one
 * half of the working set, so that they do not feed each other entries.
 *
 * Then a sweep: one thread, stage 1 and nested, the working set growing
 * from 16 pages to SWEEP_PAGES (scattered order, walk caches on), with the
 * caches' geometry; and what memory the model takes per mapped page and
 * per cached entry.
 *
 * Every call's output address is summed and checked against the sum
 * worked out from the mappings, and the SMMU's statistics over the timed
 * repetitions are printed, so the table proves each case is what its
 * name says (an s1-hit row must show ~100% IOTLB hits, a miss row ~0%);
 * the bench exits 1 if not.  bench/bench.h describes the timing method.
 */
#include <vsmmu/arch.h>
#include <vsmmu/bits.h>
#include <vsmmu/mem.h>
#include <vsmmu/pgtable.h>
#include <vsmmu/smmu.h>

#include "bench.h"

#define PAGE 4096ULL

/* Working sets, in 4K pages (powers of two). */
#define HIT_PAGES 256U
#define MISS_PAGES 65536U
#define SWEEP_PAGES (1U << 20) /* stream 0 maps this many */
#define QUICK_SWEEP_PAGES MISS_PAGES
/* Odd, so that idx += stride (mod 2^n) visits every page once per pass. */
#define SCATTER_STRIDE 40503U
#define PAGE_OFFSET 0x40ULL /* offset of the access within its page */

/* Physical address map of the benchmark's memory. */
#define STRTAB_PA 0x100000ULL
#define STRTAB_LOG2SIZE 4 /* 16 STEs */
#define POOL_SIZE (16ULL << 20) /* the tables of 1M pages, and more */
#define S1_POOL_PA(k) (0x10000000ULL + (uint64_t)(k)*POOL_SIZE)
#define S2_POOL_PA(k) (0x20000000ULL + (uint64_t)(k)*POOL_SIZE)
/* Stage-1 input addresses: L0..L3 indexes all non-zero */
#define IOVA_BASE 0x0000123480000000ULL
/* Stage-1-only output (never touched, so never populated) */
#define S1_OA_BASE(k) (0x0000400000000000ULL + ((uint64_t)(k) << 36))
/* Nested: the guest's IPA space and where stage 2 puts it */
#define GUEST_POOL_IPA 0x40000000ULL
#define GUEST_TABLES_PA_OFFSET(k) (0x100000000ULL + ((uint64_t)(k) << 28))
#define NESTED_IPA_BASE 0x0000008000000000ULL
#define NESTED_OA_BASE(k) (0x0000500000000000ULL + ((uint64_t)(k) << 36))

/*
 * Mapping attributes, as Linux's io-pgtable writes them for a DMA domain:
 * stage-1 pages are non-global and accessible unprivileged (AP[1] = 1);
 * the transactions below are unprivileged reads.
 */
#define S1_PROT                                                 \
	(VSMMU_PROT_READ | VSMMU_PROT_WRITE | VSMMU_PROT_USER | \
	 VSMMU_PROT_CACHE)
#define S2_PROT (VSMMU_PROT_READ | VSMMU_PROT_WRITE | VSMMU_PROT_CACHE)

#define NSTREAMS 2
#define SID_S1(k) (1U + (k))
#define SID_NESTED(k) (3U + (k))

/* Targets (ns per call, per thread) from issue 12. */
#define TARGET_HIT_NS 8.0
#define TARGET_MISS_NS 60.0
#define TARGET_NESTED_NS 130.0

struct stream {
	uint32_t sid;
	uint64_t iova_base; /* input address of page 0 */
	uint64_t oa_base; /* output address of page 0 */
	uint64_t ipa_base; /* nested: IPA of page 0 */
	uint64_t pages; /* mapped */
	bool nested;
	uint64_t s1_ttb, s2_ttb; /* host PAs of the tables' roots */
};

/* The SMMU configurations the cases run on, over the same memory. */
enum cfg_id {
	CFG_WC, /* the default: walk caches on; 2 TBUs */
	CFG_NOWC, /* walk caches off; 2 TBUs */
	CFG_NOWC_1TBU, /* walk caches off; 1 TBU */
	CFG_NR,
};

static const char *const cfg_name[CFG_NR] = {
	[CFG_WC] = "walk caches on, 2 TBUs",
	[CFG_NOWC] = "walk caches off, 2 TBUs",
	[CFG_NOWC_1TBU] = "walk caches off, 1 TBU",
};

struct env {
	struct vsmmu_mem *mem;
	struct vsmmu_smmu *smmu[CFG_NR];
	struct vsmmu_mem_pool *pools[3 * NSTREAMS];
	struct vsmmu_pgtable *pgts[3 * NSTREAMS];
	unsigned int npools, npgts;
	struct stream s1[NSTREAMS], nested[NSTREAMS];
};

/* --- Building the configuration ----------------------------------------- */

static struct vsmmu_mem_pool *env_pool(struct env *e, struct vsmmu_mem *mem,
				       uint64_t base, uint64_t size)
{
	struct vsmmu_mem_pool *p;

	bench_check(vsmmu_mem_pool_create(mem, base, size, &p),
		    "vsmmu_mem_pool_create");
	e->pools[e->npools++] = p;
	return p;
}

static struct vsmmu_pgtable *env_pgtable(struct env *e,
					 enum vsmmu_pgtable_fmt fmt,
					 struct vsmmu_mem_pool *pool,
					 struct vsmmu_pgtable_info *info)
{
	struct vsmmu_pgtable_cfg cfg = {
		.fmt = fmt,
		.granule_shift = 12,
		.ias = 48,
		.oas = 48,
		.max_concat = 1, /* stage 2: start at level 0, 4 levels */
		.pool = pool,
	};
	struct vsmmu_pgtable *p;

	bench_check(vsmmu_pgtable_create(&cfg, &p), "vsmmu_pgtable_create");
	vsmmu_pgtable_get_info(p, info);
	/* The point of the exercise: 4-level walks at both stages. */
	if (info->start_level != 0 || info->concat > 1)
		bench_die("pgtable: start level %u, %u tables: want 0, 1",
			  info->start_level, info->concat);
	e->pgts[e->npgts++] = p;
	return p;
}

static void put_words(struct vsmmu_mem *mem, uint64_t pa, const uint64_t *w,
		      unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		bench_check(vsmmu_mem_write64(mem, pa + 8 * i, w[i]),
			    "vsmmu_mem_write64");
}

/* A stage-1 CD for a 48-bit, 4K TTB0 table; TTB1 disabled. */
static void make_cd(uint64_t cd[8], const struct vsmmu_pgtable_info *info,
		    uint16_t asid)
{
	memset(cd, 0, 8 * sizeof(cd[0]));
	cd[0] = VS_FIELD_PREP(CTXDESC_CD_0_TCR_T0SZ, info->tsz) |
		VS_FIELD_PREP(CTXDESC_CD_0_TCR_TG0, info->tg) |
		VS_FIELD_PREP(CTXDESC_CD_0_TCR_IRGN0, 1) |
		VS_FIELD_PREP(CTXDESC_CD_0_TCR_ORGN0, 1) |
		VS_FIELD_PREP(CTXDESC_CD_0_TCR_SH0, 3) | CTXDESC_CD_0_TCR_EPD1 |
		CTXDESC_CD_0_V | VS_FIELD_PREP(CTXDESC_CD_0_TCR_IPS, info->ps) |
		CTXDESC_CD_0_AA64 | CTXDESC_CD_0_R | CTXDESC_CD_0_A |
		VS_FIELD_PREP(CTXDESC_CD_0_ASID, asid);
	cd[1] = info->ttb & CTXDESC_CD_1_TTB0_MASK;
}

/* Stage 1 only: SID_S1(k) -> CD (ASID k + 1) -> 4-level tables. */
static void setup_s1_stream(struct env *e, unsigned int k, uint64_t pages)
{
	struct vsmmu_pgtable_info info;
	struct vsmmu_mem_pool *pool;
	struct vsmmu_pgtable *pgt;
	struct stream *s = &e->s1[k];
	uint64_t cd[8], ste[8] = { 0 }, cd_pa;

	pool = env_pool(e, e->mem, S1_POOL_PA(k), POOL_SIZE);
	pgt = env_pgtable(e, VSMMU_PGTABLE_S1, pool, &info);
	s->sid = SID_S1(k);
	s->iova_base = IOVA_BASE;
	s->oa_base = S1_OA_BASE(k);
	s->ipa_base = s->oa_base;
	s->pages = pages;
	s->s1_ttb = info.ttb;
	/* Page by page (4K leaves), as dma-iommu's page-sized requests */
	for (uint64_t i = 0; i < pages; i++)
		bench_check(vsmmu_pgtable_map(pgt, s->iova_base + i * PAGE,
					      s->oa_base + i * PAGE, PAGE,
					      S1_PROT),
			    "vsmmu_pgtable_map (stage 1)");

	bench_check(vsmmu_mem_pool_alloc(pool, 64, 64, &cd_pa), "alloc CD");
	make_cd(cd, &info, (uint16_t)(k + 1));
	put_words(e->mem, cd_pa, cd, 8);

	ste[0] = STRTAB_STE_0_V |
		 VS_FIELD_PREP(STRTAB_STE_0_CFG, STRTAB_STE_0_CFG_S1_TRANS) |
		 VS_FIELD_PREP(STRTAB_STE_0_S1FMT, STRTAB_STE_0_S1FMT_LINEAR) |
		 (cd_pa & STRTAB_STE_0_S1CTXPTR_MASK);
	put_words(e->mem, STRTAB_PA + 64ULL * s->sid, ste, 8);
}

struct copy_ctx {
	struct vsmmu_mem *from, *to;
	struct vsmmu_pgtable *s2;
	uint64_t offset;
};

/*
 * Copy one range of the guest's IPA space into host memory at IPA +
 * offset, and map it so at stage 2, page by page (4K leaves).
 */
static int copy_guest_range(void *arg, uint64_t ipa, uint64_t size)
{
	static unsigned char buf[PAGE];
	struct copy_ctx *c = arg;
	uint64_t off;

	for (off = 0; off < size; off += PAGE) {
		bench_check(vsmmu_mem_read(c->from, ipa + off, buf, PAGE),
			    "read guest page");
		bench_check(vsmmu_mem_load_buf(c->to, buf, PAGE,
					       ipa + off + c->offset),
			    "copy guest page");
		bench_check(vsmmu_pgtable_map(c->s2, ipa + off,
					      ipa + off + c->offset, PAGE,
					      S2_PROT),
			    "vsmmu_pgtable_map (stage 2, tables)");
	}
	return 0;
}

static void forget_pgtable(struct env *e, struct vsmmu_pgtable *p)
{
	unsigned int i;

	for (i = 0; i < e->npgts; i++) {
		if (e->pgts[i] == p) {
			vsmmu_pgtable_destroy(p);
			e->pgts[i] = e->pgts[--e->npgts];
			return;
		}
	}
}

static void forget_pool(struct env *e, struct vsmmu_mem_pool *p)
{
	unsigned int i;

	for (i = 0; i < e->npools; i++) {
		if (e->pools[i] == p) {
			vsmmu_mem_pool_destroy(p);
			e->pools[i] = e->pools[--e->npools];
			return;
		}
	}
}

/*
 * Nested: SID_NESTED(k), VMID k + 1.  The guest builds its CD and
 * stage-1 tables in a memory of its own, which is its IPA space; the
 * populated pages are then copied into the SMMU's memory at IPA +
 * GUEST_TABLES_PA_OFFSET(k) and mapped there by stage 2.  Data pages:
 * IOVA -> IPA (stage 1) -> PA (stage 2), 4K at both stages.
 */
static void setup_nested_stream(struct env *e, unsigned int k, uint64_t pages)
{
	struct vsmmu_pgtable_info s1i, s2i;
	struct vsmmu_mem_pool *gpool, *hpool;
	struct vsmmu_pgtable *s1, *s2;
	struct stream *s = &e->nested[k];
	struct vsmmu_mem *guest;
	struct copy_ctx cc;
	uint64_t cd[8], ste[8] = { 0 }, cd_ipa, i;

	bench_check(vsmmu_mem_create(48, &guest), "vsmmu_mem_create (guest)");
	gpool = env_pool(e, guest, GUEST_POOL_IPA, POOL_SIZE);
	s1 = env_pgtable(e, VSMMU_PGTABLE_S1, gpool, &s1i);
	hpool = env_pool(e, e->mem, S2_POOL_PA(k), POOL_SIZE);
	s2 = env_pgtable(e, VSMMU_PGTABLE_S2, hpool, &s2i);

	s->sid = SID_NESTED(k);
	s->nested = true;
	s->iova_base = IOVA_BASE;
	s->ipa_base = NESTED_IPA_BASE;
	s->oa_base = NESTED_OA_BASE(k);
	s->pages = pages;
	s->s1_ttb = s1i.ttb + GUEST_TABLES_PA_OFFSET(k);
	s->s2_ttb = s2i.ttb;
	for (i = 0; i < pages; i++) {
		bench_check(vsmmu_pgtable_map(s1, s->iova_base + i * PAGE,
					      s->ipa_base + i * PAGE, PAGE,
					      S1_PROT),
			    "vsmmu_pgtable_map (nested stage 1)");
		bench_check(vsmmu_pgtable_map(s2, s->ipa_base + i * PAGE,
					      s->oa_base + i * PAGE, PAGE,
					      S2_PROT),
			    "vsmmu_pgtable_map (nested stage 2)");
	}
	bench_check(vsmmu_mem_pool_alloc(gpool, 64, 64, &cd_ipa), "alloc CD");
	make_cd(cd, &s1i, 1);
	put_words(guest, cd_ipa, cd, 8);

	cc = (struct copy_ctx){ .from = guest,
				.to = e->mem,
				.s2 = s2,
				.offset = GUEST_TABLES_PA_OFFSET(k) };
	bench_check(vsmmu_mem_for_each_range(guest, copy_guest_range, &cc),
		    "copy the guest tables");

	ste[0] = STRTAB_STE_0_V |
		 VS_FIELD_PREP(STRTAB_STE_0_CFG, STRTAB_STE_0_CFG_NESTED) |
		 VS_FIELD_PREP(STRTAB_STE_0_S1FMT, STRTAB_STE_0_S1FMT_LINEAR) |
		 (cd_ipa & STRTAB_STE_0_S1CTXPTR_MASK);
	ste[2] = VS_FIELD_PREP(STRTAB_STE_2_S2VMID, k + 1) |
		 VS_FIELD_PREP(STRTAB_STE_2_S2T0SZ, s2i.tsz) |
		 VS_FIELD_PREP(STRTAB_STE_2_S2SL0, s2i.sl0) |
		 VS_FIELD_PREP(STRTAB_STE_2_S2IR0, 1) |
		 VS_FIELD_PREP(STRTAB_STE_2_S2OR0, 1) |
		 VS_FIELD_PREP(STRTAB_STE_2_S2SH0, 3) |
		 VS_FIELD_PREP(STRTAB_STE_2_S2TG, s2i.tg) |
		 VS_FIELD_PREP(STRTAB_STE_2_S2PS, s2i.ps) |
		 STRTAB_STE_2_S2AA64 | STRTAB_STE_2_S2R;
	ste[3] = s2i.ttb & STRTAB_STE_3_S2TTB_MASK;
	put_words(e->mem, STRTAB_PA + 64ULL * s->sid, ste, 8);

	/* The guest's tables now live in e->mem; its own memory can go. */
	forget_pgtable(e, s1);
	forget_pool(e, gpool);
	vsmmu_mem_destroy(guest);
}

/* An SMMU of configuration @id over the benchmark's memory, enabled. */
static struct vsmmu_smmu *env_smmu(struct env *e, enum cfg_id id)
{
	struct vsmmu_smmu_config cfg;
	struct vsmmu_smmu *smmu;

	if (e->smmu[id])
		return e->smmu[id];
	vsmmu_smmu_config_default(&cfg);
	cfg.tbus = id == CFG_NOWC_1TBU ? 1 : 2;
	cfg.walk_caches_off = id != CFG_WC;
	bench_check(vsmmu_smmu_create(&cfg, e->mem, &smmu),
		    "vsmmu_smmu_create");
	bench_check(vsmmu_smmu_mmio_write(smmu, ARM_SMMU_STRTAB_BASE, 8,
					  STRTAB_PA & STRTAB_BASE_ADDR_MASK),
		    "STRTAB_BASE");
	bench_check(vsmmu_smmu_mmio_write(
			    smmu, ARM_SMMU_STRTAB_BASE_CFG, 4,
			    VS_FIELD_PREP(STRTAB_BASE_CFG_FMT,
					  STRTAB_BASE_CFG_FMT_LINEAR) |
				    VS_FIELD_PREP(STRTAB_BASE_CFG_LOG2SIZE,
						  STRTAB_LOG2SIZE)),
		    "STRTAB_BASE_CFG");
	bench_check(vsmmu_smmu_mmio_write(smmu, ARM_SMMU_CR0, 4, CR0_SMMUEN),
		    "CR0");
	e->smmu[id] = smmu;
	return smmu;
}

static void env_init(struct env *e, uint64_t sweep_pages)
{
	unsigned int k;

	memset(e, 0, sizeof(*e));
	bench_check(vsmmu_mem_create(48, &e->mem), "vsmmu_mem_create");
	bench_check(vsmmu_mem_populate(e->mem, STRTAB_PA,
				       64ULL << STRTAB_LOG2SIZE),
		    "populate the stream table");
	/* Stream 0 of each kind also serves the sweep. */
	for (k = 0; k < NSTREAMS; k++) {
		setup_s1_stream(e, k, k ? MISS_PAGES : sweep_pages);
		setup_nested_stream(e, k, k ? MISS_PAGES : sweep_pages);
	}
}

static void env_fini(struct env *e)
{
	unsigned int i;

	for (i = 0; i < CFG_NR; i++)
		vsmmu_smmu_destroy(e->smmu[i]);
	for (i = 0; i < e->npgts; i++)
		vsmmu_pgtable_destroy(e->pgts[i]);
	for (i = 0; i < e->npools; i++)
		vsmmu_mem_pool_destroy(e->pools[i]);
	vsmmu_mem_destroy(e->mem);
}

/* Check one page of a stream through vsmmu_translate(), untimed. */
static void verify_page(struct vsmmu_smmu *smmu, const struct stream *s,
			uint64_t idx)
{
	const struct vsmmu_txn txn = {
		.sid = s->sid,
		.addr = s->iova_base + idx * PAGE + PAGE_OFFSET,
		.flags = VSMMU_TXN_READ,
	};
	struct vsmmu_txn_result res;
	uint64_t want = s->oa_base + idx * PAGE + PAGE_OFFSET;
	uint64_t want_ipa = s->ipa_base + idx * PAGE + PAGE_OFFSET;

	bench_check(vsmmu_translate(smmu, &txn, &res), "vsmmu_translate");
	if (res.outcome != VSMMU_TXN_OK || res.oa != want ||
	    res.page_shift != 12 || (s->nested && res.ipa != want_ipa))
		bench_die("SID %u IOVA 0x%" PRIx64
			  ": outcome %d evt0 0x%" PRIx64 " oa 0x%" PRIx64
			  " ipa 0x%" PRIx64 " shift %u, want"
			  " oa 0x%" PRIx64 " ipa 0x%" PRIx64 " shift 12",
			  s->sid, txn.addr, (int)res.outcome, res.evt[0],
			  res.oa, res.ipa, res.page_shift, want, want_ipa);
}

/* --- The timed loop ------------------------------------------------------ */

/*
 * A thread translates pages first .. first + pages - 1 of its stream,
 * the index stepping by the work's stride modulo @pages.
 */
struct thread_work {
	const struct stream *s;
	uint64_t first; /* first page index of the thread's slice */
	uint64_t pages; /* size of the slice, a power of two */
};

struct work {
	struct vsmmu_smmu *smmu;
	uint64_t stride; /* page index step: 1 or SCATTER_STRIDE */
	struct thread_work t[BENCH_MAX_THREADS];
};

static uint64_t translate_body(void *arg, unsigned int tid, uint64_t iters)
{
	const struct work *w = arg;
	const struct thread_work *tw = &w->t[tid];
	struct vsmmu_txn txn = { .sid = tw->s->sid, .flags = VSMMU_TXN_READ };
	const uint64_t base = tw->s->iova_base + tw->first * PAGE + PAGE_OFFSET;
	const uint64_t mask = tw->pages - 1, stride = w->stride;
	struct vsmmu_txn_result res;
	uint64_t i, idx = 0, sum = 0;

	for (i = 0; i < iters; i++) {
		txn.addr = base + ((idx & mask) << 12);
		vsmmu_translate(w->smmu, &txn, &res);
		sum += res.oa;
		idx += stride;
	}
	return sum;
}

/* What translate_body() must return if every call translated right. */
static uint64_t translate_expect(const struct work *w, unsigned int tid,
				 uint64_t iters)
{
	const struct thread_work *tw = &w->t[tid];
	const uint64_t base = tw->s->oa_base + tw->first * PAGE + PAGE_OFFSET;
	uint64_t i, idx = 0, sum = 0;

	for (i = 0; i < iters; i++) {
		sum += base + ((idx & (tw->pages - 1)) << 12);
		idx += w->stride;
	}
	return sum;
}

/* --- Cases --------------------------------------------------------------- */

enum kind { K_HIT, K_MISS, K_NESTED };

struct bench_case {
	const char *name;
	enum kind kind;
	unsigned int threads;
	bool same_stream;
	bool sequential; /* page index += 1 rather than the scatter stride */
	uint64_t pages;
	uint64_t iters, quick_iters; /* per thread, per repetition */
	double target_ns;
	enum cfg_id cfg;
};

static const struct bench_case cases[] = {
	/* name, kind, threads, same stream, sequential, pages, iters,
	   quick iters, target, configuration */
	{ "s1-hit", K_HIT, 1, false, true, HIT_PAGES, 2000000, 50000,
	  TARGET_HIT_NS, CFG_WC },
	{ "s1-hit", K_HIT, 2, false, true, HIT_PAGES, 2000000, 50000,
	  TARGET_HIT_NS, CFG_WC },
	{ "s1-hit", K_HIT, 2, true, true, HIT_PAGES, 2000000, 50000,
	  TARGET_HIT_NS, CFG_WC },
	{ "s1-miss", K_MISS, 1, false, false, MISS_PAGES, 400000, 10000,
	  TARGET_MISS_NS, CFG_NOWC },
	{ "s1-miss", K_MISS, 2, false, false, MISS_PAGES, 400000, 10000,
	  TARGET_MISS_NS, CFG_NOWC },
	{ "s1-miss", K_MISS, 2, false, false, MISS_PAGES, 400000, 10000,
	  TARGET_MISS_NS, CFG_NOWC_1TBU },
	{ "s1-miss", K_MISS, 2, true, false, MISS_PAGES, 400000, 10000,
	  TARGET_MISS_NS, CFG_NOWC },
	{ "s1-miss-seq", K_MISS, 1, false, true, MISS_PAGES, 400000, 10000,
	  TARGET_MISS_NS, CFG_NOWC },
	{ "s1-miss-seq", K_MISS, 2, false, true, MISS_PAGES, 400000, 10000,
	  TARGET_MISS_NS, CFG_NOWC },
	{ "s1-miss-wc", K_MISS, 1, false, false, MISS_PAGES, 400000, 10000, 0,
	  CFG_WC },
	{ "s1-miss-wc", K_MISS, 2, false, false, MISS_PAGES, 400000, 10000, 0,
	  CFG_WC },
	{ "nested-miss", K_NESTED, 1, false, false, MISS_PAGES, 200000, 5000,
	  TARGET_NESTED_NS, CFG_NOWC },
	{ "nested-miss", K_NESTED, 2, false, false, MISS_PAGES, 200000, 5000,
	  TARGET_NESTED_NS, CFG_NOWC },
	{ "nested-miss", K_NESTED, 2, false, false, MISS_PAGES, 200000, 5000,
	  TARGET_NESTED_NS, CFG_NOWC_1TBU },
	{ "nested-miss", K_NESTED, 2, true, false, MISS_PAGES, 200000, 5000,
	  TARGET_NESTED_NS, CFG_NOWC },
	{ "nested-miss-seq", K_NESTED, 1, false, true, MISS_PAGES, 200000, 5000,
	  TARGET_NESTED_NS, CFG_NOWC },
	{ "nested-miss-seq", K_NESTED, 2, false, true, MISS_PAGES, 200000, 5000,
	  TARGET_NESTED_NS, CFG_NOWC },
	{ "nested-miss-wc", K_NESTED, 1, false, false, MISS_PAGES, 200000, 5000,
	  0, CFG_WC },
	{ "nested-miss-wc", K_NESTED, 2, false, false, MISS_PAGES, 200000, 5000,
	  0, CFG_WC },
};

#define REPS 9
#define QUICK_REPS 3

static double pct(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

static const struct stream *case_streams(const struct env *e,
					 const struct bench_case *c)
{
	return c->kind == K_NESTED ? e->nested : e->s1;
}

/*
 * Is the case what it claims?  Hit rows: >= 99.9% IOTLB hits.  Miss rows:
 * <= 0.1% hits and the configuration cache always hits; walk caches off:
 * no walk-cache lookup, and nested, the stage-2 cache serves >= 99.9% of
 * the stage-1 table IPAs; walk caches on: >= 90% walk-cache hits.
 */
static const char *case_check(const struct bench_case *c,
			      const struct vsmmu_smmu_stats *d)
{
	uint64_t tlb = d->tlb_hits + d->tlb_misses;
	uint64_t wc = d->walk_cache_hits + d->walk_cache_misses;

	if (d->translations != tlb || d->faults || d->terminated)
		return "FAIL (faults)";
	if (c->kind == K_HIT)
		return pct(d->tlb_hits, tlb) >= 99.9 ? "ok" : "FAIL (hits)";
	if (pct(d->tlb_hits, tlb) > 0.1)
		return "FAIL (hits)";
	if (d->cfg_misses)
		return "FAIL (cfg)";
	if (c->cfg == CFG_WC)
		return pct(d->walk_cache_hits, wc) >= 90 ? "ok" : "FAIL (wc)";
	if (wc)
		return "FAIL (wc on)";
	if (c->kind == K_NESTED &&
	    pct(d->s2_hits, d->s2_hits + d->s2_misses) < 99.9)
		return "FAIL (s2 cache)";
	return "ok";
}

static void stats_delta(const struct vsmmu_smmu_stats *a,
			const struct vsmmu_smmu_stats *b,
			struct vsmmu_smmu_stats *d)
{
#define DELTA(f) (d->f = b->f - a->f)
	DELTA(translations);
	DELTA(tlb_hits);
	DELTA(tlb_misses);
	DELTA(cfg_hits);
	DELTA(cfg_misses);
	DELTA(s2_hits);
	DELTA(s2_misses);
	DELTA(walks);
	DELTA(desc_fetches);
	DELTA(faults);
	DELTA(terminated);
	DELTA(tlb_evictions);
	DELTA(tlbi);
	DELTA(cfgi);
	DELTA(walk_cache_hits);
	DELTA(walk_cache_misses);
#undef DELTA
}

/*
 * Run @run (@reps timed repetitions after a warm-up of a pass over the
 * working set and one untimed repetition), checking every output address
 * sum.  Return false if one was wrong; @d gets the SMMU's statistics over
 * the timed repetitions.
 */
static bool run_timed(struct vsmmu_smmu *smmu, struct bench_run *run,
		      const struct work *w, unsigned int reps, uint64_t pages,
		      const char *name, struct bench_rep *rep,
		      struct vsmmu_smmu_stats *d)
{
	struct vsmmu_smmu_stats before, after;
	uint64_t expect[BENCH_MAX_THREADS], iters = run->iters;
	unsigned int i, t;
	bool ok = true;

	run->iters = pages * 2 > iters ? pages * 2 : iters;
	bench_run_once(run, &rep[0]);
	run->iters = iters;
	bench_run_once(run, &rep[0]);
	for (t = 0; t < run->threads; t++)
		expect[t] = translate_expect(w, t, run->iters);

	vsmmu_smmu_get_stats(smmu, &before);
	for (i = 0; i < reps; i++) {
		bench_run_once(run, &rep[i]);
		for (t = 0; t < run->threads; t++) {
			if (rep[i].checksum[t] != expect[t]) {
				fprintf(stderr,
					"bench: %s, thread %u: wrong output "
					"addresses (sum 0x%" PRIx64
					", want 0x%" PRIx64 ")\n",
					name, t, rep[i].checksum[t], expect[t]);
				ok = false;
			}
		}
	}
	vsmmu_smmu_get_stats(smmu, &after);
	stats_delta(&before, &after, d);
	return ok;
}

/* Throughput of each case's 1-thread row, for the scaling column. */
static double one_thread_ops[VS_ARRAY_SIZE(cases)];

static bool run_case(struct env *e, const struct bench_case *c,
		     const struct bench_opts *o, struct bench_row *row)
{
	const struct stream *streams = case_streams(e, c);
	struct vsmmu_smmu *smmu = env_smmu(e, c->cfg);
	unsigned int reps = o->quick ? QUICK_REPS : REPS, i, t;
	struct bench_run run;
	struct bench_rep rep[BENCH_MAX_REPS];
	double ns[BENCH_MAX_REPS], cpu[BENCH_MAX_REPS], base = 0;
	struct vsmmu_smmu_stats d;
	uint64_t calls;
	struct work w;
	const char *check;
	bool ok;

	memset(&w, 0, sizeof(w));
	w.smmu = smmu;
	w.stride = c->sequential ? 1 : SCATTER_STRIDE;
	for (t = 0; t < c->threads; t++) {
		struct thread_work *tw = &w.t[t];

		/* Same stream: the working set is split between the
		 * threads, so neither can hit on the other's entries. */
		tw->s = &streams[c->same_stream ? 0 : t];
		tw->pages = c->same_stream ? c->pages / c->threads : c->pages;
		tw->first = c->same_stream ? t * tw->pages : 0;
	}
	run = (struct bench_run){ .body = translate_body,
				  .arg = &w,
				  .threads = c->threads,
				  .iters = o->quick ? c->quick_iters :
						      c->iters };

	/* Every page once, checked, before anything is timed. */
	for (t = 0; t < c->threads; t++)
		for (i = 0; i < c->pages; i++)
			verify_page(smmu, w.t[t].s, i);
	ok = run_timed(smmu, &run, &w, reps, c->pages, c->name, rep, &d);
	for (i = 0; i < reps; i++) {
		ns[i] = rep[i].ns_per_op;
		cpu[i] = rep[i].cpu_ns_per_op;
	}

	memset(row, 0, sizeof(*row));
	snprintf(row->name, sizeof(row->name), "%s", c->name);
	snprintf(row->mode, sizeof(row->mode), "%s%s",
		 c->threads == 1 ? "" :
		 c->same_stream	 ? "same stream, " :
				   "own stream, ",
		 cfg_name[c->cfg]);
	row->threads = c->threads;
	row->reps = reps;
	row->iters = run.iters;
	bench_summarize(ns, reps, &row->ns);
	bench_summarize(cpu, reps, &row->cpu_ns);
	row->ops_per_s = rep[row->ns.median_idx].ops_per_s;
	row->cpus = rep[row->ns.median_idx].cpus;
	row->target_ns = c->target_ns;
	calls = d.translations ? d.translations : 1;
	check = case_check(c, &d);
	if (strcmp(check, "ok"))
		ok = false;
	/* The scaling column: this row's calls/s over the 1-thread row's */
	for (i = 0; i < VS_ARRAY_SIZE(cases); i++)
		if (!strcmp(cases[i].name, c->name) && cases[i].threads == 1)
			base = one_thread_ops[i];
	if (c->threads == 1)
		one_thread_ops[c - cases] = row->ops_per_s;
	bench_row_add(row, "x 1 thread",
		      c->threads > 1 && base > 0 ? "%.2f" : "-",
		      row->ops_per_s / (base > 0 ? base : 1));
	bench_row_add(row, "TLB hit %", "%.2f",
		      pct(d.tlb_hits, d.tlb_hits + d.tlb_misses));
	bench_row_add(row, "TLB misses", "%" PRIu64, d.tlb_misses);
	bench_row_add(row, "cfg hit %", "%.2f",
		      pct(d.cfg_hits, d.cfg_hits + d.cfg_misses));
	if (d.s2_hits + d.s2_misses)
		bench_row_add(row, "S2 cache hit %", "%.2f",
			      pct(d.s2_hits, d.s2_hits + d.s2_misses));
	else
		bench_row_add(row, "S2 cache hit %", "-");
	if (d.walk_cache_hits + d.walk_cache_misses)
		bench_row_add(row, "walk cache hit %", "%.2f",
			      pct(d.walk_cache_hits,
				  d.walk_cache_hits + d.walk_cache_misses));
	else
		bench_row_add(row, "walk cache hit %", "-");
	bench_row_add(row, "walks/call", "%.2f",
		      (double)d.walks / (double)calls);
	bench_row_add(row, "desc/call", "%.2f",
		      (double)d.desc_fetches / (double)calls);
	bench_row_add(row, "check", "%s", check);
	return ok;
}

/* --- The sweep: cost against working set ---------------------------------- */

static bool run_sweep(struct env *e, const struct bench_opts *o,
		      uint64_t max_pages, struct bench_row *rows,
		      unsigned int *n)
{
	struct vsmmu_smmu *smmu = env_smmu(e, CFG_WC);
	unsigned int k, reps = o->quick ? 2 : 3, i;
	uint64_t pages;
	bool ok = true;

	for (k = 0; k < 2; k++) {
		const struct stream *s = k ? &e->nested[0] : &e->s1[0];

		for (pages = 16; pages <= max_pages; pages *= 4) {
			struct bench_row *row = &rows[(*n)++];
			struct bench_rep rep[BENCH_MAX_REPS];
			double ns[BENCH_MAX_REPS], cpu[BENCH_MAX_REPS];
			struct vsmmu_smmu_stats d;
			struct bench_run run;
			uint64_t calls;
			struct work w;
			char name[48];

			memset(&w, 0, sizeof(w));
			w.smmu = smmu;
			w.stride = SCATTER_STRIDE;
			w.t[0] = (struct thread_work){ .s = s, .pages = pages };
			run = (struct bench_run){
				.body = translate_body,
				.arg = &w,
				.threads = 1,
				.iters = o->quick	? 20000 :
					 pages > 200000 ? pages :
							  200000,
			};
			snprintf(name, sizeof(name), "%s-sweep",
				 k ? "nested" : "s1");
			if (!run_timed(smmu, &run, &w, reps, pages, name, rep,
				       &d))
				ok = false;
			for (i = 0; i < reps; i++) {
				ns[i] = rep[i].ns_per_op;
				cpu[i] = rep[i].cpu_ns_per_op;
			}
			memset(row, 0, sizeof(*row));
			snprintf(row->name, sizeof(row->name), "%s", name);
			snprintf(row->mode, sizeof(row->mode),
				 "%" PRIu64 " pages", pages);
			row->threads = 1;
			row->reps = reps;
			row->iters = run.iters;
			bench_summarize(ns, reps, &row->ns);
			bench_summarize(cpu, reps, &row->cpu_ns);
			row->ops_per_s = rep[row->ns.median_idx].ops_per_s;
			row->cpus = rep[row->ns.median_idx].cpus;
			calls = d.translations ? d.translations : 1;
			if (d.faults || d.terminated)
				ok = false;
			bench_row_add(row, "pages", "%" PRIu64, pages);
			bench_row_add(row, "MiB mapped", "%.3g",
				      (double)pages * PAGE / (1 << 20));
			bench_row_add(row, "TLB hit %", "%.2f",
				      pct(d.tlb_hits,
					  d.tlb_hits + d.tlb_misses));
			if (d.walk_cache_hits + d.walk_cache_misses)
				bench_row_add(row, "walk cache hit %", "%.2f",
					      pct(d.walk_cache_hits,
						  d.walk_cache_hits +
							  d.walk_cache_misses));
			else
				bench_row_add(row, "walk cache hit %", "-");
			if (d.s2_hits + d.s2_misses)
				bench_row_add(row, "S2 cache hit %", "%.2f",
					      pct(d.s2_hits,
						  d.s2_hits + d.s2_misses));
			else
				bench_row_add(row, "S2 cache hit %", "-");
			bench_row_add(row, "desc/call", "%.2f",
				      (double)d.desc_fetches / (double)calls);
		}
	}
	return ok;
}

/* --- Memory ---------------------------------------------------------------- */

/* Table pages of a 4K table at @pa of @level and below, walked in memory. */
static uint64_t count_tables(struct vsmmu_mem *mem, uint64_t pa,
			     unsigned int level)
{
	uint64_t n = 1, d;
	unsigned int i;

	if (level == 3)
		return 1;
	for (i = 0; i < 512; i++) {
		bench_check(vsmmu_mem_read64(mem, pa + 8 * i, &d),
			    "read a table");
		if ((d & 3) == 3)
			n += count_tables(mem, d & VS_GENMASK(47, 12),
					  level + 1);
	}
	return n;
}

static void print_cache(const char *name, const char *what,
			const struct vsmmu_smmu_cache_info *ci,
			unsigned int parts)
{
	uint64_t entries = (uint64_t)ci->sets * ci->ways * parts;

	if (!entries) {
		printf("| %s | %s | - | - | - | - |\n", name, what);
		return;
	}
	printf("| %s | %s | %u x %u%s | %" PRIu64 " | %" PRIu64 " | %.1f |\n",
	       name, what, ci->sets, ci->ways, parts > 1 ? " per TBU" : "",
	       entries, ci->bytes, (double)ci->bytes / (double)entries);
}

static void print_geometry_and_memory(struct env *e)
{
	struct vsmmu_smmu_info in;
	uint64_t t1, t2, pages = e->s1[0].pages;
	uint64_t idx_bytes =
		vsmmu_mem_bytes(e->mem) - vsmmu_mem_page_count(e->mem) * PAGE;

	vsmmu_smmu_get_info(env_smmu(e, CFG_WC), &in);
	printf("\n### Cache geometry and memory per entry (walk caches on, "
	       "%u TBUs)\n\n",
	       in.tbus);
	printf("| cache | holds | geometry | entries | bytes | bytes/entry "
	       "|\n|---|---|---|--:|--:|--:|\n");
	print_cache("IOTLB", "final translations", &in.tlb, in.tbus);
	print_cache("stage-2 cache", "IPAs of nested table and CD fetches",
		    &in.s2c, 1);
	print_cache("configuration cache", "decoded STE + CD", &in.cfgc, 1);
	print_cache("stage-1 walk cache", "table descriptors", &in.s1wc, 1);
	print_cache("stage-2 walk cache", "table descriptors", &in.s2wc, 1);
	print_cache("L1 descriptor cache", "L1STDs, L1CDs", &in.l1c, 1);

	t1 = count_tables(e->mem, e->s1[0].s1_ttb, 0);
	t2 = count_tables(e->mem, e->nested[0].s2_ttb, 0);
	printf("\n### Memory per mapped page\n\n"
	       "Stream 0 maps %" PRIu64 " 4K pages.  Translation tables "
	       "(counted by walking them): stage 1 %" PRIu64
	       " table pages, %.2f bytes per mapped page; nested adds "
	       "stage 2's %" PRIu64 " table pages, %.2f bytes per mapped "
	       "page.  The sparse memory's index: %" PRIu64
	       " bytes for %" PRIu64 " present pages (%.2f bytes per "
	       "present page, whether table or data).\n",
	       pages, t1, (double)t1 * PAGE / (double)pages, t2,
	       (double)t2 * PAGE / (double)pages, idx_bytes,
	       vsmmu_mem_page_count(e->mem),
	       (double)idx_bytes / (double)vsmmu_mem_page_count(e->mem));
}

int main(int argc, char **argv)
{
	struct bench_row rows[VS_ARRAY_SIZE(cases)], sweep[32];
	struct bench_opts o;
	unsigned int i, n = 0, nsweep = 0;
	uint64_t t0 = bench_now_ns(), t1, sweep_pages;
	double load0 = bench_loadavg();
	struct env e;
	bool ok = true, do_sweep;

	bench_parse_args(argc, argv,
			 "Cost of vsmmu_translate(): IOTLB hit, stage-1 "
			 "miss, nested miss (walk caches off and on); 1 and "
			 "2 threads; a working-set sweep.",
			 &o);
	sweep_pages = o.quick ? QUICK_SWEEP_PAGES : SWEEP_PAGES;
	do_sweep = !o.threads || o.threads == 1;
	if (o.filter && !strstr("sweep", o.filter))
		do_sweep = !!strstr(o.filter, "sweep");
	env_init(&e, do_sweep ? sweep_pages : MISS_PAGES);
	t1 = bench_now_ns();
	for (i = 0; i < VS_ARRAY_SIZE(cases); i++) {
		if (!bench_selected(&o, cases[i].name, cases[i].threads))
			continue;
		if (!run_case(&e, &cases[i], &o, &rows[n]))
			ok = false;
		n++;
	}
	if (do_sweep && !run_sweep(&e, &o, sweep_pages, sweep, &nsweep))
		ok = false;
	if (o.json) {
		struct bench_row all[VS_ARRAY_SIZE(cases) + 32];

		memcpy(all, rows, n * sizeof(rows[0]));
		memcpy(all + n, sweep, nsweep * sizeof(sweep[0]));
		bench_print_json(stdout, "bench_translate", o.quick, all,
				 n + nsweep);
	} else {
		printf("## vsmmu_translate() cost%s\n\n",
		       o.quick ? " (--quick: rough figures)" : "");
		bench_print_table(stdout, rows, n);
		printf("\nns/call: wall time per call per thread, median of %u "
		       "repetitions (min, max); CPU ns/call: the same in "
		       "thread CPU time;\ncalls/s: all threads together; "
		       "x 1 thread: calls/s over the 1-thread row's.  "
		       "Set-up %.2f s, measurement %.2f s; load average "
		       "%.2f before, %.2f after.\n",
		       o.quick ? QUICK_REPS : REPS, (double)(t1 - t0) / 1e9,
		       (double)(bench_now_ns() - t1) / 1e9, load0,
		       bench_loadavg());
		for (i = 0; i < n; i++) {
			if (rows[i].threads > 1 &&
			    rows[i].cpus < 0.8 * rows[i].threads) {
				printf("Note: some multi-thread rows had fewer "
				       "CPUs busy than threads: their threads "
				       "took turns (the machine is busy), so "
				       "their wall figures do not measure "
				       "concurrency.\n");
				break;
			}
		}
		if (nsweep) {
			printf("\n### Sweep: one thread, scattered order, "
			       "walk caches on\n\n");
			bench_print_table(stdout, sweep, nsweep);
		}
		if (do_sweep)
			print_geometry_and_memory(&e);
	}
	env_fini(&e);
	if (!ok)
		fprintf(stderr, "bench_translate: a case is not what it "
				"claims (see the check column)\n");
	return ok ? 0 : 1;
}
