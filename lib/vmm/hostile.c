// SPDX-License-Identifier: MIT
/*
 * A hostile guest: a guest that does anything a guest can do, at random,
 * aimed at what is not its own (docs/vm.md, "Isolation").  It acts only as
 * a guest acts -- accesses to its virtual SMMU's and CMDQV's registers and
 * VCMDQ page, writes to its own RAM (queues, stream table, CDs, page
 * tables), its devices' DMA -- with the values that would hurt if the VMM
 * or the host let them through: other VMs' StreamIDs (virtual and
 * physical), other VMIDs, host-physical addresses of other VMs' memory and
 * of the host's own structures.
 *
 * Every choice comes from h->next(), so a seed replays a run exactly and
 * a fuzzer can drive it byte by byte (fuzz/fuzz_vmm.c).
 */
#include <errno.h>
#include <string.h>

#include "vmm/vm.h"

static uint64_t rnd(const struct vsmmu_vm_hostile *h)
{
	return h->next(h->arg);
}

static uint64_t pick(const struct vsmmu_vm_hostile *h, uint64_t n)
{
	return n ? rnd(h) % n : 0;
}

/* A StreamID: aimed (another VM's), one of its own, or any */
static uint32_t a_sid(const struct vsmmu_vm_hostile *h, struct vsmmu_vm *vm)
{
	switch (pick(h, 4)) {
	case 0:
	case 1:
		if (h->naim_sids)
			return h->aim_sids[pick(h, h->naim_sids)];
		/* fallthrough */
	case 2:
		return vsmmu_vm_dev_vsid(
			vm, (unsigned int)pick(h, vsmmu_vm_nr_devs(vm)));
	}
	return (uint32_t)rnd(h);
}

/* An address: aimed (host-physical, another VM's), in its RAM, or any */
static uint64_t a_addr(const struct vsmmu_vm_hostile *h, struct vsmmu_vm *vm)
{
	uint64_t base, size;

	vsmmu_vm_ram(vm, &base, &size);
	switch (pick(h, 4)) {
	case 0:
		if (h->naim_addrs)
			return h->aim_addrs[pick(h, h->naim_addrs)];
		/* fallthrough */
	case 1:
	case 2:
		return base + pick(h, size);
	}
	return rnd(h) & VS_GENMASK(51, 0);
}

/* A GPA in its RAM to scribble on, biased to the guest driver's pool */
static uint64_t own_gpa(const struct vsmmu_vm_hostile *h, struct vsmmu_vm *vm)
{
	uint64_t base, size, span = 16ULL << 20;

	vsmmu_vm_ram(vm, &base, &size);
	if (span > size)
		span = size;
	if (pick(h, 2))
		return (base + size - span + pick(h, span)) & ~7ULL;
	return (base + pick(h, size)) & ~7ULL;
}

static const unsigned char opcodes[] = {
	CMDQ_OP_PREFETCH_CFG,	CMDQ_OP_PREFETCH_ADDR, CMDQ_OP_CFGI_STE,
	CMDQ_OP_CFGI_STE_RANGE, CMDQ_OP_CFGI_CD,       CMDQ_OP_CFGI_CD_ALL,
	CMDQ_OP_CFGI_VMS_PIDM,	CMDQ_OP_TLBI_NH_ALL,   CMDQ_OP_TLBI_NH_ASID,
	CMDQ_OP_TLBI_NH_VA,	CMDQ_OP_TLBI_NH_VAA,   CMDQ_OP_TLBI_EL3_ALL,
	CMDQ_OP_TLBI_EL2_ALL,	CMDQ_OP_TLBI_EL2_VA,   CMDQ_OP_TLBI_S12_VMALL,
	CMDQ_OP_TLBI_S2_IPA,	CMDQ_OP_TLBI_NSNH_ALL, CMDQ_OP_ATC_INV,
	CMDQ_OP_PRI_RESP,	CMDQ_OP_RESUME,	       CMDQ_OP_STALL_TERM,
	CMDQ_OP_CMD_SYNC,
};

/* A command: mostly well formed (so it gets past the checks and does
 * something), sometimes not at all */
