// SPDX-License-Identifier: MIT
/*
 * Fuzz target for the VMM layer: a guest's every move from fuzzer input,
 * against a live host.  Each input builds a host (SMMU model, SYNC
 * execution, with a CMDQV), an iommufd context and a VM of two devices
 * behind a virtual SMMU, optionally boots vsmmu's driver as its guest,
 * then runs operations on the virtual SMMU's registers, its CMDQV, the
 * guest's RAM (queues, stream table, CDs, page tables), its devices' DMA
 * and MSIs, the event path, and the hostile guest of <vsmmu/vmm.h> with
 * its randomness taken from the input.
 *
 * Input layout:
 *   [0] header: bits 0-1 the CMDQV mode (0 off, 1 passthrough, 2
 *       trapped, 3 passthrough), bit 2 boot the guest driver first, bit 3
 *       traps on the VMM thread
 *   then operations, an op byte and its bytes:
 *     0x00-0x3f  SMMU register write: off u16 (scaled by 4, within the
 *                two pages), value u64; op bit 0: 64-bit access
 *     0x40-0x4f  SMMU register read: off u16
 *     0x50       CMDQV register write: off u32, value u32
 *     0x51       VCMDQ page write: off u16, value u32
 *     0x52       guest RAM write: off u32 (8-aligned, in RAM), 16 bytes
 *     0x53       a command at CMDQ_PROD, published: 16 bytes
 *     0x54       DMA: dev u8, iova u32 (<< 8), flags u8
 *     0x55       host IRQ thread, iommufd service, vsmmu_vm_process()
 *     0x56       MSI: dev u8
 *     0x57       CMDQV register read: off u32
 *     others     one hostile-guest step (its choices read from the input)
 *   Short inputs end the sequence; at most FZ_MAX_OPS operations.
 *
 * Invariants (abort() on a violation): every call returns 0 or a negative
 * errno; the host's own queues never stop on anything the guest did (no
 * CERROR, no timeout in the host driver); tearing the VM and the context
 * down leaves no pinned page behind.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vsmmu/arch.h>
#include <vsmmu/host.h>
#include <vsmmu/iommufd.h>
#include <vsmmu/vmm.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
size_t vsmmu_fuzz_seed(unsigned int i, uint8_t *buf, size_t cap);

#define FZ_MAX_OPS 96
#define FZ_RAM (8ULL << 20)
#define FZ_PIN_BASE (1ULL << 46)
#define FZ_PIN_SIZE (1ULL << 40)

struct fz {
	const uint8_t *p;
	size_t left;
	struct vsmmu_host *host;
	struct vsmmu_iommufd_ctx *ictx;
	struct vsmmu_vm *vm;
	struct vsmmu_vm_guest *g;
};

static uint64_t take(struct fz *f, unsigned int bytes)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < bytes && f->left; i++, f->left--)
		v |= (uint64_t)*f->p++ << (8 * i);
	return v;
}

static uint64_t next(void *arg)
{
	return take(arg, 8);
}

static void check(int rc)
{
	if (rc > 0 || rc < -4095)
		abort();
}

static void host_event(void *arg, const struct vsmmu_drv_event *evt)
{
	struct fz *f = arg;

	if (f->ictx)
		vsmmu_iommufd_host_event(f->ictx, 0, evt);
}

static void quiet(void *arg, const char *msg)
{
}

static int fz_init(struct fz *f, uint8_t hdr)
{
	static const enum vsmmu_vm_cmdqv modes[4] = {
		VSMMU_VM_CMDQV_OFF, VSMMU_VM_CMDQV_PASSTHROUGH,
		VSMMU_VM_CMDQV_TRAPPED, VSMMU_VM_CMDQV_PASSTHROUGH
	};
	struct vsmmu_host_config hc;
	struct vsmmu_iommufd_config ic = { 0 };
	struct vsmmu_iommufd_host h;
	struct vsmmu_vm_dev_cfg d[2] = { { .sid = 0x40, .vsid = 0x10 },
					 { .sid = 0x41,
					   .vsid = 0x11,
					   .ats = true,
					   .pri = true,
					   .pasid_bits = 8 } };
	struct vsmmu_vm_config c = { 0 };
	int rc;

	vsmmu_host_config_default(&hc);
	hc.smmu.exec = VSMMU_EXEC_SYNC;
	hc.smmu.cmdqv.present = true;
	hc.smmu.cmdqv.num_vintf_log2 = 1;
	hc.smmu.cmdqv.num_vcmdq_log2 = 2;
	hc.smmu.cmdqv.num_sid_per_vm_log2 = 2;
	hc.drv.cmdqv_nqueues = 1;
	hc.drv.event_fn = host_event;
	hc.drv.event_arg = f;
	hc.drv.log_fn = quiet;
	hc.drv.timeout_ns = 100000000ULL;
	hc.pool_base = 0x10000000ULL;
	hc.pool_size = 8ULL << 20;
	rc = vsmmu_host_create(&hc, NULL, &f->host);
	if (rc)
		return rc;
	h.smmu = vsmmu_host_smmu(f->host);
	h.drv = vsmmu_host_drv(f->host);
	ic.hosts = &h;
	ic.nhosts = 1;
	ic.pin_base = FZ_PIN_BASE;
	ic.pin_size = FZ_PIN_SIZE;
	ic.no_service_thread = true;
	rc = vsmmu_iommufd_ctx_create(&ic, &f->ictx);
	if (rc)
		return rc;
	c.ictx = f->ictx;
	c.ram_size = FZ_RAM;
	c.devs = d;
	c.ndevs = 2;
	c.cmdqv = modes[hdr & 3];
	c.trap = hdr & 8 ? VSMMU_VM_TRAP_THREAD : VSMMU_VM_TRAP_VCPU;
	/* Guest PASIDs: the guest's table, or the host's (VCMD, CD shadowing) */
	c.pasid_mode = (enum vsmmu_vm_pasid_mode)((hdr >> 4) % 3);
	c.veventq_depth = 8;
	rc = vsmmu_vm_create(&c, &f->vm);
	if (rc)
		return rc;
	if (hdr & 4) {
		struct vsmmu_vm_guest_config gc = { 0 };
		struct vsmmu_drv_domain *dom;

		gc.pool_size = 2ULL << 20;
		gc.cmdqv_nqueues = 1;
		gc.timeout_ns = 1000000; /* the input may break its SMMU */
		if (!vsmmu_vm_guest_create(f->vm, &gc, &f->g) &&
		    !vsmmu_vm_guest_attach(f->g, 0, 7, &dom))
			vsmmu_drv_map(dom, 0x100000,
				      VSMMU_VM_RAM_BASE + 0x100000, 0x1000,
				      VSMMU_PROT_READ | VSMMU_PROT_WRITE);
	}
	return 0;
}

