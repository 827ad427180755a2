// SPDX-License-Identifier: MIT
/*
 * VMSAv8-64 translation table walks, as an SMMU performs them.
 *
 * One walker serves both stages: a stage-1 walk under nesting translates
 * every table address through stage 2 first (faults there carry S2 = 1,
 * CLASS = TT and the table's IPA), then the stage-1 output IPA goes through
 * stage 2 with CLASS = IN.  Permissions are computed per stage and per
 * privilege (PERM_*); a stage-1 permission fault is taken before the
 * output address is translated by stage 2, as the architecture orders them.
 *
 * Hardware updates: with HA the access flag is set in memory by a
 * compare-and-swap; with HD a write to a DBM page clears AP[2] (stage 1) or
 * sets S2AP[1] (stage 2) the same way.  A lost race re-reads the descriptor.
 *
 * Implementation choices where the architecture leaves options
 * (docs/design.md lists them): FEAT_XNX is not implemented (stage-2 XN is
 * bit 54 alone); FEAT_LPA2 is not implemented (52-bit output addresses
 * need the 64K granule, OA[51:48] in descriptor bits [15:12]).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hw/hw.h"

#define WALK_FAULT 1
#define HTTU_RETRIES 16

/* Output or next-level address held in a descriptor. */
static inline uint64_t desc_addr(uint64_t d, unsigned int g)
{
	uint64_t a = d & VS_GENMASK(47, g);

	if (g == 16)
		a |= VS_FIELD_GET(ARM_LPAE_PTE_ADDR_HI_64K, d) << 48;
	return a;
}

static bool block_allowed(const struct vsmmu_smmu *s, unsigned int g,
			  unsigned int level)
{
	switch (g) {
	case 12:
		return level == 1 || level == 2;
	case 14:
		return level == 2;
	case 16:
		return level == 2 || (level == 1 && s->oas == 52);
	}
	return false;
}

static int walk_fault(struct fault *f, unsigned int id, bool s2,
		      unsigned int class, uint64_t ipa)
{
	memset(f, 0, sizeof(*f));
	f->id = id;
	f->s2 = s2;
	f->class = class;
	f->ipa = ipa;
	return WALK_FAULT;
}

/* The permission an access needs, as a PERM_* bit. */
static inline unsigned int perm_needed(unsigned int flags)
{
	bool priv = flags & VSMMU_TXN_PRIV;

	if (flags & VSMMU_TXN_EXEC)
		return priv ? PERM_PX : PERM_UX;
	if (flags & VSMMU_TXN_WRITE)
		return priv ? PERM_PW : PERM_UW;
	return priv ? PERM_PR : PERM_UR;
}

/* Hierarchical attributes collected from stage-1 table descriptors. */
#define TATTR_NOEL0 1
#define TATTR_RO 2
#define TATTR_XN 4
#define TATTR_PXN 8

static unsigned int s1_perms(uint64_t d, unsigned int tattr,
			     const struct stream_cfg *sc)
{
	const struct s1_cfg *s1 = &sc->s1;
	bool ro = (d & ARM_LPAE_PTE_AP_RDONLY) || (tattr & TATTR_RO);
	bool el0 = (d & ARM_LPAE_PTE_AP_UNPRIV) && !(tattr & TATTR_NOEL0);
	bool uxn = (d & ARM_LPAE_PTE_UXN) || (tattr & TATTR_XN);
	bool pxn = (d & ARM_LPAE_PTE_PXN) || (tattr & TATTR_PXN);
	unsigned int p;

	if (sc->el2 && !sc->e2h) {
		/* One privilege level: AP[1] is ignored, XN is bit 54. */
		p = PERM_PR | (ro ? 0 : PERM_PW) | (uxn ? 0 : PERM_PX);
		if (s1->wxn && !ro)
			p &= ~PERM_PX;
		return p | (p << 3);
	}
	p = PERM_PR | (ro ? 0 : PERM_PW);
	if (el0)
		p |= PERM_UR | (ro ? 0 : PERM_UW);
	/* Memory writable at EL0 is never executable at EL1. */
	if (!pxn && !(el0 && !ro))
		p |= PERM_PX;
	if (!uxn)
		p |= PERM_UX;
	if (s1->wxn && !ro)
		p &= ~(PERM_PX | PERM_UX);
	/* PAN: privileged data accesses to EL0-accessible memory fault. */
	if (s1->pan && el0)
		p &= ~(PERM_PR | PERM_PW);
	return p;
}

