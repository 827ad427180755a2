// SPDX-License-Identifier: MIT
/*
 * CMDQV for the guest: the guest's driver finds a CMDQV of one VINTF whose
 * HYP_OWN reads 0, gets its queue through a trapped BASE write (the VMM's
 * HW_QUEUE_ALLOC), and invalidates through the passed-through VCMDQ page
 * with no exit -- against the same unmap with the page trapped, and with
 * no CMDQV (the emulated main queue).  By hand: the trapped registers
 * (PARAM, HYP_OWN kept 0, the host's StreamID pairs, BASE -> HW queues in
 * ascending order), and a VCMDQ error reaching the guest's LVCMDQ_ERR_MAP
 * and CMDQV interrupt, cleared when the guest recovers its own queue.
 */
#include <errno.h>
#include <string.h>

#include <vsmmu/arch.h>
#include <vsmmu/bits.h>

#include "harness.h"
#include "vm_env.h"

#define PG 4096ULL
#define RAM VSMMU_VM_RAM_BASE
#define GPA_BUF (RAM + 0x100000)
#define GPA_RING (RAM + 0x200000) /* a VCMDQ ring: 16 commands */
#define GIOVA 0x400000ULL
#define CV VSMMU_VM_CMDQV_BASE(0)
#define LPAGE0(l) (CV + TEGRA241_VINTFi_PAGE0(0) + 0x80ULL * (l))
#define LPAGE1(l) (CV + TEGRA241_VINTFi_PAGE1(0) + 0x80ULL * (l))
#define VINTF0(r) (CV + TEGRA241_VINTF(0) + (r))

struct unmap_cost {
	struct vsmmu_vm_trap_stats t0, t1;
	struct vsmmu_vm_smmu_stats s0, s1;
	int dma_after;
};

/* Map, DMA, unmap (strict) one page; record what the unmap cost */
static void unmap_once(enum vsmmu_vm_cmdqv mode, struct unmap_cost *c)
{
	struct vsmmu_drv_cmdqv_info ci;
	struct vsmmu_drv_domain *dom;
	struct vsmmu_vm_guest *g;
	struct vsmmu_vm *vm;
	struct venv e;
	uint32_t w = 0;
	static const struct venv_opts o = { .cmdqv = true };

	memset(c, 0, sizeof(*c));
	ASSERT_OK(venv_init(&e, &o));
	ASSERT_OK(venv_vm(&e, 1, mode, VSMMU_VM_TRAP_VCPU, &vm));
	ASSERT_OK(venv_guest(vm, false, &g));
	vsmmu_drv_cmdqv_get_info(vsmmu_vm_guest_drv(g), &ci);
	ASSERT_EQ(ci.present, mode != VSMMU_VM_CMDQV_OFF);
	if (mode != VSMMU_VM_CMDQV_OFF) {
		/* A guest's VINTF: HYP_OWN reads 0, its queue is up */
		ASSERT_TRUE(ci.enabled);
		ASSERT_FALSE(ci.hyp_own);
		ASSERT_EQ(ci.num_vintfs, 1);
		ASSERT_EQ(ci.num_vcmdqs, 2);
		ASSERT_EQ(ci.nqueues, 1);
	}
	ASSERT_OK(vsmmu_vm_guest_attach(g, 0, 1, &dom));
	ASSERT_OK(vsmmu_drv_map(dom, GIOVA, GPA_BUF, PG,
				VSMMU_PROT_READ | VSMMU_PROT_WRITE));
	ASSERT_OK(venv_dma(vm, 0, GIOVA, &w, 4, false));
	vsmmu_vm_get_trap_stats(vm, &c->t0);
	ASSERT_OK(vsmmu_vm_smmu_get_stats(vm, 0, &c->s0));
	ASSERT_EQ(vsmmu_drv_unmap(dom, GIOVA, PG, 0, NULL, NULL), (int64_t)PG);
	vsmmu_vm_get_trap_stats(vm, &c->t1);
	ASSERT_OK(vsmmu_vm_smmu_get_stats(vm, 0, &c->s1));
	/* The invalidation took effect, whichever way it went */
	c->dma_after = venv_dma(vm, 0, GIOVA, &w, 4, false);
	venv_process(&e);
	vsmmu_vm_process(vm);
	vsmmu_vm_guest_destroy(g);
	vsmmu_vm_destroy(vm);
	ASSERT_EQ(atomic_load(&e.host_events), 0);
	venv_fini(&e);
}

