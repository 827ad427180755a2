// SPDX-License-Identifier: MIT
/*
 * HW_QUEUE: a hardware queue the guest uses directly; for
 * TEGRA241_CMDQV a logical VCMDQ of the vIOMMU's VINTF, whose ring is in
 * guest memory and which the guest enables and rings through the VINTF's
 * page (vsmmu_iommufd_mmap_write) without any trap.
 *
 * HW_QUEUE_ALLOC in Linux's order (iommufd_hw_queue_alloc_ioctl(),
 * iommufd_hw_queue_alloc_phys(), tegra241_vintf_alloc_lvcmdq_user()):
 *  - flags, or type DEFAULT: -EOPNOTSUPP; length 0: -EINVAL; the range
 *    overflowing: -EOVERFLOW; no such vIOMMU: -ENOENT; a vIOMMU without
 *    hardware queues (ARM_SMMUV3), or a queue type it has not: -EOPNOTSUPP;
 *  - the ring is looked up in the nest parent's IOAS: not mapped there:
 *    -ENOENT; not physically contiguous (it spans two mappings): -EFAULT.
 *    It stays pinned while the queue exists: an IOAS_UNMAP of it is
 *    -EBUSY (Linux's unmap cannot take it from the queue either);
 *  - then the VINTF's rules, which the driver applies
 *    (vsmmu_drv_vintf_queue_alloc()): an index beyond the VINTF's share:
 *    -EINVAL; in use: -EEXIST; index N before N - 1: -EIO; a length that
 *    is not a power of two in [32, 2^IDR1.CMDQS * 16], or a base not
 *    aligned to it: -EINVAL.
 * Queues go in descending order: queue N holds queue N - 1, so DESTROY of
 * N - 1 while N exists is -EBUSY (as Linux's hw_queue "depend").
 */
#include <errno.h>

#include <vsmmu/bits.h>

#include "iommufd/ifd.h"

/* Pin the ring: the area holding it all, and its physical address. */
static int pin(struct ifd_ioas *ioas, uint64_t iova, uint64_t len,
	       struct ifd_area **out, uint64_t *pa)
{
	struct ifd_area *a;

	pthread_mutex_lock(&ioas->lock);
	a = ifd_ioas_find(ioas, iova, 1);
	if (!a) {
		pthread_mutex_unlock(&ioas->lock);
		return -ENOENT;
	}
	if (a->last - iova < len - 1) {
		/* The rest is another mapping (or none): not contiguous */
		pthread_mutex_unlock(&ioas->lock);
		return ifd_ioas_find(ioas, a->last + 1, 1) ? -EFAULT : -ENOENT;
	}
	a->pins++;
	*pa = ifd_area_pa(a, iova);
	*out = a;
	pthread_mutex_unlock(&ioas->lock);
	return 0;
}

static void unpin(struct ifd_ioas *ioas, struct ifd_area *a)
{
	pthread_mutex_lock(&ioas->lock);
	a->pins--;
	pthread_mutex_unlock(&ioas->lock);
}

int ifd_cmd_hw_queue_alloc(struct ifd_ucmd *ucmd)
{
	struct iommu_hw_queue_alloc *cmd = ucmd->cmd;
	struct ifd_ctx *ctx = ucmd->ctx;
	struct ifd_viommu *viommu;
	struct ifd_hw_queue *q;
	unsigned int log2size;
	uint64_t pa;
	int rc;

	if (cmd->flags || cmd->type == IOMMU_HW_QUEUE_TYPE_DEFAULT)
		return -EOPNOTSUPP;
	if (!cmd->length)
		return -EINVAL;
	if (cmd->nesting_parent_iova + (cmd->length - 1) <
	    cmd->nesting_parent_iova)
		return -EOVERFLOW;
	viommu = (struct ifd_viommu *)ifd_obj_get(ctx, cmd->viommu_id,
						  IFD_VIOMMU);
	if (!viommu)
		return -ENOENT;
	rc = -EOPNOTSUPP;
	if (!viommu->vintf || cmd->type != IOMMU_HW_QUEUE_TYPE_TEGRA241_CMDQV)
		goto out_put;
	rc = -ENOMEM;
	q = (struct ifd_hw_queue *)ifd_obj_alloc(ctx, sizeof(*q), IFD_HW_QUEUE);
	if (!q)
		goto out_put;
	q->viommu = viommu;
	q->ioas = viommu->parent->ioas;
	q->index = cmd->index;
	rc = pin(q->ioas, cmd->nesting_parent_iova, cmd->length, &q->area, &pa);
	if (rc)
		goto out_abort;
	/*
	 * The driver holds the length rules; a length that is no power of
	 * two, or under 32 bytes, has no log2 size: 0 (16 bytes) makes the
	 * driver refuse it where it checks lengths, after the index rules.
	 */
	log2size = 0;
	if (!(cmd->length & (cmd->length - 1)) && cmd->length >= 32)
		log2size = (unsigned int)__builtin_ctzll(cmd->length) - 4;
	pthread_mutex_lock(&viommu->lock);
	rc = -ENOMEM;
	if (ifd_should_fail(ctx))
		goto out_unlock;
	rc = vsmmu_drv_vintf_queue_alloc(viommu->vintf, cmd->index, pa,
					 log2size);
	if (rc)
		goto out_unlock;
	/* Queue N - 1 goes after this one */
	if (cmd->index) {
		q->prev = viommu->queues[cmd->index - 1];
		ifd_obj_hold(&q->prev->obj);
	}
	viommu->queues[cmd->index] = q;
	cmd->out_hw_queue_id = q->obj.id;
	rc = ifd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc) {
		viommu->queues[cmd->index] = NULL;
		if (q->prev)
			ifd_obj_put(&q->prev->obj);
		vsmmu_drv_vintf_queue_free(viommu->vintf, cmd->index);
		goto out_unlock;
	}
	pthread_mutex_unlock(&viommu->lock);
	ifd_obj_hold(&viommu->obj); /* the queue's */
	ifd_obj_finalize(&q->obj);
	ifd_obj_put(&viommu->obj);
	return 0;
out_unlock:
	pthread_mutex_unlock(&viommu->lock);
	unpin(q->ioas, q->area);
out_abort:
	ifd_obj_abort(&q->obj);
out_put:
	ifd_obj_put(&viommu->obj);
	return rc;
}

void ifd_hw_queue_destroy(struct ifd_obj *obj)
{
	struct ifd_hw_queue *q = (struct ifd_hw_queue *)obj;
	struct ifd_viommu *viommu = q->viommu;

	/* The hardware lets go of the ring before it is unpinned */
	pthread_mutex_lock(&viommu->lock);
	vsmmu_drv_vintf_queue_free(viommu->vintf, q->index);
	viommu->queues[q->index] = NULL;
	pthread_mutex_unlock(&viommu->lock);
	unpin(q->ioas, q->area);
	if (q->prev)
		ifd_obj_put(&q->prev->obj);
	ifd_obj_put(&viommu->obj);
}
