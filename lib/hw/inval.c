// SPDX-License-Identifier: MIT
/*
 * Invalidation: TLBI (commands and vsmmu_smmu_tlbi()), broadcast TLB
 * maintenance (vsmmu_smmu_dvm()) and CFGI, over the IOTLB, the stage-2
 * cache, the walk caches and the configuration cache.
 */
#include <errno.h>
#include <string.h>

#include "hw/hw.h"

/* --- Invalidation ------------------------------------------------------- */

struct tlbi_match {
	unsigned int kinds; /* bit per TLB_KIND_* */
	bool el2;
	bool any_vmid;
	uint16_t vmid;
	int asid; /* -1: any */
	bool keep_global; /* NH_ASID: global entries stay */
	bool shared_only; /* a broadcast by ASID or VA: ASET = 1 entries stay */
	bool ranged;
	uint64_t start, last; /* inclusive */
	unsigned int ttl, gshift; /* 0: any */
};

static bool tlbi_match_fn(const uint64_t *e, const void *arg)
{
	const struct tlbi_match *m = arg;
	uint64_t w0 = sa_ld(&e[0]);
	unsigned int kind = VS_FIELD_GET(TLB_TAG_KIND, w0);

	if (!(m->kinds & (1U << kind)) || !!(w0 & TLB_TAG_EL2) != m->el2)
		return false;
	if (!m->any_vmid && VS_FIELD_GET(TLB_TAG_VMID, w0) != m->vmid)
		return false;
	if (m->shared_only && (w0 & TLB_TAG_ASET))
		return false;
	if (m->asid >= 0) {
		if (w0 & TLB_TAG_GLOBAL) {
			if (m->keep_global)
				return false;
		} else if (VS_FIELD_GET(TLB_TAG_ASID, w0) !=
			   (unsigned int)m->asid) {
			return false;
		}
	}
	if (m->ranged) {
		unsigned int sh = VS_FIELD_GET(TLB_TAG_SHIFT, w0);
		uint64_t base, last;

		/*
		 * A combined entry may be a splinter of a larger stage-1
		 * leaf (stage 2 mapped it with smaller pages): a stage-1
		 * invalidation of any address of that leaf removes every
		 * splinter, so match against the stage-1 leaf's range.
		 */
		if (kind == TLB_KIND_S12)
			sh = hw_level_lsb(VS_FIELD_GET(TLB_TAG_GSHIFT, w0) + 10,
					  VS_FIELD_GET(TLB_TAG_LEVEL, w0));
		base = sa_ld(&e[1]) & ~((1ULL << sh) - 1);
		last = base + ((1ULL << sh) - 1);

		if (last < m->start || base > m->last)
			return false;
		if (m->ttl && VS_FIELD_GET(TLB_TAG_LEVEL, w0) != m->ttl)
			return false;
		if (m->gshift &&
		    VS_FIELD_GET(TLB_TAG_GSHIFT, w0) + 10 != m->gshift)
			return false;
	}
	return true;
}

/*
 * Remove matching entries from @c.  A small address range probes only the
 * sets its addresses hash to, for each entry size in @shifts (sizes that
 * may be present) and each of the @parts partitions of 2^@part_bits sets
 * (the IOTLB's TBUs); anything else sweeps the cache.
 */
static unsigned int tlbi_cache(struct sa_cache *c, const struct tlbi_match *m,
			       uint64_t shifts, bool sweep, unsigned int parts,
			       unsigned int part_bits)
{
	unsigned int n = 0, p, hmask = (1U << part_bits) - 1;

	if (sweep || !m->ranged || m->last - m->start >= (16ULL << 12))
		return sa_invalidate_all(c, tlbi_match_fn, m);
	while (shifts) {
		unsigned int sh = __builtin_ctzll(shifts);
		uint64_t a = m->start & ~((1ULL << sh) - 1);

		shifts &= shifts - 1;
		for (; a <= m->last; a += 1ULL << sh) {
			unsigned int h = hw_tlb_hash(a, sh) & hmask;

			for (p = 0; p < parts; p++)
				n += sa_invalidate_set(
					c, sa_set(c, (p << part_bits) | h),
					tlbi_match_fn, m);
			if (a + (1ULL << sh) < a)
				break;
		}
	}
	return n;
}

