// SPDX-License-Identifier: MIT
/*
 * Paging HWPTs and devices through the iommufd layer: HWPT_ALLOC's
 * errnos and stages, block mappings (and HUGE_PAGES off), attach /
 * replace / detach, device reserved regions, two SMMUs, GET_HW_INFO,
 * dirty tracking, IOAS_MAP_FILE and CHANGE_PROCESS.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <vsmmu/arch.h>
#include <vsmmu/bits.h>

#include "harness.h"
#include "iommufd_env.h"

#define PG 4096ULL
#define FIXED                                                 \
	(IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE | \
	 IOMMU_IOAS_MAP_FIXED_IOVA)
#define SID 0x42

/* The SMMU's answer for @sid at @iova: the page size, or -1 (fault). */
static int leaf_shift(struct ienv *e, unsigned int host, uint32_t sid,
		      uint64_t iova, uint64_t *oa)
{
	struct vsmmu_txn t = { .sid = sid,
			       .addr = iova,
			       .flags = VSMMU_TXN_READ };
	struct vsmmu_txn_result r;

	if (vsmmu_translate(e->smmu[host], &t, &r) || r.outcome != VSMMU_TXN_OK)
		return -1;
	if (oa)
		*oa = r.oa;
	return (int)r.page_shift;
}

TEST(iommufd_hwpt_alloc_errnos_and_stages)
{
	struct iommu_hwpt_alloc a = { .size = sizeof(a) };
	struct ienv e;
	uint32_t ioas, dev, s1, s2, pt;
	uint64_t iova = 0x200000;
	char *buf = ienv_buf(PG, PG);

	ASSERT_OK(ienv_init(&e, NULL));
	ASSERT_OK(ienv_ioas(&e, &ioas));
	ASSERT_OK(ienv_bind(&e, 0, SID, &dev));
	ASSERT_OK(ienv_map(&e, ioas, buf, PG, &iova, FIXED));
	a.dev_id = dev;
	a.pt_id = ioas;
	a.__reserved = 1;
	ASSERT_EQ(ienv_ioctl(&e, IOMMU_HWPT_ALLOC, &a), -EOPNOTSUPP);
	a.__reserved = 0;
	a.flags = 1U << 4;
	ASSERT_EQ(ienv_ioctl(&e, IOMMU_HWPT_ALLOC, &a), -EOPNOTSUPP);
	/* SMMUv3 takes no driver data for a paging domain */
	a.flags = 0;
	a.data_type = IOMMU_HWPT_DATA_ARM_SMMUV3;
	a.data_len = 16;
	a.data_uptr = (uintptr_t)buf;
	ASSERT_EQ(ienv_ioctl(&e, IOMMU_HWPT_ALLOC, &a), -EOPNOTSUPP);
	a.data_type = 0;
	a.data_len = 0;
	/* NEST_PARENT | PASID is no combination SMMUv3 makes */
	a.flags = IOMMU_HWPT_ALLOC_NEST_PARENT | IOMMU_HWPT_ALLOC_PASID;
	ASSERT_EQ(ienv_ioctl(&e, IOMMU_HWPT_ALLOC, &a), -EOPNOTSUPP);
	a.flags = 0;
	a.dev_id = 999;
	ASSERT_EQ(ienv_ioctl(&e, IOMMU_HWPT_ALLOC, &a), -ENOENT);
	a.dev_id = dev;
	/* Stage 1 by default, stage 2 for a nest parent: both translate
	 * the IOAS (a 4K page here), and both can be attached */
	ASSERT_OK(ienv_hwpt(&e, dev, ioas, 0, &s1));
	ASSERT_OK(ienv_hwpt(&e, dev, ioas, IOMMU_HWPT_ALLOC_NEST_PARENT, &s2));
	pt = s1;
	ASSERT_OK(vsmmu_iommufd_device_attach(e.ictx, dev, &pt));
	ASSERT_EQ(pt, s1);
	ASSERT_EQ(leaf_shift(&e, 0, SID, iova, NULL), 12);
	/* Replace: hitless, to the stage-2 table of the same IOAS */
	pt = s2;
	ASSERT_OK(vsmmu_iommufd_device_replace(e.ictx, dev, &pt));
	ASSERT_EQ(leaf_shift(&e, 0, SID, iova, NULL), 12);
	/* Attach of an attached device: EBUSY; the old table is free */
	pt = s1;
	ASSERT_EQ(vsmmu_iommufd_device_attach(e.ictx, dev, &pt), -EBUSY);
	ASSERT_OK(ienv_destroy(&e, s1));
	/* Not a page table: EINVAL; no such object: ENOENT */
	pt = dev;
	ASSERT_EQ(vsmmu_iommufd_device_replace(e.ictx, dev, &pt), -EINVAL);
	pt = 999;
	ASSERT_EQ(vsmmu_iommufd_device_replace(e.ictx, dev, &pt), -ENOENT);
	ASSERT_OK(vsmmu_iommufd_device_detach(e.ictx, dev));
	pt = s2;
	ASSERT_EQ(vsmmu_iommufd_device_replace(e.ictx, dev, &pt), -EINVAL);
	ASSERT_OK(ienv_destroy(&e, s2));
	ienv_fini(&e);
	free(buf);
}