static void do_op(struct fz *f, uint8_t op)
{
	uint64_t smmu = VSMMU_VM_SMMU_BASE(0), cv = VSMMU_VM_CMDQV_BASE(0);
	uint64_t v, off, w[2];
	struct vsmmu_mem *g = vsmmu_vm_gmem(f->vm);

	if (op < 0x40) {
		off = (take(f, 2) * 4) % SMMU_MMIO_SIZE;
		v = take(f, 8);
		if (op & 1)
			check(vsmmu_vm_mmio_write(f->vm, smmu + (off & ~7ULL),
						  8, v));
		else
			check(vsmmu_vm_mmio_write(f->vm, smmu + off, 4, v));
		return;
	}
	if (op < 0x50) {
		off = (take(f, 2) * 4) % SMMU_MMIO_SIZE;
		check(vsmmu_vm_mmio_read(f->vm, smmu + off, 4, &v));
		return;
	}
	switch (op) {
	case 0x50:
		off = take(f, 4) % VSMMU_VM_CMDQV_SIZE;
		check(vsmmu_vm_mmio_write(f->vm, cv + (off & ~3ULL), 4,
					  take(f, 4)));
		return;
	case 0x51:
		off = take(f, 2);
		check(vsmmu_vm_mmio_write(
			f->vm, cv + TEGRA241_VINTFi_PAGE0(0) + (off & 0xfffc),
			4, take(f, 4)));
		return;
	case 0x52:
		off = (take(f, 4) % FZ_RAM) & ~15ULL;
		w[0] = take(f, 8);
		w[1] = take(f, 8);
		check(vsmmu_mem_write64(g, VSMMU_VM_RAM_BASE + off, w[0]));
		check(vsmmu_mem_write64(g, VSMMU_VM_RAM_BASE + off + 8, w[1]));
		return;
	case 0x53: {
		uint64_t qb = 0, prod = 0;
		unsigned int log2;

		w[0] = take(f, 8);
		w[1] = take(f, 8);
		check(vsmmu_vm_mmio_read(f->vm, smmu + ARM_SMMU_CMDQ_BASE, 8,
					 &qb));
		check(vsmmu_vm_mmio_read(f->vm, smmu + ARM_SMMU_CMDQ_PROD, 4,
					 &prod));
		log2 = VS_FIELD_GET(Q_BASE_LOG2SIZE, qb);
		if (log2 > 10)
			log2 = 10;
		off = (qb & Q_BASE_ADDR_MASK) +
		      16 * (prod & ((1U << log2) - 1));
		/* absent guest memory is the guest's business: -EFAULT */
		check(vsmmu_mem_write64(g, off, w[0]));
		check(vsmmu_mem_write64(g, off + 8, w[1]));
		check(vsmmu_vm_mmio_write(f->vm, smmu + ARM_SMMU_CMDQ_PROD, 4,
					  (prod + 1) & ((2U << log2) - 1)));
		return;
	}
	case 0x54: {
		uint64_t buf[4] = { 0 };
		struct vsmmu_iommufd_dma d = { 0 };
		unsigned int dev = take(f, 1) & 1;

		d.iova = take(f, 4) << 8;
		d.flags = take(f, 1) & VSMMU_IOMMUFD_DMA_WRITE;
		d.buf = buf;
		d.len = sizeof(buf);
		check(vsmmu_vm_dev_dma(f->vm, dev, &d));
		return;
	}
	case 0x55:
		vsmmu_drv_process(vsmmu_host_drv(f->host));
		check(vsmmu_iommufd_process(f->ictx) < 0 ? -1 : 0);
		check(vsmmu_vm_process(f->vm) < 0 ? -1 : 0);
		if (f->g)
			vsmmu_drv_process(vsmmu_vm_guest_drv(f->g));
		return;
	case 0x56:
		check(vsmmu_vm_dev_msi(f->vm, take(f, 1) & 1));
		return;
	case 0x57:
		off = take(f, 4) % VSMMU_VM_CMDQV_SIZE;
		check(vsmmu_vm_mmio_read(f->vm, cv + (off & ~3ULL), 4, &v));
		return;
	default: {
		static const uint32_t sids[] = { 0x40, 0x41, 0x10, 0x11, 0x99 };
		static const uint16_t vmids[] = { 0, 1, 2 };
		static const uint64_t addrs[] = { 0x10000000ULL, 0x08020000ULL,
						  FZ_PIN_BASE, 0 };
		struct vsmmu_vm_hostile h = { .next = next,
					      .arg = f,
					      .aim_addrs = addrs,
					      .naim_addrs = 4,
					      .aim_sids = sids,
					      .naim_sids = 5,
					      .aim_vmids = vmids,
					      .naim_vmids = 3,
					      .marker = 0x2145c494954534f4ULL };
		struct vsmmu_vm_hostile_stats st = { 0 };

		check(vsmmu_vm_hostile_step(f->vm, &h, &st));
	}
	}
}

