// SPDX-License-Identifier: MIT
/*
 * Shared virtual addressing through the host driver (lib/driver/sva.c),
 * end to end on the model: a process (lib/cpu) bound to a device PASID is
 * translated through its own tables; the process's unmaps and permission
 * changes reach the SMMU through the notifier; an ordinary stage-1
 * domain holding the CPU ASID a BTM bind needs moves, and the window
 * seed 002 admits is provoked in its design and shown closed in ours
 * with the invalidation checker, deterministically and under load; page
 * requests and stalls on SVA PASIDs are resolved against the process or
 * refused; a process that exits while bound leaves its CDs valid but
 * inert.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include <vsmmu/arch.h>
#include <vsmmu/cpu.h>
#include <vsmmu/driver.h>
#include <vsmmu/host.h>
#include <vsmmu/smmu.h>

#include "driver/drv.h"
#include "harness.h"

#define SV_POOL_BASE 0x10000000ULL
#define SV_POOL_SIZE (32ULL << 20)
#define SV_CPU_BASE 0x20000000ULL /* the processes' tables and pages */
#define SV_CPU_SIZE (32ULL << 20)
#define SV_VA 0x7f0000000000ULL /* the process's buffer */
#define SV_IOVA 0x40000000ULL /* an ordinary domain's IOVA */
#define SV_PA 0x80000000ULL

struct sva_env {
	struct vsmmu_host *host;
	struct vsmmu_mem *mem;
	struct vsmmu_smmu *smmu;
	struct vsmmu_drv *drv;
	struct vsmmu_mem_pool *cpool;
	struct vsmmu_cpu *cpu;
	unsigned int events, nresp;
	struct vsmmu_pri_resp resp;
	uint64_t stale; /* checker reports */
};

static void sv_log(void *arg, const char *msg)
{
	if (getenv("VSMMU_TEST_VERBOSE"))
		printf("# drv: %s\n", msg);
}

static void sv_event(void *arg, const struct vsmmu_drv_event *e)
{
	struct sva_env *env = arg;

	env->events++;
}

static void sv_resp(void *arg, const struct vsmmu_pri_resp *r)
{
	struct sva_env *e = arg;

	e->nresp++;
	e->resp = *r;
}

/* Every finding is printed: a failure says what the checker saw */
static void sv_report(void *arg, const struct vsmmu_check_report *r)
{
	printf("# checker: %s\n", r->msg);
}

static int sv_before(void *arg, struct vsmmu_smmu *smmu,
		     struct vsmmu_drv_config *dc)
{
	vsmmu_smmu_set_pri_resp_handler(smmu, sv_resp, arg);
	return vsmmu_smmu_set_checker(smmu, true, sv_report, NULL);
}

enum { SV_BTM = 1, SV_HOLD = 2, SV_NO_SVA = 4 };

static int sv_init(struct sva_env *e, unsigned int flags)
{
	struct vsmmu_cpu_config cc = { .nr_cpus = 2 };
	struct vsmmu_host_config hc;
	int rc;

	memset(e, 0, sizeof(*e));
	vsmmu_host_config_default(&hc);
	hc.smmu.exec = VSMMU_EXEC_SYNC;
	hc.smmu.hold_stalls = flags & SV_HOLD;
	hc.irq = false;
	hc.pool_base = SV_POOL_BASE;
	hc.pool_size = SV_POOL_SIZE;
	hc.drv.log_fn = sv_log;
	hc.drv.event_fn = sv_event;
	hc.drv.event_arg = e;
	hc.drv.sva = !(flags & SV_NO_SVA);
	hc.drv.btm = flags & SV_BTM;
	hc.drv.timeout_ns = 5000000000ULL;
	hc.before_driver = sv_before;
	hc.before_driver_arg = e;
	rc = vsmmu_host_create(&hc, NULL, &e->host);
	if (rc)
		return rc;
	e->mem = vsmmu_host_mem(e->host);
	e->smmu = vsmmu_host_smmu(e->host);
	e->drv = vsmmu_host_drv(e->host);
	rc = vsmmu_mem_pool_create(e->mem, SV_CPU_BASE, SV_CPU_SIZE, &e->cpool);
	if (rc)
		return rc;
	cc.pool = e->cpool;
	rc = vsmmu_cpu_create(&cc, &e->cpu);
	/* The SMMU hears the CPUs' broadcasts (it honours them only with
	 * BTM in use: CR2.PTM = 0) */
	return rc ? rc :
		    vsmmu_cpu_add_listener(e->cpu, vsmmu_smmu_dvm, e->smmu);
}

/* Tear down; return the checker's findings, but those of the kinds in
 * @ignore (a bit per VSMMU_CHECK_*). */
static int sv_fini_ignoring(struct sva_env *e, unsigned int ignore)
{
	uint64_t n[VSMMU_CHECK_NR];
	int bad = 0, i;

	vsmmu_smmu_get_check_counts(e->smmu, n);
	for (i = 0; i < VSMMU_CHECK_NR; i++)
		if (!(ignore & (1U << i)))
			bad += (int)n[i];
	vsmmu_cpu_remove_listener(e->cpu, vsmmu_smmu_dvm, e->smmu);
	vsmmu_host_destroy(e->host);
	vsmmu_cpu_destroy(e->cpu);
	vsmmu_mem_pool_destroy(e->cpool);
	return bad;
}

static int sv_fini(struct sva_env *e)
{
	return sv_fini_ignoring(e, 0);
}