TEST(iommufd_hwpt_smmu_without_4k_granule)
{
	static const struct ienv_opts o = { .no_4k = true };
	uint32_t ioas, dev, hwpt, pt;
	uint64_t iova = 0x200000;
	char *buf = ienv_buf(PG, PG);
	struct ienv e;

	/* iopt_table_add_domain(): the page table's smallest page (16 KiB)
	 * is larger than the process's: EINVAL, for an explicit HWPT and
	 * for an attach to the IOAS alike; the IOAS is left as it was */
	ASSERT_OK(ienv_init(&e, &o));
	ASSERT_OK(ienv_ioas(&e, &ioas));
	ASSERT_OK(ienv_bind(&e, 0, SID, &dev));
	/* Refused by the page size itself, not by what is mapped */
	ASSERT_EQ(ienv_hwpt(&e, dev, ioas, 0, &hwpt), -EINVAL);
	pt = ioas;
	ASSERT_EQ(vsmmu_iommufd_device_attach(e.ictx, dev, &pt), -EINVAL);
	ASSERT_OK(ienv_map(&e, ioas, buf, PG, &iova, FIXED));
	ASSERT_EQ(ienv_hwpt(&e, dev, ioas, 0, &hwpt), -EINVAL);
	ASSERT_EQ(ienv_hwpt(&e, dev, ioas, IOMMU_HWPT_ALLOC_NEST_PARENT, &hwpt),
		  -EINVAL);
	pt = ioas;
	ASSERT_EQ(vsmmu_iommufd_device_attach(e.ictx, dev, &pt), -EINVAL);
	ASSERT_OK(ienv_unmap(&e, ioas, iova, PG, NULL));
	ienv_fini(&e);
	free(buf);
}

TEST(iommufd_hwpt_blocks_where_alignment_allows)
{
	struct iommu_option o = { .size = sizeof(o) };
	struct ienv e;
	uint32_t ioas, dev, pt;
	uint64_t iova, oa;
	unsigned char *buf = ienv_buf(2 << 20, 4 << 20);

	ASSERT_TRUE(buf);
	ASSERT_OK(ienv_init(&e, NULL));
	ASSERT_OK(ienv_ioas(&e, &ioas));
	ASSERT_OK(ienv_bind(&e, 0, SID, &dev));
	pt = ioas;
	ASSERT_OK(vsmmu_iommufd_device_attach(e.ictx, dev, &pt));
	/* 2 MiB at a 2 MiB IOVA: one 2 MiB block */
	iova = 0x40000000;
	ASSERT_OK(ienv_map(&e, ioas, buf, 2 << 20, &iova, FIXED));
	ASSERT_EQ(leaf_shift(&e, 0, SID, iova + 0x1234, &oa), 21);
	/* The same memory at an IOVA only 4K-aligned: pages */
	iova = 0x50001000;
	ASSERT_OK(ienv_map(&e, ioas, buf + (2 << 20), (2 << 20) - PG, &iova,
			   FIXED));
	ASSERT_EQ(leaf_shift(&e, 0, SID, iova, NULL), 12);
	/* HUGE_PAGES off: refused while the page table holds mappings */
	o.option_id = IOMMU_OPTION_HUGE_PAGES;
	o.op = IOMMU_OPTION_OP_SET;
	o.object_id = ioas;
	o.val64 = 0;
	ASSERT_EQ(ienv_ioctl(&e, IOMMU_OPTION, &o), -EINVAL);
	ASSERT_OK(ienv_unmap(&e, ioas, 0, UINT64_MAX, NULL));
	ASSERT_OK(ienv_ioctl(&e, IOMMU_OPTION, &o));
	/* ... then everything is mapped with pages */
	iova = 0x40000000;
	ASSERT_OK(ienv_map(&e, ioas, buf, 2 << 20, &iova, FIXED));
	ASSERT_EQ(leaf_shift(&e, 0, SID, iova + 0x1234, NULL), 12);
	ASSERT_EQ(leaf_shift(&e, 0, SID, iova + (2 << 20) - PG, NULL), 12);
	ienv_fini(&e);
	free(buf);
}

