// SPDX-License-Identifier: MIT
/*
 * The bottom of the iommufd layer: the id table and the object
 * lifecycle, fault injection, and copies from and to the caller's
 * memory.  Every other file of the layer calls in here; this file calls
 * none of them (the per-type destructors are reached through the
 * context's ops table, which main.c supplies).
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
	unsigned int nth =
		atomic_load_explicit(&ctx->fail_nth, memory_order_relaxed);
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
		n = write ? process_vm_writev(ctx->pid, &l, 1, &r, 1, 0) :
			    process_vm_readv(ctx->pid, &l, 1, &r, 1, 0);
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

bool ifd_try_copy_from_user(struct ifd_ctx *ctx, void *dst, uint64_t uptr,
			    size_t len)
{
	struct iovec l = { .iov_base = dst, .iov_len = len };
	struct iovec r = { .iov_base = (void *)(uintptr_t)uptr,
			   .iov_len = len };

	/* One remote element is transferred whole or not at all */
	if (atomic_load_explicit(&ctx->uaccess_mode, memory_order_relaxed) !=
		    UA_SYSCALL ||
	    !uptr || uptr + len < uptr || (uintptr_t)uptr != uptr)
		return false;
	return process_vm_readv(ctx->pid, &l, 1, &r, 1, 0) == (ssize_t)len;
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
	obj->ctx->obj_ops[obj->type].destroy(obj);
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
	    (ctx->obj_ops[obj->type].busy &&
	     ctx->obj_ops[obj->type].busy(obj))) {
		pthread_mutex_unlock(&ctx->table_lock);
		return -EBUSY;
	}
	ctx->slots[obj->id] = NULL;
	ctx->nobjs--;
	if (ctx->vfio_ioas_id == obj->id)
		ctx->vfio_ioas_id = 0;
	pthread_mutex_unlock(&ctx->table_lock);
	obj->ctx->obj_ops[obj->type].destroy(obj);
	free(obj);
	return 0;
}