/*
 * The walk caches' part of a TLBI (4.4): the stage-1 forms reach stage-1
 * table entries of their scope, S2_IPA stage-2 table entries by IPA (and
 * nested stage-1 entries holding the stage-2 translation of a table in
 * the range), S12_VMALL and NSNH_ALL both stages.  Table entries are
 * ASID-tagged, never global.  Leaf = 1 leaves them; TTL = n (with TG)
 * reaches only the table entries of the levels above n, TG only entries
 * of that granule.  With CR2.E2H = 0, EL2 entries carry no ASID and the
 * EL2_VA(A) ASID is ignored (4.4.2.8).  @m is the IOTLB match already
 * worked out from @inv.
 */
static void tlbi_walk_caches(struct vsmmu_smmu *s, const struct vsmmu_tlbi *inv,
			     const struct tlbi_match *m)
{
	struct wc_inv w = {
		.stage = 1,
		.kinds = (1U << TLB_KIND_S1) | (1U << TLB_KIND_S12),
		.el2 = m->el2,
		.any_vmid = m->any_vmid,
		.vmid = m->vmid,
		.asid = -1,
		.ranged = m->ranged,
		.start = m->start,
		.last = m->last,
		.ttl = m->ttl,
		.gshift = m->gshift,
		.leaf = m->ranged && inv->leaf,
		.shared_only = m->shared_only,
	};

	if (!s->wc_on)
		return;
	switch (inv->kind) {
	case VSMMU_TLBI_NSNH_ALL:
	case VSMMU_TLBI_S12_VMALL:
		hw_wc_tlbi(s, &w);
		w.stage = 2;
		w.kinds = 1U << TLB_KIND_S2;
		hw_wc_tlbi(s, &w);
		return;
	case VSMMU_TLBI_NH_ASID:
	case VSMMU_TLBI_NH_VA:
		w.asid = inv->asid;
		break;
	case VSMMU_TLBI_EL2_ASID:
		w.asid = inv->asid;
		w.kinds = 1U << TLB_KIND_S1;
		break;
	case VSMMU_TLBI_EL2_VA:
		if (hw_reg32(&s->cr2) & CR2_E2H)
			w.asid = inv->asid;
		/* fall through */
	case VSMMU_TLBI_EL2_ALL:
	case VSMMU_TLBI_EL2_VAA:
		w.kinds = 1U << TLB_KIND_S1;
		break;
	case VSMMU_TLBI_S2_IPA:
		hw_wc_tlbi_nested(s, inv->vmid, m->start, m->last);
		w.stage = 2;
		w.kinds = 1U << TLB_KIND_S2;
		break;
	default:
		break;
	}
	hw_wc_tlbi(s, &w);
}

/*
 * What @inv removes: the entries' kinds, regime, VMID, ASID and (for the
 * ranged forms) addresses in *@m; *@s2c when the stage-2 cache is
 * concerned.  Return 0 or -EINVAL.
 */
static inline __attribute__((always_inline)) int
tlbi_scope(const struct vsmmu_tlbi *inv, struct tlbi_match *m, bool *s2c)
{
	static const unsigned char tg_shift[4] = { 0, 12, 14, 16 };

	*m = (struct tlbi_match){ .asid = -1 };
	*s2c = false;

	if (inv->tg > 3 || inv->ttl > 3 || inv->num > 31 || inv->scale > 31)
		return -EINVAL;
	/* TG = 0 with NUM/SCALE set is a non-zero RES0 field: refused */
	if (!inv->tg && (inv->num || inv->scale))
		return -EINVAL;
	/* TG != 0 with NUM = SCALE = TTL = 0 is reserved */
	if (inv->tg && !inv->num && !inv->scale && !inv->ttl)
		return -EINVAL;

	m->vmid = inv->vmid;
	switch (inv->kind) {
	case VSMMU_TLBI_NSNH_ALL:
		m->kinds = 0xe;
		m->any_vmid = true;
		*s2c = true;
		break;
	case VSMMU_TLBI_S12_VMALL:
		m->kinds = 0xe;
		*s2c = true;
		break;
	case VSMMU_TLBI_NH_ALL:
		m->kinds = (1U << TLB_KIND_S1) | (1U << TLB_KIND_S12);
		break;
	case VSMMU_TLBI_NH_ASID:
		m->kinds = (1U << TLB_KIND_S1) | (1U << TLB_KIND_S12);
		m->asid = inv->asid;
		m->keep_global = true;
		break;
	case VSMMU_TLBI_NH_VA:
		m->asid = inv->asid;
		/* fall through */
	case VSMMU_TLBI_NH_VAA:
		m->kinds = (1U << TLB_KIND_S1) | (1U << TLB_KIND_S12);
		m->ranged = true;
		break;
	case VSMMU_TLBI_S2_IPA:
		m->kinds = 1U << TLB_KIND_S2;
		m->ranged = true;
		*s2c = true;
		break;
	case VSMMU_TLBI_EL2_ALL:
		m->kinds = 1U << TLB_KIND_S1;
		m->el2 = true;
		m->any_vmid = true;
		break;
	case VSMMU_TLBI_EL2_ASID:
		m->kinds = 1U << TLB_KIND_S1;
		m->el2 = true;
		m->any_vmid = true;
		m->asid = inv->asid;
		m->keep_global = true;
		break;
	case VSMMU_TLBI_EL2_VA:
		m->asid = inv->asid;
		/* fall through */
	case VSMMU_TLBI_EL2_VAA:
		m->kinds = 1U << TLB_KIND_S1;
		m->el2 = true;
		m->any_vmid = true;
		m->ranged = true;
		break;
	default:
		return -EINVAL;
	}
	if (m->ranged) {
		m->start = inv->addr & ~0xfffULL;
		if (inv->tg) {
			uint64_t len = (uint64_t)(inv->num + 1)
				       << (inv->scale + tg_shift[inv->tg]);

			if (inv->scale + tg_shift[inv->tg] >= 58)
				len = ~0ULL;
			m->last = m->start + len - 1;
			if (m->last < m->start)
				m->last = ~0ULL;
			m->ttl = inv->ttl;
			m->gshift = tg_shift[inv->tg];
		} else {
			m->last =
				m->start; /* the entries holding the address */
		}
	}

	return 0;
}

