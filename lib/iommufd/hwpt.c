// SPDX-License-Identifier: MIT
/*
 * HWPT: hardware page tables.  A paging HWPT is a host driver domain
 * filled from an IOAS (stage 1 by default, as Linux's SMMUv3 driver
 * prefers it; stage 2 with IOMMU_HWPT_ALLOC_NEST_PARENT); a nested HWPT
 * is a guest's stage 1 (its STE words) over a nest parent, made on a
 * vIOMMU.  Commands: HWPT_ALLOC, HWPT_SET_DIRTY_TRACKING,
 * HWPT_GET_DIRTY_BITMAP, HWPT_INVALIDATE.
 *
 * The argument checks and their order are Linux's iommufd_hwpt_alloc(),
 * iommufd_hwpt_paging_alloc() and arm_smmu_domain_alloc_paging_flags():
 * __reserved: -EOPNOTSUPP; data type NONE with a length or a type without
 * one: -EINVAL; no such device: -ENOENT; no such pt_id (or one that is
 * neither an IOAS, a paging HWPT nor a vIOMMU): -EINVAL; unknown flags or
 * a combination the SMMU cannot do: -EOPNOTSUPP.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <vsmmu/arch.h>
#include <vsmmu/bits.h>
#include <vsmmu/entry.h>

#include "iommufd/ifd.h"

#define PG VSMMU_MEM_PAGE_SIZE

/* --- Paging HWPTs --------------------------------------------------------- */

static bool dbm_capable(const struct ifd_host *h)
{
	return h->feat->httu >= IDR0_HTTU_ACCESS_DIRTY && h->feat->coherent;
}

int ifd_hwpt_paging_create(struct ifd_ctx *ctx, struct ifd_ioas *ioas,
			   struct ifd_device *dev, uint32_t flags,
			   bool auto_domain, struct ifd_hwpt_paging **out)
{
	const uint32_t valid =
		IOMMU_HWPT_ALLOC_NEST_PARENT | IOMMU_HWPT_ALLOC_DIRTY_TRACKING |
		IOMMU_HWPT_FAULT_ID_VALID | IOMMU_HWPT_ALLOC_PASID;
	const struct vsmmu_drv_features *feat = dev->host->feat;
	struct vsmmu_drv_domain_cfg dcfg = { 0 };
	struct ifd_hwpt_paging *p;
	int rc;

	if (flags & ~valid)
		return -EOPNOTSUPP;
	if ((flags & IOMMU_HWPT_ALLOC_DIRTY_TRACKING) &&
	    !dbm_capable(dev->host))
		return -EOPNOTSUPP;
	p = (struct ifd_hwpt_paging *)ifd_obj_alloc(ctx, sizeof(*p),
						    IFD_HWPT_PAGING);
	if (!p)
		return -ENOMEM;
	p->common.host = dev->host;
	p->ioas = ioas;
	ifd_obj_hold(&ioas->obj);
	p->auto_domain = auto_domain;
	/* arm_smmu_domain_alloc_paging_flags() */
	rc = -EOPNOTSUPP;
	switch (flags & ~IOMMU_HWPT_FAULT_ID_VALID) {
	case 0:
		p->stage = feat->s1 ? 1 : 2;
		break;
	case IOMMU_HWPT_ALLOC_NEST_PARENT:
		if (!feat->s1 || !feat->s2)
			goto out_put_ioas;
		p->stage = 2;
		p->nest_parent = true;
		break;
	case IOMMU_HWPT_ALLOC_DIRTY_TRACKING:
		/*
		 * Linux tracks dirty state in a stage-1 domain (CD.HD); the
		 * host driver tracks it at stage 2 (STE.S2HD), which has the
		 * same IOVA -> PA view of the IOAS.  A stage 2 serves no
		 * PASIDs, so DIRTY_TRACKING | PASID is not offered.
		 */
		if (!feat->s2)
			goto out_put_ioas;
		p->stage = 2;
		p->dirty_tracking = true;
		break;
	case IOMMU_HWPT_ALLOC_PASID:
		if (!feat->s1)
			goto out_put_ioas;
		p->stage = 1;
		p->pasid_compat = true;
		break;
	default:
		goto out_put_ioas;
	}
	dcfg.type = p->stage == 1 ? VSMMU_DRV_DOMAIN_S1 : VSMMU_DRV_DOMAIN_S2;
	dcfg.nest_parent = p->nest_parent;
	dcfg.dirty_tracking = p->dirty_tracking;
	dcfg.ias = 48;
	if (p->stage == 2 && feat->oas < dcfg.ias)
		dcfg.ias = feat->oas;
	p->ias = dcfg.ias;
	rc = -ENOMEM;
	if (ifd_should_fail(ctx))
		goto out_put_ioas;
	rc = vsmmu_drv_domain_alloc(dev->host->drv, &dcfg, &p->dom);
	if (rc)
		goto out_put_ioas;
	pthread_mutex_lock(&ioas->lock);
	rc = ifd_ioas_add_hwpt(ioas, p);
	pthread_mutex_unlock(&ioas->lock);
	if (rc)
		goto out_free_dom;
	*out = p;
	return 0;
out_free_dom:
	vsmmu_drv_domain_free(p->dom);
out_put_ioas:
	ifd_obj_put(&ioas->obj);
	ifd_obj_abort(&p->common.obj);
	return rc;
}

