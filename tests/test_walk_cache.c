// SPDX-License-Identifier: MIT
/*
 * Walk caches: which TLBI and CFGI leave the cached table descriptors and
 * which remove them, as the specification (Arm IHI 0070) says, one
 * scenario per rule; and the invalidation checker catching the classic
 * driver bug (a table freed, then only a leaf TLBI).
 *
 * How a scenario sees the walk caches.  A first translation walks all four
 * levels and caches the table descriptors of levels 0, 1 and 2 on its way.
 * The invalidation under test runs; then one probe translation that
 * misses the IOTLB counts the descriptors it fetches
 * (vsmmu_smmu_stats.desc_fetches):
 *   - a probe in the same 2 MiB region (IOVA 0x2000) fetches 1 if the
 *     level-2 descriptor is still cached (the walk starts at level 3);
 *   - a probe in the next 2 MiB region (IOVA 0x201000), whose level-2
 *     descriptor was never walked, fetches 2 if the level-1 descriptor
 *     is still cached, 3 if only level 0's is, 4 if none is.
 * Each probe runs in a fresh SMMU, so that one probe's walk does not
 * refill what the other measures.
 *
 * Memory (4K granule, 48-bit, 4 levels at both stages):
 *   0x10000  stream table, linear, 16 STEs
 *     STE 0: stage 1, CD at 0x20000, VMID 5
 *     STE 1: stage 2 only, VMID 7, stage-2 tables at 0x50000
 *     STE 2: nested, VMID 9, CD at IPA 0x20000, stage 2 at 0x60000
 *   0x20000  CD: ASID 1, T0SZ 16, TG0 4K, EPD1, IPS 48, TTB0 0x30000
 *   0x30000 -> 0x31000 -> 0x32000 -> L3 0x33000 (IOVA 0..2M),
 *                                     L3 0x34000 (IOVA 2M..4M)
 *     IOVA 0x1000 -> 0x80000, 0x2000 -> 0x81000, 0x201000 -> 0x90000
 *   0x50000.. stage 2 of STE 1, the same shape: IPA 0x1000 -> 0xa0000,
 *     0x2000 -> 0xa1000, 0x201000 -> 0xb0000
 *   0x60000.. stage 2 of STE 2: identity for IPA [0, 2M), 4K pages
 */
#include <errno.h>

#include <vsmmu/arch.h>
#include <vsmmu/bits.h>
#include <vsmmu/vsmmu.h>

#include "harness.h"

#define WC_STRTAB 0x10000ULL
#define WC_CD 0x20000ULL
#define WC_S1_L0 0x30000ULL
#define WC_S2_L0 0x50000ULL /* STE 1 */
#define WC_NS2_L0 0x60000ULL /* STE 2's stage 2 */
#define WC_VMID_S1 5
#define WC_VMID_S2 7
#define WC_VMID_NESTED 9
#define WC_ASID 1

/* Stage-1 page: AF, inner shareable, AP[1] (EL0), nG, valid page */
#define S1_PAGE(pa) ((pa) | 0xf43ULL)
/* Stage-2 page: AF, SH, S2AP RW, MemAttr normal WB, valid page */
#define S2_PAGE(pa) ((pa) | 0x7ffULL)
#define TABLE(pa) ((pa) | 3ULL)

struct wenv {
	struct vsmmu_mem *mem;
	struct vsmmu_smmu *smmu;
};

static int w64(struct wenv *e, uint64_t pa, uint64_t v)
{
	return vsmmu_mem_write64(e->mem, pa, v);
}

/* A 4-level table set at @l0: L0 -> L1 -> L2 -> two L3s, @leaf pages. */
static int tables(struct wenv *e, uint64_t l0, uint64_t page0, uint64_t page1,
		  uint64_t page2, bool s2)
{
	uint64_t l1 = l0 + 0x1000, l2 = l0 + 0x2000, l3a = l0 + 0x3000;
	uint64_t l3b = l0 + 0x4000;

	return w64(e, l0, TABLE(l1)) || w64(e, l1, TABLE(l2)) ||
	       w64(e, l2, TABLE(l3a)) || w64(e, l2 + 8, TABLE(l3b)) ||
	       w64(e, l3a + 8, s2 ? S2_PAGE(page0) : S1_PAGE(page0)) ||
	       w64(e, l3a + 16, s2 ? S2_PAGE(page1) : S1_PAGE(page1)) ||
	       w64(e, l3b + 8, s2 ? S2_PAGE(page2) : S1_PAGE(page2));
}

static uint64_t ste2_s2(unsigned int vmid)
{
	return VS_FIELD_PREP(STRTAB_STE_2_S2VMID, vmid) |
	       VS_FIELD_PREP(STRTAB_STE_2_S2T0SZ, 16) |
	       VS_FIELD_PREP(STRTAB_STE_2_S2SL0, 2) | /* 4K: level 0 */
	       VS_FIELD_PREP(STRTAB_STE_2_S2TG, STRTAB_STE_2_S2TG_4K) |
	       VS_FIELD_PREP(STRTAB_STE_2_S2PS, 5) | /* 48 bits */
	       STRTAB_STE_2_S2AA64 | STRTAB_STE_2_S2R;
}

