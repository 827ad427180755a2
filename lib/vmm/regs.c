// SPDX-License-Identifier: MIT
/*
 * The virtual SMMU's register file: the guest's trapped accesses, a
 * switch over the register offset as kvmtool's device models are.
 *
 * Register behaviour is the hardware model's (docs/programming-model.md):
 * CR0ACK follows CR0 at once, GBPA takes effect when written with UPDATE,
 * IRQ_CTRLACK follows IRQ_CTRL, GERROR is read-only and an error is active
 * while GERROR and GERRORN differ, STRTAB_BASE(_CFG) ignore writes while
 * SMMUEN = 1, queue bases are writable only while their queue is disabled,
 * the consumer index of a queue the SMMU consumes only while it is
 * disabled.  Which registers exist and how wide they are comes from the
 * one register-width table (vsmmu_reg_width): a 64-bit register takes a
 * 64-bit access or a 32-bit access to either half; a 32-bit register
 * only a 32-bit one; a bad size or alignment is -EINVAL; registers of
 * features this SMMU does not advertise (the PRI queue without IDR0.PRI)
 * and unknown offsets read as zero and ignore writes.
 *
 * Reads are lock-free atomic loads; writes take reg_lock, and what a
 * write sets off -- consuming the command queue, installing STEs -- runs
 * after the lock is dropped, under the locks of those paths.
 */
#include <errno.h>

#include <vsmmu/decode.h>

#include "vmm/vm.h"

#define Q_PTR_MASK 0x000fffffU /* index + wrap: at most 2^19 entries */
/* Page 0's IMPLEMENTATION DEFINED space: the virtual command interface */
#define VS_IMPDEF_BASE 0xe00
#define VS_IMPDEF_END 0xf00

void vs_regs_reset(struct vsmmu_vs *vs)
{
	/* Reset: disabled, aborting incoming traffic until configured */
	atomic_store(&vs->gbpa, GBPA_ABORT);
}

/* --- 64-bit registers ---------------------------------------------------- */

static _Atomic uint64_t *reg64(struct vsmmu_vs *vs, uint64_t off)
{
	switch (off) {
	case ARM_SMMU_GERROR_IRQ_CFG0:
		return &vs->gerror_irq_cfg0;
	case ARM_SMMU_STRTAB_BASE:
		return &vs->strtab_base;
	case ARM_SMMU_CMDQ_BASE:
		return &vs->cmdq_base;
	case ARM_SMMU_EVTQ_BASE:
		return &vs->evtq_base;
	case ARM_SMMU_EVTQ_IRQ_CFG0:
		return &vs->evtq_irq_cfg0;
	case ARM_SMMU_PRIQ_BASE:
		return vs->idr[0] & IDR0_PRI ? &vs->priq_base : NULL;
	case ARM_SMMU_PRIQ_IRQ_CFG0:
		return vs->idr[0] & IDR0_PRI ? &vs->priq_irq_cfg0 : NULL;
	}
	return NULL;
}

static void write64(struct vsmmu_vs *vs, uint64_t off, uint64_t val)
{
	_Atomic uint64_t *r = reg64(vs, off);
	uint32_t cr0 = atomic_load(&vs->cr0);

	if (!r)
		return;
	switch (off) {
	case ARM_SMMU_STRTAB_BASE:
		if (cr0 & CR0_SMMUEN)
			return;
		val &= STRTAB_BASE_RA | STRTAB_BASE_ADDR_MASK;
		break;
	case ARM_SMMU_CMDQ_BASE:
		if (cr0 & CR0_CMDQEN)
			return;
		val &= Q_BASE_RWA | Q_BASE_ADDR_MASK | Q_BASE_LOG2SIZE;
		break;
	case ARM_SMMU_EVTQ_BASE:
		if (cr0 & CR0_EVTQEN)
			return;
		val &= Q_BASE_RWA | Q_BASE_ADDR_MASK | Q_BASE_LOG2SIZE;
		break;
	case ARM_SMMU_PRIQ_BASE:
		if (cr0 & CR0_PRIQEN)
			return;
		val &= Q_BASE_RWA | Q_BASE_ADDR_MASK | Q_BASE_LOG2SIZE;
		break;
	default: /* MSI addresses */
		val &= MSI_CFG0_ADDR_MASK;
	}
	atomic_store_explicit(r, val, memory_order_release);
}