TEST(vmm_cmdqv_guest_unmap_passthrough_trapped_off)
{
	struct unmap_cost p, t, o;

	unmap_once(VSMMU_VM_CMDQV_PASSTHROUGH, &p);
	CHECK_FAILED();
	unmap_once(VSMMU_VM_CMDQV_TRAPPED, &t);
	CHECK_FAILED();
	unmap_once(VSMMU_VM_CMDQV_OFF, &o);
	CHECK_FAILED();
	/* Passthrough: TLBI + CMD_SYNC rung on the VCMDQ page, no exit */
	ASSERT_EQ(p.dma_after, -EFAULT);
	ASSERT_EQ(p.t1.exits - p.t0.exits, 0);
	ASSERT_TRUE(p.t1.direct - p.t0.direct >= 2); /* PROD, CONS */
	ASSERT_EQ(p.s1.inv_calls - p.s0.inv_calls, 0);
	ASSERT_EQ(p.s1.hw_queues, 1);
	/* Trapped page: the same accesses, each one an exit */
	ASSERT_EQ(t.dma_after, -EFAULT);
	ASSERT_EQ(t.t1.direct - t.t0.direct, 0);
	ASSERT_EQ(t.t1.vcmdq_exits - t.t0.vcmdq_exits,
		  p.t1.direct - p.t0.direct);
	ASSERT_EQ(t.s1.inv_calls - t.s0.inv_calls, 0);
	/* No CMDQV: the emulated main queue, one HWPT_INVALIDATE; the exit
	 * is the PROD write (the CMD_SYNC completes by MSI into guest RAM,
	 * which the guest polls without an exit) */
	ASSERT_EQ(o.dma_after, -EFAULT);
	ASSERT_EQ(o.t1.smmu_exits - o.t0.smmu_exits, 1);
	ASSERT_EQ(o.s1.inv_calls - o.s0.inv_calls, 1);
	ASSERT_EQ(o.s1.hw_queues, 0);
}

struct irqs {
	unsigned int n[6];
};

static void on_irq(void *arg, enum vsmmu_irq irq)
{
	((struct irqs *)arg)->n[irq]++;
}

static uint64_t rd(struct vsmmu_vm *vm, uint64_t gpa, unsigned int size)
{
	uint64_t v = ~0ULL;

	vsmmu_vm_mmio_read(vm, gpa, size, &v);
	return v;
}

static int wr(struct vsmmu_vm *vm, uint64_t gpa, unsigned int size, uint64_t v)
{
	return vsmmu_vm_mmio_write(vm, gpa, size, v);
}