static int wenv_init(struct wenv *e, const struct vsmmu_smmu_config *c)
{
	struct vsmmu_smmu_config cfg;
	/* CD: T0SZ 16, TG0 4K, EPD1, V, IPS 48, AA64, R, ASID 1 */
	const uint64_t cd0 = 0x00012205c0000010ULL;
	uint64_t pa;
	int rc;

	memset(e, 0, sizeof(*e));
	if (c)
		cfg = *c;
	else
		vsmmu_smmu_config_default(&cfg);
	rc = vsmmu_mem_create(48, &e->mem);
	if (!rc)
		rc = vsmmu_mem_populate(e->mem, 0x10000, 0x60000);
	if (!rc)
		rc = vsmmu_smmu_create(&cfg, e->mem, &e->smmu);
	if (rc)
		return rc;
	/* STE 0: V | Config S1 (0b101) | S1ContextPtr; S2VMID 5 */
	if (w64(e, WC_STRTAB, 0x1 | (5 << 1) | WC_CD) ||
	    w64(e, WC_STRTAB + 16, WC_VMID_S1) ||
	    /* STE 1: V | Config S2 (0b110) */
	    w64(e, WC_STRTAB + 64, 0x1 | (6 << 1)) ||
	    w64(e, WC_STRTAB + 64 + 16, ste2_s2(WC_VMID_S2)) ||
	    w64(e, WC_STRTAB + 64 + 24, WC_S2_L0) ||
	    /* STE 2: V | Config nested (0b111), CD at IPA 0x20000 */
	    w64(e, WC_STRTAB + 128, 0x1 | (7 << 1) | WC_CD) ||
	    w64(e, WC_STRTAB + 128 + 16, ste2_s2(WC_VMID_NESTED)) ||
	    w64(e, WC_STRTAB + 128 + 24, WC_NS2_L0) || w64(e, WC_CD, cd0) ||
	    w64(e, WC_CD + 8, WC_S1_L0) ||
	    tables(e, WC_S1_L0, 0x80000, 0x81000, 0x90000, false) ||
	    tables(e, WC_S2_L0, 0xa0000, 0xa1000, 0xb0000, true))
		return -EIO;
	/* STE 2's stage 2: identity for IPA [0, 2M): L0..L2, one L3 */
	if (w64(e, WC_NS2_L0, TABLE(WC_NS2_L0 + 0x1000)) ||
	    w64(e, WC_NS2_L0 + 0x1000, TABLE(WC_NS2_L0 + 0x2000)) ||
	    w64(e, WC_NS2_L0 + 0x2000, TABLE(WC_NS2_L0 + 0x3000)))
		return -EIO;
	for (pa = 0; pa < 0x200000; pa += 0x1000)
		if (w64(e, WC_NS2_L0 + 0x3000 + (pa >> 12) * 8, S2_PAGE(pa)))
			return -EIO;
	/* STRTAB_BASE, _CFG (linear, LOG2SIZE 4), CR0.SMMUEN */
	if (vsmmu_smmu_mmio_write(e->smmu, 0x80, 8, WC_STRTAB) ||
	    vsmmu_smmu_mmio_write(e->smmu, 0x88, 4, 4) ||
	    vsmmu_smmu_mmio_write(e->smmu, 0x20, 4, 1))
		return -EIO;
	return 0;
}

static void wenv_fini(struct wenv *e)
{
	vsmmu_smmu_destroy(e->smmu);
	vsmmu_mem_destroy(e->mem);
}

/*
 * Translate (@sid, @va), a read; return the output address (~0 if it did
 * not translate) and the descriptors fetched in *@desc.
 */
static uint64_t wtr(struct wenv *e, uint32_t sid, uint64_t va, uint64_t *desc)
{
	struct vsmmu_txn txn = { .sid = sid,
				 .addr = va,
				 .flags = VSMMU_TXN_READ };
	struct vsmmu_smmu_stats a, b;
	struct vsmmu_txn_result r;

	vsmmu_smmu_get_stats(e->smmu, &a);
	if (vsmmu_translate(e->smmu, &txn, &r) || r.outcome != VSMMU_TXN_OK)
		return ~0ULL;
	vsmmu_smmu_get_stats(e->smmu, &b);
	if (desc)
		*desc = b.desc_fetches - a.desc_fetches;
	return r.oa;
}

enum inv_type { INV_TLBI, INV_CFGI };

/*
 * One scenario: fresh SMMU, translate (@sid, 0x1000) to fill the walk
 * caches, run @tlbi, remove the IOTLB entries (if @flush, with an
 * invalidation of the IOTLB alone: a TLBI of another kind would also
 * reach the walk caches, so the probe's address is simply another one,
 * never translated), then translate (@sid, @probe).  Return the
 * descriptors the probe fetched, or -1.
 */
static int scenario(uint32_t sid, const struct vsmmu_tlbi *tlbi,
		    const struct vsmmu_cfgi *cfgi, uint64_t probe,
		    uint64_t want_oa)
{
	struct wenv e;
	uint64_t n = 0, oa;

	if (wenv_init(&e, NULL))
		return -1;
	if (wtr(&e, sid, 0x1000, &n) == ~0ULL ||
	    (tlbi && vsmmu_smmu_tlbi(e.smmu, tlbi)) ||
	    (cfgi && vsmmu_smmu_cfgi(e.smmu, cfgi))) {
		wenv_fini(&e);
		return -1;
	}
	oa = wtr(&e, sid, probe, &n);
	wenv_fini(&e);
	return oa == want_oa ? (int)n : -1;
}

/* The two probes of a stage-1 (SID 0) or stage-2 (SID 1) scenario. */
static int probe_same(uint32_t sid, const struct vsmmu_tlbi *tlbi,
		      const struct vsmmu_cfgi *cfgi)
{
	return scenario(sid, tlbi, cfgi, 0x2000, sid ? 0xa1000 : 0x81000);
}

static int probe_next(uint32_t sid, const struct vsmmu_tlbi *tlbi,
		      const struct vsmmu_cfgi *cfgi)
{
	return scenario(sid, tlbi, cfgi, 0x201000, sid ? 0xb0000 : 0x90000);
}

/* --- The baseline: what is cached after one walk ------------------------- */