static uint64_t sv_stale(struct sva_env *e)
{
	uint64_t n[VSMMU_CHECK_NR];

	vsmmu_smmu_get_check_counts(e->smmu, n);
	return n[VSMMU_CHECK_STALE_TLB];
}

static int sv_dma(struct sva_env *e, uint32_t sid, bool ssv, uint32_t ssid,
		  uint64_t addr, unsigned int flags, struct vsmmu_txn_result *r)
{
	struct vsmmu_txn t = { .sid = sid,
			       .ssid = ssid,
			       .ssv = ssv,
			       .addr = addr,
			       .flags = flags };

	return vsmmu_translate(e->smmu, &t, r);
}

/* A process with @pages pages at SV_VA, each starting with its index. */
static int sv_process(struct sva_env *e, unsigned int pages, bool populate,
		      struct vsmmu_mm **out)
{
	unsigned int i;
	int rc = vsmmu_mm_create(e->cpu, out);

	if (rc)
		return rc;
	rc = vsmmu_mm_mmap(*out, SV_VA, pages * 4096ULL,
			   VSMMU_MM_READ | VSMMU_MM_WRITE |
				   (populate ? VSMMU_MM_POPULATE : 0));
	for (i = 0; i < pages && populate && !rc; i++)
		rc = vsmmu_mm_write(*out, SV_VA + i * 4096ULL, &i, sizeof(i));
	return rc;
}

/* The value a device reads at @va of SID @sid / SSID @ssid. */
static int sv_read(struct sva_env *e, uint32_t sid, uint32_t ssid, uint64_t va,
		   unsigned int *val)
{
	struct vsmmu_txn_result r;
	int rc = sv_dma(e, sid, true, ssid, va, VSMMU_TXN_READ, &r);

	if (rc)
		return rc;
	if (r.outcome != VSMMU_TXN_OK)
		return -EFAULT;
	return vsmmu_mem_read(e->mem, r.oa, val, sizeof(*val));
}

/* Master @sid with 4 SSID bits, on a fresh stage-1 domain (or bypass). */
static int sv_master(struct sva_env *e, uint32_t sid, bool s1,
		     struct vsmmu_drv_master **m, struct vsmmu_drv_domain **d)
{
	struct vsmmu_drv_domain_cfg c = {
		.type = s1 ? VSMMU_DRV_DOMAIN_S1 : VSMMU_DRV_DOMAIN_BYPASS
	};
	int rc = vsmmu_drv_master_create(e->drv, &sid, 1, 4, m);

	if (!rc)
		rc = vsmmu_drv_domain_alloc(e->drv, &c, d);
	if (!rc)
		rc = vsmmu_drv_attach(*m, *d);
	return rc;
}

/* --- Binding and the notifier -------------------------------------------- */

TEST(sva_bind_translates_the_process)
{
	struct sva_env e;
	struct vsmmu_drv_master *m;
	struct vsmmu_drv_domain *d, *sva;
	struct vsmmu_drv_stats st;
	struct vsmmu_txn_result r;
	struct vsmmu_mm *mm;
	unsigned int v = 99, i;

	ASSERT_OK(sv_init(&e, 0));
	ASSERT_OK(sv_process(&e, 4, true, &mm));
	ASSERT_OK(sv_master(&e, 5, false, &m, &d));
	ASSERT_OK(vsmmu_drv_sva_bind(m, 3, mm, &sva));
	/* A private ASID without BTM, not the CPU's business */
	ASSERT_TRUE(vsmmu_drv_domain_asid(sva) != 0);
	for (i = 0; i < 4; i++) {
		ASSERT_OK(sv_read(&e, 5, 3, SV_VA + i * 4096ULL + 8 * 0, &v));
		ASSERT_EQ(v, i);
	}
	/* The device writes, the process reads it */
	ASSERT_OK(sv_dma(&e, 5, true, 3, SV_VA + 0x1100, VSMMU_TXN_WRITE, &r));
	ASSERT_EQ(r.outcome, VSMMU_TXN_OK);
	v = 0xabcd;
	ASSERT_OK(vsmmu_mem_write(e.mem, r.oa, &v, sizeof(v)));
	v = 0;
	ASSERT_OK(vsmmu_mm_read(mm, SV_VA + 0x1100, &v, sizeof(v)));
	ASSERT_EQ(v, 0xabcd);
	/* Other SSIDs of the master are not the process's; SSID 0 bypasses */
	ASSERT_OK(sv_dma(&e, 5, true, 4, SV_VA, VSMMU_TXN_READ, &r));
	ASSERT_TRUE(r.outcome != VSMMU_TXN_OK);

	/* The process unmaps a page the SMMU has cached: the notifier's
	 * TLBI makes the next DMA fault (the checker would say otherwise) */
	ASSERT_OK(sv_read(&e, 5, 3, SV_VA + 0x2000, &v));
	ASSERT_OK(vsmmu_mm_munmap(mm, SV_VA + 0x2000, 0x1000));
	ASSERT_OK(sv_dma(&e, 5, true, 3, SV_VA + 0x2000, VSMMU_TXN_READ, &r));
	ASSERT_EQ(r.outcome, VSMMU_TXN_FAULT);
	ASSERT_EQ(VS_FIELD_GET(EVTQ_0_ID, r.evt[0]), EVT_ID_TRANSLATION);
	/* Read-only now: a write faults, a read still works */
	ASSERT_OK(sv_dma(&e, 5, true, 3, SV_VA, VSMMU_TXN_WRITE, &r));
	ASSERT_EQ(r.outcome, VSMMU_TXN_OK);
	ASSERT_OK(vsmmu_mm_mprotect(mm, SV_VA, 0x2000, VSMMU_MM_READ));
	ASSERT_OK(sv_dma(&e, 5, true, 3, SV_VA, VSMMU_TXN_WRITE, &r));
	ASSERT_EQ(r.outcome, VSMMU_TXN_FAULT);
	vsmmu_drv_get_stats(e.drv, &st);
	ASSERT_TRUE(st.sva_invs >= 2);
	ASSERT_EQ(sv_stale(&e), 0);

	ASSERT_OK(vsmmu_drv_sva_unbind(m, 3));
	ASSERT_OK(sv_dma(&e, 5, true, 3, SV_VA + 0x1000, VSMMU_TXN_READ, &r));
	ASSERT_TRUE(r.outcome != VSMMU_TXN_OK);
	ASSERT_OK(vsmmu_mm_destroy(mm));
	vsmmu_drv_master_destroy(m);
	ASSERT_OK(vsmmu_drv_domain_free(d));
	ASSERT_EQ(sv_fini(&e), 0);
}