static unsigned int s2_perms(uint64_t d)
{
	unsigned int p = 0;

	if (d & ARM_LPAE_PTE_HAP_READ)
		p |= PERM_PR | PERM_UR;
	if (d & ARM_LPAE_PTE_HAP_WRITE)
		p |= PERM_PW | PERM_UW;
	if (!(d & VS_BIT(54)))
		p |= PERM_PX | PERM_UX;
	return p;
}

static void trace_desc(struct txn_ctx *t, unsigned int stage, int level,
		       unsigned int g, uint64_t in, uint64_t pa, uint64_t ipa,
		       uint64_t d)
{
	struct vsmmu_trace_step st = {
		.kind = VSMMU_TRACE_DESC,
		.granule_shift = g,
		.stage = stage,
		.level = level,
		.in = in,
		.addr = pa,
		.ipa = ipa,
		.value = d,
	};

	hw_trace(t, &st);
}

struct leaf {
	uint64_t oa; /* output address of the input address */
	uint64_t desc;
	uint8_t shift, level, gshift;
	uint8_t perm;
};

/*
 * Walk one table.  @stage is 1 or 2; @nested says stage-1 table addresses
 * are IPAs.  @class is the CLASS a stage-2 fault reports (stage 1 always
 * reports IN for its own faults).  Return 0 or WALK_FAULT.
 */
static int walk_tt(struct txn_ctx *t, const struct stream_cfg *sc,
		   unsigned int stage, uint64_t ia, unsigned int class,
		   struct leaf *lf, struct fault *f)
{
	struct vsmmu_smmu *s = t->smmu;
	const struct tt_cfg *tt;
	unsigned int g, level, oas, tattr = 0, retries = 0;
	bool nested = stage == 1 && sc->mode == MODE_NESTED;
	bool be, ha, hd, affd, s2 = stage == 2;
	uint64_t table;

	if (stage == 1) {
		tt = &sc->s1.tt[(ia >> 55) & 1];
		oas = sc->s1.oas;
		be = sc->s1.be;
		ha = sc->s1.ha;
		hd = sc->s1.hd;
		affd = sc->s1.affd;
	} else {
		tt = &sc->s2.tt;
		oas = sc->s2.oas;
		be = sc->s2.be;
		ha = sc->s2.ha;
		hd = sc->s2.hd;
		affd = sc->s2.affd;
	}
	g = tt->gshift;
	level = tt->start_level;
	table = tt->ttb;
	if (!t->probe)
		hw_stat_inc(s, ST_WALKS);
	if (table >> oas) {
		if (t->trace)
			hw_note(t,
				"S%u table base 0x%llx above the %u-bit "
				"output size",
				stage, (unsigned long long)table, oas);
		return walk_fault(f, EVT_ID_ADDR_SIZE, s2,
				  s2 ? class : EVTQ_1_CLASS_IN, s2 ? ia : 0);
	}

