// SPDX-License-Identifier: MIT
/*
 * DEVICE: a device bound to the context (VFIO_DEVICE_BIND_IOMMUFD), its
 * attachment to a page table (VFIO_DEVICE_ATTACH_IOMMUFD_PT and
 * DETACH), IOMMU_GET_HW_INFO, and the software MSI window (the routing
 * of its events is route.c's, its PASIDs pasid.c's).
 *
 * Attaching follows Linux's iommufd_device_attach(): an IOAS id means
 * "an automatic paging HWPT of that IOAS" (an existing one of the same
 * SMMU is reused, else one is made and published, and its id is written
 * back); the device's reserved regions and the SMMU's MSI window
 * (0x8000000, 1 MiB) are reserved in the IOAS of the page table (of the
 * parent, for a nested one) and must not be mapped there (-EADDRINUSE);
 * for a paging HWPT the doorbell is mapped at the window's first page,
 * which is where the device's MSIs then go.  Attach of an attached
 * device is -EBUSY; replace needs an attached device (-EINVAL) and
 * switches without blocking DMA (the driver rewrites the STE hitlessly);
 * an automatic HWPT that loses its last device is destroyed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <vsmmu/arch.h>
#include <vsmmu/bits.h>

#include "iommufd/ifd.h"

static struct ifd_hwpt_paging *find_paging(struct ifd_hwpt *hwpt)
{
	if (hwpt->obj.type == IFD_HWPT_PAGING)
		return (struct ifd_hwpt_paging *)hwpt;
	return ((struct ifd_hwpt_nested *)hwpt)->parent;
}

/* --- The software MSI window ------------------------------------------- */

int ifd_sw_msi_map(struct ifd_hwpt_paging *hwpt, uint64_t *iova)
{
	struct ifd_ctx *ctx = hwpt->common.obj.ctx;
	int rc;

	*iova = VSMMU_IOMMUFD_SW_MSI_BASE;
	if (hwpt->sw_msi_mapped & 1)
		return 0;
	if (ifd_should_fail(ctx))
		return -ENOMEM;
	rc = vsmmu_drv_map(
		hwpt->dom, *iova, ctx->doorbell_pa, VSMMU_MEM_PAGE_SIZE,
		VSMMU_PROT_READ | VSMMU_PROT_WRITE | VSMMU_PROT_MMIO);
	if (rc)
		return rc;
	hwpt->sw_msi_mapped |= 1;
	return 0;
}

/* --- Attach, replace, detach -------------------------------------------- */

static int reserve_dev(struct ifd_ioas *ioas, struct ifd_device *dev)
{
	unsigned int i;
	int rc;

	for (i = 0; i < dev->nresv; i++) {
		rc = ifd_ioas_reserve(ioas, dev->resv[i].start,
				      dev->resv[i].last, dev);
		if (rc)
			goto undo;
	}
	rc = ifd_ioas_reserve(
		ioas, VSMMU_IOMMUFD_SW_MSI_BASE,
		VSMMU_IOMMUFD_SW_MSI_BASE + VSMMU_IOMMUFD_SW_MSI_SIZE - 1, dev);
	if (!rc)
		return 0;
undo:
	ifd_ioas_unreserve(ioas, dev);
	return rc;
}

/* Install @hwpt in the hardware for @dev (dev->lock held). */
int ifd_hwpt_install(struct ifd_device *dev, struct ifd_hwpt *hwpt);

static void hwpt_drop(struct ifd_hwpt *hwpt)
{
	struct ifd_hwpt_paging *p;

	if (hwpt->obj.type == IFD_HWPT_PAGING) {
		p = (struct ifd_hwpt_paging *)hwpt;
		pthread_mutex_lock(&p->ioas->lock);
		p->attached--;
		pthread_mutex_unlock(&p->ioas->lock);
		ifd_obj_put(&hwpt->obj);
		/* An automatic page table goes with its last device */
		if (p->auto_domain && !p->attached)
			ifd_obj_remove(&hwpt->obj, false);
		return;
	}
	ifd_obj_put(&hwpt->obj);
}

