// SPDX-License-Identifier: MIT
/*
 * End-to-end tests of the host driver through the public API: the driver
 * probes and enables the hardware model, sets up devices and domains, a
 * device's DMA translates, unmap invalidates, faults come back decoded
 * from the event queue, command errors are provoked and recovered from,
 * and many threads submit commands at once.  Every scenario runs in both
 * execution modes of the model.
 */
#include <errno.h>
#include <sched.h>
#include <pthread.h>
#include <stdlib.h>

#include <vsmmu/arch.h>
#include <vsmmu/driver.h>
#include <vsmmu/host.h>
#include <vsmmu/smmu.h>

#include "harness.h"

#define POOL_BASE 0x10000000ULL
#define POOL_SIZE (32ULL << 20)

struct env {
	struct vsmmu_host *host;
	struct vsmmu_mem *mem;
	struct vsmmu_mem_pool *pool;
	struct vsmmu_smmu *smmu;
	struct vsmmu_drv *drv;
	/* events and logs seen */
	unsigned int nevents;
	struct vsmmu_drv_event last_evt;
	unsigned int nlogs;
	unsigned int errs[4]; /* cmdq_err_fn calls by CERROR index */
	bool fix_abt; /* populate the absent queue page on CERROR_ABT */
	uint64_t abt_page;
	bool irq; /* the driver's interrupt handler is registered */
};

static void env_event(void *arg, const struct vsmmu_drv_event *e)
{
	struct env *env = arg;

	env->nevents++;
	env->last_evt = *e;
}

static void env_log(void *arg, const char *msg)
{
	struct env *env = arg;

	env->nlogs++;
	if (getenv("VSMMU_TEST_VERBOSE"))
		printf("# drv: %s\n", msg);
}

static void env_cmdq_err(void *arg, unsigned int err, uint32_t cons,
			 const uint64_t cmd[2])
{
	struct env *env = arg;

	if (err < 4)
		env->errs[err]++;
	if (err == CMDQ_ERR_CERROR_ABT_IDX && env->fix_abt)
		vsmmu_mem_populate(env->mem, env->abt_page, 4096);
}

/* Model and driver, not yet enabled; @tweak may edit either config. */
static int env_create(struct env *e, enum vsmmu_exec_mode mode,
		      void (*tweak)(struct vsmmu_smmu_config *,
				    struct vsmmu_drv_config *))
{
	struct vsmmu_host_config hc;
	int rc;

	memset(e, 0, sizeof(*e));
	vsmmu_host_config_default(&hc);
	hc.smmu.exec = mode;
	hc.pool_base = POOL_BASE;
	hc.pool_size = POOL_SIZE;
	hc.no_enable = true;
	hc.drv.event_fn = env_event;
	hc.drv.event_arg = e;
	hc.drv.log_fn = env_log;
	hc.drv.log_arg = e;
	hc.drv.cmdq_err_fn = env_cmdq_err;
	hc.drv.cmdq_err_arg = e;
	hc.drv.timeout_ns = 5000000000ULL;
	if (tweak)
		tweak(&hc.smmu, &hc.drv);
	/*
	 * The wired interrupt only in SYNC mode, where it runs in the
	 * register writer's thread: the model cannot promise that no
	 * callback from its consumer thread is still running when the
	 * handler is replaced, so the driver could be freed under one.
	 * THREAD mode relies on the driver polling GERROR.
	 */
	hc.irq = mode == VSMMU_EXEC_SYNC;
	rc = vsmmu_host_create(&hc, NULL, &e->host);
	if (rc)
		return rc;
	e->irq = hc.irq;
	e->mem = vsmmu_host_mem(e->host);
	e->pool = vsmmu_host_pool(e->host);
	e->smmu = vsmmu_host_smmu(e->host);
	e->drv = vsmmu_host_drv(e->host);
	return 0;
}

static int env_init(struct env *e, enum vsmmu_exec_mode mode,
		    void (*tweak)(struct vsmmu_smmu_config *,
				  struct vsmmu_drv_config *))
{
	int rc = env_create(e, mode, tweak);

	return rc ? rc : vsmmu_drv_enable(e->drv);
}

static void env_fini(struct env *e)
{
	vsmmu_host_destroy(e->host);
}

static uint64_t reg(struct env *e, uint64_t off, unsigned int size)
{
	uint64_t v = ~0ULL;

	vsmmu_smmu_mmio_read(e->smmu, off, size, &v);
	return v;
}

