/* SPDX-License-Identifier: MIT */
/*
 * SMMUv3 commands: which ones an SMMU executes and which it rejects with
 * CERROR_ILL (IHI 0070 4.1.5 and each command's section).  The one source
 * of that rule: the hardware model's command engine stops a queue where
 * vsmmu_cmd_check() says so, and a host that forwards a guest's commands
 * (vsmmu_drv_vm_invalidate) refuses those it says so about before they can
 * reach -- and stop -- a shared queue.
 *
 * Pure, thread-safe.  Commands are two 64-bit words in CPU order.
 */
#ifndef VSMMU_COMMAND_H
#define VSMMU_COMMAND_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What the SMMU implements, as far as commands care (from its IDRs). */
struct vsmmu_cmd_caps {
	bool s1, s2; /* IDR0.S1P, S2P */
	bool hyp; /* IDR0.HYP: the EL2 TLBIs (with S1P) */
	bool ats; /* IDR0.ATS: CMD_ATC_INV */
	bool pri; /* IDR0.PRI: CMD_PRI_RESP */
	bool stall; /* IDR0.STALL_MODEL != 0b01: CMD_RESUME, STALL_TERM */
	bool ril; /* IDR3.RIL: the TLBI range fields */
};

/** vsmmu_cmd_caps_from_idr() - @caps from the values of IDR0..IDR5. */
void vsmmu_cmd_caps_from_idr(const uint32_t *idr, struct vsmmu_cmd_caps *caps);

/**
 * vsmmu_cmd_check() - would an SMMU with @caps execute @cmd?
 *
 * CERROR_ILL for: a reserved opcode, or one of the Secure/EL3/VMS
 * commands a Non-secure queue may not issue; a command for a feature
 * @caps lacks; a bit set outside the command's fields (4.1.5 lets the
 * SMMU ignore such bits or reject the command: the model rejects); TLBI
 * range fields (NUM, SCALE, TG, TTL) without RIL, TG = 0 with NUM or
 * SCALE set, and TG != 0 with NUM = SCALE = TTL = 0 (4.4.1.1);
 * CMD_ATC_INV Size > 52; CMD_PRI_RESP Resp = 0b11; CMD_SYNC CS = 0b11.
 * Return: 0 (executed), -EINVAL (CERROR_ILL).
 */
int vsmmu_cmd_check(const uint64_t *cmd, const struct vsmmu_cmd_caps *caps);

#ifdef __cplusplus
}
#endif
#endif /* VSMMU_COMMAND_H */
