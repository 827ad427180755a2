// SPDX-License-Identifier: MIT
/*
 * The virtual SMMU driven by hand, as a guest driver would drive silicon:
 * register access rules, the emulated command queue (CERROR_ILL and
 * CERROR_ABT on the guest's own queue, GERRORN recovery, CMD_SYNC by MSI
 * and by interrupt, batching into HWPT_INVALIDATE), the STE -> nested HWPT
 * path (abort, bypass, stage 1, illegal STEs, linear and two-level stream
 * tables, CFGI_STE dropping the CDs cached through the StreamID, SMMUEN
 * and GBPA), and events forwarded into the guest's event queue with its
 * overflow rule and interrupt.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <vsmmu/arch.h>
#include <vsmmu/bits.h>
#include <vsmmu/pgtable.h>

#include "harness.h"
#include "vm_env.h"

#define PG 4096ULL
#define RAM VSMMU_VM_RAM_BASE
#define GPA_CMDQ (RAM + 0x10000) /* 16 commands */
#define GPA_EVTQ (RAM + 0x20000) /* 2 events */
#define GPA_SYNC (RAM + 0x30000) /* CMD_SYNC MSI target */
#define GPA_STRTAB (RAM + 0x40000) /* linear, 32 STEs */
#define GPA_L2 (RAM + 0x48000) /* a level-2 stream table */
#define GPA_CD (RAM + 0x50000) /* one CD */
#define GPA_POOL (RAM + 0x100000) /* the guest's page tables */
#define GPA_DATA (RAM + 0x300000)
#define GPA_DATA2 (RAM + 0x301000)
#define GIOVA 0x7000000ULL
#define VSID 0x10
#define ASID 5

struct hg {
	struct venv e;
	struct vsmmu_vm *vm;
	unsigned char *ram;
	struct vsmmu_mem *g;
	struct vsmmu_mem_pool *pool;
	struct vsmmu_pgtable *pt;
	uint32_t prod; /* the command queue's, with wrap */
	unsigned int irqs[6];
};

static void on_irq(void *arg, enum vsmmu_irq irq)
{
	struct hg *h = arg;

	h->irqs[irq]++;
}

static int hg_init(struct hg *h, unsigned int ndevs)
{
	struct vsmmu_pgtable_cfg pc = { .fmt = VSMMU_PGTABLE_S1,
					.granule_shift = 12,
					.ias = 48,
					.oas = 40 };
	int rc;

	memset(h, 0, sizeof(*h));
	rc = venv_init(&h->e, NULL);
	if (!rc)
		rc = venv_vm(&h->e, ndevs, VSMMU_VM_CMDQV_OFF,
			     VSMMU_VM_TRAP_VCPU, &h->vm);
	if (rc)
		return rc;
	h->ram = vsmmu_vm_ram(h->vm, NULL, NULL);
	h->g = vsmmu_vm_gmem(h->vm);
	vsmmu_vm_smmu_set_irq(h->vm, 0, on_irq, h);
	rc = vsmmu_mem_pool_create(h->g, GPA_POOL, 1ULL << 20, &h->pool);
	pc.pool = h->pool;
	if (!rc)
		rc = vsmmu_pgtable_create(&pc, &h->pt);
	return rc;
}

static void hg_fini(struct hg *h)
{
	vsmmu_pgtable_destroy(h->pt);
	vsmmu_mem_pool_destroy(h->pool);
	vsmmu_vm_destroy(h->vm);
	ASSERT_EQ(atomic_load(&h->e.host_events), 0);
	venv_fini(&h->e);
}

static uint64_t rd(struct hg *h, uint64_t off)
{
	return venv_rd(h->vm, off, 4);
}

static int wr(struct hg *h, uint64_t off, uint64_t v)
{
	return venv_wr(h->vm, off, 4, v);
}

static int wr64(struct hg *h, uint64_t off, uint64_t v)
{
	return venv_wr(h->vm, off, 8, v);
}

/* Queues and a linear stream table of 32 STEs; SMMUEN if @enable */
static int hg_enable(struct hg *h, bool enable)
{
	int rc;

	rc = wr64(h, ARM_SMMU_STRTAB_BASE, GPA_STRTAB);
	if (!rc)
		rc = wr(h, ARM_SMMU_STRTAB_BASE_CFG, 5); /* linear, 2^5 */
	if (!rc)
		rc = wr64(h, ARM_SMMU_CMDQ_BASE, GPA_CMDQ | 4);
	if (!rc)
		rc = wr64(h, ARM_SMMU_EVTQ_BASE, GPA_EVTQ | 1);
	if (!rc)
		rc = wr(h, ARM_SMMU_IRQ_CTRL,
			IRQ_CTRL_EVTQ_IRQEN | IRQ_CTRL_GERROR_IRQEN);
	if (!rc)
		rc = wr(h, ARM_SMMU_CR0,
			CR0_CMDQEN | CR0_EVTQEN | (enable ? CR0_SMMUEN : 0));
	return rc;
}

