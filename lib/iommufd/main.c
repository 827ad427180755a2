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
#include <sys/uio.h>
#include <unistd.h>

#include "iommufd/ifd.h"

/* --- Fault injection ------------------------------------------------- */

bool ifd_should_fail(struct ifd_ctx *ctx)
{
	unsigned int nth = atomic_load_explicit(&ctx->fail_nth,
						memory_order_relaxed);
	unsigned int seen;

	seen = atomic_fetch_add_explicit(&ctx->fail_seen, 1,
					 memory_order_relaxed) +
	       1;
	return nth && seen == nth;
}

void *ifd_zalloc(struct ifd_ctx *ctx, size_t size)
{
	if (ifd_should_fail(ctx))
		return NULL;
	return calloc(1, size ? size : 1);
}

void *ifd_realloc(struct ifd_ctx *ctx, void *p, size_t nmemb, size_t size)
{
	size_t bytes;

	if (size && nmemb > SIZE_MAX / size)
		return NULL;
	if (ifd_should_fail(ctx))
		return NULL;
	bytes = nmemb * size;
	return realloc(p, bytes ? bytes : 1);
}

void vsmmu_iommufd_set_fail_nth(struct vsmmu_iommufd_ctx *uctx, unsigned int n)
{
	struct ifd_ctx *ctx = (struct ifd_ctx *)uctx;

	atomic_store(&ctx->fail_seen, 0);
	atomic_store(&ctx->fail_nth, n);
}

unsigned int vsmmu_iommufd_fail_count(struct vsmmu_iommufd_ctx *uctx)
{
	struct ifd_ctx *ctx = (struct ifd_ctx *)uctx;

	return atomic_load(&ctx->fail_seen);
}

/* --- The caller's memory ---------------------------------------------- */

/*
 * The caller hands pointers inside the command structures, as a process
 * hands them to the kernel.  They are read and written with
 * process_vm_readv/writev on our own process, which fail with EFAULT on
 * an address that is not mapped (or not writable) instead of crashing;
 * where those system calls are not allowed (a seccomp policy), the copy
 * falls back to memcpy and a bad pointer is the caller's crash.
 */
enum { UA_UNKNOWN, UA_SYSCALL, UA_MEMCPY };