static int dma(struct env *e, uint32_t sid, uint64_t iova, bool write,
	       struct vsmmu_txn_result *res)
{
	struct vsmmu_txn t = { .sid = sid,
			       .addr = iova,
			       .flags = write ? VSMMU_TXN_WRITE :
						VSMMU_TXN_READ };

	return vsmmu_translate(e->smmu, &t, res);
}

static const enum vsmmu_exec_mode modes[2] = { VSMMU_EXEC_SYNC,
					       VSMMU_EXEC_THREAD };

/*
 * After enable: CR0 = SMMUEN | EVTQEN | CMDQEN | ATSCHK (default model has
 * ATS) = 0x1 | 0x4 | 0x8 | 0x10 = 0x1d, acknowledged; the stream table is
 * two-level, SPLIT 8, LOG2SIZE 16: FMT 1 << 16 | 8 << 6 | 16 = 0x10210;
 * IRQ_CTRL = GERROR_IRQEN | EVTQ_IRQEN = 0x5; GBPA.ABORT (bit 20) set.
 */
TEST(drv_enable_registers)
{
	struct env e;
	const struct vsmmu_drv_features *f;

	ASSERT_OK(env_init(&e, VSMMU_EXEC_SYNC, NULL));
	f = vsmmu_drv_get_features(e.drv);
	ASSERT_TRUE(f->s1 && f->s2 && f->st_is_2lvl && f->sync_msi && f->ril);
	ASSERT_EQ(f->asid_bits, 16);
	ASSERT_EQ(f->oas, 48);
	ASSERT_EQ(reg(&e, ARM_SMMU_CR0, 4), 0x1d);
	ASSERT_EQ(reg(&e, ARM_SMMU_CR0ACK, 4), 0x1d);
	ASSERT_EQ(reg(&e, ARM_SMMU_STRTAB_BASE_CFG, 4), 0x10210);
	ASSERT_EQ(reg(&e, ARM_SMMU_IRQ_CTRL, 4), 0x5);
	ASSERT_EQ(reg(&e, ARM_SMMU_GBPA, 4) & GBPA_ABORT, GBPA_ABORT);
	/* CFGI_ALL + sync, TLBI_EL2_ALL + TLBI_NSNH_ALL + sync: all consumed */
	ASSERT_EQ(reg(&e, ARM_SMMU_CMDQ_CONS, 4) & 0xfffff, 5);
	/* Disabled: GBPA aborts traffic silently */
	ASSERT_OK(vsmmu_drv_disable(e.drv));
	ASSERT_EQ(reg(&e, ARM_SMMU_CR0ACK, 4), 0);
	{
		struct vsmmu_txn_result r;

		ASSERT_OK(dma(&e, 1, 0x1000, false, &r));
		ASSERT_EQ(r.outcome, VSMMU_TXN_TERMINATED);
	}
	env_fini(&e);
}

static void small_sids(struct vsmmu_smmu_config *sc,
		       struct vsmmu_drv_config *dc)
{
	/* 2-level capable, but 8-bit StreamIDs: linear table */
	sc->idr[1] = (sc->idr[1] & ~(uint32_t)IDR1_SIDSIZE) | 8;
}

TEST(drv_linear_strtab_bypass_abort)
{
	struct env e;
	struct vsmmu_drv_master *m;
	struct vsmmu_drv_domain *byp, *abt;
	struct vsmmu_drv_domain_cfg c = { .type = VSMMU_DRV_DOMAIN_BYPASS };
	struct vsmmu_txn_result r;
	uint32_t sid = 0x42;

	ASSERT_OK(env_init(&e, VSMMU_EXEC_SYNC, small_sids));
	ASSERT_FALSE(vsmmu_drv_get_features(e.drv)->st_is_2lvl);
	/* LOG2SIZE 8, linear: FMT 0 = 0x8 */
	ASSERT_EQ(reg(&e, ARM_SMMU_STRTAB_BASE_CFG, 4), 0x8);
	ASSERT_OK(vsmmu_drv_master_create(e.drv, &sid, 1, 0, &m));
	ASSERT_EQ(vsmmu_drv_master_create(e.drv, &sid, 1, 0, &m), -EBUSY);
	/* Not attached: abort STE, terminated without an event */
	ASSERT_OK(dma(&e, sid, 0x5000, false, &r));
	ASSERT_EQ(r.outcome, VSMMU_TXN_TERMINATED);
	ASSERT_OK(vsmmu_drv_domain_alloc(e.drv, &c, &byp));
	c.type = VSMMU_DRV_DOMAIN_ABORT;
	ASSERT_OK(vsmmu_drv_domain_alloc(e.drv, &c, &abt));
	ASSERT_OK(vsmmu_drv_attach(m, byp));
	ASSERT_OK(dma(&e, sid, 0x5000, false, &r));
	ASSERT_EQ(r.outcome, VSMMU_TXN_OK);
	ASSERT_EQ(r.oa, 0x5000);
	ASSERT_EQ(vsmmu_drv_domain_free(byp), -EBUSY);
	ASSERT_OK(vsmmu_drv_attach(m, abt));
	ASSERT_OK(dma(&e, sid, 0x5000, false, &r));
	ASSERT_EQ(r.outcome, VSMMU_TXN_TERMINATED);
	ASSERT_OK(vsmmu_drv_domain_free(byp));
	/* SID beyond the table */
	sid = 0x100;
	ASSERT_EQ(vsmmu_drv_master_create(e.drv, &sid, 1, 0, &m), -EINVAL);
	env_fini(&e); /* frees the master and the abort domain */
}