/* Put one command at PROD and publish it */
static int cmd(struct hg *h, uint64_t c0, uint64_t c1, bool publish)
{
	uint64_t a = GPA_CMDQ + 16ULL * (h->prod & 15);
	int rc = vsmmu_mem_write64(h->g, a, c0);

	if (!rc)
		rc = vsmmu_mem_write64(h->g, a + 8, c1);
	h->prod = (h->prod + 1) & 31;
	if (!rc && publish)
		rc = wr(h, ARM_SMMU_CMDQ_PROD, h->prod);
	return rc;
}

static int sync_none(struct hg *h)
{
	return cmd(h, CMDQ_OP_CMD_SYNC, 0, true);
}

static int put_ste(struct hg *h, uint64_t addr, uint64_t w0, uint64_t w1)
{
	unsigned int i;
	int rc = 0;

	for (i = 0; i < 8 && !rc; i++)
		rc = vsmmu_mem_write64(h->g, addr + 8 * i,
				       i == 0 ? w0 :
				       i == 1 ? w1 :
						0);
	return rc;
}

static int cfgi_ste(struct hg *h, uint32_t sid)
{
	int rc = cmd(h, CMDQ_OP_CFGI_STE | VS_FIELD_PREP(CMDQ_CFGI_0_SID, sid),
		     CMDQ_CFGI_1_LEAF, false);

	return rc ? rc : sync_none(h);
}

/* The guest's CD: its stage-1 table, ASID 5 */
static int put_cd(struct hg *h, uint64_t ttb)
{
	struct vsmmu_pgtable_info pi;
	uint64_t cd[8] = { 0 };
	unsigned int i;
	int rc = 0;

	vsmmu_pgtable_get_info(h->pt, &pi);
	cd[0] = VS_FIELD_PREP(CTXDESC_CD_0_TCR_T0SZ, pi.tsz) |
		VS_FIELD_PREP(CTXDESC_CD_0_TCR_TG0, pi.tg) |
		VS_FIELD_PREP(CTXDESC_CD_0_TCR_IPS, pi.ps) |
		CTXDESC_CD_0_TCR_EPD1 | CTXDESC_CD_0_V | CTXDESC_CD_0_AA64 |
		CTXDESC_CD_0_R | CTXDESC_CD_0_A |
		VS_FIELD_PREP(CTXDESC_CD_0_ASID, ASID);
	cd[1] = (ttb ? ttb : pi.ttb) & CTXDESC_CD_1_TTB0_MASK;
	cd[3] = 0x0404ff44;
	for (i = 0; i < 8 && !rc; i++)
		rc = vsmmu_mem_write64(h->g, GPA_CD + 8 * i, cd[i]);
	return rc;
}

/* V | Config S1 | S1ContextPtr; S1CIR = S1COR = WB, S1CSH = IS */
#define STE0_S1 (STRTAB_STE_0_V | (5ULL << 1) | GPA_CD)
#define STE1_S1 0xd4ULL
#define STE0_BYPASS (STRTAB_STE_0_V | (4ULL << 1))

static int dma32(struct hg *h, uint64_t iova, uint32_t *v, bool write)
{
	return venv_dma(h->vm, 0, iova, v, 4, write);
}

