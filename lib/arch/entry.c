// SPDX-License-Identifier: MIT
/*
 * Live STE/CD rules and the hitless writer (include/vsmmu/entry.h).
 *
 * The used-bit rules follow the specification's IGNORED conditions
 * (IHI 0070, 5.2 and 5.4; docs/spec-notes.md, "Live STE/CD updates"),
 * which is where they differ from Linux's arm_smmu_get_ste_used(): Linux
 * only has to describe the entries its driver builds and may count an
 * ignored field as used; a model's checker that did so would report a
 * torn entry the hardware cannot see.
 */
#include <errno.h>
#include <string.h>

#include <vsmmu/arch.h>
#include <vsmmu/entry.h>

#define QW VSMMU_ENTRY_QWORDS

/* Overrides of the incoming attributes: used where stage 1 is bypassed. */
#define STE_1_ATTRS                                                       \
	(STRTAB_STE_1_SHCFG | STRTAB_STE_1_MTCFG | STRTAB_STE_1_MEMATTR | \
	 STRTAB_STE_1_ALLOCCFG | STRTAB_STE_1_NSCFG)

void vsmmu_ste_used(const uint64_t *ste, uint64_t *used)
{
	unsigned int cfg = VS_FIELD_GET(STRTAB_STE_0_CFG, ste[0]);
	unsigned int cdmax = VS_FIELD_GET(STRTAB_STE_0_S1CDMAX, ste[0]);

	memset(used, 0, QW * sizeof(*used));
	used[0] = STRTAB_STE_0_V;
	if (!(ste[0] & STRTAB_STE_0_V))
		return;
	used[0] |= STRTAB_STE_0_CFG;
	if (!(cfg & 4))
		return; /* abort, and the reserved 0b0xx that abort too */
	used[1] |= STRTAB_STE_1_PRIVCFG | STRTAB_STE_1_INSTCFG;
	if (cfg == STRTAB_STE_0_CFG_BYPASS)
		used[1] |= STE_1_ATTRS;
	if (cfg & 1) {
		used[0] |= STRTAB_STE_0_S1CTXPTR_MASK | STRTAB_STE_0_S1CDMAX;
		used[1] |= STRTAB_STE_1_S1CIR | STRTAB_STE_1_S1COR |
			   STRTAB_STE_1_S1CSH | STRTAB_STE_1_S1STALLD |
			   STRTAB_STE_1_STRW | STRTAB_STE_1_EATS |
			   STRTAB_STE_1_MEV;
		/* The VMID tags stage-1 entries whenever S2 exists (3.17) */
		used[2] |= STRTAB_STE_2_S2VMID;
		/*
		 * S1Fmt, S1DSS and PPAR are IGNORED when S1CDMax = 0: the
		 * table is one CD, traffic without a SubstreamID uses it, and
		 * traffic with one is C_BAD_SUBSTREAMID (5.2).
		 */
		if (cdmax) {
			used[0] |= STRTAB_STE_0_S1FMT;
			used[1] |= STRTAB_STE_1_S1DSS | STRTAB_STE_1_PPAR;
			if (VS_FIELD_GET(STRTAB_STE_1_S1DSS, ste[1]) ==
			    STRTAB_STE_1_S1DSS_BYPASS)
				used[1] |= STE_1_ATTRS;
		}
	}
	if (cfg & 2) {
		used[1] |= STE_1_ATTRS | STRTAB_STE_1_EATS |
			   STRTAB_STE_1_S2FWB | STRTAB_STE_1_MEV;
		used[2] |= STRTAB_STE_2_S2VMID | STRTAB_STE_2_VTCR |
			   STRTAB_STE_2_S2AA64 | STRTAB_STE_2_S2ENDI |
			   STRTAB_STE_2_S2AFFD | STRTAB_STE_2_S2PTW |
			   STRTAB_STE_2_S2HD | STRTAB_STE_2_S2HA |
			   STRTAB_STE_2_S2S | STRTAB_STE_2_S2R;
		used[3] |= STRTAB_STE_3_S2TTB_MASK;
	}
}

void vsmmu_ste_update_safe(const uint64_t *cur, const uint64_t *target,
			   uint64_t *safe)
{
	const uint64_t s1chk =
		VS_FIELD_PREP(STRTAB_STE_1_EATS, STRTAB_STE_1_EATS_S1CHK);

	memset(safe, 0, QW * sizeof(*safe));
	safe[1] = STRTAB_STE_1_MEV;
	/*
	 * EATS 0b00 <-> 0b01 cannot race with a translation request: the
	 * endpoint's ATS is off around the change.  Not with 0b10 in
	 * either entry (0b11 in between would be another configuration),
	 * nor with S2S in either (EATS = 0b01 with S2S = 1 is ILLEGAL).
	 */
	if (!((cur[1] | target[1]) & s1chk) &&
	    !((cur[2] | target[2]) & STRTAB_STE_2_S2S))
		safe[1] |= VS_FIELD_PREP(STRTAB_STE_1_EATS,
					 STRTAB_STE_1_EATS_TRANS);
}

