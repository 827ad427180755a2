// SPDX-License-Identifier: MIT
/*
 * The VM: guest RAM in an IOAS, the guest's view of it, devices bound to
 * the iommufd context, one virtual SMMU per host SMMU among them, vCPU
 * threads, and the I/O thread that moves events into the guests.
 *
 * Creation is allocate -> initialise -> publish: every step's undo is the
 * label after it in vm_teardown()'s order (vsmmu_vm_destroy() and a failed
 * create run the same teardown, which skips what was never made).
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmm/vm.h"

#define RAM_ALIGN (2ULL << 20)
#define RAM_MAX (64ULL << 30)
#define VSID_BITS 16

static int ioctl_destroy(struct vsmmu_iommufd_ctx *ictx, uint32_t id)
{
	struct iommu_destroy d = { .size = sizeof(d), .id = id };

	return vsmmu_iommufd_ioctl(ictx, IOMMU_DESTROY, &d);
}

/* --- Configuration checks --------------------------------------------------- */

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

static int check_config(const struct vsmmu_vm_config *cfg)
{
	uint64_t base = cfg->ram_base ? cfg->ram_base : VSMMU_VM_RAM_BASE;
	unsigned int i, j;

	if (!cfg->ictx || !cfg->devs || !cfg->ndevs ||
	    cfg->ndevs > VSMMU_VM_MAX_DEVS)
		return -EINVAL;
	if (!cfg->ram_size || cfg->ram_size % RAM_ALIGN ||
	    cfg->ram_size > RAM_MAX || base % RAM_ALIGN ||
	    base + cfg->ram_size < base ||
	    base + cfg->ram_size > (1ULL << VSMMU_MEM_MAX_PA_BITS))
		return -EINVAL;
	/* RAM must not cover the device regions (0x09000000 .. 0x0a000000) */
	if (overlaps(base, cfg->ram_size, VSMMU_VM_GITS_FRAME, 0x01000000))
		return -EINVAL;
	if (cfg->cmdqv > VSMMU_VM_CMDQV_TRAPPED ||
	    cfg->trap > VSMMU_VM_TRAP_THREAD ||
	    cfg->pasid_mode > VSMMU_VM_PASID_MAPPED)
		return -EINVAL;
	for (i = 0; i < cfg->ndevs; i++) {
		if (cfg->devs[i].vsid >> VSID_BITS ||
		    cfg->devs[i].pasid_bits > 20 ||
		    (cfg->devs[i].pri && !cfg->devs[i].ats))
			return -EINVAL;
		for (j = 0; j < i; j++)
			if (cfg->devs[j].vsid == cfg->devs[i].vsid ||
			    (cfg->devs[j].sid == cfg->devs[i].sid &&
			     cfg->devs[j].host == cfg->devs[i].host))
				return -EINVAL;
	}
	return 0;
}

static unsigned int pa_bits_for(uint64_t end)
{
	unsigned int bits = 32;

	while (bits < VSMMU_MEM_MAX_PA_BITS && (end - 1) >> bits)
		bits++;
	return bits;
}

/* --- The I/O thread ----------------------------------------------------------- */

int vsmmu_vm_process(struct vsmmu_vm *vm)
{
	unsigned int i;
	int n = 0, rc;

	for (i = 0; i < vm->nvs; i++) {
		rc = vs_evtq_pump(vm->vs[i]);
		if (rc > 0)
			n += rc;
		rc = vs_priq_pump(vm->vs[i]);
		if (rc > 0)
			n += rc;
		if (vm->vs[i]->cv) {
			rc = vs_cmdqv_pump(vm->vs[i]);
			if (rc > 0)
				n += rc;
		}
	}
	return n;
}

