// SPDX-License-Identifier: MIT
/*
 * Bring up the SMMU model with the host driver and do DMA through it: a
 * device (StreamID 0x10) gets a stage-1 domain, one 4 KiB buffer is
 * mapped at an IOVA, the device writes through the translation, the
 * buffer is unmapped (TLBI + CMD_SYNC), and the device's next access
 * faults; the driver drains the event and prints it.
 *
 * Uses nothing but the installed <vsmmu/vsmmu.h>.
 * Build: cc dma.c $(pkg-config --cflags --libs vsmmu)
 */
#include <inttypes.h>
#include <stdio.h>

#include <vsmmu/vsmmu.h>

#define POOL_BASE 0x10000000ULL /* the driver's tables and queues */
#define POOL_SIZE (16ULL << 20)
#define BUF_PA 0x80000000ULL /* the DMA buffer */
#define IOVA 0x40000000ULL

static void on_event(void *arg, const struct vsmmu_drv_event *e)
{
	unsigned int *n = arg;

	(*n)++;
	printf("event: %s SID 0x%" PRIx32 " address 0x%" PRIx64 "\n", e->name,
	       e->sid, e->addr);
}

static int check(int ret, const char *what)
{
	if (ret < 0)
		fprintf(stderr, "dma: %s: %s\n", what, vsmmu_strerror(ret));
	return ret < 0;
}

int main(void)
{
	struct vsmmu_mem *mem = NULL;
	struct vsmmu_mem_pool *pool = NULL;
	struct vsmmu_smmu *smmu = NULL;
	struct vsmmu_drv *drv = NULL;
	struct vsmmu_drv_master *m = NULL;
	struct vsmmu_drv_domain *dom = NULL;
	struct vsmmu_smmu_config sc;
	struct vsmmu_drv_config dc = { 0 };
	struct vsmmu_drv_domain_cfg dcfg = { .type = VSMMU_DRV_DOMAIN_S1 };
	struct vsmmu_txn txn = { .sid = 0x10,
				 .addr = IOVA + 0x18,
				 .flags = VSMMU_TXN_WRITE };
	struct vsmmu_txn_result res;
	uint32_t sid = 0x10;
	unsigned int events = 0;
	uint64_t v = 0;
	int status = 1;

	printf("libvsmmu %s\n", vsmmu_version_string());
	if (check(vsmmu_mem_create(48, &mem), "memory") ||
	    check(vsmmu_mem_pool_create(mem, POOL_BASE, POOL_SIZE, &pool),
		  "pool") ||
	    check(vsmmu_mem_populate(mem, BUF_PA, 4096), "buffer"))
		goto out;
	vsmmu_smmu_config_default(&sc);
	sc.exec = VSMMU_EXEC_SYNC; /* commands run in the submitting thread */
	if (check(vsmmu_smmu_create(&sc, mem, &smmu), "SMMU"))
		goto out;
	dc.ops = &vsmmu_drv_smmu_mmio_ops;
	dc.ops_ctx = smmu;
	dc.pool = pool;
	dc.event_fn = on_event;
	dc.event_arg = &events;
	if (check(vsmmu_drv_create(&dc, &drv), "driver") ||
	    check(vsmmu_drv_enable(drv), "enable") ||
	    check(vsmmu_drv_master_create(drv, &sid, 1, 0, &m), "master") ||
	    check(vsmmu_drv_domain_alloc(drv, &dcfg, &dom), "domain") ||
	    check(vsmmu_drv_attach(m, dom), "attach") ||
	    check(vsmmu_drv_map(dom, IOVA, BUF_PA, 4096,
				VSMMU_PROT_READ | VSMMU_PROT_WRITE),
		  "map"))
		goto out;

	/* The device writes through the translation */
	if (check(vsmmu_translate(smmu, &txn, &res), "translate"))
		goto out;
	if (res.outcome != VSMMU_TXN_OK) {
		fprintf(stderr, "dma: the mapped IOVA did not translate\n");
		goto out;
	}
	vsmmu_mem_write64(mem, res.oa, 0x1234);
	vsmmu_mem_read64(mem, BUF_PA + 0x18, &v);
	printf("DMA write IOVA 0x%" PRIx64 " -> PA 0x%" PRIx64
	       ", buffer holds 0x%" PRIx64 "\n",
	       txn.addr, res.oa, v);

	/* Unmap: strict, so the IOTLB entry is gone when it returns */
	if (check((int)vsmmu_drv_unmap(dom, IOVA, 4096, 0, NULL, NULL),
		  "unmap") ||
	    check(vsmmu_translate(smmu, &txn, &res), "translate"))
		goto out;
	printf("after unmap: %s\n",
	       res.outcome == VSMMU_TXN_FAULT ? "fault" : "NOT a fault");
	if (check(vsmmu_drv_evtq_drain(drv), "drain"))
		goto out;
	status = res.outcome == VSMMU_TXN_FAULT && events == 1 && v == 0x1234 ?
			 0 :
			 1;
out:
	if (m)
		vsmmu_drv_master_destroy(m); /* detaches it from dom */
	if (dom)
		vsmmu_drv_domain_free(dom);
	vsmmu_drv_destroy(drv);
	vsmmu_smmu_destroy(smmu);
	vsmmu_mem_pool_destroy(pool);
	vsmmu_mem_destroy(mem);
	return status;
}