	for (;;) {
		unsigned int lsb = hw_level_lsb(g, level);
		unsigned int bits = level == tt->start_level ? tt->ias - lsb :
							       g - 3;
		uint64_t idx = (ia >> lsb) & ((1ULL << bits) - 1);
		uint64_t daddr = table + idx * 8, dpa = daddr, d, nd;
		struct walk_result w2 = { .s2perm = PERM_ALL };

		if (nested && hw_s2_translate(t, sc, daddr, EVTQ_1_CLASS_TT,
					      true, &dpa, &w2, f))
			return WALK_FAULT;
refetch:
		if (hw_read64(t, dpa, &d)) {
			if (t->trace)
				hw_note(t,
					"S%u L%u descriptor fetch at 0x%llx "
					"aborted",
					stage, level, (unsigned long long)dpa);
			/* A stage-2 descriptor reports the class it served */
			walk_fault(f, EVT_ID_WALK_EABT, s2,
				   s2 ? class : EVTQ_1_CLASS_TT, dpa);
			f->fetch = 1;
			return WALK_FAULT;
		}
		if (be)
			d = __builtin_bswap64(d);
		if (!t->probe)
			hw_stat_inc(s, ST_DESC);
		if (t->trace)
			trace_desc(t, stage, level, g, ia, dpa, daddr, d);

		if (!(d & ARM_LPAE_PTE_VALID))
			goto translation_fault;
		if (level < 3 && (d & ARM_LPAE_PTE_TYPE)) {
			uint64_t next = desc_addr(d, g);

			if (next >> oas)
				goto addr_size_fault;
			if (stage == 1) {
				unsigned int apt =
					VS_FIELD_GET(ARM_LPAE_PTE_APTABLE, d);

				if (apt & ARM_LPAE_PTE_APTABLE_NO_EL0)
					tattr |= TATTR_NOEL0;
				if (apt & ARM_LPAE_PTE_APTABLE_RO)
					tattr |= TATTR_RO;
				if (d & ARM_LPAE_PTE_XNTABLE)
					tattr |= TATTR_XN;
				if (d & ARM_LPAE_PTE_PXNTABLE)
					tattr |= TATTR_PXN;
			}
			table = next;
			level++;
			continue;
		}
		if (level == 3 ? !(d & ARM_LPAE_PTE_TYPE) :
				 !block_allowed(s, g, level))
			goto translation_fault;

		/* A leaf: page or block of 2^lsb bytes. */
		lf->oa = desc_addr(d, g) & ~((1ULL << lsb) - 1);
		if (lf->oa >> oas)
			goto addr_size_fault;

		nd = d;
		if (!(d & ARM_LPAE_PTE_AF)) {
			if (ha)
				nd |= ARM_LPAE_PTE_AF;
			else if (!affd)
				return walk_fault(f, EVT_ID_ACCESS, s2,
						  s2 ? class : EVTQ_1_CLASS_IN,
						  s2 ? ia : 0);
		}
		/*
		 * Dirty state: a write to a page that is read-only only
		 * through AP[2] (not APTable) or S2AP[1], with DBM set, makes
		 * it writable -- if the write is otherwise permitted.  Never
		 * for the stage-2 mapping of a table or CD fetch.
		 */
		if (hd && (t->flags & VSMMU_TXN_WRITE) &&
		    class == EVTQ_1_CLASS_IN && (d & ARM_LPAE_PTE_DBM)) {
			uint64_t dirty = stage == 1 ?
						 nd & ~ARM_LPAE_PTE_AP_RDONLY :
						 nd | ARM_LPAE_PTE_HAP_WRITE;
			unsigned int p = stage == 1 ?
						 s1_perms(dirty, tattr, sc) :
						 s2_perms(dirty);

			if (p & perm_needed(t->flags))
				nd = dirty;
		}
		if (nd != d) {
			uint64_t old = be ? __builtin_bswap64(d) : d;
			uint64_t new = be ? __builtin_bswap64(nd) : nd;
			int rc;

			/* Under nesting the update is a write via stage 2 */
			if (!(w2.s2perm & PERM_PW)) {
				walk_fault(f, EVT_ID_PERMISSION, true,
					   EVTQ_1_CLASS_TT, daddr);
				return WALK_FAULT; /* TTRnW = 0: a write */
			}
			/* A checker's probe sees the update but makes none */
			rc = t->probe ? 0 :
					vsmmu_mem_cmpxchg64(s->mem, dpa, &old,
							    new);
			if (rc == -EAGAIN && ++retries < HTTU_RETRIES)
				goto refetch;
			if (rc) {
				walk_fault(f, EVT_ID_WALK_EABT, s2,
					   s2 ? class : EVTQ_1_CLASS_TT, dpa);
				f->fetch = 1;
				return WALK_FAULT;
			}
			if (t->trace)
				hw_note(t,
					"hardware update: descriptor at "
					"0x%llx now 0x%llx",
					(unsigned long long)dpa,
					(unsigned long long)nd);
			d = nd;
		}
		lf->oa |= ia & ((1ULL << lsb) - 1);
		lf->desc = d;
		lf->shift = lsb;
		lf->level = level;
		lf->gshift = g;
		lf->perm = stage == 1 ? s1_perms(d, tattr, sc) : s2_perms(d);
		return 0;
	}

translation_fault:
	return walk_fault(f, EVT_ID_TRANSLATION, s2,
			  s2 ? class : EVTQ_1_CLASS_IN, s2 ? ia : 0);
addr_size_fault:
	return walk_fault(f, EVT_ID_ADDR_SIZE, s2, s2 ? class : EVTQ_1_CLASS_IN,
			  s2 ? ia : 0);
}