static void a_cmd(const struct vsmmu_vm_hostile *h, struct vsmmu_vm *vm,
		  uint64_t c[2])
{
	unsigned int op = opcodes[pick(h, sizeof(opcodes))];

	if (!pick(h, 8)) {
		c[0] = rnd(h);
		c[1] = rnd(h);
		return;
	}
	c[0] = op;
	c[1] = 0;
	switch (op) {
	case CMDQ_OP_CFGI_STE:
	case CMDQ_OP_CFGI_CD:
	case CMDQ_OP_CFGI_CD_ALL:
	case CMDQ_OP_ATC_INV:
	case CMDQ_OP_PREFETCH_CFG:
	case CMDQ_OP_STALL_TERM:
		c[0] |= VS_FIELD_PREP(CMDQ_CFGI_0_SID, a_sid(h, vm));
		if (op == CMDQ_OP_ATC_INV)
			c[1] = (rnd(h) & CMDQ_ATC_1_ADDR_MASK) |
			       VS_FIELD_PREP(CMDQ_ATC_1_SIZE, pick(h, 53));
		break;
	case CMDQ_OP_CFGI_STE_RANGE:
		c[0] |= VS_FIELD_PREP(CMDQ_CFGI_0_SID, a_sid(h, vm));
		c[1] = pick(h, 32);
		break;
	case CMDQ_OP_TLBI_NH_ALL:
	case CMDQ_OP_TLBI_NH_ASID:
	case CMDQ_OP_TLBI_NH_VA:
	case CMDQ_OP_TLBI_NH_VAA:
	case CMDQ_OP_TLBI_S12_VMALL:
	case CMDQ_OP_TLBI_S2_IPA:
		c[0] |= VS_FIELD_PREP(
				CMDQ_TLBI_0_VMID,
				h->naim_vmids ?
					h->aim_vmids[pick(h, h->naim_vmids)] :
					rnd(h)) |
			VS_FIELD_PREP(CMDQ_TLBI_0_ASID, rnd(h));
		if (op == CMDQ_OP_TLBI_NH_VA || op == CMDQ_OP_TLBI_NH_VAA ||
		    op == CMDQ_OP_TLBI_S2_IPA)
			c[1] = a_addr(h, vm) & CMDQ_TLBI_1_VA_MASK;
		break;
	case CMDQ_OP_CMD_SYNC:
		c[0] |= VS_FIELD_PREP(CMDQ_SYNC_0_CS, pick(h, 3)) |
			VS_FIELD_PREP(CMDQ_SYNC_0_MSIDATA, rnd(h));
		c[1] = a_addr(h, vm) & CMDQ_SYNC_1_MSIADDR_MASK;
		break;
	default:
		c[1] = rnd(h) & 0xff;
	}
}

static int mmio_w(struct vsmmu_vm *vm, uint64_t gpa, unsigned int size,
		  uint64_t v, struct vsmmu_vm_hostile_stats *st)
{
	int rc = vsmmu_vm_mmio_write(vm, gpa, size, v);

	if (rc)
		st->mmio_errors++;
	return rc;
}

static uint64_t mmio_r(struct vsmmu_vm *vm, uint64_t gpa, unsigned int size)
{
	uint64_t v = 0;

	vsmmu_vm_mmio_read(vm, gpa, size, &v);
	return v;
}

static const uint16_t smmu_regs[] = {
	ARM_SMMU_CR0,		ARM_SMMU_CR1,
	ARM_SMMU_CR2,		ARM_SMMU_GBPA,
	ARM_SMMU_IRQ_CTRL,	ARM_SMMU_GERRORN,
	ARM_SMMU_STRTAB_BASE,	ARM_SMMU_STRTAB_BASE_CFG,
	ARM_SMMU_CMDQ_BASE,	ARM_SMMU_CMDQ_PROD,
	ARM_SMMU_CMDQ_CONS,	ARM_SMMU_EVTQ_BASE,
	ARM_SMMU_EVTQ_IRQ_CFG0, ARM_SMMU_GERROR_IRQ_CFG0,
};

/* A register write: a named register with a plausible value, or any */
static void reg_write(const struct vsmmu_vm_hostile *h, struct vsmmu_vm *vm,
		      uint64_t base, struct vsmmu_vm_hostile_stats *st)
{
	uint64_t off, v = rnd(h);
	unsigned int size = pick(h, 2) ? 4 : 8;

	if (pick(h, 4)) {
		off = smmu_regs[pick(h,
				     sizeof(smmu_regs) / sizeof(smmu_regs[0]))];
		if (off == ARM_SMMU_STRTAB_BASE || off == ARM_SMMU_CMDQ_BASE ||
		    off == ARM_SMMU_EVTQ_BASE ||
		    off == ARM_SMMU_EVTQ_IRQ_CFG0 ||
		    off == ARM_SMMU_GERROR_IRQ_CFG0) {
			v = a_addr(h, vm) | pick(h, 12);
			size = 8;
		} else if (off == ARM_SMMU_CR0 && pick(h, 4)) {
			v = CR0_SMMUEN | CR0_CMDQEN | CR0_EVTQEN |
			    (v & CR0_ATSCHK);
			size = 4;
		} else {
			v &= pick(h, 2) ? 0xff : 0xfffff;
			size = 4;
		}
	} else {
		off = pick(h, SMMU_MMIO_SIZE / 4) * 4;
		if (size == 8)
			off &= ~7ULL;
	}
	st->reg_writes++;
	mmio_w(vm, base + off, size, v, st);
	if (off == ARM_SMMU_CMDQ_PROD || off == ARM_SMMU_GERRORN)
		st->cmds++;
}