static int ua_copy(struct ifd_ctx *ctx, void *local, uint64_t remote,
		   size_t len, bool write)
{
	struct iovec l, r;
	ssize_t n;
	int mode;

	if (!len)
		return 0;
	if (!remote || remote + len < remote)
		return -EFAULT;
	if ((uintptr_t)remote != remote)
		return -EFAULT;
	mode = atomic_load_explicit(&ctx->uaccess_mode, memory_order_relaxed);
	if (mode == UA_MEMCPY)
		goto copy;
	while (len) {
		l.iov_base = local;
		l.iov_len = len;
		r.iov_base = (void *)(uintptr_t)remote;
		r.iov_len = len;
		n = write ? process_vm_writev(getpid(), &l, 1, &r, 1, 0) :
			    process_vm_readv(getpid(), &l, 1, &r, 1, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (mode == UA_UNKNOWN &&
			    (errno == ENOSYS || errno == EPERM)) {
				atomic_store(&ctx->uaccess_mode, UA_MEMCPY);
				goto copy;
			}
			return -EFAULT;
		}
		if (mode == UA_UNKNOWN) {
			atomic_store(&ctx->uaccess_mode, UA_SYSCALL);
			mode = UA_SYSCALL;
		}
		if (n == 0)
			return -EFAULT;
		local = (char *)local + n;
		remote += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
copy:
	if (write)
		memcpy((void *)(uintptr_t)remote, local, len);
	else
		memcpy(local, (const void *)(uintptr_t)remote, len);
	return 0;
}

int ifd_copy_from_user(struct ifd_ctx *ctx, void *dst, uint64_t uptr,
		       size_t len)
{
	return ua_copy(ctx, dst, uptr, len, false);
}

int ifd_copy_to_user(struct ifd_ctx *ctx, uint64_t uptr, const void *src,
		     size_t len)
{
	return ua_copy(ctx, (void *)src, uptr, len, true);
}

int ifd_clear_user(struct ifd_ctx *ctx, uint64_t uptr, size_t len)
{
	static const unsigned char zero[256];
	int rc;

	while (len) {
		size_t n = len < sizeof(zero) ? len : sizeof(zero);

		rc = ifd_copy_to_user(ctx, uptr, zero, n);
		if (rc)
			return rc;
		uptr += n;
		len -= n;
	}
	return 0;
}

int ifd_copy_struct_from_user(struct ifd_ctx *ctx, void *dst, size_t ksize,
			      uint64_t uptr, size_t usize)
{
	size_t size = usize < ksize ? usize : ksize;
	unsigned char tail[64];
	int rc;

	memset(dst, 0, ksize);
	if (usize > ksize) {
		uint64_t p = uptr + ksize;
		size_t rest = usize - ksize;

		if (p < uptr)
			return -EFAULT;
		while (rest) {
			size_t n = rest < sizeof(tail) ? rest : sizeof(tail), i;

			rc = ifd_copy_from_user(ctx, tail, p, n);
			if (rc)
				return rc;
			for (i = 0; i < n; i++)
				if (tail[i])
					return -E2BIG;
			p += n;
			rest -= n;
		}
	}
	return ifd_copy_from_user(ctx, dst, uptr, size);
}

int ifd_copy_user_data(struct ifd_ctx *ctx, void *dst, size_t ksize,
		       size_t min_len, uint32_t type, uint32_t want,
		       uint64_t uptr, uint32_t len)
{
	if (type != want)
		return -EINVAL;
	if (len < min_len || ksize < len)
		return -EINVAL;
	return ifd_copy_struct_from_user(ctx, dst, ksize, uptr, len);
}

int ifd_ucmd_respond(struct ifd_ucmd *ucmd, size_t len)
{
	if (len > ucmd->user_size)
		len = ucmd->user_size;
	return ifd_copy_to_user(ucmd->ctx, ucmd->ubuf, ucmd->cmd, len);
}

/* --- Objects ------------------------------------------------------------ */

struct ifd_obj_ops {
	void (*destroy)(struct ifd_obj *obj);
	bool (*busy)(struct ifd_obj *obj);
};

static const struct ifd_obj_ops obj_ops[IFD_NTYPES] = {
	[IFD_DEVICE] = { .destroy = ifd_device_destroy },
	[IFD_IOAS] = { .destroy = ifd_ioas_destroy },
	[IFD_HWPT_PAGING] = { .destroy = ifd_hwpt_paging_destroy },
	[IFD_HWPT_NESTED] = { .destroy = ifd_hwpt_nested_destroy },
	[IFD_FAULT] = { .destroy = ifd_fault_destroy,
			.busy = ifd_fault_busy },
	[IFD_VIOMMU] = { .destroy = ifd_viommu_destroy },
	[IFD_VDEVICE] = { .destroy = ifd_vdevice_destroy },
	[IFD_VEVENTQ] = { .destroy = ifd_veventq_destroy,
			  .busy = ifd_veventq_busy },
	[IFD_HW_QUEUE] = { .destroy = ifd_hw_queue_destroy },
};

/* Linux allocates ids from 1 within 31 bits (xa_limit_31b). */
#define IFD_MAX_ID 0x7fffffffU

struct ifd_obj *ifd_obj_alloc(struct ifd_ctx *ctx, size_t size,
			      enum ifd_type type)
{
	struct ifd_obj *obj, **slots;
	uint32_t id, n;

	obj = ifd_zalloc(ctx, size);
	if (!obj)
		return NULL;
	obj->type = type;
	obj->ctx = ctx;
	atomic_init(&obj->users, 1);
	pthread_mutex_lock(&ctx->table_lock);
	/* The lowest free id, as xa_alloc() gives */
	for (id = 1; id < ctx->nslots && ctx->slots[id]; id++)
		;
	if (id >= ctx->nslots) {
		if (ctx->nslots > IFD_MAX_ID / 2)
			goto fail;
		n = ctx->nslots ? ctx->nslots * 2 : 64;
		slots = ifd_realloc(ctx, ctx->slots, n, sizeof(*slots));
		if (!slots)
			goto fail;
		memset(slots + ctx->nslots, 0,
		       (n - ctx->nslots) * sizeof(*slots));
		ctx->slots = slots;
		ctx->nslots = n;
	}
	ctx->slots[id] = IFD_RESERVED;
	ctx->nobjs++;
	obj->id = id;
	pthread_mutex_unlock(&ctx->table_lock);
	return obj;
fail:
	pthread_mutex_unlock(&ctx->table_lock);
	free(obj);
	return NULL;
}

void ifd_obj_finalize(struct ifd_obj *obj)
{
	struct ifd_ctx *ctx = obj->ctx;

	pthread_mutex_lock(&ctx->table_lock);
	ctx->slots[obj->id] = obj;
	pthread_mutex_unlock(&ctx->table_lock);
}

void ifd_obj_abort(struct ifd_obj *obj)
{
	struct ifd_ctx *ctx = obj->ctx;

	pthread_mutex_lock(&ctx->table_lock);
	ctx->slots[obj->id] = NULL;
	ctx->nobjs--;
	pthread_mutex_unlock(&ctx->table_lock);
	free(obj);
}

void ifd_obj_abort_destroy(struct ifd_obj *obj)
{
	obj_ops[obj->type].destroy(obj);
	ifd_obj_abort(obj);
}

struct ifd_obj *ifd_obj_get(struct ifd_ctx *ctx, uint32_t id,
			    enum ifd_type type)
{
	struct ifd_obj *obj = NULL;

	if (ifd_should_fail(ctx))
		return NULL; /* Linux's iommufd_get_object() fail point */
	pthread_mutex_lock(&ctx->table_lock);
	if (id && id < ctx->nslots && ctx->slots[id] &&
	    ctx->slots[id] != IFD_RESERVED &&
	    (type == IFD_ANY || ctx->slots[id]->type == type)) {
		obj = ctx->slots[id];
		atomic_fetch_add(&obj->users, 1);
	}
	pthread_mutex_unlock(&ctx->table_lock);
	return obj;
}

void ifd_obj_put(struct ifd_obj *obj)
{
	atomic_fetch_sub(&obj->users, 1);
}

int ifd_obj_remove(struct ifd_obj *obj, bool held)
{
	struct ifd_ctx *ctx = obj->ctx;
	int expect = held ? 2 : 1;

	pthread_mutex_lock(&ctx->table_lock);
	if (atomic_load(&obj->users) != expect ||
	    (obj_ops[obj->type].busy && obj_ops[obj->type].busy(obj))) {
		pthread_mutex_unlock(&ctx->table_lock);
		return -EBUSY;
	}
	ctx->slots[obj->id] = NULL;
	ctx->nobjs--;
	if (ctx->vfio_ioas_id == obj->id)
		ctx->vfio_ioas_id = 0;
	pthread_mutex_unlock(&ctx->table_lock);
	obj_ops[obj->type].destroy(obj);
	free(obj);
	return 0;
}

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
	return ifd_copy_to_user(ucmd->ctx,
				ucmd->ubuf + offsetof(struct iommu_option,
						      val64),
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

#define IFD_OP(nr, type, last, handler)                                     \
	[IOMMUFD_CMD_##nr - IOMMUFD_CMD_BASE] = {                           \
		.size = sizeof(struct type),                                \
		.min_size = offsetof(struct type, last) +                   \
			    sizeof(((struct type *)0)->last),               \
		.fn = handler,                                              \
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
	IFD_OP(IOAS_MAP_FILE, iommu_ioas_map_file, iova,
	       ifd_cmd_ioas_map_file),
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
			obj_ops[obj->type].destroy(obj);
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
	ifd_devices_unbind_all(ctx);
	destroy_all(ctx);
	free(ctx->slots);
	free(ctx->pa_used);
	free(ctx->routes);
	pthread_mutex_destroy(&ctx->table_lock);
	pthread_mutex_destroy(&ctx->pa_lock);
	pthread_rwlock_destroy(&ctx->route_lock);
	pthread_mutex_destroy(&ctx->msi_lock);
	pthread_mutex_destroy(&ctx->irq_lock);
	pthread_mutex_destroy(&ctx->evq_lock);
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
		if (!i)
			ctx->mem = vsmmu_smmu_get_mem(h->smmu);
		else if (vsmmu_smmu_get_mem(h->smmu) != ctx->mem)
			goto einval; /* one machine, one physical memory */
	}
	ctx->nhosts = cfg->nhosts;
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
