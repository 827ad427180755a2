// SPDX-License-Identifier: MIT
/* The VMM layer's tests' host: see vm_env.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <vsmmu/arch.h>

#include "harness.h"
#include "vm_env.h"

static void host_event(void *arg, const struct vsmmu_drv_event *evt)
{
	struct venv *e = arg;

	if (e->ictx && vsmmu_iommufd_host_event(e->ictx, 0, evt))
		return;
	atomic_fetch_add(&e->host_events, 1);
}

/* The driver's pri_fn: the context's FAULT queues may take the group */
static int host_ppr(void *arg, const struct vsmmu_drv_ppr *req)
{
	struct venv *e = arg;

	if (e->ictx && vsmmu_iommufd_host_ppr(e->ictx, 0, req))
		return VSMMU_DRV_PRI_DEFER;
	return -ENODEV;
}

static void quiet(void *arg, const char *msg)
{
	if (getenv("VSMMU_TEST_VERBOSE"))
		printf("# host: %s\n", msg);
}

int venv_init(struct venv *e, const struct venv_opts *o)
{
	static const struct venv_opts none;
	struct vsmmu_iommufd_config ic = { 0 };
	struct vsmmu_iommufd_host h;
	struct vsmmu_host_config hc;
	int rc;

	if (!o)
		o = &none;
	memset(e, 0, sizeof(*e));
	vsmmu_host_config_default(&hc);
	hc.smmu.exec = VSMMU_EXEC_SYNC;
	if (o->no_ats)
		hc.smmu.idr[0] &= ~(uint32_t)IDR0_ATS;
	if (o->no_pri)
		hc.smmu.idr[0] &= ~(uint32_t)IDR0_PRI;
	if (o->cmdqv) {
		hc.smmu.cmdqv.present = true;
		hc.smmu.cmdqv.num_vintf_log2 = 2;
		hc.smmu.cmdqv.num_vcmdq_log2 = 3;
		hc.smmu.cmdqv.num_sid_per_vm_log2 = 4;
		hc.drv.cmdqv_nqueues = 1;
	}
	hc.pool_base = 0x10000000ULL;
	hc.pool_size = 32ULL << 20;
	hc.drv.event_fn = host_event;
	hc.drv.event_arg = e;
	hc.drv.pri_fn = host_ppr;
	hc.drv.pri_arg = e;
	hc.drv.log_fn = quiet;
	hc.drv.timeout_ns = 5000000000ULL;
	rc = vsmmu_host_create(&hc, NULL, &e->host);
	if (rc)
		return rc;
	e->drv = vsmmu_host_drv(e->host);
	e->smmu = vsmmu_host_smmu(e->host);
	e->mem = vsmmu_host_mem(e->host);
	h.smmu = e->smmu;
	h.drv = e->drv;
	ic.hosts = &h;
	ic.nhosts = 1;
	ic.no_service_thread = !o->io_thread;
	return vsmmu_iommufd_ctx_create(&ic, &e->ictx);
}

void venv_fini(struct venv *e)
{
	vsmmu_iommufd_ctx_destroy(e->ictx);
	e->ictx = NULL;
	vsmmu_host_destroy(e->host);
	memset(e, 0, sizeof(*e));
}

void venv_process(struct venv *e)
{
	vsmmu_drv_process(e->drv);
	vsmmu_iommufd_process(e->ictx);
}

static int make_vm(struct venv *e, unsigned int ndevs, uint32_t sid0,
		   enum vsmmu_vm_cmdqv cmdqv, enum vsmmu_vm_trap trap,
		   struct vsmmu_vm **vm)
{
	struct vsmmu_vm_dev_cfg d[8];
	struct vsmmu_vm_config c = { 0 };
	unsigned int i;

	if (ndevs > 8)
		return -EINVAL;
	memset(d, 0, sizeof(d));
	for (i = 0; i < ndevs; i++) {
		d[i].sid = sid0 + i;
		d[i].vsid = 0x10 + i;
		d[i].ats = true;
	}
	c.ictx = e->ictx;
	c.ram_size = VENV_RAM_SIZE;
	c.devs = d;
	c.ndevs = ndevs;
	c.cmdqv = cmdqv;
	c.trap = trap;
	return vsmmu_vm_create(&c, vm);
}

int venv_vm(struct venv *e, unsigned int ndevs, enum vsmmu_vm_cmdqv cmdqv,
	    enum vsmmu_vm_trap trap, struct vsmmu_vm **vm)
{
	return make_vm(e, ndevs, 0x40, cmdqv, trap, vm);
}

int venv_vm2(struct venv *e, unsigned int ndevs, enum vsmmu_vm_cmdqv cmdqv,
	     struct vsmmu_vm **vm)
{
	return make_vm(e, ndevs, 0x60, cmdqv, VSMMU_VM_TRAP_VCPU, vm);
}

int venv_guest(struct vsmmu_vm *vm, bool no_cmdqv, struct vsmmu_vm_guest **g)
{
	struct vsmmu_vm_guest_config gc = { 0 };

	gc.pool_size = VENV_POOL_SIZE;
	gc.no_cmdqv = no_cmdqv;
	gc.cmdqv_nqueues = 1;
	return vsmmu_vm_guest_create(vm, &gc, g);
}

uint64_t venv_rd(struct vsmmu_vm *vm, uint64_t off, unsigned int size)
{
	uint64_t v = ~0ULL;

	if (vsmmu_vm_mmio_read(vm, VSMMU_VM_SMMU_BASE(0) + off, size, &v))
		return ~0ULL;
	return v;
}

int venv_wr(struct vsmmu_vm *vm, uint64_t off, unsigned int size, uint64_t val)
{
	return vsmmu_vm_mmio_write(vm, VSMMU_VM_SMMU_BASE(0) + off, size, val);
}

int venv_dma(struct vsmmu_vm *vm, unsigned int dev, uint64_t iova, void *buf,
	     size_t len, bool write)
{
	struct vsmmu_iommufd_dma op = {
		.iova = iova,
		.buf = buf,
		.len = len,
		.flags = write ? VSMMU_IOMMUFD_DMA_WRITE : 0,
	};

	return vsmmu_vm_dev_dma(vm, dev, &op);
}