TEST(iommufd_device_reserved_regions)
{
	struct vsmmu_iommufd_resv resv = { 0x3000000, 0x30fffff };
	struct iommu_ioas_allow_iovas a = { .size = sizeof(a) };
	struct iommu_iova_range r = { 0x8000000, 0x8ffffff };
	struct vsmmu_iommufd_dev_cfg c = { 0 };
	uint32_t sid = SID, ioas, dev, pt;
	struct ienv e;
	uint64_t iova;
	char *buf = ienv_buf(PG, PG);

	ASSERT_OK(ienv_init(&e, NULL));
	ASSERT_OK(ienv_ioas(&e, &ioas));
	c.sids = &sid;
	c.nsids = 1;
	c.resv = &resv;
	c.nresv = 1;
	ASSERT_OK(vsmmu_iommufd_device_bind(e.ictx, &c, &dev));
	/* A mapping in the device's reserved range: attach EADDRINUSE */
	iova = 0x3001000;
	ASSERT_OK(ienv_map(&e, ioas, buf, PG, &iova, FIXED));
	pt = ioas;
	ASSERT_EQ(vsmmu_iommufd_device_attach(e.ictx, dev, &pt), -EADDRINUSE);
	ASSERT_OK(ienv_unmap(&e, ioas, iova, PG, NULL));
	/* Allowed IOVAs over the MSI window: attach EADDRINUSE too */
	a.ioas_id = ioas;
	a.num_iovas = 1;
	a.allowed_iovas = (uintptr_t)&r;
	ASSERT_OK(ienv_ioctl(&e, IOMMU_IOAS_ALLOW_IOVAS, &a));
	ASSERT_EQ(vsmmu_iommufd_device_attach(e.ictx, dev, &pt), -EADDRINUSE);
	a.num_iovas = 0;
	ASSERT_OK(ienv_ioctl(&e, IOMMU_IOAS_ALLOW_IOVAS, &a));
	ASSERT_OK(vsmmu_iommufd_device_attach(e.ictx, dev, &pt));
	/* Now the region is reserved: MAP there EINVAL, ALLOW EADDRINUSE */
	ASSERT_EQ(ienv_map(&e, ioas, buf, PG, &iova, FIXED), -EINVAL);
	a.num_iovas = 1;
	ASSERT_EQ(ienv_ioctl(&e, IOMMU_IOAS_ALLOW_IOVAS, &a), -EADDRINUSE);
	/* Bind arguments */
	c.nresv = 1;
	resv.start = 5;
	resv.last = 4;
	ASSERT_EQ(vsmmu_iommufd_device_bind(e.ictx, &c, &dev), -EINVAL);
	c.nresv = 0;
	c.host = 1;
	ASSERT_EQ(vsmmu_iommufd_device_bind(e.ictx, &c, &dev), -EINVAL);
	c.host = 0;
	ASSERT_EQ(vsmmu_iommufd_device_bind(e.ictx, &c, &dev), -EBUSY);
	ienv_fini(&e);
	free(buf);
}