/* --- The stage-2 cache (nested walks) --------------------------------- */

static bool s2c_lookup(struct vsmmu_smmu *s, const struct stream_cfg *sc,
		       uint64_t ipa, uint64_t *pa, unsigned int *perm)
{
	uint64_t m = hw_leaf_shifts(s, sc->s2.tt.gshift);
	unsigned int sh;

	while (m) {
		uint64_t key, base, *set, seq;
		unsigned int way;

		sh = __builtin_ctzll(m);
		m &= m - 1;
		key = VS_FIELD_PREP(TLB_TAG_VMID, sc->vmid) |
		      VS_FIELD_PREP(TLB_TAG_SHIFT, sh) |
		      VS_FIELD_PREP(TLB_TAG_KIND, TLB_KIND_S2) | TLB_TAG_VALID;
		base = ipa & ~((1ULL << sh) - 1);
		set = sa_set(&s->s2c, hw_tlb_hash(ipa, sh));
		seq = sa_read_begin(set);
		if (seq & 1)
			return false;
		for (way = 0; way < s->s2c.ways; way++) {
			uint64_t *e = sa_way(&s->s2c, set, way);
			uint64_t w0 = sa_ld(&e[0]), oa;

			if ((w0 & TLB_TAG_MATCH) != key || sa_ld(&e[1]) != base)
				continue;
			oa = sa_ld(&e[2]);
			if (!sa_read_valid(set, seq))
				return false;
			sa_touch(set, way);
			*pa = oa | (ipa & ((1ULL << sh) - 1));
			*perm = VS_FIELD_GET(TLB_TAG_PERM, w0);
			return true;
		}
	}
	return false;
}

static void s2c_insert(struct txn_ctx *t, const struct stream_cfg *sc,
		       uint64_t ipa, const struct leaf *lf)
{
	struct vsmmu_smmu *s = t->smmu;
	uint64_t w[3];

	w[0] = VS_FIELD_PREP(TLB_TAG_VMID, sc->vmid) |
	       VS_FIELD_PREP(TLB_TAG_SHIFT, lf->shift) |
	       VS_FIELD_PREP(TLB_TAG_KIND, TLB_KIND_S2) |
	       VS_FIELD_PREP(TLB_TAG_LEVEL, lf->level) |
	       VS_FIELD_PREP(TLB_TAG_PERM, lf->perm) |
	       VS_FIELD_PREP(TLB_TAG_GSHIFT, lf->gshift - 10) | TLB_TAG_VALID;
	w[1] = ipa & ~((1ULL << lf->shift) - 1);
	w[2] = lf->oa & ~((1ULL << lf->shift) - 1);
	if (sa_insert(&s->s2c, hw_tlb_hash(ipa, lf->shift), w, NULL,
		      &s->inv_gen, t->gen) > 0)
		hw_stat_inc(s, ST_EVICT);
}