TEST(wc_baseline_walk_starts_below_cached_levels)
{
	struct vsmmu_smmu_config cfg;
	struct vsmmu_smmu_stats st;
	struct wenv e;
	uint64_t n;

	/* No invalidation: level 2 of region 0 cached, level 1 for the rest */
	ASSERT_EQ(probe_same(0, NULL, NULL), 1);
	ASSERT_EQ(probe_next(0, NULL, NULL), 2);
	ASSERT_EQ(probe_same(1, NULL, NULL), 1);
	ASSERT_EQ(probe_next(1, NULL, NULL), 2);

	/* Walk caches off: every walk fetches every level */
	vsmmu_smmu_config_default(&cfg);
	cfg.walk_caches_off = true;
	ASSERT_OK(wenv_init(&e, &cfg));
	ASSERT_EQ(wtr(&e, 0, 0x1000, &n), 0x80000);
	ASSERT_EQ(n, 4);
	ASSERT_EQ(wtr(&e, 0, 0x2000, &n), 0x81000);
	ASSERT_EQ(n, 4);
	vsmmu_smmu_get_stats(e.smmu, &st);
	ASSERT_EQ(st.walk_cache_hits + st.walk_cache_misses, 0);
	wenv_fini(&e);
}

/* --- Stage 1 ----------------------------------------------------------------- */

/*
 * CMD_TLBI_NH_VA / NH_VAA with Leaf = 1: "only cached entries for the last
 * level of translation table walk are required to be invalidated"
 * (4.4.2.3, 4.4.2.4): the table descriptors stay.  Leaf = 0: the entries
 * used to translate the address go, at every level (0, 1 and 2 for
 * 0x1000), so the probes walk from the top.
 */
TEST(wc_s1_nh_va_leaf_keeps_table_entries)
{
	struct vsmmu_tlbi t = { .kind = VSMMU_TLBI_NH_VA,
				.vmid = WC_VMID_S1,
				.asid = WC_ASID,
				.addr = 0x1000,
				.leaf = true };

	ASSERT_EQ(probe_same(0, &t, NULL), 1);
	ASSERT_EQ(probe_next(0, &t, NULL), 2);
	t.kind = VSMMU_TLBI_NH_VAA;
	ASSERT_EQ(probe_same(0, &t, NULL), 1);
	ASSERT_EQ(probe_next(0, &t, NULL), 2);
}

TEST(wc_s1_nh_va_nonleaf_removes_every_level)
{
	struct vsmmu_tlbi t = { .kind = VSMMU_TLBI_NH_VA,
				.vmid = WC_VMID_S1,
				.asid = WC_ASID,
				.addr = 0x1000 };

	ASSERT_EQ(probe_same(0, &t, NULL), 4);
	ASSERT_EQ(probe_next(0, &t, NULL), 4);
	t.kind = VSMMU_TLBI_NH_VAA;
	ASSERT_EQ(probe_same(0, &t, NULL), 4);
	ASSERT_EQ(probe_next(0, &t, NULL), 4);
}

/*
 * Table entries are tagged with the ASID they were walked under and are
 * never global: NH_VA of another ASID, or of another VMID, leaves them
 * (4.4.2.4).  NH_VA of an address of another 2 MiB region reaches the
 * level-0 and level-1 entries that translate it too, but not region 0's
 * level-2 entry.
 */
TEST(wc_s1_nh_va_scope)
{
	struct vsmmu_tlbi t = { .kind = VSMMU_TLBI_NH_VA,
				.vmid = WC_VMID_S1,
				.asid = WC_ASID + 1,
				.addr = 0x1000 };

	ASSERT_EQ(probe_same(0, &t, NULL), 1);
	ASSERT_EQ(probe_next(0, &t, NULL), 2);
	t.asid = WC_ASID;
	t.vmid = WC_VMID_S1 + 1;
	ASSERT_EQ(probe_same(0, &t, NULL), 1);
	t.kind = VSMMU_TLBI_NH_VAA;
	ASSERT_EQ(probe_same(0, &t, NULL), 1);
	t.vmid = WC_VMID_S1;
	t.addr = 0x200000;
	ASSERT_EQ(probe_same(0, &t, NULL), 1);
	ASSERT_EQ(probe_next(0, &t, NULL), 4);
}

/*
 * Range invalidation (4.4.1.1): (NUM + 1) << SCALE granules of TG from
 * the address.  [0x400000, 0x402000) meets the level-0 and level-1
 * regions but not region 0 of level 2.
 */
TEST(wc_s1_range)
{
	struct vsmmu_tlbi t = { .kind = VSMMU_TLBI_NH_VA,
				.vmid = WC_VMID_S1,
				.asid = WC_ASID,
				.addr = 0x400000,
				.tg = 1,
				.num = 1 };

	ASSERT_EQ(probe_same(0, &t, NULL), 1);
	ASSERT_EQ(probe_next(0, &t, NULL), 4);
	/* Thirty-two 64K granules from 0: region 0 of level 2, and above */
	t.addr = 0;
	t.tg = 3;
	t.num = 31;
	ASSERT_EQ(probe_same(0, &t, NULL), 1); /* TG 64K: no 4K entry */
	t.tg = 1;
	t.num = 31;
	t.scale = 4; /* 32 << 4 4K pages: 2 MiB */
	ASSERT_EQ(probe_same(0, &t, NULL), 4);
}

/*
 * TTL (4.4.1.1): "For operations with Leaf=0, invalidation of cached
 * Table descriptors for the address and scope additionally occurs at
 * levels between the start of the walk and the level before the last
 * level given by TTL."  TTL 3: levels 0..2 go; TTL 2: levels 0 and 1
 * (region 0's level-2 entry stays); TTL 1: level 0 only (the level-1
 * entry stays: the next-region probe fetches 2).  TG names the granule
 * of the entries: 16K reaches none of these 4K ones.
 */