/*
 * Put commands at its queue's PROD and publish them.  A hostile guest
 * wants its SMMU alive to keep trying: mostly it first acknowledges a
 * command error (GERRORN := GERROR) and turns the SMMU and queues back on.
 */
static void queue_cmd(const struct vsmmu_vm_hostile *h, struct vsmmu_vm *vm,
		      uint64_t base, struct vsmmu_vm_hostile_stats *st,
		      const uint64_t *first)
{
	uint64_t qb, c[2];
	uint32_t prod, cr0;
	unsigned int log2, n, i;

	qb = mmio_r(vm, base + ARM_SMMU_CMDQ_BASE, 8);
	log2 = VS_FIELD_GET(Q_BASE_LOG2SIZE, qb);
	if (log2 > 10)
		log2 = 10;
	if (pick(h, 4)) {
		uint32_t cons =
			(uint32_t)mmio_r(vm, base + ARM_SMMU_CMDQ_CONS, 4);

		/* Over the failing command: another one, or a CMD_SYNC as
		 * Linux's recovery writes */
		if (VS_FIELD_GET(CMDQ_CONS_ERR, cons)) {
			uint64_t a = (qb & Q_BASE_ADDR_MASK) +
				     16ULL * (cons & ((1U << log2) - 1));

			a_cmd(h, vm, c);
			if (pick(h, 2)) {
				c[0] = CMDQ_OP_CMD_SYNC;
				c[1] = 0;
			}
			vsmmu_mem_write64(vsmmu_vm_gmem(vm), a, c[0]);
			vsmmu_mem_write64(vsmmu_vm_gmem(vm), a + 8, c[1]);
		}
		mmio_w(vm, base + ARM_SMMU_GERRORN, 4,
		       mmio_r(vm, base + ARM_SMMU_GERROR, 4), st);
		cr0 = (uint32_t)mmio_r(vm, base + ARM_SMMU_CR0, 4);
		if ((cr0 & (CR0_SMMUEN | CR0_CMDQEN)) !=
		    (CR0_SMMUEN | CR0_CMDQEN))
			mmio_w(vm, base + ARM_SMMU_CR0, 4,
			       cr0 | CR0_SMMUEN | CR0_CMDQEN | CR0_EVTQEN, st);
	}
	prod = (uint32_t)mmio_r(vm, base + ARM_SMMU_CMDQ_PROD, 4);
	n = 1 + (unsigned int)pick(h, 4);
	for (i = 0; i < n; i++) {
		uint64_t a = (qb & Q_BASE_ADDR_MASK) +
			     16ULL * (prod & ((1U << log2) - 1));

		a_cmd(h, vm, c);
		if (!i && first) {
			c[0] = first[0];
			c[1] = first[1];
		}
		vsmmu_mem_write64(vsmmu_vm_gmem(vm), a, c[0]);
		vsmmu_mem_write64(vsmmu_vm_gmem(vm), a + 8, c[1]);
		prod = (prod + 1) & ((2U << log2) - 1);
	}
	st->cmds += n;
	mmio_w(vm, base + ARM_SMMU_CMDQ_PROD, 4, prod, st);
}

