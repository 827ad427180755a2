// SPDX-License-Identifier: MIT
/*
 * STE and CD construction, and the hitless writer that replaces a live
 * entry (Linux's arm_smmu_write_entry algorithm, in our own words).
 *
 * An STE or CD is eight 64-bit words the SMMU may read at any moment,
 * each read single-copy atomic per word but not across words.  To change
 * a live entry without the SMMU ever acting on a mix of old and new
 * fields, the writer asks, for the current and the target entry, which
 * bits the SMMU *uses* given the configuration each one selects
 * (ops->get_used).  Bits the current configuration ignores can be set to
 * their target value at any time.  Then:
 *
 *  - If, after that, only one word still has used bits that differ (the
 *    "critical" word), the change is a single 64-bit store of that word:
 *    before it the SMMU sees the old configuration (plus ignored bits),
 *    after it the new one.  Remaining words are tidied afterwards, since
 *    the new configuration ignores whatever of them still differs.
 *  - If more than one word's used bits change, no order of stores is
 *    hitless: the writer clears V (the SMMU then treats the entry as
 *    invalid and aborts: C_BAD_STE / C_BAD_CD, never a mix), writes every
 *    other word, and finally stores word 0 with V set.
 *  - If no used bit changes, only ignored bits are written.
 *
 * After each step that changed memory, ops->sync makes the SMMU drop any
 * cached copy (CFGI_STE / CFGI_CD + CMD_SYNC), so the next step starts
 * from a configuration the SMMU has actually observed.
 */
#include <errno.h>
#include <string.h>

#include "driver/drv.h"

static int entry_read(struct drv_entry_writer *w, uint64_t *e)
{
	int i, rc;

	for (i = 0; i < DRV_ENTRY_QWORDS; i++) {
		rc = vsmmu_mem_read64(w->mem, w->pa + 8 * i, &e[i]);
		if (rc)
			return rc;
	}
	return 0;
}

/*
 * Store words [@start, @start + @len) of @target that differ from @cur;
 * sync if anything changed.  Return 1 if synced, 0 if nothing changed,
 * -errno.
 */
static int entry_set(struct drv_entry_writer *w, uint64_t *cur,
		     const uint64_t *target, unsigned int start,
		     unsigned int len)
{
	bool changed = false;
	unsigned int i;
	int rc;

	for (i = start; i < start + len; i++) {
		if (cur[i] == target[i])
			continue;
		rc = vsmmu_mem_write64(w->mem, w->pa + 8 * i, target[i]);
		if (rc)
			return rc;
		cur[i] = target[i];
		changed = true;
	}
	if (!changed)
		return 0;
	rc = w->ops->sync(w);
	if (rc && !w->err)
		w->err = rc;
	return 1;
}

int drv_write_entry(struct drv_entry_writer *w, const uint64_t *target)
{
	uint64_t cur[DRV_ENTRY_QWORDS], cur_used[DRV_ENTRY_QWORDS];
	uint64_t tgt_used[DRV_ENTRY_QWORDS], step[DRV_ENTRY_QWORDS];
	unsigned int i, ndiff = 0, crit = 0;
	int rc, syncs = 0;

	rc = entry_read(w, cur);
	if (rc)
		return rc;
	w->ops->get_used(cur, cur_used);
	w->ops->get_used(target, tgt_used);
	for (i = 0; i < DRV_ENTRY_QWORDS; i++) {
		/* Keep what the SMMU uses now, take the target elsewhere */
		step[i] = (cur[i] & cur_used[i]) | (target[i] & ~cur_used[i]);
		if ((step[i] & tgt_used[i]) != (target[i] & tgt_used[i])) {
			ndiff++;
			crit = i;
		}
	}

#define SET(t, s, l)                                   \
	do {                                           \
		rc = entry_set(w, cur, (t), (s), (l)); \
		if (rc < 0)                            \
			return rc;                     \
		syncs += rc;                           \
	} while (0)

	if (ndiff == 1) {
		/* One 64-bit store switches configurations */
		step[crit] = cur[crit];
		SET(step, 0, DRV_ENTRY_QWORDS);
		SET(target, crit, 1);
		SET(target, 0, DRV_ENTRY_QWORDS);
	} else if (ndiff) {
		/* Break: V = 0, the rest, then word 0 */
		step[0] = cur[0] & ~w->ops->v_bit;
		SET(step, 0, 1);
		SET(target, 1, DRV_ENTRY_QWORDS - 1);
		SET(target, 0, 1);
	} else {
		SET(target, 0, DRV_ENTRY_QWORDS);
	}
#undef SET
	return w->err ? w->err : syncs;
}

/* --- Used bits ------------------------------------------------------------ */