void ifd_hwpt_paging_destroy(struct ifd_obj *obj)
{
	struct ifd_hwpt_paging *p = (struct ifd_hwpt_paging *)obj;

	pthread_mutex_lock(&p->ioas->lock);
	ifd_ioas_remove_hwpt(p->ioas, p);
	pthread_mutex_unlock(&p->ioas->lock);
	ifd_msi_unbind_hwpt(obj->ctx, p);
	vsmmu_drv_domain_free(p->dom);
	if (p->common.fault)
		ifd_fault_put(p->common.fault);
	ifd_obj_put(&p->ioas->obj);
}

void ifd_hwpt_nested_destroy(struct ifd_obj *obj)
{
	struct ifd_hwpt_nested *n = (struct ifd_hwpt_nested *)obj;

	if (n->dom)
		vsmmu_drv_domain_free(n->dom);
	if (n->common.fault)
		ifd_fault_put(n->common.fault);
	if (n->viommu)
		ifd_obj_put(&n->viommu->obj);
}

/* Install @hwpt (NULL: blocked) in the hardware for @dev; dev->lock held. */
int ifd_hwpt_install(struct ifd_device *dev, struct ifd_hwpt *hwpt);
int ifd_hwpt_install(struct ifd_device *dev, struct ifd_hwpt *hwpt)
{
	if (!hwpt)
		return vsmmu_drv_attach(dev->master, NULL);
	if (ifd_should_fail(dev->obj.ctx))
		return -ENOMEM;
	if (hwpt->obj.type == IFD_HWPT_PAGING)
		return vsmmu_drv_attach(dev->master,
					((struct ifd_hwpt_paging *)hwpt)->dom);
	return vsmmu_drv_attach(dev->master,
				((struct ifd_hwpt_nested *)hwpt)->dom);
}

/*
 * A nested HWPT on a vIOMMU (iommufd_viommu_alloc_hwpt_nested() and
 * arm_vsmmu_alloc_domain_nested()): another SMMU's device: -EINVAL;
 * flags other than FAULT_ID_VALID, or no data: -EOPNOTSUPP; the data not
 * an iommu_hwpt_arm_smmuv3 of 16 bytes: -EINVAL (iommu_copy_struct_from_
 * user(): the type must match and the length lie in [16, 16]); a guest
 * STE Linux refuses (vsmmu_ste_nested_check(), the one rule the driver
 * and the model's checker share): -EIO.
 */
