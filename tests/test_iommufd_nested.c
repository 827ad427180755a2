// SPDX-License-Identifier: MIT
/*
 * A VM's worth of iommufd objects, end to end: an IOAS over a user buffer
 * that is the guest's RAM, a nest parent, a vIOMMU, the device's vDEVICE,
 * a nested HWPT from a guest STE whose CD and stage-1 tables live in that
 * guest RAM (built with the page-table library, as a guest driver would),
 * device DMA landing in the user buffer, a guest unmap invalidated
 * through HWPT_INVALIDATE, the next DMA's fault read from the VEVENTQ fd
 * with the virtual StreamID, and the device's MSI through gIOVA -> gDB ->
 * hDB reaching the doorbell.  Plus the errnos of VIOMMU_ALLOC,
 * VDEVICE_ALLOC, nested HWPT_ALLOC, HWPT_INVALIDATE and VEVENTQ_ALLOC.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <vsmmu/arch.h>
#include <vsmmu/bits.h>
#include <vsmmu/pgtable.h>

#include "harness.h"
#include "iommufd_env.h"

#define PG 4096ULL
#define RAM_SIZE (8ULL << 20)
#define GPA_CDTAB 0x80000ULL /* the guest's CD table (one CD) */
#define GPA_POOL 0x100000ULL /* the guest's page tables from here */
#define GPA_DATA 0x400000ULL /* a guest page the device writes */
#define GIOVA 0x7000000ULL /* the guest's IOVA for it */
#define GIOVA_MSI 0x7100000ULL /* the guest's IOVA of its doorbell */
#define GDB 0x9000000ULL /* the guest's doorbell (an IPA) */
#define SID 0x42
#define VSID 0x15
#define ASID 7

struct vm {
	struct ienv e;
	unsigned char *ram; /* the guest's RAM: the caller's buffer */
	struct vsmmu_mem *gmem; /* the guest's physical view of it */
	struct vsmmu_mem_pool *gpool;
	struct vsmmu_pgtable *gpt; /* the guest's stage 1 */
	uint32_t ioas, dev, parent, viommu, vdev, nested, veventq;
	int evfd;
	uint64_t gste[2];
	bool cd_stall; /* the guest's CD stalls faults (CD.S) */
	uint32_t viommu_type;
	struct iommu_viommu_tegra241_cmdqv vintf; /* TEGRA241_CMDQV */
};

/* The guest's CD: T0SZ, TG0, IPS from its table, ASID; in guest RAM. */
static int guest_cd(struct vm *v)
{
	struct vsmmu_pgtable_info pi;
	uint64_t cd[8] = { 0 };
	unsigned int i;
	int rc;

	vsmmu_pgtable_get_info(v->gpt, &pi);
	cd[0] = VS_FIELD_PREP(CTXDESC_CD_0_TCR_T0SZ, pi.tsz) |
		VS_FIELD_PREP(CTXDESC_CD_0_TCR_TG0, pi.tg) |
		VS_FIELD_PREP(CTXDESC_CD_0_TCR_IPS, pi.ps) |
		CTXDESC_CD_0_TCR_EPD1 | CTXDESC_CD_0_V | CTXDESC_CD_0_AA64 |
		CTXDESC_CD_0_R | CTXDESC_CD_0_A |
		VS_FIELD_PREP(CTXDESC_CD_0_ASID, ASID);
	if (v->cd_stall)
		cd[0] |= CTXDESC_CD_0_S;
	cd[1] = pi.ttb & CTXDESC_CD_1_TTB0_MASK;
	cd[3] = 0x0404ff44; /* MAIR: normal WB, device */
	for (i = 0; i < 8; i++) {
		rc = vsmmu_mem_write64(v->gmem, GPA_CDTAB + 8 * i, cd[i]);
		if (rc)
			return rc;
	}
	return 0;
}

/* Host side up to the vIOMMU; the guest's tables; nothing attached. */
static int vm_init_type(struct vm *v, const struct ienv_opts *o, bool stall,
			uint32_t type);

static int vm_init(struct vm *v, const struct ienv_opts *o)
{
	return vm_init_type(v, o, false, IOMMU_VIOMMU_TYPE_ARM_SMMUV3);
}

static int vm_init_cd(struct vm *v, const struct ienv_opts *o, bool stall)
{
	return vm_init_type(v, o, stall, IOMMU_VIOMMU_TYPE_ARM_SMMUV3);
}

static int vm_init_type(struct vm *v, const struct ienv_opts *o, bool stall,
			uint32_t type)
{
	struct vsmmu_pgtable_cfg gc = { .fmt = VSMMU_PGTABLE_S1,
					.granule_shift = 12,
					.ias = 48,
					.oas = 40 };
	struct iommu_viommu_alloc va = { .size = sizeof(va) };
	struct iommu_vdevice_alloc vd = { .size = sizeof(vd) };
	struct iommu_veventq_alloc vq = { .size = sizeof(vq) };
	uint64_t iova = 0;
	int rc;

	memset(v, 0, sizeof(*v));
	v->evfd = -1;
	v->cd_stall = stall;
	v->viommu_type = type;
	v->ram = ienv_buf(2 << 20, RAM_SIZE);
	if (!v->ram)
		return -ENOMEM;
	rc = ienv_init(&v->e, o);
	/* Guest RAM at IPA 0 of the IOAS the nest parent is filled from */
	if (!rc)
		rc = ienv_ioas(&v->e, &v->ioas);
	if (!rc)
		rc = ienv_map(&v->e, v->ioas, v->ram, RAM_SIZE, &iova,
			      IOMMU_IOAS_MAP_READABLE |
				      IOMMU_IOAS_MAP_WRITEABLE |
				      IOMMU_IOAS_MAP_FIXED_IOVA);
	if (!rc)
		rc = ienv_bind(&v->e, 0, SID, &v->dev);
	if (!rc)
		rc = ienv_hwpt(&v->e, v->dev, v->ioas,
			       IOMMU_HWPT_ALLOC_NEST_PARENT, &v->parent);
	va.type = type;
	va.dev_id = v->dev;
	va.hwpt_id = v->parent;
	if (type == IOMMU_VIOMMU_TYPE_TEGRA241_CMDQV) {
		va.data_len = sizeof(v->vintf);
		va.data_uptr = (uintptr_t)&v->vintf;
	}
	if (!rc)
		rc = ienv_ioctl(&v->e, IOMMU_VIOMMU_ALLOC, &va);
	v->viommu = va.out_viommu_id;
	vd.viommu_id = v->viommu;
	vd.dev_id = v->dev;
	vd.virt_id = VSID;
	if (!rc)
		rc = ienv_ioctl(&v->e, IOMMU_VDEVICE_ALLOC, &vd);
	v->vdev = vd.out_vdevice_id;
	vq.viommu_id = v->viommu;
	vq.type = IOMMU_VEVENTQ_TYPE_ARM_SMMUV3;
	vq.veventq_depth = 4;
	if (!rc)
		rc = ienv_ioctl(&v->e, IOMMU_VEVENTQ_ALLOC, &vq);
	if (!rc) {
		v->veventq = vq.out_veventq_id;
		v->evfd = (int)vq.out_veventq_fd;
	}
	/* The guest: its view of its RAM, stage 1 and CD in it */
	if (!rc)
		rc = vsmmu_mem_create(40, &v->gmem);
	if (!rc)
		rc = vsmmu_mem_map_host(v->gmem, 0, v->ram, RAM_SIZE);
	if (!rc)
		rc = vsmmu_mem_pool_create(v->gmem, GPA_POOL, 1ULL << 20,
					   &v->gpool);
	gc.pool = v->gpool;
	if (!rc)
		rc = vsmmu_pgtable_create(&gc, &v->gpt);
	if (!rc)
		rc = vsmmu_pgtable_map(v->gpt, GIOVA, GPA_DATA, PG,
				       VSMMU_PROT_READ | VSMMU_PROT_WRITE |
					       VSMMU_PROT_USER);
	if (!rc)
		rc = guest_cd(v);
	/* Guest STE: V | Config S1 (0b101 << 1) | S1ContextPtr; CD fetch
	 * attributes WB (S1CIR = S1COR = 1), inner shareable (S1CSH = 3) */
	v->gste[0] = 0x1 | 0xa | GPA_CDTAB;
	v->gste[1] = 0xd4;
	return rc;
}