/*
 * Make @hwpt the device's page table (@old: the current one, for a
 * replace).  dev->lock held.
 */
static int do_attach(struct ifd_device *dev, struct ifd_hwpt *hwpt,
		     struct ifd_hwpt *old)
{
	struct ifd_hwpt_paging *paging = find_paging(hwpt), *old_paging;
	bool new_ioas;
	uint64_t msi_iova = 0;
	int rc;

	if (hwpt->host != dev->host)
		return -EINVAL;
	if (hwpt->obj.type == IFD_HWPT_NESTED) {
		struct ifd_hwpt_nested *n = (struct ifd_hwpt_nested *)hwpt;

		/*
		 * arm_smmu_attach_prepare_vmaster(): a guest stage 1 needs the
		 * device's vDEVICE in that vIOMMU (CD and ATC invalidations and
		 * events need its vSID); abort and bypass do not.
		 */
		if (VS_FIELD_GET(STRTAB_STE_0_CFG, n->ste[0]) ==
			    STRTAB_STE_0_CFG_S1_TRANS &&
		    (!dev->vdev || dev->vdev->viommu != n->viommu))
			return -ENOENT;
	}
	old_paging = old ? find_paging(old) : NULL;
	new_ioas = !old_paging || old_paging->ioas != paging->ioas;
	pthread_mutex_lock(&paging->ioas->lock);
	if (new_ioas) {
		rc = reserve_dev(paging->ioas, dev);
		if (rc)
			goto out_unlock;
	}
	if (hwpt->obj.type == IFD_HWPT_PAGING) {
		rc = ifd_sw_msi_map(paging, &msi_iova);
		if (rc)
			goto out_unreserve;
	}
	rc = ifd_hwpt_install(dev, hwpt);
	if (rc)
		goto out_unreserve;
	if (hwpt->obj.type == IFD_HWPT_PAGING)
		paging->attached++;
	pthread_mutex_unlock(&paging->ioas->lock);
	ifd_obj_hold(&hwpt->obj);
	dev->hwpt = hwpt;
	if (hwpt->obj.type == IFD_HWPT_PAGING) {
		dev->msi_addr = msi_iova + VSMMU_IOMMUFD_GITS_TRANSLATER;
		dev->msi_valid = true;
	} else {
		dev->msi_valid = false; /* the guest programs it */
	}
	ifd_device_update_routes(dev);
	if (old) {
		if (old->fault && old->fault != hwpt->fault)
			ifd_fault_auto_respond(old->fault, dev, IFD_VIA_RID);
		if (new_ioas) {
			pthread_mutex_lock(&old_paging->ioas->lock);
			ifd_ioas_unreserve(old_paging->ioas, dev);
			pthread_mutex_unlock(&old_paging->ioas->lock);
		}
		hwpt_drop(old);
	}
	return 0;
out_unreserve:
	if (new_ioas)
		ifd_ioas_unreserve(paging->ioas, dev);
out_unlock:
	pthread_mutex_unlock(&paging->ioas->lock);
	return rc;
}

/*
 * The automatic page table for @ioas (ioas->lock not held): reuse one of
 * the device's SMMU, else make one.  Returns it with a lookup reference.
 */
static int auto_hwpt(struct ifd_device *dev, struct ifd_ioas *ioas,
		     struct ifd_hwpt **out, bool *made)
{
	struct ifd_ctx *ctx = dev->obj.ctx;
	struct ifd_hwpt_paging *p = NULL, *cand;
	struct ifd_obj *obj;
	size_t i;
	int rc;

