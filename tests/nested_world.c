// SPDX-License-Identifier: MIT
/* A guest over the host driver, for the VM tests (nested_world.h). */
#include <errno.h>
#include <string.h>

#include <vsmmu/arch.h>

#include "harness.h"
#include "nested_world.h"

static void on_event(void *arg, const struct vsmmu_drv_event *e)
{
	struct world *w = arg;

	w->events++;
	memcpy(w->last_evt, e->raw, sizeof(w->last_evt));
}

void world_quiet(void *arg, const char *msg)
{
}

/* The guest's CD for its stage 1: T0SZ, TG0, IPS from the table; ASID. */
static int guest_cd(struct world *w, unsigned int asid)
{
	struct vsmmu_pgtable_info pi;
	uint64_t cd[8] = { 0 };
	unsigned int i;
	int rc;

	vsmmu_pgtable_get_info(w->gpt, &pi);
	cd[0] = VS_FIELD_PREP(CTXDESC_CD_0_TCR_T0SZ, pi.tsz) |
		VS_FIELD_PREP(CTXDESC_CD_0_TCR_TG0, pi.tg) |
		VS_FIELD_PREP(CTXDESC_CD_0_TCR_IPS, pi.ps) |
		CTXDESC_CD_0_TCR_EPD1 | CTXDESC_CD_0_V | CTXDESC_CD_0_AA64 |
		CTXDESC_CD_0_R | CTXDESC_CD_0_A |
		VS_FIELD_PREP(CTXDESC_CD_0_ASID, asid);
	cd[1] = pi.ttb & CTXDESC_CD_1_TTB0_MASK;
	cd[3] = 0x0404ff44; /* MAIR: normal WB, device */
	for (i = 0; i < 8; i++) {
		rc = vsmmu_mem_write64(w->gmem, GPA_CDTAB + 8 * i, cd[i]);
		if (rc)
			return rc;
	}
	return 0;
}

int world_init(struct world *w, const struct vsmmu_host_config *hcfg, bool ats)
{
	struct vsmmu_host_config hc;
	struct vsmmu_drv_domain_cfg pc = { .type = VSMMU_DRV_DOMAIN_S2,
					   .nest_parent = true };
	struct vsmmu_pgtable_cfg gc = { .fmt = VSMMU_PGTABLE_S1,
					.granule_shift = 12,
					.ias = 48,
					.oas = 40 };
	uint32_t sid = SID;
	int rc;

	memset(w, 0, sizeof(*w));
	if (hcfg)
		hc = *hcfg;
	else
		vsmmu_host_config_default(&hc);
	hc.drv.event_fn = on_event;
	hc.drv.event_arg = w;
	hc.drv.log_fn = world_quiet;
	rc = vsmmu_host_create(&hc, NULL, &w->host);
	if (rc)
		return rc;
	w->drv = vsmmu_host_drv(w->host);
	w->smmu = vsmmu_host_smmu(w->host);
	w->mem = vsmmu_host_mem(w->host);
	rc = vsmmu_smmu_set_checker(w->smmu, true, NULL, NULL);
	/* Guest RAM: host pages, the guest's view of them, stage 2 */
	if (!rc)
		rc = vsmmu_mem_populate(w->mem, HPA_RAM, RAM_SIZE);
	if (!rc)
		rc = vsmmu_mem_create(40, &w->gmem);
	if (!rc)
		rc = vsmmu_mem_map_alias(w->gmem, 0, w->mem, HPA_RAM, RAM_SIZE);
	if (!rc)
		rc = vsmmu_drv_domain_alloc(w->drv, &pc, &w->parent);
	if (!rc)
		rc = vsmmu_drv_map(w->parent, 0, HPA_RAM, RAM_SIZE,
				   VSMMU_PROT_READ | VSMMU_PROT_WRITE);
	if (!rc)
		rc = vsmmu_drv_vm_create(w->drv, w->parent, &w->vm);
	/* The guest's stage 1 and CD, in guest memory */
	if (!rc)
		rc = vsmmu_mem_pool_create(w->gmem, GPA_POOL, 1ULL << 20,
					   &w->gpool);
	gc.pool = w->gpool;
	if (!rc)
		rc = vsmmu_pgtable_create(&gc, &w->gpt);
	if (!rc)
		rc = vsmmu_pgtable_map(w->gpt, IOVA, GPA_DATA, 0x1000,
				       VSMMU_PROT_READ | VSMMU_PROT_WRITE |
					       VSMMU_PROT_USER);
	if (!rc)
		rc = guest_cd(w, GUEST_ASID);
	if (!rc)
		rc = vsmmu_mem_write64(w->gmem, GPA_DATA, 0x5a5a);
	if (!rc)
		rc = vsmmu_drv_master_create(w->drv, &sid, 1, 0, &w->m);
	if (!rc && ats)
		rc = vsmmu_drv_master_enable_ats(w->m, true);
	/* Guest STE: V | Config S1 (0b101 << 1) | S1ContextPtr; CD fetch
	 * attributes WB (S1CIR = S1COR = 1), inner shareable (S1CSH = 3) */
	w->gste[0] = 0x1 | 0xa | GPA_CDTAB;
	w->gste[1] = 0xd4;
	return rc;
}

void world_fini(struct world *w)
{
	uint64_t counts[VSMMU_CHECK_NR];
	unsigned int i;

	if (w->smmu) {
		vsmmu_smmu_get_check_counts(w->smmu, counts);
		for (i = 0; i < VSMMU_CHECK_NR; i++)
			ASSERT_EQ(counts[i], 0);
	}
	vsmmu_pgtable_destroy(w->gpt);
	vsmmu_mem_pool_destroy(w->gpool);
	vsmmu_host_destroy(w->host); /* frees masters, domains, VMs */
	vsmmu_mem_destroy(w->gmem);
}

int world_txn(struct world *w, uint32_t sid, uint64_t addr,
	      struct vsmmu_txn_result *r)
{
	struct vsmmu_txn t = { .sid = sid,
			       .addr = addr,
			       .flags = VSMMU_TXN_READ };

	return vsmmu_translate(w->smmu, &t, r);
}