/*
 * vsmmu's guest-CD HWPT (IOMMU_HWPT_DATA_VSMMU_ARM_SMMUV3_CD) on a
 * vIOMMU: the data exactly 64 bytes (-EINVAL otherwise), a CD the driver
 * refuses (V = 0, AA64 = 0, words 4-7 not zero): -EIO.
 */
static int cd_alloc(struct ifd_ucmd *ucmd, struct ifd_hwpt_nested *n)
{
	struct iommu_hwpt_alloc *cmd = ucmd->cmd;
	struct iommu_hwpt_vsmmu_arm_smmuv3_cd arg;
	int rc;

	rc = ifd_copy_user_data(ucmd->ctx, &arg, sizeof(arg), sizeof(arg.cd),
				cmd->data_type,
				IOMMU_HWPT_DATA_VSMMU_ARM_SMMUV3_CD,
				cmd->data_uptr, cmd->data_len);
	if (rc)
		return rc;
	n->is_cd = true;
	if (ifd_should_fail(ucmd->ctx))
		return -ENOMEM;
	return vsmmu_drv_nested_cd_alloc(n->viommu->vm,
					 (const uint64_t *)arg.cd, &n->dom);
}

static int nested_alloc(struct ifd_ucmd *ucmd, struct ifd_viommu *viommu,
			struct ifd_device *dev, struct ifd_hwpt **out)
{
	struct iommu_hwpt_alloc *cmd = ucmd->cmd;
	struct ifd_ctx *ctx = ucmd->ctx;
	struct iommu_hwpt_arm_smmuv3 arg;
	struct ifd_hwpt_nested *n;
	bool ats = false;
	int rc;

	if (viommu->host != dev->host)
		return -EINVAL;
	if (cmd->flags & ~IOMMU_HWPT_FAULT_ID_VALID)
		return -EOPNOTSUPP;
	if (!cmd->data_len)
		return -EOPNOTSUPP;
	n = (struct ifd_hwpt_nested *)ifd_obj_alloc(ctx, sizeof(*n),
						    IFD_HWPT_NESTED);
	if (!n)
		return -ENOMEM;
	n->common.host = viommu->host;
	n->viommu = viommu;
	ifd_obj_hold(&viommu->obj);
	n->parent = viommu->parent;
	if (cmd->data_type == IOMMU_HWPT_DATA_VSMMU_ARM_SMMUV3_CD) {
		rc = cd_alloc(ucmd, n);
		if (rc)
			goto out_abort;
		*out = &n->common;
		return 0;
	}
	rc = ifd_copy_user_data(ctx, &arg, sizeof(arg), sizeof(arg.ste),
				cmd->data_type, IOMMU_HWPT_DATA_ARM_SMMUV3,
				cmd->data_uptr, cmd->data_len);
	if (rc)
		goto out_abort;
	/* Little-endian words; the host is little-endian too */
	n->ste[0] = arg.ste[0];
	n->ste[1] = arg.ste[1];
	rc = vsmmu_ste_nested_check(n->ste, &ats);
	if (rc)
		goto out_abort;
	n->enable_ats = ats;
	rc = -ENOMEM;
	if (ifd_should_fail(ctx))
		goto out_abort;
	/* The driver takes the guest's words as given (EATS included: it
	 * decides about ATS itself) */
	rc = vsmmu_drv_nested_alloc(viommu->vm, (const uint64_t *)arg.ste,
				    &n->dom);
	if (rc)
		goto out_abort;
	*out = &n->common;
	return 0;
out_abort:
	ifd_obj_abort_destroy(&n->common.obj);
	return rc;
}