static int in_pin(void *arg, uint64_t pa, uint64_t size)
{
	return pa < FZ_PIN_BASE + FZ_PIN_SIZE && pa + size > FZ_PIN_BASE;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vsmmu_drv_stats ds;
	struct fz *f;
	unsigned int n;

	if (!size)
		return 0;
	f = calloc(1, sizeof(*f));
	if (!f)
		return 0;
	f->p = data + 1;
	f->left = size - 1;
	if (!fz_init(f, data[0])) {
		for (n = 0; n < FZ_MAX_OPS && f->left; n++)
			do_op(f, (uint8_t)take(f, 1));
		/* Nothing the guest did stopped the host's queues */
		vsmmu_drv_process(vsmmu_host_drv(f->host));
		vsmmu_drv_get_stats(vsmmu_host_drv(f->host), &ds);
		if (ds.cerror_ill || ds.cerror_abt || ds.cerror_atc_inv ||
		    ds.timeouts)
			abort();
	}
	vsmmu_vm_guest_destroy(f->g);
	vsmmu_vm_destroy(f->vm);
	vsmmu_iommufd_ctx_destroy(f->ictx);
	/* Everything pinned was let go */
	if (f->host &&
	    vsmmu_mem_for_each_range(vsmmu_host_mem(f->host), in_pin, NULL))
		abort();
	vsmmu_host_destroy(f->host);
	free(f);
	return 0;
}