/* Counts ranges handed back by unmap. */
struct freed {
	unsigned int n;
	uint64_t bytes;
};

static void on_free(void *arg, uint64_t iova, uint64_t size)
{
	struct freed *f = arg;

	f->n++;
	f->bytes += size;
}

/*
 * A domain of @type on a device with StreamIDs 5 and 0x305 (two level-2
 * tables): map, DMA, strict unmap (the cached translation goes), the
 * fault decoded from the event queue, deferred unmap (the stale entry
 * stays cached until the flush, then goes).
 */
static void dma_scenario(enum vsmmu_exec_mode mode,
			 enum vsmmu_drv_domain_type type, bool no_msi)
{
	struct env e;
	struct vsmmu_drv_master *m;
	struct vsmmu_drv_domain *d;
	struct vsmmu_drv_domain_cfg c = { .type = type };
	struct vsmmu_txn_result r;
	struct vsmmu_drv_stats st;
	struct freed fr = { 0 };
	const uint32_t sids[2] = { 5, 0x305 };
	const uint64_t iova = 0x40000000, pa = 0x80000000;
	int n;

	if (no_msi) {
		ASSERT_OK(env_create(&e, mode, NULL));
		env_fini(&e);
	}
	ASSERT_OK(env_init(&e, mode, NULL));
	ASSERT_OK(vsmmu_drv_master_create(e.drv, sids, 2, 0, &m));
	ASSERT_OK(vsmmu_drv_domain_alloc(e.drv, &c, &d));
	ASSERT_OK(vsmmu_drv_attach(m, d));
	ASSERT_OK(vsmmu_drv_map(d, iova, pa, 0x4000,
				VSMMU_PROT_READ | VSMMU_PROT_WRITE));
	ASSERT_OK(dma(&e, 5, iova + 0x1010, true, &r));
	ASSERT_EQ(r.outcome, VSMMU_TXN_OK);
	ASSERT_EQ(r.oa, pa + 0x1010);
	ASSERT_OK(dma(&e, 5, iova + 0x1010, true, &r));
	ASSERT_TRUE(r.outcome == VSMMU_TXN_OK && r.tlb_hit);
	ASSERT_OK(dma(&e, 0x305, iova + 0x1010, false, &r));
	ASSERT_EQ(r.outcome, VSMMU_TXN_OK);

	/* Strict unmap of page 1: the cached translation must go */
	ASSERT_EQ(vsmmu_drv_unmap(d, iova + 0x1000, 0x1000, 0, on_free, &fr),
		  0x1000);
	ASSERT_EQ(fr.n, 1);
	ASSERT_OK(dma(&e, 5, iova + 0x1010, true, &r));
	ASSERT_EQ(r.outcome, VSMMU_TXN_FAULT);
	ASSERT_EQ(r.evt[0] & 0xff, EVT_ID_TRANSLATION);
	ASSERT_TRUE(r.recorded);
	/* Page 0 is still mapped */
	ASSERT_OK(dma(&e, 5, iova + 0x10, true, &r));
	ASSERT_EQ(r.outcome, VSMMU_TXN_OK);

