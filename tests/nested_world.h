/* SPDX-License-Identifier: MIT */
/*
 * A guest over the host driver, for the VM tests: the host (model +
 * driver), the guest's RAM in host memory mapped by a nest-parent stage 2,
 * the guest's view of it (a vsmmu_mem aliasing those pages), a VM's VMID,
 * the guest's stage-1 table and CD in guest memory (built as a guest
 * would: the page-table library, the CD fields from the spec's layout),
 * one master (SID 5) and the guest's STE words.  The invalidation checker
 * is on for the whole life of the world; world_fini() asserts it found
 * nothing.
 */
#ifndef VSMMU_TEST_NESTED_WORLD_H
#define VSMMU_TEST_NESTED_WORLD_H

#include <vsmmu/host.h>
#include <vsmmu/pgtable.h>

#define HPA_RAM 0x200000000ULL /* the guest's RAM in host memory */
#define RAM_SIZE (8ULL << 20)
#define GPA_POOL 0x100000ULL /* guest tables from here */
#define GPA_CDTAB 0x80000ULL /* guest CD table (one CD) */
#define GPA_DATA 0x400000ULL /* a guest page the device reads */
#define IOVA 0x7000000ULL /* the guest's IOVA for it */
#define SID 5
#define VSID 0x15 /* the guest's name for SID 5 */
#define GUEST_ASID 7

struct world {
	struct vsmmu_host *host;
	struct vsmmu_drv *drv;
	struct vsmmu_smmu *smmu;
	struct vsmmu_mem *mem, *gmem;
	struct vsmmu_mem_pool *gpool;
	struct vsmmu_pgtable *gpt; /* the guest's stage 1 */
	struct vsmmu_drv_domain *parent, *nested;
	struct vsmmu_drv_vm *vm;
	struct vsmmu_drv_master *m;
	uint64_t gste[2];
	unsigned int events;
	uint64_t last_evt[4];
};

/* @hc: NULL for the default host; @ats: the master uses ATS */
int world_init(struct world *w, const struct vsmmu_host_config *hc, bool ats);
void world_fini(struct world *w);
/* A log_fn that drops the driver's messages */
void world_quiet(void *arg, const char *msg);
int world_txn(struct world *w, uint32_t sid, uint64_t addr,
	      struct vsmmu_txn_result *r);

#endif