TEST(vmm_regs_access_rules)
{
	struct hg h;
	uint64_t v;

	ASSERT_OK(hg_init(&h, 1));
	/* Reset: disabled, GBPA.ABORT */
	ASSERT_EQ(rd(&h, ARM_SMMU_CR0), 0);
	ASSERT_EQ(rd(&h, ARM_SMMU_GBPA), GBPA_ABORT);
	/* Sizes and alignment; a 64-bit access to a 32-bit register */
	ASSERT_EQ(venv_wr(h.vm, ARM_SMMU_CR0, 8, 1), -EINVAL);
	ASSERT_EQ(venv_wr(h.vm, ARM_SMMU_CR0 + 2, 4, 1), -EINVAL);
	ASSERT_EQ(venv_wr(h.vm, ARM_SMMU_CR0, 2, 1), -EINVAL);
	ASSERT_EQ(vsmmu_vm_mmio_read(h.vm, VSMMU_VM_SMMU_BASE(0) + 0x20004, 4,
				     &v),
		  -EFAULT); /* past the two pages: nothing there */
	/* A 64-bit register by halves */
	ASSERT_OK(wr(&h, ARM_SMMU_STRTAB_BASE, 0x12340));
	ASSERT_OK(wr(&h, ARM_SMMU_STRTAB_BASE + 4, 0x5));
	ASSERT_EQ(venv_rd(h.vm, ARM_SMMU_STRTAB_BASE, 8), 0x500012340ULL);
	/* ID registers are read-only */
	ASSERT_OK(wr(&h, ARM_SMMU_IDR0, 0));
	ASSERT_EQ(rd(&h, ARM_SMMU_IDR0), 0x0909349a);
	/* CR0: implemented bits only (no VMW: no stage 2), acknowledged at
	 * once */
	ASSERT_OK(wr(&h, ARM_SMMU_CR0, CR0_VMW | CR0_CMDQEN));
	ASSERT_EQ(rd(&h, ARM_SMMU_CR0), CR0_CMDQEN);
	ASSERT_EQ(rd(&h, ARM_SMMU_CR0ACK), CR0_CMDQEN);
	/* CMDQ_BASE is not writable while the queue is enabled */
	ASSERT_OK(wr64(&h, ARM_SMMU_CMDQ_BASE, GPA_CMDQ | 4));
	ASSERT_EQ(venv_rd(h.vm, ARM_SMMU_CMDQ_BASE, 8), 0);
	ASSERT_OK(wr(&h, ARM_SMMU_CR0, 0));
	ASSERT_OK(wr64(&h, ARM_SMMU_CMDQ_BASE, GPA_CMDQ | 4));
	ASSERT_EQ(venv_rd(h.vm, ARM_SMMU_CMDQ_BASE, 8), GPA_CMDQ | 4);
	/* GBPA: a write without UPDATE does nothing; UPDATE reads 0 */
	ASSERT_OK(wr(&h, ARM_SMMU_GBPA, 0));
	ASSERT_EQ(rd(&h, ARM_SMMU_GBPA), GBPA_ABORT);
	ASSERT_OK(wr(&h, ARM_SMMU_GBPA, GBPA_UPDATE));
	ASSERT_EQ(rd(&h, ARM_SMMU_GBPA), 0);
	/* IRQ_CTRL: all three (with PRI); other bits dropped; acknowledged */
	ASSERT_OK(wr(&h, ARM_SMMU_IRQ_CTRL, 0xf));
	ASSERT_EQ(rd(&h, ARM_SMMU_IRQ_CTRLACK), IRQ_CTRL_EVTQ_IRQEN |
							IRQ_CTRL_PRIQ_IRQEN |
							IRQ_CTRL_GERROR_IRQEN);
	/* PRIQ_BASE: writable while PRIQEN = 0 (RA, address, LOG2SIZE;
	 * bit 63 is RES0) */
	ASSERT_OK(wr64(&h, ARM_SMMU_PRIQ_BASE, (3ULL << 62) | GPA_CMDQ | 3));
	ASSERT_EQ(venv_rd(h.vm, ARM_SMMU_PRIQ_BASE, 8),
		  Q_BASE_RWA | GPA_CMDQ | 3);
	/* STRTAB_BASE ignores writes once SMMUEN = 1 */
	ASSERT_OK(wr(&h, ARM_SMMU_CR0, CR0_SMMUEN));
	ASSERT_OK(wr64(&h, ARM_SMMU_STRTAB_BASE, GPA_STRTAB));
	ASSERT_EQ(venv_rd(h.vm, ARM_SMMU_STRTAB_BASE, 8), 0x500012340ULL);
	/* GERROR is read-only */
	ASSERT_OK(wr(&h, ARM_SMMU_GERROR, 1));
	ASSERT_EQ(rd(&h, ARM_SMMU_GERROR), 0);
	hg_fini(&h);
}