static void vm_fini(struct vm *v)
{
	if (v->evfd >= 0)
		close(v->evfd);
	ienv_fini(&v->e); /* the context goes in dependency order */
	vsmmu_pgtable_destroy(v->gpt);
	vsmmu_mem_pool_destroy(v->gpool);
	vsmmu_mem_destroy(v->gmem);
	free(v->ram);
}

static int nested_hwpt(struct vm *v, const uint64_t *ste, uint32_t *id)
{
	struct iommu_hwpt_arm_smmuv3 data = { .ste = { ste[0], ste[1] } };
	struct iommu_hwpt_alloc a = {
		.size = sizeof(a),
		.dev_id = v->dev,
		.pt_id = v->viommu,
		.data_type = IOMMU_HWPT_DATA_ARM_SMMUV3,
		.data_len = sizeof(data),
		.data_uptr = (uintptr_t)&data,
	};
	int rc = ienv_ioctl(&v->e, IOMMU_HWPT_ALLOC, &a);

	*id = a.out_hwpt_id;
	return rc;
}

static int invalidate(struct vm *v, const uint64_t (*cmds)[2], uint32_t n,
		      uint32_t *done)
{
	struct iommu_hwpt_invalidate inv = {
		.size = sizeof(inv),
		.hwpt_id = v->viommu,
		.data_uptr = (uintptr_t)cmds,
		.data_type = IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3,
		.entry_len = 16,
		.entry_num = n,
	};
	int rc = ienv_ioctl(&v->e, IOMMU_HWPT_INVALIDATE, &inv);

	*done = inv.entry_num;
	return rc;
}

TEST(iommufd_nested_end_to_end)
{
	struct vm v;
	uint64_t cmd[1][2], rec[5];
	struct pollfd pfd;
	uint32_t pt, done;
	unsigned char data[16] = "guest dma data!";
	ssize_t n;

	ASSERT_OK(vm_init(&v, NULL));
	ASSERT_OK(nested_hwpt(&v, v.gste, &v.nested));
	pt = v.nested;
	ASSERT_OK(vsmmu_iommufd_device_attach(v.e.ictx, v.dev, &pt));
	ASSERT_EQ(pt, v.nested);
	/* gIOVA -> GPA_DATA (guest stage 1) -> the user buffer (stage 2) */
	ASSERT_OK(
		ienv_dma(&v.e, v.dev, GIOVA + 0x20, data, sizeof(data), true));
	ASSERT_TRUE(!memcmp(v.ram + GPA_DATA + 0x20, data, sizeof(data)));
	/* The guest unmaps in its stage 1.  Until it invalidates, the IOTLB
	 * still serves the old translation (as hardware may) */
	ASSERT_EQ(vsmmu_pgtable_unmap(v.gpt, GIOVA, PG, NULL), (int64_t)PG);
	ASSERT_OK(ienv_dma(&v.e, v.dev, GIOVA, data, 4, false));
	/* TLBI_NH_VA of its ASID, with a VMID of its own choosing (9): the
	 * host forces the VM's */
	cmd[0][0] = CMDQ_OP_TLBI_NH_VA | VS_FIELD_PREP(CMDQ_TLBI_0_VMID, 9) |
		    VS_FIELD_PREP(CMDQ_TLBI_0_ASID, ASID);
	cmd[0][1] = GIOVA;
	ASSERT_OK(invalidate(&v, (const uint64_t(*)[2])cmd, 1, &done));
	ASSERT_EQ(done, 1);
	/* Now the DMA faults at stage 1: F_TRANSLATION for the physical SID */
	ASSERT_EQ(ienv_dma(&v.e, v.dev, GIOVA, data, 4, false), -EFAULT);
	/* Nothing on the VEVENTQ before the host drains its event queue */
	pfd = (struct pollfd){ .fd = v.evfd, .events = POLLIN };
	ASSERT_EQ(poll(&pfd, 1, 0), 0);
	ienv_process(&v.e);
	ASSERT_EQ(poll(&pfd, 1, 1000), 1);
	ASSERT_TRUE(pfd.revents & POLLIN);
	/* One record: header + the event with the vSID in place of the SID */
	n = read(v.evfd, rec, sizeof(rec));
	ASSERT_EQ(n, 8 + 32);
	ASSERT_EQ(rec[0] & 0xffffffff, 0); /* flags */
	ASSERT_EQ(rec[0] >> 32, 0); /* sequence 0 */
	ASSERT_EQ(VS_FIELD_GET(EVTQ_0_ID, rec[1]), EVT_ID_TRANSLATION);
	ASSERT_EQ(VS_FIELD_GET(EVTQ_0_SID, rec[1]), VSID);
	ASSERT_EQ(rec[3], GIOVA);
	ASSERT_FALSE(rec[2] & EVTQ_1_S2);
	ASSERT_EQ(atomic_load(&v.e.host_events), 0);
	/* Drained: nothing more to read */
	ASSERT_EQ(read(v.evfd, rec, sizeof(rec)), -1);
	ASSERT_EQ(errno, EAGAIN);
	vm_fini(&v);
}

TEST(iommufd_nested_msi_through_gdb)
{
	struct vsmmu_iommufd_irq irq[4];
	struct vm v;
	uint64_t iova;
	uint32_t pt;

	ASSERT_OK(vm_init(&v, NULL));
	/* The guest maps its doorbell page (an IPA) at GIOVA_MSI */
	ASSERT_OK(vsmmu_pgtable_map(v.gpt, GIOVA_MSI, GDB, PG,
				    VSMMU_PROT_READ | VSMMU_PROT_WRITE |
					    VSMMU_PROT_USER | VSMMU_PROT_MMIO));
	ASSERT_OK(nested_hwpt(&v, v.gste, &v.nested));
	pt = v.nested;
	ASSERT_OK(vsmmu_iommufd_device_attach(v.e.ictx, v.dev, &pt));
	/* Under nesting the guest programs the MSI address: none yet */
	ASSERT_EQ(vsmmu_iommufd_msi_addr(v.e.ictx, v.dev, &iova), -ENODEV);
	ASSERT_OK(vsmmu_iommufd_set_msi_addr(
		v.e.ictx, v.dev, GIOVA_MSI + VSMMU_IOMMUFD_GITS_TRANSLATER));
	/* Without a binding gDB is not in the nest parent: a stage-2 fault,
	 * the host's business, not forwarded to the guest */
	ASSERT_EQ(vsmmu_iommufd_msi(v.e.ictx, v.dev, 0x33), -EFAULT);
	ienv_process(&v.e);
	ASSERT_EQ(atomic_load(&v.e.host_events), 1);
	ASSERT_TRUE(v.e.last_host_event.raw[1] & EVTQ_1_S2);
	/* The VMM names gDB: mapped onto the doorbell in the nest parent */
	ASSERT_EQ(vsmmu_iommufd_msi_bind(v.e.ictx, v.parent, GDB, 3000),
		  -EINVAL);
	ASSERT_EQ(vsmmu_iommufd_msi_bind(v.e.ictx, v.nested, GDB, PG), -ENOENT);
	ASSERT_EQ(vsmmu_iommufd_msi_bind(v.e.ictx, v.parent, 0x100000, PG),
		  -EADDRINUSE); /* that is guest RAM */
	ASSERT_OK(vsmmu_iommufd_msi_bind(v.e.ictx, v.parent, GDB, 1 << 16));
	ASSERT_EQ(vsmmu_iommufd_msi_bind(v.e.ictx, v.parent, GDB + PG, PG),
		  -EEXIST);
	/* The binding is reserved in the IOAS: no RAM can go over it */
	iova = GDB;
	ASSERT_EQ(ienv_map(&v.e, v.ioas, v.ram, PG, &iova,
			   IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_FIXED_IOVA),
		  -EINVAL);
	/* The stage-1 entry the guest's doorbell IOVA left in the TLB (a
	 * walk that failed at stage 2 cached nothing): the MSI now lands */
	ASSERT_OK(vsmmu_iommufd_msi(v.e.ictx, v.dev, 0x33));
	ASSERT_EQ(vsmmu_iommufd_doorbell_take(v.e.ictx, irq, 4, NULL), 1);
	ASSERT_EQ(irq[0].devid, SID);
	ASSERT_EQ(irq[0].eventid, 0x33);
	/* The device cannot read the doorbell: the mapping is write-only */
	{
		uint32_t word;

		ASSERT_EQ(ienv_dma(&v.e, v.dev, GIOVA_MSI + 0x40, &word, 4,
				   false),
			  -EFAULT);
	}
	ASSERT_OK(vsmmu_iommufd_msi_unbind(v.e.ictx, v.parent, GDB));
	ASSERT_EQ(vsmmu_iommufd_msi_unbind(v.e.ictx, v.parent, GDB), -ENOENT);
	vm_fini(&v);
}