/* Remove what @m describes from every cache (@inv: the operation). */
static void tlbi_apply(struct vsmmu_smmu *s, const struct vsmmu_tlbi *inv,
		       const struct tlbi_match *m, bool s2c)
{
	hw_inv_begin(s);
	/*
	 * Splinters of a stage-1 leaf hash to the sets of their own
	 * addresses, not the command's: probing sets cannot find them.  The
	 * IOTLB is probed only for entry sizes ever inserted: an insert sets
	 * tlb_shifts before it takes its set's lock and reads the generation
	 * (sequentially consistent, like the generation increment above), so
	 * an entry this probe could miss is one whose insert is dropped.
	 */
	tlbi_cache(&s->tlb, m,
		   __atomic_load_n(&s->tlb_shifts, __ATOMIC_SEQ_CST),
		   __atomic_load_n(&s->splintered, __ATOMIC_SEQ_CST) &&
			   (m->kinds & (1U << TLB_KIND_S12)),
		   s->tbu_mask + 1, s->tlb_set_bits);
	if (s2c) {
		struct tlbi_match m2 = *m;

		m2.kinds = 1U << TLB_KIND_S2;
		tlbi_cache(&s->s2c, &m2,
			   VS_BIT(12) | VS_BIT(14) | VS_BIT(16) | VS_BIT(21) |
				   VS_BIT(25) | VS_BIT(29) | VS_BIT(30) |
				   VS_BIT(42),
			   false, 1, __builtin_ctz(s->s2c.sets));
	}
	tlbi_walk_caches(s, inv, m);
	hw_inv_end(s);
}

int vsmmu_smmu_tlbi(struct vsmmu_smmu *s, const struct vsmmu_tlbi *inv)
{
	struct tlbi_match m;
	bool s2c;

	if (!s || !inv || tlbi_scope(inv, &m, &s2c))
		return -EINVAL;
	tlbi_apply(s, inv, &m, s2c);
	hw_stat_inc(s, ST_TLBI);
	return 0;
}

/*
 * Broadcast TLB maintenance (IDR0.BTM, honoured while CR2.PTM = 0).  Each
 * PE operation removes what the command of the same scope would, in the
 * regime it names (EL1&0 with its VMID, or EL2&0 with E2H), with one
 * difference: operations by ASID or by VA (ASIDE1IS, VA[L]E1IS,
 * VAA[L]E1IS and their range forms) pass by entries made through a CD
 * with ASET = 1 -- the non-shared set is not the PEs' (3.17; the model
 * takes the "need not" as "does not", which is what a driver may rely on
 * least).  Operations of a whole VMID (VMALLE1IS, VMALLS12E1IS) remove
 * them too.  docs/spec-notes.md records the choice.
 */
