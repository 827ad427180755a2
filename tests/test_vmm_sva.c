// SPDX-License-Identifier: MIT
/*
 * Shared virtual addressing in a guest (issue 10, section 4, the
 * guest-owned CD table): the guest's driver binds a guest process to a
 * device PASID in its own CD table; the host walks the process's tables
 * (at guest-physical addresses) through the VM's stage 2; the guest's CPU
 * unmaps reach the host as the guest's own TLBIs, through the virtual
 * SMMU.  And the virtual SMMU's PRI queue registers.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include <vsmmu/arch.h>
#include <vsmmu/bits.h>
#include <vsmmu/cpu.h>

#include "harness.h"
#include "vm_env.h"

#define RAM VSMMU_VM_RAM_BASE
#define MM_POOL (RAM + (8ULL << 20)) /* the guest's processes: 8 MiB */
#define MM_POOL_SIZE (8ULL << 20)
#define VA 0x10000000ULL /* in the guest process */
#define PASID 5

struct gs {
	struct venv e;
	struct vsmmu_vm *vm;
	struct vsmmu_vm_guest *g;
	struct vsmmu_mem_pool *pool;
	struct vsmmu_cpu *cpu;
	struct vsmmu_mm *mm;
	struct vsmmu_drv_domain *dom;
};

static int gs_init_mode(struct gs *s, bool pri, enum vsmmu_vm_pasid_mode mode);

static int gs_init(struct gs *s, bool pri)
{
	return gs_init_mode(s, pri, VSMMU_VM_PASID_GUEST);
}

static int gs_init_mode(struct gs *s, bool pri, enum vsmmu_vm_pasid_mode mode)
{
	struct vsmmu_vm_dev_cfg d = {
		.sid = 0x40,
		.vsid = 0x10,
		.ats = true,
		.pasid_bits = 8,
		.pri = pri,
	};
	struct vsmmu_vm_config c = { 0 };
	struct vsmmu_vm_guest_config gc = { 0 };
	struct vsmmu_cpu_config cc = { 0 };
	int rc;

	memset(s, 0, sizeof(*s));
	rc = venv_init(&s->e, NULL);
	if (rc)
		return rc;
	c.ictx = s->e.ictx;
	c.ram_size = VENV_RAM_SIZE;
	c.devs = &d;
	c.ndevs = 1;
	c.pasid_mode = mode;
	rc = vsmmu_vm_create(&c, &s->vm);
	if (rc)
		return rc;
	gc.pool_size = VENV_POOL_SIZE;
	gc.sva = true;
	rc = vsmmu_vm_guest_create(s->vm, &gc, &s->g);
	if (rc)
		return rc;
	/* The guest kernel's CPUs and a process, in guest RAM */
	rc = vsmmu_mem_pool_create(vsmmu_vm_gmem(s->vm), MM_POOL, MM_POOL_SIZE,
				   &s->pool);
	if (rc)
		return rc;
	cc.nr_cpus = 2;
	cc.pool = s->pool;
	rc = vsmmu_cpu_create(&cc, &s->cpu);
	if (!rc)
		rc = vsmmu_mm_create(s->cpu, &s->mm);
	if (!rc)
		rc = vsmmu_vm_guest_attach(s->g, 0, 1, &s->dom);
	return rc;
}

static void gs_fini(struct gs *s)
{
	vsmmu_vm_guest_destroy(s->g);
	if (s->mm)
		vsmmu_mm_destroy(s->mm);
	vsmmu_cpu_destroy(s->cpu);
	vsmmu_mem_pool_destroy(s->pool);
	vsmmu_vm_destroy(s->vm);
	venv_fini(&s->e);
}

static int pasid_dma(struct gs *s, uint32_t pasid, uint64_t va, void *buf,
		     size_t len, bool write)
{
	struct vsmmu_iommufd_dma op = {
		.iova = va,
		.buf = buf,
		.len = len,
		.flags = VSMMU_IOMMUFD_DMA_PASID |
			 (write ? VSMMU_IOMMUFD_DMA_WRITE : 0),
		.pasid = pasid,
	};

	return vsmmu_vm_dev_dma(s->vm, 0, &op);
}