/* Stage-2 PERM_* bits as VSMMU_TXN_* (stage 2 ignores privilege). */
static unsigned int s2_txn_perm(unsigned int p)
{
	return ((p & PERM_PR) ? VSMMU_TXN_READ : 0) |
	       ((p & PERM_PW) ? VSMMU_TXN_WRITE : 0) |
	       ((p & PERM_PX) ? VSMMU_TXN_EXEC : 0);
}

/*
 * The invalidation checker: a stage-2 cache hit must still be what memory
 * says -- the same output address, and no permission memory withdrew.
 */
static void s2c_check_hit(struct txn_ctx *t, const struct stream_cfg *sc,
			  uint64_t ipa, unsigned int class, uint64_t pa,
			  unsigned int perm)
{
	struct vsmmu_check_report r = { .kind = VSMMU_CHECK_STALE_TLB };
	struct txn_ctx p = *t;
	struct fault f;
	struct leaf lf;
	const char *why = NULL;
	bool faulted = false;

	p.use_cache = false;
	p.probe = true;
	p.trace = NULL;
	if (walk_tt(&p, sc, 2, ipa, class, &lf, &f)) {
		why = "memory now faults";
		faulted = true;
		r.expected[3] = f.id;
	} else if (lf.oa != pa) {
		why = "memory now gives another address";
	} else if (perm & ~lf.perm) {
		why = "memory now grants less";
	}
	if (!why)
		return;
	r.sid = t->txn->sid;
	r.ssid = t->txn->ssid;
	r.ssv = t->txn->ssv;
	r.addr = ipa;
	r.observed[0] = pa;
	r.observed[1] = s2_txn_perm(perm);
	r.observed[2] = r.expected[2] = 0;
	if (!faulted) {
		r.expected[0] = lf.oa;
		r.expected[1] = s2_txn_perm(lf.perm);
	}
	snprintf(r.msg, sizeof(r.msg),
		 "stale stage-2 cache entry for IPA 0x%llx (VMID %u): %s",
		 (unsigned long long)ipa, sc->vmid, why);
	hw_check_report(t->smmu, &r);
}

/* A table or CD read refused by stage 2: TTRnW = 1 for CLASS = TT. */
static int s2_read_fault(struct fault *f, unsigned int class, uint64_t ipa)
{
	walk_fault(f, EVT_ID_PERMISSION, true, class, ipa);
	f->tt_read = class == EVTQ_1_CLASS_TT;
	return WALK_FAULT;
}

/*
 * Translate @ipa through stage 2.  @class is what a fault reports (CD, TT
 * or IN); table and CD fetches (@tt_read) need read permission here, the
 * final output's permission is checked by the caller.
 */
int hw_s2_translate(struct txn_ctx *t, const struct stream_cfg *sc,
		    uint64_t ipa, unsigned int class, bool tt_read,
		    uint64_t *pa, struct walk_result *wr, struct fault *f)
{
	struct vsmmu_smmu *s = t->smmu;
	unsigned int perm;
	struct leaf lf;
	bool cacheable = t->use_cache && class != EVTQ_1_CLASS_IN;

	if (ipa >> sc->s2.tt.ias)
		return walk_fault(f, EVT_ID_TRANSLATION, true, class, ipa);
	if (cacheable && s2c_lookup(s, sc, ipa, pa, &perm)) {
		hw_stat_inc(s, ST_S2_HIT);
		if (hw_check_on(s))
			s2c_check_hit(t, sc, ipa, class, *pa, perm);
		if (tt_read && !(perm & PERM_PR))
			return s2_read_fault(f, class, ipa);
		if (wr)
			wr->s2perm = perm;
		return 0;
	}
	if (cacheable)
		hw_stat_inc(s, ST_S2_MISS);
	if (walk_tt(t, sc, 2, ipa, class, &lf, f))
		return WALK_FAULT;
	if (tt_read && !(lf.perm & PERM_PR))
		return s2_read_fault(f, class, ipa);
	/*
	 * S2PTW: a stage-1 table or CD fetch that lands on stage-2 Device
	 * memory is a permission fault.
	 */
	if (tt_read && sc->s2.ptw &&
	    !(VS_FIELD_GET(ARM_LPAE_PTE_MEMATTR, lf.desc) & 0xc))
		return s2_read_fault(f, class, ipa);
	if (cacheable)
		s2c_insert(t, sc, ipa, &lf);
	*pa = lf.oa;
	if (wr) {
		wr->oa = lf.oa;
		wr->shift = lf.shift;
		wr->level = lf.level;
		wr->gshift = lf.gshift;
		wr->s2perm = lf.perm;
		wr->global = 0;
	}
	return 0;
}

