/* SPDX-License-Identifier: MIT */
/*
 * The guest's view of a CMDQV, for tests: a small trap layer of the tests'
 * own, standing in for the VMM until the virtual SMMU provides the real
 * one.  The hardware model does not know who accesses it; a VMM that
 * gives a guest a VINTF traps the guest's accesses and applies this
 * policy (seed 000, reference/cmdqv.md):
 *  - VINTF_CONFIG: HYP_OWN reads 0 and a guest write keeps it 0; the VMID
 *    is the host's (a guest write keeps the host's value); EN is the
 *    guest's.
 *  - SID_MATCH / SID_REPLACE: the host's; guest writes are ignored.
 *  - The global page is not the guest's: with a remap (@vintf >= 0) the
 *    guest sees a CMDQV of one VINTF (its VINTF 0 is the host's VINTF
 *    @vintf) and its share of VCMDQs (its VCMDQ q is the host's
 *    @vintf * share + q), CMDQV_CONFIG is emulated (a shadow), CMDQ_ALLOC
 *    writes are made for the host's VINTF; without a remap (@vintf < 0)
 *    global-page writes are ignored and reads pass through.
 *  - The guest's logical VCMDQ page goes straight to the hardware.
 */
#ifndef VSMMU_TEST_GUEST_TRAP_H
#define VSMMU_TEST_GUEST_TRAP_H

#include <stdint.h>

#include <vsmmu/driver.h>
#include <vsmmu/smmu.h>

struct guest_trap {
	struct vsmmu_smmu *smmu;
	int vintf; /* the host VINTF behind the guest's VINTF 0; -1: none */
	unsigned int share; /* VCMDQs per VINTF (remap only) */
	uint32_t config; /* the guest's CMDQV_CONFIG (remap only) */
};

/* Remap mode: read the host's CMDQV_PARAM for the share. */
int guest_trap_init(struct guest_trap *t, struct vsmmu_smmu *smmu, int vintf);

int guest_trap_read(void *ctx, uint64_t off, unsigned int size, uint64_t *val);
int guest_trap_write(void *ctx, uint64_t off, unsigned int size, uint64_t val);

/* vsmmu_drv_config.cmdqv_ops for a guest's driver, ctx = a guest_trap */
extern const struct vsmmu_drv_mmio_ops guest_trap_ops;

#endif
