#define _DEFAULT_SOURCE /* mmap's MAP_ANONYMOUS, usleep */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <vsmmu/arch.h>
#include <vsmmu/host.h>
#include <vsmmu/iommufd.h>
#include <vsmmu/mem.h>
#include <vsmmu/pgtable.h>

#define RAM (2u << 20) /* the guest's RAM, at IPA 0 */
#define GPA_CD 0x1000 /* its CD */
#define GPA_POOL 0x100000 /* its page-table pages */
#define GPA_DATA 0x80000 /* the page the device writes */
#define GIOVA 0x40000000 /* where the guest maps it for the device */
#define SID 0x42 /* the device's StreamID ... */
#define VSID 0x15 /* ... as the guest knows it */

static struct vsmmu_iommufd_ctx *ictx;

/* The driver's callbacks: the context takes what is the guest's */
static void on_event(void *arg, const struct vsmmu_drv_event *e)
{
	(void)arg;
	if (!vsmmu_iommufd_host_event(ictx, 0, e))
		printf("host event: %s\n", e->msg);
}

static bool on_stall(void *arg, const struct vsmmu_drv_event *e)
{
	(void)arg;
	return vsmmu_iommufd_host_stall(ictx, 0, e);
}

static int ioc(unsigned long cmd, void *arg, const char *what)
{
	int rc = vsmmu_iommufd_ioctl(ictx, cmd, arg);

	if (rc)
		fprintf(stderr, "%s: %s\n", what, strerror(-rc));
	return rc;
}