/* --- 32-bit registers ---------------------------------------------------- */

static uint32_t read32(struct vsmmu_vs *vs, uint64_t off)
{
	if (off <= ARM_SMMU_IDR5)
		return vs->idr[off / 4];
	switch (off) {
	case ARM_SMMU_IIDR:
		return vs->iidr;
	case ARM_SMMU_AIDR:
		return vs->aidr;
	case ARM_SMMU_CR0:
		return atomic_load(&vs->cr0);
	case ARM_SMMU_CR0ACK:
		return atomic_load(&vs->cr0ack);
	case ARM_SMMU_CR1:
		return atomic_load(&vs->cr1);
	case ARM_SMMU_CR2:
		return atomic_load(&vs->cr2);
	case ARM_SMMU_GBPA:
		return atomic_load(&vs->gbpa);
	case ARM_SMMU_IRQ_CTRL:
		return atomic_load(&vs->irq_ctrl);
	case ARM_SMMU_IRQ_CTRLACK:
		return atomic_load(&vs->irq_ctrlack);
	case ARM_SMMU_GERROR:
		return atomic_load_explicit(&vs->gerror, memory_order_acquire);
	case ARM_SMMU_GERRORN:
		return atomic_load(&vs->gerrorn);
	case ARM_SMMU_GERROR_IRQ_CFG1:
		return atomic_load(&vs->gerror_irq_cfg1);
	case ARM_SMMU_GERROR_IRQ_CFG2:
		return atomic_load(&vs->gerror_irq_cfg2);
	case ARM_SMMU_STRTAB_BASE_CFG:
		return atomic_load(&vs->strtab_base_cfg);
	case ARM_SMMU_CMDQ_PROD:
		return atomic_load(&vs->cmdq_prod);
	case ARM_SMMU_CMDQ_CONS:
		return atomic_load_explicit(&vs->cmdq_cons,
					    memory_order_acquire);
	case ARM_SMMU_EVTQ_PROD:
		return atomic_load_explicit(&vs->evtq_prod,
					    memory_order_acquire);
	case ARM_SMMU_EVTQ_CONS:
		return atomic_load(&vs->evtq_cons);
	case ARM_SMMU_EVTQ_IRQ_CFG1:
		return atomic_load(&vs->evtq_irq_cfg1);
	case ARM_SMMU_EVTQ_IRQ_CFG2:
		return atomic_load(&vs->evtq_irq_cfg2);
	}
	if (!(vs->idr[0] & IDR0_PRI))
		return 0;
	switch (off) {
	case ARM_SMMU_PRIQ_PROD:
		return atomic_load_explicit(&vs->priq_prod,
					    memory_order_acquire);
	case ARM_SMMU_PRIQ_CONS:
		return atomic_load(&vs->priq_cons);
	case ARM_SMMU_PRIQ_IRQ_CFG1:
		return atomic_load(&vs->priq_irq_cfg1);
	case ARM_SMMU_PRIQ_IRQ_CFG2:
		return atomic_load(&vs->priq_irq_cfg2);
	}
	return 0;
}

/* What a register write sets off, done after reg_lock is dropped */
enum {
	DO_CONSUME = 1 << 0, /* the command queue may run */
	DO_INSTALL = 1 << 1, /* SMMUEN or GBPA changed: every STE */
};