TEST(wc_s1_ttl_and_tg)
{
	struct vsmmu_tlbi t = { .kind = VSMMU_TLBI_NH_VA,
				.vmid = WC_VMID_S1,
				.asid = WC_ASID,
				.addr = 0x1000,
				.tg = 1,
				.ttl = 3 };

	ASSERT_EQ(probe_same(0, &t, NULL), 4);
	/* TTL 2 and 1 with the address aligned to the leaf size */
	t.addr = 0;
	t.ttl = 2;
	ASSERT_EQ(probe_same(0, &t, NULL), 1);
	ASSERT_EQ(probe_next(0, &t, NULL), 4);
	t.ttl = 1;
	ASSERT_EQ(probe_same(0, &t, NULL), 1);
	ASSERT_EQ(probe_next(0, &t, NULL), 2);
	t.tg = 2;
	t.ttl = 2;
	ASSERT_EQ(probe_same(0, &t, NULL), 1);
	ASSERT_EQ(probe_next(0, &t, NULL), 2);
	/* Leaf = 1 with TTL 3: only the leaves */
	t.tg = 1;
	t.ttl = 3;
	t.addr = 0x1000;
	t.leaf = true;
	ASSERT_EQ(probe_same(0, &t, NULL), 1);
	ASSERT_EQ(probe_next(0, &t, NULL), 2);
}

/*
 * The whole-ASID, whole-VMID and all-of-everything forms (4.4.2.1,
 * 4.4.2.2, 4.4.3.2, 4.4.4.1) have no Leaf: they remove table entries of
 * their scope.  Stage-2 and EL2 forms do not reach non-EL2 stage-1
 * entries (4.4.3.1, 4.4.2.7), and no CFGI reaches TLB contents (4.3.1:
 * "This command is not required to affect TLB contents").
 */
TEST(wc_s1_asid_vmid_all_and_other_forms)
{
	const struct vsmmu_tlbi asid = { .kind = VSMMU_TLBI_NH_ASID,
					 .vmid = WC_VMID_S1,
					 .asid = WC_ASID };
	const struct vsmmu_tlbi asid2 = { .kind = VSMMU_TLBI_NH_ASID,
					  .vmid = WC_VMID_S1,
					  .asid = WC_ASID + 1 };
	const struct vsmmu_tlbi all = { .kind = VSMMU_TLBI_NH_ALL,
					.vmid = WC_VMID_S1 };
	const struct vsmmu_tlbi all2 = { .kind = VSMMU_TLBI_NH_ALL,
					 .vmid = WC_VMID_S1 + 1 };
	const struct vsmmu_tlbi vmall = { .kind = VSMMU_TLBI_S12_VMALL,
					  .vmid = WC_VMID_S1 };
	const struct vsmmu_tlbi nsnh = { .kind = VSMMU_TLBI_NSNH_ALL };
	const struct vsmmu_tlbi s2ipa = { .kind = VSMMU_TLBI_S2_IPA,
					  .vmid = WC_VMID_S1,
					  .addr = 0x1000 };
	const struct vsmmu_tlbi el2 = { .kind = VSMMU_TLBI_EL2_ALL };
	const struct vsmmu_cfgi cfgi_all = { .kind = VSMMU_CFGI_ALL };
	const struct vsmmu_cfgi cfgi_ste = { .kind = VSMMU_CFGI_STE };
	const struct vsmmu_cfgi cfgi_cd = { .kind = VSMMU_CFGI_CD };

	ASSERT_EQ(probe_same(0, &asid, NULL), 4);
	ASSERT_EQ(probe_same(0, &asid2, NULL), 1);
	ASSERT_EQ(probe_same(0, &all, NULL), 4);
	ASSERT_EQ(probe_same(0, &all2, NULL), 1);
	ASSERT_EQ(probe_same(0, &vmall, NULL), 4);
	ASSERT_EQ(probe_same(0, &nsnh, NULL), 4);
	ASSERT_EQ(probe_same(0, &s2ipa, NULL), 1);
	ASSERT_EQ(probe_same(0, &el2, NULL), 1);
	ASSERT_EQ(probe_same(0, NULL, &cfgi_all), 1);
	ASSERT_EQ(probe_same(0, NULL, &cfgi_ste), 1);
	ASSERT_EQ(probe_same(0, NULL, &cfgi_cd), 1);
}

/* --- Stage 2 ----------------------------------------------------------------- */

/*
 * CMD_TLBI_S2_IPA(VMID, Addr, Leaf) (4.4.3.1): Leaf = 1 leaves the
 * stage-2 table entries, Leaf = 0 removes those used to translate the
 * IPA; another VMID's are not touched.  Stage-1 forms (NH_ALL of the
 * VMID) do not reach stage-2 entries; S12_VMALL and NSNH_ALL do.
 */
TEST(wc_s2_ipa_leaf_vmid_and_other_forms)
{
	struct vsmmu_tlbi t = { .kind = VSMMU_TLBI_S2_IPA,
				.vmid = WC_VMID_S2,
				.addr = 0x1000,
				.leaf = true };
	const struct vsmmu_tlbi nh = { .kind = VSMMU_TLBI_NH_ALL,
				       .vmid = WC_VMID_S2 };
	const struct vsmmu_tlbi vmall = { .kind = VSMMU_TLBI_S12_VMALL,
					  .vmid = WC_VMID_S2 };
	const struct vsmmu_tlbi vmall2 = { .kind = VSMMU_TLBI_S12_VMALL,
					   .vmid = WC_VMID_S2 + 1 };
	const struct vsmmu_tlbi nsnh = { .kind = VSMMU_TLBI_NSNH_ALL };

	ASSERT_EQ(probe_same(1, &t, NULL), 1);
	ASSERT_EQ(probe_next(1, &t, NULL), 2);
	t.leaf = false;
	ASSERT_EQ(probe_same(1, &t, NULL), 4);
	ASSERT_EQ(probe_next(1, &t, NULL), 4);
	t.vmid = WC_VMID_S2 + 1;
	ASSERT_EQ(probe_same(1, &t, NULL), 1);
	/* An IPA of the next region: levels 0 and 1, not region 0's 2 */
	t.vmid = WC_VMID_S2;
	t.addr = 0x200000;
	ASSERT_EQ(probe_same(1, &t, NULL), 1);
	ASSERT_EQ(probe_next(1, &t, NULL), 4);
	/* TTL 2: levels 0 and 1 */
	t.addr = 0;
	t.tg = 1;
	t.ttl = 2;
	ASSERT_EQ(probe_same(1, &t, NULL), 1);
	ASSERT_EQ(probe_next(1, &t, NULL), 4);
	ASSERT_EQ(probe_same(1, &nh, NULL), 1);
	ASSERT_EQ(probe_same(1, &vmall, NULL), 4);
	ASSERT_EQ(probe_same(1, &vmall2, NULL), 1);
	ASSERT_EQ(probe_same(1, &nsnh, NULL), 4);
}

