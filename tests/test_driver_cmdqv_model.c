// SPDX-License-Identifier: MIT
/*
 * The driver's CMDQV against the hardware model's CMDQV, in both execution
 * modes: as the host (strict unmaps invalidate through the thread's
 * LVCMDQ, the stale translation is gone afterwards), as a guest (through
 * the tests' trap layer its VINTF 0 is the host's VINTF 1 with HYP_OWN 0:
 * invalidations on the VCMDQ, configuration commands on the main queue,
 * nothing refused), and a VCMDQ's CERROR_ILL recovered through its own
 * GERRORN.
 */
#include <errno.h>
#include <stdlib.h>

#include <vsmmu/arch.h>
#include <vsmmu/driver.h>
#include <vsmmu/host.h>
#include <vsmmu/smmu.h>

#include "guest_trap.h"
#include "harness.h"

#define POOL_BASE 0x10000000ULL
#define POOL_SIZE (16ULL << 20)

struct menv {
	struct vsmmu_host *host;
	struct vsmmu_mem *mem;
	struct vsmmu_mem_pool *pool;
	struct vsmmu_smmu *smmu;
	struct vsmmu_drv *drv;
	struct guest_trap trap;
	unsigned int errs[4];
};

static void menv_log(void *arg, const char *msg)
{
	if (getenv("VSMMU_TEST_VERBOSE"))
		printf("# drv: %s\n", msg);
}

static void menv_err(void *arg, unsigned int err, uint32_t cons,
		     const uint64_t cmd[2])
{
	struct menv *e = arg;

	if (err < 4)
		e->errs[err]++;
}

/*
 * A guest's driver: what the host did for the VM (CMDQV on, VINTF 1 with
 * the VM's VMID (7) and HYP_OWN 0; the guest enables it itself), and the
 * driver's CMDQV reached through the tests' trap layer.
 */
static int menv_guest(void *arg, struct vsmmu_smmu *smmu,
		      struct vsmmu_drv_config *dc)
{
	struct menv *e = arg;
	int rc;

	rc = vsmmu_smmu_cmdqv_mmio_write(smmu, TEGRA241_CMDQV_CONFIG, 4,
					 CMDQV_EN);
	if (!rc)
		rc = vsmmu_smmu_cmdqv_mmio_write(
			smmu, TEGRA241_VINTF(1) + TEGRA241_VINTF_CONFIG, 4,
			VS_FIELD_PREP(VINTF_VMID, 7));
	if (!rc)
		rc = guest_trap_init(&e->trap, smmu, 1);
	dc->cmdqv_ops = &guest_trap_ops;
	dc->cmdqv_ctx = &e->trap;
	return rc;
}

/* 4 VINTFs, 8 VCMDQs (2 per VINTF); the driver takes both of VINTF0's */
static int menv_init(struct menv *e, enum vsmmu_exec_mode mode, bool guest)
{
	struct vsmmu_host_config hc;
	int rc;

	memset(e, 0, sizeof(*e));
	vsmmu_host_config_default(&hc);
	hc.smmu.exec = mode;
	hc.smmu.cmdqv.present = true;
	hc.smmu.cmdqv.num_vintf_log2 = 2;
	hc.smmu.cmdqv.num_vcmdq_log2 = 3;
	hc.smmu.cmdqv.num_sid_per_vm_log2 = 4;
	hc.smmu.cmdqv.version = 1;
	hc.irq = false;
	hc.pool_base = POOL_BASE;
	hc.pool_size = POOL_SIZE;
	hc.drv.log_fn = menv_log;
	hc.drv.cmdq_err_fn = menv_err;
	hc.drv.cmdq_err_arg = e;
	hc.drv.timeout_ns = 5000000000ULL;
	hc.drv.cmdqv_nqueues = 2;
	if (guest) {
		hc.before_driver = menv_guest;
		hc.before_driver_arg = e;
	}
	rc = vsmmu_host_create(&hc, NULL, &e->host);
	if (rc)
		return rc;
	e->mem = vsmmu_host_mem(e->host);
	e->pool = vsmmu_host_pool(e->host);
	e->smmu = vsmmu_host_smmu(e->host);
	e->drv = vsmmu_host_drv(e->host);
	return 0;
}

static void menv_fini(struct menv *e)
{
	vsmmu_host_destroy(e->host);
}

static uint32_t cvreg(struct menv *e, uint64_t off)
{
	uint64_t v = ~0ULL;

	vsmmu_smmu_cmdqv_mmio_read(e->smmu, off, 4, &v);
	return (uint32_t)v;
}