/* An STE or a CD at a place of its stream table / CD tables */
static void table_entry(const struct vsmmu_vm_hostile *h, struct vsmmu_vm *vm,
			uint64_t base, struct vsmmu_vm_hostile_stats *st,
			uint32_t *out_sid)
{
	uint64_t stb = mmio_r(vm, base + ARM_SMMU_STRTAB_BASE, 8) &
		       STRTAB_BASE_ADDR_MASK;
	uint64_t w[2], a;
	uint32_t sid = a_sid(h, vm) & 0xffff;
	unsigned int cfg = (unsigned int)(pick(h, 2) ? 5 : pick(h, 8));

	w[0] = STRTAB_STE_0_V | VS_FIELD_PREP(STRTAB_STE_0_CFG, cfg) |
	       (a_addr(h, vm) & STRTAB_STE_0_S1CTXPTR_MASK) |
	       VS_FIELD_PREP(STRTAB_STE_0_S1CDMAX, pick(h, 4)) |
	       VS_FIELD_PREP(STRTAB_STE_0_S1FMT, pick(h, 3));
	w[1] = pick(h, 2) ? 0xd4 : rnd(h);
	if (pick(h, 2)) {
		/* An STE, in a linear table or as level 2 of whatever
		 * descriptor is there */
		a = stb + 64ULL * (sid & 0xff);
		if (pick(h, 2)) {
			/* Through its level-1 descriptor, as the SMMU would */
			uint64_t l1 = 0;

			vsmmu_mem_read64(vsmmu_vm_gmem(vm),
					 stb + 8 * (sid >> 8), &l1);
			a = (l1 & STRTAB_L1_DESC_L2PTR_MASK) +
			    64ULL * (sid & 0xff);
		}
		st->stes++;
	} else {
		/* A CD where an STE might point: V, ASID, a TTB aimed */
		a = a_addr(h, vm) & ~63ULL;
		w[0] = (rnd(h) & ~(uint64_t)CTXDESC_CD_0_ASID) |
		       CTXDESC_CD_0_V | CTXDESC_CD_0_AA64;
		w[1] = a_addr(h, vm) & CTXDESC_CD_1_TTB0_MASK;
		st->cds++;
	}
	vsmmu_mem_write64(vsmmu_vm_gmem(vm), a, w[0]);
	vsmmu_mem_write64(vsmmu_vm_gmem(vm), a + 8, w[1]);
	*out_sid = sid;
}

/* Page-table scribbles: a table or page descriptor aimed elsewhere */
static void scribble(const struct vsmmu_vm_hostile *h, struct vsmmu_vm *vm,
		     struct vsmmu_vm_hostile_stats *st)
{
	uint64_t d = (a_addr(h, vm) & ARM_LPAE_PTE_ADDR_MASK) |
		     ARM_LPAE_PTE_VALID | ARM_LPAE_PTE_AF |
		     (pick(h, 2) ? ARM_LPAE_PTE_TYPE : 0) |
		     ARM_LPAE_PTE_AP_UNPRIV;

	if (!pick(h, 4))
		d = rnd(h);
	vsmmu_mem_write64(vsmmu_vm_gmem(vm), own_gpa(h, vm), d);
	st->ptes++;
}

/* The CMDQV: trapped registers, the VCMDQ page, commands in its ring */
static void cmdqv_op(const struct vsmmu_vm_hostile *h, struct vsmmu_vm *vm,
		     uint64_t cv, struct vsmmu_vm_hostile_stats *st)
{
	uint64_t p0 = cv + TEGRA241_VINTFi_PAGE0(0),
		 p1 = cv + TEGRA241_VINTFi_PAGE1(0);
	unsigned int l = (unsigned int)pick(h, 4), i, n;
	uint64_t ring, c[2];
	uint32_t prod;

	st->vcmdq_ops++;
	switch (pick(h, 6)) {
	case 0: /* any trapped register */
		mmio_w(vm, cv + pick(h, TEGRA241_VINTFi_PAGE0(0) / 4) * 4, 4,
		       rnd(h), st);
		return;
	case 1: /* the enables, HYP_OWN, the pairs */
		mmio_w(vm,
		       cv + (pick(h, 2) ?
				     TEGRA241_VINTF(0) + TEGRA241_VINTF_CONFIG :
				     TEGRA241_VINTF(0) +
					     TEGRA241_VINTF_SID_REPLACE(
						     pick(h, 16))),
		       4, pick(h, 2) ? VINTF_HYP_OWN | VINTF_EN | rnd(h) : 1,
		       st);
		mmio_w(vm, cv + TEGRA241_CMDQV_CONFIG, 4, CMDQV_EN, st);
		return;
	case 2: /* a queue's BASE, aimed anywhere */
		mmio_w(vm, p1 + 0x80ULL * l + TEGRA241_VCMDQ_BASE, 8,
		       (a_addr(h, vm) & VCMDQ_ADDR) | pick(h, 12), st);
		return;
	case 3: /* its page: any register of any logical queue */
		mmio_w(vm, p0 + 0x80ULL * l + 4 * pick(h, 6), 4,
		       pick(h, 2) ? 1 : rnd(h), st);
		return;
	}
	/* Commands in its ring (where BASE of LVCMDQ l says) */
	ring = mmio_r(vm, p1 + 0x80ULL * l + TEGRA241_VCMDQ_BASE, 8);
	prod = (uint32_t)mmio_r(vm, p0 + 0x80ULL * l + TEGRA241_VCMDQ_PROD, 4);
	n = 1 + (unsigned int)pick(h, 4);
	for (i = 0; i < n; i++) {
		unsigned int log2 = VS_FIELD_GET(VCMDQ_LOG2SIZE, ring);

		if (log2 > 10)
			log2 = 10;
		a_cmd(h, vm, c);
		vsmmu_mem_write64(vsmmu_vm_gmem(vm),
				  (ring & VCMDQ_ADDR) +
					  16ULL * (prod & ((1U << log2) - 1)),
				  c[0]);
		vsmmu_mem_write64(vsmmu_vm_gmem(vm),
				  (ring & VCMDQ_ADDR) +
					  16ULL * (prod & ((1U << log2) - 1)) +
					  8,
				  c[1]);
		prod = (prod + 1) & ((2U << log2) - 1);
	}
	st->cmds += n;
	mmio_w(vm, p0 + 0x80ULL * l + TEGRA241_VCMDQ_PROD, 4, prod, st);
	if (pick(h, 2))
		mmio_w(vm, p0 + 0x80ULL * l + TEGRA241_VCMDQ_GERRORN, 4,
		       mmio_r(vm, p0 + 0x80ULL * l + TEGRA241_VCMDQ_GERROR, 4),
		       st);
}