/*
 * The STE fields the SMMU reads for each Config (spec 5.2): nothing but V
 * when invalid; V and Config for abort; PRIVCFG/INSTCFG for anything that
 * lets traffic through; the attribute overrides (SHCFG, MTCFG, MemAttr,
 * ALLOCCFG, NSCFG) where stage 1 is bypassed -- Config bypass, stage 2
 * only, or S1DSS = bypass (spec 13.5, as Linux reads it); the stage-1
 * fields (CD table, S1DSS, stall, StreamWorld) and the VMID (tagging, also
 * for stage-1-only) when stage 1 translates; VTCR/S2TTB when stage 2 does.
 */
void drv_ste_get_used(const uint64_t *ste, uint64_t *used)
{
	unsigned int cfg = VS_FIELD_GET(STRTAB_STE_0_CFG, ste[0]);
	const uint64_t attrs = STRTAB_STE_1_SHCFG | STRTAB_STE_1_MTCFG |
			       STRTAB_STE_1_MEMATTR | STRTAB_STE_1_ALLOCCFG |
			       STRTAB_STE_1_NSCFG;

	memset(used, 0, DRV_ENTRY_QWORDS * sizeof(*used));
	used[0] = STRTAB_STE_0_V;
	if (!(ste[0] & STRTAB_STE_0_V))
		return;
	used[0] |= STRTAB_STE_0_CFG;
	if (!(cfg & 4))
		return; /* abort (and the reserved 0b0xx: silent abort) */
	used[1] |= STRTAB_STE_1_PRIVCFG | STRTAB_STE_1_INSTCFG;
	if (cfg == STRTAB_STE_0_CFG_BYPASS)
		used[1] |= attrs;
	if (cfg & 1) {
		used[0] |= STRTAB_STE_0_S1FMT | STRTAB_STE_0_S1CTXPTR_MASK |
			   STRTAB_STE_0_S1CDMAX;
		used[1] |= STRTAB_STE_1_S1DSS | STRTAB_STE_1_S1CIR |
			   STRTAB_STE_1_S1COR | STRTAB_STE_1_S1CSH |
			   STRTAB_STE_1_S1STALLD | STRTAB_STE_1_STRW |
			   STRTAB_STE_1_EATS | STRTAB_STE_1_MEV |
			   STRTAB_STE_1_PPAR;
		used[2] |= STRTAB_STE_2_S2VMID;
		if (VS_FIELD_GET(STRTAB_STE_1_S1DSS, ste[1]) ==
		    STRTAB_STE_1_S1DSS_BYPASS)
			used[1] |= attrs;
	}
	if (cfg & 2) {
		used[1] |= attrs | STRTAB_STE_1_EATS | STRTAB_STE_1_S2FWB |
			   STRTAB_STE_1_MEV;
		used[2] |= STRTAB_STE_2_S2VMID | STRTAB_STE_2_VTCR |
			   STRTAB_STE_2_S2AA64 | STRTAB_STE_2_S2ENDI |
			   STRTAB_STE_2_S2AFFD | STRTAB_STE_2_S2PTW |
			   STRTAB_STE_2_S2HD | STRTAB_STE_2_S2HA |
			   STRTAB_STE_2_S2S | STRTAB_STE_2_S2R;
		used[3] |= STRTAB_STE_3_S2TTB_MASK;
	}
}

/*
 * A valid CD is used whole, except that with EPD0 set (and EPD1 clear)
 * the TTB0 walk's fields are ignored.
 */
void drv_cd_get_used(const uint64_t *cd, uint64_t *used)
{
	memset(used, 0, DRV_ENTRY_QWORDS * sizeof(*used));
	used[0] = CTXDESC_CD_0_V;
	if (!(cd[0] & CTXDESC_CD_0_V))
		return;
	memset(used, 0xff, 4 * sizeof(*used)); /* dwords 4..7: RES0 */
	if ((cd[0] & CTXDESC_CD_0_TCR_EPD0) &&
	    !(cd[0] & CTXDESC_CD_0_TCR_EPD1)) {
		used[0] &= ~(CTXDESC_CD_0_TCR_T0SZ | CTXDESC_CD_0_TCR_TG0 |
			     CTXDESC_CD_0_TCR_IRGN0 | CTXDESC_CD_0_TCR_ORGN0 |
			     CTXDESC_CD_0_TCR_SH0);
		used[1] &= ~CTXDESC_CD_1_TTB0_MASK;
	}
}

/* --- Builders ------------------------------------------------------------- */

void drv_make_abort_ste(uint64_t *ste)
{
	memset(ste, 0, DRV_ENTRY_QWORDS * sizeof(*ste));
	ste[0] = STRTAB_STE_0_V |
		 VS_FIELD_PREP(STRTAB_STE_0_CFG, STRTAB_STE_0_CFG_ABORT);
}