void vsmmu_cd_used(const uint64_t *cd, uint64_t *used)
{
	memset(used, 0, QW * sizeof(*used));
	used[0] = CTXDESC_CD_0_V;
	if (!(cd[0] & CTXDESC_CD_0_V))
		return;
	used[0] = used[1] = used[2] = used[3] = ~0ULL;
	/* A disabled half is never walked: what describes it is IGNORED */
	if (cd[0] & CTXDESC_CD_0_TCR_EPD0) {
		used[0] &= ~(CTXDESC_CD_0_TCR_T0SZ | CTXDESC_CD_0_TCR_TG0 |
			     CTXDESC_CD_0_TCR_IRGN0 | CTXDESC_CD_0_TCR_ORGN0 |
			     CTXDESC_CD_0_TCR_SH0 | CTXDESC_CD_0_TCR_TBI0);
		used[1] &= ~(CTXDESC_CD_1_TTB0_MASK | CTXDESC_CD_1_HAD0 |
			     CTXDESC_CD_1_NSCFG0);
	}
	if (cd[0] & CTXDESC_CD_0_TCR_EPD1) {
		used[0] &= ~(CTXDESC_CD_0_TCR_T1SZ | CTXDESC_CD_0_TCR_TG1 |
			     CTXDESC_CD_0_TCR_IRGN1 | CTXDESC_CD_0_TCR_ORGN1 |
			     CTXDESC_CD_0_TCR_SH1 | CTXDESC_CD_0_TCR_TBI1);
		used[2] &= ~(CTXDESC_CD_2_TTB1_MASK | CTXDESC_CD_2_HAD1 |
			     CTXDESC_CD_2_NSCFG1);
	}
}

int vsmmu_ste_nested_check(uint64_t *ste, bool *ats)
{
	unsigned int cfg, eats;

	if (ats)
		*ats = false;
	if (!(ste[0] & STRTAB_STE_0_V)) {
		ste[0] = ste[1] = 0;
		return 0;
	}
	if ((ste[0] & ~VSMMU_STE_NESTED_ALLOWED_0) ||
	    (ste[1] & ~VSMMU_STE_NESTED_ALLOWED_1))
		return -EIO;
	cfg = VS_FIELD_GET(STRTAB_STE_0_CFG, ste[0]);
	if (cfg != STRTAB_STE_0_CFG_ABORT && cfg != STRTAB_STE_0_CFG_BYPASS &&
	    cfg != STRTAB_STE_0_CFG_S1_TRANS)
		return -EIO;
	eats = VS_FIELD_GET(STRTAB_STE_1_EATS, ste[1]);
	if (eats != STRTAB_STE_1_EATS_ABT && eats != STRTAB_STE_1_EATS_TRANS)
		return -EIO;
	ste[1] &= ~STRTAB_STE_1_EATS;
	if (ats)
		*ats = cfg == STRTAB_STE_0_CFG_S1_TRANS &&
		       eats == STRTAB_STE_1_EATS_TRANS;
	return 0;
}

/* --- The writer ----------------------------------------------------------- */

/*
 * The words whose used bits must still change once every unused and
 * update-safe bit has its target value (a bit mask of word indices), and
 * that intermediate entry in @step.
 */
static unsigned int used_diff(const struct vsmmu_entry_writer_ops *ops,
			      const uint64_t *cur, const uint64_t *target,
			      uint64_t *step)
{
	uint64_t cur_used[QW], tgt_used[QW], safe[QW] = { 0 };
	unsigned int i, diff = 0;

	ops->get_used(cur, cur_used);
	ops->get_used(target, tgt_used);
	if (ops->get_update_safe)
		ops->get_update_safe(cur, target, safe);
	for (i = 0; i < QW; i++) {
		/* Safe matters only for bits both configurations use */
		cur_used[i] &= ~(safe[i] & tgt_used[i]);
		step[i] = (cur[i] & cur_used[i]) | (target[i] & ~cur_used[i]);
		if ((step[i] ^ target[i]) & tgt_used[i])
			diff |= 1U << i;
	}
	return diff;
}