int ifd_cmd_hwpt_alloc(struct ifd_ucmd *ucmd)
{
	struct iommu_hwpt_alloc *cmd = ucmd->cmd;
	struct ifd_ctx *ctx = ucmd->ctx;
	struct ifd_hwpt_paging *paging;
	struct ifd_hwpt *hwpt = NULL;
	struct ifd_device *dev;
	struct ifd_fault *fault;
	struct ifd_obj *pt;
	int rc;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	if ((cmd->data_type == IOMMU_HWPT_DATA_NONE && cmd->data_len) ||
	    (cmd->data_type != IOMMU_HWPT_DATA_NONE && !cmd->data_len))
		return -EINVAL;
	dev = ifd_device_get(ctx, cmd->dev_id);
	if (!dev)
		return -ENOENT;
	pt = ifd_obj_get(ctx, cmd->pt_id, IFD_ANY);
	if (!pt) {
		rc = -EINVAL;
		goto out_put_dev;
	}
	switch (pt->type) {
	case IFD_IOAS:
		/* SMMUv3 takes no driver data for a paging domain */
		if (cmd->data_len) {
			rc = -EOPNOTSUPP;
			goto out_put_pt;
		}
		rc = ifd_hwpt_paging_create(ctx, (struct ifd_ioas *)pt, dev,
					    cmd->flags, false, &paging);
		if (!rc)
			hwpt = &paging->common;
		break;
	case IFD_HWPT_PAGING:
		/*
		 * A nested domain straight on a parent: SMMUv3 has no such
		 * operation (its nesting goes through a vIOMMU).
		 */
		rc = -EOPNOTSUPP;
		break;
	case IFD_VIOMMU:
		rc = nested_alloc(ucmd, (struct ifd_viommu *)pt, dev, &hwpt);
		break;
	default:
		rc = -EINVAL;
	}
	if (rc)
		goto out_put_pt;
	if (cmd->flags & IOMMU_HWPT_FAULT_ID_VALID) {
		fault = ifd_fault_get(ctx, cmd->fault_id);
		if (!fault) {
			rc = -ENOENT;
			goto out_abort;
		}
		hwpt->fault = fault; /* the lookup's reference is the HWPT's */
	}
	cmd->out_hwpt_id = hwpt->obj.id;
	rc = ifd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc)
		goto out_abort;
	ifd_obj_finalize(&hwpt->obj);
	goto out_put_pt;
out_abort:
	ifd_obj_abort_destroy(&hwpt->obj);
out_put_pt:
	ifd_obj_put(pt);
out_put_dev:
	ifd_obj_put(&dev->obj);
	return rc;
}

/* --- Dirty tracking -------------------------------------------------------- */

static struct ifd_hwpt_paging *paging_get(struct ifd_ctx *ctx, uint32_t id)
{
	return (struct ifd_hwpt_paging *)ifd_obj_get(ctx, id, IFD_HWPT_PAGING);
}

static void dirty_discard(void *arg, uint64_t iova, uint64_t size)
{
}

/*
 * HWPT_SET_DIRTY_TRACKING: as Linux's SMMUv3, the hardware always
 * records dirty state in a dirty-tracking table; enabling starts a clean
 * snapshot (every dirty bit of the IOAS's mappings is cleared first, as
 * iopt_set_dirty_tracking() does), disabling changes nothing.
 */
int ifd_cmd_hwpt_set_dirty_tracking(struct ifd_ucmd *ucmd)
{
	struct iommu_hwpt_set_dirty_tracking *cmd = ucmd->cmd;
	struct ifd_hwpt_paging *p;
	struct ifd_ioas *ioas;
	int64_t n = 0;
	size_t i;

	if (cmd->flags & ~IOMMU_HWPT_DIRTY_TRACKING_ENABLE)
		return -EOPNOTSUPP;
	p = paging_get(ucmd->ctx, cmd->hwpt_id);
	if (!p)
		return -ENOENT;
	/* A page table without dirty tracking has no dirty operations */
	if (!p->dirty_tracking) {
		ifd_obj_put(&p->common.obj);
		return -EOPNOTSUPP;
	}
	ioas = p->ioas;
	pthread_mutex_lock(&ioas->lock);
	if (cmd->flags & IOMMU_HWPT_DIRTY_TRACKING_ENABLE) {
		for (i = 0; i < ioas->nareas && n >= 0; i++) {
			const struct ifd_area *a = ioas->areas[i];

			n = vsmmu_drv_domain_read_dirty(p->dom, a->iova,
							a->last - a->iova + 1,
							0, dirty_discard, NULL);
		}
	}
	pthread_mutex_unlock(&ioas->lock);
	ifd_obj_put(&p->common.obj);
	return n < 0 ? (int)n : 0;
}