void drv_make_bypass_ste(uint64_t *ste)
{
	memset(ste, 0, DRV_ENTRY_QWORDS * sizeof(*ste));
	ste[0] = STRTAB_STE_0_V |
		 VS_FIELD_PREP(STRTAB_STE_0_CFG, STRTAB_STE_0_CFG_BYPASS);
	ste[1] = VS_FIELD_PREP(STRTAB_STE_1_SHCFG, STRTAB_STE_1_SHCFG_INCOMING);
}

void drv_make_s1_ste(uint64_t *ste, uint64_t cdtab, unsigned int s1fmt,
		     unsigned int s1cdmax, unsigned int s1dss)
{
	memset(ste, 0, DRV_ENTRY_QWORDS * sizeof(*ste));
	ste[0] = STRTAB_STE_0_V |
		 VS_FIELD_PREP(STRTAB_STE_0_CFG, STRTAB_STE_0_CFG_S1_TRANS) |
		 VS_FIELD_PREP(STRTAB_STE_0_S1FMT, s1fmt) |
		 (cdtab & STRTAB_STE_0_S1CTXPTR_MASK) |
		 VS_FIELD_PREP(STRTAB_STE_0_S1CDMAX, s1cdmax);
	/* CD fetches: write-back read-allocate, inner shareable */
	ste[1] = VS_FIELD_PREP(STRTAB_STE_1_S1DSS, s1dss) |
		 VS_FIELD_PREP(STRTAB_STE_1_S1CIR, 1) |
		 VS_FIELD_PREP(STRTAB_STE_1_S1COR, 1) |
		 VS_FIELD_PREP(STRTAB_STE_1_S1CSH, ARM_LPAE_PTE_SH_IS) |
		 VS_FIELD_PREP(STRTAB_STE_1_STRW, STRTAB_STE_1_STRW_NSEL1);
	if (s1dss == STRTAB_STE_1_S1DSS_BYPASS)
		ste[1] |= VS_FIELD_PREP(STRTAB_STE_1_SHCFG,
					STRTAB_STE_1_SHCFG_INCOMING);
}

void drv_make_s2_ste(uint64_t *ste, uint16_t vmid,
		     const struct vsmmu_pgtable_info *pi)
{
	memset(ste, 0, DRV_ENTRY_QWORDS * sizeof(*ste));
	ste[0] = STRTAB_STE_0_V |
		 VS_FIELD_PREP(STRTAB_STE_0_CFG, STRTAB_STE_0_CFG_S2_TRANS);
	ste[1] = VS_FIELD_PREP(STRTAB_STE_1_SHCFG, STRTAB_STE_1_SHCFG_INCOMING);
	ste[2] = VS_FIELD_PREP(STRTAB_STE_2_S2VMID, vmid) |
		 VS_FIELD_PREP(STRTAB_STE_2_S2T0SZ, pi->tsz) |
		 VS_FIELD_PREP(STRTAB_STE_2_S2SL0, pi->sl0) |
		 VS_FIELD_PREP(STRTAB_STE_2_S2IR0, 1) |
		 VS_FIELD_PREP(STRTAB_STE_2_S2OR0, 1) |
		 VS_FIELD_PREP(STRTAB_STE_2_S2SH0, ARM_LPAE_PTE_SH_IS) |
		 VS_FIELD_PREP(STRTAB_STE_2_S2TG, pi->tg) |
		 VS_FIELD_PREP(STRTAB_STE_2_S2PS, pi->ps) |
		 STRTAB_STE_2_S2AA64 | STRTAB_STE_2_S2PTW | STRTAB_STE_2_S2R;
	ste[3] = pi->ttb & STRTAB_STE_3_S2TTB_MASK;
}

void drv_make_s1_cd(uint64_t *cd, uint16_t asid,
		    const struct vsmmu_pgtable_info *pi)
{
	memset(cd, 0, DRV_ENTRY_QWORDS * sizeof(*cd));
	cd[0] = VS_FIELD_PREP(CTXDESC_CD_0_TCR_T0SZ, pi->tsz) |
		VS_FIELD_PREP(CTXDESC_CD_0_TCR_TG0, pi->tg) |
		VS_FIELD_PREP(CTXDESC_CD_0_TCR_IRGN0, 1) |
		VS_FIELD_PREP(CTXDESC_CD_0_TCR_ORGN0, 1) |
		VS_FIELD_PREP(CTXDESC_CD_0_TCR_SH0, ARM_LPAE_PTE_SH_IS) |
		CTXDESC_CD_0_TCR_EPD1 | CTXDESC_CD_0_V |
		VS_FIELD_PREP(CTXDESC_CD_0_TCR_IPS, pi->ps) |
		CTXDESC_CD_0_AA64 | CTXDESC_CD_0_R | CTXDESC_CD_0_A |
		VS_FIELD_PREP(CTXDESC_CD_0_ASID, asid);
	cd[1] = pi->ttb & CTXDESC_CD_1_TTB0_MASK;
	cd[3] = ARM_LPAE_MAIR_DEFAULT;
}