	/* The fault, drained and decoded */
	n = vsmmu_drv_evtq_drain(e.drv);
	ASSERT_EQ(n, 1);
	ASSERT_EQ(e.nevents, 1);
	ASSERT_EQ(e.last_evt.id, EVT_ID_TRANSLATION);
	ASSERT_STREQ(e.last_evt.name, "F_TRANSLATION");
	ASSERT_EQ(e.last_evt.sid, 5);
	ASSERT_EQ(e.last_evt.addr, iova + 0x1010);
	ASSERT_TRUE(strstr(e.last_evt.msg, "F_TRANSLATION") != NULL);
	ASSERT_EQ(vsmmu_drv_evtq_drain(e.drv), 0);

	/* Deferred unmap of page 2: TLB still serves it until the flush */
	ASSERT_OK(dma(&e, 5, iova + 0x2000, false, &r));
	ASSERT_EQ(r.outcome, VSMMU_TXN_OK);
	ASSERT_EQ(vsmmu_drv_unmap(d, iova + 0x2000, 0x1000,
				  VSMMU_DRV_UNMAP_DEFERRED, on_free, &fr),
		  0x1000);
	ASSERT_EQ(fr.n, 1); /* not handed back yet */
	ASSERT_OK(dma(&e, 5, iova + 0x2000, false, &r));
	ASSERT_TRUE(r.outcome == VSMMU_TXN_OK && r.tlb_hit); /* stale */
	ASSERT_OK(vsmmu_drv_domain_flush(d));
	ASSERT_EQ(fr.n, 2);
	ASSERT_OK(dma(&e, 5, iova + 0x2000, false, &r));
	ASSERT_EQ(r.outcome, VSMMU_TXN_FAULT);

	vsmmu_drv_get_stats(e.drv, &st);
	ASSERT_EQ(st.flushes, 1);
	ASSERT_TRUE(st.tlbi_range_cmds >= 1);
	ASSERT_EQ(st.timeouts, 0);
	ASSERT_EQ(st.cerror_ill, 0);
	/* Detach: abort */
	ASSERT_OK(vsmmu_drv_attach(m, NULL));
	ASSERT_OK(dma(&e, 5, iova + 0x10, false, &r));
	ASSERT_EQ(r.outcome, VSMMU_TXN_TERMINATED);
	ASSERT_OK(vsmmu_drv_domain_free(d));
	vsmmu_drv_master_destroy(m);
	env_fini(&e);
}

TEST(drv_e2e_s1_dma_unmap_events)
{
	unsigned int i;

	for (i = 0; i < 2; i++) {
		dma_scenario(modes[i], VSMMU_DRV_DOMAIN_S1, false);
		CHECK_FAILED();
	}
}

TEST(drv_e2e_s2_dma_unmap_events)
{
	unsigned int i;

	for (i = 0; i < 2; i++) {
		dma_scenario(modes[i], VSMMU_DRV_DOMAIN_S2, false);
		CHECK_FAILED();
	}
}

static void no_ril_no_msi(struct vsmmu_smmu_config *sc,
			  struct vsmmu_drv_config *dc)
{
	sc->idr[3] &= ~(uint32_t)IDR3_RIL;
	dc->no_msi = true;
}

/* Without RIL (one TLBI per page) and with CONS polling for syncs. */
TEST(drv_e2e_no_ril_poll_cons)
{
	struct env e;
	struct vsmmu_drv_master *m;
	struct vsmmu_drv_domain *d;
	struct vsmmu_drv_domain_cfg c = { .type = VSMMU_DRV_DOMAIN_S1 };
	struct vsmmu_txn_result r;
	struct vsmmu_drv_stats st;
	uint32_t sid = 9;
	unsigned int i, mode;

	for (mode = 0; mode < 2; mode++) {
		ASSERT_OK(env_init(&e, modes[mode], no_ril_no_msi));
		ASSERT_FALSE(vsmmu_drv_get_features(e.drv)->sync_msi);
		ASSERT_OK(vsmmu_drv_master_create(e.drv, &sid, 1, 0, &m));
		ASSERT_OK(vsmmu_drv_domain_alloc(e.drv, &c, &d));
		ASSERT_OK(vsmmu_drv_attach(m, d));
		ASSERT_OK(vsmmu_drv_map(d, 0x100000, 0x200000, 0x8000,
					VSMMU_PROT_READ));
		for (i = 0; i < 8; i++) {
			ASSERT_OK(
				dma(&e, sid, 0x100000 + i * 0x1000, false, &r));
			ASSERT_EQ(r.outcome, VSMMU_TXN_OK);
		}
		ASSERT_EQ(vsmmu_drv_unmap(d, 0x100000, 0x8000, 0, NULL, NULL),
			  0x8000);
		vsmmu_drv_get_stats(e.drv, &st);
		ASSERT_EQ(st.tlbi_range_cmds, 8); /* one per 4K page */
		for (i = 0; i < 8; i++) {
			ASSERT_OK(
				dma(&e, sid, 0x100000 + i * 0x1000, false, &r));
			ASSERT_EQ(r.outcome, VSMMU_TXN_FAULT);
		}
		env_fini(&e);
	}
}