static void *io_thread(void *arg)
{
	struct vsmmu_vm *vm = arg;
	struct pollfd pfd[1 + 3 * VSMMU_VM_MAX_SMMUS];
	unsigned int i, n;

	while (!atomic_load(&vm->io_stop)) {
		n = 0;
		pfd[n++] =
			(struct pollfd){ .fd = vm->stop_fd, .events = POLLIN };
		for (i = 0; i < vm->nvs; i++) {
			pfd[n++] = (struct pollfd){ .fd = vm->vs[i]->evfd,
						    .events = POLLIN };
			if (vm->vs[i]->fault_fd >= 0)
				pfd[n++] = (struct pollfd){
					.fd = vm->vs[i]->fault_fd,
					.events = POLLIN
				};
			if (vm->vs[i]->cv)
				pfd[n++] = (struct pollfd){ .fd = vs_cmdqv_evfd(
								    vm->vs[i]),
							    .events = POLLIN };
		}
		if (poll(pfd, n, 100) < 0 && errno != EINTR)
			break;
		if (pfd[0].revents)
			break;
		vsmmu_vm_process(vm);
	}
	return NULL;
}

/* --- Create and destroy ---------------------------------------------------------- */

static void vm_teardown(struct vsmmu_vm *vm)
{
	struct vsmmu_vcpu *c, *next;
	unsigned int i;

	for (c = vm->vcpus; c; c = next) {
		next = c->next;
		if (!c->joined)
			pthread_join(c->thread, NULL);
		free(c);
	}
	if (vm->io_on) {
		uint64_t one = 1;

		atomic_store(&vm->io_stop, true);
		if (write(vm->stop_fd, &one, sizeof(one)) < 0) {
			/* the flag alone stops it within one poll period */
		}
		pthread_join(vm->io_thread, NULL);
	}
	if (vm->stop_fd >= 0)
		close(vm->stop_fd);
	vm_bus_fini(&vm->bus);
	for (i = vm->nvs; i-- > 0;)
		vs_destroy(vm->vs[i]);
	vm_pasid_fini(vm);
	for (i = 0; i < vm->ndevs; i++) {
		if (vm->devs[i].dev_id)
			vsmmu_iommufd_device_unbind(vm->ictx,
						    vm->devs[i].dev_id);
		pthread_mutex_destroy(&vm->devs[i].msi_lock);
	}
	free(vm->devs);
	if (vm->ioas)
		ioctl_destroy(vm->ictx, vm->ioas); /* unmaps the RAM */
	vsmmu_mem_destroy(vm->gmem);
	if (vm->ram_owned)
		munmap(vm->ram, vm->ram_size);
	pthread_mutex_destroy(&vm->pasid_lock);
	pthread_mutex_destroy(&vm->vcpu_lock);
	free(vm);
}

static int map_ram(struct vsmmu_vm *vm)
{
	struct iommu_ioas_alloc a = { .size = sizeof(a) };
	struct iommu_ioas_map m = { .size = sizeof(m) };
	int rc;

	rc = vsmmu_mem_create(pa_bits_for(vm->ram_base + vm->ram_size),
			      &vm->gmem);
	if (!rc)
		rc = vsmmu_mem_map_host(vm->gmem, vm->ram_base, vm->ram,
					vm->ram_size);
	if (rc)
		return rc;
	rc = vsmmu_iommufd_ioctl(vm->ictx, IOMMU_IOAS_ALLOC, &a);
	if (rc)
		return rc;
	vm->ioas = a.out_ioas_id;
	/* IOVA = GPA: the IOAS is the guest-physical space */
	m.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
		  IOMMU_IOAS_MAP_WRITEABLE;
	m.ioas_id = vm->ioas;
	m.user_va = (uintptr_t)vm->ram;
	m.length = vm->ram_size;
	m.iova = vm->ram_base;
	return vsmmu_iommufd_ioctl(vm->ictx, IOMMU_IOAS_MAP, &m);
}