int main(void)
{
	struct vsmmu_host_config hc;
	struct vsmmu_host *host;
	struct vsmmu_iommufd_host h;
	struct vsmmu_iommufd_config ic = { 0 };
	struct vsmmu_iommufd_dev_cfg dc = { 0 };
	uint32_t sid = SID, dev, pt;
	unsigned char *ram;
	struct vsmmu_mem *gmem; /* the guest's view of its RAM */
	struct vsmmu_mem_pool *gpool;
	struct vsmmu_pgtable *gpt;
	struct vsmmu_pgtable_cfg gc = { .fmt = VSMMU_PGTABLE_S1,
					.granule_shift = 12,
					.ias = 48,
					.oas = 40 };
	struct vsmmu_pgtable_info pi;
	uint64_t cd[8] = { 0 }, inv[2], rec[5];
	const char msg[] = "hello, guest";
	struct vsmmu_iommufd_dma op = { 0 };
	int evfd, rc = 1;

	/* The host: an SMMUv3 model and its driver, events wired */
	vsmmu_host_config_default(&hc);
	hc.drv.event_fn = on_event;
	hc.drv.stall_fn = on_stall;
	if (vsmmu_host_create(&hc, NULL, &host))
		return 1;
	h.smmu = vsmmu_host_smmu(host);
	h.drv = vsmmu_host_drv(host);
	ic.hosts = &h;
	ic.nhosts = 1;
	if (vsmmu_iommufd_ctx_create(&ic, &ictx))
		return 1;

	/* The guest's RAM, mapped at IOVA (= IPA) 0 of an IOAS */
	ram = mmap(NULL, RAM, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct iommu_ioas_alloc ia = { .size = sizeof(ia) };
	if (ram == MAP_FAILED || ioc(IOMMU_IOAS_ALLOC, &ia, "IOAS_ALLOC"))
		return 1;
	struct iommu_ioas_map map = {
		.size = sizeof(map),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.ioas_id = ia.out_ioas_id,
		.user_va = (uintptr_t)ram,
		.length = RAM,
		.iova = 0,
	};
	if (ioc(IOMMU_IOAS_MAP, &map, "IOAS_MAP"))
		return 1;

	/* The device (VFIO_DEVICE_BIND_IOMMUFD) */
	dc.sids = &sid;
	dc.nsids = 1;
	if (vsmmu_iommufd_device_bind(ictx, &dc, &dev))
		return 1;

	/* Nest parent, vIOMMU, vDEVICE, VEVENTQ */
	struct iommu_hwpt_alloc parent = {
		.size = sizeof(parent),
		.flags = IOMMU_HWPT_ALLOC_NEST_PARENT,
		.dev_id = dev,
		.pt_id = ia.out_ioas_id,
	};
	if (ioc(IOMMU_HWPT_ALLOC, &parent, "nest parent"))
		return 1;
	struct iommu_viommu_alloc va = {
		.size = sizeof(va),
		.type = IOMMU_VIOMMU_TYPE_ARM_SMMUV3,
		.dev_id = dev,
		.hwpt_id = parent.out_hwpt_id,
	};
	if (ioc(IOMMU_VIOMMU_ALLOC, &va, "VIOMMU_ALLOC"))
		return 1;
	struct iommu_vdevice_alloc vd = {
		.size = sizeof(vd),
		.viommu_id = va.out_viommu_id,
		.dev_id = dev,
		.virt_id = VSID,
	};
	if (ioc(IOMMU_VDEVICE_ALLOC, &vd, "VDEVICE_ALLOC"))
		return 1;
	struct iommu_veventq_alloc vq = {
		.size = sizeof(vq),
		.viommu_id = va.out_viommu_id,
		.type = IOMMU_VEVENTQ_TYPE_ARM_SMMUV3,
		.veventq_depth = 8,
	};
	if (ioc(IOMMU_VEVENTQ_ALLOC, &vq, "VEVENTQ_ALLOC"))
		return 1;
	evfd = (int)vq.out_veventq_fd;

	/* What the guest does in its RAM: a stage-1 table mapping GIOVA
	 * to GPA_DATA, and a CD pointing at it (ASID 1) */
	if (vsmmu_mem_create(40, &gmem) ||
	    vsmmu_mem_map_host(gmem, 0, ram, RAM) ||
	    vsmmu_mem_pool_create(gmem, GPA_POOL, 512 << 10, &gpool))
		return 1;
	gc.pool = gpool;
	if (vsmmu_pgtable_create(&gc, &gpt) ||
	    vsmmu_pgtable_map(gpt, GIOVA, GPA_DATA, 4096,
			      VSMMU_PROT_READ | VSMMU_PROT_WRITE |
				      VSMMU_PROT_USER))
		return 1;
	vsmmu_pgtable_get_info(gpt, &pi);
	cd[0] = VS_FIELD_PREP(CTXDESC_CD_0_TCR_T0SZ, pi.tsz) |
		VS_FIELD_PREP(CTXDESC_CD_0_TCR_TG0, pi.tg) |
		VS_FIELD_PREP(CTXDESC_CD_0_TCR_IPS, pi.ps) |
		CTXDESC_CD_0_TCR_EPD1 | CTXDESC_CD_0_V | CTXDESC_CD_0_AA64 |
		CTXDESC_CD_0_R | CTXDESC_CD_0_A |
		VS_FIELD_PREP(CTXDESC_CD_0_ASID, 1);
	cd[1] = pi.ttb & CTXDESC_CD_1_TTB0_MASK;
	cd[3] = 0x0404ff44; /* MAIR */
	memcpy(ram + GPA_CD, cd, sizeof(cd));

	/* The guest's STE for its device: V, Config = S1 translate, the CD
	 * at GPA_CD; fetched write-back, inner shareable */
	struct iommu_hwpt_arm_smmuv3 ste = {
		.ste = { STRTAB_STE_0_V |
				 VS_FIELD_PREP(STRTAB_STE_0_CFG,
					       STRTAB_STE_0_CFG_S1_TRANS) |
				 GPA_CD,
			 VS_FIELD_PREP(STRTAB_STE_1_S1CIR, 1) |
				 VS_FIELD_PREP(STRTAB_STE_1_S1COR, 1) |
				 VS_FIELD_PREP(STRTAB_STE_1_S1CSH, 3) },
	};
	struct iommu_hwpt_alloc nested = {
		.size = sizeof(nested),
		.dev_id = dev,
		.pt_id = va.out_viommu_id,
		.data_type = IOMMU_HWPT_DATA_ARM_SMMUV3,
		.data_len = sizeof(ste),
		.data_uptr = (uintptr_t)&ste,
	};
	if (ioc(IOMMU_HWPT_ALLOC, &nested, "nested HWPT"))
		return 1;
	pt = nested.out_hwpt_id;
	if (vsmmu_iommufd_device_attach(ictx, dev, &pt))
		return 1;

	/* The device writes through gIOVA -> IPA -> the VMM's buffer */
	op.iova = GIOVA;
	op.buf = (void *)msg;
	op.len = sizeof(msg);
	op.flags = VSMMU_IOMMUFD_DMA_WRITE;
	if (vsmmu_iommufd_dma(ictx, dev, &op))
		return 1;
	printf("guest RAM at 0x%x: \"%s\"\n", GPA_DATA, ram + GPA_DATA);

	/* The guest unmaps the page and invalidates it (TLBI_NH_VA, its
	 * ASID; the layer puts in the VM's VMID) */
	vsmmu_pgtable_unmap(gpt, GIOVA, 4096, NULL);
	inv[0] = CMDQ_OP_TLBI_NH_VA | VS_FIELD_PREP(CMDQ_TLBI_0_ASID, 1);
	inv[1] = GIOVA | CMDQ_TLBI_1_LEAF;
	struct iommu_hwpt_invalidate hi = {
		.size = sizeof(hi),
		.hwpt_id = va.out_viommu_id,
		.data_uptr = (uintptr_t)inv,
		.data_type = IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3,
		.entry_len = sizeof(inv),
		.entry_num = 1,
	};
	if (ioc(IOMMU_HWPT_INVALIDATE, &hi, "HWPT_INVALIDATE"))
		return 1;

	/* The next DMA faults, and the guest hears of it with its vSID */
	if (vsmmu_iommufd_dma(ictx, dev, &op) != -EFAULT)
		return 1;
	vsmmu_drv_process(vsmmu_host_drv(host)); /* the driver's IRQ thread */
	for (int i = 0; i < 1000; i++) {
		if (read(evfd, rec, sizeof(rec)) == (ssize_t)sizeof(rec)) {
			/* header (flags, sequence), then the record */
			printf("vEVENT 0x%02x, StreamID 0x%x, address 0x%llx\n",
			       (unsigned int)(rec[1] & 0xff),
			       (unsigned int)(rec[1] >> 32),
			       (unsigned long long)rec[3]);
			rc = (rec[1] & 0xff) == EVT_ID_TRANSLATION &&
					     (rec[1] >> 32) == VSID ?
				     0 :
				     1;
			break;
		}
		usleep(1000);
	}

	close(evfd);
	vsmmu_iommufd_ctx_destroy(ictx);
	vsmmu_pgtable_destroy(gpt);
	vsmmu_mem_pool_destroy(gpool);
	vsmmu_mem_destroy(gmem);
	vsmmu_host_destroy(host);
	munmap(ram, RAM);
	return rc;
}