TEST(sva_bind_refusals_and_sharing)
{
	struct sva_env e, off;
	struct vsmmu_drv_master *m, *m2, *m3;
	struct vsmmu_drv_domain *d, *d2, *sva, *sva2, *s2;
	struct vsmmu_drv_domain_cfg c2 = { .type = VSMMU_DRV_DOMAIN_S2 };
	struct vsmmu_mm *mm;
	uint32_t sid = 7;
	unsigned int v;

	ASSERT_OK(sv_init(&e, 0));
	ASSERT_OK(sv_process(&e, 2, true, &mm));
	ASSERT_OK(sv_master(&e, 5, true, &m, &d));
	ASSERT_OK(sv_master(&e, 6, false, &m2, &d2));
	ASSERT_EQ(vsmmu_drv_sva_bind(m, 0, mm, NULL), -EINVAL);
	ASSERT_EQ(vsmmu_drv_sva_bind(m, 16, mm, NULL), -EINVAL);
	ASSERT_EQ(vsmmu_drv_sva_bind(NULL, 1, mm, NULL), -EINVAL);
	ASSERT_OK(vsmmu_drv_sva_bind(m, 1, mm, &sva));
	ASSERT_EQ(vsmmu_drv_sva_bind(m, 1, mm, NULL), -EBUSY);
	/* The PASID is the bond's until unbound */
	ASSERT_EQ(vsmmu_drv_attach_pasid(m, 1, d), -EBUSY);
	ASSERT_EQ(vsmmu_drv_attach_pasid(m, 1, NULL), -EBUSY);
	ASSERT_EQ(vsmmu_drv_domain_free(sva), -EINVAL);
	ASSERT_EQ(vsmmu_drv_attach(m, sva), -EINVAL);
	/* One SVA domain per process per SMMU, shared */
	ASSERT_OK(vsmmu_drv_sva_bind(m2, 2, mm, &sva2));
	ASSERT_TRUE(sva2 == sva);
	ASSERT_OK(vsmmu_drv_sva_bind(m, 2, mm, NULL));
	ASSERT_OK(sv_read(&e, 6, 2, SV_VA + 0x1000, &v));
	ASSERT_EQ(v, 1);
	ASSERT_OK(sv_read(&e, 5, 2, SV_VA + 0x1000, &v));
	ASSERT_EQ(v, 1);
	ASSERT_EQ(vsmmu_drv_sva_unbind(m, 3), -ENOENT);
	ASSERT_OK(vsmmu_drv_sva_unbind(m, 1));
	/* A stage-2 master has no CD table */
	ASSERT_OK(vsmmu_drv_master_create(e.drv, &sid, 1, 4, &m3));
	ASSERT_OK(vsmmu_drv_domain_alloc(e.drv, &c2, &s2));
	ASSERT_OK(vsmmu_drv_attach(m3, s2));
	ASSERT_EQ(vsmmu_drv_sva_bind(m3, 1, mm, NULL), -EINVAL);
	/* Destroying a master ends its bonds; the process outlives it */
	vsmmu_drv_master_destroy(m);
	ASSERT_OK(sv_read(&e, 6, 2, SV_VA, &v));
	vsmmu_drv_master_destroy(m2);
	vsmmu_drv_master_destroy(m3);
	ASSERT_OK(vsmmu_mm_destroy(mm));
	ASSERT_EQ(sv_fini(&e), 0);

	/* Without config sva there is no SVA */
	ASSERT_OK(sv_init(&off, SV_NO_SVA));
	ASSERT_OK(sv_process(&off, 1, true, &mm));
	ASSERT_OK(sv_master(&off, 5, true, &m, &d));
	ASSERT_EQ(vsmmu_drv_sva_bind(m, 1, mm, NULL), -ENODEV);
	ASSERT_OK(vsmmu_mm_destroy(mm));
	ASSERT_EQ(sv_fini(&off), 0);
}

/* The process exits while bound: its CDs stay valid with EPD0, so DMA
 * fails without an event, and the bond can still be ended. */