TEST(vmm_guest_sva_on_its_own_cd_table)
{
	static const char msg[] = "guest process data";
	struct vsmmu_vm_smmu_stats st0, st1;
	enum vsmmu_vm_ste kind;
	uint64_t ste[2];
	char buf[32];
	struct gs s;

	ASSERT_OK(gs_init(&s, false));
	ASSERT_OK(vsmmu_mm_mmap(s.mm, VA, 4 * 4096,
				VSMMU_MM_READ | VSMMU_MM_WRITE));
	ASSERT_OK(vsmmu_mm_write(s.mm, VA + 0x1000, msg, sizeof(msg)));
	ASSERT_OK(vsmmu_vm_guest_sva_bind(s.g, 0, PASID, s.mm));
	/* The host took the guest's STE with its CD table: S1CDMax is the
	 * device's 8 PASID bits (below the virtual SSIDSIZE) */
	ASSERT_OK(vsmmu_vm_dev_ste(s.vm, 0, &kind, ste));
	ASSERT_EQ(kind, VSMMU_VM_STE_S1);
	ASSERT_EQ(VS_FIELD_GET(STRTAB_STE_0_S1CDMAX, ste[0]), 8);
	/* The device reads the process's page at its VA on the PASID: the
	 * guest's tables at guest-physical addresses, walked by the host
	 * through the VM's stage 2 */
	memset(buf, 0, sizeof(buf));
	ASSERT_OK(pasid_dma(&s, PASID, VA + 0x1000, buf, sizeof(msg), false));
	ASSERT_EQ(memcmp(buf, msg, sizeof(msg)), 0);
	/* A page the process never touched is not present: without PRI the
	 * device's write faults; once the CPU touched it, it lands */
	ASSERT_EQ(pasid_dma(&s, PASID, VA + 0x2000, "dev", 4, true), -EFAULT);
	ASSERT_OK(vsmmu_mm_fault(s.mm, VA + 0x2000, VSMMU_MM_WRITE));
	ASSERT_OK(pasid_dma(&s, PASID, VA + 0x2000, "dev", 4, true));
	memset(buf, 0, sizeof(buf));
	ASSERT_OK(vsmmu_mm_read(s.mm, VA + 0x2000, buf, 4));
	ASSERT_EQ(strcmp(buf, "dev"), 0);
	/* Another PASID is not bound: its CD is invalid */
	ASSERT_EQ(pasid_dma(&s, PASID + 1, VA + 0x1000, buf, 4, false),
		  -EFAULT);
	/* The guest CPU unmaps: no BTM in the virtual SMMU, so the guest's
	 * notifier sends TLBI_NH_VA, which the VMM forwards to the host
	 * (HWPT_INVALIDATE); the device's next read faults */
	vsmmu_vm_smmu_get_stats(s.vm, 0, &st0);
	ASSERT_OK(vsmmu_mm_munmap(s.mm, VA + 0x1000, 4096));
	vsmmu_vm_smmu_get_stats(s.vm, 0, &st1);
	ASSERT_TRUE(st1.inv_calls > st0.inv_calls);
	ASSERT_EQ(pasid_dma(&s, PASID, VA + 0x1000, buf, 4, false), -EFAULT);
	/* The rest of the range still translates */
	ASSERT_OK(pasid_dma(&s, PASID, VA + 0x2000, buf, 4, false));
	/* Unbound: the PASID faults */
	ASSERT_OK(vsmmu_vm_guest_sva_unbind(s.g, 0, PASID));
	ASSERT_EQ(pasid_dma(&s, PASID, VA + 0x2000, buf, 4, false), -EFAULT);
	ASSERT_EQ(vsmmu_vm_guest_sva_unbind(s.g, 0, PASID), -ENOENT);
	ASSERT_EQ(vsmmu_vm_guest_sva_bind(s.g, 1, PASID, s.mm), -EINVAL);
	gs_fini(&s);
}