static unsigned int write32(struct vsmmu_vs *vs, uint64_t off, uint32_t val)
{
	uint32_t cr0 = atomic_load(&vs->cr0), old;
	bool pri = vs->idr[0] & IDR0_PRI;

	switch (off) {
	case ARM_SMMU_CR0:
		/* SMMUEN, EVTQEN, CMDQEN; ATSCHK with ATS; PRIQEN with PRI;
		 * no VMW */
		val &= CR0_SMMUEN | CR0_EVTQEN | CR0_CMDQEN |
		       (vs->idr[0] & IDR0_ATS ? CR0_ATSCHK : 0) |
		       (pri ? CR0_PRIQEN : 0);
		atomic_store(&vs->cr0, val);
		atomic_store(&vs->cr0ack, val);
		return ((val & CR0_CMDQEN) && !(cr0 & CR0_CMDQEN) ? DO_CONSUME :
								    0) |
		       ((val ^ cr0) & CR0_SMMUEN ? DO_INSTALL : 0);
	case ARM_SMMU_CR1:
		atomic_store(&vs->cr1, val & 0xfff);
		return 0;
	case ARM_SMMU_CR2:
		atomic_store(&vs->cr2, val & (CR2_PTM | CR2_RECINVSID));
		return 0;
	case ARM_SMMU_GBPA:
		if (!(val & GBPA_UPDATE))
			return 0;
		old = atomic_exchange(&vs->gbpa, val & ~GBPA_UPDATE);
		return !(cr0 & CR0_SMMUEN) && ((old ^ val) & GBPA_ABORT) ?
			       DO_INSTALL :
			       0;
	case ARM_SMMU_IRQ_CTRL:
		val &= IRQ_CTRL_EVTQ_IRQEN | IRQ_CTRL_GERROR_IRQEN |
		       (pri ? IRQ_CTRL_PRIQ_IRQEN : 0);
		atomic_store(&vs->irq_ctrl, val);
		atomic_store(&vs->irq_ctrlack, val);
		return 0;
	case ARM_SMMU_GERRORN:
		atomic_store(&vs->gerrorn, val);
		return DO_CONSUME; /* a CMDQ_ERR acknowledged resumes it */
	case ARM_SMMU_GERROR_IRQ_CFG1:
		atomic_store(&vs->gerror_irq_cfg1, val);
		return 0;
	case ARM_SMMU_GERROR_IRQ_CFG2:
		atomic_store(&vs->gerror_irq_cfg2,
			     val & (MSI_CFG2_SH | MSI_CFG2_MEMATTR));
		return 0;
	case ARM_SMMU_STRTAB_BASE_CFG:
		if (!(cr0 & CR0_SMMUEN))
			atomic_store(&vs->strtab_base_cfg,
				     val & (STRTAB_BASE_CFG_FMT |
					    STRTAB_BASE_CFG_SPLIT |
					    STRTAB_BASE_CFG_LOG2SIZE));
		return 0;
	case ARM_SMMU_CMDQ_PROD:
		atomic_store_explicit(&vs->cmdq_prod, val & Q_PTR_MASK,
				      memory_order_release);
		return DO_CONSUME;
	case ARM_SMMU_CMDQ_CONS:
		if (!(cr0 & CR0_CMDQEN))
			atomic_store(&vs->cmdq_cons,
				     val & (Q_PTR_MASK | CMDQ_CONS_ERR));
		return 0;
	case ARM_SMMU_EVTQ_PROD:
		if (!(cr0 & CR0_EVTQEN))
			atomic_store(&vs->evtq_prod,
				     val & (Q_PTR_MASK | Q_OVERFLOW_FLAG));
		return 0;
	case ARM_SMMU_EVTQ_CONS:
		atomic_store_explicit(&vs->evtq_cons,
				      val & (Q_PTR_MASK | Q_OVERFLOW_FLAG),
				      memory_order_release);
		return 0;
	case ARM_SMMU_EVTQ_IRQ_CFG1:
		atomic_store(&vs->evtq_irq_cfg1, val);
		return 0;
	case ARM_SMMU_EVTQ_IRQ_CFG2:
		atomic_store(&vs->evtq_irq_cfg2,
			     val & (MSI_CFG2_SH | MSI_CFG2_MEMATTR));
		return 0;
	}
	if (!pri)
		return 0;
	switch (off) {
	case ARM_SMMU_PRIQ_PROD:
		if (!(cr0 & CR0_PRIQEN))
			atomic_store(&vs->priq_prod,
				     val & (Q_PTR_MASK | Q_OVERFLOW_FLAG));
		return 0;
	case ARM_SMMU_PRIQ_CONS:
		atomic_store_explicit(&vs->priq_cons,
				      val & (Q_PTR_MASK | Q_OVERFLOW_FLAG),
				      memory_order_release);
		return 0;
	case ARM_SMMU_PRIQ_IRQ_CFG1:
		atomic_store(&vs->priq_irq_cfg1, val);
		return 0;
	case ARM_SMMU_PRIQ_IRQ_CFG2:
		atomic_store(&vs->priq_irq_cfg2,
			     val & (MSI_CFG2_SH | MSI_CFG2_MEMATTR));
		return 0;
	}
	return 0; /* read-only or not implemented */
}