static void sva_exit(unsigned int flags)
{
	struct sva_env e;
	struct vsmmu_drv_master *m;
	struct vsmmu_drv_domain *d, *sva;
	struct vsmmu_txn_result r;
	struct vsmmu_mm *mm;
	unsigned int v, ev;

	ASSERT_OK(sv_init(&e, flags));
	ASSERT_OK(sv_process(&e, 2, true, &mm));
	ASSERT_OK(sv_master(&e, 5, true, &m, &d));
	ASSERT_OK(vsmmu_drv_sva_bind(m, 1, mm, &sva));
	if (flags & SV_BTM)
		ASSERT_EQ(vsmmu_drv_domain_asid(sva), vsmmu_mm_asid(mm));
	ASSERT_OK(sv_read(&e, 5, 1, SV_VA, &v));
	ASSERT_OK(vsmmu_mm_destroy(mm)); /* a pinned ASID does not stop it */
	vsmmu_drv_process(e.drv);
	ev = e.events;
	ASSERT_OK(sv_dma(&e, 5, true, 1, SV_VA, VSMMU_TXN_READ, &r));
	ASSERT_TRUE(r.outcome != VSMMU_TXN_OK);
	ASSERT_FALSE(r.recorded);
	vsmmu_drv_process(e.drv);
	ASSERT_EQ(e.events, ev);
	/* No new bond to a process that has gone */
	ASSERT_EQ(vsmmu_drv_sva_bind(m, 2, mm, NULL), -ESRCH);
	ASSERT_OK(vsmmu_drv_sva_unbind(m, 1)); /* frees the process too */
	vsmmu_drv_master_destroy(m);
	ASSERT_EQ(sv_fini(&e), 0);
}

TEST(sva_process_exit_while_bound)
{
	sva_exit(0);
}

TEST(sva_process_exit_while_bound_btm)
{
	sva_exit(SV_BTM);
}

/* --- ASID moves ------------------------------------------------------------ */

TEST(sva_btm_bind_moves_the_s1_domain)
{
	struct sva_env e;
	struct vsmmu_drv_master *m, *m2;
	struct vsmmu_drv_domain *d, *d2, *sva;
	struct vsmmu_drv_stats st;
	struct vsmmu_txn_result r;
	struct vsmmu_mm *mm;
	unsigned int v, old;

	ASSERT_OK(sv_init(&e, SV_BTM));
	ASSERT_TRUE(vsmmu_drv_get_features(e.drv)->btm_used);
	ASSERT_OK(sv_master(&e, 5, true, &m, &d));
	ASSERT_OK(vsmmu_drv_map(d, SV_IOVA, SV_PA, 0x1000,
				VSMMU_PROT_READ | VSMMU_PROT_WRITE));
	ASSERT_OK(sv_process(&e, 2, true, &mm));
	/* Two allocators that both start at 1: the collision the seed
	 * describes (checked, not assumed) */
	old = vsmmu_drv_domain_asid(d);
	ASSERT_EQ((unsigned int)vsmmu_mm_switch(mm, 0), old);
	ASSERT_OK(sv_dma(&e, 5, false, 0, SV_IOVA, VSMMU_TXN_READ, &r));
	ASSERT_EQ(r.outcome, VSMMU_TXN_OK);

	ASSERT_OK(sv_master(&e, 6, false, &m2, &d2));
	ASSERT_OK(vsmmu_drv_sva_bind(m2, 1, mm, &sva));
	/* The SVA domain has the CPU's ASID, the S1 domain a new one */
	ASSERT_EQ(vsmmu_drv_domain_asid(sva), old);
	ASSERT_TRUE(vsmmu_drv_domain_asid(d) != old);
	vsmmu_drv_get_stats(e.drv, &st);
	ASSERT_EQ(st.asid_moves, 1);
	/* Both translate */
	ASSERT_OK(sv_dma(&e, 5, false, 0, SV_IOVA, VSMMU_TXN_READ, &r));
	ASSERT_EQ(r.outcome, VSMMU_TXN_OK);
	ASSERT_EQ(r.oa, SV_PA);
	ASSERT_OK(sv_read(&e, 6, 1, SV_VA + 0x1000, &v));
	ASSERT_EQ(v, 1);
	/* The moved domain's unmaps work under its new ASID */
	ASSERT_EQ(vsmmu_drv_unmap(d, SV_IOVA, 0x1000, 0, NULL, NULL), 0x1000);
	ASSERT_OK(sv_dma(&e, 5, false, 0, SV_IOVA, VSMMU_TXN_READ, &r));
	ASSERT_EQ(r.outcome, VSMMU_TXN_FAULT);
	/* No notifier TLBI with BTM: the CPUs' broadcasts are the SMMU's */
	vsmmu_drv_get_stats(e.drv, &st);
	ASSERT_EQ(st.sva_invs, 0);
	ASSERT_OK(vsmmu_drv_sva_unbind(m2, 1));
	ASSERT_OK(vsmmu_mm_destroy(mm)); /* unpinned by the unbind */
	vsmmu_drv_master_destroy(m);
	vsmmu_drv_master_destroy(m2);
	ASSERT_EQ(sv_fini(&e), 0);
}

/*
 * The window.  Two masters share a stage-1 domain whose ASID a BTM bind
 * claims; after the first of their CDs has been rewritten to the new
 * ASID (the hook), the domain unmaps a page both had cached, strictly,
 * and then the second master -- whose CD still has the old ASID -- reads
 * it.  Seed 002's move invalidates the new ASID only: the read is served
 * from the stale old-ASID entry and the checker reports it.  Ours
 * invalidates both: the read faults, nothing stale.
 */