	*made = false;
	pthread_mutex_lock(&ioas->lock);
	for (i = 0; i < ioas->nhwpts && !p; i++) {
		cand = ioas->hwpts[i];
		if (!cand->auto_domain || cand->common.host != dev->host)
			continue;
		/* Through the table: one being destroyed is gone from it */
		obj = ifd_obj_get(ctx, cand->common.obj.id, IFD_HWPT_PAGING);
		if (obj == &cand->common.obj)
			p = cand;
		else if (obj)
			ifd_obj_put(obj);
	}
	pthread_mutex_unlock(&ioas->lock);
	if (!p) {
		rc = ifd_hwpt_paging_create(ctx, ioas, dev, 0, true, &p);
		if (rc)
			return rc;
		ifd_obj_hold(&p->common.obj);
		*made = true;
	}
	*out = &p->common;
	return 0;
}

static int change_pt(struct vsmmu_iommufd_ctx *uctx, uint32_t dev_id,
		     uint32_t *pt_id, bool replace)
{
	struct ifd_ctx *ctx = (struct ifd_ctx *)uctx;
	struct ifd_hwpt *hwpt = NULL;
	struct ifd_device *dev;
	struct ifd_obj *pt;
	bool made = false;
	int rc;

	if (!ctx || !pt_id)
		return -EINVAL;
	dev = ifd_device_get(ctx, dev_id);
	if (!dev)
		return -ENOENT;
	pthread_mutex_lock(&dev->lock);
	if (dev->unbinding)
		rc = -ENOENT;
	else if (replace)
		rc = dev->hwpt ? 0 : -EINVAL;
	else
		rc = dev->hwpt ? -EBUSY : 0;
	if (rc)
		goto out_unlock;
	pt = ifd_obj_get(ctx, *pt_id, IFD_ANY);
	if (!pt) {
		rc = -ENOENT;
		goto out_unlock;
	}
	switch (pt->type) {
	case IFD_IOAS:
		rc = auto_hwpt(dev, (struct ifd_ioas *)pt, &hwpt, &made);
		break;
	case IFD_HWPT_NESTED:
		/* A guest CD is a PASID's, never the device's own */
		if (((struct ifd_hwpt_nested *)pt)->is_cd) {
			rc = -EINVAL;
			break;
		}
		/* fall through */
	case IFD_HWPT_PAGING:
		hwpt = (struct ifd_hwpt *)pt;
		ifd_obj_hold(pt);
		break;
	default:
		rc = -EINVAL;
	}
	ifd_obj_put(pt);
	if (rc)
		goto out_unlock;
	if (hwpt == dev->hwpt) {
		rc = 0; /* replace with the same page table: nothing to do */
	} else {
		rc = do_attach(dev, hwpt, replace ? dev->hwpt : NULL);
	}
	if (made) {
		if (rc)
			ifd_obj_abort_destroy(&hwpt->obj);
		else
			ifd_obj_finalize(&hwpt->obj);
	}
	if (!rc)
		*pt_id = hwpt->obj.id;
	if (!made || !rc)
		ifd_obj_put(&hwpt->obj);
out_unlock:
	pthread_mutex_unlock(&dev->lock);
	ifd_obj_put(&dev->obj);
	return rc;
}

int vsmmu_iommufd_device_attach(struct vsmmu_iommufd_ctx *ctx, uint32_t dev_id,
				uint32_t *pt_id)
{
	return change_pt(ctx, dev_id, pt_id, false);
}

int vsmmu_iommufd_device_replace(struct vsmmu_iommufd_ctx *ctx, uint32_t dev_id,
				 uint32_t *pt_id)
{
	return change_pt(ctx, dev_id, pt_id, true);
}

/* dev->lock held. */
static void do_detach(struct ifd_device *dev)
{
	struct ifd_hwpt *hwpt = dev->hwpt;
	struct ifd_hwpt_paging *paging = find_paging(hwpt);

	ifd_pasid_detach_all(dev); /* the PASIDs go with the device's HWPT */
	ifd_hwpt_install(dev, NULL);
	dev->hwpt = NULL;
	dev->msi_valid = false;
	ifd_device_update_routes(dev);
	if (hwpt->fault)
		ifd_fault_auto_respond(hwpt->fault, dev, IFD_VIA_RID);
	pthread_mutex_lock(&paging->ioas->lock);
	ifd_ioas_unreserve(paging->ioas, dev);
	pthread_mutex_unlock(&paging->ioas->lock);
	hwpt_drop(hwpt);
}