struct wstate {
	const struct vsmmu_entry_writer_ops *ops;
	void *ctx;
	uint64_t *entry;
	int syncs;
	int err;
};

/* Store words [@start, @start + @len) of @val that differ; sync if any. */
static int set_words(struct wstate *w, const uint64_t *val, unsigned int start,
		     unsigned int len)
{
	bool changed = false;
	unsigned int i;
	int rc;

	for (i = start; i < start + len; i++) {
		if (w->entry[i] == val[i])
			continue;
		rc = w->ops->write(w->ctx, i, val[i]);
		if (rc)
			return rc;
		w->entry[i] = val[i];
		changed = true;
	}
	if (!changed)
		return 0;
	w->syncs++;
	rc = w->ops->sync(w->ctx);
	if (rc && !w->err)
		w->err = rc;
	return 0;
}

int vsmmu_entry_write(const struct vsmmu_entry_writer_ops *ops, void *ctx,
		      uint64_t *entry, const uint64_t *target)
{
	struct wstate w = { ops, ctx, entry, 0, 0 };
	uint64_t step[QW];
	unsigned int diff = used_diff(ops, entry, target, step);
	int rc;

#define SET(v, s, l)                               \
	do {                                       \
		rc = set_words(&w, (v), (s), (l)); \
		if (rc)                            \
			return rc;                 \
	} while (0)

	if (diff && !(diff & (diff - 1))) {
		/* Hitless: the critical word's store is the switch */
		unsigned int crit = (unsigned int)__builtin_ctz(diff);

		step[crit] = entry[crit];
		SET(step, 0, QW);
		SET(target, crit, 1);
		SET(target, 0, QW);
	} else if (diff) {
		/* Break: V = 0 (word 0 cleared), the rest, then word 0 */
		step[0] = 0;
		SET(step, 0, 1);
		SET(target, 1, QW - 1);
		SET(target, 0, 1);
	} else {
		SET(target, 0, QW);
	}
#undef SET
	return w.err ? w.err : w.syncs;
}

bool vsmmu_entry_hitless(const struct vsmmu_entry_writer_ops *ops,
			 const uint64_t *cur, const uint64_t *target)
{
	uint64_t step[QW];
	unsigned int diff = used_diff(ops, cur, target, step);

	return !(diff & (diff - 1));
}

/* --- CD table geometry ----------------------------------------------------- */

int vsmmu_cd_locate(uint64_t ste0, uint32_t ssid, struct vsmmu_cd_loc *loc)
{
	unsigned int cdmax = VS_FIELD_GET(STRTAB_STE_0_S1CDMAX, ste0);
	unsigned int fmt = VS_FIELD_GET(STRTAB_STE_0_S1FMT, ste0);
	uint64_t base = ste0 & STRTAB_STE_0_S1CTXPTR_MASK;
	unsigned int l1_bits;

	memset(loc, 0, sizeof(*loc));
	if ((uint64_t)ssid >> cdmax)
		return -EINVAL;
	if (!cdmax || fmt == STRTAB_STE_0_S1FMT_LINEAR) {
		/* 2^S1CDMax CDs of 64 bytes, aligned to the table's size */
		loc->addr = (base & ~((64ULL << cdmax) - 1)) + 64ULL * ssid;
		return 0;
	}
	if (fmt != STRTAB_STE_0_S1FMT_4K_L2 && fmt != STRTAB_STE_0_S1FMT_64K_L2)
		return -EINVAL;
	loc->two_level = true;
	loc->split = fmt == STRTAB_STE_0_S1FMT_4K_L2 ? 6 : 10;
	/* 2^(S1CDMax - split) L1CDs of 8 bytes, at least one; the table is
	 * aligned to max(its size, 64 bytes) */
	l1_bits = cdmax > loc->split ? cdmax - loc->split + 3 : 3;
	if (l1_bits < 6)
		l1_bits = 6;
	loc->addr =
		(base & ~((1ULL << l1_bits) - 1)) + 8ULL * (ssid >> loc->split);
	loc->l2_index = ssid & ((1U << loc->split) - 1);
	return 0;
}

uint64_t vsmmu_cd_leaf_addr(const struct vsmmu_cd_loc *loc, uint64_t l1cd)
{
	/* A leaf of 2^split CDs is 64 << split bytes, aligned to its size */
	uint64_t leaf = 64ULL << loc->split;

	if (!(l1cd & CTXDESC_L1_DESC_V))
		return 0;
	return (l1cd & CTXDESC_L1_DESC_L2PTR_MASK & ~(leaf - 1)) +
	       64ULL * loc->l2_index;
}