struct window {
	struct sva_env *e;
	struct vsmmu_drv_domain *d;
	int faults, oks, unmapped;
};

static void window_hook(void *arg, unsigned int done)
{
	struct window *w = arg;
	struct vsmmu_txn_result r;
	uint32_t sid;

	if (done != 1)
		return;
	w->unmapped =
		(int)vsmmu_drv_unmap(w->d, SV_IOVA, 0x1000, 0, NULL, NULL);
	for (sid = 5; sid <= 6; sid++) {
		if (sv_dma(w->e, sid, false, 0, SV_IOVA, VSMMU_TXN_READ, &r))
			continue;
		if (r.outcome == VSMMU_TXN_OK)
			w->oks++;
		else
			w->faults++;
	}
}

static void asid_window(bool seed)
{
	struct sva_env e;
	struct vsmmu_drv_master *a, *b, *c;
	struct vsmmu_drv_domain *d, *dc;
	struct vsmmu_txn_result r;
	struct window w = { 0 };
	struct vsmmu_mm *mm;
	uint32_t sid = 6;

	ASSERT_OK(sv_init(&e, SV_BTM));
	e.drv->asid_move_seed = seed;
	ASSERT_OK(sv_master(&e, 5, true, &a, &d));
	ASSERT_OK(vsmmu_drv_master_create(e.drv, &sid, 1, 4, &b));
	ASSERT_OK(vsmmu_drv_attach(b, d));
	ASSERT_OK(vsmmu_drv_map(d, SV_IOVA, SV_PA, 0x1000, VSMMU_PROT_READ));
	ASSERT_OK(sv_dma(&e, 5, false, 0, SV_IOVA, VSMMU_TXN_READ, &r));
	ASSERT_EQ(r.outcome, VSMMU_TXN_OK);
	ASSERT_OK(sv_dma(&e, 6, false, 0, SV_IOVA, VSMMU_TXN_READ, &r));
	ASSERT_TRUE(r.tlb_hit); /* one entry, tagged with the old ASID */
	ASSERT_OK(sv_process(&e, 1, true, &mm));
	ASSERT_EQ((unsigned int)vsmmu_mm_switch(mm, 0),
		  vsmmu_drv_domain_asid(d));

	w.e = &e;
	w.d = d;
	e.drv->asid_move_hook = window_hook;
	e.drv->asid_move_hook_arg = &w;
	ASSERT_OK(sv_master(&e, 7, false, &c, &dc));
	ASSERT_OK(vsmmu_drv_sva_bind(c, 1, mm, NULL));
	e.drv->asid_move_hook = NULL;
	ASSERT_EQ(w.unmapped, 0x1000);
	if (seed) {
		/* One master is on the new ASID (a walk: fault), the other
		 * on the old one, whose entry nobody invalidated */
		ASSERT_EQ(w.oks, 1);
		ASSERT_EQ(w.faults, 1);
		ASSERT_EQ(sv_stale(&e), 1);
	} else {
		ASSERT_EQ(w.oks, 0);
		ASSERT_EQ(w.faults, 2);
		ASSERT_EQ(sv_stale(&e), 0);
	}
	/* After the move, everything agrees again */
	ASSERT_OK(sv_dma(&e, 6, false, 0, SV_IOVA, VSMMU_TXN_READ, &r));
	ASSERT_EQ(r.outcome, VSMMU_TXN_FAULT);
	ASSERT_OK(vsmmu_drv_sva_unbind(c, 1));
	ASSERT_OK(vsmmu_mm_destroy(mm));
	vsmmu_drv_master_destroy(a);
	vsmmu_drv_master_destroy(b);
	vsmmu_drv_master_destroy(c);
	ASSERT_EQ(sv_fini(&e), seed ? 1 : 0);
}

TEST(sva_asid_move_window_seed_design_is_caught)
{
	asid_window(true);
}

TEST(sva_asid_move_window_closed)
{
	asid_window(false);
}

/*
 * Under load: one thread maps a page, has two masters of the domain cache
 * it, unmaps it strictly and checks that neither can read it any more;
 * another moves the domain's ASID over and over.  Ours: every read after
 * an unmap faults, the checker finds no stale TLB entry and no torn CD.
 * Its STALE_CFG reports are not findings here: a read that lands between
 * a move's CD write and its CFGI legitimately uses the cached CD with the
 * old ASID, and the checker, judging at the moment of use, reports every
 * such hit (docs/design.md, section 5).
 */
struct mover {
	struct vsmmu_drv_domain *d;
	_Atomic bool stop;
	_Atomic unsigned int moves;
	int rc;
};

static void *mover_thread(void *arg)
{
	struct mover *mv = arg;

	while (!atomic_load(&mv->stop) && !mv->rc) {
		mv->rc = drv_domain_move_asid(mv->d);
		mv->moves++;
	}
	return NULL;
}