/* --- The trapped accesses ------------------------------------------------- */

static int check_access(uint64_t off, unsigned int size, bool *is64)
{
	if ((size != 4 && size != 8) || (off & (size - 1)) ||
	    off >= SMMU_MMIO_SIZE)
		return -EINVAL;
	*is64 = vsmmu_reg_width(off & ~7ULL) == 8;
	if (!*is64 && size == 8 && vsmmu_reg_width(off) == 4)
		return -EINVAL; /* a 64-bit access to a 32-bit register */
	return 0;
}

int vs_mmio_read(void *ctx, uint64_t off, unsigned int size, uint64_t *val)
{
	struct vsmmu_vs *vs = ctx;
	_Atomic uint64_t *r;
	bool is64;
	int rc = check_access(off, size, &is64);

	*val = 0;
	if (rc)
		return rc;
	if (off >= VS_IMPDEF_BASE && off < VS_IMPDEF_END)
		return vs_vcmd_read(vs, off, size, val);
	if (is64) {
		uint64_t v;

		r = reg64(vs, off & ~7ULL);
		v = r ? atomic_load_explicit(r, memory_order_acquire) : 0;
		*val = size == 8 ? v : (uint32_t)(v >> (8 * (off & 4)));
		return 0;
	}
	if (vsmmu_reg_width(off) == 4)
		*val = read32(vs, off);
	return 0;
}

int vs_mmio_write(void *ctx, uint64_t off, unsigned int size, uint64_t val)
{
	struct vsmmu_vs *vs = ctx;
	unsigned int todo = 0;
	bool is64;
	int rc = check_access(off, size, &is64);

	if (rc)
		return rc;
	if (off >= VS_IMPDEF_BASE && off < VS_IMPDEF_END)
		return vs_vcmd_write(vs, off, size, val);
	pthread_mutex_lock(&vs->reg_lock);
	if (is64) {
		uint64_t base = off & ~7ULL;
		_Atomic uint64_t *r = reg64(vs, base);

		if (r && size == 4) {
			unsigned int sh = 8 * (off & 4);

			val = (atomic_load(r) & ~(0xffffffffULL << sh)) |
			      ((val & 0xffffffffULL) << sh);
		}
		write64(vs, base, val);
	} else if (vsmmu_reg_width(off) == 4) {
		todo = write32(vs, off, (uint32_t)val);
	}
	pthread_mutex_unlock(&vs->reg_lock);
	if (todo & DO_INSTALL) {
		vs_install_range(vs, 0, UINT32_MAX, NULL);
		vs_pasid_resync(vs, 0, UINT32_MAX);
	}
	if (todo & DO_CONSUME)
		vs_cmdq_consume(vs);
	return 0;
}

int vsmmu_vm_smmu_set_state(struct vsmmu_vm *vm, unsigned int smmu,
			    const uint64_t *offs, const uint64_t *regs,
			    unsigned int n)
{
	uint64_t cr0 = 0;
	bool have_cr0 = false;
	unsigned int i;
	int rc;

	if (smmu >= vm->nvs)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		unsigned int w = vsmmu_reg_width(offs[i]);

		if (!w)
			return -EINVAL;
		if (offs[i] == ARM_SMMU_CR0) {
			cr0 = regs[i];
			have_cr0 = true;
			continue;
		}
		if (offs[i] == ARM_SMMU_GBPA)
			rc = vs_mmio_write(vm->vs[smmu], offs[i], 4,
					   regs[i] | GBPA_UPDATE);
		else
			rc = vs_mmio_write(vm->vs[smmu], offs[i], w, regs[i]);
		if (rc)
			return rc;
	}
	return have_cr0 ? vs_mmio_write(vm->vs[smmu], ARM_SMMU_CR0, 4, cr0) : 0;
}