/*
 * GET_DIRTY_BITMAP's walk: bit i of the caller's bitmap (byte i / 8, bit
 * i % 8: unsigned longs of a little-endian machine) is the page_size page
 * at iova + i * page_size.  Bits are only ever set, never cleared (as
 * Linux's iova_bitmap).  The bitmap is handled a chunk of bytes at a
 * time: read from the caller and written back unchanged before the dirty
 * state is read (and cleared), so that a bad pointer fails with -EFAULT
 * before any dirty state is lost, as Linux pins the bitmap first.
 */
#define DIRTY_CHUNK 4096U /* bytes of bitmap per step */

struct dirty_walk {
	uint64_t base; /* the bitmap's first IOVA */
	unsigned int shift; /* log2 of the bitmap's page size */
	uint64_t byte0; /* first bitmap byte in @buf */
	uint64_t lo, hi; /* the chunk's IOVA range (inclusive) */
	uint8_t buf[DIRTY_CHUNK];
};

static void dirty_set(void *arg, uint64_t iova, uint64_t size)
{
	struct dirty_walk *w = arg;
	uint64_t last = iova + size - 1, b, e;

	iova = iova < w->lo ? w->lo : iova;
	last = last > w->hi ? w->hi : last;
	if (iova > last)
		return;
	b = (iova - w->base) >> w->shift;
	e = (last - w->base) >> w->shift;
	for (; b <= e; b++)
		w->buf[b / 8 - w->byte0] |= (uint8_t)(1U << (b % 8));
}

/* Read (and clear unless NO_CLEAR) [lo, hi] into the caller's bitmap. */
static int dirty_range(struct ifd_ctx *ctx, struct ifd_hwpt_paging *p,
		       const struct iommu_hwpt_get_dirty_bitmap *cmd,
		       struct dirty_walk *w, uint64_t lo, uint64_t hi)
{
	unsigned int flags =
		(cmd->flags & IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR) ?
			VSMMU_DRV_DIRTY_NO_CLEAR :
			0;
	uint64_t span = (uint64_t)DIRTY_CHUNK * 8 << w->shift;
	uint64_t b0, b1, end;
	int64_t n;
	int rc;

	while (lo <= hi) {
		/* This chunk: the bitmap bytes from lo's, DIRTY_CHUNK at most */
		b0 = ((lo - w->base) >> w->shift) / 8;
		end = w->base + ((b0 * 8) << w->shift) + span - 1;
		w->lo = lo;
		w->hi = end < hi && end > lo ? end : hi;
		b1 = ((w->hi - w->base) >> w->shift) / 8;
		if (b1 - b0 >= DIRTY_CHUNK)
			return -EINVAL; /* cannot happen: span is the chunk's */
		w->byte0 = b0;
		rc = ifd_copy_from_user(ctx, w->buf, cmd->data + b0,
					b1 - b0 + 1);
		if (!rc)
			rc = ifd_copy_to_user(ctx, cmd->data + b0, w->buf,
					      b1 - b0 + 1);
		if (rc)
			return rc;
		n = vsmmu_drv_domain_read_dirty(
			p->dom, w->lo, w->hi - w->lo + 1, flags, dirty_set, w);
		if (n < 0)
			return (int)n;
		if (n > 0) {
			rc = ifd_copy_to_user(ctx, cmd->data + b0, w->buf,
					      b1 - b0 + 1);
			if (rc)
				return rc;
		}
		if (w->hi == hi)
			break;
		lo = w->hi + 1;
	}
	return 0;
}

