// SPDX-License-Identifier: MIT
/*
 * Dirty tracking on a stage-2 domain (HTTU with DBM): pages are mapped
 * writable-clean, the SMMU's write makes them dirty, the driver reports
 * and re-arms them and invalidates, so the next write is tracked again.
 * Through the hardware model; descriptor bits checked against the
 * VMSAv8-64 stage-2 layout (DBM [51], S2AP [7:6]).
 */
#include <errno.h>
#include <string.h>

#include <vsmmu/arch.h>
#include <vsmmu/host.h>
#include <vsmmu/pgtable.h>

#include "harness.h"
#include "nested_world.h"

#define DSID 3
#define DATA 0x280000000ULL

struct seen {
	unsigned int n;
	uint64_t iova[8], size[8];
};

static void on_dirty(void *arg, uint64_t iova, uint64_t size)
{
	struct seen *s = arg;

	if (s->n < 8) {
		s->iova[s->n] = iova;
		s->size[s->n] = size;
	}
	s->n++;
}

static int wr(struct vsmmu_smmu *smmu, uint64_t addr,
	      struct vsmmu_txn_result *r)
{
	struct vsmmu_txn t = { .sid = DSID,
			       .addr = addr,
			       .flags = VSMMU_TXN_WRITE };

	return vsmmu_translate(smmu, &t, r);
}

TEST(dirty_s2_read_and_clear)
{
	struct vsmmu_host_config hc;
	struct vsmmu_host *h;
	struct vsmmu_drv *drv;
	struct vsmmu_smmu *smmu;
	struct vsmmu_drv_domain *d;
	struct vsmmu_drv_master *m;
	struct vsmmu_drv_domain_cfg c = { .type = VSMMU_DRV_DOMAIN_S2,
					  .dirty_tracking = true };
	struct vsmmu_txn_result r;
	struct seen s = { 0 };
	uint32_t sid = DSID;

	vsmmu_host_config_default(&hc);
	hc.drv.log_fn = world_quiet;
	ASSERT_OK(vsmmu_host_create(&hc, NULL, &h));
	drv = vsmmu_host_drv(h);
	smmu = vsmmu_host_smmu(h);
	ASSERT_OK(vsmmu_drv_domain_alloc(drv, &c, &d));
	ASSERT_OK(vsmmu_mem_populate(vsmmu_host_mem(h), DATA, 0x3000));
	ASSERT_OK(vsmmu_drv_map(d, 0x10000, DATA, 0x3000,
				VSMMU_PROT_READ | VSMMU_PROT_WRITE));
	ASSERT_OK(vsmmu_drv_map(d, 0x20000, DATA, 0x1000, VSMMU_PROT_READ));
	ASSERT_OK(vsmmu_drv_master_create(drv, &sid, 1, 0, &m));
	ASSERT_OK(vsmmu_drv_attach(m, d));

	/* Nothing written yet */
	ASSERT_EQ(vsmmu_drv_domain_read_dirty(d, 0, 1ULL << 32, 0, on_dirty,
					      &s),
		  0);
	/* A device write to the second page */
	ASSERT_OK(wr(smmu, 0x11008, &r));
	ASSERT_EQ(r.outcome, VSMMU_TXN_OK);
	ASSERT_EQ(r.oa, DATA + 0x1008);
	ASSERT_EQ(vsmmu_drv_domain_read_dirty(d, 0, 1ULL << 32,
					      VSMMU_DRV_DIRTY_NO_CLEAR,
					      on_dirty, &s),
		  1);
	ASSERT_EQ(s.iova[0], 0x11000);
	ASSERT_EQ(s.size[0], 0x1000);
	/* Not cleared: still there; now read and clear */
	s.n = 0;
	ASSERT_EQ(vsmmu_drv_domain_read_dirty(d, 0, 1ULL << 32, 0, on_dirty,
					      &s),
		  1);
	ASSERT_EQ(s.iova[0], 0x11000);
	ASSERT_EQ(vsmmu_drv_domain_read_dirty(d, 0, 1ULL << 32, 0, on_dirty,
					      &s),
		  0);
	/* Written again: tracked again (the cleared entry was invalidated,
	 * so the SMMU did not write through a stale writable TLB entry) */
	ASSERT_OK(wr(smmu, 0x11010, &r));
	ASSERT_EQ(r.outcome, VSMMU_TXN_OK);
	ASSERT_EQ(vsmmu_drv_domain_read_dirty(d, 0x10000, 0x3000, 0, NULL,
					      NULL),
		  1);
	/* Outside the range asked: not reported */
	ASSERT_OK(wr(smmu, 0x12000, &r));
	ASSERT_EQ(vsmmu_drv_domain_read_dirty(d, 0x10000, 0x2000, 0, NULL,
					      NULL),
		  0);
	/* A read-only page: a write faults and dirties nothing */
	ASSERT_OK(wr(smmu, 0x20000, &r));
	ASSERT_EQ(r.outcome, VSMMU_TXN_FAULT);
	ASSERT_EQ(r.evt[0] & 0xff, 0x13); /* F_PERMISSION */
	ASSERT_EQ(vsmmu_drv_domain_read_dirty(d, 0x20000, 0x1000, 0, NULL,
					      NULL),
		  0);
	vsmmu_host_destroy(h);
}