/*
 * RIL: a range command covers (NUM + 1) << SCALE pages, NUM < 32: 8 pages
 * are one command (NUM 0, SCALE 3), 7 pages too (NUM 6, SCALE 0).
 */
TEST(drv_e2e_ril_range_commands)
{
	struct env e;
	struct vsmmu_drv_master *m;
	struct vsmmu_drv_domain *d;
	struct vsmmu_drv_domain_cfg c = { .type = VSMMU_DRV_DOMAIN_S1 };
	struct vsmmu_txn_result r;
	struct vsmmu_drv_stats st;
	uint32_t sid = 9;
	unsigned int i;

	ASSERT_OK(env_init(&e, VSMMU_EXEC_SYNC, NULL));
	ASSERT_OK(vsmmu_drv_master_create(e.drv, &sid, 1, 0, &m));
	ASSERT_OK(vsmmu_drv_domain_alloc(e.drv, &c, &d));
	ASSERT_OK(vsmmu_drv_attach(m, d));
	ASSERT_OK(
		vsmmu_drv_map(d, 0x100000, 0x200000, 0x10000, VSMMU_PROT_READ));
	for (i = 0; i < 16; i++)
		ASSERT_OK(dma(&e, sid, 0x100000 + i * 0x1000, false, &r));
	ASSERT_EQ(vsmmu_drv_unmap(d, 0x100000, 0x8000, 0, NULL, NULL), 0x8000);
	vsmmu_drv_get_stats(e.drv, &st);
	ASSERT_EQ(st.tlbi_range_cmds, 1);
	ASSERT_EQ(vsmmu_drv_unmap(d, 0x108000, 0x7000, 0, NULL, NULL), 0x7000);
	vsmmu_drv_get_stats(e.drv, &st);
	ASSERT_EQ(st.tlbi_range_cmds, 2);
	for (i = 0; i < 15; i++) {
		ASSERT_OK(dma(&e, sid, 0x100000 + i * 0x1000, false, &r));
		ASSERT_EQ(r.outcome, VSMMU_TXN_FAULT);
	}
	ASSERT_OK(dma(&e, sid, 0x10f000, false, &r));
	ASSERT_EQ(r.outcome, VSMMU_TXN_OK);
	ASSERT_EQ(e.errs[CMDQ_ERR_CERROR_ILL_IDX], 0);
	env_fini(&e);
}