TEST(sva_asid_moves_under_unmap_load)
{
	struct sva_env e;
	struct vsmmu_drv_master *a, *b;
	struct vsmmu_drv_domain *d;
	struct vsmmu_txn_result r;
	struct mover mv = { 0 };
	unsigned int i, late = 0, n = 400;
	pthread_t t;
	uint32_t sid = 6, s;

	ASSERT_OK(sv_init(&e, 0));
	ASSERT_OK(sv_master(&e, 5, true, &a, &d));
	ASSERT_OK(vsmmu_drv_master_create(e.drv, &sid, 1, 4, &b));
	ASSERT_OK(vsmmu_drv_attach(b, d));
	mv.d = d;
	ASSERT_OK(pthread_create(&t, NULL, mover_thread, &mv));
	/* At least @n rounds, and until the mover has moved 100 times */
	for (i = 0; i < n || (atomic_load(&mv.moves) < 100 && i < 100 * n);
	     i++) {
		uint64_t iova = SV_IOVA + (i % 64) * 0x1000ULL;

		ASSERT_OK(
			vsmmu_drv_map(d, iova, SV_PA, 0x1000, VSMMU_PROT_READ));
		for (s = 5; s <= 6; s++)
			ASSERT_OK(sv_dma(&e, s, false, 0, iova, VSMMU_TXN_READ,
					 &r));
		ASSERT_EQ(vsmmu_drv_unmap(d, iova, 0x1000, 0, NULL, NULL),
			  0x1000);
		for (s = 5; s <= 6; s++) {
			ASSERT_OK(sv_dma(&e, s, false, 0, iova, VSMMU_TXN_READ,
					 &r));
			late += r.outcome == VSMMU_TXN_OK;
		}
	}
	atomic_store(&mv.stop, true);
	pthread_join(t, NULL);
	ASSERT_OK(mv.rc);
	printf("# %u unmaps beside %u ASID moves\n", i, atomic_load(&mv.moves));
	ASSERT_TRUE(atomic_load(&mv.moves) >= 100);
	ASSERT_EQ(late, 0);
	ASSERT_EQ(sv_stale(&e), 0);
	vsmmu_drv_master_destroy(a);
	vsmmu_drv_master_destroy(b);
	ASSERT_EQ(sv_fini_ignoring(&e, 1U << VSMMU_CHECK_STALE_CFG), 0);
}

/* --- I/O page faults --------------------------------------------------------- */

TEST(sva_pri_page_requests_resolved_and_refused)
{
	struct sva_env e;
	struct vsmmu_drv_master *m;
	struct vsmmu_drv_domain *d;
	struct vsmmu_drv_stats st;
	struct vsmmu_txn req = { .sid = 5,
				 .ssid = 2,
				 .ssv = true,
				 .addr = SV_VA + 0x3000,
				 .flags = VSMMU_TXN_WRITE };
	struct vsmmu_pri_req pr = { .sid = 5,
				    .ssid = 2,
				    .ssv = true,
				    .addr = SV_VA + 0x3000,
				    .perm = VSMMU_PRI_READ | VSMMU_PRI_WRITE,
				    .prgi = 9,
				    .last = true };
	struct vsmmu_ats_result ar;
	enum vsmmu_pri_outcome o;
	struct vsmmu_mm *mm;
	unsigned int v = 0;

	ASSERT_OK(sv_init(&e, 0));
	ASSERT_OK(sv_process(&e, 8, false, &mm)); /* nothing backed yet */
	ASSERT_OK(sv_master(&e, 5, true, &m, &d));
	ASSERT_OK(vsmmu_drv_master_enable_ats(m, true));
	ASSERT_OK(vsmmu_drv_sva_bind(m, 2, mm, NULL));
	/* The endpoint's translation request finds nothing ... */
	ASSERT_OK(vsmmu_smmu_ats_translate(e.smmu, &req, &ar));
	ASSERT_EQ(ar.status, VSMMU_ATS_SUCCESS);
	ASSERT_EQ(ar.perm & VSMMU_TXN_WRITE, 0);
	/* ... so it asks for the page, the driver faults it in ... */
	ASSERT_OK(vsmmu_smmu_page_request(e.smmu, &pr, &o));
	ASSERT_EQ(o, VSMMU_PRI_QUEUED);
	ASSERT_TRUE(vsmmu_drv_priq_drain(e.drv) >= 1);
	ASSERT_EQ(e.nresp, 1);
	ASSERT_EQ(e.resp.code, VSMMU_PRI_RESP_SUCCESS);
	ASSERT_TRUE(e.resp.ssv && e.resp.ssid == 2 && e.resp.prgi == 9);
	/* ... and the retry succeeds, at the process's page */
	ASSERT_OK(vsmmu_smmu_ats_translate(e.smmu, &req, &ar));
	ASSERT_EQ(ar.status, VSMMU_ATS_SUCCESS);
	ASSERT_TRUE(ar.perm & VSMMU_TXN_WRITE);
	v = 0x5a5a;
	ASSERT_OK(vsmmu_mem_write(e.mem, ar.addr, &v, sizeof(v)));
	v = 0;
	ASSERT_OK(vsmmu_mm_read(mm, SV_VA + 0x3000, &v, sizeof(v)));
	ASSERT_EQ(v, 0x5a5a);

	/* Outside every VMA: refused (Invalid Request) */
	pr.addr = SV_VA + 0x100000;
	pr.prgi = 10;
	ASSERT_OK(vsmmu_smmu_page_request(e.smmu, &pr, &o));
	ASSERT_TRUE(vsmmu_drv_priq_drain(e.drv) >= 1);
	ASSERT_EQ(e.nresp, 2);
	ASSERT_EQ(e.resp.code, VSMMU_PRI_RESP_INVALID);
	/* A write to a read-only VMA: refused too */
	ASSERT_OK(vsmmu_mm_mprotect(mm, SV_VA, 0x8000, VSMMU_MM_READ));
	pr.addr = SV_VA + 0x4000;
	pr.prgi = 11;
	ASSERT_OK(vsmmu_smmu_page_request(e.smmu, &pr, &o));
	ASSERT_TRUE(vsmmu_drv_priq_drain(e.drv) >= 1);
	ASSERT_EQ(e.resp.code, VSMMU_PRI_RESP_INVALID);
	vsmmu_drv_get_stats(e.drv, &st);
	ASSERT_EQ(st.iopf_resolved, 1);
	ASSERT_EQ(st.iopf_refused, 2);

	ASSERT_OK(vsmmu_drv_sva_unbind(m, 2));
	ASSERT_OK(vsmmu_mm_destroy(mm));
	vsmmu_drv_master_destroy(m);
	ASSERT_EQ(sv_fini(&e), 0);
}

