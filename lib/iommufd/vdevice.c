// SPDX-License-Identifier: MIT
/*
 * VDEVICE: a device's virtual ID in a vIOMMU (for SMMUv3 the guest's
 * vSID).  It is what lets the vIOMMU translate the vSID of a guest's
 * ATC_INV / CFGI_CD to the physical StreamID, and rewrite the StreamID
 * of the device's events to the vSID.
 *
 * VDEVICE_ALLOC in Linux's order (iommufd_vdevice_alloc_ioctl()): no
 * such vIOMMU or device: -ENOENT; a device of another SMMU: -EINVAL; a
 * device being unbound: -ENOENT; one that has a vDEVICE already, or a
 * vSID taken in the vIOMMU: -EEXIST; a device with more than one
 * StreamID: -EOPNOTSUPP (the SMMUv3 vIOMMU maps one vSID to one SID).
 * On a TEGRA241_CMDQV vIOMMU (tegra241_vintf_init_vsid()) a vSID wider
 * than 32 bits is -EINVAL and the device also takes a StreamID
 * MATCH/REPLACE pair of the VM's VINTF (-ENOSPC when all are taken), so
 * the guest's commands on its own queue name the device by its vSID;
 * the pair is cleared when the vDEVICE goes.
 * The device holds at most one vDEVICE; unbinding the device destroys
 * it (its id is gone).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "iommufd/ifd.h"

struct ifd_device *ifd_viommu_find_dev(struct ifd_viommu *viommu,
				       uint64_t vsid);

/* Insert @vdev in the vIOMMU's sorted table (viommu->lock held). */
static int vdevs_insert(struct ifd_viommu *viommu, struct ifd_vdevice *vdev)
{
	size_t lo = 0, hi = viommu->nvdevs;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (viommu->vdevs[mid]->virt_id < vdev->virt_id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < viommu->nvdevs && viommu->vdevs[lo]->virt_id == vdev->virt_id)
		return -EEXIST;
	if (viommu->nvdevs == viommu->vdev_cap) {
		size_t n = viommu->vdev_cap ? viommu->vdev_cap * 2 : 8;
		struct ifd_vdevice **p;

		p = ifd_realloc(viommu->obj.ctx, viommu->vdevs, n, sizeof(*p));
		if (!p)
			return -ENOMEM;
		viommu->vdevs = p;
		viommu->vdev_cap = n;
	}
	memmove(&viommu->vdevs[lo + 1], &viommu->vdevs[lo],
		(viommu->nvdevs - lo) * sizeof(vdev));
	viommu->vdevs[lo] = vdev;
	viommu->nvdevs++;
	return 0;
}

static void vdevs_remove(struct ifd_viommu *viommu, struct ifd_vdevice *vdev)
{
	size_t i;

	for (i = 0; i < viommu->nvdevs; i++) {
		if (viommu->vdevs[i] != vdev)
			continue;
		memmove(&viommu->vdevs[i], &viommu->vdevs[i + 1],
			(viommu->nvdevs - i - 1) * sizeof(vdev));
		viommu->nvdevs--;
		return;
	}
}

int ifd_cmd_vdevice_alloc(struct ifd_ucmd *ucmd)
{
	struct iommu_vdevice_alloc *cmd = ucmd->cmd;
	struct ifd_ctx *ctx = ucmd->ctx;
	struct ifd_viommu *viommu;
	struct ifd_vdevice *vdev;
	struct ifd_device *dev;
	int rc;

	viommu = (struct ifd_viommu *)ifd_obj_get(ctx, cmd->viommu_id,
						  IFD_VIOMMU);
	if (!viommu)
		return -ENOENT;
	dev = ifd_device_get(ctx, cmd->dev_id);
	if (!dev) {
		rc = -ENOENT;
		goto out_put_viommu;
	}
	rc = -EINVAL;
	if (viommu->host != dev->host)
		goto out_put_dev;
	pthread_mutex_lock(&dev->lock);
	rc = -ENOENT;
	if (dev->unbinding)
		goto out_unlock_dev;
	rc = -EEXIST;
	if (dev->vdev)
		goto out_unlock_dev;
	rc = -ENOMEM;
	vdev = (struct ifd_vdevice *)ifd_obj_alloc(ctx, sizeof(*vdev),
						   IFD_VDEVICE);
	if (!vdev)
		goto out_unlock_dev;
	vdev->viommu = viommu;
	vdev->dev = dev;
	vdev->virt_id = cmd->virt_id;
	pthread_mutex_lock(&viommu->lock);
	rc = vdevs_insert(viommu, vdev);
	pthread_mutex_unlock(&viommu->lock);
	if (rc)
		goto out_abort;
	rc = -EOPNOTSUPP;
	if (dev->nsids != 1)
		goto out_remove;
	vdev->sid_slot = -1;
	if (viommu->vintf) {
		unsigned int slot;

		rc = -EINVAL;
		if (cmd->virt_id > UINT32_MAX)
			goto out_remove;
		rc = -ENOMEM;
		if (ifd_should_fail(ctx))
			goto out_remove;
		rc = vsmmu_drv_vintf_sid_set(viommu->vintf,
					     (uint32_t)cmd->virt_id,
					     dev->sids[0], &slot);
		if (rc)
			goto out_remove;
		vdev->sid_slot = (int)slot;
	}
	cmd->out_vdevice_id = vdev->obj.id;
	rc = ifd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc)
		goto out_pair;
	/* It holds its vIOMMU and its device (the lookups' references) */
	dev->vdev = vdev;
	ifd_device_update_routes(dev);
	ifd_obj_finalize(&vdev->obj);
	pthread_mutex_unlock(&dev->lock);
	return 0;
out_pair:
	if (vdev->sid_slot >= 0)
		vsmmu_drv_vintf_sid_clear(viommu->vintf,
					  (unsigned int)vdev->sid_slot);
out_remove:
	pthread_mutex_lock(&viommu->lock);
	vdevs_remove(viommu, vdev);
	pthread_mutex_unlock(&viommu->lock);
out_abort:
	ifd_obj_abort(&vdev->obj);
out_unlock_dev:
	pthread_mutex_unlock(&dev->lock);
out_put_dev:
	ifd_obj_put(&dev->obj);
out_put_viommu:
	ifd_obj_put(&viommu->obj);
	return rc;
}

void ifd_vdevice_destroy(struct ifd_obj *obj)
{
	struct ifd_vdevice *vdev = (struct ifd_vdevice *)obj;
	struct ifd_device *dev = vdev->dev;
	struct ifd_viommu *viommu = vdev->viommu;

	pthread_mutex_lock(&dev->lock);
	dev->vdev = NULL;
	ifd_device_update_routes(dev);
	pthread_mutex_unlock(&dev->lock);
	if (vdev->sid_slot >= 0)
		vsmmu_drv_vintf_sid_clear(viommu->vintf,
					  (unsigned int)vdev->sid_slot);
	pthread_mutex_lock(&viommu->lock);
	vdevs_remove(viommu, vdev);
	pthread_mutex_unlock(&viommu->lock);
	ifd_obj_put(&dev->obj);
	ifd_obj_put(&viommu->obj);
}