/* --- Seeds ------------------------------------------------------------------ */

struct seed {
	uint8_t *b;
	size_t n, cap;
};

static void put(struct seed *s, uint64_t v, unsigned int bytes)
{
	unsigned int i;

	for (i = 0; i < bytes; i++)
		if (s->n < s->cap)
			s->b[s->n++] = (uint8_t)(v >> (8 * i));
}

static void reg(struct seed *s, uint64_t off, uint64_t v, bool is64)
{
	put(s, is64 ? 1 : 0, 1);
	put(s, off / 4, 2);
	put(s, v, 8);
}

static void ram(struct seed *s, uint64_t gpa, uint64_t w0, uint64_t w1)
{
	put(s, 0x52, 1);
	put(s, gpa - VSMMU_VM_RAM_BASE, 4);
	put(s, w0, 8);
	put(s, w1, 8);
}

static void cmd(struct seed *s, uint64_t w0, uint64_t w1)
{
	put(s, 0x53, 1);
	put(s, w0, 8);
	put(s, w1, 8);
}

#define SD_STRTAB (VSMMU_VM_RAM_BASE + 0x40000)
#define SD_CMDQ (VSMMU_VM_RAM_BASE + 0x10000)
#define SD_EVTQ (VSMMU_VM_RAM_BASE + 0x20000)
#define SD_CD (VSMMU_VM_RAM_BASE + 0x50000)
#define SD_RING (VSMMU_VM_RAM_BASE + 0x60000)