/* --- Nested: stage-1 entries that hold a stage-2 translation ------------- */

/*
 * Under nesting a cached stage-1 table descriptor holds its next table's
 * PA: the stage-2 translation of that table's IPA.  "An entry of a
 * combined cache is invalidated if any part of the entry would have been
 * invalidated in an equivalent operation ... on a discrete cache"
 * (16.2.1), and TLBI_S2_IPA of the table's IPA removes the stage-2
 * translation whatever its Leaf (it is a last-level stage-2 entry,
 * 4.4.3.1).  A hypervisor moves the guest's level-3 table (IPA 0x33000)
 * to another page at stage 2, the copy mapping 0x2000 elsewhere, and
 * invalidates the IPA with Leaf = 1 (its stage-2 tables kept their
 * shape): the next walk must read the table at its new place.  The same
 * TLBI of another IPA leaves the entry.
 */
TEST(wc_nested_s2_ipa_removes_dependent_s1_entries)
{
	struct vsmmu_tlbi t = { .kind = VSMMU_TLBI_S2_IPA,
				.vmid = WC_VMID_NESTED,
				.addr = 0x33000,
				.leaf = true };
	struct wenv e;
	uint64_t n;

	ASSERT_OK(wenv_init(&e, NULL));
	ASSERT_EQ(wtr(&e, 2, 0x1000, &n), 0x80000);
	/* The copy at PA 0x43000 maps IOVA 0x2000 to IPA 0x82000 */
	ASSERT_OK(w64(&e, 0x43000 + 8, S1_PAGE(0x80000)));
	ASSERT_OK(w64(&e, 0x43000 + 16, S1_PAGE(0x82000)));
	ASSERT_OK(w64(&e, WC_NS2_L0 + 0x3000 + (0x33000 >> 12) * 8,
		      S2_PAGE(0x43000)));
	ASSERT_OK(vsmmu_smmu_tlbi(e.smmu, &t));
	ASSERT_EQ(wtr(&e, 2, 0x2000, &n), 0x82000);
	wenv_fini(&e);

	/*
	 * Descriptor counts: with the entries in place, the probe fetches
	 * the stage-1 level-3 descriptor (its table's PA is cached) and
	 * walks stage 2 for the output IPA from the cached level-2 entry: 2.
	 */
	ASSERT_OK(wenv_init(&e, NULL));
	ASSERT_EQ(wtr(&e, 2, 0x1000, &n), 0x80000);
	t.addr = 0x90000; /* an IPA no table lives at */
	ASSERT_OK(vsmmu_smmu_tlbi(e.smmu, &t));
	ASSERT_EQ(wtr(&e, 2, 0x2000, &n), 0x81000);
	ASSERT_EQ(n, 2);
	wenv_fini(&e);
}

/*
 * NH_ALL of the VMID removes the nested stream's stage-1 table entries
 * (not its stage-2 ones, nor the stage-2 cache of table IPAs): the probe
 * walks stage 1 from the top (4), every table IPA from the stage-2 cache
 * (0), and stage 2 for the output from its cached level 2 (1): 5.
 */
TEST(wc_nested_nh_all)
{
	const struct vsmmu_tlbi t = { .kind = VSMMU_TLBI_NH_ALL,
				      .vmid = WC_VMID_NESTED };
	struct wenv e;
	uint64_t n;

	ASSERT_OK(wenv_init(&e, NULL));
	ASSERT_EQ(wtr(&e, 2, 0x1000, &n), 0x80000);
	ASSERT_OK(vsmmu_smmu_tlbi(e.smmu, &t));
	ASSERT_EQ(wtr(&e, 2, 0x2000, &n), 0x81000);
	ASSERT_EQ(n, 5);
	wenv_fini(&e);
}

/* --- Configuration tables: L1STD, L1CD and CFGI's Leaf ---------------------- */

/*
 * Two-level tables.  Stream table: SPLIT 6, LOG2SIZE 8 (four L1STDs) at
 * 0x16000; L1STD 0 points (Span 7: 64 STEs) to the level-2 table at
 * 0x17000, whose STE 0 is stage 1 through the CD table below; the other
 * level-2 table at 0x18000 has STE 0 abort (V, Config 0b000).
 * CD table of STE 0: S1Fmt 4K leaves, S1CDMax 8: L1CDs at 0x22000; L1CD 0
 * -> leaf table 0x23000 whose CD 1 is the ASID 1 CD (IOVA 0x1000 ->
 * 0x80000); the other leaf table 0x24000 holds a CD 1 with ASID 2 over
 * tables at 0x35000 that map 0x1000 -> 0x95000.
 */
#define T2_L1ST 0x16000ULL
#define T2_L2ST_A 0x17000ULL
#define T2_L2ST_B 0x18000ULL
#define T2_L1CD 0x22000ULL
#define T2_CDLEAF_A 0x23000ULL
#define T2_CDLEAF_B 0x24000ULL

