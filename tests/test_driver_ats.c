// SPDX-License-Identifier: MIT
/*
 * The host driver with ATS and PRI, end to end through the public API:
 * an ATS master's endpoint caches translations in its ATC, strict unmap
 * reaches it with CMD_ATC_INV after the TLBI (4.5.1's sequence), an
 * endpoint that never completes the invalidation makes the CMD_SYNC fail
 * with CERROR_ATC_INV_SYNC and the driver recovers by retrying the sync,
 * and page requests are drained, handed to a handler that maps the page,
 * and answered with CMD_PRI_RESP.  Both execution modes.
 */
#include <errno.h>
#include <stdlib.h>

#include <vsmmu/arch.h>
#include <vsmmu/driver.h>
#include <vsmmu/host.h>
#include <vsmmu/smmu.h>

#include "harness.h"

#define DA_POOL_BASE 0x10000000ULL
#define DA_POOL_SIZE (32ULL << 20)
#define DA_IOVA 0x40000000ULL
#define DA_PA 0x80000000ULL

struct da_env {
	struct vsmmu_host *host;
	struct vsmmu_mem *mem;
	struct vsmmu_mem_pool *pool;
	struct vsmmu_smmu *smmu;
	struct vsmmu_drv *drv;
	struct vsmmu_drv_domain *dom; /* for the PRI handler */
	unsigned int errs[4];
	unsigned int nppr, fail_next;
	unsigned int nresp;
	struct vsmmu_pri_resp resp;
};

static void da_log(void *arg, const char *msg)
{
	if (getenv("VSMMU_TEST_VERBOSE"))
		printf("# drv: %s\n", msg);
}

static void da_cmdq_err(void *arg, unsigned int err, uint32_t cons,
			const uint64_t cmd[2])
{
	struct da_env *e = arg;

	if (err < 4)
		e->errs[err]++;
}

/* The page-request handler: map the page read-write, or fail */
static int da_pri(void *arg, const struct vsmmu_drv_ppr *r)
{
	struct da_env *e = arg;

	e->nppr++;
	if (e->fail_next) {
		e->fail_next--;
		return -EFAULT;
	}
	return vsmmu_drv_map(e->dom, r->addr, DA_PA + (r->addr - DA_IOVA),
			     0x1000, VSMMU_PROT_READ | VSMMU_PROT_WRITE);
}

static void da_resp(void *arg, const struct vsmmu_pri_resp *r)
{
	struct da_env *e = arg;

	e->nresp++;
	e->resp = *r;
}

static int da_setup_model(void *arg, struct vsmmu_smmu *smmu,
			  struct vsmmu_drv_config *dc)
{
	vsmmu_smmu_set_pri_resp_handler(smmu, da_resp, arg);
	return 0;
}

static int da_init(struct da_env *e, enum vsmmu_exec_mode mode)
{
	struct vsmmu_host_config hc;
	int rc;

	memset(e, 0, sizeof(*e));
	vsmmu_host_config_default(&hc);
	hc.smmu.exec = mode;
	hc.irq = false; /* the driver polls */
	hc.pool_base = DA_POOL_BASE;
	hc.pool_size = DA_POOL_SIZE;
	hc.drv.log_fn = da_log;
	hc.drv.cmdq_err_fn = da_cmdq_err;
	hc.drv.cmdq_err_arg = e;
	hc.drv.pri_fn = da_pri;
	hc.drv.pri_arg = e;
	hc.drv.timeout_ns = 5000000000ULL;
	hc.before_driver = da_setup_model;
	hc.before_driver_arg = e;
	rc = vsmmu_host_create(&hc, NULL, &e->host);
	if (rc)
		return rc;
	e->mem = vsmmu_host_mem(e->host);
	e->pool = vsmmu_host_pool(e->host);
	e->smmu = vsmmu_host_smmu(e->host);
	e->drv = vsmmu_host_drv(e->host);
	return 0;
}

static void da_fini(struct da_env *e)
{
	vsmmu_host_destroy(e->host);
}

