// SPDX-License-Identifier: MIT
/*
 * The top of the driver: create (probe the IDRs, allocate the stream
 * table and queues, find the implementation), the enable sequence as
 * Linux's arm_smmu_device_reset, disable, destroy, the interrupt entry
 * points and the statistics.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "driver/drv.h"

/* Write CR0 and wait for CR0ACK to agree (spec 6.3.9). */
static int write_cr0(struct vsmmu_drv *drv, uint32_t val)
{
	int rc = drv_write32(drv, ARM_SMMU_CR0, val);

	if (rc)
		return rc;
	rc = drv_poll32(drv, &drv->regs, ARM_SMMU_CR0ACK, 0xffffffffU, val,
			"CR0ACK");
	if (!rc)
		drv->cr0 = val;
	return rc;
}

/*
 * Program a queue the SMMU produces into (EVTQ, PRIQ): its BASE at
 * @base_off, PROD and CONS (page 1, at the architected offsets from BASE)
 * reset to 0, then its CR0 enable bit @en added to *@enables.
 */
static int enable_out_queue(struct vsmmu_drv *drv, uint64_t base_off,
			    uint64_t base, unsigned int shift, uint32_t en,
			    uint32_t *enables)
{
	uint64_t prod_off = base_off == ARM_SMMU_EVTQ_BASE ?
				    ARM_SMMU_EVTQ_PROD :
				    ARM_SMMU_PRIQ_PROD;
	int rc;

	rc = drv_write64(drv, base_off,
			 Q_BASE_RWA | (base & Q_BASE_ADDR_MASK) |
				 VS_FIELD_PREP(Q_BASE_LOG2SIZE, shift));
	if (!rc)
		rc = drv_write32(drv, prod_off, 0);
	if (!rc)
		rc = drv_write32(drv, prod_off + 4, 0); /* CONS */
	if (rc)
		return rc;
	*enables |= en;
	return write_cr0(drv, *enables);
}

/* GBPA: wait for UPDATE clear, write with UPDATE, wait for it to clear. */
static int update_gbpa(struct vsmmu_drv *drv, uint32_t set, uint32_t clr)
{
	uint32_t v;
	int rc;

	rc = drv_poll32(drv, &drv->regs, ARM_SMMU_GBPA, GBPA_UPDATE, 0,
			"GBPA.Update");
	if (!rc)
		rc = drv_read32(drv, ARM_SMMU_GBPA, &v);
	if (!rc)
		rc = drv_write32(drv, ARM_SMMU_GBPA,
				 ((v & ~clr) | set) | GBPA_UPDATE);
	if (!rc)
		rc = drv_poll32(drv, &drv->regs, ARM_SMMU_GBPA, GBPA_UPDATE, 0,
				"GBPA.Update");
	return rc;
}

void vsmmu_drv_irq(void *arg, enum vsmmu_irq irq)
{
	struct vsmmu_drv *drv = arg;

	if (irq == VSMMU_IRQ_GERROR)
		atomic_store(&drv->gerror_pending, true);
	else if (irq == VSMMU_IRQ_EVTQ)
		atomic_store(&drv->evtq_pending, true);
	else if (irq == VSMMU_IRQ_PRIQ)
		atomic_store(&drv->priq_pending, true);
	else if (irq == VSMMU_IRQ_CMDQV)
		atomic_store(&drv->impl_pending, true);
}

int vsmmu_drv_process(struct vsmmu_drv *drv)
{
	int rc = drv_handle_gerror(drv);

	if (rc)
		return rc;
	if (drv->impl && drv->impl->handle_irq) {
		atomic_store(&drv->impl_pending, false);
		rc = drv->impl->handle_irq(drv);
		if (rc)
			return rc;
	}
	atomic_store(&drv->evtq_pending, false);
	if (drv->priq_base) {
		atomic_store(&drv->priq_pending, false);
		rc = vsmmu_drv_priq_drain(drv);
		if (rc < 0)
			return rc;
	}
	return vsmmu_drv_evtq_drain(drv);
}

/* --- Probe ---------------------------------------------------------------- */