/* Its devices' DMA: writes of the marker, reads handed to the caller */
static void dma_op(const struct vsmmu_vm_hostile *h, struct vsmmu_vm *vm,
		   struct vsmmu_vm_hostile_stats *st)
{
	uint64_t buf[4] = { h->marker, h->marker, h->marker, h->marker };
	struct vsmmu_iommufd_dma op = { 0 };
	unsigned int dev = (unsigned int)pick(h, vsmmu_vm_nr_devs(vm));

	op.iova = (pick(h, 2) ? a_addr(h, vm) : pick(h, 1ULL << 32)) & ~31ULL;
	op.buf = buf;
	op.len = sizeof(buf);
	op.flags = pick(h, 2) ? VSMMU_IOMMUFD_DMA_WRITE : 0;
	st->dmas++;
	if (vsmmu_vm_dev_dma(vm, dev, &op))
		st->dma_faults++;
	else if (!(op.flags & VSMMU_IOMMUFD_DMA_WRITE) && h->read_fn)
		h->read_fn(h->arg, buf, sizeof(buf));
	if (!pick(h, 8))
		vsmmu_vm_dev_msi(vm, dev);
}

int vsmmu_vm_hostile_step(struct vsmmu_vm *vm, const struct vsmmu_vm_hostile *h,
			  struct vsmmu_vm_hostile_stats *st)
{
	uint64_t base, cv;

	if (!vm || !h || !h->next || !st || h->smmu >= vsmmu_vm_nr_smmus(vm))
		return -EINVAL;
	base = VSMMU_VM_SMMU_BASE(h->smmu);
	cv = VSMMU_VM_CMDQV_BASE(h->smmu);
	st->ops++;
	switch (pick(h, 8)) {
	case 0:
		reg_write(h, vm, base, st);
		break;
	case 1:
	case 2:
		queue_cmd(h, vm, base, st, NULL);
		break;
	case 3: {
		uint32_t sid;
		uint64_t c[2] = { 0, CMDQ_CFGI_1_LEAF };

		table_entry(h, vm, base, st, &sid);
		/* and make the SMMU look at it */
		c[0] = CMDQ_OP_CFGI_STE | VS_FIELD_PREP(CMDQ_CFGI_0_SID, sid);
		queue_cmd(h, vm, base, st, pick(h, 4) ? c : NULL);
		break;
	}
	case 4:
		scribble(h, vm, st);
		break;
	case 5:
		if (vsmmu_vm_smmu_has_cmdqv(vm, h->smmu)) {
			cmdqv_op(h, vm, cv, st);
			break;
		}
		/* fallthrough */
	case 6:
		dma_op(h, vm, st);
		break;
	default:
		/* Reads have no effect but must not hurt either */
		mmio_r(vm, base + pick(h, SMMU_MMIO_SIZE / 4) * 4, 4);
		vsmmu_vm_process(vm);
	}
	return 0;
}