int vsmmu_iommufd_device_detach(struct vsmmu_iommufd_ctx *uctx, uint32_t dev_id)
{
	struct ifd_ctx *ctx = (struct ifd_ctx *)uctx;
	struct ifd_device *dev;
	int rc = 0;

	if (!ctx)
		return -EINVAL;
	dev = ifd_device_get(ctx, dev_id);
	if (!dev)
		return -ENOENT;
	pthread_mutex_lock(&dev->lock);
	if (dev->hwpt)
		do_detach(dev);
	else
		rc = -EINVAL;
	pthread_mutex_unlock(&dev->lock);
	ifd_obj_put(&dev->obj);
	return rc;
}

/* --- Bind and unbind --------------------------------------------------------- */

int vsmmu_iommufd_device_bind(struct vsmmu_iommufd_ctx *uctx,
			      const struct vsmmu_iommufd_dev_cfg *cfg,
			      uint32_t *out_dev_id)
{
	struct ifd_ctx *ctx = (struct ifd_ctx *)uctx;
	struct ifd_device *dev;
	unsigned int i;
	int rc;

	if (!ctx || !cfg || !out_dev_id || cfg->host >= ctx->nhosts ||
	    !cfg->sids || !cfg->nsids || cfg->nsids > 64 ||
	    cfg->pasid_bits > 20 || cfg->nresv > 64 ||
	    (cfg->nresv && !cfg->resv))
		return -EINVAL;
	for (i = 0; i < cfg->nresv; i++)
		if (cfg->resv[i].start > cfg->resv[i].last)
			return -EINVAL;
	dev = (struct ifd_device *)ifd_obj_alloc(ctx, sizeof(*dev), IFD_DEVICE);
	if (!dev)
		return -ENOMEM;
	dev->host = &ctx->hosts[cfg->host];
	dev->nsids = cfg->nsids;
	dev->pasid_bits = cfg->pasid_bits;
	dev->ats = cfg->ats;
	dev->pri = cfg->pri;
	pthread_mutex_init(&dev->lock, NULL);
	rc = -ENOMEM;
	dev->sids = ifd_zalloc(ctx, cfg->nsids * sizeof(*dev->sids));
	if (!dev->sids)
		goto out_abort;
	memcpy(dev->sids, cfg->sids, cfg->nsids * sizeof(*dev->sids));
	if (cfg->nresv) {
		dev->resv = ifd_zalloc(ctx, cfg->nresv * sizeof(*dev->resv));
		if (!dev->resv)
			goto out_free_sids;
		memcpy(dev->resv, cfg->resv, cfg->nresv * sizeof(*dev->resv));
		dev->nresv = cfg->nresv;
	}
	rc = ifd_routes_add(dev);
	if (rc)
		goto out_free_resv;
	if (ifd_should_fail(ctx)) {
		rc = -ENOMEM;
		goto out_routes;
	}
	rc = vsmmu_drv_master_create(dev->host->drv, dev->sids, dev->nsids,
				     dev->pasid_bits, &dev->master);
	if (rc)
		goto out_routes;
	/* A PRI endpoint asks for pages through ATS: on an SMMU with ATS it
	 * uses it wherever its STE translates (a nested STE still needs the
	 * guest to ask, EATS).  ATS-only endpoints translate untranslated:
	 * their ATC is not modelled here */
	if (dev->ats && dev->pri && dev->host->feat->ats) {
		rc = vsmmu_drv_master_enable_ats(dev->master, true);
		if (rc) {
			vsmmu_drv_master_destroy(dev->master);
			goto out_routes;
		}
	}
	/* The binder (VFIO) holds the device until unbind */
	ifd_obj_hold(&dev->obj);
	*out_dev_id = dev->obj.id;
	ifd_obj_finalize(&dev->obj);
	return 0;
out_routes:
	ifd_routes_del(dev);
out_free_resv:
	free(dev->resv);
out_free_sids:
	free(dev->sids);
out_abort:
	pthread_mutex_destroy(&dev->lock);
	ifd_obj_abort(&dev->obj);
	return rc;
}