static int t2_init(struct wenv *e)
{
	const uint64_t cd_a = 0x00012205c0000010ULL;
	const uint64_t cd_b = 0x00022205c0000010ULL; /* ASID 2 */
	/* STE: V | S1 | S1Fmt 4K leaves (bit 4) | ptr | S1CDMax 8 */
	const uint64_t ste_s1 = 0x1 | (5 << 1) | (1ULL << 4) | T2_L1CD |
				VS_FIELD_PREP(STRTAB_STE_0_S1CDMAX, 8);
	int rc = wenv_init(e, NULL);

	if (rc)
		return rc;
	/* CR0 = 0 to reprogram the stream table, then enable again */
	if (vsmmu_smmu_mmio_write(e->smmu, 0x20, 4, 0) ||
	    w64(e, T2_L1ST, T2_L2ST_A | 7) || w64(e, T2_L2ST_A, ste_s1) ||
	    w64(e, T2_L2ST_A + 16, WC_VMID_S1) ||
	    w64(e, T2_L2ST_B, 0x1) || /* abort */
	    w64(e, T2_L1CD, T2_CDLEAF_A | 1) ||
	    w64(e, T2_CDLEAF_A + 64, cd_a) ||
	    w64(e, T2_CDLEAF_A + 64 + 8, WC_S1_L0) ||
	    w64(e, T2_CDLEAF_B + 64, cd_b) ||
	    w64(e, T2_CDLEAF_B + 64 + 8, 0x35000) ||
	    tables(e, 0x35000, 0x95000, 0x96000, 0x97000, false) ||
	    /* FMT 2-level (1 << 16), SPLIT 6 (6 << 6), LOG2SIZE 8 */
	    vsmmu_smmu_mmio_write(e->smmu, 0x80, 8, T2_L1ST) ||
	    vsmmu_smmu_mmio_write(e->smmu, 0x88, 4, (1 << 16) | (6 << 6) | 8) ||
	    vsmmu_smmu_mmio_write(e->smmu, 0x20, 4, 1))
		return -EIO;
	return 0;
}

/*
 * Translate (SID 0, SSID 1, @va): the output address, or ~0 (and the
 * outcome in *@out).
 */
static uint64_t t2_tr(struct wenv *e, uint64_t va, enum vsmmu_txn_outcome *out)
{
	struct vsmmu_txn txn = { .sid = 0,
				 .ssid = 1,
				 .ssv = true,
				 .addr = va,
				 .flags = VSMMU_TXN_READ };
	struct vsmmu_txn_result r;

	if (vsmmu_translate(e->smmu, &txn, &r))
		return ~0ULL;
	*out = r.outcome;
	return r.outcome == VSMMU_TXN_OK ? r.oa : ~0ULL;
}

/*
 * CMD_CFGI_STE (4.3.1): "When Leaf == 0, this command invalidates the STE
 * for the specified StreamID, and all caching of the intermediate L1ST
 * descriptor structures walked to locate the specified STE ... When Leaf
 * == 1, only the STE is invalidated and the intermediate L1ST descriptors
 * are not required to be invalidated."  The driver repoints L1STD 0 at the
 * other level-2 table (STE 0 abort there):
 *   Leaf = 1: the STE is fetched again through the cached L1STD, from
 *     the old table: still translated;
 *   Leaf = 0: through the new one: terminated;
 *   Leaf = 0 for StreamID 1, then Leaf = 1 for StreamID 0: the L1STD
 *     walked for SID 1 is the same descriptor, so it went: terminated;
 *   CFGI_STE_RANGE and CFGI_ALL (4.3.2, 4.3.6): terminated.
 */
TEST(wc_cfgi_ste_leaf_and_l1std)
{
	static const struct {
		struct vsmmu_cfgi c1, c2;
		bool aborts;
	} cases[] = {
		{ { .kind = VSMMU_CFGI_STE, .leaf = true }, { 0 }, false },
		{ { .kind = VSMMU_CFGI_STE }, { 0 }, true },
		{ { .kind = VSMMU_CFGI_STE, .sid = 1 },
		  { .kind = VSMMU_CFGI_STE, .leaf = true },
		  true },
		{ { .kind = VSMMU_CFGI_STE_RANGE, .range = 0 }, { 0 }, true },
		{ { .kind = VSMMU_CFGI_ALL }, { 0 }, true },
	};
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum vsmmu_txn_outcome out;
		struct wenv e;

		ASSERT_OK(t2_init(&e));
		ASSERT_EQ(t2_tr(&e, 0x1000, &out), 0x80000);
		ASSERT_OK(w64(&e, T2_L1ST, T2_L2ST_B | 7));
		ASSERT_OK(vsmmu_smmu_cfgi(e.smmu, &cases[i].c1));
		if (cases[i].c2.kind == VSMMU_CFGI_STE)
			ASSERT_OK(vsmmu_smmu_cfgi(e.smmu, &cases[i].c2));
		if (cases[i].aborts) {
			ASSERT_EQ(t2_tr(&e, 0x1000, &out), ~0ULL);
			ASSERT_EQ(out, VSMMU_TXN_TERMINATED);
		} else {
			ASSERT_EQ(t2_tr(&e, 0x1000, &out), 0x80000);
		}
		wenv_fini(&e);
	}
}