static int probe(struct vsmmu_drv *drv)
{
	struct vsmmu_drv_features *f = &drv->feat;
	uint32_t idr0, idr1, idr3, idr5;
	unsigned int i, ttf, end;
	int rc;

	for (i = 0; i < 6; i++) {
		rc = drv_read32(drv, ARM_SMMU_IDR0 + 4 * i, &drv->idr[i]);
		if (rc)
			return rc;
	}
	idr0 = drv->idr[0];
	idr1 = drv->idr[1];
	idr3 = drv->idr[3];
	idr5 = drv->idr[5];

	f->s1 = idr0 & IDR0_S1P;
	f->s2 = idr0 & IDR0_S2P;
	f->st_2lvl = VS_FIELD_GET(IDR0_ST_LVL, idr0) == IDR0_ST_LVL_2LVL;
	f->cd_2lvl = idr0 & IDR0_CD2L;
	f->msi = idr0 & IDR0_MSI;
	f->sev = idr0 & IDR0_SEV;
	f->ats = idr0 & IDR0_ATS;
	f->pri = idr0 & IDR0_PRI;
	f->hyp = idr0 & IDR0_HYP;
	f->btm = idr0 & IDR0_BTM;
	f->stall_model = VS_FIELD_GET(IDR0_STALL_MODEL, idr0);
	f->btm_used = f->btm && drv->cfg.btm && drv->cfg.sva;
	drv->btm = f->btm_used;
	f->coherent = idr0 & IDR0_COHACC;
	f->httu = VS_FIELD_GET(IDR0_HTTU, idr0);
	f->asid_bits = (idr0 & IDR0_ASID16) ? 16 : 8;
	f->vmid_bits = (idr0 & IDR0_VMID16) ? 16 : 8;
	ttf = VS_FIELD_GET(IDR0_TTF, idr0);
	end = VS_FIELD_GET(IDR0_TTENDIAN, idr0);
	if (!f->s1 && !f->s2) {
		drv_log(drv, "no translation stage implemented");
		return -ENODEV;
	}
	if (ttf != IDR0_TTF_AARCH64 && ttf != IDR0_TTF_AARCH32_64) {
		drv_log(drv, "AArch64 table format not supported");
		return -ENODEV;
	}
	if (end != IDR0_TTENDIAN_MIXED && end != IDR0_TTENDIAN_LE) {
		drv_log(drv, "little-endian tables not supported");
		return -ENODEV;
	}
	if (idr1 & (IDR1_TABLES_PRESET | IDR1_QUEUES_PRESET | IDR1_REL)) {
		drv_log(drv, "preset tables/queues not supported");
		return -ENODEV;
	}
	f->cmdq_max_shift = VS_FIELD_GET(IDR1_CMDQS, idr1);
	f->evtq_max_shift = VS_FIELD_GET(IDR1_EVTQS, idr1);
	f->ssid_bits = VS_FIELD_GET(IDR1_SSIDSIZE, idr1);
	f->sid_bits = VS_FIELD_GET(IDR1_SIDSIZE, idr1);
	if (f->sid_bits > 32 || f->ssid_bits > 20) {
		drv_log(drv, "IDR1 SIDSIZE/SSIDSIZE out of range");
		return -ENODEV;
	}
	f->ril = idr3 & IDR3_RIL;
	f->oas = arm_smmu_pa_bits(VS_FIELD_GET(IDR5_OAS, idr5));
	if (!f->oas)
		f->oas = 48;
	if (f->oas > vsmmu_mem_pa_bits(drv->mem))
		f->oas = vsmmu_mem_pa_bits(drv->mem);
	f->pgsize_bitmap = 0;
	if (idr5 & IDR5_GRAN4K)
		f->pgsize_bitmap |= (1ULL << 12) | (1ULL << 21) | (1ULL << 30);
	if (idr5 & IDR5_GRAN16K)
		f->pgsize_bitmap |= (1ULL << 14) | (1ULL << 25);
	if (idr5 & IDR5_GRAN64K)
		f->pgsize_bitmap |= (1ULL << 16) | (1ULL << 29);
	if (!f->pgsize_bitmap) {
		drv_log(drv, "no translation granule supported");
		return -ENODEV;
	}

	/* Queue sizes: a full batch plus its sync must fit (as Linux) */
	f->cmdq_shift =
		drv->cfg.cmdq_shift ?
			drv->cfg.cmdq_shift :
			(f->cmdq_max_shift < 10 ? f->cmdq_max_shift : 10);
	f->evtq_shift = drv->cfg.evtq_shift ?
				drv->cfg.evtq_shift :
				(f->evtq_max_shift < 7 ? f->evtq_max_shift : 7);
	if (f->cmdq_shift > f->cmdq_max_shift || f->cmdq_shift < 7 ||
	    f->evtq_shift > f->evtq_max_shift || f->evtq_shift > 19) {
		drv_log(drv, "queue sizes: CMDQS %u EVTQS %u, asked %u %u",
			f->cmdq_max_shift, f->evtq_max_shift, f->cmdq_shift,
			f->evtq_shift);
		return drv->cfg.cmdq_shift || drv->cfg.evtq_shift ? -EINVAL :
								    -ENODEV;
	}
	f->sync_msi = f->msi && !drv->cfg.no_msi;
	/* A PRI queue only for an embedder that handles page requests, or
	 * SVA (I/O page faults): else PRIQEN = 0 and the SMMU answers
	 * Failure itself */
	if (f->pri && (drv->cfg.pri_fn || drv->cfg.sva)) {
		unsigned int max = VS_FIELD_GET(IDR1_PRIQS, idr1);

		drv->priq_shift = drv->cfg.priq_shift ? drv->cfg.priq_shift :
							(max < 7 ? max : 7);
		if (drv->priq_shift > max || drv->priq_shift > 19) {
			drv_log(drv, "PRI queue size: PRIQS %u, asked %u", max,
				drv->priq_shift);
			return -EINVAL;
		}
	}
	return 0;
}

