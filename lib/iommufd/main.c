// SPDX-License-Identifier: MIT
/*
 * The iommufd layer's core: the context, the id table and the object
 * lifecycle, the command dispatch with the size-first rules, copies from
 * and to the caller's memory, fault injection, and the commands that
 * belong to no object (DESTROY, OPTION's context part, VFIO_IOAS).
 *
 * Dispatch, as Linux's iommufd_fops_ioctl(): the command number selects a
 * table entry (a number outside the table, or not exactly the entry's:
 * -ENOTTY); the caller's first __u32 is its structure size; below the
 * entry's minimum (the end of the last field the command was born with):
 * -EINVAL; the structure is copied zero-extended into a buffer of
 * vsmmu's size, and a longer one must be zero past it (-E2BIG).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iommufd/ifd.h"

/* --- Objects ------------------------------------------------------------ */

static const struct ifd_obj_ops obj_ops[IFD_NTYPES] = {
	[IFD_DEVICE] = { .destroy = ifd_device_destroy },
	[IFD_IOAS] = { .destroy = ifd_ioas_destroy },
	[IFD_HWPT_PAGING] = { .destroy = ifd_hwpt_paging_destroy },
	[IFD_HWPT_NESTED] = { .destroy = ifd_hwpt_nested_destroy },
	[IFD_FAULT] = { .destroy = ifd_fault_destroy, .busy = ifd_fault_busy },
	[IFD_VIOMMU] = { .destroy = ifd_viommu_destroy },
	[IFD_VDEVICE] = { .destroy = ifd_vdevice_destroy },
	[IFD_VEVENTQ] = { .destroy = ifd_veventq_destroy,
			  .busy = ifd_veventq_busy },
	[IFD_HW_QUEUE] = { .destroy = ifd_hw_queue_destroy },
};

int ifd_cmd_destroy(struct ifd_ucmd *ucmd)
{
	struct iommu_destroy *cmd = ucmd->cmd;
	struct ifd_obj *obj;
	int rc;

	obj = ifd_obj_get(ucmd->ctx, cmd->id, IFD_ANY);
	if (!obj)
		return -ENOENT;
	rc = ifd_obj_remove(obj, true);
	if (rc)
		ifd_obj_put(obj);
	return rc;
}

/* --- Options and VFIO compatibility ----------------------------------- */

int ifd_ioas_option(struct ifd_ucmd *ucmd);

static int rlimit_mode(struct ifd_ucmd *ucmd)
{
	struct iommu_option *cmd = ucmd->cmd;
	struct ifd_ctx *ctx = ucmd->ctx;
	int rc = 0;

	if (cmd->object_id)
		return -EOPNOTSUPP;
	if (cmd->op == IOMMU_OPTION_OP_GET) {
		cmd->val64 = ctx->rlimit_mode;
		return 0;
	}
	if (cmd->op != IOMMU_OPTION_OP_SET)
		return -EOPNOTSUPP;
	/* No privilege model here: Linux's CAP_SYS_RESOURCE check passes */
	pthread_mutex_lock(&ctx->table_lock);
	if (ctx->nobjs)
		rc = -EBUSY;
	else if (cmd->val64 > 1)
		rc = -EINVAL;
	else
		ctx->rlimit_mode = cmd->val64;
	pthread_mutex_unlock(&ctx->table_lock);
	return rc;
}

int ifd_cmd_option(struct ifd_ucmd *ucmd)
{
	struct iommu_option *cmd = ucmd->cmd;
	int rc;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	switch (cmd->option_id) {
	case IOMMU_OPTION_RLIMIT_MODE:
		rc = rlimit_mode(ucmd);
		break;
	case IOMMU_OPTION_HUGE_PAGES:
		rc = ifd_ioas_option(ucmd);
		break;
	default:
		return -EOPNOTSUPP;
	}
	if (rc)
		return rc;
	return ifd_copy_to_user(
		ucmd->ctx, ucmd->ubuf + offsetof(struct iommu_option, val64),
		&cmd->val64, sizeof(cmd->val64));
}

