// SPDX-License-Identifier: MIT
/*
 * VINTFs for VMs (the host driver's CMDQV): allocated with HYP_OWN = 0 and
 * the VM's VMID, logical queues by Linux's HW_QUEUE_ALLOC rules, StreamID
 * pairs one device at a time, the guest's commands on its queue executed
 * with the host's VMID and physical StreamIDs, the guest's queue errors
 * reported (not recovered) by the host, and teardown in the hardware's
 * order.  Register values are checked against encodings worked out from
 * the CMDQV layout (reference/cmdqv.md).
 */
#include <errno.h>
#include <string.h>

#include <vsmmu/arch.h>

#include "harness.h"
#include "nested_world.h"

/* 4 VINTFs (2 VCMDQs each, 8 in all), 16 StreamID pairs per VINTF */
static void cmdqv_host(struct vsmmu_host_config *hc)
{
	vsmmu_host_config_default(hc);
	hc->smmu.cmdqv.present = true;
	hc->smmu.cmdqv.num_vintf_log2 = 2;
	hc->smmu.cmdqv.num_vcmdq_log2 = 3;
	hc->smmu.cmdqv.num_sid_per_vm_log2 = 4;
	hc->smmu.cmdqv.version = 1;
	hc->drv.cmdqv_nqueues = 2;
	hc->drv.log_fn = world_quiet;
}

static uint64_t cvr(struct world *w, uint64_t off)
{
	uint64_t v = ~0ULL;

	vsmmu_smmu_cmdqv_mmio_read(w->smmu, off, 4, &v);
	return v;
}

static int cvw(struct world *w, uint64_t off, uint64_t v)
{
	return vsmmu_smmu_cmdqv_mmio_write(w->smmu, off, 4, v);
}

struct errs {
	unsigned int calls;
	uint64_t map[2];
};

static void on_vintf_err(void *arg, struct vsmmu_drv_vintf *v,
			 const uint64_t map[2])
{
	struct errs *e = arg;

	e->calls++;
	e->map[0] = map[0];
	e->map[1] = map[1];
}

#define RING0 0x300000ULL /* the guest's queues, in host memory */
#define RING1 0x301000ULL

