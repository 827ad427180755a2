// SPDX-License-Identifier: MIT
/*
 * HW_QUEUE: a hardware queue the guest uses directly; for
 * TEGRA241_CMDQV a VCMDQ of the vIOMMU's VINTF.
 *
 * HW_QUEUE_ALLOC checks in Linux's order (iommufd_hw_queue_alloc_ioctl()):
 * flags, or type DEFAULT: -EOPNOTSUPP; length 0: -EINVAL; the range
 * overflowing: -EOVERFLOW; no such vIOMMU: -ENOENT; a vIOMMU without
 * hardware queues (ARM_SMMUV3) or a queue type it does not have:
 * -EOPNOTSUPP.
 */
#include <errno.h>

#include "iommufd/ifd.h"

int ifd_cmd_hw_queue_alloc(struct ifd_ucmd *ucmd)
{
	struct iommu_hw_queue_alloc *cmd = ucmd->cmd;
	struct ifd_viommu *viommu;
	int rc;

	if (cmd->flags || cmd->type == IOMMU_HW_QUEUE_TYPE_DEFAULT)
		return -EOPNOTSUPP;
	if (!cmd->length)
		return -EINVAL;
	if (cmd->nesting_parent_iova + (cmd->length - 1) <
	    cmd->nesting_parent_iova)
		return -EOVERFLOW;
	viommu = (struct ifd_viommu *)ifd_obj_get(ucmd->ctx, cmd->viommu_id,
						  IFD_VIOMMU);
	if (!viommu)
		return -ENOENT;
	rc = -EOPNOTSUPP;
	ifd_obj_put(&viommu->obj);
	return rc;
}

void ifd_hw_queue_destroy(struct ifd_obj *obj)
{
	(void)obj;
}