/* --- Create, enable, disable, destroy ------------------------------------- */

static _Atomic uint64_t next_instance = 1;

int vsmmu_drv_create(const struct vsmmu_drv_config *cfg, struct vsmmu_drv **out)
{
	struct vsmmu_drv *drv;
	uint64_t qbytes, pa;
	int rc;

	if (!cfg || !out || !cfg->ops || !cfg->ops->read || !cfg->ops->write ||
	    !cfg->pool)
		return -EINVAL;
	drv = calloc(1, sizeof(*drv));
	if (!drv)
		return -ENOMEM;
	drv->cfg = *cfg;
	drv->asid_move_seed = cfg->asid_move_seed;
	if (!drv->cfg.timeout_ns)
		drv->cfg.timeout_ns = 1000000000ULL;
	drv->mem = vsmmu_mem_pool_mem(cfg->pool);
	drv->regs = (struct drv_mmio){ cfg->ops, cfg->ops_ctx };
	drv->instance = atomic_fetch_add(&next_instance, 1);
	pthread_mutex_init(&drv->st_lock, NULL);
	pthread_mutex_init(&drv->evtq_lock, NULL);
	pthread_mutex_init(&drv->priq_lock, NULL);
	pthread_mutex_init(&drv->err_lock, NULL);
	pthread_mutex_init(&drv->obj_lock, NULL);
	pthread_mutex_init(&drv->asid_lock, NULL);

	rc = probe(drv);
	if (rc)
		goto out_free;
	rc = ida_init(&drv->asids, 1U << drv->feat.asid_bits);
	if (rc)
		goto out_free;
	rc = ida_init(&drv->vmids, 1U << drv->feat.vmid_bits);
	if (rc)
		goto out_asids;
	rc = drv_strtab_init(drv);
	if (rc)
		goto out_vmids;

	qbytes = 16ULL << drv->feat.cmdq_shift;
	drv->cmdq_own = !cfg->cmdq_base;
	pa = cfg->cmdq_base;
	if (drv->cmdq_own) {
		rc = vsmmu_mem_pool_alloc(cfg->pool, qbytes, qbytes, &pa);
		if (rc)
			goto out_strtab;
	}
	rc = drv_main_queue_init(drv, pa);
	if (rc)
		goto out_cmdq_mem;
	drv->evtq_shift = drv->feat.evtq_shift;
	qbytes = 32ULL << drv->evtq_shift;
	rc = vsmmu_mem_pool_alloc(cfg->pool, qbytes, qbytes, &drv->evtq_base);
	if (rc)
		goto out_cmdq;
	if (drv->feat.pri && (drv->cfg.pri_fn || drv->cfg.sva)) {
		qbytes = 16ULL << drv->priq_shift;
		rc = vsmmu_mem_pool_alloc(cfg->pool, qbytes,
					  qbytes < 32 ? 32 : qbytes,
					  &drv->priq_base);
		if (rc)
			goto out_evtq;
	}
	rc = drv_impl_probe(drv);
	if (rc)
		goto out_priq;
	*out = drv;
	return 0;

out_priq:
	if (drv->priq_base)
		vsmmu_mem_pool_free(cfg->pool, drv->priq_base,
				    16ULL << drv->priq_shift);
out_evtq:
	vsmmu_mem_pool_free(cfg->pool, drv->evtq_base,
			    32ULL << drv->evtq_shift);
out_cmdq:
	drv_queue_fini(&drv->cmdq);
out_cmdq_mem:
	if (drv->cmdq_own)
		vsmmu_mem_pool_free(cfg->pool, pa,
				    16ULL << drv->feat.cmdq_shift);
out_strtab:
	drv_strtab_fini(drv);
out_vmids:
	ida_fini(&drv->vmids);
out_asids:
	ida_fini(&drv->asids);
out_free:
	pthread_mutex_destroy(&drv->asid_lock);
	pthread_mutex_destroy(&drv->obj_lock);
	pthread_mutex_destroy(&drv->err_lock);
	pthread_mutex_destroy(&drv->priq_lock);
	pthread_mutex_destroy(&drv->evtq_lock);
	pthread_mutex_destroy(&drv->st_lock);
	free(drv);
	return rc;
}