TEST(iommufd_paging_msi_window)
{
	struct vsmmu_iommufd_irq irq[4];
	struct iommu_iova_range r[4];
	struct iommu_ioas_iova_ranges q = { .size = sizeof(q) };
	struct ienv e;
	uint32_t ioas, dev, pt;
	uint64_t addr, iova;
	char *buf = ienv_buf(PG, PG);

	ASSERT_OK(ienv_init(&e, NULL));
	ASSERT_OK(ienv_ioas(&e, &ioas));
	ASSERT_OK(ienv_bind(&e, 0, SID, &dev));
	pt = ioas;
	ASSERT_OK(vsmmu_iommufd_device_attach(e.ictx, dev, &pt));
	/* The doorbell is at the window's first page: 0x8000000 + 0x40 */
	ASSERT_OK(vsmmu_iommufd_msi_addr(e.ictx, dev, &addr));
	ASSERT_EQ(addr, 0x8000040);
	ASSERT_OK(vsmmu_iommufd_msi(e.ictx, dev, 0xabc));
	ASSERT_EQ(vsmmu_iommufd_doorbell_take(e.ictx, irq, 4, NULL), 1);
	ASSERT_EQ(irq[0].devid, SID);
	ASSERT_EQ(irq[0].eventid, 0xabc);
	/* IOVA_RANGES: the MSI window and what lies beyond the stage-1
	 * table's 48 bits are reserved; the alignment is the page size */
	q.ioas_id = ioas;
	q.num_iovas = 4;
	q.allowed_iovas = (uintptr_t)r;
	ASSERT_OK(ienv_ioctl(&e, IOMMU_IOAS_IOVA_RANGES, &q));
	ASSERT_EQ(q.num_iovas, 2);
	ASSERT_EQ(r[0].start, 0);
	ASSERT_EQ(r[0].last, 0x7ffffff);
	ASSERT_EQ(r[1].start, 0x8100000);
	ASSERT_EQ(r[1].last, (1ULL << 48) - 1);
	ASSERT_EQ(q.out_iova_alignment, PG);
	/* Mapping into the window: reserved, EINVAL */
	iova = 0x8000000;
	ASSERT_EQ(ienv_map(&e, ioas, buf, PG, &iova,
			   IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_FIXED_IOVA),
		  -EINVAL);
	/* Detached, the window is free again */
	ASSERT_OK(vsmmu_iommufd_device_detach(e.ictx, dev));
	ASSERT_OK(ienv_ioctl(&e, IOMMU_IOAS_IOVA_RANGES, &q));
	ASSERT_EQ(q.num_iovas, 1);
	ienv_fini(&e);
	free(buf);
}

TEST(iommufd_viommu_vdevice_errnos)
{
	struct iommu_viommu_alloc va = { .size = sizeof(va) };
	struct iommu_vdevice_alloc vd = { .size = sizeof(vd) };
	struct vsmmu_iommufd_dev_cfg dc = { 0 };
	uint32_t sids[2] = { 0x60, 0x61 }, dev2, dev3, s1;
	struct vm v;

	ASSERT_OK(vm_init(&v, NULL));
	va.type = IOMMU_VIOMMU_TYPE_ARM_SMMUV3;
	va.dev_id = v.dev;
	va.hwpt_id = v.parent;
	va.flags = 1;
	ASSERT_EQ(ienv_ioctl(&v.e, IOMMU_VIOMMU_ALLOC, &va), -EOPNOTSUPP);
	va.flags = 0;
	va.type = IOMMU_VIOMMU_TYPE_DEFAULT;
	ASSERT_EQ(ienv_ioctl(&v.e, IOMMU_VIOMMU_ALLOC, &va), -EOPNOTSUPP);
	va.type = 77;
	ASSERT_EQ(ienv_ioctl(&v.e, IOMMU_VIOMMU_ALLOC, &va), -EOPNOTSUPP);
	/* No CMDQV on this SMMU */
	va.type = IOMMU_VIOMMU_TYPE_TEGRA241_CMDQV;
	ASSERT_EQ(ienv_ioctl(&v.e, IOMMU_VIOMMU_ALLOC, &va), -EOPNOTSUPP);
	va.type = IOMMU_VIOMMU_TYPE_ARM_SMMUV3;
	va.dev_id = 999;
	ASSERT_EQ(ienv_ioctl(&v.e, IOMMU_VIOMMU_ALLOC, &va), -ENOENT);
	va.dev_id = v.dev;
	va.hwpt_id = v.ioas; /* not a paging HWPT */
	ASSERT_EQ(ienv_ioctl(&v.e, IOMMU_VIOMMU_ALLOC, &va), -ENOENT);
	/* A paging HWPT that is not a nest parent: EINVAL */
	ASSERT_OK(ienv_hwpt(&v.e, v.dev, v.ioas, 0, &s1));
	va.hwpt_id = s1;
	ASSERT_EQ(ienv_ioctl(&v.e, IOMMU_VIOMMU_ALLOC, &va), -EINVAL);
	ASSERT_OK(ienv_destroy(&v.e, s1));
	/* A second vIOMMU over the same parent: another VM, another VMID */
	va.hwpt_id = v.parent;
	ASSERT_OK(ienv_ioctl(&v.e, IOMMU_VIOMMU_ALLOC, &va));
	ASSERT_NE(va.out_viommu_id, v.viommu);
	/* The parent is held: DESTROY EBUSY */
	ASSERT_EQ(ienv_destroy(&v.e, v.parent), -EBUSY);
	ASSERT_OK(ienv_destroy(&v.e, va.out_viommu_id));
	/* VDEVICE_ALLOC */
	vd.viommu_id = 999;
	vd.dev_id = v.dev;
	ASSERT_EQ(ienv_ioctl(&v.e, IOMMU_VDEVICE_ALLOC, &vd), -ENOENT);
	vd.viommu_id = v.viommu;
	vd.dev_id = 999;
	ASSERT_EQ(ienv_ioctl(&v.e, IOMMU_VDEVICE_ALLOC, &vd), -ENOENT);
	/* The device has one: EEXIST */
	vd.dev_id = v.dev;
	vd.virt_id = 0x99;
	ASSERT_EQ(ienv_ioctl(&v.e, IOMMU_VDEVICE_ALLOC, &vd), -EEXIST);
	/* Another device, the same vSID: EEXIST */
	ASSERT_OK(ienv_bind(&v.e, 0, 0x50, &dev2));
	vd.dev_id = dev2;
	vd.virt_id = VSID;
	ASSERT_EQ(ienv_ioctl(&v.e, IOMMU_VDEVICE_ALLOC, &vd), -EEXIST);
	vd.virt_id = VSID + 1;
	ASSERT_OK(ienv_ioctl(&v.e, IOMMU_VDEVICE_ALLOC, &vd));
	/* Held by its vDEVICE: the vIOMMU cannot go */
	ASSERT_EQ(ienv_destroy(&v.e, v.viommu), -EBUSY);
	ASSERT_OK(ienv_destroy(&v.e, vd.out_vdevice_id));
	/* Unbinding a device takes its vDEVICE with it */
	vd.virt_id = VSID + 2;
	ASSERT_OK(ienv_ioctl(&v.e, IOMMU_VDEVICE_ALLOC, &vd));
	ASSERT_OK(vsmmu_iommufd_device_unbind(v.e.ictx, dev2));
	ASSERT_EQ(ienv_destroy(&v.e, vd.out_vdevice_id), -ENOENT);
	/* A device with two StreamIDs: one vSID cannot name it */
	dc.sids = sids;
	dc.nsids = 2;
	ASSERT_OK(vsmmu_iommufd_device_bind(v.e.ictx, &dc, &dev3));
	vd.dev_id = dev3;
	ASSERT_EQ(ienv_ioctl(&v.e, IOMMU_VDEVICE_ALLOC, &vd), -EOPNOTSUPP);
	vm_fini(&v);
}

