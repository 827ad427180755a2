// SPDX-License-Identifier: MIT
/*
 * What every part of a virtual SMMU uses: its iommufd context and guest
 * memory, destroying an iommufd object, and raising the guest's
 * interrupts and global errors.  The bottom of lib/vmm: it calls nothing
 * of the layer.
 */
#include <errno.h>

#include "vmm/vm.h"

struct vsmmu_iommufd_ctx *vs_ictx(const struct vsmmu_vs *vs)
{
	return vs->vm->ictx;
}

struct vsmmu_mem *vs_gmem(const struct vsmmu_vs *vs)
{
	return vs->vm->gmem;
}

int vs_destroy_id(struct vsmmu_vs *vs, uint32_t id)
{
	struct iommu_destroy d = { .size = sizeof(d), .id = id };

	return id ? vsmmu_iommufd_ioctl(vs_ictx(vs), IOMMU_DESTROY, &d) : 0;
}

void vs_raise_irq(struct vsmmu_vs *vs, enum vsmmu_irq irq)
{
	pthread_rwlock_rdlock(&vs->irq_lock);
	if (vs->irq_fn)
		vs->irq_fn(vs->irq_arg, irq);
	pthread_rwlock_unlock(&vs->irq_lock);
}

/* An interrupt: its MSI if *_IRQ_CFG0 names an address, else the line */
static void signal_irq(struct vsmmu_vs *vs, enum vsmmu_irq irq)
{
	uint64_t addr = 0;
	uint32_t data = 0, abt = 0;

	if (irq == VSMMU_IRQ_EVTQ) {
		addr = atomic_load(&vs->evtq_irq_cfg0);
		data = atomic_load(&vs->evtq_irq_cfg1);
		abt = GERROR_MSI_EVTQ_ABT_ERR;
	} else if (irq == VSMMU_IRQ_PRIQ) {
		addr = atomic_load(&vs->priq_irq_cfg0);
		data = atomic_load(&vs->priq_irq_cfg1);
		abt = GERROR_MSI_PRIQ_ABT_ERR;
	} else if (irq == VSMMU_IRQ_GERROR) {
		addr = atomic_load(&vs->gerror_irq_cfg0);
		data = atomic_load(&vs->gerror_irq_cfg1);
		abt = GERROR_MSI_GERROR_ABT_ERR;
	}
	addr &= MSI_CFG0_ADDR_MASK;
	if (!addr) {
		vs_raise_irq(vs, irq);
		return;
	}
	if (vsmmu_mem_write32(vs_gmem(vs), addr, data) &&
	    irq != VSMMU_IRQ_GERROR)
		vs_gerror_raise(vs, abt);
}

void vs_gerror_raise(struct vsmmu_vs *vs, uint32_t bits)
{
	uint32_t g, active, raise;

	pthread_mutex_lock(&vs->reg_lock);
	g = atomic_load(&vs->gerror);
	active = g ^ atomic_load(&vs->gerrorn);
	raise = bits & ~active; /* an active error is not raised again */
	if (raise)
		atomic_store_explicit(&vs->gerror, g ^ raise,
				      memory_order_release);
	pthread_mutex_unlock(&vs->reg_lock);
	if (raise && (atomic_load(&vs->irq_ctrl) & IRQ_CTRL_GERROR_IRQEN))
		signal_irq(vs, VSMMU_IRQ_GERROR);
}

/* Called by priq.c after it wrote (or lost) a Last request */
void vs_priq_signal(struct vsmmu_vs *vs)
{
	if (atomic_load(&vs->irq_ctrl) & IRQ_CTRL_PRIQ_IRQEN)
		signal_irq(vs, VSMMU_IRQ_PRIQ);
}

/* Called by evtq.c after it wrote a record */
void vs_evtq_signal(struct vsmmu_vs *vs)
{
	if (atomic_load(&vs->irq_ctrl) & IRQ_CTRL_EVTQ_IRQEN)
		signal_irq(vs, VSMMU_IRQ_EVTQ);
}