int ifd_cmd_hwpt_get_dirty_bitmap(struct ifd_ucmd *ucmd)
{
	struct iommu_hwpt_get_dirty_bitmap *cmd = ucmd->cmd;
	struct ifd_hwpt_paging *p;
	struct dirty_walk *w = NULL;
	struct ifd_ioas *ioas;
	uint64_t last, align, cur;
	size_t i;
	int rc;

	if ((cmd->flags & ~IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR) ||
	    cmd->__reserved)
		return -EOPNOTSUPP;
	p = paging_get(ucmd->ctx, cmd->hwpt_id);
	if (!p)
		return -ENOENT;
	ioas = p->ioas;
	pthread_mutex_lock(&ioas->lock);
	/* iommufd_check_iova_range() */
	align = ioas->iova_alignment;
	last = cmd->iova + cmd->length - 1;
	rc = -EOVERFLOW;
	if (cmd->length && last < cmd->iova)
		goto out;
	if (!cmd->length && cmd->iova == 0)
		goto out; /* iova + length - 1 wraps */
	rc = -EINVAL;
	if ((cmd->iova & (align - 1)) || ((last + 1) & (align - 1)))
		goto out;
	if (!cmd->page_size)
		goto out;
	if ((cmd->iova & (cmd->page_size - 1)) ||
	    ((last + 1) & (cmd->page_size - 1)))
		goto out;
	/* iommu_read_and_clear_dirty(): no dirty operations */
	rc = -EOPNOTSUPP;
	if (!p->dirty_tracking)
		goto out;
	/*
	 * The range must be mapped without a hole (Linux's walk of the
	 * contiguous areas ends in -EINVAL otherwise); checked before
	 * anything is read, so a refused call clears nothing.
	 */
	rc = -EINVAL;
	cur = cmd->iova;
	for (i = 0; i < ioas->nareas && cur <= last; i++) {
		const struct ifd_area *a = ioas->areas[i];

		if (a->last < cur)
			continue;
		if (a->iova > cur)
			goto out;
		if (a->last >= last)
			break;
		cur = a->last + 1;
	}
	if (i == ioas->nareas)
		goto out;
	rc = -ENOMEM;
	w = malloc(sizeof(*w));
	if (!w || ifd_should_fail(ucmd->ctx))
		goto out;
	w->base = cmd->iova;
	/* iova_bitmap_alloc(): the page size's lowest set bit */
	w->shift = (unsigned int)__builtin_ctzll(cmd->page_size);
	rc = dirty_range(ucmd->ctx, p, cmd, w, cmd->iova, last);
out:
	pthread_mutex_unlock(&ioas->lock);
	free(w);
	ifd_obj_put(&p->common.obj);
	return rc;
}

/* --- Invalidation ---------------------------------------------------------- */

int ifd_viommu_invalidate(struct ifd_viommu *viommu, struct ifd_ctx *ctx,
			  struct iommu_hwpt_invalidate *cmd, uint32_t *done);

int ifd_cmd_hwpt_invalidate(struct ifd_ucmd *ucmd)
{
	struct iommu_hwpt_invalidate *cmd = ucmd->cmd;
	struct ifd_obj *pt;
	uint32_t done = 0;
	int rc;

	if (cmd->__reserved) {
		rc = -EOPNOTSUPP;
		goto out;
	}
	if (cmd->entry_num && (!cmd->data_uptr || !cmd->entry_len)) {
		rc = -EINVAL;
		goto out;
	}
	pt = ifd_obj_get(ucmd->ctx, cmd->hwpt_id, IFD_ANY);
	if (!pt) {
		rc = -ENOENT;
		goto out;
	}
	if (pt->type == IFD_HWPT_NESTED)
		rc = -EOPNOTSUPP; /* an SMMUv3 nested domain has none */
	else if (pt->type == IFD_VIOMMU)
		rc = ifd_viommu_invalidate((struct ifd_viommu *)pt, ucmd->ctx,
					   cmd, &done);
	else
		rc = -EINVAL;
	ifd_obj_put(pt);
out:
	cmd->entry_num = done;
	if (ifd_ucmd_respond(ucmd, sizeof(*cmd)))
		return -EFAULT;
	return rc;
}