int ifd_cmd_vfio_ioas(struct ifd_ucmd *ucmd)
{
	struct iommu_vfio_ioas *cmd = ucmd->cmd;
	struct ifd_ctx *ctx = ucmd->ctx;
	struct ifd_ioas *ioas;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	switch (cmd->op) {
	case IOMMU_VFIO_IOAS_GET:
		pthread_mutex_lock(&ctx->table_lock);
		cmd->ioas_id = ctx->vfio_ioas_id;
		pthread_mutex_unlock(&ctx->table_lock);
		if (!cmd->ioas_id)
			return -ENODEV;
		return ifd_ucmd_respond(ucmd, sizeof(*cmd));
	case IOMMU_VFIO_IOAS_SET:
		ioas = ifd_ioas_get(ctx, cmd->ioas_id);
		if (!ioas)
			return -ENOENT;
		pthread_mutex_lock(&ctx->table_lock);
		ctx->vfio_ioas_id = ioas->obj.id;
		pthread_mutex_unlock(&ctx->table_lock);
		ifd_obj_put(&ioas->obj);
		return 0;
	case IOMMU_VFIO_IOAS_CLEAR:
		pthread_mutex_lock(&ctx->table_lock);
		ctx->vfio_ioas_id = 0;
		pthread_mutex_unlock(&ctx->table_lock);
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

/* --- Dispatch ------------------------------------------------------------- */

struct ifd_op {
	uint32_t size; /* vsmmu's (Linux's) structure size */
	uint32_t min_size; /* end of the command's first-version fields */
	int (*fn)(struct ifd_ucmd *ucmd);
};

#define IFD_OP(nr, type, last, handler)                       \
	[IOMMUFD_CMD_##nr - IOMMUFD_CMD_BASE] = {             \
		.size = sizeof(struct type),                  \
		.min_size = offsetof(struct type, last) +     \
			    sizeof(((struct type *)0)->last), \
		.fn = handler,                                \
	}

static const struct ifd_op ifd_ops[] = {
	IFD_OP(DESTROY, iommu_destroy, id, ifd_cmd_destroy),
	IFD_OP(IOAS_ALLOC, iommu_ioas_alloc, out_ioas_id, ifd_cmd_ioas_alloc),
	IFD_OP(IOAS_ALLOW_IOVAS, iommu_ioas_allow_iovas, allowed_iovas,
	       ifd_cmd_ioas_allow_iovas),
	IFD_OP(IOAS_COPY, iommu_ioas_copy, src_iova, ifd_cmd_ioas_copy),
	IFD_OP(IOAS_IOVA_RANGES, iommu_ioas_iova_ranges, out_iova_alignment,
	       ifd_cmd_ioas_iova_ranges),
	IFD_OP(IOAS_MAP, iommu_ioas_map, iova, ifd_cmd_ioas_map),
	IFD_OP(IOAS_UNMAP, iommu_ioas_unmap, length, ifd_cmd_ioas_unmap),
	IFD_OP(OPTION, iommu_option, val64, ifd_cmd_option),
	IFD_OP(VFIO_IOAS, iommu_vfio_ioas, __reserved, ifd_cmd_vfio_ioas),
	IFD_OP(HWPT_ALLOC, iommu_hwpt_alloc, __reserved, ifd_cmd_hwpt_alloc),
	IFD_OP(GET_HW_INFO, iommu_hw_info, __reserved, ifd_cmd_get_hw_info),
	IFD_OP(HWPT_SET_DIRTY_TRACKING, iommu_hwpt_set_dirty_tracking,
	       __reserved, ifd_cmd_hwpt_set_dirty_tracking),
	IFD_OP(HWPT_GET_DIRTY_BITMAP, iommu_hwpt_get_dirty_bitmap, data,
	       ifd_cmd_hwpt_get_dirty_bitmap),
	IFD_OP(HWPT_INVALIDATE, iommu_hwpt_invalidate, __reserved,
	       ifd_cmd_hwpt_invalidate),
	IFD_OP(FAULT_QUEUE_ALLOC, iommu_fault_alloc, out_fault_fd,
	       ifd_cmd_fault_queue_alloc),
	IFD_OP(IOAS_MAP_FILE, iommu_ioas_map_file, iova, ifd_cmd_ioas_map_file),
	IFD_OP(VIOMMU_ALLOC, iommu_viommu_alloc, out_viommu_id,
	       ifd_cmd_viommu_alloc),
	IFD_OP(VDEVICE_ALLOC, iommu_vdevice_alloc, virt_id,
	       ifd_cmd_vdevice_alloc),
	IFD_OP(IOAS_CHANGE_PROCESS, iommu_ioas_change_process, __reserved,
	       ifd_cmd_ioas_change_process),
	IFD_OP(VEVENTQ_ALLOC, iommu_veventq_alloc, out_veventq_fd,
	       ifd_cmd_veventq_alloc),
	IFD_OP(HW_QUEUE_ALLOC, iommu_hw_queue_alloc, length,
	       ifd_cmd_hw_queue_alloc),
};

int vsmmu_iommufd_ioctl(struct vsmmu_iommufd_ctx *uctx, unsigned long cmd,
			void *arg)
{
	struct ifd_ctx *ctx = (struct ifd_ctx *)uctx;
	union {
		uint64_t align;
		unsigned char bytes[64];
	} buf;
	struct ifd_ucmd ucmd = { .ctx = ctx, .cmd = buf.bytes };
	const struct ifd_op *op;
	unsigned long nr;
	int rc;

	if (!ctx)
		return -EBADF;
	nr = cmd & 0xff;
	if ((cmd & ~0xffUL) != ((unsigned long)IOMMUFD_TYPE << 8) ||
	    nr < IOMMUFD_CMD_BASE ||
	    nr - IOMMUFD_CMD_BASE >= VS_ARRAY_SIZE(ifd_ops))
		return -ENOTTY;
	op = &ifd_ops[nr - IOMMUFD_CMD_BASE];
	if (!op->fn)
		return -ENOTTY;
	ucmd.ubuf = (uintptr_t)arg;
	/*
	 * The common case in one copy: the whole structure is readable and
	 * the caller's size is at most ours.  Otherwise Linux's order: the
	 * size (EFAULT), its minimum (EINVAL), then copy_struct_from_user()
	 * (EFAULT, E2BIG).
	 */
	if (ifd_try_copy_from_user(ctx, buf.bytes, ucmd.ubuf, op->size)) {
		memcpy(&ucmd.user_size, buf.bytes, sizeof(ucmd.user_size));
		if (ucmd.user_size < op->min_size)
			return -EINVAL;
		if (ucmd.user_size <= op->size) {
			memset(buf.bytes + ucmd.user_size, 0,
			       op->size - ucmd.user_size);
			return op->fn(&ucmd);
		}
	}
	rc = ifd_copy_from_user(ctx, &ucmd.user_size, ucmd.ubuf,
				sizeof(ucmd.user_size));
	if (rc)
		return rc;
	if (ucmd.user_size < op->min_size)
		return -EINVAL;
	rc = ifd_copy_struct_from_user(ctx, buf.bytes, op->size, ucmd.ubuf,
				       ucmd.user_size);
	if (rc)
		return rc;
	return op->fn(&ucmd);
}

/* --- The context --------------------------------------------------------- */

/* Every object that nothing else holds goes first, then what it held. */
static void destroy_all(struct ifd_ctx *ctx)
{
	uint32_t id;
	bool progress = true;

	while (ctx->nobjs && progress) {
		progress = false;
		for (id = ctx->nslots; id-- > 1;) {
			struct ifd_obj *obj = ctx->slots[id];

			if (!obj || obj == IFD_RESERVED ||
			    atomic_load(&obj->users) != 1)
				continue;
			ctx->slots[id] = NULL;
			ctx->nobjs--;
			ctx->obj_ops[obj->type].destroy(obj);
			free(obj);
			progress = true;
		}
	}
}

void ifd_devices_unbind_all(struct ifd_ctx *ctx);

void vsmmu_iommufd_ctx_destroy(struct vsmmu_iommufd_ctx *uctx)
{
	struct ifd_ctx *ctx = (struct ifd_ctx *)uctx;

	if (!ctx)
		return;
	ifd_evq_fini_ctx(ctx); /* the service thread stops first */
	ifd_pri_fini_ctx(ctx);
	ifd_devices_unbind_all(ctx);
	destroy_all(ctx);
	ifd_pasid_fini_ctx(ctx);
	free(ctx->slots);
	free(ctx->pa_used);
	free(ctx->routes);
	pthread_mutex_destroy(&ctx->table_lock);
	pthread_mutex_destroy(&ctx->pa_lock);
	pthread_rwlock_destroy(&ctx->route_lock);
	pthread_mutex_destroy(&ctx->msi_lock);
	pthread_mutex_destroy(&ctx->irq_lock);
	pthread_mutex_destroy(&ctx->evq_lock);
	pthread_rwlock_destroy(&ctx->mmap_lock);
	free(ctx);
}

int vsmmu_iommufd_ctx_create(const struct vsmmu_iommufd_config *cfg,
			     struct vsmmu_iommufd_ctx **out)
{
	struct ifd_ctx *ctx;
	unsigned int i, pa_bits;
	int rc;

	if (!cfg || !out || !cfg->hosts || !cfg->nhosts ||
	    cfg->nhosts > VSMMU_IOMMUFD_MAX_HOSTS)
		return -EINVAL;
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return -ENOMEM;
	for (i = 0; i < cfg->nhosts; i++) {
		struct ifd_host *h = &ctx->hosts[i];

		if (!cfg->hosts[i].smmu || !cfg->hosts[i].drv)
			goto einval;
		h->smmu = cfg->hosts[i].smmu;
		h->drv = cfg->hosts[i].drv;
		h->feat = vsmmu_drv_get_features(h->drv);
		h->index = i;
		h->ctx = ctx;
		if (!i)
			ctx->mem = vsmmu_smmu_get_mem(h->smmu);
		else if (vsmmu_smmu_get_mem(h->smmu) != ctx->mem)
			goto einval; /* one machine, one physical memory */
	}
	ctx->nhosts = cfg->nhosts;
	ctx->obj_ops = obj_ops;
	ctx->pid = getpid();
	pa_bits = vsmmu_mem_pa_bits(ctx->mem);
	ctx->pin_base = cfg->pin_base;
	ctx->pin_size = cfg->pin_size;
	if (!ctx->pin_size) {
		ctx->pin_base = 1ULL << (pa_bits - 1);
		ctx->pin_size = 1ULL << (pa_bits - 2);
	}
	if (!VS_IS_ALIGNED(ctx->pin_base | ctx->pin_size,
			   VSMMU_MEM_PAGE_SIZE) ||
	    ctx->pin_base + ctx->pin_size < ctx->pin_base ||
	    (pa_bits < 64 && ctx->pin_base + ctx->pin_size > 1ULL << pa_bits))
		goto einval;
	ctx->doorbell_pa = cfg->doorbell_pa ? cfg->doorbell_pa : 0x08020000ULL;
	if (!VS_IS_ALIGNED(ctx->doorbell_pa, VSMMU_IOMMUFD_DOORBELL_FRAME) ||
	    (pa_bits < 64 && ctx->doorbell_pa >> pa_bits) ||
	    vsmmu_mem_present(ctx->mem, ctx->doorbell_pa,
			      VSMMU_MEM_PAGE_SIZE) ||
	    (ctx->doorbell_pa < ctx->pin_base + ctx->pin_size &&
	     ctx->pin_base < ctx->doorbell_pa + VSMMU_IOMMUFD_DOORBELL_FRAME))
		goto einval;
	pthread_mutex_init(&ctx->table_lock, NULL);
	pthread_mutex_init(&ctx->pa_lock, NULL);
	pthread_rwlock_init(&ctx->route_lock, NULL);
	pthread_mutex_init(&ctx->msi_lock, NULL);
	pthread_mutex_init(&ctx->irq_lock, NULL);
	pthread_mutex_init(&ctx->evq_lock, NULL);
	pthread_rwlock_init(&ctx->mmap_lock, NULL);
	ifd_pri_init_ctx(ctx);
	rc = ifd_pasid_init_ctx(ctx);
	if (!rc)
		rc = ifd_evq_init_ctx(ctx, !cfg->no_service_thread);
	if (rc) {
		ctx->wake_fd = -1;
		vsmmu_iommufd_ctx_destroy((struct vsmmu_iommufd_ctx *)ctx);
		return rc;
	}
	*out = (struct vsmmu_iommufd_ctx *)ctx;
	return 0;
einval:
	free(ctx);
	return -EINVAL;
}