size_t vsmmu_fuzz_seed(unsigned int i, uint8_t *buf, size_t cap)
{
	struct seed s = { buf, 0, cap };

	switch (i) {
	case 0: /* the guest driver booted; it faults, events, MSIs */
		put(&s, 4, 1);
		put(&s, 0x54, 1);
		put(&s, 0, 1);
		put(&s, 0x1000, 4); /* IOVA 0x100000: mapped */
		put(&s, 1, 1);
		put(&s, 0x54, 1);
		put(&s, 0, 1);
		put(&s, 0x500000, 4); /* unmapped: a fault */
		put(&s, 0, 1);
		put(&s, 0x55, 1);
		put(&s, 0x56, 1);
		put(&s, 0, 1);
		break;
	case 1: /* by hand: queues, a stream table, an S1 STE, CFGI, DMA */
		put(&s, 0, 1);
		reg(&s, ARM_SMMU_STRTAB_BASE, SD_STRTAB, true);
		reg(&s, ARM_SMMU_STRTAB_BASE_CFG, 5, false);
		reg(&s, ARM_SMMU_CMDQ_BASE, SD_CMDQ | 4, true);
		reg(&s, ARM_SMMU_EVTQ_BASE, SD_EVTQ | 1, true);
		reg(&s, ARM_SMMU_IRQ_CTRL, 5, false);
		reg(&s, ARM_SMMU_CR0, CR0_SMMUEN | CR0_CMDQEN | CR0_EVTQEN,
		    false);
		/* STE of vSID 0x10: V, S1, CD at SD_CD; its CD: a table at
		 * SD_CD + 0x1000 (empty: every access faults) */
		ram(&s, SD_STRTAB + 64 * 0x10, 0x1 | 0xa | SD_CD, 0xd4);
		ram(&s, SD_CD,
		    VS_FIELD_PREP(CTXDESC_CD_0_TCR_T0SZ, 16) |
			    CTXDESC_CD_0_TCR_EPD1 | CTXDESC_CD_0_V |
			    CTXDESC_CD_0_AA64 | CTXDESC_CD_0_R |
			    CTXDESC_CD_0_A |
			    VS_FIELD_PREP(CTXDESC_CD_0_TCR_IPS, 5) |
			    VS_FIELD_PREP(CTXDESC_CD_0_ASID, 3),
		    SD_CD + 0x1000);
		cmd(&s, CMDQ_OP_CFGI_STE | (0x10ULL << 32), 1);
		cmd(&s, CMDQ_OP_TLBI_NH_ASID | (3ULL << 48), 0);
		cmd(&s, CMDQ_OP_CMD_SYNC | (1ULL << 12) | (0x55ULL << 32),
		    SD_CMDQ + 0x800);
		cmd(&s, CMDQ_OP_TLBI_S12_VMALL, 0); /* CERROR_ILL */
		reg(&s, ARM_SMMU_GERRORN, 1, false);
		put(&s, 0x54, 1);
		put(&s, 0, 1);
		put(&s, 0x1234, 4);
		put(&s, 0, 1);
		put(&s, 0x55, 1);
		break;
	case 2: /* CMDQV passthrough: enable, BASE, the VCMDQ page */
		put(&s, 1, 1);
		put(&s, 0x50, 1);
		put(&s, TEGRA241_CMDQV_CONFIG, 4);
		put(&s, 1, 4);
		put(&s, 0x50, 1);
		put(&s, TEGRA241_VINTF(0) + TEGRA241_VINTF_CONFIG, 4);
		put(&s, VINTF_HYP_OWN | VINTF_EN, 4);
		put(&s, 0x50, 1);
		put(&s, TEGRA241_VINTFi_PAGE1(0) + TEGRA241_VCMDQ_BASE, 4);
		put(&s, (uint32_t)(SD_RING | 4), 4);
		put(&s, 0x51, 1);
		put(&s, TEGRA241_VCMDQ_CONFIG, 2);
		put(&s, 1, 4);
		ram(&s, SD_RING, CMDQ_OP_CFGI_STE, 0); /* illegal there */
		put(&s, 0x51, 1);
		put(&s, TEGRA241_VCMDQ_PROD, 2);
		put(&s, 1, 4);
		put(&s, 0x55, 1);
		put(&s, 0x57, 1);
		put(&s, TEGRA241_VINTF(0) + TEGRA241_VINTF_LVCMDQ_ERR_MAP_64(0),
		    4);
		break;
	case 3: /* a booted guest, then hostile steps */
		put(&s, 5, 1);
		for (unsigned int k = 0; k < 24; k++) {
			put(&s, 0xa0 + k, 1);
			put(&s, 0x9e3779b97f4a7c15ULL * (k + 1), 8);
			put(&s, 0xbf58476d1ce4e5b9ULL * (k + 3), 8);
			put(&s, 0x94d049bb133111ebULL * (k + 7), 8);
		}
		break;
	default:
		return 0;
	}
	return s.n;
}