const struct vsmmu_drv_features *
vsmmu_drv_get_features(const struct vsmmu_drv *drv)
{
	return &drv->feat;
}

static int invalidate_all(struct vsmmu_drv *drv)
{
	struct vsmmu_drv_batch b;
	struct vsmmu_drv_cmd c = { .opcode = CMDQ_OP_CFGI_STE_RANGE,
				   .range = CMDQ_CFGI_1_RANGE_ALL };
	int rc;

	/* Configuration first, then the TLBs (Linux's order) */
	vsmmu_drv_batch_init(&b);
	vsmmu_drv_batch_add(drv, &b, &c);
	rc = vsmmu_drv_batch_submit(drv, &b, true);
	if (rc)
		return rc;
	if (drv->feat.hyp && drv->feat.s1) {
		c = (struct vsmmu_drv_cmd){ .opcode = CMDQ_OP_TLBI_EL2_ALL };
		vsmmu_drv_batch_add(drv, &b, &c);
	}
	c = (struct vsmmu_drv_cmd){ .opcode = CMDQ_OP_TLBI_NSNH_ALL };
	vsmmu_drv_batch_add(drv, &b, &c);
	return vsmmu_drv_batch_submit(drv, &b, true);
}

int vsmmu_drv_enable(struct vsmmu_drv *drv)
{
	const uint32_t attrs = VS_FIELD_PREP(CR1_TABLE_SH, ARM_LPAE_PTE_SH_IS) |
			       VS_FIELD_PREP(CR1_TABLE_OC, 1) |
			       VS_FIELD_PREP(CR1_TABLE_IC, 1) |
			       VS_FIELD_PREP(CR1_QUEUE_SH, ARM_LPAE_PTE_SH_IS) |
			       VS_FIELD_PREP(CR1_QUEUE_OC, 1) |
			       VS_FIELD_PREP(CR1_QUEUE_IC, 1);
	uint32_t cr0, enables, irqs, strtab_cfg;
	uint64_t strtab_base;
	int rc;

	/* Quiesce whatever state the SMMU was left in */
	rc = drv_read32(drv, ARM_SMMU_CR0, &cr0);
	if (rc)
		return rc;
	if (cr0 & CR0_SMMUEN) {
		drv_log(drv, "SMMU currently enabled: resetting");
		rc = update_gbpa(drv, GBPA_ABORT, 0);
		if (rc)
			return rc;
	}
	rc = write_cr0(drv, 0);
	if (rc)
		return rc;
	drv->enabled = false;

	rc = drv_write32(drv, ARM_SMMU_CR1, attrs);
	if (!rc)
		/* PTM = 0 only to share the CPUs' ASIDs (SVA with BTM) */
		rc = drv_write32(drv, ARM_SMMU_CR2,
				 (drv->btm ? 0 : CR2_PTM) | CR2_RECINVSID);
	if (rc)
		return rc;

	/* Stream table */
	drv_strtab_regs(drv, &strtab_base, &strtab_cfg);
	rc = drv_write64(drv, ARM_SMMU_STRTAB_BASE, strtab_base);
	if (!rc)
		rc = drv_write32(drv, ARM_SMMU_STRTAB_BASE_CFG, strtab_cfg);
	if (rc)
		return rc;

	/* Stale global errors would keep the new queue halted */
	rc = drv_read32(drv, ARM_SMMU_GERROR, &cr0);
	if (!rc)
		rc = drv_write32(drv, ARM_SMMU_GERRORN, cr0);
	if (rc)
		return rc;

	/* Command queue */
	drv_cmdq_reset(&drv->cmdq.q);
	drv->cmdq.abt_count = 0;
	rc = drv_write64(drv, ARM_SMMU_CMDQ_BASE,
			 Q_BASE_RWA | (drv->cmdq.q.base & Q_BASE_ADDR_MASK) |
				 VS_FIELD_PREP(Q_BASE_LOG2SIZE,
					       drv->cmdq.q.shift));
	if (!rc)
		rc = drv_write32(drv, ARM_SMMU_CMDQ_PROD, 0);
	if (!rc)
		rc = drv_write32(drv, ARM_SMMU_CMDQ_CONS, 0);
	if (rc)
		return rc;
	enables = CR0_CMDQEN;
	rc = write_cr0(drv, enables);
	if (rc)
		return rc;

	rc = invalidate_all(drv);
	if (rc) {
		drv_log(drv, "initial invalidation failed: %d", rc);
		return rc;
	}

	/* The implementation's queues (the main queue stays the fallback) */
	if (drv->impl && drv->impl->reset) {
		rc = drv->impl->reset(drv);
		if (rc)
			return rc;
	}

	/* Event queue, then the PRI queue if there is a handler for it */
	rc = enable_out_queue(drv, ARM_SMMU_EVTQ_BASE, drv->evtq_base,
			      drv->evtq_shift, CR0_EVTQEN, &enables);
	if (!rc && drv->priq_base)
		rc = enable_out_queue(drv, ARM_SMMU_PRIQ_BASE, drv->priq_base,
				      drv->priq_shift, CR0_PRIQEN, &enables);
	if (rc)
		return rc;
	if (drv->feat.ats) {
		enables |= CR0_ATSCHK;
		rc = write_cr0(drv, enables);
		if (rc)
			return rc;
	}

	/* Interrupts: wired (CFG0 = 0), errors and events */
	rc = drv_write32(drv, ARM_SMMU_IRQ_CTRL, 0);
	if (!rc)
		rc = drv_poll32(drv, &drv->regs, ARM_SMMU_IRQ_CTRLACK, 0x7, 0,
				"IRQ_CTRLACK");
	if (!rc && drv->feat.msi) {
		rc = drv_write64(drv, ARM_SMMU_GERROR_IRQ_CFG0, 0);
		if (!rc)
			rc = drv_write64(drv, ARM_SMMU_EVTQ_IRQ_CFG0, 0);
		if (!rc && drv->priq_base)
			rc = drv_write64(drv, ARM_SMMU_PRIQ_IRQ_CFG0, 0);
	}
	irqs = IRQ_CTRL_GERROR_IRQEN | IRQ_CTRL_EVTQ_IRQEN |
	       (drv->priq_base ? IRQ_CTRL_PRIQ_IRQEN : 0);
	if (!rc)
		rc = drv_write32(drv, ARM_SMMU_IRQ_CTRL, irqs);
	if (!rc)
		rc = drv_poll32(drv, &drv->regs, ARM_SMMU_IRQ_CTRLACK, 0x7,
				irqs, "IRQ_CTRLACK");
	if (rc)
		return rc;

	/* What a later disable leaves: abort (or bypass) */
	rc = update_gbpa(drv, drv->cfg.bypass_when_disabled ? 0 : GBPA_ABORT,
			 drv->cfg.bypass_when_disabled ? GBPA_ABORT : 0);
	if (rc)
		return rc;
	enables |= CR0_SMMUEN;
	rc = write_cr0(drv, enables);
	if (rc)
		return rc;
	drv->enabled = true;
	return 0;
}

