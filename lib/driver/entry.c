// SPDX-License-Identifier: MIT
/*
 * STE and CD construction, and the glue to the hitless writer of
 * <vsmmu/entry.h> (lib/arch/entry.c), which replaces a live entry with
 * Linux's arm_smmu_write_entry algorithm.
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

#include <vsmmu/entry.h>

#include "driver/drv.h"

static int w_write(void *ctx, unsigned int qword, uint64_t val)
{
	struct drv_entry_writer *w = ctx;

	return vsmmu_mem_write64(w->mem, w->pa + 8 * qword, val);
}

static int w_sync(void *ctx)
{
	struct drv_entry_writer *w = ctx;

	return w->ops->sync(w);
}

int drv_write_entry(struct drv_entry_writer *w, const uint64_t *target)
{
	const struct vsmmu_entry_writer_ops ops = {
		.get_used = w->ops->get_used,
		.get_update_safe = w->ops->get_update_safe,
		.write = w_write,
		.sync = w_sync,
	};
	uint64_t cur[DRV_ENTRY_QWORDS];
	unsigned int i;
	int rc;

	for (i = 0; i < DRV_ENTRY_QWORDS; i++) {
		rc = vsmmu_mem_read64(w->mem, w->pa + 8 * i, &cur[i]);
		if (rc)
			return rc;
	}
	rc = vsmmu_entry_write(&ops, w, cur, target);
	if (rc >= 0 && w->err)
		rc = w->err;
	return rc;
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