static int bind_devs(struct vsmmu_vm *vm)
{
	unsigned int i;
	int rc;

	vm->devs = calloc(vm->cfg.ndevs, sizeof(*vm->devs));
	if (!vm->devs)
		return -ENOMEM;
	for (i = 0; i < vm->cfg.ndevs; i++) {
		struct vm_dev *d = &vm->devs[i];
		struct vsmmu_iommufd_dev_cfg dc = { 0 };

		d->cfg = vm->cfg.devs[i];
		d->index = i;
		pthread_mutex_init(&d->msi_lock, NULL);
		vm->ndevs = i + 1;
		dc.host = d->cfg.host;
		dc.sids = &d->cfg.sid;
		dc.nsids = 1;
		dc.ats = d->cfg.ats;
		dc.pri = d->cfg.pri;
		dc.pasid_bits = d->cfg.pasid_bits;
		rc = vsmmu_iommufd_device_bind(vm->ictx, &dc, &d->dev_id);
		if (rc)
			return rc;
	}
	return 0;
}

/* One virtual SMMU per host SMMU, in the order the devices name them */
static int make_smmus(struct vsmmu_vm *vm)
{
	unsigned int i, j;
	int rc;

	for (i = 0; i < vm->ndevs; i++) {
		struct vm_dev *d = &vm->devs[i];
		struct vsmmu_vs *vs = NULL;

		for (j = 0; j < vm->nvs; j++)
			if (vm->vs[j]->host == d->cfg.host)
				vs = vm->vs[j];
		if (!vs) {
			if (vm->nvs == VSMMU_VM_MAX_SMMUS)
				return -EINVAL;
			rc = vs_create(vm, vm->nvs, d->cfg.host, d, &vs);
			if (rc)
				return rc;
			vm->vs[vm->nvs++] = vs;
		}
		rc = vs_add_dev(vs, d);
		if (rc)
			return rc;
	}
	return 0;
}

static int add_regions(struct vsmmu_vm *vm)
{
	unsigned int i;
	int rc = 0;

	for (i = 0; i < vm->nvs; i++) {
		struct vsmmu_vs *vs = vm->vs[i];
		struct vm_region r = { .base = VSMMU_VM_SMMU_BASE(i),
				       .size = SMMU_MMIO_SIZE,
				       .read = vs_mmio_read,
				       .write = vs_mmio_write,
				       .ctx = vs,
				       .kind = VM_REGION_SMMU };

		rc = vm_bus_add(&vm->bus, &r);
		if (rc)
			return rc;
		if (!vs->cv)
			continue;
		/* The CMDQV: trapped, except its VINTF0 logical page 0 */
		r = (struct vm_region){ .base = VSMMU_VM_CMDQV_BASE(i),
					.size = TEGRA241_VINTFi_PAGE0(0),
					.read = vs_cmdqv_read,
					.write = vs_cmdqv_write,
					.ctx = vs,
					.kind = VM_REGION_CMDQV };
		rc = vm_bus_add(&vm->bus, &r);
		if (!rc) {
			r.base = VSMMU_VM_CMDQV_BASE(i) +
				 TEGRA241_VINTFi_PAGE1(0);
			r.off_base = TEGRA241_VINTFi_PAGE1(0);
			r.size = SMMU_PAGE_SIZE;
			rc = vm_bus_add(&vm->bus, &r);
		}
		if (!rc) {
			r = (struct vm_region){
				.base = VSMMU_VM_CMDQV_BASE(i) +
					TEGRA241_VINTFi_PAGE0(0),
				.size = SMMU_PAGE_SIZE,
				.read = vs_vcmdq_read,
				.write = vs_vcmdq_write,
				.ctx = vs,
				.direct = vm->cfg.cmdqv ==
					  VSMMU_VM_CMDQV_PASSTHROUGH,
				.kind = VM_REGION_VCMDQ
			};
			rc = vm_bus_add(&vm->bus, &r);
		}
		if (rc)
			return rc;
	}
	return rc;
}

