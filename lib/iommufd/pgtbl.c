// SPDX-License-Identifier: MIT
/*
 * The driver page tables an IOAS is mirrored into: one area mapped into a
 * paging HWPT's domain (blocks wherever the alignment of IOVA and
 * physical address allow, one page at a time with HUGE_PAGES off) and
 * unmapped with the invalidation done before the call returns.  Below
 * both ioas.c (which mirrors every change) and hwpt.c (which fills a new
 * page table).
 */
#include <errno.h>

#include "iommufd/ifd.h"

#define PG VSMMU_MEM_PAGE_SIZE

static unsigned int area_prot(const struct ifd_area *a)
{
	/*
	 * As iommufd's conv_iommu_prot(): cacheable, READ / WRITE as asked,
	 * and no IOMMU_NOEXEC, so the page is executable.
	 */
	unsigned int prot = VSMMU_PROT_CACHE | VSMMU_PROT_EXEC;

	if (a->flags & IOMMU_IOAS_MAP_READABLE)
		prot |= VSMMU_PROT_READ;
	if (a->flags & IOMMU_IOAS_MAP_WRITEABLE)
		prot |= VSMMU_PROT_WRITE;
	return prot;
}

int ifd_hwpt_map_area(struct ifd_hwpt_paging *hwpt, struct ifd_ioas *ioas,
		      const struct ifd_area *a)
{
	struct ifd_ctx *ctx = hwpt->common.obj.ctx;
	uint64_t len = a->last - a->iova + 1, pa = ifd_area_pa(a, a->iova);
	uint64_t step = ioas->disable_large_pages ? PG : len, off;
	int rc = 0;

	for (off = 0; off < len; off += step) {
		if (ifd_should_fail(ctx)) {
			rc = -ENOMEM;
			break;
		}
		/* The library picks the largest blocks alignment allows */
		rc = vsmmu_drv_map(hwpt->dom, a->iova + off, pa + off, step,
				   area_prot(a));
		if (rc)
			break;
	}
	if (rc && off)
		ifd_hwpt_unmap_range(hwpt, a->iova, off);
	return rc;
}

void ifd_hwpt_unmap_range(struct ifd_hwpt_paging *hwpt, uint64_t iova,
			  uint64_t len)
{
	/* Strict: invalidated (TLBI + CMD_SYNC) before it returns */
	vsmmu_drv_unmap(hwpt->dom, iova, len, 0, NULL, NULL);
}
