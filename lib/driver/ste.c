// SPDX-License-Identifier: MIT
/*
 * STE and CD builders: the entries the driver installs, field by field as
 * Linux's arm_smmu_make_*_ste/cd build them.  Only bits the rules of
 * <vsmmu/entry.h> count as used are ever set, so the hitless writer can
 * always tidy an entry completely.
 */
#include <string.h>

#include "driver/drv.h"

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
		CTXDESC_CD_0_ASET | VS_FIELD_PREP(CTXDESC_CD_0_ASID, asid);
	cd[1] = pi->ttb & CTXDESC_CD_1_TTB0_MASK;
	cd[3] = ARM_LPAE_MAIR_DEFAULT;
}

void drv_make_sva_cd(uint64_t *cd, uint16_t asid,
		     const struct vsmmu_mm_info *mi, bool shared, bool stall)
{
	memset(cd, 0, DRV_ENTRY_QWORDS * sizeof(*cd));
	cd[0] = CTXDESC_CD_0_TCR_EPD1 | CTXDESC_CD_0_V | CTXDESC_CD_0_AA64 |
		CTXDESC_CD_0_A | VS_FIELD_PREP(CTXDESC_CD_0_ASID, asid) |
		(shared ? 0 : CTXDESC_CD_0_ASET);
	if (!mi) {
		/* Released: valid, nothing walked, every access faults
		 * quietly (no record, no stall) */
		cd[0] |= CTXDESC_CD_0_TCR_EPD0;
		return;
	}
	cd[0] |= VS_FIELD_PREP(CTXDESC_CD_0_TCR_T0SZ, mi->tsz) |
		 VS_FIELD_PREP(CTXDESC_CD_0_TCR_TG0, mi->tg) |
		 VS_FIELD_PREP(CTXDESC_CD_0_TCR_IRGN0, 1) |
		 VS_FIELD_PREP(CTXDESC_CD_0_TCR_ORGN0, 1) |
		 VS_FIELD_PREP(CTXDESC_CD_0_TCR_SH0, ARM_LPAE_PTE_SH_IS) |
		 VS_FIELD_PREP(CTXDESC_CD_0_TCR_IPS, mi->ps) | CTXDESC_CD_0_R |
		 (stall ? CTXDESC_CD_0_S : 0);
	cd[1] = mi->ttb & CTXDESC_CD_1_TTB0_MASK;
	cd[3] = mi->mair;
}