int vsmmu_drv_disable(struct vsmmu_drv *drv)
{
	int rc;

	if (drv->impl && drv->impl->disable)
		drv->impl->disable(drv);
	rc = write_cr0(drv, 0);

	drv->enabled = false;
	if (rc)
		return rc;
	return update_gbpa(drv, drv->cfg.bypass_when_disabled ? 0 : GBPA_ABORT,
			   drv->cfg.bypass_when_disabled ? GBPA_ABORT : 0);
}

void vsmmu_drv_destroy(struct vsmmu_drv *drv)
{
	if (!drv)
		return;
	drv_master_destroy_all(drv);
	drv_vm_destroy_all(drv);
	drv_domain_destroy_all(drv);
	if (drv->enabled)
		vsmmu_drv_disable(drv);
	if (drv->impl && drv->impl->remove)
		drv->impl->remove(drv);
	drv_strtab_fini(drv);
	vsmmu_mem_pool_free(drv->cfg.pool, drv->evtq_base,
			    32ULL << drv->evtq_shift);
	if (drv->priq_base)
		vsmmu_mem_pool_free(drv->cfg.pool, drv->priq_base,
				    16ULL << drv->priq_shift);
	if (drv->cmdq_own)
		vsmmu_mem_pool_free(drv->cfg.pool, drv->cmdq.q.base,
				    16ULL << drv->cmdq.q.shift);
	drv_queue_fini(&drv->cmdq);
	ida_fini(&drv->vmids);
	ida_fini(&drv->asids);
	pthread_mutex_destroy(&drv->asid_lock);
	pthread_mutex_destroy(&drv->obj_lock);
	pthread_mutex_destroy(&drv->err_lock);
	pthread_mutex_destroy(&drv->priq_lock);
	pthread_mutex_destroy(&drv->evtq_lock);
	pthread_mutex_destroy(&drv->st_lock);
	free(drv);
}