void vsmmu_smmu_dvm(void *arg, const struct vsmmu_dvm_op *op)
{
	struct vsmmu_smmu *s = arg;
	struct vsmmu_tlbi inv = { 0 };
	bool ranged = false, shared = false, s2c;
	struct tlbi_match m;

	if (!s || !op)
		return;
	hw_stat_inc(s, ST_DVM);
	if (!(s->cfg.idr[0] & IDR0_BTM) || (hw_reg32(&s->cr2) & CR2_PTM))
		return;
	inv.vmid = op->vmid;
	inv.asid = op->asid;
	inv.leaf = op->kind == VSMMU_DVM_VAL || op->kind == VSMMU_DVM_VAAL ||
		   op->kind == VSMMU_DVM_IPAL;
	switch (op->kind) {
	case VSMMU_DVM_ASID:
		inv.kind = op->el2 ? VSMMU_TLBI_EL2_ASID : VSMMU_TLBI_NH_ASID;
		shared = true;
		break;
	case VSMMU_DVM_VA:
	case VSMMU_DVM_VAL:
		inv.kind = op->el2 ? VSMMU_TLBI_EL2_VA : VSMMU_TLBI_NH_VA;
		ranged = shared = true;
		break;
	case VSMMU_DVM_VAA:
	case VSMMU_DVM_VAAL:
		inv.kind = op->el2 ? VSMMU_TLBI_EL2_VAA : VSMMU_TLBI_NH_VAA;
		ranged = shared = true;
		break;
	case VSMMU_DVM_VMALL:
		inv.kind = op->el2 ? VSMMU_TLBI_EL2_ALL : VSMMU_TLBI_NH_ALL;
		break;
	case VSMMU_DVM_IPA:
	case VSMMU_DVM_IPAL:
		if (op->el2)
			return; /* stage 2 is an EL1&0 regime's */
		inv.kind = VSMMU_TLBI_S2_IPA;
		ranged = true;
		break;
	case VSMMU_DVM_VMALLS12:
		if (op->el2)
			return;
		inv.kind = VSMMU_TLBI_S12_VMALL;
		break;
	default:
		return;
	}
	if (tlbi_scope(&inv, &m, &s2c))
		return;
	if (ranged) {
		if (!op->size)
			return;
		m.start = op->addr & ~0xfffULL;
		m.last = m.start + op->size - 1;
		if (m.last < m.start)
			m.last = ~0ULL;
	}
	m.shared_only = shared;
	tlbi_apply(s, &inv, &m, s2c);
	hw_stat_inc(s, ST_DVM_APPLIED);
}

struct cfgi_match {
	uint32_t sid_lo, sid_hi;
	bool by_ssid;
	uint32_t ssid;
};

static bool cfgi_match_fn(const uint64_t *e, const void *arg)
{
	const struct cfgi_match *m = arg;
	uint64_t key = sa_ld(&e[0]);
	uint32_t sid = VS_FIELD_GET(CFGC_KEY_SID, key);

	if (sid < m->sid_lo || sid > m->sid_hi)
		return false;
	if (!m->by_ssid)
		return true;
	/* CD index 0 also serves traffic without a SubstreamID */
	if (!(key & CFGC_KEY_SSV))
		return m->ssid == 0;
	return VS_FIELD_GET(CFGC_KEY_SSID, key) == m->ssid;
}

int vsmmu_smmu_cfgi(struct vsmmu_smmu *s, const struct vsmmu_cfgi *inv)
{
	struct cfgi_match m = { 0 };

	if (!s || !inv)
		return -EINVAL;
	switch (inv->kind) {
	case VSMMU_CFGI_ALL:
		m.sid_hi = ~0U;
		break;
	case VSMMU_CFGI_STE:
	case VSMMU_CFGI_CD_ALL:
		/* CFGI_STE also drops every CD cached through the SID */
		m.sid_lo = m.sid_hi = inv->sid;
		break;
	case VSMMU_CFGI_STE_RANGE: {
		uint64_t mask;

		if (inv->range > 31)
			return -EINVAL;
		mask = (2ULL << inv->range) - 1;
		m.sid_lo = inv->sid & ~(uint32_t)mask;
		m.sid_hi = m.sid_lo | (uint32_t)mask;
		break;
	}
	case VSMMU_CFGI_CD:
		m.sid_lo = m.sid_hi = inv->sid;
		m.by_ssid = true;
		m.ssid = inv->ssid;
		break;
	default:
		return -EINVAL;
	}
	hw_inv_begin(s);
	sa_invalidate_all(&s->cfgc, cfgi_match_fn, &m);
	hw_l1c_cfgi(s, inv, m.sid_lo, m.sid_hi);
	hw_inv_end(s);
	if (hw_check_on(s))
		hw_check_cfgi(s, inv);
	hw_stat_inc(s, ST_CFGI);
	return 0;
}