/*
 * CMD_CFGI_CD (4.3.3): "When Leaf == 0, this command invalidates all
 * caching of an intermediate L1CD descriptor that locates the CD ...
 * When Leaf == 1, intermediate L1CD descriptors are not required to be
 * invalidated."  CFGI_CD_ALL "must also invalidate caches of all
 * intermediate L1CD descriptors that locate CDs using the given
 * StreamID" (4.3.4), and CFGI_STE "invalidates all Context Descriptors
 * (including L1CD) that were cached using the given StreamID" (4.3.1),
 * whatever its Leaf.  The driver repoints L1CD 0 at the other leaf table
 * (CD 1 there: ASID 2, 0x1000 -> 0x95000):
 *   CFGI_CD(SSID 1, Leaf = 1): the old CD again (0x80000);
 *   CFGI_CD(SSID 1, Leaf = 0), CFGI_CD_ALL, CFGI_STE(Leaf = 1): the new;
 *   CFGI_CD(SSID 65, Leaf = 0) -- the L1CD of another leaf table -- then
 *   CFGI_CD(SSID 1, Leaf = 1): L1CD 0 stayed, the old CD.
 */
TEST(wc_cfgi_cd_leaf_and_l1cd)
{
	static const struct {
		struct vsmmu_cfgi c1, c2;
		uint64_t oa;
	} cases[] = {
		{ { .kind = VSMMU_CFGI_CD, .ssid = 1, .leaf = true },
		  { 0 },
		  0x80000 },
		{ { .kind = VSMMU_CFGI_CD, .ssid = 1 }, { 0 }, 0x95000 },
		{ { .kind = VSMMU_CFGI_CD_ALL }, { 0 }, 0x95000 },
		{ { .kind = VSMMU_CFGI_STE, .leaf = true }, { 0 }, 0x95000 },
		{ { .kind = VSMMU_CFGI_CD, .ssid = 65 },
		  { .kind = VSMMU_CFGI_CD, .ssid = 1, .leaf = true },
		  0x80000 },
	};
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum vsmmu_txn_outcome out;
		struct wenv e;

		ASSERT_OK(t2_init(&e));
		ASSERT_EQ(t2_tr(&e, 0x1000, &out), 0x80000);
		ASSERT_OK(w64(&e, T2_L1CD, T2_CDLEAF_B | 1));
		ASSERT_OK(vsmmu_smmu_cfgi(e.smmu, &cases[i].c1));
		if (cases[i].c2.kind == VSMMU_CFGI_CD)
			ASSERT_OK(vsmmu_smmu_cfgi(e.smmu, &cases[i].c2));
		ASSERT_EQ(t2_tr(&e, 0x1000, &out), cases[i].oa);
		wenv_fini(&e);
	}
}

/* --- The checker: a table freed, then only a leaf TLBI -------------------- */

struct wchk {
	unsigned int n[VSMMU_CHECK_NR];
	struct vsmmu_check_report last;
};

static void wchk_cb(void *arg, const struct vsmmu_check_report *r)
{
	struct wchk *c = arg;

	if (r->kind < VSMMU_CHECK_NR)
		c->n[r->kind]++;
	c->last = *r;
}

/* The level-3 table of @va under the 4-level 4K table at @ttb, or 0. */
static uint64_t l3_table(struct wenv *e, uint64_t ttb, uint64_t va)
{
	uint64_t t = ttb, d = 0;
	unsigned int level;

	for (level = 0; level < 3; level++) {
		unsigned int idx = (va >> (39 - 9 * level)) & 511;

		if (vsmmu_mem_read64(e->mem, t + 8 * idx, &d) || (d & 3) != 3)
			return 0;
		t = d & VS_GENMASK(47, 12);
	}
	return t;
}

/*
 * The classic driver bug.  Stage 1 built with the page-table library:
 * IOVA A = 0x201000 (region 1, level-3 table T) is mapped and used, so
 * the walk caches hold region 1's level-2 descriptor -> T.  The driver
 * unmaps A -- the library frees T, which was empty after it, and says
 * so (tables_freed) -- but issues TLBI_NH_VA with Leaf = 1.  It then maps
 * IOVA B = 0x401000 (region 2): the library's new level-3 table reuses
 * T's page.  A device touches A again: the IOTLB entry is gone, the
 * walk-cache entry is not, and the walk reads T -- now region 2's table
 * -- at A's index, which is B's: A translates to B's page.  Silicon does
 * exactly this; the checker reports it as a stale walk-cache entry that
 * a Leaf = 1 TLBI left.  With the correct non-leaf TLBI the access
 * faults and nothing is reported.
 */