TEST(vmm_priq_registers)
{
	struct gs s;
	uint32_t idr[6];

	ASSERT_OK(gs_init(&s, true));
	/* The host SMMU has PRI: so does the virtual one (PRIQS = 10) */
	ASSERT_OK(vsmmu_vm_smmu_idr(s.vm, 0, idr));
	ASSERT_EQ(idr[0] & IDR0_PRI, IDR0_PRI);
	ASSERT_EQ(VS_FIELD_GET(IDR1_PRIQS, idr[1]), 10);
	/* The guest's driver enabled its PRI queue and interrupt */
	ASSERT_EQ(venv_rd(s.vm, ARM_SMMU_CR0, 4) & CR0_PRIQEN, CR0_PRIQEN);
	ASSERT_EQ(venv_rd(s.vm, ARM_SMMU_IRQ_CTRL, 4) & IRQ_CTRL_PRIQ_IRQEN,
		  IRQ_CTRL_PRIQ_IRQEN);
	ASSERT_TRUE(venv_rd(s.vm, ARM_SMMU_PRIQ_BASE, 8) != 0);
	/* PRIQ_BASE ignores writes while PRIQEN = 1 */
	ASSERT_OK(venv_wr(s.vm, ARM_SMMU_PRIQ_BASE, 8, RAM));
	ASSERT_TRUE(venv_rd(s.vm, ARM_SMMU_PRIQ_BASE, 8) != RAM);
	/* PRIQ_PROD is the SMMU's while the queue is on */
	ASSERT_OK(venv_wr(s.vm, ARM_SMMU_PRIQ_PROD, 4, 3));
	ASSERT_EQ(venv_rd(s.vm, ARM_SMMU_PRIQ_PROD, 4), 0);
	/* PRIQ_IRQ_CFG2 keeps SH and MemAttr only */
	ASSERT_OK(venv_wr(s.vm, ARM_SMMU_PRIQ_IRQ_CFG2, 4, 0xffffffff));
	ASSERT_EQ(venv_rd(s.vm, ARM_SMMU_PRIQ_IRQ_CFG2, 4),
		  MSI_CFG2_SH | MSI_CFG2_MEMATTR);
	gs_fini(&s);
}

TEST(vmm_no_priq_without_host_pri)
{
	const struct venv_opts o = { .no_pri = true };
	struct vsmmu_vm *vm;
	struct venv e;
	uint32_t idr[6];

	ASSERT_OK(venv_init(&e, &o));
	ASSERT_OK(venv_vm(&e, 1, VSMMU_VM_CMDQV_OFF, VSMMU_VM_TRAP_VCPU, &vm));
	ASSERT_OK(vsmmu_vm_smmu_idr(vm, 0, idr));
	ASSERT_EQ(idr[0] & IDR0_PRI, 0);
	ASSERT_EQ(VS_FIELD_GET(IDR1_PRIQS, idr[1]), 0);
	/* The PRI queue's registers are not there (RAZ/WI), nor PRIQEN or
	 * PRIQ_IRQEN */
	ASSERT_OK(venv_wr(vm, ARM_SMMU_PRIQ_BASE, 8, RAM));
	ASSERT_EQ(venv_rd(vm, ARM_SMMU_PRIQ_BASE, 8), 0);
	ASSERT_OK(venv_wr(vm, ARM_SMMU_PRIQ_CONS, 4, 1));
	ASSERT_EQ(venv_rd(vm, ARM_SMMU_PRIQ_CONS, 4), 0);
	ASSERT_OK(venv_wr(vm, ARM_SMMU_CR0, 4, CR0_PRIQEN));
	ASSERT_EQ(venv_rd(vm, ARM_SMMU_CR0, 4), 0);
	ASSERT_OK(venv_wr(vm, ARM_SMMU_IRQ_CTRL, 4, IRQ_CTRL_PRIQ_IRQEN));
	ASSERT_EQ(venv_rd(vm, ARM_SMMU_IRQ_CTRLACK, 4), 0);
	vsmmu_vm_destroy(vm);
	venv_fini(&e);
}

/*
 * The host-owned PASID table (seed 004), both designs.  Two host PASIDs
 * are taken first (another VM's, say), so the host's next one is 3.
 */
