// SPDX-License-Identifier: MIT
/*
 * The guest kernel's side: vsmmu's own driver running in the guest
 * (docs/vm.md, "The guest's driver").
 *
 * Nothing here is the VMM's: the driver reaches its SMMU through the
 * guest's MMIO accesses (vsmmu_vm_iomem_ops over the virtual SMMU's and
 * CMDQV's guest-physical frames), its tables and queues come from a pool
 * in guest RAM (the guest-physical vsmmu_mem), and its interrupts are the
 * virtual SMMU's lines.  It uses only <vsmmu/driver.h> and the guest-facing
 * part of <vsmmu/vmm.h>, as a guest kernel would use its hardware.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <vsmmu/arch.h>
#include <vsmmu/bits.h>
#include <vsmmu/pgtable.h>

#include <vsmmu/vmm.h>

#define POOL_SIZE (16ULL << 20)

struct vsmmu_vm_guest {
	struct vsmmu_vm *vm;
	unsigned int smmu;
	struct vsmmu_vm_iomem regs, cmdqv;
	struct vsmmu_mem_pool *pool;
	struct vsmmu_drv *drv;
	bool sva;
	struct vsmmu_drv_master *masters[VSMMU_VM_MAX_DEVS];
	struct vsmmu_drv_domain *doms[VSMMU_VM_MAX_DEVS];
};

static void quiet(void *arg, const char *msg)
{
}

int vsmmu_vm_guest_create(struct vsmmu_vm *vm,
			  const struct vsmmu_vm_guest_config *cfg,
			  struct vsmmu_vm_guest **out)
{
	struct vsmmu_drv_config dc = { 0 };
	struct vsmmu_vm_guest *g;
	uint64_t base, size, pool, psize;
	int rc;

	if (!cfg || cfg->smmu >= vsmmu_vm_nr_smmus(vm))
		return -EINVAL;
	vsmmu_vm_ram(vm, &base, &size);
	psize = cfg->pool_size ? cfg->pool_size : POOL_SIZE;
	pool = cfg->pool_gpa;
	if (!pool) {
		if (size < (cfg->smmu + 1) * psize)
			return -EINVAL;
		pool = base + size - (cfg->smmu + 1) * psize;
	}
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->vm = vm;
	g->smmu = cfg->smmu;
	g->sva = cfg->sva;
	g->regs = (struct vsmmu_vm_iomem){ vm, VSMMU_VM_SMMU_BASE(cfg->smmu) };
	g->cmdqv =
		(struct vsmmu_vm_iomem){ vm, VSMMU_VM_CMDQV_BASE(cfg->smmu) };
	rc = vsmmu_mem_pool_create(vsmmu_vm_gmem(vm), pool, psize, &g->pool);
	if (rc)
		goto out_free;
	dc.ops = &vsmmu_vm_iomem_ops;
	dc.ops_ctx = &g->regs;
	dc.pool = g->pool;
	dc.timeout_ns = cfg->timeout_ns ? cfg->timeout_ns : 2000000000ULL;
	dc.sva = cfg->sva;
	dc.event_fn = cfg->event_fn;
	dc.event_arg = cfg->event_arg;
	dc.log_fn = cfg->log_fn ? cfg->log_fn : quiet;
	dc.log_arg = cfg->log_arg;
	if (vsmmu_vm_smmu_has_cmdqv(vm, cfg->smmu) && !cfg->no_cmdqv) {
		dc.cmdqv_ops = &vsmmu_vm_iomem_ops;
		dc.cmdqv_ctx = &g->cmdqv;
		dc.cmdqv_nqueues = cfg->cmdqv_nqueues;
	}
	rc = vsmmu_drv_create(&dc, &g->drv);
	if (rc)
		goto out_pool;
	vsmmu_vm_smmu_set_irq(vm, cfg->smmu, vsmmu_drv_irq, g->drv);
	rc = vsmmu_drv_enable(g->drv);
	if (rc)
		goto out_drv;
	*out = g;
	return 0;

out_drv:
	vsmmu_vm_smmu_set_irq(vm, cfg->smmu, NULL, NULL);
	vsmmu_drv_destroy(g->drv);
out_pool:
	vsmmu_mem_pool_destroy(g->pool);
out_free:
	free(g);
	return rc;
}

void vsmmu_vm_guest_destroy(struct vsmmu_vm_guest *g)
{
	unsigned int i;

	if (!g)
		return;
	for (i = 0; i < VSMMU_VM_MAX_DEVS; i++) {
		vsmmu_drv_master_destroy(g->masters[i]);
		vsmmu_drv_domain_free(g->doms[i]);
	}
	vsmmu_vm_smmu_set_irq(g->vm, g->smmu, NULL, NULL);
	vsmmu_drv_destroy(g->drv);
	vsmmu_mem_pool_destroy(g->pool);
	free(g);
}

struct vsmmu_drv *vsmmu_vm_guest_drv(const struct vsmmu_vm_guest *g)
{
	return g->drv;
}

int vsmmu_vm_guest_attach(struct vsmmu_vm_guest *g, unsigned int dev,
			  uint32_t eventid, struct vsmmu_drv_domain **dom)
{
	struct vsmmu_drv_domain_cfg dc = { .type = VSMMU_DRV_DOMAIN_S1,
					   .granule_shift = 12 };
	uint64_t cap = 0, msi = VSMMU_VM_GUEST_MSI_IOVA;
	struct vsmmu_vm *vm = g->vm;
	struct vsmmu_vm_dev_caps caps;
	unsigned int ssid_bits;
	uint32_t vsid, idr[6];
	int rc;

	if (dev >= vsmmu_vm_nr_devs(vm) || dev >= VSMMU_VM_MAX_DEVS ||
	    vsmmu_vm_dev_smmu(vm, dev) != (int)g->smmu || g->masters[dev])
		return -EINVAL;
	vsid = vsmmu_vm_dev_vsid(vm, dev);
	vsmmu_vm_dev_caps(vm, dev, &caps);
	vsmmu_vm_smmu_idr(vm, g->smmu, idr);
	/* The PASIDs both the device and the SMMU have, as Linux's
	 * arm_smmu_probe_device() takes them */
	ssid_bits = caps.pasid_bits;
	if (ssid_bits > VS_FIELD_GET(IDR1_SSIDSIZE, idr[1]))
		ssid_bits = VS_FIELD_GET(IDR1_SSIDSIZE, idr[1]);
	rc = vsmmu_drv_master_create(g->drv, &vsid, 1, ssid_bits,
				     &g->masters[dev]);
	if (rc)
		return rc;
	/* Page requests need ATS: an SVA guest turns it on for PRI devices
	 * (as Linux's arm_smmu_enable_pasid / ATS / PRI at probe) */
	if (g->sva && caps.pri && (idr[0] & IDR0_ATS))
		rc = vsmmu_drv_master_enable_ats(g->masters[dev], true);
	/*
	 * A virtual SMMU that serves PASIDs from the host's table (its
	 * virtual command interface says so) translates only PASID traffic:
	 * the device's own DMA is the VM's stage 2, so the RID gets an
	 * identity (bypass) domain and MSIs go to the doorbell's GPA
	 */
	vsmmu_vm_mmio_read(vm, VSMMU_VM_SMMU_BASE(g->smmu) + VSMMU_VM_VCMD_CAP,
			   4, &cap);
	if (cap & VSMMU_VM_VCMD_CAP_PASID) {
		dc.type = VSMMU_DRV_DOMAIN_BYPASS;
		msi = VSMMU_VM_GITS_FRAME;
	}
	if (!rc)
		rc = vsmmu_drv_domain_alloc(g->drv, &dc, &g->doms[dev]);
	if (!rc)
		rc = vsmmu_drv_attach(g->masters[dev], g->doms[dev]);
	/* The doorbell page, as Linux's MSI cookie maps it: write-only
	 * device memory at a guest IOVA of its own */
	if (!rc && dc.type == VSMMU_DRV_DOMAIN_S1)
		rc = vsmmu_drv_map(g->doms[dev], VSMMU_VM_GUEST_MSI_IOVA,
				   VSMMU_VM_GITS_FRAME, VSMMU_MEM_PAGE_SIZE,
				   VSMMU_PROT_WRITE | VSMMU_PROT_MMIO);
	/* The device's MSI capability (the VMM traps this write) */
	if (!rc)
		rc = vsmmu_vm_dev_set_msi(
			vm, dev, msi + VSMMU_IOMMUFD_GITS_TRANSLATER, eventid);
	if (rc) {
		vsmmu_drv_master_destroy(g->masters[dev]);
		g->masters[dev] = NULL;
		vsmmu_drv_domain_free(g->doms[dev]);
		g->doms[dev] = NULL;
		return rc;
	}
	*dom = g->doms[dev];
	return 0;
}