TEST(dirty_refusals)
{
	struct vsmmu_host_config hc;
	struct vsmmu_host *h;
	struct vsmmu_drv_domain *d;
	struct vsmmu_drv_domain_cfg c = { .type = VSMMU_DRV_DOMAIN_S1,
					  .dirty_tracking = true };

	vsmmu_host_config_default(&hc);
	hc.drv.log_fn = world_quiet;
	ASSERT_OK(vsmmu_host_create(&hc, NULL, &h));
	ASSERT_EQ(vsmmu_drv_domain_alloc(vsmmu_host_drv(h), &c, &d), -EINVAL);
	c.type = VSMMU_DRV_DOMAIN_S2;
	c.dirty_tracking = false;
	ASSERT_OK(vsmmu_drv_domain_alloc(vsmmu_host_drv(h), &c, &d));
	ASSERT_EQ(vsmmu_drv_domain_read_dirty(d, 0, 0x1000, 0, NULL, NULL),
		  -EINVAL);
	vsmmu_host_destroy(h);
	/* IDR0.HTTU [7:6] = 0b01: access flag only, no dirty state */
	vsmmu_host_config_default(&hc);
	hc.drv.log_fn = world_quiet;
	hc.smmu.idr[0] = (hc.smmu.idr[0] & ~0xc0U) | 0x40;
	ASSERT_OK(vsmmu_host_create(&hc, NULL, &h));
	c.dirty_tracking = true;
	ASSERT_EQ(vsmmu_drv_domain_alloc(vsmmu_host_drv(h), &c, &d),
		  -EOPNOTSUPP);
	vsmmu_host_destroy(h);
}

/*
 * The leaf a dirty-tracked writable mapping gets, by hand: stage 2 page
 * descriptor = output address | AF [10] | SH [9:8] | S2AP read [6] |
 * MemAttr [5:2] | page (0b11) | DBM [51], S2AP write [7] clear; stage 1:
 * AP[2] [7] (read-only) set with DBM.
 */
TEST(dirty_descriptor_bits)
{
	struct vsmmu_mem *mem;
	struct vsmmu_mem_pool *pool;
	struct vsmmu_pgtable *pt;
	struct vsmmu_pgtable_entry e;
	struct vsmmu_pgtable_cfg c = { .fmt = VSMMU_PGTABLE_S2,
				       .granule_shift = 12,
				       .ias = 40,
				       .oas = 40 };

	ASSERT_OK(vsmmu_mem_create(40, &mem));
	ASSERT_OK(vsmmu_mem_pool_create(mem, 0x100000, 0x100000, &pool));
	c.pool = pool;
	ASSERT_OK(vsmmu_pgtable_create(&c, &pt));
	ASSERT_OK(vsmmu_pgtable_map(pt, 0x5000, 0x9000, 0x1000,
				    VSMMU_PROT_READ | VSMMU_PROT_WRITE |
					    VSMMU_PROT_DIRTY_TRACK));
	ASSERT_OK(vsmmu_pgtable_lookup(pt, 0x5000, &e));
	ASSERT_EQ(e.desc & (1ULL << 51), 1ULL << 51); /* DBM */
	ASSERT_EQ(e.desc & 0xc0, 0x40); /* S2AP: read, not (yet) write */
	ASSERT_EQ(e.desc & 0x400, 0x400); /* AF */
	ASSERT_EQ(e.desc & 0xfffffffff000ULL, 0x9000);
	vsmmu_pgtable_destroy(pt);
	c.fmt = VSMMU_PGTABLE_S1;
	c.ias = 48;
	ASSERT_OK(vsmmu_pgtable_create(&c, &pt));
	ASSERT_OK(vsmmu_pgtable_map(pt, 0x5000, 0x9000, 0x1000,
				    VSMMU_PROT_READ | VSMMU_PROT_WRITE |
					    VSMMU_PROT_DIRTY_TRACK));
	ASSERT_OK(vsmmu_pgtable_lookup(pt, 0x5000, &e));
	ASSERT_EQ(e.desc & (1ULL << 51), 1ULL << 51); /* DBM */
	ASSERT_EQ(e.desc & 0x80, 0x80); /* AP[2]: read-only until written */
	vsmmu_pgtable_destroy(pt);
	vsmmu_mem_pool_destroy(pool);
	vsmmu_mem_destroy(mem);
}