/* Stage-1 PASIDs: two-level CD table (SSIDs of 12 bits, 64K leaves). */
TEST(drv_e2e_pasid_2lvl_cd)
{
	struct env e;
	struct vsmmu_drv_master *m;
	struct vsmmu_drv_domain *d0, *d1;
	struct vsmmu_drv_domain_cfg c = { .type = VSMMU_DRV_DOMAIN_S1 };
	struct vsmmu_txn_result r;
	struct vsmmu_txn t = { .sid = 7,
			       .ssv = true,
			       .ssid = 3000,
			       .addr = 0x3000,
			       .flags = VSMMU_TXN_READ };
	uint32_t sid = 7;

	ASSERT_OK(env_init(&e, VSMMU_EXEC_THREAD, NULL));
	ASSERT_OK(vsmmu_drv_master_create(e.drv, &sid, 1, 12, &m));
	ASSERT_OK(vsmmu_drv_domain_alloc(e.drv, &c, &d0));
	ASSERT_OK(vsmmu_drv_domain_alloc(e.drv, &c, &d1));
	ASSERT_NE(vsmmu_drv_domain_asid(d0), vsmmu_drv_domain_asid(d1));
	ASSERT_OK(vsmmu_drv_map(d0, 0x3000, 0xa000, 0x1000, VSMMU_PROT_READ));
	ASSERT_OK(vsmmu_drv_map(d1, 0x3000, 0xb000, 0x1000, VSMMU_PROT_READ));
	ASSERT_EQ(vsmmu_drv_attach_pasid(m, 3000, d1), -EINVAL); /* no S1 */
	ASSERT_OK(vsmmu_drv_attach(m, d0));
	ASSERT_OK(vsmmu_drv_attach_pasid(m, 3000, d1));
	ASSERT_OK(dma(&e, 7, 0x3000, false, &r));
	ASSERT_EQ(r.oa, 0xa000);
	ASSERT_OK(vsmmu_translate(e.smmu, &t, &r));
	ASSERT_EQ(r.outcome, VSMMU_TXN_OK);
	ASSERT_EQ(r.oa, 0xb000);
	/* Removing the PASID: its traffic now faults (C_BAD_CD) */
	ASSERT_OK(vsmmu_drv_attach_pasid(m, 3000, NULL));
	ASSERT_OK(vsmmu_translate(e.smmu, &t, &r));
	ASSERT_EQ(r.outcome, VSMMU_TXN_FAULT);
	ASSERT_EQ(r.evt[0] & 0xff, EVT_ID_BAD_CD);
	/* S1 -> S2 on a live stream (a break), then back */
	c.type = VSMMU_DRV_DOMAIN_S2;
	{
		struct vsmmu_drv_domain *s2;

		ASSERT_OK(vsmmu_drv_domain_alloc(e.drv, &c, &s2));
		ASSERT_OK(vsmmu_drv_map(s2, 0x3000, 0xc000, 0x1000,
					VSMMU_PROT_READ));
		ASSERT_OK(vsmmu_drv_attach(m, s2));
		ASSERT_OK(dma(&e, 7, 0x3000, false, &r));
		ASSERT_EQ(r.oa, 0xc000);
		ASSERT_OK(vsmmu_drv_attach(m, d0));
		ASSERT_OK(dma(&e, 7, 0x3000, false, &r));
		ASSERT_EQ(r.oa, 0xa000);
	}
	env_fini(&e);
}

/* --- Command errors ------------------------------------------------------- */

static void cerror_ill(enum vsmmu_exec_mode mode, bool no_msi)
{
	struct env e;
	struct vsmmu_drv_batch b;
	struct vsmmu_drv_stats st;
	/* An unknown opcode, and a CMD_SYNC with CS = 0b11 (reserved) */
	const uint64_t bad_op[2] = { 0xff, 0 };
	const uint64_t bad_cs[2] = { CMDQ_OP_CMD_SYNC | (3ULL << 12), 0 };
	struct vsmmu_drv_cmd ok = { .opcode = CMDQ_OP_TLBI_NSNH_ALL };
	unsigned int i;

	ASSERT_OK(env_init(&e, mode, no_msi ? no_ril_no_msi : NULL));
	vsmmu_drv_batch_init(&b);
	ASSERT_OK(vsmmu_drv_batch_add(e.drv, &b, &ok));
	ASSERT_OK(vsmmu_drv_batch_add_raw(e.drv, &b, bad_op));
	ASSERT_OK(vsmmu_drv_batch_add(e.drv, &b, &ok));
	ASSERT_OK(vsmmu_drv_batch_submit(e.drv, &b, true));
	ASSERT_EQ(e.errs[CMDQ_ERR_CERROR_ILL_IDX], 1);
	ASSERT_OK(vsmmu_drv_batch_add_raw(e.drv, &b, bad_cs));
	ASSERT_OK(vsmmu_drv_batch_submit(e.drv, &b, true));
	ASSERT_EQ(e.errs[CMDQ_ERR_CERROR_ILL_IDX], 2);
	vsmmu_drv_get_stats(e.drv, &st);
	ASSERT_EQ(st.cerror_ill, 2);
	/* Acknowledged: no error active, queue running */
	ASSERT_EQ(reg(&e, ARM_SMMU_GERROR, 4) ^ reg(&e, ARM_SMMU_GERRORN, 4),
		  0);
	ASSERT_OK(vsmmu_drv_cmdq_sync(e.drv));
	/*
	 * The queue runs to PROD.  With an MSI-completed sync and the
	 * consumer thread, the MSI (the completion) may be seen before the
	 * consumer's CONS write, which the architecture allows: wait for it
	 * (bounded), rather than expect the two in one instant.
	 */
	for (i = 0;
	     i < 1000000 && (reg(&e, ARM_SMMU_CMDQ_CONS, 4) & 0xfffff) !=
				    (reg(&e, ARM_SMMU_CMDQ_PROD, 4) & 0xfffff);
	     i++)
		sched_yield();
	ASSERT_EQ(reg(&e, ARM_SMMU_CMDQ_CONS, 4) & 0xfffff,
		  reg(&e, ARM_SMMU_CMDQ_PROD, 4) & 0xfffff);
	ASSERT_TRUE(e.nlogs >= 2);
	env_fini(&e);
}

