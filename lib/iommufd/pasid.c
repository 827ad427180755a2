// SPDX-License-Identifier: MIT
/*
 * PASIDs of devices: attach, replace and detach a HWPT at a PASID
 * (VFIO_DEVICE_ATTACH_IOMMUFD_PT with VFIO_DEVICE_ATTACH_PASID; Linux's
 * iommufd_device_attach(idev, pasid, pt_id)), and the host-wide PASID
 * space (Linux's iommu_alloc_global_pasid()).
 *
 * Which HWPTs a PASID takes (Linux's pasid_compat rule, and vsmmu's
 * host-owned PASID table):
 *  - a paging HWPT allocated with IOMMU_HWPT_ALLOC_PASID (a stage-1
 *    domain), the device's own HWPT being stage 1 or bypass;
 *  - a guest-CD HWPT (IOMMU_HWPT_DATA_VSMMU_ARM_SMMUV3_CD), the device
 *    being attached to a nested HWPT of the same vIOMMU with a guest
 *    bypass STE (the driver checks the pairing: vsmmu_drv_attach_pasid).
 * Everything else is -EINVAL, as Linux refuses a HWPT that is not
 * PASID-compatible.  Attachments live in the device (dev->lock); their
 * FAULT queues are copied into the device's routes so that the event
 * paths find them under route_lock alone.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "iommufd/ifd.h"

#define PASID_SPACE (1U << 20) /* SSIDs are 20 bits */

/* The PASID width of @dev on its SMMU (what its master takes) */
static unsigned int dev_pasid_bits(const struct ifd_device *dev)
{
	unsigned int bits = dev->pasid_bits, smmu = dev->host->feat->ssid_bits;

	return bits < smmu ? bits : smmu;
}

static struct ifd_pasid_att *att_find(struct ifd_device *dev, uint32_t pasid)
{
	unsigned int i;

	for (i = 0; i < dev->npatt; i++)
		if (dev->patt[i].pasid == pasid)
			return &dev->patt[i];
	return NULL;
}

/* Can @hwpt be attached at a PASID at all? */
static bool pasid_capable(const struct ifd_hwpt *hwpt)
{
	if (hwpt->obj.type == IFD_HWPT_PAGING)
		return ((const struct ifd_hwpt_paging *)hwpt)->pasid_compat;
	return ((const struct ifd_hwpt_nested *)hwpt)->is_cd;
}

static struct vsmmu_drv_domain *hwpt_dom(const struct ifd_hwpt *hwpt)
{
	if (hwpt->obj.type == IFD_HWPT_PAGING)
		return ((const struct ifd_hwpt_paging *)hwpt)->dom;
	return ((const struct ifd_hwpt_nested *)hwpt)->dom;
}

/*
 * Show @dev's CD table to the VM of @parent (its stage 2) in a slot of the
 * CD window, for guest-CD PASIDs.  dev->lock held.
 */
static int expose_cdtab(struct ifd_device *dev, struct ifd_hwpt_paging *parent)
{
	unsigned int slot;
	int rc;

	if (dev->cd_parent)
		return dev->cd_parent == parent ? 0 : -EINVAL;
	pthread_mutex_lock(&parent->ioas->lock);
	for (slot = 0;
	     slot < VSMMU_IOMMUFD_CD_SLOTS && (parent->cd_slots & (1U << slot));
	     slot++)
		;
	if (slot < VSMMU_IOMMUFD_CD_SLOTS)
		parent->cd_slots |= (uint8_t)(1U << slot);
	pthread_mutex_unlock(&parent->ioas->lock);
	if (slot == VSMMU_IOMMUFD_CD_SLOTS)
		return -ENOSPC;
	rc = vsmmu_drv_master_set_cd_ipa(
		dev->master,
		VSMMU_IOMMUFD_CD_WINDOW + slot * VSMMU_IOMMUFD_CD_SLOT_SIZE);
	if (rc) {
		pthread_mutex_lock(&parent->ioas->lock);
		parent->cd_slots &= (uint8_t) ~(1U << slot);
		pthread_mutex_unlock(&parent->ioas->lock);
		return rc;
	}
	ifd_obj_hold(&parent->common.obj);
	dev->cd_parent = parent;
	dev->cd_slot = slot;
	return 0;
}