static void host_owned(enum vsmmu_vm_pasid_mode mode)
{
	static const char msg[] = "bound at a host PASID";
	struct vsmmu_vm_smmu_stats st;
	uint32_t other[2], g, h, g2, dev_id;
	enum vsmmu_vm_ste kind;
	uint64_t cap;
	char buf[32];
	struct gs s;

	ASSERT_OK(gs_init_mode(&s, false, mode));
	dev_id = vsmmu_vm_dev_id(s.vm, 0);
	ASSERT_OK(vsmmu_iommufd_pasid_alloc(s.e.ictx, dev_id, &other[0]));
	ASSERT_OK(vsmmu_iommufd_pasid_alloc(s.e.ictx, dev_id, &other[1]));
	ASSERT_EQ(other[0], 1);
	ASSERT_EQ(other[1], 2);
	/* The virtual command interface is there */
	cap = venv_rd(s.vm, VSMMU_VM_VCMD_CAP, 4);
	ASSERT_EQ(cap, VSMMU_VM_VCMD_CAP_PASID);
	/* The guest's RID is the VM's stage 2 (identity) */
	ASSERT_OK(vsmmu_vm_dev_ste(s.vm, 0, &kind, NULL));
	ASSERT_EQ(kind, VSMMU_VM_STE_BYPASS);
	/* The guest asks for a PASID: identity gives the host's next (3);
	 * mapped gives the guest's own first (1), backed by host PASID 3 */
	ASSERT_OK(vsmmu_vm_guest_pasid_alloc(s.g, &g));
	h = 3;
	ASSERT_EQ(g, mode == VSMMU_VM_PASID_IDENTITY ? 3 : 1);
	ASSERT_OK(vsmmu_mm_mmap(s.mm, VA, 4 * 4096,
				VSMMU_MM_READ | VSMMU_MM_WRITE));
	ASSERT_OK(vsmmu_mm_write(s.mm, VA + 0x1000, msg, sizeof(msg)));
	/* The guest binds its process at g in its own CD table and
	 * invalidates it: the VMM binds that CD at h of the host's table */
	ASSERT_OK(vsmmu_vm_guest_sva_bind(s.g, 0, g, s.mm));
	vsmmu_vm_smmu_get_stats(s.vm, 0, &st);
	ASSERT_EQ(st.pasid_allocs, 1);
	ASSERT_EQ(st.pasid_binds, 1);
	ASSERT_EQ(st.pasid_refused, 0);
	/* The device, programmed with g, reads the process */
	memset(buf, 0, sizeof(buf));
	ASSERT_OK(pasid_dma(&s, g, VA + 0x1000, buf, sizeof(msg), false));
	ASSERT_EQ(memcmp(buf, msg, sizeof(msg)), 0);
	if (mode == VSMMU_VM_PASID_MAPPED) {
		struct vsmmu_iommufd_dma op = {
			.iova = VA + 0x1000,
			.buf = buf,
			.len = 4,
			.flags = VSMMU_IOMMUFD_DMA_PASID,
			.pasid = g,
		};

		/* On the bus the transaction carries h; the raw gPASID is
		 * nothing on the host (its CD is invalid) */
		ASSERT_EQ(vsmmu_iommufd_dma(s.e.ictx, dev_id, &op), -EFAULT);
		op.pasid = h;
		ASSERT_OK(vsmmu_iommufd_dma(s.e.ictx, dev_id, &op));
		/* The device model refuses a gPASID the guest does not hold */
		ASSERT_EQ(pasid_dma(&s, 2, VA + 0x1000, buf, 4, false),
			  -EINVAL);
	}
	/* A guest CPU unmap: the guest's TLBI (its ASID, the VM's VMID on
	 * the host) drops what the host cached for the PASID */
	ASSERT_OK(vsmmu_mm_munmap(s.mm, VA + 0x1000, 4096));
	ASSERT_EQ(pasid_dma(&s, g, VA + 0x1000, buf, 4, false), -EFAULT);
	/* A second PASID; then the first freed: unbound on the host, and
	 * its host PASID free again */
	ASSERT_OK(vsmmu_vm_guest_pasid_alloc(s.g, &g2));
	ASSERT_EQ(g2, mode == VSMMU_VM_PASID_IDENTITY ? 4 : 2);
	ASSERT_OK(vsmmu_vm_guest_sva_unbind(s.g, 0, g));
	ASSERT_OK(vsmmu_vm_guest_pasid_free(s.g, g));
	ASSERT_EQ(vsmmu_vm_guest_pasid_free(s.g, g), -EINVAL);
	vsmmu_vm_smmu_get_stats(s.vm, 0, &st);
	ASSERT_EQ(st.pasid_unbinds, 1);
	ASSERT_OK(vsmmu_iommufd_pasid_alloc(s.e.ictx, dev_id, &other[0]));
	ASSERT_EQ(other[0], 3);
	/* A CD the guest writes for a PASID it does not hold is not bound */
	ASSERT_OK(vsmmu_vm_guest_sva_bind(s.g, 0, 7, s.mm));
	vsmmu_vm_smmu_get_stats(s.vm, 0, &st);
	ASSERT_TRUE(st.pasid_refused >= 1);
	ASSERT_EQ(st.pasid_binds, 1);
	ASSERT_EQ(pasid_dma(&s, 7, VA + 0x2000, buf, 4, false),
		  mode == VSMMU_VM_PASID_MAPPED ? -EINVAL : -EFAULT);
	gs_fini(&s);
}