TEST(vmm_cmdq_errors_on_the_guests_queue)
{
	struct vsmmu_vm_smmu_stats st;
	struct hg h;
	uint32_t v;

	ASSERT_OK(hg_init(&h, 1));
	ASSERT_OK(hg_enable(&h, true));
	/* TLBI_S12_VMALL: this SMMU has no stage 2: CERROR_ILL at 0 */
	ASSERT_OK(cmd(&h, CMDQ_OP_TLBI_S12_VMALL, 0, true));
	ASSERT_EQ(rd(&h, ARM_SMMU_CMDQ_CONS), 0x01000000); /* ERR 1, RD 0 */
	ASSERT_EQ(rd(&h, ARM_SMMU_GERROR), GERROR_CMDQ_ERR);
	ASSERT_EQ(h.irqs[VSMMU_IRQ_GERROR], 1);
	/* Halted: more commands are not consumed */
	ASSERT_OK(sync_none(&h));
	ASSERT_EQ(rd(&h, ARM_SMMU_CMDQ_CONS), 0x01000000);
	/* The guest replaces it by a CMD_SYNC and acknowledges */
	ASSERT_OK(vsmmu_mem_write64(h.g, GPA_CMDQ, CMDQ_OP_CMD_SYNC));
	ASSERT_OK(wr(&h, ARM_SMMU_GERRORN, GERROR_CMDQ_ERR));
	ASSERT_EQ(rd(&h, ARM_SMMU_CMDQ_CONS), 2);
	/* A stray bit outside the command's fields: CERROR_ILL too */
	ASSERT_OK(cmd(&h, CMDQ_OP_TLBI_NH_ASID | (1ULL << 8), 0, true));
	ASSERT_EQ(rd(&h, ARM_SMMU_CMDQ_CONS), 0x01000002);
	ASSERT_EQ(rd(&h, ARM_SMMU_GERROR), 0);
	ASSERT_OK(vsmmu_mem_write64(h.g, GPA_CMDQ + 32, CMDQ_OP_CMD_SYNC));
	ASSERT_OK(wr(&h, ARM_SMMU_GERRORN, 0));
	ASSERT_EQ(rd(&h, ARM_SMMU_CMDQ_CONS), 3);
	/* CMD_SYNC CS = IRQ with an MSI address in guest RAM: the data is
	 * written there; with MSIAddress 0 the CMD_SYNC interrupt */
	ASSERT_OK(
		cmd(&h,
		    CMDQ_OP_CMD_SYNC |
			    VS_FIELD_PREP(CMDQ_SYNC_0_CS, CMDQ_SYNC_0_CS_IRQ) |
			    VS_FIELD_PREP(CMDQ_SYNC_0_MSIDATA, 0xabcd),
		    GPA_SYNC, true));
	ASSERT_OK(vsmmu_mem_read32(h.g, GPA_SYNC, &v));
	ASSERT_EQ(v, 0xabcd);
	ASSERT_OK(cmd(&h,
		      CMDQ_OP_CMD_SYNC |
			      VS_FIELD_PREP(CMDQ_SYNC_0_CS, CMDQ_SYNC_0_CS_IRQ),
		      0, true));
	ASSERT_EQ(h.irqs[VSMMU_IRQ_CMD_SYNC], 1);
	/* An MSI address outside guest RAM: GERROR.MSI_CMDQ_ABT_ERR */
	ASSERT_OK(cmd(&h,
		      CMDQ_OP_CMD_SYNC |
			      VS_FIELD_PREP(CMDQ_SYNC_0_CS, CMDQ_SYNC_0_CS_IRQ),
		      0x1000, true));
	ASSERT_EQ(rd(&h, ARM_SMMU_GERROR), GERROR_MSI_CMDQ_ABT_ERR);
	ASSERT_EQ(rd(&h, ARM_SMMU_CMDQ_CONS), 6);
	/* A queue outside guest RAM: CERROR_ABT at the fetch */
	ASSERT_OK(wr(&h, ARM_SMMU_CR0, CR0_SMMUEN | CR0_EVTQEN));
	ASSERT_OK(wr64(&h, ARM_SMMU_CMDQ_BASE, 0x10000000ULL | 4));
	ASSERT_OK(wr(&h, ARM_SMMU_CMDQ_CONS, 0));
	ASSERT_OK(wr(&h, ARM_SMMU_CMDQ_PROD, 0));
	ASSERT_OK(wr(&h, ARM_SMMU_CR0, CR0_SMMUEN | CR0_EVTQEN | CR0_CMDQEN));
	ASSERT_OK(wr(&h, ARM_SMMU_CMDQ_PROD, 1));
	ASSERT_EQ(rd(&h, ARM_SMMU_CMDQ_CONS), 0x02000000); /* ERR 2 */
	ASSERT_EQ(rd(&h, ARM_SMMU_GERROR),
		  GERROR_MSI_CMDQ_ABT_ERR | GERROR_CMDQ_ERR);
	ASSERT_OK(vsmmu_vm_smmu_get_stats(h.vm, 0, &st));
	ASSERT_EQ(st.cerror_ill, 2);
	ASSERT_EQ(st.cerror_abt, 1);
	/* Nothing of it reached the host's queue */
	{
		struct vsmmu_drv_stats hs;

		vsmmu_drv_get_stats(h.e.drv, &hs);
		ASSERT_EQ(hs.cerror_ill + hs.cerror_abt, 0);
	}
	hg_fini(&h);
}

