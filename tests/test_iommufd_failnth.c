// SPDX-License-Identifier: MIT
/*
 * The allocation-failure sweep (Linux's iommufd fail_nth selftest): a
 * full nested scenario -- IOAS over a user buffer, nest parent, a
 * TEGRA241_CMDQV vIOMMU, vDEVICE, VEVENTQs, a FAULT queue, a nested HWPT,
 * attach, DMA, guest invalidation, a HW queue, MSI binding, COPY, a
 * second device on an automatic HWPT replaced by a dirty-tracking one,
 * its dirty bitmap, unmap -- is run with the N-th
 * allocation (or allocating call into the lower layers, or object
 * lookup) failing, for N = 1, 2, ... until a run passes every point.
 * Each run must fail cleanly where the failure hit, tear down whatever
 * it made, and leave no pinned page behind (checked by ienv_fini) and no
 * leak (ASan, under make SAN=1).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <vsmmu/arch.h>
#include <vsmmu/bits.h>

#include "harness.h"
#include "iommufd_env.h"

#define PG 4096ULL
#define RAM (4ULL << 20)
#define RW (IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE)

struct made {
	uint32_t ids[32];
	unsigned int n;
	int fds[4];
	unsigned int nfds;
	uint32_t devs[2];
	unsigned int ndevs;
};

static void keep(struct made *m, uint32_t id)
{
	if (m->n < VS_ARRAY_SIZE(m->ids))
		m->ids[m->n++] = id;
}

/* The scenario; returns the first error (the run stops there). */
static int scenario(struct ienv *e, unsigned char *ram, struct made *m)
{
	struct iommu_viommu_tegra241_cmdqv vt = { 0 };
	struct iommu_hwpt_arm_smmuv3 ste = { .ste = { 0x1 | 0xa | 0x80000,
						      0xd4 } };
	uint32_t ioas, ioas2, dev, dev2, parent, viommu, id, pt;
	uint64_t iova = 0, cmd[2] = { CMDQ_OP_TLBI_NSNH_ALL, 0 };
	uint32_t word = 0;
	int rc;

	rc = ienv_ioas(e, &ioas);
	if (rc)
		return rc;
	keep(m, ioas);
	rc = ienv_map(e, ioas, ram, RAM, &iova, RW | IOMMU_IOAS_MAP_FIXED_IOVA);
	if (rc)
		return rc;
	rc = ienv_bind(e, 0, 0x42, &dev);
	if (rc)
		return rc;
	m->devs[m->ndevs++] = dev;
	rc = ienv_hwpt(e, dev, ioas, IOMMU_HWPT_ALLOC_NEST_PARENT, &parent);
	if (rc)
		return rc;
	keep(m, parent);
	{
		struct iommu_viommu_alloc va = {
			.size = sizeof(va),
			.type = IOMMU_VIOMMU_TYPE_TEGRA241_CMDQV,
			.dev_id = dev,
			.hwpt_id = parent,
			.data_len = sizeof(vt),
			.data_uptr = (uintptr_t)&vt,
		};

		rc = ienv_ioctl(e, IOMMU_VIOMMU_ALLOC, &va);
		if (rc)
			return rc;
		viommu = va.out_viommu_id;
		keep(m, viommu);
	}
	{
		struct iommu_vdevice_alloc vd = { .size = sizeof(vd),
						  .viommu_id = viommu,
						  .dev_id = dev,
						  .virt_id = 0x15 };

		rc = ienv_ioctl(e, IOMMU_VDEVICE_ALLOC, &vd);
		if (rc)
			return rc;
		keep(m, vd.out_vdevice_id);
	}
	for (id = IOMMU_VEVENTQ_TYPE_ARM_SMMUV3;
	     id <= IOMMU_VEVENTQ_TYPE_TEGRA241_CMDQV; id++) {
		struct iommu_veventq_alloc vq = { .size = sizeof(vq),
						  .viommu_id = viommu,
						  .type = id,
						  .veventq_depth = 2 };

		rc = ienv_ioctl(e, IOMMU_VEVENTQ_ALLOC, &vq);
		if (rc)
			return rc;
		keep(m, vq.out_veventq_id);
		m->fds[m->nfds++] = (int)vq.out_veventq_fd;
	}
	{
		struct iommu_fault_alloc fa = { .size = sizeof(fa) };
		struct iommu_hwpt_alloc a = {
			.size = sizeof(a),
			.flags = IOMMU_HWPT_FAULT_ID_VALID,
			.dev_id = dev,
			.pt_id = viommu,
			.data_type = IOMMU_HWPT_DATA_ARM_SMMUV3,
			.data_len = sizeof(ste),
			.data_uptr = (uintptr_t)&ste,
		};

		rc = ienv_ioctl(e, IOMMU_FAULT_QUEUE_ALLOC, &fa);
		if (rc)
			return rc;
		keep(m, fa.out_fault_id);
		m->fds[m->nfds++] = (int)fa.out_fault_fd;
		a.fault_id = fa.out_fault_id;
		rc = ienv_ioctl(e, IOMMU_HWPT_ALLOC, &a);
		if (rc)
			return rc;
		keep(m, a.out_hwpt_id);
		pt = a.out_hwpt_id;
	}
	rc = vsmmu_iommufd_device_attach(e->ictx, dev, &pt);
	if (rc)
		return rc;
	/* No guest tables behind that STE: the DMA faults, harmlessly */
	ienv_dma(e, dev, 0x7000000, &word, 4, false);
	ienv_process(e);
	{
		struct iommu_hwpt_invalidate inv = {
			.size = sizeof(inv),
			.hwpt_id = viommu,
			.data_uptr = (uintptr_t)cmd,
			.data_type = IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3,
			.entry_len = 16,
			.entry_num = 1,
		};

		rc = ienv_ioctl(e, IOMMU_HWPT_INVALIDATE, &inv);
		if (rc)
			return rc;
	}
	{
		struct iommu_hw_queue_alloc q = {
			.size = sizeof(q),
			.viommu_id = viommu,
			.type = IOMMU_HW_QUEUE_TYPE_TEGRA241_CMDQV,
			.nesting_parent_iova = 0x200000,
			.length = 4096,
		};

		rc = ienv_ioctl(e, IOMMU_HW_QUEUE_ALLOC, &q);
		if (rc)
			return rc;
		keep(m, q.out_hw_queue_id);
	}
	rc = vsmmu_iommufd_msi_bind(e->ictx, parent, 0x9000000, PG);
	if (rc)
		return rc;
	rc = ienv_ioas(e, &ioas2);
	if (rc)
		return rc;
	keep(m, ioas2);
	{
		struct iommu_ioas_copy c = { .size = sizeof(c),
					     .flags = RW |
						      IOMMU_IOAS_MAP_FIXED_IOVA,
					     .dst_iova = 0x1000,
					     .dst_ioas_id = ioas2,
					     .src_ioas_id = ioas,
					     .length = 2 * PG,
					     .src_iova = 0x100000 };

		rc = ienv_ioctl(e, IOMMU_IOAS_COPY, &c);
		if (rc)
			return rc;
	}
	rc = ienv_bind(e, 0, 0x43, &dev2);
	if (rc)
		return rc;
	m->devs[m->ndevs++] = dev2;
	pt = ioas2;
	rc = vsmmu_iommufd_device_attach(e->ictx, dev2, &pt);
	if (rc)
		return rc;
	rc = ienv_dma(e, dev2, 0x1000, &word, 4, true);
	if (rc)
		return rc;
	/* A dirty-tracking HWPT replaces the automatic one; dirty read */
	rc = ienv_hwpt(e, dev2, ioas2, IOMMU_HWPT_ALLOC_DIRTY_TRACKING, &pt);
	if (rc)
		return rc;
	keep(m, pt);
	rc = vsmmu_iommufd_device_replace(e->ictx, dev2, &pt);
	if (rc)
		return rc;
	rc = ienv_dma(e, dev2, 0x1000, &word, 4, true);
	if (rc)
		return rc;
	{
		uint64_t bm = 0;
		struct iommu_hwpt_get_dirty_bitmap g = {
			.size = sizeof(g),
			.hwpt_id = pt,
			.iova = 0x1000,
			.length = 2 * PG,
			.page_size = PG,
			.data = (uintptr_t)&bm,
		};

		rc = ienv_ioctl(e, IOMMU_HWPT_GET_DIRTY_BITMAP, &g);
		if (rc)
			return rc;
		if (bm != 1)
			return -EIO; /* not an injected failure: reported */
	}
	return ienv_unmap(e, ioas2, 0, UINT64_MAX, NULL);
}