TEST(vmm_cmdqv_trapped_registers_and_guest_errors)
{
	static const struct venv_opts o = { .cmdqv = true };
	struct vsmmu_vm_smmu_stats st;
	struct irqs irqs = { { 0 } };
	struct vsmmu_mem *g;
	struct vsmmu_vm *vm;
	struct venv e;

	ASSERT_OK(venv_init(&e, &o));
	ASSERT_OK(venv_vm(&e, 1, VSMMU_VM_CMDQV_PASSTHROUGH, VSMMU_VM_TRAP_VCPU,
			  &vm));
	ASSERT_TRUE(vsmmu_vm_smmu_has_cmdqv(vm, 0));
	g = vsmmu_vm_gmem(vm);
	vsmmu_vm_smmu_set_irq(vm, 0, on_irq, &irqs);
	/* PARAM: 16 pairs (4 << 12), one VINTF (0 << 8), 2 VCMDQs (1 << 4) */
	ASSERT_EQ(rd(vm, CV + TEGRA241_CMDQV_PARAM, 4), 0x4010);
	ASSERT_OK(wr(vm, CV + TEGRA241_CMDQV_CONFIG, 4, CMDQV_EN));
	ASSERT_EQ(rd(vm, CV + TEGRA241_CMDQV_STATUS, 4), CMDQV_ENABLED);
	/* VINTF0: a guest asking for HYP_OWN reads 0 back */
	ASSERT_OK(wr(vm, VINTF0(TEGRA241_VINTF_CONFIG), 4,
		     VINTF_HYP_OWN | VINTF_EN));
	ASSERT_EQ(rd(vm, VINTF0(TEGRA241_VINTF_CONFIG), 4), VINTF_EN);
	ASSERT_EQ(rd(vm, VINTF0(TEGRA241_VINTF_STATUS), 4), VINTF_ENABLED);
	/* The StreamID pairs are the host's */
	ASSERT_OK(wr(vm, VINTF0(TEGRA241_VINTF_SID_REPLACE(0)), 4, 0x60));
	ASSERT_EQ(rd(vm, VINTF0(TEGRA241_VINTF_SID_REPLACE(0)), 4), 0);
	/* A 64-bit access to a 32-bit register; beyond the block */
	ASSERT_EQ(wr(vm, CV + TEGRA241_CMDQV_CONFIG, 8, 1), -EINVAL);
	ASSERT_EQ(wr(vm, CV + VSMMU_VM_CMDQV_SIZE, 4, 1), -EFAULT);
	/* BASE of LVCMDQ 1 before 0: stored, no queue (ascending order) */
	ASSERT_OK(wr(vm, LPAGE1(1) + TEGRA241_VCMDQ_BASE, 8,
		     (GPA_RING + 0x1000) | 4));
	ASSERT_OK(vsmmu_vm_smmu_get_stats(vm, 0, &st));
	ASSERT_EQ(st.hw_queues, 0);
	/* BASE of LVCMDQ 0: HW_QUEUE_ALLOC of the guest's ring */
	ASSERT_OK(wr(vm, LPAGE1(0) + TEGRA241_VCMDQ_BASE, 8, GPA_RING | 4));
	ASSERT_EQ(rd(vm, LPAGE1(0) + TEGRA241_VCMDQ_BASE, 8), GPA_RING | 4);
	ASSERT_EQ(VS_FIELD_GET(VINTF_VI_NUM_LVCMDQ,
			       rd(vm, VINTF0(TEGRA241_VINTF_STATUS), 4)),
		  1);
	/* A ring outside guest RAM: refused by the host, no queue */
	ASSERT_OK(
		wr(vm, LPAGE1(1) + TEGRA241_VCMDQ_BASE, 8, 0x10000000ULL | 4));
	ASSERT_EQ(VS_FIELD_GET(VINTF_VI_NUM_LVCMDQ,
			       rd(vm, VINTF0(TEGRA241_VINTF_STATUS), 4)),
		  1);
	ASSERT_OK(vsmmu_vm_smmu_get_stats(vm, 0, &st));
	ASSERT_EQ(st.hw_queues, 1);
	/* The guest enables its queue in the mapped page, no exit */
	ASSERT_OK(wr(vm, LPAGE0(0) + TEGRA241_VCMDQ_CONFIG, 4, VCMDQ_EN));
	ASSERT_EQ(rd(vm, LPAGE0(0) + TEGRA241_VCMDQ_STATUS, 4) & 1, 1);
	/* CFGI_STE is not a guest VINTF's command: its queue halts */
	ASSERT_OK(vsmmu_mem_write64(
		g, GPA_RING,
		CMDQ_OP_CFGI_STE | VS_FIELD_PREP(CMDQ_CFGI_0_SID, 0x10)));
	ASSERT_OK(vsmmu_mem_write64(g, GPA_RING + 8, 0));
	ASSERT_OK(wr(vm, LPAGE0(0) + TEGRA241_VCMDQ_PROD, 4, 1));
	ASSERT_EQ(rd(vm, LPAGE0(0) + TEGRA241_VCMDQ_CONS, 4), 0x01000000);
	/* Nothing for the guest until the host's IRQ thread forwards it and
	 * the VMM reads the CMDQV VEVENTQ */
	ASSERT_EQ(rd(vm, VINTF0(TEGRA241_VINTF_LVCMDQ_ERR_MAP_64(0)), 8), 0);
	venv_process(&e);
	ASSERT_EQ(vsmmu_vm_process(vm), 1);
	ASSERT_EQ(irqs.n[VSMMU_IRQ_CMDQV], 1);
	ASSERT_EQ(rd(vm, VINTF0(TEGRA241_VINTF_LVCMDQ_ERR_MAP_64(0)), 8), 1);
	ASSERT_EQ(rd(vm, CV + TEGRA241_CMDQV_VINTF_ERR_MAP, 4), 1);
	ASSERT_EQ(rd(vm, CV + TEGRA241_CMDQV_CMDQ_ERR_MAP(0), 4), 1);
	ASSERT_EQ(VS_FIELD_GET(VINTF_STATUS,
			       rd(vm, VINTF0(TEGRA241_VINTF_STATUS), 4)),
		  1);
	/* The guest recovers its own queue: a CMD_SYNC over the command,
	 * GERRORN; the map clears, the queue runs */
	ASSERT_OK(vsmmu_mem_write64(g, GPA_RING, CMDQ_OP_CMD_SYNC));
	ASSERT_OK(wr(vm, LPAGE0(0) + TEGRA241_VCMDQ_GERRORN, 4,
		     rd(vm, LPAGE0(0) + TEGRA241_VCMDQ_GERROR, 4)));
	ASSERT_EQ(rd(vm, LPAGE0(0) + TEGRA241_VCMDQ_CONS, 4) & 0xfffff, 1);
	ASSERT_EQ(rd(vm, VINTF0(TEGRA241_VINTF_LVCMDQ_ERR_MAP_64(0)), 8), 0);
	ASSERT_EQ(rd(vm, CV + TEGRA241_CMDQV_VINTF_ERR_MAP, 4), 0);
	/* The host driver forwards only map bits it has not forwarded since
	 * it last read the map, so its IRQ thread must see the cleared map
	 * before a second error of the same queue reaches the VMM
	 * (docs/vm.md, "Limits") */
	venv_process(&e);
	/* Masked in VINTF_INT_MASK: the map is set, no interrupt */
	ASSERT_OK(wr(vm, CV + TEGRA241_CMDQV_VINTF_INT_MASK, 4, 1));
	ASSERT_OK(vsmmu_mem_write64(g, GPA_RING + 16, CMDQ_OP_CFGI_STE_RANGE));
	ASSERT_OK(vsmmu_mem_write64(g, GPA_RING + 24, 31));
	ASSERT_OK(wr(vm, LPAGE0(0) + TEGRA241_VCMDQ_PROD, 4, 2));
	venv_process(&e);
	ASSERT_EQ(vsmmu_vm_process(vm), 1);
	ASSERT_EQ(irqs.n[VSMMU_IRQ_CMDQV], 1);
	ASSERT_EQ(rd(vm, VINTF0(TEGRA241_VINTF_LVCMDQ_ERR_MAP_64(0)), 8), 1);
	/* The guest rewrites BASE 0: the queue is made again from scratch */
	ASSERT_OK(wr(vm, LPAGE1(0) + TEGRA241_VCMDQ_BASE, 8, GPA_RING | 4));
	ASSERT_EQ(rd(vm, LPAGE0(0) + TEGRA241_VCMDQ_CONS, 4), 0);
	ASSERT_OK(vsmmu_vm_smmu_get_stats(vm, 0, &st));
	ASSERT_EQ(st.hw_queues, 2);
	ASSERT_EQ(st.vcmdq_errors, 2);
	/* Nothing reached the host's own queues */
	{
		struct vsmmu_drv_stats hs;

		vsmmu_drv_get_stats(e.drv, &hs);
		ASSERT_EQ(hs.cerror_ill + hs.cerror_abt + hs.cerror_atc_inv, 0);
	}
	vsmmu_vm_destroy(vm);
	venv_fini(&e);
}
