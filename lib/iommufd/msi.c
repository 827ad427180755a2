// SPDX-License-Identifier: MIT
/*
 * MSI doorbells under nesting (../shared/seeds/001_*.txt).
 *
 * A device's MSI is a DMA write to the interrupt controller's doorbell.
 * Under nesting the guest programs its device with a guest IOVA (gIOVA)
 * that its own stage 1 maps to its doorbell, an IPA (gDB).  The VMM
 * names gDB here, and the layer maps gDB onto the host doorbell frame
 * (hDB) in the nest parent, so gIOVA -> gDB -> hDB works.  The review
 * points of the seed thread hold:
 *  - one lock (ctx->msi_lock) over every path that walks or changes the
 *    bindings: bind, unbind, and the nest parent's destruction;
 *  - the stage-2 mapping is at least as large as the guest's stage-1
 *    granule (the guest maps a whole granule at gDB, and the device's
 *    write may land anywhere in it), so it covers max(granule, 4 KiB) of
 *    the 64 KiB doorbell frame;
 *  - it is device memory, write-only and never executable (S2AP = W,
 *    MemAttr = Device, XN).
 * The range is reserved in the parent's IOAS so that no guest RAM can be
 * mapped over it, and mapping there fails if the IOAS already maps it.
 */
#include <errno.h>
#include <stdlib.h>

#include "iommufd/ifd.h"

static struct ifd_msi_bind *find(struct ifd_ctx *ctx,
				 struct ifd_hwpt_paging *hwpt, uint64_t base,
				 uint64_t size, struct ifd_msi_bind ***pprev)
{
	struct ifd_msi_bind **pp, *b;

	for (pp = &ctx->binds; (b = *pp); pp = &b->next) {
		if (b->hwpt == hwpt && b->gdb <= base + size - 1 &&
		    base <= b->gdb + b->size - 1) {
			if (pprev)
				*pprev = pp;
			return b;
		}
	}
	return NULL;
}

int vsmmu_iommufd_msi_bind(struct vsmmu_iommufd_ctx *uctx, uint32_t hwpt_id,
			   uint64_t gdb, uint64_t s1_granule)
{
	struct ifd_ctx *ctx = (struct ifd_ctx *)uctx;
	struct ifd_hwpt_paging *p;
	struct ifd_msi_bind *b;
	uint64_t size, base;
	int rc;

	if (!ctx ||
	    (s1_granule != 4096 && s1_granule != 16384 && s1_granule != 65536))
		return -EINVAL;
	size = s1_granule;
	base = gdb & ~(size - 1);
	p = (struct ifd_hwpt_paging *)ifd_obj_get(ctx, hwpt_id,
						  IFD_HWPT_PAGING);
	if (!p)
		return -ENOENT;
	if (!p->nest_parent || base >> p->ias) {
		rc = -EINVAL;
		goto out_put;
	}
	pthread_mutex_lock(&p->ioas->lock);
	pthread_mutex_lock(&ctx->msi_lock);
	if (find(ctx, p, base, size, NULL)) {
		rc = -EEXIST;
		goto out_unlock;
	}
	rc = -ENOMEM;
	b = ifd_zalloc(ctx, sizeof(*b));
	if (!b)
		goto out_unlock;
	b->hwpt = p;
	b->gdb = base;
	b->size = size;
	rc = ifd_ioas_reserve(p->ioas, base, base + size - 1, b);
	if (rc)
		goto out_free;
	rc = -ENOMEM;
	if (ifd_should_fail(ctx))
		goto out_unreserve;
	rc = vsmmu_drv_map(p->dom, base, ctx->doorbell_pa, size,
			   VSMMU_PROT_WRITE | VSMMU_PROT_MMIO);
	if (rc)
		goto out_unreserve;
	b->next = ctx->binds;
	ctx->binds = b;
	pthread_mutex_unlock(&ctx->msi_lock);
	pthread_mutex_unlock(&p->ioas->lock);
	ifd_obj_put(&p->common.obj);
	return 0;
out_unreserve:
	ifd_ioas_unreserve(p->ioas, b);
out_free:
	free(b);
out_unlock:
	pthread_mutex_unlock(&ctx->msi_lock);
	pthread_mutex_unlock(&p->ioas->lock);
out_put:
	ifd_obj_put(&p->common.obj);
	return rc;
}

/* With the IOAS and MSI locks held: unmap, unreserve and free @b. */
static void unbind_one(struct ifd_ctx *ctx, struct ifd_msi_bind **pp)
{
	struct ifd_msi_bind *b = *pp;

	*pp = b->next;
	vsmmu_drv_unmap(b->hwpt->dom, b->gdb, b->size, 0, NULL, NULL);
	ifd_ioas_unreserve(b->hwpt->ioas, b);
	free(b);
	(void)ctx;
}

int vsmmu_iommufd_msi_unbind(struct vsmmu_iommufd_ctx *uctx, uint32_t hwpt_id,
			     uint64_t gdb)
{
	struct ifd_ctx *ctx = (struct ifd_ctx *)uctx;
	struct ifd_msi_bind **pp;
	struct ifd_hwpt_paging *p;
	int rc = -ENOENT;

	if (!ctx)
		return -EINVAL;
	p = (struct ifd_hwpt_paging *)ifd_obj_get(ctx, hwpt_id,
						  IFD_HWPT_PAGING);
	if (!p)
		return -ENOENT;
	pthread_mutex_lock(&p->ioas->lock);
	pthread_mutex_lock(&ctx->msi_lock);
	if (find(ctx, p, gdb, 1, &pp)) {
		unbind_one(ctx, pp);
		rc = 0;
	}
	pthread_mutex_unlock(&ctx->msi_lock);
	pthread_mutex_unlock(&p->ioas->lock);
	ifd_obj_put(&p->common.obj);
	return rc;
}

void ifd_msi_unbind_hwpt(struct ifd_ctx *ctx, struct ifd_hwpt_paging *hwpt)
{
	struct ifd_msi_bind **pp;

	pthread_mutex_lock(&hwpt->ioas->lock);
	pthread_mutex_lock(&ctx->msi_lock);
	pp = &ctx->binds;
	while (*pp) {
		if ((*pp)->hwpt == hwpt)
			unbind_one(ctx, pp);
		else
			pp = &(*pp)->next;
	}
	pthread_mutex_unlock(&ctx->msi_lock);
	pthread_mutex_unlock(&hwpt->ioas->lock);
}