TEST(iommufd_nested_hwpt_errnos)
{
	struct iommu_hwpt_arm_smmuv3 data;
	struct iommu_hwpt_alloc a = { .size = sizeof(a) };
	uint64_t ste[2];
	uint32_t id, pt, dev2;
	struct vm v;

	ASSERT_OK(vm_init(&v, NULL));
	memcpy(data.ste, v.gste, sizeof(data.ste));
	a.dev_id = v.dev;
	a.pt_id = v.viommu;
	a.data_type = IOMMU_HWPT_DATA_ARM_SMMUV3;
	a.data_len = sizeof(data);
	a.data_uptr = (uintptr_t)&data;
	/* Flags other than FAULT_ID_VALID: EOPNOTSUPP */
	a.flags = IOMMU_HWPT_ALLOC_NEST_PARENT;
	ASSERT_EQ(ienv_ioctl(&v.e, IOMMU_HWPT_ALLOC, &a), -EOPNOTSUPP);
	a.flags = 0;
	/* A type with no data, or data with type NONE: EINVAL */
	a.data_len = 0;
	ASSERT_EQ(ienv_ioctl(&v.e, IOMMU_HWPT_ALLOC, &a), -EINVAL);
	a.data_type = IOMMU_HWPT_DATA_NONE;
	a.data_len = sizeof(data);
	ASSERT_EQ(ienv_ioctl(&v.e, IOMMU_HWPT_ALLOC, &a), -EINVAL);
	/* No data at all on a vIOMMU: EOPNOTSUPP */
	a.data_len = 0;
	ASSERT_EQ(ienv_ioctl(&v.e, IOMMU_HWPT_ALLOC, &a), -EOPNOTSUPP);
	/* iommu_copy_struct_from_user(): type, then the length in [16, 16] */
	a.data_type = IOMMU_HWPT_DATA_VTD_S1;
	a.data_len = sizeof(data);
	ASSERT_EQ(ienv_ioctl(&v.e, IOMMU_HWPT_ALLOC, &a), -EINVAL);
	a.data_type = IOMMU_HWPT_DATA_ARM_SMMUV3;
	a.data_len = 8;
	ASSERT_EQ(ienv_ioctl(&v.e, IOMMU_HWPT_ALLOC, &a), -EINVAL);
	a.data_len = 24;
	ASSERT_EQ(ienv_ioctl(&v.e, IOMMU_HWPT_ALLOC, &a), -EINVAL);
	a.data_len = sizeof(data);
	a.data_uptr = 16;
	ASSERT_EQ(ienv_ioctl(&v.e, IOMMU_HWPT_ALLOC, &a), -EFAULT);
	a.data_uptr = (uintptr_t)&data;
	/* arm_smmu_validate_vste(): EIO for what a guest may not set */
	data.ste[0] = v.gste[0] | (1ULL << 55); /* outside word 0's mask */
	ASSERT_EQ(ienv_ioctl(&v.e, IOMMU_HWPT_ALLOC, &a), -EIO);
	data.ste[0] = (v.gste[0] & ~0xeULL) | (6 << 1); /* Config S2 */
	ASSERT_EQ(ienv_ioctl(&v.e, IOMMU_HWPT_ALLOC, &a), -EIO);
	data.ste[0] = v.gste[0];
	data.ste[1] = v.gste[1] | (2ULL << 28); /* EATS 0b10 */
	ASSERT_EQ(ienv_ioctl(&v.e, IOMMU_HWPT_ALLOC, &a), -EIO);
	data.ste[1] = v.gste[1] | (1ULL << 19); /* MEV: the host's */
	ASSERT_EQ(ienv_ioctl(&v.e, IOMMU_HWPT_ALLOC, &a), -EIO);
	/* V = 0 is accepted whatever else is set (an abort STE) */
	data.ste[0] = 0xfff0;
	data.ste[1] = 1ULL << 60;
	ASSERT_OK(ienv_ioctl(&v.e, IOMMU_HWPT_ALLOC, &a));
	ASSERT_OK(ienv_destroy(&v.e, a.out_hwpt_id));
	/* A nested domain straight on the parent: SMMUv3 has none */
	memcpy(data.ste, v.gste, sizeof(data.ste));
	a.pt_id = v.parent;
	ASSERT_EQ(ienv_ioctl(&v.e, IOMMU_HWPT_ALLOC, &a), -EOPNOTSUPP);
	/* pt_id that does not exist, or is a device: EINVAL */
	a.pt_id = 999;
	ASSERT_EQ(ienv_ioctl(&v.e, IOMMU_HWPT_ALLOC, &a), -EINVAL);
	a.pt_id = v.dev;
	ASSERT_EQ(ienv_ioctl(&v.e, IOMMU_HWPT_ALLOC, &a), -EINVAL);
	/* FAULT_ID_VALID with no such FAULT: ENOENT, nothing left behind */
	a.pt_id = v.viommu;
	a.flags = IOMMU_HWPT_FAULT_ID_VALID;
	a.fault_id = 999;
	ASSERT_EQ(ienv_ioctl(&v.e, IOMMU_HWPT_ALLOC, &a), -ENOENT);
	a.flags = 0;
	/* A stage-1 guest STE needs the device's vDEVICE at attach */
	ASSERT_OK(ienv_bind(&v.e, 0, 0x50, &dev2));
	ste[0] = v.gste[0];
	ste[1] = v.gste[1];
	a.dev_id = dev2;
	ASSERT_OK(ienv_ioctl(&v.e, IOMMU_HWPT_ALLOC, &a));
	id = a.out_hwpt_id;
	pt = id;
	ASSERT_EQ(vsmmu_iommufd_device_attach(v.e.ictx, dev2, &pt), -ENOENT);
	/* ... a bypass or abort one does not */
	ste[0] = (ste[0] & ~0xeULL) | (4 << 1);
	ASSERT_OK(nested_hwpt(&v, ste, &pt));
	ASSERT_OK(vsmmu_iommufd_device_attach(v.e.ictx, dev2, &pt));
	/* The nested HWPT holds the vIOMMU */
	ASSERT_EQ(ienv_destroy(&v.e, v.viommu), -EBUSY);
	ASSERT_OK(vsmmu_iommufd_device_detach(v.e.ictx, dev2));
	ASSERT_OK(ienv_destroy(&v.e, pt));
	ASSERT_OK(ienv_destroy(&v.e, id));
	vm_fini(&v);
}