TEST(iommufd_two_smmus)
{
	static const struct ienv_opts o = { .nhosts = 2 };
	uint32_t ioas, dev0, dev1, hwpt0, pt;
	struct ienv e;
	uint64_t iova = 0x100000;
	unsigned char *buf = ienv_buf(PG, PG), v = 0x77;

	ASSERT_OK(ienv_init(&e, &o));
	ASSERT_OK(ienv_ioas(&e, &ioas));
	ASSERT_OK(ienv_map(&e, ioas, buf, PG, &iova, FIXED));
	ASSERT_OK(ienv_bind(&e, 0, SID, &dev0));
	ASSERT_OK(ienv_bind(&e, 1, SID, &dev1)); /* same SID, other SMMU */
	ASSERT_OK(ienv_hwpt(&e, dev0, ioas, 0, &hwpt0));
	/* A page table of SMMU 0 for a device of SMMU 1: EINVAL */
	pt = hwpt0;
	ASSERT_EQ(vsmmu_iommufd_device_attach(e.ictx, dev1, &pt), -EINVAL);
	/* Through the IOAS each gets an automatic one of its own SMMU */
	pt = ioas;
	ASSERT_OK(vsmmu_iommufd_device_attach(e.ictx, dev1, &pt));
	ASSERT_NE(pt, hwpt0);
	ASSERT_OK(ienv_dma(&e, dev1, iova + 9, &v, 1, true));
	ASSERT_EQ(buf[9], 0x77);
	ienv_fini(&e);
	free(buf);
}

TEST(iommufd_get_hw_info)
{
	struct iommu_hw_info h = { .size = sizeof(h) };
	struct vsmmu_iommufd_dev_cfg c = { 0 };
	uint32_t sid = 0x51, idr[10], dev, dev2;
	unsigned char out[48];
	struct ienv e;
	unsigned int i;
	uint64_t v;

	ASSERT_OK(ienv_init(&e, NULL));
	ASSERT_OK(ienv_bind(&e, 0, SID, &dev));
	for (i = 0; i < 6; i++) {
		ASSERT_OK(vsmmu_smmu_mmio_read(e.smmu[0], ARM_SMMU_IDR0 + 4 * i,
					       4, &v));
		idr[i] = (uint32_t)v;
	}
	ASSERT_OK(vsmmu_smmu_mmio_read(e.smmu[0], ARM_SMMU_IIDR, 4, &v));
	idr[6] = (uint32_t)v;
	ASSERT_OK(vsmmu_smmu_mmio_read(e.smmu[0], ARM_SMMU_AIDR, 4, &v));
	idr[7] = (uint32_t)v;
	/* A larger buffer: 40 bytes of iommu_hw_info_arm_smmuv3, zeroes */
	memset(out, 0xff, sizeof(out));
	h.dev_id = dev;
	h.data_len = sizeof(out);
	h.data_uptr = (uintptr_t)out;
	ASSERT_OK(ienv_ioctl(&e, IOMMU_GET_HW_INFO, &h));
	ASSERT_EQ(h.data_len, 40);
	ASSERT_EQ(h.out_data_type, IOMMU_HW_INFO_TYPE_ARM_SMMUV3);
	ASSERT_EQ(*(uint32_t *)out, 0); /* flags */
	for (i = 0; i < 8; i++)
		ASSERT_EQ(*(uint32_t *)(out + 8 + 4 * i), idr[i]);
	ASSERT_EQ(*(uint64_t *)(out + 40), 0);
	/* The default SMMU does HTTU with dirty state; the device is not
	 * ATS-capable, has no PASIDs */
	ASSERT_EQ(h.out_capabilities,
		  IOMMU_HW_CAP_DIRTY_TRACKING |
			  IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED);
	ASSERT_EQ(h.out_max_pasid_log2, 0);
	/* A short buffer: only what fits; data_len says the full size */
	memset(out, 0xff, sizeof(out));
	h.data_len = 8;
	ASSERT_OK(ienv_ioctl(&e, IOMMU_GET_HW_INFO, &h));
	ASSERT_EQ(h.data_len, 40);
	ASSERT_EQ(out[8], 0xff);
	ASSERT_EQ(*(uint32_t *)out, 0);
	/* data_len 0 is fine */
	h.data_len = 0;
	h.data_uptr = 0;
	ASSERT_OK(ienv_ioctl(&e, IOMMU_GET_HW_INFO, &h));
	ASSERT_EQ(h.data_len, 40);
	/* An ATS-capable device with 16 PASID bits */
	c.sids = &sid;
	c.nsids = 1;
	c.ats = true;
	c.pasid_bits = 16;
	ASSERT_OK(vsmmu_iommufd_device_bind(e.ictx, &c, &dev2));
	h.dev_id = dev2;
	ASSERT_EQ(ienv_ioctl(&e, IOMMU_GET_HW_INFO, &h), -EFAULT); /* 40 > 0 */
	h.data_len = 0;
	ASSERT_OK(ienv_ioctl(&e, IOMMU_GET_HW_INFO, &h));
	ASSERT_EQ(h.out_capabilities, IOMMU_HW_CAP_DIRTY_TRACKING);
	ASSERT_EQ(h.out_max_pasid_log2, 16);
	/* Asking for a type: SMMUv3 fine, CMDQV (absent) or VT-d not */
	h.flags = IOMMU_HW_INFO_FLAG_INPUT_TYPE;
	h.in_data_type = IOMMU_HW_INFO_TYPE_ARM_SMMUV3;
	h.data_len = 0;
	ASSERT_OK(ienv_ioctl(&e, IOMMU_GET_HW_INFO, &h));
	h.in_data_type = IOMMU_HW_INFO_TYPE_TEGRA241_CMDQV;
	ASSERT_EQ(ienv_ioctl(&e, IOMMU_GET_HW_INFO, &h), -EOPNOTSUPP);
	h.in_data_type = IOMMU_HW_INFO_TYPE_INTEL_VTD;
	ASSERT_EQ(ienv_ioctl(&e, IOMMU_GET_HW_INFO, &h), -EOPNOTSUPP);
	/* Without the flag the input type is ignored */
	h.flags = 0;
	h.data_len = 0;
	ASSERT_OK(ienv_ioctl(&e, IOMMU_GET_HW_INFO, &h));
	ASSERT_EQ(h.out_data_type, IOMMU_HW_INFO_TYPE_ARM_SMMUV3);
	h.flags = 2;
	ASSERT_EQ(ienv_ioctl(&e, IOMMU_GET_HW_INFO, &h), -EOPNOTSUPP);
	h.flags = 0;
	h.__reserved[1] = 1;
	ASSERT_EQ(ienv_ioctl(&e, IOMMU_GET_HW_INFO, &h), -EOPNOTSUPP);
	h.__reserved[1] = 0;
	h.data_len = 4;
	h.data_uptr = 24;
	ASSERT_EQ(ienv_ioctl(&e, IOMMU_GET_HW_INFO, &h), -EFAULT);
	ienv_fini(&e);
}