/*
 * Translate input address @ia of a stage-1, stage-2 or nested stream.
 * The stage-1 input address has already been range-checked and
 * normalised (TBI) by the caller.  Return 0 or WALK_FAULT.
 */
int hw_walk(struct txn_ctx *t, const struct stream_cfg *sc, uint64_t ia,
	    struct walk_result *wr, struct fault *f)
{
	unsigned int need = perm_needed(t->flags);
	struct leaf l1;

	memset(wr, 0, sizeof(*wr));
	if (sc->mode == MODE_S2) {
		struct leaf l2;

		if (ia >> sc->s2.tt.ias)
			return walk_fault(f, EVT_ID_TRANSLATION, true,
					  EVTQ_1_CLASS_IN, ia);
		if (walk_tt(t, sc, 2, ia, EVTQ_1_CLASS_IN, &l2, f))
			return WALK_FAULT;
		wr->oa = l2.oa;
		wr->ipa = ia;
		wr->shift = l2.shift;
		wr->level = l2.level;
		wr->gshift = l2.gshift;
		wr->s1perm = PERM_ALL;
		wr->s2perm = l2.perm;
		if (!(l2.perm & need))
			return walk_fault(f, EVT_ID_PERMISSION, true,
					  EVTQ_1_CLASS_IN, ia);
		return 0;
	}

	if (walk_tt(t, sc, 1, ia, EVTQ_1_CLASS_IN, &l1, f))
		return WALK_FAULT;
	wr->s1perm = l1.perm;
	wr->global = !(l1.desc & ARM_LPAE_PTE_nG);
	if (!(l1.perm & need))
		return walk_fault(f, EVT_ID_PERMISSION, false, EVTQ_1_CLASS_IN,
				  0);
	if (sc->mode == MODE_S1) {
		wr->oa = l1.oa;
		wr->ipa = l1.oa;
		wr->shift = l1.shift;
		wr->level = l1.level;
		wr->gshift = l1.gshift;
		wr->s2perm = PERM_ALL;
		return 0;
	}

	/* Nested: the stage-1 output is an IPA. */
	{
		struct walk_result w2;
		uint64_t pa;

		if (hw_s2_translate(t, sc, l1.oa, EVTQ_1_CLASS_IN, false, &pa,
				    &w2, f))
			return WALK_FAULT;
		wr->oa = pa;
		wr->ipa = l1.oa;
		wr->s2perm = w2.s2perm;
		/*
		 * A combined entry is as large as the smaller stage; its
		 * level and granule are stage 1's, which is what the TTL and
		 * TG of a stage-1 invalidation describe.
		 */
		wr->shift = w2.shift < l1.shift ? w2.shift : l1.shift;
		wr->level = l1.level;
		wr->gshift = l1.gshift;
		if (!(w2.s2perm & need))
			return walk_fault(f, EVT_ID_PERMISSION, true,
					  EVTQ_1_CLASS_IN, l1.oa);
	}
	return 0;
}