TEST(iommufd_hwpt_invalidate_rules)
{
	struct iommu_hwpt_invalidate inv = { .size = sizeof(inv) };
	struct vsmmu_drv_stats before, after;
	uint64_t cmds[12][2], big[3];
	uint32_t done, i;
	struct vm v;

	ASSERT_OK(vm_init(&v, NULL));
	for (i = 0; i < 12; i++) {
		cmds[i][0] = CMDQ_OP_TLBI_NH_VA |
			     VS_FIELD_PREP(CMDQ_TLBI_0_ASID, ASID);
		cmds[i][1] = GIOVA + i * PG;
	}
	/* Every command in one batch with one CMD_SYNC */
	vsmmu_drv_get_stats(v.e.drv[0], &before);
	ASSERT_OK(invalidate(&v, (const uint64_t(*)[2])cmds, 12, &done));
	vsmmu_drv_get_stats(v.e.drv[0], &after);
	ASSERT_EQ(done, 12);
	ASSERT_EQ(after.syncs - before.syncs, 1);
	ASSERT_EQ(after.cmds - before.cmds, 13);
	/* A command the vIOMMU does not take: EIO, entry_num says where;
	 * the ones before it were issued */
	cmds[3][0] = CMDQ_OP_CFGI_STE | VS_FIELD_PREP(CMDQ_CFGI_0_SID, VSID);
	cmds[3][1] = 0;
	ASSERT_EQ(invalidate(&v, (const uint64_t(*)[2])cmds, 12, &done), -EIO);
	ASSERT_EQ(done, 3);
	/* An unknown vSID: EIO */
	cmds[0][0] = CMDQ_OP_CFGI_CD_ALL |
		     VS_FIELD_PREP(CMDQ_CFGI_0_SID, VSID + 1);
	cmds[0][1] = 0;
	ASSERT_EQ(invalidate(&v, (const uint64_t(*)[2])cmds, 1, &done), -EIO);
	ASSERT_EQ(done, 0);
	/* A known one: the physical SID goes to the queue */
	cmds[0][0] = CMDQ_OP_CFGI_CD_ALL | VS_FIELD_PREP(CMDQ_CFGI_0_SID, VSID);
	ASSERT_OK(invalidate(&v, (const uint64_t(*)[2])cmds, 1, &done));
	ASSERT_EQ(done, 1);
	/* A bit outside the command's fields: refused (vsmmu_cmd_check) */
	cmds[0][1] = 1ULL << 40;
	ASSERT_EQ(invalidate(&v, (const uint64_t(*)[2])cmds, 1, &done), -EIO);
	/* entry_len shorter than 16: zero-extended (copy_struct_from_user) */
	inv.hwpt_id = v.viommu;
	inv.data_type = IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3;
	big[0] = CMDQ_OP_TLBI_NSNH_ALL;
	big[1] = 0;
	big[2] = 0;
	inv.data_uptr = (uintptr_t)big;
	inv.entry_len = 8;
	inv.entry_num = 1;
	ASSERT_OK(ienv_ioctl(&v.e, IOMMU_HWPT_INVALIDATE, &inv));
	ASSERT_EQ(inv.entry_num, 1);
	/* Longer, with a non-zero tail: E2BIG, nothing done */
	inv.entry_len = 24;
	big[2] = 1;
	ASSERT_EQ(ienv_ioctl(&v.e, IOMMU_HWPT_INVALIDATE, &inv), -E2BIG);
	ASSERT_EQ(inv.entry_num, 0);
	/* The argument checks, entry_num coming back 0 each time */
	inv.entry_len = 16;
	inv.entry_num = 1;
	inv.__reserved = 1;
	ASSERT_EQ(ienv_ioctl(&v.e, IOMMU_HWPT_INVALIDATE, &inv), -EOPNOTSUPP);
	ASSERT_EQ(inv.entry_num, 0);
	inv.__reserved = 0;
	inv.entry_num = 1;
	inv.data_uptr = 0;
	ASSERT_EQ(ienv_ioctl(&v.e, IOMMU_HWPT_INVALIDATE, &inv), -EINVAL);
	inv.data_uptr = (uintptr_t)big;
	inv.entry_len = 0;
	inv.entry_num = 1;
	ASSERT_EQ(ienv_ioctl(&v.e, IOMMU_HWPT_INVALIDATE, &inv), -EINVAL);
	inv.entry_len = 16;
	inv.data_type = IOMMU_HWPT_INVALIDATE_DATA_VTD_S1;
	inv.entry_num = 1;
	ASSERT_EQ(ienv_ioctl(&v.e, IOMMU_HWPT_INVALIDATE, &inv), -EINVAL);
	inv.data_type = IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3;
	/* An empty array: Linux's SMMUv3 refuses it (the array copy helper) */
	inv.entry_num = 0;
	ASSERT_EQ(ienv_ioctl(&v.e, IOMMU_HWPT_INVALIDATE, &inv), -EINVAL);
	/* More than kcalloc() gives (4 MiB of commands): ENOMEM */
	inv.entry_num = (4U << 20) / 16 + 1;
	ASSERT_EQ(ienv_ioctl(&v.e, IOMMU_HWPT_INVALIDATE, &inv), -ENOMEM);
	/* Not a vIOMMU or nested HWPT */
	inv.entry_num = 1;
	inv.hwpt_id = v.parent;
	ASSERT_EQ(ienv_ioctl(&v.e, IOMMU_HWPT_INVALIDATE, &inv), -EINVAL);
	inv.hwpt_id = 999;
	ASSERT_EQ(ienv_ioctl(&v.e, IOMMU_HWPT_INVALIDATE, &inv), -ENOENT);
	/* A nested HWPT: SMMUv3's has no invalidation of its own */
	ASSERT_OK(nested_hwpt(&v, v.gste, &v.nested));
	inv.hwpt_id = v.nested;
	ASSERT_EQ(ienv_ioctl(&v.e, IOMMU_HWPT_INVALIDATE, &inv), -EOPNOTSUPP);
	vm_fini(&v);
}

/* Make @n F_TRANSLATION events of the device at distinct gIOVAs. */
static void faults(struct vm *v, unsigned int n, uint64_t base)
{
	unsigned int i;
	uint32_t w;

	for (i = 0; i < n; i++)
		ASSERT_EQ(ienv_dma(&v->e, v->dev, base + i * PG, &w, 4, false),
			  -EFAULT);
	ienv_process(&v->e);
}

TEST(iommufd_veventq_depth_lost_and_lifetime)
{
	struct iommu_veventq_alloc vq = { .size = sizeof(vq) };
	uint64_t rec[5];
	uint32_t pt;
	struct vm v;

	ASSERT_OK(vm_init(&v, NULL));
	/* VEVENTQ_ALLOC errnos */
	vq.viommu_id = v.viommu;
	vq.type = IOMMU_VEVENTQ_TYPE_ARM_SMMUV3;
	vq.veventq_depth = 4;
	ASSERT_EQ(ienv_ioctl(&v.e, IOMMU_VEVENTQ_ALLOC, &vq), -EEXIST);
	vq.flags = 1;
	ASSERT_EQ(ienv_ioctl(&v.e, IOMMU_VEVENTQ_ALLOC, &vq), -EOPNOTSUPP);
	vq.flags = 0;
	vq.__reserved = 1;
	ASSERT_EQ(ienv_ioctl(&v.e, IOMMU_VEVENTQ_ALLOC, &vq), -EOPNOTSUPP);
	vq.__reserved = 0;
	vq.type = IOMMU_VEVENTQ_TYPE_DEFAULT;
	ASSERT_EQ(ienv_ioctl(&v.e, IOMMU_VEVENTQ_ALLOC, &vq), -EOPNOTSUPP);
	vq.type = IOMMU_VEVENTQ_TYPE_TEGRA241_CMDQV;
	vq.veventq_depth = 0;
	ASSERT_EQ(ienv_ioctl(&v.e, IOMMU_VEVENTQ_ALLOC, &vq), -EINVAL);
	vq.veventq_depth = 1;
	vq.viommu_id = 999;
	ASSERT_EQ(ienv_ioctl(&v.e, IOMMU_VEVENTQ_ALLOC, &vq), -ENOENT);
	/* The SMMUv3 queue was made with depth 4: six faults */
	ASSERT_OK(nested_hwpt(&v, v.gste, &v.nested));
	pt = v.nested;
	ASSERT_OK(vsmmu_iommufd_device_attach(v.e.ictx, v.dev, &pt));
	faults(&v, 6, 0x20000000);
	/* Four events (sequence 0..3), then the LOST_EVENTS header of the
	 * first lost one (4), no payload */
	ASSERT_EQ(read(v.evfd, rec, sizeof(rec)), 40);
	ASSERT_EQ(rec[0], 0ULL << 32);
	ASSERT_EQ(rec[3], 0x20000000);
	ASSERT_EQ(read(v.evfd, rec, sizeof(rec)), 40);
	ASSERT_EQ(rec[0], 1ULL << 32);
	ASSERT_EQ(read(v.evfd, rec, sizeof(rec)), 40);
	ASSERT_EQ(read(v.evfd, rec, sizeof(rec)), 40);
	ASSERT_EQ(rec[0], 3ULL << 32);
	ASSERT_EQ(read(v.evfd, rec, sizeof(rec)), 8);
	ASSERT_EQ(rec[0], (4ULL << 32) | IOMMU_VEVENTQ_FLAG_LOST_EVENTS);
	ASSERT_EQ(read(v.evfd, rec, sizeof(rec)), -1);
	/* Room again: the next event's sequence shows what was lost (4, 5) */
	faults(&v, 1, 0x30000000);
	ASSERT_EQ(read(v.evfd, rec, sizeof(rec)), 40);
	ASSERT_EQ(rec[0], 6ULL << 32);
	ASSERT_EQ(rec[3], 0x30000000);
	/* While the fd is open the queue cannot go (the file holds it) */
	ASSERT_EQ(ienv_destroy(&v.e, v.veventq), -EBUSY);
	ASSERT_EQ(ienv_destroy(&v.e, v.viommu), -EBUSY);
	close(v.evfd);
	v.evfd = -1;
	ASSERT_OK(ienv_destroy(&v.e, v.veventq));
	/* No queue: the event is the host's */
	faults(&v, 1, 0x40000000);
	ASSERT_EQ(atomic_load(&v.e.host_events), 1);
	vm_fini(&v);
}