TEST(drv_cerror_ill_recovered)
{
	unsigned int i;

	for (i = 0; i < 4; i++) {
		cerror_ill(modes[i & 1], i >= 2);
		CHECK_FAILED();
	}
}

/*
 * CERROR_ABT: the command queue is placed over two pages of which only
 * the first exists.  Syncs walk the producer index into the second page;
 * the driver's stores there are lost (a bus error), the SMMU's fetch
 * aborts.  Recovery retries the fetch: (a) when the test "fixes" the
 * memory on the first abort, the retried fetch reads zeros, an illegal
 * command, which is replaced, and the sync completes; (b) when nothing
 * fixes it, the queue is declared dead after the retries: -EIO, no hang.
 */
#define ABT_Q 0x20000000ULL

static void abt_queue(struct vsmmu_smmu_config *sc, struct vsmmu_drv_config *dc)
{
	dc->cmdq_base = ABT_Q;
	dc->cmdq_shift = 9; /* 512 x 16 bytes = 2 pages */
	dc->no_msi = true;
	dc->timeout_ns = 2000000000ULL;
}

static void cerror_abt(enum vsmmu_exec_mode mode, bool fix)
{
	struct env e;
	struct vsmmu_drv_stats st;
	int rc = 0;

	ASSERT_OK(env_create(&e, mode, abt_queue));
	ASSERT_OK(vsmmu_mem_populate(e.mem, ABT_Q, 4096));
	e.fix_abt = fix;
	e.abt_page = ABT_Q + 4096;
	ASSERT_OK(vsmmu_drv_enable(e.drv));
	/* 256 slots per page; enable used 5 */
	for (;;) {
		vsmmu_drv_get_stats(e.drv, &st);
		if (st.cmdq_prod >= 256)
			break;
		ASSERT_OK(vsmmu_drv_cmdq_sync(e.drv));
	}
	ASSERT_EQ(st.cmdq_prod, 256);
	rc = vsmmu_drv_cmdq_sync(e.drv);
	vsmmu_drv_get_stats(e.drv, &st);
	ASSERT_EQ(st.mem_errors, 1);
	if (fix) {
		ASSERT_OK(rc);
		ASSERT_EQ(e.errs[CMDQ_ERR_CERROR_ABT_IDX], 1);
		ASSERT_EQ(e.errs[CMDQ_ERR_CERROR_ILL_IDX], 1);
		ASSERT_EQ(st.cerror_abt, 1);
		ASSERT_OK(vsmmu_drv_cmdq_sync(e.drv)); /* still running */
	} else {
		ASSERT_EQ(rc, -EIO);
		ASSERT_EQ(e.errs[CMDQ_ERR_CERROR_ABT_IDX], 4);
		ASSERT_EQ(vsmmu_drv_cmdq_sync(e.drv), -EIO);
	}
	env_fini(&e);
}

TEST(drv_cerror_abt_recovered)
{
	unsigned int i;

	for (i = 0; i < 4; i++) {
		cerror_abt(modes[i & 1], i < 2);
		CHECK_FAILED();
	}
}

/* --- Event queue overflow ------------------------------------------------- */

static void tiny_evtq(struct vsmmu_smmu_config *sc, struct vsmmu_drv_config *dc)
{
	dc->evtq_shift = 2; /* 4 records */
}