TEST(vmm_host_owned_pasids_identity)
{
	host_owned(VSMMU_VM_PASID_IDENTITY);
}

TEST(vmm_host_owned_pasids_mapped)
{
	host_owned(VSMMU_VM_PASID_MAPPED);
}

/* --- I/O page faults in the guest (PRI through the virtual SMMU) ----------- */

struct gdma {
	struct gs *s;
	uint32_t pasid; /* 0: PASID */
	uint64_t va;
	char buf[32];
	size_t len;
	bool write;
	int rc;
	atomic_bool done;
	struct vsmmu_iommufd_dma op;
};

static void *gdma_thread(void *arg)
{
	struct gdma *d = arg;

	d->op = (struct vsmmu_iommufd_dma){
		.iova = d->va,
		.buf = d->buf,
		.len = d->len,
		.flags = VSMMU_IOMMUFD_DMA_PASID | VSMMU_IOMMUFD_DMA_PRI |
			 (d->write ? VSMMU_IOMMUFD_DMA_WRITE : 0),
		.pasid = d->pasid ? d->pasid : PASID,
		.pri_wait_ns = 10000000000ULL,
	};
	d->rc = vsmmu_vm_dev_dma(d->s->vm, 0, &d->op);
	atomic_store(&d->done, true);
	return NULL;
}

/* The machinery a real system runs on its own threads, until @d is done */
static void run_until(struct gs *s, struct gdma *d)
{
	unsigned int i;

	for (i = 0; i < 20000 && !atomic_load(&d->done); i++) {
		venv_process(&s->e); /* host IRQ thread, iommufd service */
		vsmmu_vm_process(s->vm); /* the VMM's I/O thread */
		vsmmu_drv_process(vsmmu_vm_guest_drv(s->g)); /* the guest's */
		usleep(100);
	}
}

TEST(vmm_guest_page_requests_resolved_and_refused)
{
	static const char msg[] = "faulted in by the guest";
	struct vsmmu_vm_smmu_stats st;
	struct gdma d;
	pthread_t t;
	struct gs s;
	char buf[32];

	ASSERT_OK(gs_init(&s, true));
	ASSERT_OK(vsmmu_mm_mmap(s.mm, VA, 4 * 4096,
				VSMMU_MM_READ | VSMMU_MM_WRITE));
	ASSERT_OK(vsmmu_vm_guest_sva_bind(s.g, 0, PASID, s.mm));
	/* The device writes a page the process never touched: the
	 * completion denies it, the page request reaches the guest's PRI
	 * queue (its vSID and PASID), the guest faults the page into its
	 * process and answers Success, the device retries and writes */
	memset(&d, 0, sizeof(d));
	d.s = &s;
	d.va = VA + 0x2000;
	d.len = sizeof(msg);
	d.write = true;
	memcpy(d.buf, msg, sizeof(msg));
	ASSERT_OK(pthread_create(&t, NULL, gdma_thread, &d));
	run_until(&s, &d);
	ASSERT_OK(pthread_join(t, NULL));
	ASSERT_EQ(d.rc, 0);
	ASSERT_EQ(d.op.pri_requests, 1);
	ASSERT_EQ(d.op.pri_response, VSMMU_PRI_RESP_SUCCESS);
	memset(buf, 0, sizeof(buf));
	ASSERT_OK(vsmmu_mm_read(s.mm, VA + 0x2000, buf, sizeof(msg)));
	ASSERT_EQ(memcmp(buf, msg, sizeof(msg)), 0);
	vsmmu_vm_smmu_get_stats(s.vm, 0, &st);
	ASSERT_EQ(st.pprs, 1);
	ASSERT_EQ(st.pri_resps, 1);
	ASSERT_EQ(st.pri_auto, 0);
	/* Outside every VMA: the guest refuses, the device gives up */
	memset(&d, 0, sizeof(d));
	d.s = &s;
	d.va = VA + 0x100000;
	d.len = 4;
	ASSERT_OK(pthread_create(&t, NULL, gdma_thread, &d));
	run_until(&s, &d);
	ASSERT_OK(pthread_join(t, NULL));
	ASSERT_EQ(d.rc, -EFAULT);
	ASSERT_EQ(d.op.pri_response, VSMMU_PRI_RESP_INVALID);
	vsmmu_vm_smmu_get_stats(s.vm, 0, &st);
	ASSERT_EQ(st.pprs, 2);
	ASSERT_EQ(st.pri_resps, 2);
	gs_fini(&s);
}