TEST(sva_stall_resolved_and_aborted)
{
	struct sva_env e;
	struct vsmmu_drv_master *m;
	struct vsmmu_drv_domain *d;
	struct vsmmu_txn_result r;
	enum vsmmu_stall_resp resp;
	struct vsmmu_mm *mm;
	unsigned int v = 7;

	ASSERT_OK(sv_init(&e, SV_HOLD));
	ASSERT_OK(sv_process(&e, 4, false, &mm));
	ASSERT_OK(sv_master(&e, 5, true, &m, &d));
	ASSERT_OK(vsmmu_drv_master_set_stall(m, true));
	ASSERT_OK(vsmmu_drv_sva_bind(m, 1, mm, NULL));
	/* First touch by the device: it stalls ... */
	ASSERT_OK(sv_dma(&e, 5, true, 1, SV_VA + 0x2000, VSMMU_TXN_WRITE, &r));
	ASSERT_EQ(r.outcome, VSMMU_TXN_FAULT);
	ASSERT_TRUE(r.held && r.stall);
	/* ... the driver faults the page in and resumes it (retry) */
	ASSERT_EQ(vsmmu_drv_evtq_drain(e.drv), 1);
	ASSERT_EQ(e.events, 0); /* resolved: not reported */
	ASSERT_OK(
		vsmmu_smmu_stall_wait(e.smmu, 5, r.stag, 1000000000ULL, &resp));
	ASSERT_EQ(resp, VSMMU_STALL_RETRY);
	ASSERT_OK(sv_dma(&e, 5, true, 1, SV_VA + 0x2000, VSMMU_TXN_WRITE, &r));
	ASSERT_EQ(r.outcome, VSMMU_TXN_OK);
	ASSERT_OK(vsmmu_mem_write(e.mem, r.oa, &v, sizeof(v)));
	v = 0;
	ASSERT_OK(vsmmu_mm_read(mm, SV_VA + 0x2000, &v, sizeof(v)));
	ASSERT_EQ(v, 7);
	/* Outside the process's VMAs: aborted, and reported */
	ASSERT_OK(sv_dma(&e, 5, true, 1, SV_VA + 0x100000, VSMMU_TXN_READ, &r));
	ASSERT_TRUE(r.held);
	ASSERT_EQ(vsmmu_drv_evtq_drain(e.drv), 1);
	ASSERT_EQ(e.events, 1);
	ASSERT_OK(
		vsmmu_smmu_stall_wait(e.smmu, 5, r.stag, 1000000000ULL, &resp));
	ASSERT_EQ(resp, VSMMU_STALL_ABORT);

	ASSERT_OK(vsmmu_drv_sva_unbind(m, 1));
	ASSERT_OK(vsmmu_mm_destroy(mm));
	vsmmu_drv_master_destroy(m);
	ASSERT_EQ(sv_fini(&e), 0);
}

/* --- Broadcast TLB maintenance ---------------------------------------------- */

static uint64_t sv_tlbi_cmds(struct sva_env *e)
{
	struct vsmmu_smmu_stats st;

	vsmmu_smmu_get_stats(e->smmu, &st);
	return st.cmds[CMDQ_OP_TLBI_NH_VA] + st.cmds[CMDQ_OP_TLBI_NH_ASID] +
	       st.cmds[CMDQ_OP_TLBI_NH_ALL];
}

/* With BTM the process's own TLBIs keep the SMMU coherent: no command. */
TEST(sva_btm_cpu_unmap_reaches_the_smmu_without_commands)
{
	struct sva_env e;
	struct vsmmu_drv_master *m;
	struct vsmmu_drv_domain *d;
	struct vsmmu_smmu_stats st;
	struct vsmmu_txn_result r;
	struct vsmmu_mm *mm;
	uint64_t tlbis;
	unsigned int v;

	ASSERT_OK(sv_init(&e, SV_BTM));
	ASSERT_OK(sv_process(&e, 4, true, &mm));
	ASSERT_OK(sv_master(&e, 5, false, &m, &d));
	ASSERT_OK(vsmmu_drv_sva_bind(m, 1, mm, NULL));
	ASSERT_OK(sv_read(&e, 5, 1, SV_VA + 0x1000, &v));
	ASSERT_OK(sv_dma(&e, 5, true, 1, SV_VA + 0x1000, VSMMU_TXN_READ, &r));
	ASSERT_TRUE(r.tlb_hit);
	tlbis = sv_tlbi_cmds(&e);
	ASSERT_OK(vsmmu_mm_munmap(mm, SV_VA + 0x1000, 0x1000));
	ASSERT_OK(sv_dma(&e, 5, true, 1, SV_VA + 0x1000, VSMMU_TXN_READ, &r));
	ASSERT_EQ(r.outcome, VSMMU_TXN_FAULT);
	ASSERT_EQ(sv_tlbi_cmds(&e), tlbis); /* the broadcast did it */
	vsmmu_smmu_get_stats(e.smmu, &st);
	ASSERT_TRUE(st.dvm_applied >= 1);
	/* The rest of the process is untouched */
	ASSERT_OK(sv_read(&e, 5, 1, SV_VA + 0x2000, &v));
	ASSERT_EQ(v, 2);
	ASSERT_OK(vsmmu_drv_sva_unbind(m, 1));
	ASSERT_OK(vsmmu_mm_destroy(mm));
	vsmmu_drv_master_destroy(m);
	ASSERT_EQ(sv_fini(&e), 0);
}