TEST(vmm_cmdq_batches_into_hwpt_invalidate)
{
	struct vsmmu_vm_smmu_stats s0, s1;
	struct hg h;
	unsigned int i;

	ASSERT_OK(hg_init(&h, 1));
	ASSERT_OK(hg_enable(&h, true));
	ASSERT_OK(vsmmu_vm_smmu_get_stats(h.vm, 0, &s0));
	/* Five TLBIs and a CMD_SYNC in one PROD write: one call */
	for (i = 0; i < 5; i++)
		ASSERT_OK(cmd(&h,
			      CMDQ_OP_TLBI_NH_ASID |
				      VS_FIELD_PREP(CMDQ_TLBI_0_ASID, i),
			      0, false));
	ASSERT_OK(sync_none(&h));
	ASSERT_OK(vsmmu_vm_smmu_get_stats(h.vm, 0, &s1));
	ASSERT_EQ(s1.inv_calls - s0.inv_calls, 1);
	ASSERT_EQ(s1.inv_cmds - s0.inv_cmds, 5);
	ASSERT_EQ(rd(&h, ARM_SMMU_CMDQ_CONS), 6);
	/* Published without a sync: executed when the queue runs dry */
	for (i = 0; i < 3; i++)
		ASSERT_OK(cmd(&h, CMDQ_OP_TLBI_NSNH_ALL, 0, false));
	ASSERT_OK(wr(&h, ARM_SMMU_CMDQ_PROD, h.prod));
	ASSERT_OK(vsmmu_vm_smmu_get_stats(h.vm, 0, &s0));
	ASSERT_EQ(s0.inv_calls - s1.inv_calls, 1);
	ASSERT_EQ(s0.inv_cmds - s1.inv_cmds, 3);
	ASSERT_EQ(rd(&h, ARM_SMMU_CMDQ_CONS), 9);
	/* CFGI_CD of a StreamID the VM does not have: dropped; PREFETCH:
	 * nothing; neither reaches the host */
	ASSERT_OK(cmd(&h, CMDQ_OP_CFGI_CD | VS_FIELD_PREP(CMDQ_CFGI_0_SID, 3),
		      0, false));
	ASSERT_OK(cmd(&h, CMDQ_OP_PREFETCH_CFG, 0, false));
	ASSERT_OK(sync_none(&h));
	ASSERT_OK(vsmmu_vm_smmu_get_stats(h.vm, 0, &s1));
	ASSERT_EQ(s1.inv_calls, s0.inv_calls);
	ASSERT_EQ(s1.inv_dropped - s0.inv_dropped, 1);
	ASSERT_EQ(rd(&h, ARM_SMMU_CMDQ_CONS), 12);
	/* A dropped command between batched ones is passed, not fetched
	 * again: TLBI, CFGI_CD(unknown), TLBI, CMD_SYNC -- one call of 2 */
	ASSERT_OK(cmd(&h, CMDQ_OP_TLBI_NSNH_ALL, 0, false));
	ASSERT_OK(cmd(&h, CMDQ_OP_CFGI_CD | VS_FIELD_PREP(CMDQ_CFGI_0_SID, 3),
		      0, false));
	ASSERT_OK(cmd(&h, CMDQ_OP_TLBI_NSNH_ALL, 0, false));
	ASSERT_OK(sync_none(&h));
	ASSERT_OK(vsmmu_vm_smmu_get_stats(h.vm, 0, &s0));
	ASSERT_EQ(s0.inv_calls - s1.inv_calls, 1);
	ASSERT_EQ(s0.inv_cmds - s1.inv_cmds, 2);
	ASSERT_EQ(rd(&h, ARM_SMMU_CMDQ_CONS), 16);
	hg_fini(&h);
}