/* The last guest-CD PASID is gone: the CD table leaves the VM's view */
static void hide_cdtab(struct ifd_device *dev)
{
	struct ifd_hwpt_paging *parent = dev->cd_parent;

	if (!parent || dev->npatt)
		return;
	vsmmu_drv_master_set_cd_ipa(dev->master, 0);
	pthread_mutex_lock(&parent->ioas->lock);
	parent->cd_slots &= (uint8_t) ~(1U << dev->cd_slot);
	pthread_mutex_unlock(&parent->ioas->lock);
	dev->cd_parent = NULL;
	ifd_obj_put(&parent->common.obj);
}

/* dev->lock held */
static int change(struct ifd_device *dev, uint32_t pasid, struct ifd_hwpt *hwpt,
		  bool replace)
{
	struct ifd_pasid_att *a = att_find(dev, pasid), *n;
	struct ifd_hwpt *old;
	int rc;

	if (replace ? !a : !!a)
		return replace ? -EINVAL : -EBUSY;
	if (a && a->hwpt == hwpt)
		return 0;
	if (!a) {
		n = realloc(dev->patt, (dev->npatt + 1) * sizeof(*n));
		if (!n)
			return -ENOMEM;
		dev->patt = n;
	}
	if (ifd_should_fail(dev->obj.ctx))
		return -ENOMEM;
	if (hwpt->obj.type == IFD_HWPT_NESTED) {
		rc = expose_cdtab(dev,
				  ((struct ifd_hwpt_nested *)hwpt)->parent);
		if (rc)
			return rc;
	}
	/* The driver checks what the device's own domain allows */
	rc = vsmmu_drv_attach_pasid(dev->master, pasid, hwpt_dom(hwpt));
	if (rc) {
		hide_cdtab(dev);
		return rc;
	}
	ifd_obj_hold(&hwpt->obj);
	if (!a) {
		a = &dev->patt[dev->npatt++];
		a->pasid = pasid;
		a->hwpt = NULL;
	}
	old = a->hwpt;
	a->hwpt = hwpt;
	ifd_device_update_routes(dev);
	if (old) {
		/* Its groups no longer have anyone to answer them */
		if (old->fault && old->fault != hwpt->fault)
			ifd_fault_auto_respond(old->fault, dev, (int32_t)pasid);
		ifd_obj_put(&old->obj);
	}
	return 0;
}

/* dev->lock held */
static void detach_at(struct ifd_device *dev, struct ifd_pasid_att *a)
{
	struct ifd_hwpt *hwpt = a->hwpt;
	uint32_t pasid = a->pasid;

	vsmmu_drv_attach_pasid(dev->master, pasid, NULL);
	*a = dev->patt[--dev->npatt];
	hide_cdtab(dev);
	ifd_device_update_routes(dev);
	if (hwpt->fault)
		ifd_fault_auto_respond(hwpt->fault, dev, (int32_t)pasid);
	ifd_obj_put(&hwpt->obj);
}

void ifd_pasid_detach_all(struct ifd_device *dev)
{
	while (dev->npatt)
		detach_at(dev, &dev->patt[dev->npatt - 1]);
	free(dev->patt);
	dev->patt = NULL;
}