TEST(iommufd_dirty_tracking_arguments)
{
	struct iommu_hwpt_set_dirty_tracking s = { .size = sizeof(s) };
	struct iommu_hwpt_get_dirty_bitmap g = { .size = sizeof(g) };
	uint32_t ioas, dev, hwpt;
	struct ienv e;

	ASSERT_OK(ienv_init(&e, NULL));
	ASSERT_OK(ienv_ioas(&e, &ioas));
	ASSERT_OK(ienv_bind(&e, 0, SID, &dev));
	ASSERT_OK(ienv_hwpt(&e, dev, ioas, 0, &hwpt));
	s.hwpt_id = hwpt;
	s.flags = 2;
	ASSERT_EQ(ienv_ioctl(&e, IOMMU_HWPT_SET_DIRTY_TRACKING, &s),
		  -EOPNOTSUPP);
	s.flags = 0;
	s.hwpt_id = ioas;
	ASSERT_EQ(ienv_ioctl(&e, IOMMU_HWPT_SET_DIRTY_TRACKING, &s), -ENOENT);
	/* A table without dirty tracking has no dirty operations */
	s.hwpt_id = hwpt;
	s.flags = IOMMU_HWPT_DIRTY_TRACKING_ENABLE;
	ASSERT_EQ(ienv_ioctl(&e, IOMMU_HWPT_SET_DIRTY_TRACKING, &s),
		  -EOPNOTSUPP);
	/* iommufd_check_iova_range() before that */
	g.hwpt_id = hwpt;
	g.flags = 2;
	ASSERT_EQ(ienv_ioctl(&e, IOMMU_HWPT_GET_DIRTY_BITMAP, &g), -EOPNOTSUPP);
	g.flags = 0;
	g.iova = UINT64_MAX - PG + 1;
	g.length = 2 * PG;
	g.page_size = PG;
	ASSERT_EQ(ienv_ioctl(&e, IOMMU_HWPT_GET_DIRTY_BITMAP, &g), -EOVERFLOW);
	g.iova = 0x1800;
	ASSERT_EQ(ienv_ioctl(&e, IOMMU_HWPT_GET_DIRTY_BITMAP, &g), -EINVAL);
	g.iova = 0x1000;
	g.page_size = 0;
	ASSERT_EQ(ienv_ioctl(&e, IOMMU_HWPT_GET_DIRTY_BITMAP, &g), -EINVAL);
	g.page_size = 0x2000;
	ASSERT_EQ(ienv_ioctl(&e, IOMMU_HWPT_GET_DIRTY_BITMAP, &g), -EINVAL);
	g.page_size = PG;
	ASSERT_EQ(ienv_ioctl(&e, IOMMU_HWPT_GET_DIRTY_BITMAP, &g), -EOPNOTSUPP);
	ienv_fini(&e);
}

