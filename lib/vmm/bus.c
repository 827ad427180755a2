// SPDX-License-Identifier: MIT
/*
 * The VM's MMIO bus and the trap path.
 *
 * A guest access to a device region is an exit (a trap into the VMM) unless
 * the region is mapped into the guest (the passed-through VCMDQ page).  The
 * exit is handled where the VM's trap mode says (docs/vm.md, "The trap
 * path"):
 *
 *  - VSMMU_VM_TRAP_VCPU: on the vCPU thread that made the access, as KVM
 *    returns KVM_EXIT_MMIO to the vCPU's own thread and the VMM emulates
 *    there.  Many vCPUs trap in parallel; the device's own locks order
 *    them.
 *  - VSMMU_VM_TRAP_THREAD: the vCPU posts the exit to the VMM thread and
 *    waits for it to be handled (the model of a VMM that serialises device
 *    emulation on one thread, or an ioregionfd/vhost-style handoff).
 *
 * The regions are fixed when the VM is built, so a lookup takes no lock.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/vm.h"

static const struct vm_region *bus_find(const struct vm_bus *b, uint64_t gpa)
{
	unsigned int i;

	for (i = 0; i < b->nregions; i++) {
		const struct vm_region *r = &b->regions[i];

		if (gpa >= r->base && gpa - r->base < r->size)
			return r;
	}
	return NULL;
}

static int region_access(const struct vm_region *r, uint64_t off,
			 unsigned int size, bool write, uint64_t *val)
{
	if (write)
		return r->write(r->ctx, off, size, *val);
	return r->read(r->ctx, off, size, val);
}

/* --- The VMM thread ------------------------------------------------------ */

static void *vmm_thread(void *arg)
{
	struct vm_bus *b = arg;
	struct vm_exit *e;

	pthread_mutex_lock(&b->lock);
	for (;;) {
		while (!b->head && !b->stop)
			pthread_cond_wait(&b->cond, &b->lock);
		if (!b->head)
			break;
		e = b->head;
		b->head = e->next;
		if (!b->head)
			b->tail = &b->head;
		pthread_mutex_unlock(&b->lock);
		e->rc = region_access(e->r, e->off, e->size, e->write, &e->val);
		pthread_mutex_lock(&b->lock);
		atomic_store_explicit(&e->done, true, memory_order_release);
		pthread_cond_broadcast(&b->done_cond);
	}
	pthread_mutex_unlock(&b->lock);
	return NULL;
}

static int post_exit(struct vm_bus *b, const struct vm_region *r, uint64_t off,
		     unsigned int size, bool write, uint64_t *val)
{
	struct vm_exit e = {
		.r = r, .off = off, .val = *val, .size = size, .write = write
	};

	pthread_mutex_lock(&b->lock);
	*b->tail = &e;
	b->tail = &e.next;
	pthread_cond_signal(&b->cond);
	while (!atomic_load_explicit(&e.done, memory_order_acquire))
		pthread_cond_wait(&b->done_cond, &b->lock);
	pthread_mutex_unlock(&b->lock);
	if (!write)
		*val = e.val;
	return e.rc;
}

int vm_bus_init(struct vm_bus *b, enum vsmmu_vm_trap trap)
{
	int rc;

	memset(b, 0, sizeof(*b));
	b->trap = trap;
	b->tail = &b->head;
	pthread_mutex_init(&b->lock, NULL);
	pthread_cond_init(&b->cond, NULL);
	pthread_cond_init(&b->done_cond, NULL);
	if (trap != VSMMU_VM_TRAP_THREAD)
		return 0;
	rc = pthread_create(&b->thread, NULL, vmm_thread, b);
	if (rc) {
		pthread_cond_destroy(&b->done_cond);
		pthread_cond_destroy(&b->cond);
		pthread_mutex_destroy(&b->lock);
		return -rc;
	}
	b->thread_on = true;
	return 0;
}

void vm_bus_fini(struct vm_bus *b)
{
	if (b->thread_on) {
		pthread_mutex_lock(&b->lock);
		b->stop = true;
		pthread_cond_signal(&b->cond);
		pthread_mutex_unlock(&b->lock);
		pthread_join(b->thread, NULL);
		b->thread_on = false;
	}
	pthread_cond_destroy(&b->done_cond);
	pthread_cond_destroy(&b->cond);
	pthread_mutex_destroy(&b->lock);
}

int vm_bus_add(struct vm_bus *b, const struct vm_region *r)
{
	unsigned int i;

	if (b->nregions == VM_MAX_REGIONS || !r->size ||
	    r->base + r->size < r->base)
		return -EINVAL;
	for (i = 0; i < b->nregions; i++) {
		const struct vm_region *o = &b->regions[i];

		if (r->base < o->base + o->size && o->base < r->base + r->size)
			return -EEXIST;
	}
	b->regions[b->nregions++] = *r;
	return 0;
}

/* --- Guest accesses -------------------------------------------------------- */

static int bus_access(struct vsmmu_vm *vm, uint64_t gpa, unsigned int size,
		      bool write, uint64_t *val)
{
	struct vm_bus *b = &vm->bus;
	const struct vm_region *r = bus_find(b, gpa);
	uint64_t off;

	if (!r) {
		atomic_fetch_add_explicit(&b->faults, 1, memory_order_relaxed);
		return -EFAULT;
	}
	off = gpa - r->base + r->off_base;
	if (r->direct) {
		atomic_fetch_add_explicit(&b->direct, 1, memory_order_relaxed);
		return region_access(r, off, size, write, val);
	}
	atomic_fetch_add_explicit(&b->exits, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&b->kind_exits[r->kind], 1,
				  memory_order_relaxed);
	if (b->trap == VSMMU_VM_TRAP_THREAD)
		return post_exit(b, r, off, size, write, val);
	return region_access(r, off, size, write, val);
}

int vsmmu_vm_mmio_read(struct vsmmu_vm *vm, uint64_t gpa, unsigned int size,
		       uint64_t *val)
{
	*val = 0;
	return bus_access(vm, gpa, size, false, val);
}

int vsmmu_vm_mmio_write(struct vsmmu_vm *vm, uint64_t gpa, unsigned int size,
			uint64_t val)
{
	return bus_access(vm, gpa, size, true, &val);
}

static int iomem_read(void *ctx, uint64_t off, unsigned int size, uint64_t *val)
{
	struct vsmmu_vm_iomem *io = ctx;

	return vsmmu_vm_mmio_read(io->vm, io->base + off, size, val);
}

static int iomem_write(void *ctx, uint64_t off, unsigned int size, uint64_t val)
{
	struct vsmmu_vm_iomem *io = ctx;

	return vsmmu_vm_mmio_write(io->vm, io->base + off, size, val);
}

const struct vsmmu_drv_mmio_ops vsmmu_vm_iomem_ops = {
	.read = iomem_read,
	.write = iomem_write,
};

void vsmmu_vm_get_trap_stats(struct vsmmu_vm *vm,
			     struct vsmmu_vm_trap_stats *st)
{
	struct vm_bus *b = &vm->bus;

	st->exits = atomic_load(&b->exits);
	st->direct = atomic_load(&b->direct);
	st->faults = atomic_load(&b->faults);
	st->smmu_exits = atomic_load(&b->kind_exits[VM_REGION_SMMU]);
	st->cmdqv_exits = atomic_load(&b->kind_exits[VM_REGION_CMDQV]);
	st->vcmdq_exits = atomic_load(&b->kind_exits[VM_REGION_VCMDQ]);
}