static int pasid_op(struct vsmmu_iommufd_ctx *uctx, uint32_t dev_id,
		    uint32_t pasid, uint32_t *pt_id, int op)
{
	struct ifd_ctx *ctx = (struct ifd_ctx *)uctx;
	struct ifd_hwpt *hwpt = NULL;
	struct ifd_pasid_att *a;
	struct ifd_device *dev;
	struct ifd_obj *pt;
	int rc;

	if (!ctx || (op >= 0 && !pt_id))
		return -EINVAL;
	dev = ifd_device_get(ctx, dev_id);
	if (!dev)
		return -ENOENT;
	rc = -EINVAL;
	/* PASID 0 is the device's own (IOMMU_NO_PASID) */
	if (!pasid || (uint64_t)pasid >> dev_pasid_bits(dev))
		goto out_put_dev;
	if (op >= 0) {
		pt = ifd_obj_get(ctx, *pt_id, IFD_ANY);
		if (!pt) {
			rc = -ENOENT;
			goto out_put_dev;
		}
		if (pt->type != IFD_HWPT_PAGING &&
		    pt->type != IFD_HWPT_NESTED) {
			ifd_obj_put(pt);
			goto out_put_dev;
		}
		hwpt = (struct ifd_hwpt *)pt;
		if (!pasid_capable(hwpt) || hwpt->host != dev->host)
			goto out_put_hwpt;
	}
	pthread_mutex_lock(&dev->lock);
	if (dev->unbinding) {
		rc = -ENOENT;
	} else if (op < 0) {
		a = att_find(dev, pasid);
		if (a)
			detach_at(dev, a);
		rc = a ? 0 : -EINVAL;
	} else {
		rc = change(dev, pasid, hwpt, op > 0);
	}
	pthread_mutex_unlock(&dev->lock);
out_put_hwpt:
	if (hwpt)
		ifd_obj_put(&hwpt->obj);
out_put_dev:
	ifd_obj_put(&dev->obj);
	return rc;
}

int vsmmu_iommufd_device_attach_pasid(struct vsmmu_iommufd_ctx *ctx,
				      uint32_t dev_id, uint32_t pasid,
				      uint32_t *pt_id)
{
	return pasid_op(ctx, dev_id, pasid, pt_id, 0);
}

int vsmmu_iommufd_device_replace_pasid(struct vsmmu_iommufd_ctx *ctx,
				       uint32_t dev_id, uint32_t pasid,
				       uint32_t *pt_id)
{
	return pasid_op(ctx, dev_id, pasid, pt_id, 1);
}

int vsmmu_iommufd_device_detach_pasid(struct vsmmu_iommufd_ctx *ctx,
				      uint32_t dev_id, uint32_t pasid)
{
	return pasid_op(ctx, dev_id, pasid, NULL, -1);
}

/* --- The host-wide PASID space ---------------------------------------------- */

int ifd_pasid_init_ctx(struct ifd_ctx *ctx)
{
	int rc = ida_init(&ctx->pasids, PASID_SPACE);

	ctx->pasids_ready = !rc;
	return rc;
}

void ifd_pasid_fini_ctx(struct ifd_ctx *ctx)
{
	if (ctx->pasids_ready)
		ida_fini(&ctx->pasids);
	ctx->pasids_ready = false;
}

int vsmmu_iommufd_pasid_alloc(struct vsmmu_iommufd_ctx *uctx, uint32_t dev_id,
			      uint32_t *pasid)
{
	struct ifd_ctx *ctx = (struct ifd_ctx *)uctx;
	struct ifd_device *dev;
	unsigned int bits;
	int id;

	if (!ctx || !pasid)
		return -EINVAL;
	dev = ifd_device_get(ctx, dev_id);
	if (!dev)
		return -ENOENT;
	bits = dev_pasid_bits(dev);
	ifd_obj_put(&dev->obj);
	if (!bits)
		return -EINVAL;
	/* PASID 0 is nobody's: the RID's traffic */
	id = ida_alloc(&ctx->pasids, 1, (1U << bits) - 1, false);
	if (id < 0)
		return id;
	*pasid = (uint32_t)id;
	return 0;
}

int vsmmu_iommufd_pasid_free(struct vsmmu_iommufd_ctx *uctx, uint32_t pasid)
{
	struct ifd_ctx *ctx = (struct ifd_ctx *)uctx;

	if (!ctx || !pasid || pasid >= PASID_SPACE ||
	    !ida_busy(&ctx->pasids, pasid))
		return -EINVAL;
	ida_free(&ctx->pasids, pasid);
	return 0;
}