void vsmmu_drv_get_stats(struct vsmmu_drv *drv, struct vsmmu_drv_stats *s)
{
	struct vsmmu_drv_queue_stats q = { 0 };

	memset(s, 0, sizeof(*s));
	drv_qstats_add(&q, &drv->cmdq.st);
	s->cmds = q.cmds;
	s->syncs = q.syncs;
	s->prod_writes = q.prod_writes;
	s->cerror_ill = q.cerror_ill;
	s->cerror_abt = q.cerror_abt;
	s->cerror_atc_inv = q.cerror_atc_inv;
	s->timeouts = atomic_load(&drv->st.timeouts) +
		      atomic_load(&drv->cmdq.st.timeouts);
	s->mem_errors = atomic_load(&drv->st.mem_errors) +
			atomic_load(&drv->cmdq.st.mem_errors);
	s->gerror_other = atomic_load(&drv->st.other);
	s->events = atomic_load(&drv->st.events);
	s->evtq_overflows = atomic_load(&drv->st.overflows);
	s->ste_writes = atomic_load(&drv->st.ste_writes);
	s->cd_writes = atomic_load(&drv->st.cd_writes);
	s->tlbi_range_cmds = atomic_load(&drv->st.tlbi_range);
	s->flushes = atomic_load(&drv->st.flushes);
	s->pprs = atomic_load(&drv->st.pprs);
	s->pri_resps = atomic_load(&drv->st.pri_resps);
	s->priq_overflows = atomic_load(&drv->st.priq_overflows);
	s->atc_inv_cmds = atomic_load(&drv->st.atc_inv);
	s->asid_moves = atomic_load(&drv->st.asid_moves);
	s->sva_invs = atomic_load(&drv->st.sva_invs);
	s->iopf_resolved = atomic_load(&drv->st.iopf_ok);
	s->iopf_refused = atomic_load(&drv->st.iopf_fail);
	s->cmdq_prod = llq_prod_of(&drv->cmdq.q);
	/* Totals over every queue; per queue: vsmmu_drv_queue_get_stats */
	if (drv->impl && drv->impl->add_stats)
		drv->impl->add_stats(drv, s);
}