int vsmmu_vm_guest_sva_bind(struct vsmmu_vm_guest *g, unsigned int dev,
			    uint32_t pasid, struct vsmmu_mm *mm)
{
	if (!g || dev >= VSMMU_VM_MAX_DEVS || !g->masters[dev] || !mm)
		return -EINVAL;
	return vsmmu_drv_sva_bind(g->masters[dev], pasid, mm, NULL);
}

int vsmmu_vm_guest_sva_unbind(struct vsmmu_vm_guest *g, unsigned int dev,
			      uint32_t pasid)
{
	if (!g || dev >= VSMMU_VM_MAX_DEVS || !g->masters[dev])
		return -EINVAL;
	return vsmmu_drv_sva_unbind(g->masters[dev], pasid);
}

/* One virtual command (the guest's side of VSMMU_VM_VCMD) */
static int vcmd(struct vsmmu_vm_guest *g, unsigned int op, uint32_t operand,
		uint32_t *result)
{
	uint64_t base = VSMMU_VM_SMMU_BASE(g->smmu), cap, rsp;
	int rc;

	rc = vsmmu_vm_mmio_read(g->vm, base + VSMMU_VM_VCMD_CAP, 4, &cap);
	if (rc)
		return rc;
	if (!(cap & VSMMU_VM_VCMD_CAP_PASID))
		return -ENODEV;
	rc = vsmmu_vm_mmio_write(g->vm, base + VSMMU_VM_VCMD, 8,
				 VS_FIELD_PREP(VSMMU_VM_VCMD_OP, op) |
					 VS_FIELD_PREP(VSMMU_VM_VCMD_OPERAND,
						       operand));
	if (!rc)
		rc = vsmmu_vm_mmio_read(g->vm, base + VSMMU_VM_VCMD_RSP, 8,
					&rsp);
	if (rc)
		return rc;
	switch (VS_FIELD_GET(VSMMU_VM_VCMD_RSP_SC, rsp)) {
	case VSMMU_VM_VCMD_SC_OK:
		if (result)
			*result = (uint32_t)VS_FIELD_GET(
				VSMMU_VM_VCMD_RSP_RESULT, rsp);
		return 0;
	case VSMMU_VM_VCMD_SC_NO_PASID:
		return -ENOSPC;
	default:
		return -EINVAL;
	}
}

int vsmmu_vm_guest_pasid_alloc(struct vsmmu_vm_guest *g, uint32_t *pasid)
{
	if (!g || !pasid)
		return -EINVAL;
	return vcmd(g, VSMMU_VM_VCMD_OP_ALLOC_PASID, 0, pasid);
}

int vsmmu_vm_guest_pasid_free(struct vsmmu_vm_guest *g, uint32_t pasid)
{
	if (!g)
		return -EINVAL;
	return vcmd(g, VSMMU_VM_VCMD_OP_FREE_PASID, pasid, NULL);
}