TEST(vmm_cfgi_ste_installs_nested_hwpts)
{
	struct vsmmu_vm_smmu_stats st;
	uint64_t ste = GPA_STRTAB + 64 * VSID, other_ttb;
	struct vsmmu_pgtable *pt2;
	struct vsmmu_pgtable_info pi;
	struct vsmmu_pgtable_cfg pc = { .fmt = VSMMU_PGTABLE_S1,
					.granule_shift = 12,
					.ias = 48,
					.oas = 40 };
	struct hg h;
	uint32_t v;

	ASSERT_OK(hg_init(&h, 1));
	ASSERT_OK(vsmmu_mem_write32(h.g, GPA_DATA, 0x1111));
	ASSERT_OK(vsmmu_mem_write32(h.g, GPA_DATA2, 0x2222));
	/* Disabled with GBPA.ABORT: the device's DMA is terminated */
	ASSERT_EQ(dma32(&h, GPA_DATA, &v, false), -EIO);
	/* GBPA.ABORT = 0: bypass, the IOVA is the GPA (stage 2 only) */
	ASSERT_OK(wr(&h, ARM_SMMU_GBPA, GBPA_UPDATE));
	ASSERT_OK(dma32(&h, GPA_DATA, &v, false));
	ASSERT_EQ(v, 0x1111);
	/* Enabled over an all-zero stream table: V = 0, abort */
	ASSERT_OK(hg_enable(&h, true));
	ASSERT_EQ(dma32(&h, GPA_DATA, &v, false), -EIO);
	/* A bypass STE, made live by CFGI_STE */
	ASSERT_OK(put_ste(&h, ste, STE0_BYPASS, 0));
	ASSERT_EQ(dma32(&h, GPA_DATA, &v, false), -EIO); /* not yet */
	ASSERT_OK(cfgi_ste(&h, VSID));
	ASSERT_OK(dma32(&h, GPA_DATA, &v, false));
	ASSERT_EQ(v, 0x1111);
	/* Stage 1: GIOVA -> GPA_DATA through the guest's table and CD */
	ASSERT_OK(vsmmu_pgtable_map(h.pt, GIOVA, GPA_DATA, PG,
				    VSMMU_PROT_READ | VSMMU_PROT_WRITE |
					    VSMMU_PROT_USER));
	ASSERT_OK(put_cd(&h, 0));
	ASSERT_OK(put_ste(&h, ste, STE0_S1, STE1_S1));
	ASSERT_OK(cfgi_ste(&h, VSID));
	ASSERT_OK(dma32(&h, GIOVA, &v, false));
	ASSERT_EQ(v, 0x1111);
	ASSERT_EQ(dma32(&h, GPA_DATA, &v, false), -EFAULT); /* not mapped */
	/* The CD moves to another table (GIOVA -> GPA_DATA2) and the guest
	 * issues CFGI_STE only: the STE words are the same, but CFGI_STE
	 * drops the CDs cached through the StreamID */
	pc.pool = h.pool;
	ASSERT_OK(vsmmu_pgtable_create(&pc, &pt2));
	ASSERT_OK(vsmmu_pgtable_map(pt2, GIOVA, GPA_DATA2, PG,
				    VSMMU_PROT_READ | VSMMU_PROT_USER));
	vsmmu_pgtable_get_info(pt2, &pi);
	other_ttb = pi.ttb;
	ASSERT_OK(put_cd(&h, other_ttb));
	ASSERT_OK(cmd(&h,
		      CMDQ_OP_TLBI_NH_ASID |
			      VS_FIELD_PREP(CMDQ_TLBI_0_ASID, ASID),
		      0, false));
	ASSERT_OK(cfgi_ste(&h, VSID));
	ASSERT_OK(dma32(&h, GIOVA, &v, false));
	ASSERT_EQ(v, 0x2222);
	ASSERT_OK(put_cd(&h, 0));
	/* CFGI_STE_RANGE 4 (32 StreamIDs from 0) covers it too */
	ASSERT_OK(cmd(
		&h, CMDQ_OP_CFGI_STE_RANGE | VS_FIELD_PREP(CMDQ_CFGI_0_SID, 3),
		4, false));
	ASSERT_OK(cmd(&h,
		      CMDQ_OP_TLBI_NH_ASID |
			      VS_FIELD_PREP(CMDQ_TLBI_0_ASID, ASID),
		      0, false));
	ASSERT_OK(sync_none(&h));
	ASSERT_OK(dma32(&h, GIOVA, &v, false));
	ASSERT_EQ(v, 0x1111);
	/* Stage 2 is not this SMMU's: an S2 STE is ILLEGAL, aborted */
	ASSERT_OK(vsmmu_vm_smmu_get_stats(h.vm, 0, &st));
	ASSERT_OK(put_ste(&h, ste, STRTAB_STE_0_V | (6ULL << 1), 0));
	ASSERT_OK(cfgi_ste(&h, VSID));
	ASSERT_EQ(dma32(&h, GIOVA, &v, false), -EIO);
	/* So is a two-level CD table with S1CDMax beyond SSIDSIZE (20) */
	ASSERT_OK(put_ste(&h, ste, STE0_S1 | (21ULL << 59) | (1ULL << 4),
			  STE1_S1));
	ASSERT_OK(cfgi_ste(&h, VSID));
	ASSERT_EQ(dma32(&h, GIOVA, &v, false), -EIO);
	{
		struct vsmmu_vm_smmu_stats s2;

		ASSERT_OK(vsmmu_vm_smmu_get_stats(h.vm, 0, &s2));
		ASSERT_EQ(s2.ste_aborts - st.ste_aborts, 2);
	}
	/* A two-level stream table: SPLIT 8, the L1 descriptor for SIDs
	 * 0..255 with Span 9 (256 STEs) -> GPA_L2 */
	ASSERT_OK(wr(&h, ARM_SMMU_GBPA, GBPA_UPDATE | GBPA_ABORT));
	ASSERT_OK(wr(&h, ARM_SMMU_CR0, CR0_CMDQEN | CR0_EVTQEN));
	ASSERT_EQ(dma32(&h, GIOVA, &v, false), -EIO); /* GBPA.ABORT */
	ASSERT_OK(
		wr(&h, ARM_SMMU_STRTAB_BASE_CFG, (1U << 16) | (8U << 6) | 16));
	ASSERT_OK(vsmmu_mem_write64(h.g, GPA_STRTAB, GPA_L2 | 9));
	ASSERT_OK(put_ste(&h, GPA_L2 + 64 * VSID, STE0_S1, STE1_S1));
	ASSERT_OK(wr(&h, ARM_SMMU_CR0, CR0_CMDQEN | CR0_EVTQEN | CR0_SMMUEN));
	ASSERT_OK(dma32(&h, GIOVA, &v, false));
	ASSERT_EQ(v, 0x1111);
	/* Span 0: no level-2 table, the StreamID is invalid: abort */
	ASSERT_OK(vsmmu_mem_write64(h.g, GPA_STRTAB, GPA_L2));
	ASSERT_OK(cfgi_ste(&h, VSID));
	ASSERT_EQ(dma32(&h, GIOVA, &v, false), -EIO);
	vsmmu_pgtable_destroy(pt2);
	hg_fini(&h);
}