/* A device thread doing one read that may stall. */
struct stall_dma {
	struct vm *v;
	uint64_t iova;
	uint32_t word;
	int rc;
	struct vsmmu_iommufd_dma op;
};

static void *stall_dma_thread(void *arg)
{
	struct stall_dma *d = arg;

	d->op = (struct vsmmu_iommufd_dma){ .iova = d->iova,
					    .buf = &d->word,
					    .len = 4,
					    .stall_wait_ns = 10000000000ULL };
	d->rc = vsmmu_iommufd_dma(d->v->e.ictx, d->v->dev, &d->op);
	return NULL;
}

/* Drain host events until the FAULT fd has a record; read it. */
static int wait_fault(struct vm *v, int fd, struct iommu_hwpt_pgfault *f)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	unsigned int i;

	for (i = 0; i < 2000; i++) {
		ienv_process(&v->e);
		if (poll(&p, 1, 1) == 1)
			return read(fd, f, sizeof(*f)) == sizeof(*f) ? 0 : -EIO;
	}
	return -ETIMEDOUT;
}

/*
 * A nested HWPT of the guest's STE (word 1 ORed with @ste1), reporting its
 * faults to FAULT @fault_id, attached to the device; *@pt is its ID.
 */
static int attach_faulting(struct vm *v, uint32_t fault_id, uint64_t ste1,
			   uint32_t *pt)
{
	struct iommu_hwpt_alloc a = { .size = sizeof(a) };
	struct iommu_hwpt_arm_smmuv3 data;
	int rc;

	memcpy(data.ste, v->gste, sizeof(data.ste));
	data.ste[1] |= ste1;
	a.flags = IOMMU_HWPT_FAULT_ID_VALID;
	a.dev_id = v->dev;
	a.pt_id = v->viommu;
	a.data_type = IOMMU_HWPT_DATA_ARM_SMMUV3;
	a.data_len = sizeof(data);
	a.data_uptr = (uintptr_t)&data;
	a.fault_id = fault_id;
	rc = ienv_ioctl(&v->e, IOMMU_HWPT_ALLOC, &a);
	if (rc)
		return rc;
	*pt = a.out_hwpt_id;
	return vsmmu_iommufd_device_attach(v->e.ictx, v->dev, pt);
}

TEST(iommufd_fault_queue_stall_answered)
{
	static const struct ienv_opts o = { .hold_stalls = true,
					    .service_thread = true };
	struct iommu_fault_alloc fa = { .size = sizeof(fa) };
	struct iommu_hwpt_page_response resp;
	struct iommu_hwpt_pgfault f;
	struct stall_dma d;
	pthread_t t;
	uint32_t pt;
	struct vm v;
	int ffd;

	ASSERT_OK(vm_init_cd(&v, &o, true));
	ASSERT_EQ(ienv_ioctl(&v.e, IOMMU_FAULT_QUEUE_ALLOC, &fa), 0);
	ffd = (int)fa.out_fault_fd;
	fa.flags = 1;
	ASSERT_EQ(ienv_ioctl(&v.e, IOMMU_FAULT_QUEUE_ALLOC, &fa), -EOPNOTSUPP);
	/* The nested HWPT sends its faults to that queue */
	ASSERT_OK(attach_faulting(&v, fa.out_fault_id, 0, &pt));
	/* The guest has nothing at GIOVA + 1 page: the read stalls */
	memset(&d, 0, sizeof(d));
	d.v = &v;
	d.iova = GIOVA + PG + 8;
	ASSERT_OK(pthread_create(&t, NULL, stall_dma_thread, &d));
	ASSERT_OK(wait_fault(&v, ffd, &f));
	/* arm_smmu_handle_event(): a page request of one, LAST_PAGE */
	ASSERT_EQ(f.flags, IOMMU_PGFAULT_FLAGS_LAST_PAGE);
	ASSERT_EQ(f.dev_id, v.dev);
	ASSERT_EQ(f.perm, IOMMU_PGFAULT_PERM_READ);
	ASSERT_EQ(f.addr, GIOVA + PG + 8);
	ASSERT_NE(f.cookie, 0);
	/* The guest maps the page and the VMM answers SUCCESS: the device's
	 * transaction is retried (CMD_RESUME) and completes */
	ASSERT_OK(vsmmu_mem_write64(v.gmem, GPA_DATA + 8, 0xfeedf00d));
	ASSERT_OK(vsmmu_pgtable_map(v.gpt, GIOVA + PG, GPA_DATA, PG,
				    VSMMU_PROT_READ | VSMMU_PROT_WRITE |
					    VSMMU_PROT_USER));
	resp.cookie = f.cookie;
	resp.code = IOMMUFD_PAGE_RESP_SUCCESS;
	ASSERT_EQ(write(ffd, &resp, sizeof(resp)), (ssize_t)sizeof(resp));
	ASSERT_OK(pthread_join(t, NULL));
	ASSERT_EQ(d.rc, 0);
	ASSERT_EQ(d.word, 0xfeedf00d);
	/* Another stall, answered INVALID: the transaction is aborted */
	d.iova = GIOVA + 2 * PG;
	ASSERT_OK(pthread_create(&t, NULL, stall_dma_thread, &d));
	ASSERT_OK(wait_fault(&v, ffd, &f));
	resp.cookie = f.cookie;
	resp.code = IOMMUFD_PAGE_RESP_INVALID;
	ASSERT_EQ(write(ffd, &resp, sizeof(resp)), (ssize_t)sizeof(resp));
	ASSERT_OK(pthread_join(t, NULL));
	ASSERT_EQ(d.rc, -EFAULT);
	ASSERT_TRUE(d.op.stalled);
	/* The HWPT holds the FAULT; after it goes the open fd still does */
	ASSERT_EQ(ienv_destroy(&v.e, fa.out_fault_id), -EBUSY);
	ASSERT_OK(vsmmu_iommufd_device_detach(v.e.ictx, v.dev));
	ASSERT_OK(ienv_destroy(&v.e, pt));
	ASSERT_EQ(ienv_destroy(&v.e, fa.out_fault_id), -EBUSY);
	close(ffd);
	ASSERT_OK(ienv_destroy(&v.e, fa.out_fault_id));
	vm_fini(&v);
}

/* --- TEGRA241_CMDQV -------------------------------------------------------- */

#define GPA_RING 0x600000ULL /* the guest's VCMDQ ring, in its RAM */

static int hwq(struct vm *v, uint32_t index, uint64_t iova, uint64_t len,
	       uint32_t *id)
{
	struct iommu_hw_queue_alloc q = {
		.size = sizeof(q),
		.viommu_id = v->viommu,
		.type = IOMMU_HW_QUEUE_TYPE_TEGRA241_CMDQV,
		.index = index,
		.nesting_parent_iova = iova,
		.length = len,
	};
	int rc = ienv_ioctl(&v->e, IOMMU_HW_QUEUE_ALLOC, &q);

	if (id)
		*id = q.out_hw_queue_id;
	return rc;
}

/* The guest's access to its VINTF page, register @reg of LVCMDQ @lidx. */
static int gw(struct vm *v, unsigned int lidx, uint64_t reg, uint32_t val)
{
	return vsmmu_iommufd_mmap_write(
		v->e.ictx, v->vintf.out_vintf_mmap_offset + 0x80 * lidx + reg,
		4, val);
}

static uint32_t gr(struct vm *v, unsigned int lidx, uint64_t reg)
{
	uint64_t val = ~0ULL;

	vsmmu_iommufd_mmap_read(
		v->e.ictx, v->vintf.out_vintf_mmap_offset + 0x80 * lidx + reg,
		4, &val);
	return (uint32_t)val;
}

/* The guest writes command @i of its ring (in its RAM). */
static void ring_put(struct vm *v, unsigned int i, uint64_t c0, uint64_t c1)
{
	memcpy(v->ram + GPA_RING + 16 * i, &c0, 8);
	memcpy(v->ram + GPA_RING + 16 * i + 8, &c1, 8);
}

static const struct ienv_opts cmdqv_opts = { .cmdqv = true };