/* GET_DIRTY_BITMAP of [@iova, @iova + @len) into @bm (not cleared first). */
static int dirty_get(struct ienv *e, uint32_t hwpt, uint64_t iova, uint64_t len,
		     uint64_t page_size, uint64_t *bm, uint32_t flags)
{
	struct iommu_hwpt_get_dirty_bitmap g = {
		.size = sizeof(g),
		.hwpt_id = hwpt,
		.flags = flags,
		.iova = iova,
		.length = len,
		.page_size = page_size,
		.data = (uintptr_t)bm,
	};

	return ienv_ioctl(e, IOMMU_HWPT_GET_DIRTY_BITMAP, &g);
}

static int dirty_set(struct ienv *e, uint32_t hwpt, bool enable)
{
	struct iommu_hwpt_set_dirty_tracking s = {
		.size = sizeof(s),
		.flags = enable ? IOMMU_HWPT_DIRTY_TRACKING_ENABLE : 0,
		.hwpt_id = hwpt,
	};

	return ienv_ioctl(e, IOMMU_HWPT_SET_DIRTY_TRACKING, &s);
}

TEST(iommufd_dirty_tracking)
{
	static const struct ienv_opts nodirty = { .no_dirty = true };
	const uint64_t small = 0x100000, big = 0x400000;
	unsigned char *buf = ienv_buf(2 << 20, 4 << 20);
	uint32_t ioas, dev, hwpt, pt;
	uint64_t bm[8], iova, w = 0x5a, r;
	struct ienv e;
	unsigned int i;

	ASSERT_TRUE(buf);
	/* Without HTTU dirty state: no capability, no dirty HWPT */
	ASSERT_OK(ienv_init(&e, &nodirty));
	ASSERT_OK(ienv_ioas(&e, &ioas));
	ASSERT_OK(ienv_bind(&e, 0, SID, &dev));
	ASSERT_EQ(ienv_hwpt(&e, dev, ioas, IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
			    &hwpt),
		  -EOPNOTSUPP);
	ienv_fini(&e);

	ASSERT_OK(ienv_init(&e, NULL));
	ASSERT_OK(ienv_ioas(&e, &ioas));
	ASSERT_OK(ienv_bind(&e, 0, SID, &dev));
	/* arm_smmu_domain_alloc_paging_flags(): dirty tracking is no
	 * nest parent; vsmmu's dirty tables are stage 2, so serve no PASID */
	ASSERT_EQ(ienv_hwpt(&e, dev, ioas,
			    IOMMU_HWPT_ALLOC_DIRTY_TRACKING |
				    IOMMU_HWPT_ALLOC_NEST_PARENT,
			    &hwpt),
		  -EOPNOTSUPP);
	ASSERT_EQ(ienv_hwpt(&e, dev, ioas,
			    IOMMU_HWPT_ALLOC_DIRTY_TRACKING |
				    IOMMU_HWPT_ALLOC_PASID,
			    &hwpt),
		  -EOPNOTSUPP);
	ASSERT_OK(ienv_hwpt(&e, dev, ioas, IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
			    &hwpt));
	pt = hwpt;
	ASSERT_OK(vsmmu_iommufd_device_attach(e.ictx, dev, &pt));
	/* 16 pages at 1 MiB (4K leaves), 2 MiB at 4 MiB (one block) */
	iova = small;
	ASSERT_OK(ienv_map(&e, ioas, buf + (2 << 20), 16 * PG, &iova, FIXED));
	iova = big;
	ASSERT_OK(ienv_map(&e, ioas, buf, 2 << 20, &iova, FIXED));
	ASSERT_EQ(leaf_shift(&e, 0, SID, big, NULL), 21);
	ASSERT_OK(dirty_set(&e, hwpt, true));
	/* Nothing written yet; reads do not dirty */
	ASSERT_OK(ienv_dma(&e, dev, small + 2 * PG, &r, 1, false));
	memset(bm, 0, sizeof(bm));
	ASSERT_OK(dirty_get(&e, hwpt, small, 16 * PG, PG, bm, 0));
	ASSERT_EQ(bm[0], 0);
	/* Writes to pages 1 and 5: bits 1 and 5; bits already set (15)
	 * stay set, as Linux's iova_bitmap only ever sets */
	ASSERT_OK(ienv_dma(&e, dev, small + PG + 8, &w, 1, true));
	ASSERT_OK(ienv_dma(&e, dev, small + 5 * PG, &w, 1, true));
	bm[0] = 1ULL << 15;
	ASSERT_OK(dirty_get(&e, hwpt, small, 16 * PG, PG, bm, 0));
	ASSERT_EQ(bm[0], (1ULL << 15) | (1ULL << 5) | (1ULL << 1));
	/* Read and cleared: nothing the second time ... */
	bm[0] = 0;
	ASSERT_OK(dirty_get(&e, hwpt, small, 16 * PG, PG, bm, 0));
	ASSERT_EQ(bm[0], 0);
	/* ... and the next write is seen again (the clean entry was
	 * invalidated, no TLB still holds it writable) */
	ASSERT_OK(ienv_dma(&e, dev, small + 5 * PG, &w, 1, true));
	ASSERT_OK(dirty_get(&e, hwpt, small, 16 * PG, PG, bm, 0));
	ASSERT_EQ(bm[0], 1ULL << 5);
	/* NO_CLEAR leaves it dirty */
	ASSERT_OK(ienv_dma(&e, dev, small + 3 * PG, &w, 1, true));
	bm[0] = 0;
	ASSERT_OK(dirty_get(&e, hwpt, small, 16 * PG, PG, bm,
			    IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR));
	ASSERT_EQ(bm[0], 1ULL << 3);
	bm[0] = 0;
	ASSERT_OK(dirty_get(&e, hwpt, small, 16 * PG, PG, bm, 0));
	ASSERT_EQ(bm[0], 1ULL << 3);
	/* A bitmap page of 8 KiB: page 5 is bit 2; a range from page 4 */
	ASSERT_OK(ienv_dma(&e, dev, small + 5 * PG, &w, 1, true));
	bm[0] = 0;
	ASSERT_OK(dirty_get(&e, hwpt, small + 4 * PG, 8 * PG, 2 * PG, bm, 0));
	ASSERT_EQ(bm[0], 1ULL << 0);
	/* A write into the block dirties the whole 2 MiB leaf: 512 bits */
	ASSERT_OK(ienv_dma(&e, dev, big + 0x3000, &w, 1, true));
	memset(bm, 0, sizeof(bm));
	ASSERT_OK(dirty_get(&e, hwpt, big, 2 << 20, PG, bm, 0));
	for (i = 0; i < 8; i++)
		ASSERT_EQ(bm[i], UINT64_MAX);
	/* A range with a hole: EINVAL, and nothing read (or cleared) */
	ASSERT_OK(ienv_dma(&e, dev, small + 9 * PG, &w, 1, true));
	memset(bm, 0, sizeof(bm));
	ASSERT_EQ(dirty_get(&e, hwpt, small, 32 * PG, PG, bm, 0), -EINVAL);
	ASSERT_EQ(bm[0], 0);
	/* A bitmap the layer cannot write: EFAULT, nothing lost */
	ASSERT_EQ(dirty_get(&e, hwpt, small, 16 * PG, PG, (uint64_t *)8, 0),
		  -EFAULT);
	ASSERT_OK(dirty_get(&e, hwpt, small, 16 * PG, PG, bm, 0));
	ASSERT_EQ(bm[0], 1ULL << 9);
	/* Enabling again starts a clean snapshot; disabling is allowed */
	ASSERT_OK(ienv_dma(&e, dev, small + 7 * PG, &w, 1, true));
	ASSERT_OK(dirty_set(&e, hwpt, false));
	ASSERT_OK(dirty_set(&e, hwpt, true));
	bm[0] = 0;
	ASSERT_OK(dirty_get(&e, hwpt, small, 16 * PG, PG, bm, 0));
	ASSERT_EQ(bm[0], 0);
	/* The data the device wrote is where it should be */
	ASSERT_EQ(buf[(2 << 20) + 7 * PG], 0x5a);
	ASSERT_EQ(buf[0x3000], 0x5a);
	ienv_fini(&e);
	free(buf);
}