/* Make @n F_TRANSLATION faults of device 0 and move them to the guest */
static void faults(struct hg *h, unsigned int n)
{
	unsigned int i;
	uint32_t v;

	for (i = 0; i < n; i++)
		ASSERT_EQ(dma32(h, 0x50000000ULL + i * PG, &v, false), -EFAULT);
	venv_process(&h->e);
	vsmmu_vm_process(h->vm);
}

TEST(vmm_events_into_the_guests_queue)
{
	uint64_t evt[4];
	struct hg h;

	ASSERT_OK(hg_init(&h, 1));
	ASSERT_OK(hg_enable(&h, true));
	ASSERT_OK(put_cd(&h, 0));
	ASSERT_OK(put_ste(&h, GPA_STRTAB + 64 * VSID, STE0_S1, STE1_S1));
	ASSERT_OK(cfgi_ste(&h, VSID));
	/* Three faults into a queue of two: two records, then overflow */
	faults(&h, 3);
	ASSERT_EQ(rd(&h, ARM_SMMU_EVTQ_PROD), Q_OVERFLOW_FLAG | 2);
	ASSERT_EQ(h.irqs[VSMMU_IRQ_EVTQ], 2);
	ASSERT_OK(vsmmu_mem_read64(h.g, GPA_EVTQ, &evt[0]));
	ASSERT_OK(vsmmu_mem_read64(h.g, GPA_EVTQ + 16, &evt[2]));
	ASSERT_EQ(VS_FIELD_GET(EVTQ_0_ID, evt[0]), EVT_ID_TRANSLATION);
	ASSERT_EQ(VS_FIELD_GET(EVTQ_0_SID, evt[0]), VSID); /* the vSID */
	ASSERT_EQ(evt[2], 0x50000000ULL);
	ASSERT_OK(vsmmu_mem_read64(h.g, GPA_EVTQ + 32 + 16, &evt[2]));
	ASSERT_EQ(evt[2], 0x50001000ULL);
	/* The guest consumes and acknowledges the overflow: room again */
	ASSERT_OK(wr(&h, ARM_SMMU_EVTQ_CONS, Q_OVERFLOW_FLAG | 2));
	faults(&h, 1);
	ASSERT_EQ(rd(&h, ARM_SMMU_EVTQ_PROD), Q_OVERFLOW_FLAG | 3);
	ASSERT_OK(vsmmu_mem_read64(h.g, GPA_EVTQ + 16, &evt[2]));
	ASSERT_EQ(evt[2], 0x50000000ULL);
	/* EVTQEN = 0: events are dropped */
	ASSERT_OK(wr(&h, ARM_SMMU_CR0, CR0_CMDQEN | CR0_SMMUEN));
	faults(&h, 1);
	ASSERT_EQ(rd(&h, ARM_SMMU_EVTQ_PROD), Q_OVERFLOW_FLAG | 3);
	{
		struct vsmmu_vm_smmu_stats st;

		ASSERT_OK(vsmmu_vm_smmu_get_stats(h.vm, 0, &st));
		ASSERT_EQ(st.events, 3);
		ASSERT_EQ(st.events_lost, 2);
	}
	/* The event queue outside guest RAM: GERROR.EVTQ_ABT_ERR */
	ASSERT_OK(wr64(&h, ARM_SMMU_EVTQ_BASE, 0x10000000ULL | 1));
	ASSERT_OK(wr(&h, ARM_SMMU_CR0, CR0_CMDQEN | CR0_SMMUEN | CR0_EVTQEN));
	faults(&h, 1);
	ASSERT_EQ(rd(&h, ARM_SMMU_GERROR) & GERROR_EVTQ_ABT_ERR,
		  GERROR_EVTQ_ABT_ERR);
	hg_fini(&h);
}