TEST(drv_evtq_overflow_acknowledged)
{
	struct env e;
	struct vsmmu_txn_result r;
	struct vsmmu_drv_stats st;
	uint32_t sid = 3;
	struct vsmmu_drv_master *m;
	struct vsmmu_drv_domain *d;
	struct vsmmu_drv_domain_cfg c = { .type = VSMMU_DRV_DOMAIN_S1 };
	unsigned int i;

	ASSERT_OK(env_init(&e, VSMMU_EXEC_SYNC, tiny_evtq));
	ASSERT_OK(vsmmu_drv_master_create(e.drv, &sid, 1, 0, &m));
	ASSERT_OK(vsmmu_drv_domain_alloc(e.drv, &c, &d));
	ASSERT_OK(vsmmu_drv_attach(m, d));
	for (i = 0; i < 10; i++)
		ASSERT_OK(dma(&e, sid, 0x1000 * i, false, &r));
	/* OVFLG toggled: PROD bit 31 != CONS bit 31 */
	ASSERT_NE((reg(&e, ARM_SMMU_EVTQ_PROD, 4) ^
		   reg(&e, ARM_SMMU_EVTQ_CONS, 4)) &
			  Q_OVERFLOW_FLAG,
		  0);
	ASSERT_EQ(vsmmu_drv_process(e.drv), 4);
	vsmmu_drv_get_stats(e.drv, &st);
	ASSERT_EQ(st.evtq_overflows, 1);
	ASSERT_EQ((reg(&e, ARM_SMMU_EVTQ_PROD, 4) ^
		   reg(&e, ARM_SMMU_EVTQ_CONS, 4)) &
			  Q_OVERFLOW_FLAG,
		  0);
	ASSERT_EQ(e.last_evt.addr, 0x3000); /* the 4th fault */
	/* Recording resumes */
	ASSERT_OK(dma(&e, sid, 0x77000, false, &r));
	ASSERT_EQ(vsmmu_drv_evtq_drain(e.drv), 1);
	ASSERT_EQ(e.last_evt.addr, 0x77000);
	vsmmu_drv_get_stats(e.drv, &st);
	ASSERT_EQ(st.evtq_overflows, 1);
	env_fini(&e);
}

/* --- Many producers ------------------------------------------------------- */

struct prod_arg {
	struct vsmmu_drv *drv;
	unsigned int id, iters;
	int rc;
	uint64_t seed;
};

static void *producer(void *p)
{
	struct prod_arg *a = p;
	unsigned int i, j, n;

	for (i = 0; i < a->iters && !a->rc; i++) {
		struct vsmmu_drv_batch b;
		struct vsmmu_drv_cmd c = { .opcode = CMDQ_OP_CFGI_STE,
					   .leaf = true };

		vsmmu_drv_batch_init(&b);
		n = (unsigned int)(vt_rand(&a->seed) % 12);
		for (j = 0; j < n; j++) {
			c.sid = a->id * 16 + j;
			vsmmu_drv_batch_add(a->drv, &b, &c);
		}
		/* Mostly synced; some batches left for a later owner */
		a->rc = vsmmu_drv_batch_submit(a->drv, &b, (i % 4) != 3);
	}
	if (!a->rc)
		a->rc = vsmmu_drv_cmdq_sync(a->drv);
	return NULL;
}

static void small_cmdq(struct vsmmu_smmu_config *sc,
		       struct vsmmu_drv_config *dc)
{
	dc->cmdq_shift = 7; /* 128 slots: wraps often */
}

static void small_cmdq_poll(struct vsmmu_smmu_config *sc,
			    struct vsmmu_drv_config *dc)
{
	dc->cmdq_shift = 7;
	dc->no_msi = true;
}

TEST(drv_cmdq_threads_all_syncs_complete)
{
	enum { NT = 4 };
	struct prod_arg a[NT];
	pthread_t th[NT];
	struct vsmmu_drv_stats st;
	struct env e;
	unsigned int i, k, iters = 1500;
	uint64_t seed = vt_seed();

	for (k = 0; k < 4; k++) {
		ASSERT_OK(env_init(&e, modes[k & 1],
				   k < 2 ? small_cmdq : small_cmdq_poll));
		for (i = 0; i < NT; i++) {
			a[i] = (struct prod_arg){ e.drv, i, iters, 0,
						  seed + i * 7919 + 1 };
			ASSERT_OK(
				pthread_create(&th[i], NULL, producer, &a[i]));
		}
		for (i = 0; i < NT; i++)
			pthread_join(th[i], NULL);
		for (i = 0; i < NT; i++)
			ASSERT_OK(a[i].rc);
		vsmmu_drv_get_stats(e.drv, &st);
		ASSERT_EQ(st.timeouts, 0);
		ASSERT_EQ(st.cerror_ill, 0);
		/* everything inserted was consumed */
		ASSERT_EQ(reg(&e, ARM_SMMU_CMDQ_CONS, 4) & 0xff,
			  reg(&e, ARM_SMMU_CMDQ_PROD, 4) & 0xff);
		ASSERT_EQ(reg(&e, ARM_SMMU_CMDQ_PROD, 4) & 0xff, st.cmdq_prod);
		env_fini(&e);
	}
}
