// SPDX-License-Identifier: MIT
/*
 * The virtual SMMU's concurrency rules (include/vsmmu/vmm.h), exercised
 * the way a VM runs: two vCPU threads of the guest map, DMA and unmap
 * (strict) on their own devices' domains through the guest driver --
 * trapping into the virtual SMMU in parallel, ringing their VCMDQs --
 * while two device threads DMA to a page that stays mapped and raise
 * MSIs, the host's IRQ thread drains its event queue, the iommufd service
 * thread fills the VEVENTQs and the VMM's I/O thread moves events into
 * the guest's event queue.  Once with traps handled on the vCPU threads,
 * once by the VMM thread.  Under ThreadSanitizer in CI.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <vsmmu/arch.h>

#include "harness.h"
#include "vm_env.h"

#define PG 4096ULL
#define RAM VSMMU_VM_RAM_BASE
#define ITERS 150
#define FIXED_IOVA 0x100000ULL /* stays mapped: the devices' page */
#define WORK_IOVA 0x10000000ULL /* mapped and unmapped by the vCPUs */

struct tw {
	struct venv e;
	struct vsmmu_vm *vm;
	struct vsmmu_vm_guest *g;
	struct vsmmu_drv_domain *dom[2];
	atomic_bool stop;
	atomic_uint errors, dmas, faults, guest_events;
};

struct vcpu_arg {
	struct tw *t;
	unsigned int dev;
};

static void guest_event(void *arg, const struct vsmmu_drv_event *e)
{
	struct tw *t = arg;

	atomic_fetch_add(&t->guest_events, 1);
	if (e->sid != 0x10 && e->sid != 0x11)
		atomic_fetch_add(&t->errors, 1);
}

static void *vcpu_fn(struct vsmmu_vcpu *vcpu, void *arg)
{
	struct vcpu_arg *a = arg;
	struct tw *t = a->t;
	struct vsmmu_drv_domain *dom = t->dom[a->dev];
	uint64_t gpa = RAM + 0x400000 + 0x100000 * a->dev;
	unsigned int i;
	uint32_t w;
	int rc;

	for (i = 0; i < ITERS; i++) {
		uint64_t iova = WORK_IOVA + (i % 8) * PG;

		if (vsmmu_drv_map(dom, iova, gpa, PG,
				  VSMMU_PROT_READ | VSMMU_PROT_WRITE)) {
			atomic_fetch_add(&t->errors, 1);
			break;
		}
		w = i;
		if (venv_dma(t->vm, a->dev, iova, &w, 4, true))
			atomic_fetch_add(&t->errors, 1);
		if (vsmmu_drv_unmap(dom, iova, PG, 0, NULL, NULL) !=
		    (int64_t)PG)
			atomic_fetch_add(&t->errors, 1);
		/* Strict: the unmapped IOVA faults at once */
		rc = venv_dma(t->vm, a->dev, iova, &w, 4, false);
		if (rc != -EFAULT)
			atomic_fetch_add(&t->errors, 1);
		else
			atomic_fetch_add(&t->faults, 1);
		if (i % 16 == 0)
			vsmmu_drv_process(vsmmu_vm_guest_drv(t->g));
	}
	return NULL;
}

static void *device_fn(void *arg)
{
	struct vcpu_arg *a = arg;
	struct tw *t = a->t;
	uint32_t w;

	while (!atomic_load(&t->stop)) {
		if (venv_dma(t->vm, a->dev, FIXED_IOVA, &w, 4, false) ||
		    w != 0xd0d0 + a->dev)
			atomic_fetch_add(&t->errors, 1);
		if (vsmmu_vm_dev_msi(t->vm, a->dev))
			atomic_fetch_add(&t->errors, 1);
		atomic_fetch_add(&t->dmas, 1);
	}
	return NULL;
}

static void *host_irq_fn(void *arg)
{
	struct tw *t = arg;
	struct timespec ts = { 0, 200000 };

	while (!atomic_load(&t->stop)) {
		vsmmu_drv_process(t->e.drv);
		nanosleep(&ts, NULL);
	}
	return NULL;
}

