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
#include <vsmmu/export.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What the SMMU implements, as far as commands care (from its IDRs). */
#define VSMMU_CMD_CAP_S1 (1U << 0) /* IDR0.S1P: CFGI_CD*, TLBI_NH_* */
#define VSMMU_CMD_CAP_S2 (1U << 1) /* IDR0.S2P: TLBI_S12_VMALL, S2_IPA */
#define VSMMU_CMD_CAP_HYP (1U << 2) /* IDR0.HYP with S1P: TLBI_EL2_* */
#define VSMMU_CMD_CAP_ATS (1U << 3) /* IDR0.ATS: CMD_ATC_INV */
#define VSMMU_CMD_CAP_PRI (1U << 4) /* IDR0.PRI: CMD_PRI_RESP */
#define VSMMU_CMD_CAP_STALL (1U << 5) /* stalls: CMD_RESUME, STALL_TERM */
#define VSMMU_CMD_CAP_RIL (1U << 6) /* IDR3.RIL: TLBI range fields */

struct vsmmu_cmd_caps {
	uint32_t features; /* VSMMU_CMD_CAP_* */
};

/** vsmmu_cmd_caps_from_idr() - @caps from the values of IDR0..IDR5. */
VSMMU_API void vsmmu_cmd_caps_from_idr(const uint32_t *idr,
				       struct vsmmu_cmd_caps *caps);

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
VSMMU_API int vsmmu_cmd_check(const uint64_t *cmd,
			      const struct vsmmu_cmd_caps *caps);

#ifdef __cplusplus
}
#endif
#endif /* VSMMU_COMMAND_H */
