// SPDX-License-Identifier: MIT
/*
 * The iommufd layer under concurrency: devices keep doing DMA to a
 * mapping that stays while another thread maps and unmaps other IOVAs of
 * the same IOAS (through the attached page table, each unmap
 * invalidated), and other threads run commands on other objects (IOAS
 * alloc/destroy, IOVA_RANGES, HWPT_INVALIDATE on a vIOMMU).  Every DMA
 * must succeed and read back what it wrote; every command must succeed.
 * Run under ThreadSanitizer in CI.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <vsmmu/arch.h>

#include "harness.h"
#include "iommufd_env.h"

#define PG 4096ULL
#define FIXED                                                 \
	(IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE | \
	 IOMMU_IOAS_MAP_FIXED_IOVA)
#define STABLE 0x100000ULL /* stays mapped */
#define CHURN 0x4000000ULL /* mapped and unmapped all along */
#define ITERS 300

struct shared {
	struct ienv e;
	uint32_t ioas, dev[2], parent, viommu;
	unsigned char *stable, *churn;
	atomic_int errors;
	atomic_bool stop;
};

static void *dma_thread(void *arg)
{
	struct shared *s = ((void **)arg)[0];
	uintptr_t which = (uintptr_t)((void **)arg)[1];
	uint64_t i, v, back;

	for (i = 0; !atomic_load(&s->stop); i++) {
		uint64_t off = ((i * 8) % (4 * PG)) + which * 4 * PG;

		v = (which << 56) | i;
		if (ienv_dma(&s->e, s->dev[which], STABLE + off, &v, 8, true) ||
		    ienv_dma(&s->e, s->dev[which], STABLE + off, &back, 8,
			     false) ||
		    back != v)
			atomic_fetch_add(&s->errors, 1);
	}
	return NULL;
}

static void *churn_thread(void *arg)
{
	struct shared *s = arg;
	unsigned int i;

	for (i = 0; i < ITERS; i++) {
		uint64_t iova = CHURN + (i % 8) * 2 * PG, done = 0;

		if (ienv_map(&s->e, s->ioas, s->churn + (i % 8) * 2 * PG,
			     2 * PG, &iova, FIXED) ||
		    ienv_unmap(&s->e, s->ioas, iova, 2 * PG, &done) ||
		    done != 2 * PG)
			atomic_fetch_add(&s->errors, 1);
	}
	return NULL;
}

static void *other_thread(void *arg)
{
	struct shared *s = arg;
	uint64_t cmd[2] = { CMDQ_OP_TLBI_NSNH_ALL, 0 };
	unsigned int i;

	for (i = 0; i < ITERS; i++) {
		struct iommu_hwpt_invalidate inv = {
			.size = sizeof(inv),
			.hwpt_id = s->viommu,
			.data_uptr = (uintptr_t)cmd,
			.data_type = IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3,
			.entry_len = 16,
			.entry_num = 1,
		};
		struct iommu_ioas_iova_ranges q = { .size = sizeof(q),
						    .ioas_id = s->ioas };
		uint32_t id;

		if (ienv_ioas(&s->e, &id) || ienv_destroy(&s->e, id) ||
		    ienv_ioctl(&s->e, IOMMU_HWPT_INVALIDATE, &inv) ||
		    ienv_ioctl(&s->e, IOMMU_IOAS_IOVA_RANGES, &q) != -EMSGSIZE)
			atomic_fetch_add(&s->errors, 1);
	}
	return NULL;
}

TEST(iommufd_threads_dma_during_maps_and_commands)
{
	struct shared *s = calloc(1, sizeof(*s));
	void *args[2][2];
	pthread_t dma[2], churn, other;
	uint64_t iova = STABLE;
	uint32_t pt;
	uintptr_t i;

	ASSERT_TRUE(s);
	s->stable = ienv_buf(PG, 8 * PG);
	s->churn = ienv_buf(PG, 16 * PG);
	ASSERT_TRUE(s->stable && s->churn);
	ASSERT_OK(ienv_init(&s->e, NULL));
	ASSERT_OK(ienv_ioas(&s->e, &s->ioas));
	ASSERT_OK(ienv_map(&s->e, s->ioas, s->stable, 8 * PG, &iova, FIXED));
	ASSERT_OK(ienv_bind(&s->e, 0, 0x10, &s->dev[0]));
	ASSERT_OK(ienv_bind(&s->e, 0, 0x11, &s->dev[1]));
	ASSERT_OK(ienv_hwpt(&s->e, s->dev[0], s->ioas,
			    IOMMU_HWPT_ALLOC_NEST_PARENT, &s->parent));
	for (i = 0; i < 2; i++) {
		pt = s->parent;
		ASSERT_OK(
			vsmmu_iommufd_device_attach(s->e.ictx, s->dev[i], &pt));
	}
	{
		struct iommu_viommu_alloc va = {
			.size = sizeof(va),
			.type = IOMMU_VIOMMU_TYPE_ARM_SMMUV3,
			.dev_id = s->dev[0],
			.hwpt_id = s->parent,
		};

		ASSERT_OK(ienv_ioctl(&s->e, IOMMU_VIOMMU_ALLOC, &va));
		s->viommu = va.out_viommu_id;
	}
	for (i = 0; i < 2; i++) {
		args[i][0] = s;
		args[i][1] = (void *)i;
		ASSERT_OK(pthread_create(&dma[i], NULL, dma_thread, args[i]));
	}
	ASSERT_OK(pthread_create(&churn, NULL, churn_thread, s));
	ASSERT_OK(pthread_create(&other, NULL, other_thread, s));
	pthread_join(churn, NULL);
	pthread_join(other, NULL);
	atomic_store(&s->stop, true);
	for (i = 0; i < 2; i++)
		pthread_join(dma[i], NULL);
	ASSERT_EQ(atomic_load(&s->errors), 0);
	ienv_fini(&s->e);
	free(s->stable);
	free(s->churn);
	free(s);
}
