/* SPDX-License-Identifier: MIT */
/*
 * Broadcast TLB maintenance: the message a PE's TLBI ...IS instruction
 * sends to every TLB in its shareability domain (Arm's DVM operations),
 * as the CPUs of <vsmmu/cpu.h> send them and an SMMU that takes part in
 * broadcast TLB maintenance (IDR0.BTM with CR2.PTM = 0) receives them
 * (vsmmu_smmu_dvm() of <vsmmu/smmu.h>).  Types only.
 */
#ifndef VSMMU_DVM_H
#define VSMMU_DVM_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * One broadcast TLB invalidation, as the CPU instruction names it (Arm
 * ARM D8.13 / the TLBI instructions).  EL1&0-regime operations carry the
 * issuing VM's VMID (0 for a host that runs its processes at EL1); with
 * @el2 the operation is for the EL2&0 regime (a VHE host, E2H = 1), which
 * has no VMID.
 */
enum vsmmu_dvm_kind {
	VSMMU_DVM_ASID, /* TLBI ASIDE1IS: all entries of @asid */
	VSMMU_DVM_VA, /* TLBI VAE1IS / RVAE1IS: @asid, [@addr, +@size) */
	VSMMU_DVM_VAL, /* TLBI VALE1IS / RVALE1IS: last level only */
	VSMMU_DVM_VAA, /* TLBI VAAE1IS: [@addr, +@size), every ASID */
	VSMMU_DVM_VAAL, /* TLBI VAALE1IS: the same, last level only */
	VSMMU_DVM_VMALL, /* TLBI VMALLE1IS: every stage-1 entry of @vmid */
	VSMMU_DVM_IPA, /* TLBI IPAS2E1IS: stage 2 of @vmid at IPA @addr */
	VSMMU_DVM_IPAL, /* TLBI IPAS2LE1IS: the same, last level only */
	VSMMU_DVM_VMALLS12, /* TLBI VMALLS12E1IS: stage 1 and 2 of @vmid */
};

struct vsmmu_dvm_op {
	enum vsmmu_dvm_kind kind;
	bool el2; /* EL2&0 regime (E2H = 1): no VMID */
	uint16_t vmid;
	uint16_t asid;
	uint64_t addr; /* page aligned */
	uint64_t size; /* bytes (one page for the non-range forms) */
};

/* A listener on the broadcast bus (vsmmu_cpu_add_listener). */
typedef void vsmmu_dvm_fn(void *arg, const struct vsmmu_dvm_op *op);

#ifdef __cplusplus
}
#endif
#endif /* VSMMU_DVM_H */