TEST(iommufd_cmdqv_guest_queue_invalidates)
{
	struct iommu_hw_info_tegra241_cmdqv info;
	struct iommu_hw_info h = { .size = sizeof(h) };
	struct iommu_veventq_alloc vq = { .size = sizeof(vq) };
	uint32_t pt, q0, q1, w;
	uint64_t rec[4], val;
	struct vm v;
	int tfd;

	ASSERT_OK(vm_init_type(&v, &cmdqv_opts, false,
			       IOMMU_VIOMMU_TYPE_TEGRA241_CMDQV));
	/* The VINTF's page of logical VCMDQs, 64 KiB, at mmap offset 0 */
	ASSERT_EQ(v.vintf.out_vintf_mmap_length, 0x10000);
	ASSERT_EQ(v.vintf.out_vintf_mmap_offset, 0);
	ASSERT_EQ(vsmmu_iommufd_mmap_read(v.e.ictx, 0x10000, 4, &val), -ENXIO);
	/* GET_HW_INFO of the CMDQV: 2 LVCMDQs (8 VCMDQs / 4 VINTFs), 16
	 * StreamID pairs per VINTF */
	h.dev_id = v.dev;
	h.flags = IOMMU_HW_INFO_FLAG_INPUT_TYPE;
	h.in_data_type = IOMMU_HW_INFO_TYPE_TEGRA241_CMDQV;
	h.data_len = sizeof(info);
	h.data_uptr = (uintptr_t)&info;
	ASSERT_OK(ienv_ioctl(&v.e, IOMMU_GET_HW_INFO, &h));
	ASSERT_EQ(h.out_data_type, IOMMU_HW_INFO_TYPE_TEGRA241_CMDQV);
	ASSERT_EQ(h.data_len, 8);
	ASSERT_EQ(info.log2vcmdqs, 1);
	ASSERT_EQ(info.log2vsids, 4);
	/* HW_QUEUE_ALLOC's rules */
	ASSERT_EQ(hwq(&v, 1, GPA_RING, 4096, NULL), -EIO); /* 1 before 0 */
	ASSERT_EQ(hwq(&v, 2, GPA_RING, 4096, NULL), -EINVAL); /* share 2 */
	ASSERT_EQ(hwq(&v, 0, GPA_RING, 48, NULL), -EINVAL);
	ASSERT_EQ(hwq(&v, 0, GPA_RING + 0x800, 4096, NULL), -EINVAL);
	ASSERT_EQ(hwq(&v, 0, 0x40000000, 4096, NULL), -ENOENT);
	ASSERT_EQ(hwq(&v, 0, RAM_SIZE - 0x800, 4096, NULL), -ENOENT);
	ASSERT_EQ(hwq(&v, 0, GPA_RING, 0, NULL), -EINVAL);
	ASSERT_EQ(hwq(&v, 0, UINT64_MAX - 8, 4096, NULL), -EOVERFLOW);
	ASSERT_OK(hwq(&v, 0, GPA_RING, 4096, &q0));
	ASSERT_EQ(hwq(&v, 0, GPA_RING + 4096, 4096, NULL), -EEXIST);
	ASSERT_OK(hwq(&v, 1, GPA_RING + 4096, 4096, &q1));
	/* Queues go in descending order; the ring is pinned */
	ASSERT_EQ(ienv_destroy(&v.e, q0), -EBUSY);
	ASSERT_EQ(ienv_unmap(&v.e, v.ioas, 0, RAM_SIZE, NULL), -EBUSY);
	ASSERT_OK(ienv_destroy(&v.e, q1));
	/* A TEGRA241_CMDQV VEVENTQ for the VINTF's queue errors */
	vq.viommu_id = v.viommu;
	vq.type = IOMMU_VEVENTQ_TYPE_TEGRA241_CMDQV;
	vq.veventq_depth = 4;
	ASSERT_OK(ienv_ioctl(&v.e, IOMMU_VEVENTQ_ALLOC, &vq));
	tfd = (int)vq.out_veventq_fd;
	/* The device translates through the guest's stage 1 */
	ASSERT_OK(nested_hwpt(&v, v.gste, &v.nested));
	pt = v.nested;
	ASSERT_OK(vsmmu_iommufd_device_attach(v.e.ictx, v.dev, &pt));
	ASSERT_OK(ienv_dma(&v.e, v.dev, GIOVA, &w, 4, false));
	ASSERT_EQ(vsmmu_pgtable_unmap(v.gpt, GIOVA, PG, NULL), (int64_t)PG);
	ASSERT_OK(ienv_dma(&v.e, v.dev, GIOVA, &w, 4, false)); /* stale */
	/* The guest enables its queue and rings it, no trap: TLBI_NH_VA
	 * (the VINTF puts its VMID in) and a CMD_SYNC */
	ASSERT_OK(gw(&v, 0, TEGRA241_VCMDQ_CONFIG, 1));
	ASSERT_EQ(gr(&v, 0, TEGRA241_VCMDQ_STATUS) & 1, 1);
	ring_put(&v, 0,
		 CMDQ_OP_TLBI_NH_VA | VS_FIELD_PREP(CMDQ_TLBI_0_ASID, ASID) |
			 VS_FIELD_PREP(CMDQ_TLBI_0_VMID, 0x3ff),
		 GIOVA);
	ring_put(&v, 1, CMDQ_OP_CMD_SYNC, 0);
	ASSERT_OK(gw(&v, 0, TEGRA241_VCMDQ_PROD, 2));
	ASSERT_EQ(gr(&v, 0, TEGRA241_VCMDQ_CONS) & 0xff, 2);
	ASSERT_EQ(ienv_dma(&v.e, v.dev, GIOVA, &w, 4, false), -EFAULT);
	/* A command a guest VINTF does not take: its queue halts, and the
	 * VMM hears of it as the VINTF's LVCMDQ_ERR_MAP */
	ring_put(&v, 2, CMDQ_OP_CFGI_STE | VS_FIELD_PREP(CMDQ_CFGI_0_SID, VSID),
		 0);
	ASSERT_OK(gw(&v, 0, TEGRA241_VCMDQ_PROD, 3));
	ASSERT_NE(VS_FIELD_GET(VS_GENMASK(30, 24),
			       gr(&v, 0, TEGRA241_VCMDQ_CONS)),
		  0);
	ienv_process(&v.e);
	ASSERT_EQ(read(tfd, rec, sizeof(rec)), 8 + 16);
	ASSERT_EQ(rec[0] >> 32, 0);
	ASSERT_EQ(rec[1], 1); /* logical queue 0 */
	ASSERT_EQ(rec[2], 0);
	close(tfd);
	vm_fini(&v);
}

TEST(iommufd_cmdqv_vdevice_sid_pair)
{
	struct iommu_vdevice_alloc vd = { .size = sizeof(vd) };
	uint32_t dev2, found = 0;
	unsigned int vi, s;
	struct vm v;

	ASSERT_OK(vm_init_type(&v, &cmdqv_opts, false,
			       IOMMU_VIOMMU_TYPE_TEGRA241_CMDQV));
	/* The VM's vDEVICE (vSID 0x15 for SID 0x42) took a pair of its
	 * VINTF: SID_MATCH = vSID << 1 | enable, SID_REPLACE = SID */
	for (vi = 1; vi < 4; vi++) {
		for (s = 0; s < 16; s++) {
			uint64_t m = 0, r = 0;

			vsmmu_smmu_cmdqv_mmio_read(
				v.e.smmu[0],
				TEGRA241_VINTF(vi) +
					TEGRA241_VINTF_SID_MATCH(s),
				4, &m);
			vsmmu_smmu_cmdqv_mmio_read(
				v.e.smmu[0],
				TEGRA241_VINTF(vi) +
					TEGRA241_VINTF_SID_REPLACE(s),
				4, &r);
			if (m == ((VSID << 1) | 1) && r == SID)
				found++;
		}
	}
	ASSERT_EQ(found, 1);
	/* A vSID over 32 bits: EINVAL */
	ASSERT_OK(ienv_bind(&v.e, 0, 0x50, &dev2));
	vd.viommu_id = v.viommu;
	vd.dev_id = dev2;
	vd.virt_id = 1ULL << 32;
	ASSERT_EQ(ienv_ioctl(&v.e, IOMMU_VDEVICE_ALLOC, &vd), -EINVAL);
	/* Destroying the vDEVICE clears the pair */
	ASSERT_OK(ienv_destroy(&v.e, v.vdev));
	for (vi = 1; vi < 4; vi++) {
		for (s = 0; s < 16; s++) {
			uint64_t m = 0;

			vsmmu_smmu_cmdqv_mmio_read(
				v.e.smmu[0],
				TEGRA241_VINTF(vi) +
					TEGRA241_VINTF_SID_MATCH(s),
				4, &m);
			ASSERT_EQ(m, 0);
		}
	}
	/* TEGRA241_CMDQV without its data: EINVAL */
	{
		struct iommu_viommu_alloc va = { .size = sizeof(va) };

		va.type = IOMMU_VIOMMU_TYPE_TEGRA241_CMDQV;
		va.dev_id = v.dev;
		va.hwpt_id = v.parent;
		ASSERT_EQ(ienv_ioctl(&v.e, IOMMU_VIOMMU_ALLOC, &va), -EINVAL);
		/* Three VINTFs for VMs (VINTF0 is the host's): the fourth
		 * vIOMMU finds none */
		va.data_len = sizeof(v.vintf);
		va.data_uptr = (uintptr_t)&v.vintf;
		ASSERT_OK(ienv_ioctl(&v.e, IOMMU_VIOMMU_ALLOC, &va));
		ASSERT_OK(ienv_ioctl(&v.e, IOMMU_VIOMMU_ALLOC, &va));
		ASSERT_EQ(v.vintf.out_vintf_mmap_offset, 0x20000);
		ASSERT_EQ(ienv_ioctl(&v.e, IOMMU_VIOMMU_ALLOC, &va), -ENOSPC);
	}
	vm_fini(&v);
}