static const enum vsmmu_exec_mode modes[2] = { VSMMU_EXEC_SYNC,
					       VSMMU_EXEC_THREAD };

TEST(drvq_model_host_unmap_via_vcmdq)
{
	unsigned int m;

	for (m = 0; m < 2; m++) {
		struct menv e;
		struct vsmmu_drv_cmdqv_info info;
		struct vsmmu_drv_domain_cfg dcfg = {
			.type = VSMMU_DRV_DOMAIN_S1
		};
		struct vsmmu_drv_domain *dom;
		struct vsmmu_drv_master *mst;
		struct vsmmu_drv_queue_stats q1, q1b, mq, mqb;
		struct vsmmu_txn t = { .sid = 5,
				       .addr = 0x40000,
				       .flags = VSMMU_TXN_READ };
		struct vsmmu_txn_result r;
		const uint32_t sid = 5;

		ASSERT_OK(menv_init(&e, modes[m], false));
		vsmmu_drv_cmdqv_get_info(e.drv, &info);
		ASSERT_TRUE(info.enabled && info.hyp_own);
		ASSERT_EQ(info.num_vintfs, 4);
		ASSERT_EQ(info.num_vcmdqs, 8);
		ASSERT_EQ(info.nqueues, 2);
		/* CMDQ_ALLOC(1) = LVCMDQ 1 << 1 | ALLOCATED = 0x3 */
		ASSERT_EQ(cvreg(&e, TEGRA241_CMDQV_CMDQ_ALLOC(1)), 0x3);
		/* VINTF0_STATUS: NUM_LVCMDQ[23:16] = 2, ENABLED: 0x20001 */
		ASSERT_EQ(cvreg(&e, TEGRA241_VINTF(0) + TEGRA241_VINTF_STATUS),
			  0x20001);
		ASSERT_EQ(cvreg(&e, TEGRA241_CMDQV_STATUS), 1);

		vsmmu_drv_set_thread_queue(e.drv, 1);
		ASSERT_OK(vsmmu_drv_master_create(e.drv, &sid, 1, 0, &mst));
		ASSERT_OK(vsmmu_drv_domain_alloc(e.drv, &dcfg, &dom));
		ASSERT_OK(vsmmu_drv_attach(mst, dom));
		ASSERT_OK(vsmmu_drv_map(dom, 0x40000, 0x2000000, 0x1000,
					VSMMU_PROT_READ));
		ASSERT_OK(vsmmu_translate(e.smmu, &t, &r));
		ASSERT_EQ(r.outcome, VSMMU_TXN_OK);
		ASSERT_EQ(r.oa, 0x2000000);
		ASSERT_OK(vsmmu_translate(e.smmu, &t, &r));
		ASSERT_TRUE(r.tlb_hit);
		ASSERT_OK(vsmmu_drv_queue_get_stats(e.drv, 1, &q1));
		ASSERT_OK(vsmmu_drv_queue_get_stats(e.drv, -1, &mq));
		ASSERT_EQ(vsmmu_drv_unmap(dom, 0x40000, 0x1000, 0, NULL, NULL),
			  0x1000);
		/* The TLBI and its sync went to LVCMDQ1, nothing to main */
		ASSERT_OK(vsmmu_drv_queue_get_stats(e.drv, 1, &q1b));
		ASSERT_OK(vsmmu_drv_queue_get_stats(e.drv, -1, &mqb));
		ASSERT_EQ(q1b.cmds - q1.cmds, 2);
		ASSERT_EQ(q1b.syncs - q1.syncs, 1);
		ASSERT_EQ(mqb.cmds, mq.cmds);
		/* The model consumed them: LVCMDQ1's CONS caught up */
		ASSERT_EQ(cvreg(&e, TEGRA241_VINTFi_PAGE0(0) + 0x80 +
					    TEGRA241_VCMDQ_CONS) &
				  0xfffff,
			  q1b.prod);
		ASSERT_OK(vsmmu_translate(e.smmu, &t, &r));
		ASSERT_EQ(r.outcome, VSMMU_TXN_FAULT);
		vsmmu_drv_master_destroy(mst);
		ASSERT_OK(vsmmu_drv_domain_free(dom));
		ASSERT_EQ(e.errs[1] + e.errs[2] + e.errs[3], 0);
		menv_fini(&e);
	}
}