/*
 * Host-owned PASIDs with a PRI device: a page request on one PASID waits
 * in the guest's PRI queue while the guest gives up another PASID.  Only
 * the faults of the attachment that goes are answered by the host (as
 * Linux's iommufd_auto_response_faults answers one attach handle's): the
 * waiting group is the guest's to answer, and the device gets the page.
 * Then the last PASID goes, which takes the host CD table out of the VM's
 * stage 2 while the master has ATS on (that unmap's ATC invalidation
 * once waited for the master's lock its caller held).
 */
static void host_owned_pri(enum vsmmu_vm_pasid_mode mode)
{
	static const char msg[] = "still the guest's to answer";
	struct vsmmu_vm_smmu_stats st;
	struct gdma d;
	uint32_t a, b;
	pthread_t t;
	struct gs s;
	char buf[32];
	unsigned int i;

	ASSERT_OK(gs_init_mode(&s, true, mode));
	ASSERT_OK(vsmmu_mm_mmap(s.mm, VA, 4 * 4096,
				VSMMU_MM_READ | VSMMU_MM_WRITE));
	ASSERT_OK(vsmmu_vm_guest_pasid_alloc(s.g, &a));
	ASSERT_OK(vsmmu_vm_guest_pasid_alloc(s.g, &b));
	ASSERT_OK(vsmmu_vm_guest_sva_bind(s.g, 0, a, s.mm));
	ASSERT_OK(vsmmu_vm_guest_sva_bind(s.g, 0, b, s.mm));
	memset(&d, 0, sizeof(d));
	d.s = &s;
	d.pasid = a;
	d.va = VA + 0x3000;
	d.len = sizeof(msg);
	d.write = true;
	memcpy(d.buf, msg, sizeof(msg));
	ASSERT_OK(pthread_create(&t, NULL, gdma_thread, &d));
	/* The host and the VMM run, the guest does not: the group reaches
	 * the guest's PRI queue and waits there (with the guest's PASID) */
	for (i = 0; i < 20000; i++) {
		venv_process(&s.e);
		vsmmu_vm_process(s.vm);
		vsmmu_vm_smmu_get_stats(s.vm, 0, &st);
		if (st.pprs)
			break;
		usleep(100);
	}
	ASSERT_EQ(st.pprs, 1);
	/* The guest gives up PASID b meanwhile */
	ASSERT_OK(vsmmu_vm_guest_sva_unbind(s.g, 0, b));
	ASSERT_OK(vsmmu_vm_guest_pasid_free(s.g, b));
	venv_process(&s.e);
	ASSERT_FALSE(atomic_load(&d.done));
	/* The guest answers a's group: resolved, the device writes */
	run_until(&s, &d);
	ASSERT_OK(pthread_join(t, NULL));
	ASSERT_EQ(d.rc, 0);
	ASSERT_EQ(d.op.pri_response, VSMMU_PRI_RESP_SUCCESS);
	memset(buf, 0, sizeof(buf));
	ASSERT_OK(vsmmu_mm_read(s.mm, VA + 0x3000, buf, sizeof(msg)));
	ASSERT_EQ(memcmp(buf, msg, sizeof(msg)), 0);
	vsmmu_vm_smmu_get_stats(s.vm, 0, &st);
	ASSERT_EQ(st.pri_resps, 1);
	ASSERT_EQ(st.pri_resps_dropped, 0);
	/* The last PASID goes: the host CD table leaves the stage 2 */
	ASSERT_OK(vsmmu_vm_guest_sva_unbind(s.g, 0, a));
	ASSERT_OK(vsmmu_vm_guest_pasid_free(s.g, a));
	vsmmu_vm_smmu_get_stats(s.vm, 0, &st);
	ASSERT_EQ(st.pasid_unbinds, 2);
	ASSERT_EQ(pasid_dma(&s, a, VA + 0x3000, buf, 4, false),
		  mode == VSMMU_VM_PASID_MAPPED ? -EINVAL : -EFAULT);
	gs_fini(&s);
}

TEST(vmm_host_owned_pri_identity)
{
	host_owned_pri(VSMMU_VM_PASID_IDENTITY);
}

TEST(vmm_host_owned_pri_mapped)
{
	host_owned_pri(VSMMU_VM_PASID_MAPPED);
}