/* --- Page requests (PRI) through a FAULT queue ------------------------------ */

struct pri_dma {
	struct vm *v;
	uint64_t iova;
	uint32_t word;
	int rc;
	struct vsmmu_iommufd_dma op;
};

static void *pri_dma_thread(void *arg)
{
	struct pri_dma *d = arg;

	d->op = (struct vsmmu_iommufd_dma){ .iova = d->iova,
					    .buf = &d->word,
					    .len = 4,
					    .flags = VSMMU_IOMMUFD_DMA_PRI,
					    .pri_wait_ns = 10000000000ULL };
	d->rc = vsmmu_iommufd_dma(d->v->e.ictx, d->v->dev, &d->op);
	return NULL;
}

/* Drain the host's PRI queue until the FAULT fd has a message; read it */
static ssize_t wait_group(struct vm *v, int fd, struct iommu_hwpt_pgfault *f,
			  size_t max)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	unsigned int i;

	for (i = 0; i < 5000; i++) {
		ienv_process(&v->e);
		if (poll(&p, 1, 1) == 1)
			return read(fd, f, max * sizeof(*f));
	}
	return -ETIMEDOUT;
}

TEST(iommufd_fault_queue_page_requests)
{
	static const struct ienv_opts o = { .service_thread = true,
					    .pri_devs = true };
	struct iommu_fault_alloc fa = { .size = sizeof(fa) };
	struct iommu_hwpt_page_response resp;
	struct iommu_hwpt_pgfault f[4];
	struct vsmmu_pri_req pr = { .sid = SID,
				    .perm = VSMMU_PRI_READ,
				    .prgi = 7 };
	struct vsmmu_drv_stats st0, st1;
	struct pri_dma d;
	pthread_t t;
	uint32_t pt;
	struct vm v;
	int ffd;

	ASSERT_OK(vm_init(&v, &o));
	ASSERT_OK(ienv_ioctl(&v.e, IOMMU_FAULT_QUEUE_ALLOC, &fa));
	ffd = (int)fa.out_fault_fd;
	/* The guest asks for ATS (EATS = 0b01, bits 29:28) */
	ASSERT_OK(attach_faulting(&v, fa.out_fault_id, 1ULL << 28, &pt));
	/* Nothing at GIOVA + 1 page: the completion denies the read, the
	 * endpoint asks for the page (its first group index, 0) */
	memset(&d, 0, sizeof(d));
	d.v = &v;
	d.iova = GIOVA + PG + 8;
	ASSERT_OK(pthread_create(&t, NULL, pri_dma_thread, &d));
	ASSERT_EQ(wait_group(&v, ffd, f, 4), (ssize_t)sizeof(f[0]));
	ASSERT_EQ(f[0].flags, IOMMU_PGFAULT_FLAGS_LAST_PAGE);
	ASSERT_EQ(f[0].dev_id, v.dev);
	ASSERT_EQ(f[0].perm, IOMMU_PGFAULT_PERM_READ);
	ASSERT_EQ(f[0].addr, GIOVA + PG); /* a page address */
	ASSERT_EQ(f[0].grpid, 0);
	ASSERT_NE(f[0].cookie, 0);
	/* The guest maps it; SUCCESS: CMD_PRI_RESP Success, the endpoint
	 * translates again and reads */
	ASSERT_OK(vsmmu_mem_write64(v.gmem, GPA_DATA + 8, 0xfeedf00d));
	ASSERT_OK(vsmmu_pgtable_map(v.gpt, GIOVA + PG, GPA_DATA, PG,
				    VSMMU_PROT_READ | VSMMU_PROT_WRITE |
					    VSMMU_PROT_USER));
	resp.cookie = f[0].cookie;
	resp.code = IOMMUFD_PAGE_RESP_SUCCESS;
	ASSERT_EQ(write(ffd, &resp, sizeof(resp)), (ssize_t)sizeof(resp));
	ASSERT_OK(pthread_join(t, NULL));
	ASSERT_EQ(d.rc, 0);
	ASSERT_EQ(d.word, 0xfeedf00d);
	ASSERT_EQ(d.op.pri_requests, 1);
	ASSERT_EQ(d.op.pri_response, VSMMU_PRI_RESP_SUCCESS);
	/* Another, answered INVALID: InvalidRequest, the transfer fails */
	d.iova = GIOVA + 2 * PG;
	ASSERT_OK(pthread_create(&t, NULL, pri_dma_thread, &d));
	ASSERT_EQ(wait_group(&v, ffd, f, 4), (ssize_t)sizeof(f[0]));
	ASSERT_EQ(f[0].grpid, 1);
	resp.cookie = f[0].cookie;
	resp.code = IOMMUFD_PAGE_RESP_INVALID;
	ASSERT_EQ(write(ffd, &resp, sizeof(resp)), (ssize_t)sizeof(resp));
	ASSERT_OK(pthread_join(t, NULL));
	ASSERT_EQ(d.rc, -EFAULT);
	ASSERT_EQ(d.op.pri_response, VSMMU_PRI_RESP_INVALID);
	/* A group of two: the first waits for the Last, then both go up as
	 * one message with one cookie, LAST_PAGE on the second only */
	pr.addr = GIOVA + 4 * PG;
	ASSERT_OK(vsmmu_smmu_page_request(v.e.smmu[0], &pr, NULL));
	pr.addr = GIOVA + 5 * PG;
	pr.last = true;
	ASSERT_OK(vsmmu_smmu_page_request(v.e.smmu[0], &pr, NULL));
	ASSERT_EQ(wait_group(&v, ffd, f, 4), (ssize_t)(2 * sizeof(f[0])));
	ASSERT_EQ(f[0].flags, 0);
	ASSERT_EQ(f[0].addr, GIOVA + 4 * PG);
	ASSERT_EQ(f[1].flags, IOMMU_PGFAULT_FLAGS_LAST_PAGE);
	ASSERT_EQ(f[1].addr, GIOVA + 5 * PG);
	ASSERT_EQ(f[0].grpid, 7);
	ASSERT_EQ(f[0].cookie, f[1].cookie);
	/* Not answered: the device leaves the HWPT, the host answers it */
	vsmmu_drv_get_stats(v.e.drv[0], &st0);
	ASSERT_OK(vsmmu_iommufd_device_detach(v.e.ictx, v.dev));
	vsmmu_drv_get_stats(v.e.drv[0], &st1);
	ASSERT_EQ(st1.pri_resps, st0.pri_resps + 1);
	/* The answer comes too late: its cookie is unknown, dropped */
	resp.cookie = f[0].cookie;
	resp.code = IOMMUFD_PAGE_RESP_SUCCESS;
	ASSERT_EQ(write(ffd, &resp, sizeof(resp)), (ssize_t)sizeof(resp));
	vsmmu_iommufd_process(v.e.ictx);
	vsmmu_drv_get_stats(v.e.drv[0], &st0);
	ASSERT_EQ(st0.pri_resps, st1.pri_resps);
	ASSERT_OK(ienv_destroy(&v.e, pt));
	close(ffd);
	vm_fini(&v);
}