static void run(enum vsmmu_vm_trap trap)
{
	static const struct venv_opts o = { .cmdqv = true, .io_thread = true };
	struct vsmmu_vm_dev_cfg d[2] = { { .sid = 0x40, .vsid = 0x10 },
					 { .sid = 0x41, .vsid = 0x11 } };
	struct vsmmu_vm_config c = { 0 };
	struct vsmmu_vm_guest_config gc = { 0 };
	struct vsmmu_iommufd_irq irq[64];
	struct vcpu_arg a[2];
	struct vsmmu_vcpu *vcpu[2];
	pthread_t dev[2], hirq;
	struct tw *t = calloc(1, sizeof(*t));
	unsigned int i, n, got = 0;
	unsigned char *ram;

	ASSERT_TRUE(t != NULL);
	ASSERT_OK(venv_init(&t->e, &o));
	c.ictx = t->e.ictx;
	c.ram_size = VENV_RAM_SIZE;
	c.devs = d;
	c.ndevs = 2;
	c.cmdqv = VSMMU_VM_CMDQV_PASSTHROUGH;
	c.trap = trap;
	c.io_thread = true;
	ASSERT_OK(vsmmu_vm_create(&c, &t->vm));
	ram = vsmmu_vm_ram(t->vm, NULL, NULL);
	gc.pool_size = VENV_POOL_SIZE;
	gc.cmdqv_nqueues = 2; /* one LVCMDQ per vCPU */
	gc.event_fn = guest_event;
	gc.event_arg = t;
	ASSERT_OK(vsmmu_vm_guest_create(t->vm, &gc, &t->g));
	for (i = 0; i < 2; i++) {
		ASSERT_OK(
			vsmmu_vm_guest_attach(t->g, i, 0x100 + i, &t->dom[i]));
		ASSERT_OK(vsmmu_drv_map(t->dom[i], FIXED_IOVA,
					RAM + 0x200000 + PG * i, PG,
					VSMMU_PROT_READ | VSMMU_PROT_WRITE));
		*(uint32_t *)(ram + 0x200000 + PG * i) = 0xd0d0 + i;
		a[i] = (struct vcpu_arg){ t, i };
	}
	ASSERT_OK(pthread_create(&hirq, NULL, host_irq_fn, t));
	for (i = 0; i < 2; i++)
		ASSERT_OK(pthread_create(&dev[i], NULL, device_fn, &a[i]));
	for (i = 0; i < 2; i++)
		ASSERT_OK(vsmmu_vm_vcpu_start(t->vm, vcpu_fn, &a[i], &vcpu[i]));
	for (i = 0; i < 2; i++)
		vsmmu_vm_vcpu_join(vcpu[i]);
	/* On a loaded machine the devices may not have run yet: let them
	 * do some DMA before they stop (bounded: 10 s) */
	for (i = 0; i < 100000 && atomic_load(&t->dmas) < 64; i++) {
		struct timespec ts = { 0, 100000 };

		nanosleep(&ts, NULL);
	}
	atomic_store(&t->stop, true);
	for (i = 0; i < 2; i++)
		pthread_join(dev[i], NULL);
	pthread_join(hirq, NULL);
	/* MSIs reached the host doorbell with the physical DeviceIDs */
	while ((n = vsmmu_iommufd_doorbell_take(t->e.ictx, irq, 64, NULL))) {
		for (i = 0; i < n; i++)
			if ((irq[i].devid != 0x40 || irq[i].eventid != 0x100) &&
			    (irq[i].devid != 0x41 || irq[i].eventid != 0x101))
				atomic_fetch_add(&t->errors, 1);
		got += n;
	}
	ASSERT_TRUE(got > 0);
	ASSERT_EQ(atomic_load(&t->errors), 0);
	ASSERT_EQ(atomic_load(&t->faults), 2 * ITERS);
	ASSERT_TRUE(atomic_load(&t->dmas) > 0);
	ASSERT_EQ(atomic_load(&t->e.host_events), 0);
	vsmmu_vm_guest_destroy(t->g);
	vsmmu_vm_destroy(t->vm);
	venv_fini(&t->e);
	free(t);
}

TEST(vmm_threads_vcpu_traps)
{
	run(VSMMU_VM_TRAP_VCPU);
}

TEST(vmm_threads_vmm_thread_traps)
{
	run(VSMMU_VM_TRAP_THREAD);
}