TEST(vintf_alloc_and_rules)
{
	struct vsmmu_host_config hc;
	struct world w;
	struct vsmmu_drv_vintf *v, *more[3];
	struct vsmmu_drv_vintf_info info;
	unsigned int vmid, i, slot;

	cmdqv_host(&hc);
	ASSERT_OK(world_init(&w, &hc, false));
	vmid = vsmmu_drv_vm_vmid(w.vm);
	ASSERT_OK(vsmmu_drv_vintf_alloc(w.drv, vmid, NULL, NULL, &v));
	vsmmu_drv_vintf_get_info(v, &info);
	ASSERT_EQ(info.index, 1); /* VINTF0 is the host's */
	ASSERT_EQ(info.nqueues, 2);
	ASSERT_EQ(info.nsids, 16);
	/* VINTF i's logical page 0 at 0x30000 + 0x20000 i */
	ASSERT_EQ(info.page0, 0x50000);
	ASSERT_EQ(info.page1, 0x60000);
	/* VINTF_CONFIG: HYP_OWN [17] = 0, VMID [16:1], EN [0] */
	ASSERT_EQ(cvr(&w, TEGRA241_VINTF(1) + TEGRA241_VINTF_CONFIG),
		  (vmid << 1) | 1);

	/* Queue rules (Linux's HW_QUEUE_ALLOC) */
	ASSERT_EQ(vsmmu_drv_vintf_queue_alloc(v, 2, RING0, 8), -EINVAL);
	ASSERT_EQ(vsmmu_drv_vintf_queue_alloc(v, 1, RING1, 8), -EIO);
	ASSERT_EQ(vsmmu_drv_vintf_queue_alloc(v, 0, RING0, 0), -EINVAL);
	ASSERT_EQ(vsmmu_drv_vintf_queue_alloc(v, 0, RING0 + 0x800, 8),
		  -EINVAL); /* 4 KiB ring not aligned to 4 KiB */
	ASSERT_EQ(vsmmu_drv_vintf_queue_alloc(v, 0, RING0, 21), -EINVAL);
	ASSERT_EQ(vsmmu_drv_vintf_queue_alloc(v, 0, 1ULL << 48, 8), -EINVAL);
	ASSERT_OK(vsmmu_drv_vintf_queue_alloc(v, 0, RING0, 8));
	ASSERT_EQ(vsmmu_drv_vintf_queue_alloc(v, 0, RING0, 8), -EEXIST);
	ASSERT_OK(vsmmu_drv_vintf_queue_alloc(v, 1, RING1, 8));
	/* VCMDQ 2 and 3 (VINTF 1's share) allocated to it: CMDQ_ALLOC =
	 * VINTF 1 << 15 | LVCMDQ << 1 | ALLOCATED */
	ASSERT_EQ(cvr(&w, TEGRA241_CMDQV_CMDQ_ALLOC(2)), 0x8001);
	ASSERT_EQ(cvr(&w, TEGRA241_CMDQV_CMDQ_ALLOC(3)), 0x8003);
	/* VCMDQ BASE (page 1, 64 bits): address | LOG2SIZE 8 */
	ASSERT_EQ(cvr(&w, TEGRA241_VCMDQ_PAGE1(2)), RING0 | 8);
	ASSERT_EQ(cvr(&w, TEGRA241_VCMDQ_PAGE1(3)), RING1 | 8);

	/* StreamID pairs: SID_MATCH = vSID << 1 | 1, SID_REPLACE = pSID */
	ASSERT_OK(vsmmu_drv_vintf_sid_set(v, VSID, SID, &slot));
	ASSERT_EQ(slot, 0);
	ASSERT_EQ(cvr(&w, TEGRA241_VINTF(1) + TEGRA241_VINTF_SID_MATCH(0)),
		  (VSID << 1) | 1);
	ASSERT_EQ(cvr(&w, TEGRA241_VINTF(1) + TEGRA241_VINTF_SID_REPLACE(0)),
		  SID);
	ASSERT_EQ(vsmmu_drv_vintf_sid_set(v, VSID, 6, &slot), -EEXIST);
	for (i = 1; i < 16; i++)
		ASSERT_OK(vsmmu_drv_vintf_sid_set(v, 0x100 + i, i, &slot));
	ASSERT_EQ(vsmmu_drv_vintf_sid_set(v, 0x200, 1, &slot), -ENOSPC);
	ASSERT_OK(vsmmu_drv_vintf_sid_clear(v, 3));
	ASSERT_EQ(cvr(&w, TEGRA241_VINTF(1) + TEGRA241_VINTF_SID_MATCH(3)), 0);
	ASSERT_EQ(vsmmu_drv_vintf_sid_clear(v, 3), -EINVAL);

	/* Descending order */
	ASSERT_EQ(vsmmu_drv_vintf_queue_free(v, 0), -EBUSY);
	ASSERT_OK(vsmmu_drv_vintf_queue_free(v, 1));
	ASSERT_EQ(cvr(&w, TEGRA241_CMDQV_CMDQ_ALLOC(3)), 0);

	/* The other VINTFs (2 and 3), then none left */
	ASSERT_OK(vsmmu_drv_vintf_alloc(w.drv, vmid, NULL, NULL, &more[0]));
	ASSERT_OK(vsmmu_drv_vintf_alloc(w.drv, vmid, NULL, NULL, &more[1]));
	ASSERT_EQ(vsmmu_drv_vintf_alloc(w.drv, vmid, NULL, NULL, &more[2]),
		  -ENOSPC);
	vsmmu_drv_vintf_free(more[0]);
	vsmmu_drv_vintf_free(more[1]);

	/* Free: queues, pairs, VINTF all cleared */
	vsmmu_drv_vintf_free(v);
	ASSERT_EQ(cvr(&w, TEGRA241_VINTF(1) + TEGRA241_VINTF_CONFIG), 0);
	ASSERT_EQ(cvr(&w, TEGRA241_VINTF(1) + TEGRA241_VINTF_SID_MATCH(0)), 0);
	ASSERT_EQ(cvr(&w, TEGRA241_CMDQV_CMDQ_ALLOC(2)), 0);
	world_fini(&w);
}