/* A stage-1 domain on master SID 5 with ATS, 4 pages mapped */
static int da_setup(struct da_env *e, struct vsmmu_drv_master **m)
{
	struct vsmmu_drv_domain_cfg c = { .type = VSMMU_DRV_DOMAIN_S1 };
	uint32_t sid = 5;
	int rc;

	rc = vsmmu_drv_master_create(e->drv, &sid, 1, 0, m);
	if (!rc)
		rc = vsmmu_drv_domain_alloc(e->drv, &c, &e->dom);
	if (!rc)
		rc = vsmmu_drv_attach(*m, e->dom);
	if (!rc)
		rc = vsmmu_drv_master_enable_ats(*m, true);
	if (!rc)
		rc = vsmmu_drv_map(e->dom, DA_IOVA, DA_PA, 0x4000,
				   VSMMU_PROT_READ | VSMMU_PROT_WRITE);
	return rc;
}

static void drvats_unmap(enum vsmmu_exec_mode mode)
{
	struct vsmmu_txn t = { .addr = DA_IOVA + 0x1010,
			       .flags = VSMMU_TXN_WRITE };
	struct vsmmu_txn_result r;
	struct vsmmu_ats_result tr;
	struct vsmmu_atc_stats st;
	struct vsmmu_drv_stats ds;
	struct vsmmu_drv_master *m;
	struct vsmmu_atc *atc;
	struct da_env e;

	ASSERT_OK(da_init(&e, mode));
	ASSERT_OK(da_setup(&e, &m));
	ASSERT_OK(vsmmu_atc_create(e.smmu, 5, 8, &atc));
	/* The STE has EATS = 0b01: the endpoint's request succeeds */
	ASSERT_OK(vsmmu_atc_access(atc, &t, &r, &tr));
	ASSERT_EQ(tr.status, VSMMU_ATS_SUCCESS);
	ASSERT_EQ(r.outcome, VSMMU_TXN_OK);
	ASSERT_EQ(r.oa, DA_PA + 0x1010);
	ASSERT_OK(vsmmu_atc_access(atc, &t, &r, NULL));
	ASSERT_TRUE(r.tlb_hit);
	/* page 2 too, then unmap page 1 strictly */
	t.addr = DA_IOVA + 0x2000;
	ASSERT_OK(vsmmu_atc_access(atc, &t, &r, NULL));
	ASSERT_EQ(vsmmu_drv_unmap(e.dom, DA_IOVA + 0x1000, 0x1000, 0, NULL,
				  NULL),
		  0x1000);
	/* the ATC lost page 1 (one ATC_INV, Size 0), kept page 2 */
	vsmmu_atc_get_stats(atc, &st);
	ASSERT_EQ(st.inv_requests, 1);
	ASSERT_EQ(st.invalidated, 1);
	ASSERT_OK(vsmmu_atc_access(atc, &t, &r, NULL));
	ASSERT_TRUE(r.tlb_hit);
	t.addr = DA_IOVA + 0x1010;
	ASSERT_OK(vsmmu_atc_access(atc, &t, &r, &tr));
	ASSERT_EQ(r.outcome, VSMMU_TXN_TERMINATED);
	ASSERT_EQ(tr.perm, 0);
	/* a range of 3 pages (0..2): pages 0 and 2 differ in bit 1 -> Size 2 */
	ASSERT_EQ(vsmmu_drv_unmap(e.dom, DA_IOVA, 0x3000, 0, NULL, NULL),
		  0x2000);
	vsmmu_atc_get_stats(atc, &st);
	ASSERT_EQ(st.inv_requests, 2);
	ASSERT_EQ(st.valid, 0);
	vsmmu_drv_get_stats(e.drv, &ds);
	ASSERT_EQ(ds.atc_inv_cmds, 2); /* one per unmap, none to enable */
	/* disabling ATS invalidates the ATC first, then EATS = 0 */
	ASSERT_OK(vsmmu_drv_master_enable_ats(m, false));
	ASSERT_OK(vsmmu_atc_access(atc, &t, &r, &tr));
	ASSERT_EQ(tr.status, VSMMU_ATS_UR);
	vsmmu_atc_destroy(atc);
	da_fini(&e);
}

TEST(drvats_unmap_invalidates_atc_sync)
{
	drvats_unmap(VSMMU_EXEC_SYNC);
}

TEST(drvats_unmap_invalidates_atc_thread)
{
	drvats_unmap(VSMMU_EXEC_THREAD);
}