TEST(vmm_cfgi_cd_atc_inv_cfgi_all_forwarded)
{
	struct vsmmu_vm_smmu_stats s0, s1;
	struct vsmmu_pgtable *pt2;
	struct vsmmu_pgtable_info pi;
	struct vsmmu_pgtable_cfg pc = { .fmt = VSMMU_PGTABLE_S1,
					.granule_shift = 12,
					.ias = 48,
					.oas = 40 };
	struct hg h;
	uint32_t v;

	ASSERT_OK(hg_init(&h, 1));
	ASSERT_OK(vsmmu_mem_write32(h.g, GPA_DATA, 0x1111));
	ASSERT_OK(vsmmu_mem_write32(h.g, GPA_DATA2, 0x2222));
	ASSERT_OK(hg_enable(&h, true));
	ASSERT_OK(vsmmu_pgtable_map(h.pt, GIOVA, GPA_DATA, PG,
				    VSMMU_PROT_READ | VSMMU_PROT_USER));
	ASSERT_OK(put_cd(&h, 0));
	ASSERT_OK(put_ste(&h, GPA_STRTAB + 64 * VSID, STE0_S1, STE1_S1));
	ASSERT_OK(cfgi_ste(&h, VSID));
	ASSERT_OK(dma32(&h, GIOVA, &v, false));
	ASSERT_EQ(v, 0x1111);
	/* The CD moves to another table: CFGI_CD (SSID 0, leaf) and the
	 * ASID's TLBI reach the host (with the physical StreamID and the
	 * VM's VMID): the new table is used */
	pc.pool = h.pool;
	ASSERT_OK(vsmmu_pgtable_create(&pc, &pt2));
	ASSERT_OK(vsmmu_pgtable_map(pt2, GIOVA, GPA_DATA2, PG,
				    VSMMU_PROT_READ | VSMMU_PROT_USER));
	vsmmu_pgtable_get_info(pt2, &pi);
	ASSERT_OK(put_cd(&h, pi.ttb));
	ASSERT_OK(dma32(&h, GIOVA, &v, false));
	ASSERT_EQ(v, 0x1111); /* cached until invalidated, as hardware */
	ASSERT_OK(vsmmu_vm_smmu_get_stats(h.vm, 0, &s0));
	ASSERT_OK(cmd(&h,
		      CMDQ_OP_CFGI_CD | VS_FIELD_PREP(CMDQ_CFGI_0_SID, VSID),
		      CMDQ_CFGI_1_LEAF, false));
	ASSERT_OK(cmd(&h,
		      CMDQ_OP_TLBI_NH_ASID |
			      VS_FIELD_PREP(CMDQ_TLBI_0_ASID, ASID),
		      0, false));
	/* ATC_INV of the whole ATC (Size 52) for the device */
	ASSERT_OK(cmd(&h, CMDQ_OP_ATC_INV | VS_FIELD_PREP(CMDQ_ATC_0_SID, VSID),
		      CMDQ_ATC_1_SIZE_ALL, false));
	ASSERT_OK(sync_none(&h));
	ASSERT_OK(vsmmu_vm_smmu_get_stats(h.vm, 0, &s1));
	ASSERT_EQ(s1.inv_calls - s0.inv_calls, 1);
	ASSERT_EQ(s1.inv_cmds - s0.inv_cmds, 3);
	ASSERT_EQ(s1.cerror_ill, 0);
	ASSERT_OK(dma32(&h, GIOVA, &v, false));
	ASSERT_EQ(v, 0x2222);
	/* CFGI_ALL (CFGI_STE_RANGE 31): every STE read again; unchanged
	 * words, so CFGI_CD_ALL of the device instead */
	ASSERT_OK(
		cmd(&h, CMDQ_OP_CFGI_STE_RANGE, CMDQ_CFGI_1_RANGE_ALL, false));
	ASSERT_OK(sync_none(&h));
	ASSERT_OK(vsmmu_vm_smmu_get_stats(h.vm, 0, &s0));
	ASSERT_EQ(s0.inv_cmds - s1.inv_cmds, 1);
	ASSERT_EQ(s0.ste_installs, s1.ste_installs);
	ASSERT_EQ(rd(&h, ARM_SMMU_CMDQ_CONS) & 0x1f, h.prod & 0x1f);
	vsmmu_pgtable_destroy(pt2);
	hg_fini(&h);
}

TEST(vmm_event_interrupt_by_msi)
{
	struct hg h;
	uint32_t v;

	ASSERT_OK(hg_init(&h, 1));
	ASSERT_OK(hg_enable(&h, true));
	ASSERT_OK(put_cd(&h, 0));
	ASSERT_OK(put_ste(&h, GPA_STRTAB + 64 * VSID, STE0_S1, STE1_S1));
	ASSERT_OK(cfgi_ste(&h, VSID));
	/* EVTQ_IRQ_CFG0 names guest RAM: the interrupt is an MSI write of
	 * EVTQ_IRQ_CFG1 there, not the wired line */
	ASSERT_OK(wr64(&h, ARM_SMMU_EVTQ_IRQ_CFG0, GPA_SYNC + 0x40));
	ASSERT_OK(wr(&h, ARM_SMMU_EVTQ_IRQ_CFG1, 0xbeef));
	faults(&h, 1);
	ASSERT_EQ(rd(&h, ARM_SMMU_EVTQ_PROD), 1);
	ASSERT_OK(vsmmu_mem_read32(h.g, GPA_SYNC + 0x40, &v));
	ASSERT_EQ(v, 0xbeef);
	ASSERT_EQ(h.irqs[VSMMU_IRQ_EVTQ], 0);
	/* An MSI address outside guest RAM: GERROR.MSI_EVTQ_ABT_ERR */
	ASSERT_OK(wr64(&h, ARM_SMMU_EVTQ_IRQ_CFG0, 0x10000000ULL));
	faults(&h, 1);
	ASSERT_EQ(rd(&h, ARM_SMMU_GERROR) & GERROR_MSI_EVTQ_ABT_ERR,
		  GERROR_MSI_EVTQ_ABT_ERR);
	hg_fini(&h);
}