/*
 * Remove @obj (on which the caller holds a reference if @held), waiting
 * (up to Linux's 60 s, in 1 ms steps) for lookups in flight to end.  For
 * objects that must go whatever the caller does: a vDEVICE whose device
 * is unbound, the device itself.
 */
static int remove_wait(struct ifd_obj *obj, bool held)
{
	struct timespec ms = { 0, 1000000 };
	unsigned int i;

	for (i = 0; i < 60000; i++) {
		if (!ifd_obj_remove(obj, held))
			return 0;
		nanosleep(&ms, NULL);
	}
	return -EBUSY;
}

static int unbind(struct ifd_device *dev)
{
	struct ifd_vdevice *vdev;

	pthread_mutex_lock(&dev->lock);
	dev->unbinding = true; /* no new vDEVICE or attachment */
	vdev = dev->vdev;
	if (vdev)
		ifd_obj_hold(&vdev->obj);
	pthread_mutex_unlock(&dev->lock);
	/* Its destroy clears dev->vdev under dev->lock */
	if (vdev && remove_wait(&vdev->obj, true))
		ifd_obj_put(&vdev->obj);
	pthread_mutex_lock(&dev->lock);
	if (dev->hwpt)
		do_detach(dev);
	pthread_mutex_unlock(&dev->lock);
	ifd_obj_put(&dev->obj); /* the binder's reference */
	return remove_wait(&dev->obj, false);
}

int vsmmu_iommufd_device_unbind(struct vsmmu_iommufd_ctx *uctx, uint32_t dev_id)
{
	struct ifd_ctx *ctx = (struct ifd_ctx *)uctx;
	struct ifd_device *dev;

	if (!ctx)
		return -EINVAL;
	dev = ifd_device_get(ctx, dev_id);
	if (!dev)
		return -ENOENT;
	ifd_obj_put(&dev->obj);
	return unbind(dev);
}

void ifd_devices_unbind_all(struct ifd_ctx *ctx);
void ifd_devices_unbind_all(struct ifd_ctx *ctx)
{
	uint32_t id;

	for (id = 1; id < ctx->nslots; id++) {
		struct ifd_obj *obj = ctx->slots[id];

		if (obj && obj != IFD_RESERVED && obj->type == IFD_DEVICE)
			unbind((struct ifd_device *)obj);
	}
}

void ifd_device_destroy(struct ifd_obj *obj)
{
	struct ifd_device *dev = (struct ifd_device *)obj;

	vsmmu_drv_master_destroy(dev->master);
	ifd_routes_del(dev);
	free(dev->patt);
	free(dev->resv);
	free(dev->sids);
	pthread_mutex_destroy(&dev->lock);
}

/* --- IOMMU_GET_HW_INFO ------------------------------------------------------ */

static int smmu_info(struct ifd_host *h, struct iommu_hw_info_arm_smmuv3 *i)
{
	unsigned int n;
	uint64_t v;
	int rc = 0;

	memset(i, 0, sizeof(*i));
	for (n = 0; n < 6 && !rc; n++) {
		rc = vsmmu_smmu_mmio_read(h->smmu, ARM_SMMU_IDR0 + 4 * n, 4,
					  &v);
		i->idr[n] = (uint32_t)v;
	}
	if (!rc)
		rc = vsmmu_smmu_mmio_read(h->smmu, ARM_SMMU_IIDR, 4, &v);
	i->iidr = (uint32_t)v;
	if (!rc)
		rc = vsmmu_smmu_mmio_read(h->smmu, ARM_SMMU_AIDR, 4, &v);
	i->aidr = (uint32_t)v;
	return rc;
}