static void drvats_timeout(enum vsmmu_exec_mode mode)
{
	struct vsmmu_txn t = { .addr = DA_IOVA, .flags = VSMMU_TXN_READ };
	struct vsmmu_txn_result r;
	struct vsmmu_drv_stats ds;
	struct vsmmu_atc_stats st;
	struct vsmmu_drv_master *m;
	struct vsmmu_atc *atc;
	struct da_env e;

	ASSERT_OK(da_init(&e, mode));
	ASSERT_OK(da_setup(&e, &m));
	ASSERT_OK(vsmmu_atc_create(e.smmu, 5, 8, &atc));
	ASSERT_OK(vsmmu_atc_access(atc, &t, &r, NULL));
	vsmmu_atc_set_responsive(atc, false);
	/* the sync after the ATC_INV fails; the driver retries it */
	ASSERT_EQ(vsmmu_drv_unmap(e.dom, DA_IOVA, 0x1000, 0, NULL, NULL),
		  0x1000);
	ASSERT_EQ(e.errs[CMDQ_ERR_CERROR_ATC_INV_IDX], 1);
	vsmmu_drv_get_stats(e.drv, &ds);
	ASSERT_EQ(ds.cerror_atc_inv, 1);
	vsmmu_atc_get_stats(atc, &st);
	ASSERT_EQ(st.inv_timeouts, 1);
	/* the queue works on */
	ASSERT_OK(vsmmu_drv_cmdq_sync(e.drv));
	vsmmu_atc_destroy(atc);
	da_fini(&e);
}

TEST(drvats_atc_inv_timeout_recovered_sync)
{
	drvats_timeout(VSMMU_EXEC_SYNC);
}

TEST(drvats_atc_inv_timeout_recovered_thread)
{
	drvats_timeout(VSMMU_EXEC_THREAD);
}

static void drvpri(enum vsmmu_exec_mode mode)
{
	struct vsmmu_pri_req req = { .sid = 5,
				     .addr = DA_IOVA + 0x10000,
				     .perm = VSMMU_PRI_READ | VSMMU_PRI_WRITE,
				     .prgi = 3,
				     .last = true };
	struct vsmmu_txn t = { .sid = 5,
			       .addr = DA_IOVA + 0x10020,
			       .flags = VSMMU_TXN_WRITE };
	struct vsmmu_txn_result r;
	enum vsmmu_pri_outcome o;
	struct vsmmu_drv_master *m;
	struct vsmmu_drv_stats ds;
	struct da_env e;

	ASSERT_OK(da_init(&e, mode));
	ASSERT_OK(da_setup(&e, &m));
	ASSERT_OK(vsmmu_translate(e.smmu, &t, &r));
	ASSERT_EQ(r.outcome, VSMMU_TXN_FAULT);
	/* the endpoint asks for the page; the driver maps it and answers */
	ASSERT_OK(vsmmu_smmu_page_request(e.smmu, &req, &o));
	ASSERT_EQ(o, VSMMU_PRI_QUEUED);
	ASSERT_TRUE(vsmmu_drv_process(e.drv) >= 0);
	ASSERT_EQ(e.nppr, 1);
	ASSERT_EQ(e.nresp, 1);
	ASSERT_EQ(e.resp.sid, 5);
	ASSERT_EQ(e.resp.prgi, 3);
	ASSERT_EQ(e.resp.code, VSMMU_PRI_RESP_SUCCESS);
	ASSERT_FALSE(e.resp.automatic);
	ASSERT_OK(vsmmu_translate(e.smmu, &t, &r));
	ASSERT_EQ(r.outcome, VSMMU_TXN_OK);
	ASSERT_EQ(r.oa, DA_PA + 0x10020);
	/* a group of two whose first request fails: InvalidRequest */
	e.fail_next = 1;
	req.last = false;
	req.prgi = 4;
	req.addr = DA_IOVA + 0x20000;
	ASSERT_OK(vsmmu_smmu_page_request(e.smmu, &req, &o));
	req.last = true;
	req.addr = DA_IOVA + 0x21000;
	ASSERT_OK(vsmmu_smmu_page_request(e.smmu, &req, &o));
	ASSERT_EQ(vsmmu_drv_priq_drain(e.drv), 2);
	ASSERT_EQ(e.nresp, 2);
	ASSERT_EQ(e.resp.prgi, 4);
	ASSERT_EQ(e.resp.code, VSMMU_PRI_RESP_INVALID);
	vsmmu_drv_get_stats(e.drv, &ds);
	ASSERT_EQ(ds.pprs, 3);
	ASSERT_EQ(ds.pri_resps, 2);
	da_fini(&e);
}

TEST(drvpri_handler_maps_and_responds_sync)
{
	drvpri(VSMMU_EXEC_SYNC);
}

TEST(drvpri_handler_maps_and_responds_thread)
{
	drvpri(VSMMU_EXEC_THREAD);
}
