/* SPDX-License-Identifier: MIT */
/*
 * A host for the VMM layer's tests: a host SMMU (model, commands consumed
 * synchronously, optionally with a CMDQV) and its driver from
 * <vsmmu/host.h>, an iommufd context over it (no service thread: the tests
 * move events with venv_process()), the driver's events routed to the
 * context, and helpers to build a VM on it.
 */
#ifndef VSMMU_TESTS_VM_ENV_H
#define VSMMU_TESTS_VM_ENV_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <vsmmu/host.h>
#include <vsmmu/iommufd.h>
#include <vsmmu/vmm.h>

#define VENV_RAM_SIZE (32ULL << 20)
#define VENV_POOL_SIZE (8ULL << 20) /* the guest driver's */

struct venv_opts {
	bool cmdqv; /* the host SMMU has a CMDQV (4 VINTFs, 8 VCMDQs) */
	bool no_ats;
	bool no_pri; /* the host SMMU has no PRI (IDR0.PRI = 0) */
	bool io_thread; /* the context's service thread */
};

struct venv {
	struct vsmmu_host *host;
	struct vsmmu_drv *drv;
	struct vsmmu_smmu *smmu;
	struct vsmmu_mem *mem;
	struct vsmmu_iommufd_ctx *ictx;
	atomic_uint host_events; /* events the context did not take */
};

int venv_init(struct venv *e, const struct venv_opts *o);
void venv_fini(struct venv *e);
/* The host's threaded interrupt and the context's service work */
void venv_process(struct venv *e);

/* A VM of @ndevs devices (SID 0x40 + i, vSID 0x10 + i), 32 MiB of RAM */
int venv_vm(struct venv *e, unsigned int ndevs, enum vsmmu_vm_cmdqv cmdqv,
	    enum vsmmu_vm_trap trap, struct vsmmu_vm **vm);
/* SIDs of another VM: SID 0x60 + i, vSID 0x10 + i (the same vSIDs) */
int venv_vm2(struct venv *e, unsigned int ndevs, enum vsmmu_vm_cmdqv cmdqv,
	     struct vsmmu_vm **vm);

/* The guest driver on virtual SMMU 0, its pool 8 MiB */
int venv_guest(struct vsmmu_vm *vm, bool no_cmdqv, struct vsmmu_vm_guest **g);

/* A guest access to virtual SMMU 0's register @off */
uint64_t venv_rd(struct vsmmu_vm *vm, uint64_t off, unsigned int size);
int venv_wr(struct vsmmu_vm *vm, uint64_t off, unsigned int size, uint64_t val);

int venv_dma(struct vsmmu_vm *vm, unsigned int dev, uint64_t iova, void *buf,
	     size_t len, bool write);

#endif