TEST(drvq_model_guest_routes_accepted_only)
{
	unsigned int m;

	for (m = 0; m < 2; m++) {
		struct menv e;
		struct vsmmu_drv_cmdqv_info info;
		struct vsmmu_drv_batch b;
		struct vsmmu_drv_queue_stats q0, mq0, q0b, mqb;
		struct vsmmu_drv_cmd c[4] = {
			{ .opcode = CMDQ_OP_TLBI_NH_VA, .asid = 1 },
			{ .opcode = CMDQ_OP_CFGI_STE, .sid = 3, .leaf = true },
			{ .opcode = CMDQ_OP_TLBI_NH_ASID, .asid = 1 },
			{ .opcode = CMDQ_OP_CFGI_CD, .sid = 3 },
		};
		unsigned int i;

		ASSERT_OK(menv_init(&e, modes[m], true));
		vsmmu_drv_cmdqv_get_info(e.drv, &info);
		ASSERT_TRUE(info.enabled);
		ASSERT_FALSE(info.hyp_own);
		/* The host sees VINTF1 enabled, VMID 7, not HYP_OWN */
		ASSERT_EQ(cvreg(&e, TEGRA241_VINTF(1) + TEGRA241_VINTF_CONFIG),
			  0xf);
		vsmmu_drv_set_thread_queue(e.drv, 0);
		ASSERT_OK(vsmmu_drv_queue_get_stats(e.drv, 0, &q0));
		ASSERT_OK(vsmmu_drv_queue_get_stats(e.drv, -1, &mq0));
		vsmmu_drv_batch_init(&b);
		for (i = 0; i < 4; i++)
			ASSERT_OK(vsmmu_drv_batch_add(e.drv, &b, &c[i]));
		ASSERT_OK(vsmmu_drv_batch_submit(e.drv, &b, true));
		/* TLBI_NH_VA + sync on LVCMDQ0; CFGI_STE, TLBI_NH_ASID,
		 * CFGI_CD + sync on the main queue */
		ASSERT_OK(vsmmu_drv_queue_get_stats(e.drv, 0, &q0b));
		ASSERT_OK(vsmmu_drv_queue_get_stats(e.drv, -1, &mqb));
		ASSERT_EQ(q0b.cmds - q0.cmds, 2);
		ASSERT_EQ(mqb.cmds - mq0.cmds, 4);
		/* Nothing was refused: no queue error anywhere */
		ASSERT_EQ(e.errs[CMDQ_ERR_CERROR_ILL_IDX], 0);
		ASSERT_EQ(cvreg(&e, TEGRA241_CMDQV_CMDQ_ERR_MAP(0)), 0);
		ASSERT_EQ(cvreg(&e, TEGRA241_VINTFi_PAGE0(1) +
					    TEGRA241_VCMDQ_CONS) &
				  0xfffff,
			  q0b.prod);
		menv_fini(&e);
	}
}

TEST(drvq_model_vcmdq_ill_recovered)
{
	unsigned int m;

	for (m = 0; m < 2; m++) {
		struct menv e;
		struct vsmmu_drv_queue_stats st;
		/* Opcode 0x7f is not an SMMUv3 command: CERROR_ILL */
		const uint64_t bad[2] = { 0x7f, 0 };
		struct vsmmu_drv_batch b;
		struct vsmmu_drv_cmd c = { .opcode = CMDQ_OP_TLBI_NH_ASID,
					   .asid = 2 };

		ASSERT_OK(menv_init(&e, modes[m], false));
		vsmmu_drv_set_thread_queue(e.drv, 1);
		vsmmu_drv_batch_init(&b);
		ASSERT_OK(vsmmu_drv_batch_add_raw(e.drv, &b, bad));
		ASSERT_OK(vsmmu_drv_batch_add(e.drv, &b, &c));
		ASSERT_OK(vsmmu_drv_batch_submit(e.drv, &b, true));
		ASSERT_OK(vsmmu_drv_queue_get_stats(e.drv, 1, &st));
		ASSERT_EQ(st.cerror_ill, 1);
		ASSERT_EQ(e.errs[CMDQ_ERR_CERROR_ILL_IDX], 1);
		/* Acknowledged: the error maps are clear again */
		ASSERT_EQ(cvreg(&e, TEGRA241_CMDQV_CMDQ_ERR_MAP(0)), 0);
		ASSERT_EQ(cvreg(&e, TEGRA241_CMDQV_VINTF_ERR_MAP), 0);
		ASSERT_EQ(cvreg(&e, TEGRA241_VINTFi_PAGE0(0) + 0x80 +
					    TEGRA241_VCMDQ_GERROR),
			  cvreg(&e, TEGRA241_VINTFi_PAGE0(0) + 0x80 +
					    TEGRA241_VCMDQ_GERRORN));
		ASSERT_OK(vsmmu_drv_queue_get_stats(e.drv, -1, &st));
		ASSERT_EQ(st.cerror_ill, 0);
		menv_fini(&e);
	}
}