TEST(vintf_needs_a_host_cmdqv)
{
	struct world w;
	struct vsmmu_drv_vintf *v;

	ASSERT_OK(world_init(&w, NULL, false));
	ASSERT_EQ(vsmmu_drv_vintf_alloc(w.drv, 3, NULL, NULL, &v), -ENODEV);
	world_fini(&w);
}

/* Put a command at @slot of the ring at @ring. */
static int put(struct world *w, uint64_t ring, unsigned int slot, uint64_t dw0,
	       uint64_t dw1)
{
	return vsmmu_mem_write64(w->mem, ring + 16 * slot, dw0) ||
	       vsmmu_mem_write64(w->mem, ring + 16 * slot + 8, dw1);
}

/*
 * The guest's queue, rung through its logical page with no trap: its
 * TLBI naming VMID 0x777 runs with the VM's VMID (the cached entry of the
 * guest's nested translation goes); an ATC_INV for a vSID without a pair
 * halts that queue (CERROR_ILL) and nothing else: the host reports the
 * map to the VINTF's owner once, the guest acknowledges through its page,
 * and a second error is reported again.
 */
TEST(vintf_guest_queue_substitution_and_errors)
{
	struct vsmmu_host_config hc;
	struct world w;
	struct vsmmu_drv_vintf *v;
	struct vsmmu_drv_vintf_info info;
	struct vsmmu_drv_stats st;
	struct vsmmu_txn_result r;
	struct errs errs = { 0 };
	unsigned int slot;
	uint64_t p0, cons;

	cmdqv_host(&hc);
	ASSERT_OK(world_init(&w, &hc, false));
	ASSERT_OK(vsmmu_drv_nested_alloc(w.vm, w.gste, &w.nested));
	ASSERT_OK(vsmmu_drv_attach(w.m, w.nested));
	ASSERT_OK(vsmmu_drv_vintf_alloc(w.drv, vsmmu_drv_vm_vmid(w.vm),
					on_vintf_err, &errs, &v));
	ASSERT_OK(vsmmu_mem_populate(w.mem, RING0, 0x1000));
	ASSERT_OK(vsmmu_drv_vintf_queue_alloc(v, 0, RING0, 8));
	ASSERT_OK(vsmmu_drv_vintf_sid_set(v, VSID, SID, &slot));
	vsmmu_drv_vintf_get_info(v, &info);
	p0 = info.page0; /* LVCMDQ 0 at +0 */
	/* The guest enables its queue (CONFIG.EN) */
	ASSERT_OK(cvw(&w, p0 + TEGRA241_VCMDQ_CONFIG, 1));
	ASSERT_EQ(cvr(&w, p0 + TEGRA241_VCMDQ_STATUS), 1);

	ASSERT_OK(world_txn(&w, SID, IOVA, &r));
	ASSERT_OK(world_txn(&w, SID, IOVA, &r));
	ASSERT_TRUE(r.tlb_hit);
	/* TLBI_NH_ASID (0x11) VMID 0x777 [47:32] ASID 7 [63:48]; CMD_SYNC */
	ASSERT_OK(put(&w, RING0, 0, 0x11ULL | (0x777ULL << 32) | (7ULL << 48),
		      0));
	ASSERT_OK(put(&w, RING0, 1, 0x46, 0));
	ASSERT_OK(cvw(&w, p0 + TEGRA241_VCMDQ_PROD, 2));
	ASSERT_EQ(cvr(&w, p0 + TEGRA241_VCMDQ_CONS) & 0xff, 2);
	ASSERT_OK(world_txn(&w, SID, IOVA, &r));
	ASSERT_EQ(r.outcome, VSMMU_TXN_OK);
	ASSERT_FALSE(r.tlb_hit);

	/* ATC_INV (0x40) of vSID 0x99 [63:32], Size 52: no pair */
	ASSERT_OK(put(&w, RING0, 2, 0x40ULL | (0x99ULL << 32), 52));
	ASSERT_OK(cvw(&w, p0 + TEGRA241_VCMDQ_PROD, 3));
	/* Halted at 2 with CONS.ERR [30:24] = CERROR_ILL (1) */
	cons = cvr(&w, p0 + TEGRA241_VCMDQ_CONS);
	ASSERT_EQ(cons & 0xff, 2);
	ASSERT_EQ((cons >> 24) & 0x7f, 1);
	ASSERT_OK(vsmmu_drv_process(w.drv));
	ASSERT_EQ(errs.calls, 1);
	ASSERT_EQ(errs.map[0], 1); /* LVCMDQ 0 */
	ASSERT_EQ(errs.map[1], 0);
	ASSERT_OK(vsmmu_drv_process(w.drv));
	ASSERT_EQ(errs.calls, 1); /* reported once */
	/* The host's own queues never stopped */
	vsmmu_drv_get_stats(w.drv, &st);
	ASSERT_EQ(st.cerror_ill, 0);
	/* The guest recovers: the command becomes a CMD_SYNC, GERRORN
	 * acknowledges GERROR.CMDQ_ERR [0] */
	ASSERT_OK(put(&w, RING0, 2, 0x46, 0));
	ASSERT_OK(cvw(&w, p0 + TEGRA241_VCMDQ_GERRORN,
		      cvr(&w, p0 + TEGRA241_VCMDQ_GERROR)));
	ASSERT_EQ(cvr(&w, p0 + TEGRA241_VCMDQ_CONS) & 0xff, 3);
	ASSERT_OK(vsmmu_drv_process(w.drv));
	ASSERT_EQ(errs.calls, 1);
	/* A second error: reported again */
	ASSERT_OK(put(&w, RING0, 3, 0x03, 0)); /* CFGI_STE: not a guest's */
	ASSERT_OK(cvw(&w, p0 + TEGRA241_VCMDQ_PROD, 4));
	ASSERT_OK(vsmmu_drv_process(w.drv));
	ASSERT_EQ(errs.calls, 2);
	/* Recovered and failed again before the host looked: the map bit
	 * never cleared in between, but GERROR moved: reported again */
	ASSERT_OK(put(&w, RING0, 3, 0x46, 0));
	ASSERT_OK(cvw(&w, p0 + TEGRA241_VCMDQ_GERRORN,
		      cvr(&w, p0 + TEGRA241_VCMDQ_GERROR)));
	ASSERT_EQ(cvr(&w, p0 + TEGRA241_VCMDQ_CONS) & 0xff, 4);
	ASSERT_OK(put(&w, RING0, 4, 0x03, 0));
	ASSERT_OK(cvw(&w, p0 + TEGRA241_VCMDQ_PROD, 5));
	ASSERT_EQ((cvr(&w, p0 + TEGRA241_VCMDQ_CONS) >> 24) & 0x7f, 1);
	ASSERT_OK(vsmmu_drv_process(w.drv));
	ASSERT_EQ(errs.calls, 3);
	ASSERT_OK(vsmmu_drv_process(w.drv));
	ASSERT_EQ(errs.calls, 3);
	vsmmu_drv_vintf_free(v);
	world_fini(&w);
}