static void freed_table(bool leaf)
{
	const uint64_t a = 0x201000, b = 0x401000;
	struct vsmmu_pgtable_cfg pc = { .fmt = VSMMU_PGTABLE_S1,
					.granule_shift = 12,
					.ias = 48,
					.oas = 48 };
	struct vsmmu_pgtable_gather g;
	struct vsmmu_pgtable_info info;
	struct vsmmu_pgtable *pgt;
	struct vsmmu_mem_pool *pool;
	struct vsmmu_tlbi t = { .kind = VSMMU_TLBI_NH_VA,
				.vmid = WC_VMID_S1,
				.asid = WC_ASID,
				.addr = a,
				.leaf = leaf };
	struct vsmmu_txn txn = { .sid = 0, .addr = a, .flags = VSMMU_TXN_READ };
	struct vsmmu_txn_result r;
	struct wchk c;
	struct wenv e;
	uint64_t l3_a;

	memset(&c, 0, sizeof(c));
	ASSERT_OK(wenv_init(&e, NULL));
	ASSERT_OK(vsmmu_mem_pool_create(e.mem, 0x100000, 0x40000, &pool));
	pc.pool = pool;
	ASSERT_OK(vsmmu_pgtable_create(&pc, &pgt));
	vsmmu_pgtable_get_info(pgt, &info);
	ASSERT_OK(w64(&e, WC_CD + 8, info.ttb));
	/* Region 0 stays mapped, so only region 1's table is freed */
	ASSERT_OK(vsmmu_pgtable_map(pgt, 0x1000, 0x80000, 0x1000,
				    VSMMU_PROT_READ | VSMMU_PROT_USER));
	ASSERT_OK(vsmmu_pgtable_map(pgt, a, 0x90000, 0x1000,
				    VSMMU_PROT_READ | VSMMU_PROT_USER));
	ASSERT_OK(vsmmu_smmu_set_checker(e.smmu, true, wchk_cb, &c));

	ASSERT_OK(vsmmu_translate(e.smmu, &txn, &r));
	ASSERT_EQ(r.outcome, VSMMU_TXN_OK);
	ASSERT_EQ(r.oa, 0x90000);
	l3_a = l3_table(&e, info.ttb, a);
	ASSERT_TRUE(l3_a != 0);

	vsmmu_pgtable_gather_init(&g);
	ASSERT_EQ(vsmmu_pgtable_unmap(pgt, a, 0x1000, &g), 0x1000);
	ASSERT_TRUE(g.tables_freed);
	ASSERT_OK(vsmmu_smmu_tlbi(e.smmu, &t));
	ASSERT_OK(vsmmu_pgtable_map(pgt, b, 0xc0000, 0x1000,
				    VSMMU_PROT_READ | VSMMU_PROT_USER));
	ASSERT_EQ(l3_table(&e, info.ttb, a), 0); /* freed */
	ASSERT_EQ(l3_table(&e, info.ttb, b), l3_a); /* and reused */

	ASSERT_OK(vsmmu_translate(e.smmu, &txn, &r));
	if (leaf) {
		ASSERT_EQ(r.outcome, VSMMU_TXN_OK);
		ASSERT_EQ(r.oa,
			  0xc0000); /* B's page, through the stale entry */
		ASSERT_EQ(c.n[VSMMU_CHECK_STALE_WALK], 1);
		ASSERT_EQ(c.last.kind, VSMMU_CHECK_STALE_WALK);
		ASSERT_EQ(c.last.addr, a);
		ASSERT_EQ(c.last.observed[0], l3_a);
		ASSERT_EQ(c.last.observed[1], 2); /* a level-2 descriptor */
		ASSERT_EQ(c.last.observed[2], 1); /* stage 1 */
		ASSERT_EQ(c.last.observed[3], 1); /* a Leaf = 1 TLBI kept it */
		ASSERT_EQ(c.last.expected[0], 0); /* memory: no table */
	} else {
		ASSERT_EQ(r.outcome, VSMMU_TXN_FAULT);
		ASSERT_EQ(r.evt[0] & 0xff, 0x10); /* F_TRANSLATION */
		ASSERT_EQ(c.n[VSMMU_CHECK_STALE_WALK], 0);
	}
	ASSERT_EQ(c.n[VSMMU_CHECK_STALE_TLB], 0);
	vsmmu_pgtable_destroy(pgt);
	vsmmu_mem_pool_destroy(pool);
	wenv_fini(&e);
}

TEST(wc_checker_reports_freed_table_after_leaf_tlbi)
{
	freed_table(true);
}

TEST(wc_checker_quiet_with_nonleaf_tlbi)
{
	freed_table(false);
}

/*
 * The L1 descriptors too: an L1CD changed with only a leaf CFGI_CD is
 * used from the cache, and the checker reports it (stage 0: a
 * configuration table).
 */
TEST(wc_checker_reports_stale_l1cd)
{
	const struct vsmmu_cfgi c = { .kind = VSMMU_CFGI_CD,
				      .ssid = 1,
				      .leaf = true };
	enum vsmmu_txn_outcome out;
	struct wchk k;
	struct wenv e;

	memset(&k, 0, sizeof(k));
	ASSERT_OK(t2_init(&e));
	ASSERT_OK(vsmmu_smmu_set_checker(e.smmu, true, wchk_cb, &k));
	ASSERT_EQ(t2_tr(&e, 0x1000, &out), 0x80000);
	ASSERT_OK(w64(&e, T2_L1CD, T2_CDLEAF_B | 1));
	ASSERT_OK(vsmmu_smmu_cfgi(e.smmu, &c));
	ASSERT_EQ(t2_tr(&e, 0x1000, &out), 0x80000);
	ASSERT_EQ(k.n[VSMMU_CHECK_STALE_WALK], 1);
	ASSERT_EQ(k.last.addr, T2_L1CD);
	ASSERT_EQ(k.last.observed[0], T2_CDLEAF_A | 1);
	ASSERT_EQ(k.last.observed[2], 0);
	ASSERT_EQ(k.last.expected[0], T2_CDLEAF_B | 1);
	wenv_fini(&e);
}

/*
 * The walker keeps the host pages of the tables it read for the next
 * walk (walk.c): a table page unmapped from the memory must not be read
 * through that.  After vsmmu_mem_unmap() of the level-3 table and a TLBI
 * of everything, the walk's fetch of it aborts: F_WALK_EABT (0x0b) with
 * the descriptor's address.
 */
TEST(wc_walk_after_table_page_unmapped)
{
	const struct vsmmu_tlbi all = { .kind = VSMMU_TLBI_NSNH_ALL };
	struct vsmmu_txn txn = { .sid = 0,
				 .addr = 0x2000,
				 .flags = VSMMU_TXN_READ };
	struct vsmmu_txn_result r;
	struct wenv e;

	ASSERT_OK(wenv_init(&e, NULL));
	ASSERT_EQ(wtr(&e, 0, 0x1000, NULL), 0x80000);
	ASSERT_OK(vsmmu_mem_unmap(e.mem, WC_S1_L0 + 0x3000, 0x1000));
	ASSERT_OK(vsmmu_smmu_tlbi(e.smmu, &all));
	ASSERT_OK(vsmmu_translate(e.smmu, &txn, &r));
	ASSERT_EQ(r.outcome, VSMMU_TXN_FAULT);
	ASSERT_EQ(r.evt[0] & 0xff, 0x0b);
	ASSERT_EQ(r.evt[3], WC_S1_L0 + 0x3000 + 16);
	wenv_fini(&e);
}