TEST(iommufd_ioas_map_file_and_change_process)
{
	struct iommu_ioas_map_file m = { .size = sizeof(m) };
	struct iommu_ioas_change_process cp = { .size = sizeof(cp) };
	uint32_t ioas, dev, pt;
	struct ienv e;
	uint64_t iova = 0x300000;
	unsigned char *view, b = 0x3c;
	int fd = memfd_create("vsmmu-iommufd-test", MFD_CLOEXEC);
	char *buf = ienv_buf(PG, PG);

	ASSERT_TRUE(fd >= 0);
	ASSERT_OK(ftruncate(fd, 4 * PG));
	ASSERT_OK(ienv_init(&e, NULL));
	ASSERT_OK(ienv_ioas(&e, &ioas));
	ASSERT_OK(ienv_bind(&e, 0, SID, &dev));
	pt = ioas;
	ASSERT_OK(vsmmu_iommufd_device_attach(e.ictx, dev, &pt));
	m.flags = FIXED;
	m.ioas_id = ioas;
	m.fd = fd;
	m.start = PG;
	m.length = 2 * PG;
	m.iova = iova;
	ASSERT_OK(ienv_ioctl(&e, IOMMU_IOAS_MAP_FILE, &m));
	/* The device writes the file's second page */
	ASSERT_OK(ienv_dma(&e, dev, iova + 5, &b, 1, true));
	view = mmap(NULL, 4 * PG, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_TRUE(view != MAP_FAILED);
	ASSERT_EQ(view[PG + 5], 0x3c);
	munmap(view, 4 * PG);
	/* Only file mappings: CHANGE_PROCESS succeeds */
	ASSERT_OK(ienv_ioctl(&e, IOMMU_IOAS_CHANGE_PROCESS, &cp));
	cp.__reserved = 1;
	ASSERT_EQ(ienv_ioctl(&e, IOMMU_IOAS_CHANGE_PROCESS, &cp), -EOPNOTSUPP);
	cp.__reserved = 0;
	iova = 0x500000;
	ASSERT_OK(ienv_map(&e, ioas, buf, PG, &iova, FIXED));
	ASSERT_EQ(ienv_ioctl(&e, IOMMU_IOAS_CHANGE_PROCESS, &cp), -EINVAL);
	/* Pages that cannot be pinned: EFAULT, however the process got
	 * there -- a writable pin of read-only memory, PROT_NONE memory, a
	 * file's pages beyond its end (in that order: the first two must
	 * not turn the pin check for the third into a looser one) */
	{
		char *ro = mmap(NULL, 2 * PG, PROT_READ,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		ASSERT_TRUE(ro != MAP_FAILED);
		ASSERT_OK(mprotect(ro + PG, PG, PROT_NONE));
		iova = 0x700000;
		ASSERT_EQ(ienv_map(&e, ioas, ro, PG, &iova, FIXED), -EFAULT);
		ASSERT_EQ(ienv_map(&e, ioas, ro + PG, PG, &iova,
				   IOMMU_IOAS_MAP_READABLE |
					   IOMMU_IOAS_MAP_FIXED_IOVA),
			  -EFAULT);
		munmap(ro, 2 * PG);
		m.iova = 0x800000;
		m.start = 2 * PG;
		m.length = 4 * PG; /* the file has 4 pages */
		ASSERT_EQ(ienv_ioctl(&e, IOMMU_IOAS_MAP_FILE, &m), -EFAULT);
		m.length = 2 * PG;
		ASSERT_OK(ienv_ioctl(&e, IOMMU_IOAS_MAP_FILE, &m));
	}
	/* MAP_FILE argument checks */
	m.fd = -1;
	ASSERT_EQ(ienv_ioctl(&e, IOMMU_IOAS_MAP_FILE, &m), -EBADF);
	m.fd = fd;
	m.flags = IOMMU_IOAS_MAP_FIXED_IOVA;
	ASSERT_EQ(ienv_ioctl(&e, IOMMU_IOAS_MAP_FILE, &m), -EINVAL);
	m.flags = FIXED | 0x100;
	ASSERT_EQ(ienv_ioctl(&e, IOMMU_IOAS_MAP_FILE, &m), -EOPNOTSUPP);
	ienv_fini(&e);
	close(fd);
	free(buf);
}