int ifd_cmd_get_hw_info(struct ifd_ucmd *ucmd)
{
	struct iommu_hw_info *cmd = ucmd->cmd;
	struct ifd_ctx *ctx = ucmd->ctx;
	union {
		struct iommu_hw_info_arm_smmuv3 smmu;
		struct iommu_hw_info_tegra241_cmdqv cmdqv;
	} data;
	struct vsmmu_drv_cmdqv_info qi;
	struct ifd_device *dev;
	uint32_t len, copy;
	int rc;

	if (cmd->flags & ~IOMMU_HW_INFO_FLAG_INPUT_TYPE)
		return -EOPNOTSUPP;
	if (cmd->__reserved[0] || cmd->__reserved[1] || cmd->__reserved[2])
		return -EOPNOTSUPP;
	if (!(cmd->flags & IOMMU_HW_INFO_FLAG_INPUT_TYPE))
		cmd->in_data_type = IOMMU_HW_INFO_TYPE_DEFAULT;
	dev = ifd_device_get(ctx, cmd->dev_id);
	if (!dev)
		return -ENOENT;
	memset(&data, 0, sizeof(data));
	switch (cmd->in_data_type) {
	case IOMMU_HW_INFO_TYPE_DEFAULT:
	case IOMMU_HW_INFO_TYPE_ARM_SMMUV3:
		rc = smmu_info(dev->host, &data.smmu);
		len = sizeof(data.smmu);
		cmd->out_data_type = IOMMU_HW_INFO_TYPE_ARM_SMMUV3;
		break;
	case IOMMU_HW_INFO_TYPE_TEGRA241_CMDQV:
		vsmmu_drv_cmdqv_get_info(dev->host->drv, &qi);
		rc = -EOPNOTSUPP;
		if (!qi.present || !qi.num_vintfs)
			break;
		rc = 0;
		data.cmdqv.version = qi.version;
		data.cmdqv.log2vcmdqs =
			__builtin_ctz(qi.num_vcmdqs / qi.num_vintfs);
		data.cmdqv.log2vsids = qi.num_sid_per_vm_log2;
		len = sizeof(data.cmdqv);
		cmd->out_data_type = IOMMU_HW_INFO_TYPE_TEGRA241_CMDQV;
		break;
	default:
		rc = -EOPNOTSUPP;
	}
	if (rc)
		goto out_put;
	copy = cmd->data_len < len ? cmd->data_len : len;
	rc = ifd_copy_to_user(ctx, cmd->data_uptr, &data, copy);
	if (!rc && copy < cmd->data_len)
		rc = ifd_clear_user(ctx, cmd->data_uptr + copy,
				    cmd->data_len - copy);
	if (rc)
		goto out_put;
	cmd->data_len = len;
	cmd->out_capabilities = 0;
	/* arm_smmu_dbm_capable(): HTTU with dirty state, coherent walks */
	if (dev->host->feat->httu >= IDR0_HTTU_ACCESS_DIRTY &&
	    dev->host->feat->coherent)
		cmd->out_capabilities |= IOMMU_HW_CAP_DIRTY_TRACKING;
	if (!(dev->ats && dev->host->feat->ats))
		cmd->out_capabilities |= IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED;
	cmd->out_max_pasid_log2 = 0;
	if (dev->pasid_bits && dev->host->feat->ssid_bits)
		cmd->out_max_pasid_log2 =
			dev->pasid_bits < dev->host->feat->ssid_bits ?
				dev->pasid_bits :
				dev->host->feat->ssid_bits;
	rc = ifd_ucmd_respond(ucmd, sizeof(*cmd));
out_put:
	ifd_obj_put(&dev->obj);
	return rc;
}