int vsmmu_vm_create(const struct vsmmu_vm_config *cfg, struct vsmmu_vm **out)
{
	struct vsmmu_vm *vm;
	unsigned int i;
	int rc;

	rc = check_config(cfg);
	if (rc)
		return rc;
	vm = calloc(1, sizeof(*vm));
	if (!vm)
		return -ENOMEM;
	vm->cfg = *cfg;
	vm->cfg.devs = NULL; /* copied into vm->devs */
	vm->ictx = cfg->ictx;
	vm->ram_base = cfg->ram_base ? cfg->ram_base : VSMMU_VM_RAM_BASE;
	vm->ram_size = cfg->ram_size;
	vm->stop_fd = -1;
	pthread_mutex_init(&vm->vcpu_lock, NULL);
	pthread_mutex_init(&vm->pasid_lock, NULL);
	/* The guest's own PASID space (mapped mode): what every PASID-capable
	 * device of the VM can carry */
	for (i = 0; i < cfg->ndevs; i++)
		if (cfg->devs[i].pasid_bits &&
		    (!vm->pasid_bits ||
		     cfg->devs[i].pasid_bits < vm->pasid_bits))
			vm->pasid_bits = cfg->devs[i].pasid_bits;
	rc = vm_bus_init(&vm->bus, cfg->trap);
	if (rc) {
		pthread_mutex_destroy(&vm->pasid_lock);
		pthread_mutex_destroy(&vm->vcpu_lock);
		free(vm);
		return rc;
	}
	vm->ram = cfg->ram;
	if (!vm->ram) {
		/* Anonymous memory: zero, and only touched pages cost */
		vm->ram = mmap(NULL, cfg->ram_size, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (vm->ram == MAP_FAILED) {
			vm->ram = NULL;
			rc = -ENOMEM;
			goto out_teardown;
		}
		vm->ram_owned = true;
	} else if ((uintptr_t)vm->ram % VSMMU_MEM_PAGE_SIZE) {
		rc = -EINVAL;
		goto out_teardown;
	}
	vm->cfg.devs = cfg->devs;
	rc = map_ram(vm);
	if (!rc)
		rc = bind_devs(vm);
	if (!rc)
		rc = make_smmus(vm);
	if (!rc)
		rc = add_regions(vm);
	vm->cfg.devs = NULL;
	if (rc)
		goto out_teardown;
	if (cfg->io_thread) {
		vm->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (vm->stop_fd < 0) {
			rc = -errno;
			goto out_teardown;
		}
		rc = -pthread_create(&vm->io_thread, NULL, io_thread, vm);
		if (rc)
			goto out_teardown;
		vm->io_on = true;
	}
	*out = vm;
	return 0;

out_teardown:
	vm_teardown(vm);
	return rc;
}

void vsmmu_vm_destroy(struct vsmmu_vm *vm)
{
	if (vm)
		vm_teardown(vm);
}

/* --- Accessors ------------------------------------------------------------------- */

struct vsmmu_mem *vsmmu_vm_gmem(const struct vsmmu_vm *vm)
{
	return vm->gmem;
}

void *vsmmu_vm_ram(const struct vsmmu_vm *vm, uint64_t *base, uint64_t *size)
{
	if (base)
		*base = vm->ram_base;
	if (size)
		*size = vm->ram_size;
	return vm->ram;
}

unsigned int vsmmu_vm_nr_smmus(const struct vsmmu_vm *vm)
{
	return vm->nvs;
}

unsigned int vsmmu_vm_nr_devs(const struct vsmmu_vm *vm)
{
	return vm->ndevs;
}

int vsmmu_vm_dev_smmu(const struct vsmmu_vm *vm, unsigned int dev)
{
	if (dev >= vm->ndevs || !vm->devs[dev].vs)
		return -EINVAL;
	return (int)vm->devs[dev].vs->index;
}

uint32_t vsmmu_vm_dev_vsid(const struct vsmmu_vm *vm, unsigned int dev)
{
	return dev < vm->ndevs ? vm->devs[dev].cfg.vsid : 0;
}

int vsmmu_vm_dev_caps(const struct vsmmu_vm *vm, unsigned int dev,
		      struct vsmmu_vm_dev_caps *caps)
{
	if (!vm || dev >= vm->ndevs || !caps)
		return -EINVAL;
	caps->pasid_bits = vm->devs[dev].cfg.pasid_bits;
	caps->ats = vm->devs[dev].cfg.ats;
	caps->pri = vm->devs[dev].cfg.pri;
	return 0;
}

uint32_t vsmmu_vm_dev_id(const struct vsmmu_vm *vm, unsigned int dev)
{
	return dev < vm->ndevs ? vm->devs[dev].dev_id : 0;
}

/* --- vCPUs ---------------------------------------------------------------------- */

static void *vcpu_main(void *arg)
{
	struct vsmmu_vcpu *c = arg;

	c->ret = c->fn(c, c->arg);
	return NULL;
}

int vsmmu_vm_vcpu_start(struct vsmmu_vm *vm, vsmmu_vcpu_fn *fn, void *arg,
			struct vsmmu_vcpu **out)
{
	struct vsmmu_vcpu *c = calloc(1, sizeof(*c));
	int rc;

	if (!c)
		return -ENOMEM;
	c->vm = vm;
	c->fn = fn;
	c->arg = arg;
	pthread_mutex_lock(&vm->vcpu_lock);
	c->index = vm->nvcpus;
	rc = pthread_create(&c->thread, NULL, vcpu_main, c);
	if (!rc) {
		vm->nvcpus++;
		c->next = vm->vcpus;
		vm->vcpus = c;
	}
	pthread_mutex_unlock(&vm->vcpu_lock);
	if (rc) {
		free(c);
		return -rc;
	}
	*out = c;
	return 0;
}

void *vsmmu_vm_vcpu_join(struct vsmmu_vcpu *c)
{
	if (!c->joined) {
		pthread_join(c->thread, NULL);
		c->joined = true;
	}
	return c->ret;
}

struct vsmmu_vm *vsmmu_vcpu_vm(const struct vsmmu_vcpu *c)
{
	return c->vm;
}

unsigned int vsmmu_vcpu_index(const struct vsmmu_vcpu *c)
{
	return c->index;
}

/* --- Devices --------------------------------------------------------------------- */

int vsmmu_vm_dev_dma(struct vsmmu_vm *vm, unsigned int dev,
		     struct vsmmu_iommufd_dma *op)
{
	uint32_t g;
	int rc;

	if (dev >= vm->ndevs || !op)
		return -EINVAL;
	if (!(op->flags & VSMMU_IOMMUFD_DMA_PASID) ||
	    vm->cfg.pasid_mode != VSMMU_VM_PASID_MAPPED)
		return vsmmu_iommufd_dma(vm->ictx, vm->devs[dev].dev_id, op);
	/* The device model (seed 004's VDCM) put the hPASID of the gPASID
	 * the guest programmed on the bus; one the guest does not hold was
	 * refused when written */
	g = op->pasid;
	if (vm_pasid_g2h(vm, g, &op->pasid))
		return -EINVAL;
	rc = vsmmu_iommufd_dma(vm->ictx, vm->devs[dev].dev_id, op);
	op->pasid = g;
	return rc;
}

int vsmmu_vm_dev_set_msi(struct vsmmu_vm *vm, unsigned int dev, uint64_t addr,
			 uint32_t data)
{
	struct vm_dev *d;
	int rc;

	if (dev >= vm->ndevs || (addr & 3))
		return -EINVAL;
	d = &vm->devs[dev];
	pthread_mutex_lock(&d->msi_lock);
	rc = vsmmu_iommufd_set_msi_addr(vm->ictx, d->dev_id, addr);
	if (!rc) {
		d->msi_addr = addr;
		d->msi_data = data;
		d->msi_valid = true;
	}
	pthread_mutex_unlock(&d->msi_lock);
	return rc;
}

int vsmmu_vm_dev_msi(struct vsmmu_vm *vm, unsigned int dev)
{
	struct vm_dev *d;
	uint32_t data;
	bool valid;

	if (dev >= vm->ndevs)
		return -EINVAL;
	d = &vm->devs[dev];
	pthread_mutex_lock(&d->msi_lock);
	valid = d->msi_valid;
	data = d->msi_data;
	pthread_mutex_unlock(&d->msi_lock);
	if (!valid)
		return -ENODEV;
	return vsmmu_iommufd_msi(vm->ictx, d->dev_id, data);
}