/* Tear down what the run made, last first, as a VMM's error path. */
static void teardown(struct ienv *e, struct made *m)
{
	unsigned int i;

	for (i = 0; i < m->nfds; i++)
		close(m->fds[i]);
	for (i = 0; i < m->ndevs; i++)
		vsmmu_iommufd_device_detach(e->ictx, m->devs[i]);
	for (i = m->n; i-- > 0;)
		ienv_destroy(e, m->ids[i]);
	for (i = 0; i < m->ndevs; i++)
		vsmmu_iommufd_device_unbind(e->ictx, m->devs[i]);
}

TEST(iommufd_fail_nth_sweep)
{
	static const struct ienv_opts o = { .cmdqv = true };
	unsigned char *ram = ienv_buf(2 << 20, RAM);
	unsigned int n, failed = 0;

	ASSERT_TRUE(ram);
	for (n = 1; n < 5000; n++) {
		struct made m;
		struct ienv e;
		unsigned int passed;
		int rc;

		memset(&m, 0, sizeof(m));
		ASSERT_OK(ienv_init(&e, &o));
		vsmmu_iommufd_set_fail_nth(e.ictx, n);
		rc = scenario(&e, ram, &m);
		passed = vsmmu_iommufd_fail_count(e.ictx);
		vsmmu_iommufd_set_fail_nth(e.ictx, 0);
		if (rc)
			failed++;
		/* Only an injected failure may stop the scenario */
		if (rc && passed < n) {
			vt_fail(__FILE__, __LINE__,
				"n=%u: %d without injection", n, rc);
			teardown(&e, &m);
			ienv_fini(&e);
			break;
		}
		teardown(&e, &m);
		ienv_fini(&e); /* the context's own cleanup, pages checked */
		CHECK_FAILED();
		if (passed < n) {
			/* A whole run without reaching the N-th point: done */
			ASSERT_EQ(rc, 0);
			break;
		}
	}
	printf("# %u failure points, %u runs failed where injected\n", n - 1,
	       failed);
	ASSERT_TRUE(n > 50 && n < 5000);
	free(ram);
}