/* Is the IOTLB still holding (sid, iova)?  A hit says so. */
static bool sv_cached(struct sva_env *e, uint32_t sid, uint64_t iova)
{
	struct vsmmu_txn_result r;

	return !sv_dma(e, sid, false, 0, iova, VSMMU_TXN_READ, &r) &&
	       r.outcome == VSMMU_TXN_OK && r.tlb_hit;
}

/*
 * Exactly the right entries: an ordinary domain's (ASET = 1) survive
 * broadcasts by ASID and by VA of its own ASID number, and go with one
 * of the whole VMID; a stage-2 domain's (another VMID) survive all of
 * VMID 0's and go with an IPA broadcast of their VMID; with CR2.PTM = 1
 * nothing is honoured.
 */
static void btm_scope(bool btm)
{
	struct vsmmu_drv_domain_cfg c2 = { .type = VSMMU_DRV_DOMAIN_S2 };
	struct vsmmu_dvm_op op = { .vmid = 0 };
	struct vsmmu_drv_master *m, *m2;
	struct vsmmu_drv_domain *d, *s2;
	struct vsmmu_smmu_stats st;
	struct sva_env e;
	uint32_t sid = 6;
	uint16_t vmid;

	ASSERT_OK(sv_init(&e, btm ? SV_BTM : 0));
	ASSERT_OK(sv_master(&e, 5, true, &m, &d));
	ASSERT_OK(vsmmu_drv_map(d, SV_IOVA, SV_PA, 0x1000, VSMMU_PROT_READ));
	ASSERT_OK(vsmmu_drv_master_create(e.drv, &sid, 1, 0, &m2));
	ASSERT_OK(vsmmu_drv_domain_alloc(e.drv, &c2, &s2));
	ASSERT_OK(vsmmu_drv_attach(m2, s2));
	ASSERT_OK(vsmmu_drv_map(s2, SV_IOVA, SV_PA, 0x1000, VSMMU_PROT_READ));
	vmid = (uint16_t)vsmmu_drv_domain_vmid(s2);
	ASSERT_TRUE(vmid != 0);
	ASSERT_TRUE(!sv_cached(&e, 5, SV_IOVA) && sv_cached(&e, 5, SV_IOVA));
	ASSERT_TRUE(!sv_cached(&e, 6, SV_IOVA) && sv_cached(&e, 6, SV_IOVA));

	/* By ASID and by VA, the domain's own ASID number: not its set */
	op.asid = (uint16_t)vsmmu_drv_domain_asid(d);
	op.kind = VSMMU_DVM_ASID;
	vsmmu_cpu_broadcast(e.cpu, &op);
	op.kind = VSMMU_DVM_VA;
	op.addr = SV_IOVA;
	op.size = 0x1000;
	vsmmu_cpu_broadcast(e.cpu, &op);
	op.kind = VSMMU_DVM_VAA;
	vsmmu_cpu_broadcast(e.cpu, &op);
	ASSERT_TRUE(sv_cached(&e, 5, SV_IOVA));
	ASSERT_TRUE(sv_cached(&e, 6, SV_IOVA));
	/* Another VMID's stage 2 does not hear VMID 0's whole-VMID ops */
	op.kind = VSMMU_DVM_VMALLS12;
	op.vmid = 0;
	vsmmu_cpu_broadcast(e.cpu, &op);
	ASSERT_TRUE(sv_cached(&e, 6, SV_IOVA));
	/* ... and VMID 0's stage 1, ASET or not, goes (with BTM) */
	ASSERT_EQ(sv_cached(&e, 5, SV_IOVA), !btm);
	/* An IPA broadcast of the stage-2 domain's VMID */
	op.kind = VSMMU_DVM_IPA;
	op.vmid = vmid;
	vsmmu_cpu_broadcast(e.cpu, &op);
	ASSERT_EQ(sv_cached(&e, 6, SV_IOVA), !btm);
	vsmmu_smmu_get_stats(e.smmu, &st);
	ASSERT_EQ(st.dvm_received, 5);
	ASSERT_EQ(st.dvm_applied, btm ? 5 : 0);
	vsmmu_drv_master_destroy(m);
	vsmmu_drv_master_destroy(m2);
	ASSERT_EQ(sv_fini(&e), 0);
}

TEST(sva_btm_broadcasts_invalidate_exactly_their_scope)
{
	btm_scope(true);
}

TEST(sva_btm_ignored_with_ptm)
{
	btm_scope(false);
}
