// SPDX-License-Identifier: MIT
/*
 * Command encoding: struct vsmmu_drv_cmd (which fields an opcode has) into
 * the architected 16-byte command (spec 4.x).  Pure; CMD_SYNC belongs to
 * the queue that issues it (cmdq.c).
 */
#include <errno.h>

#include "driver/drv.h"

int vsmmu_drv_cmd_build(const struct vsmmu_drv_cmd *c, uint64_t out[2])
{
	uint64_t *cmd = out;

	cmd[0] = VS_FIELD_PREP(CMDQ_0_OP, c->opcode);
	cmd[1] = 0;
	switch (c->opcode) {
	case CMDQ_OP_PREFETCH_CFG:
		cmd[0] |= VS_FIELD_PREP(CMDQ_PREFETCH_0_SID, c->sid);
		if (c->ssv)
			cmd[0] |= CMDQ_0_SSV |
				  VS_FIELD_PREP(CMDQ_PREFETCH_0_SSID, c->ssid);
		break;
	case CMDQ_OP_CFGI_STE:
		cmd[0] |= VS_FIELD_PREP(CMDQ_CFGI_0_SID, c->sid);
		cmd[1] |= c->leaf ? CMDQ_CFGI_1_LEAF : 0;
		break;
	case CMDQ_OP_CFGI_STE_RANGE:
		if (c->range > CMDQ_CFGI_1_RANGE_ALL)
			return -EINVAL;
		cmd[0] |= VS_FIELD_PREP(CMDQ_CFGI_0_SID, c->sid);
		cmd[1] |= VS_FIELD_PREP(CMDQ_CFGI_1_RANGE, c->range);
		break;
	case CMDQ_OP_CFGI_CD:
		if (!VS_FIELD_FIT(CMDQ_CFGI_0_SSID, c->ssid))
			return -EINVAL;
		cmd[0] |= VS_FIELD_PREP(CMDQ_CFGI_0_SID, c->sid) |
			  VS_FIELD_PREP(CMDQ_CFGI_0_SSID, c->ssid);
		cmd[1] |= c->leaf ? CMDQ_CFGI_1_LEAF : 0;
		break;
	case CMDQ_OP_CFGI_CD_ALL:
		cmd[0] |= VS_FIELD_PREP(CMDQ_CFGI_0_SID, c->sid);
		break;
	case CMDQ_OP_TLBI_NH_ALL:
	case CMDQ_OP_TLBI_S12_VMALL:
		cmd[0] |= VS_FIELD_PREP(CMDQ_TLBI_0_VMID, c->vmid);
		break;
	case CMDQ_OP_TLBI_NH_ASID:
		cmd[0] |= VS_FIELD_PREP(CMDQ_TLBI_0_VMID, c->vmid) |
			  VS_FIELD_PREP(CMDQ_TLBI_0_ASID, c->asid);
		break;
	case CMDQ_OP_TLBI_EL2_ALL:
	case CMDQ_OP_TLBI_NSNH_ALL:
		break;
	case CMDQ_OP_TLBI_EL2_ASID:
		cmd[0] |= VS_FIELD_PREP(CMDQ_TLBI_0_ASID, c->asid);
		break;
	case CMDQ_OP_TLBI_NH_VA:
	case CMDQ_OP_TLBI_NH_VAA:
	case CMDQ_OP_TLBI_EL2_VA:
	case CMDQ_OP_TLBI_EL2_VAA:
	case CMDQ_OP_TLBI_S2_IPA:
		if (c->num > 31 || c->scale > 31 || c->tg > 3 || c->ttl > 3)
			return -EINVAL;
		cmd[0] |= VS_FIELD_PREP(CMDQ_TLBI_0_NUM, c->num) |
			  VS_FIELD_PREP(CMDQ_TLBI_0_SCALE, c->scale);
		if (c->opcode != CMDQ_OP_TLBI_EL2_VA &&
		    c->opcode != CMDQ_OP_TLBI_EL2_VAA)
			cmd[0] |= VS_FIELD_PREP(CMDQ_TLBI_0_VMID, c->vmid);
		if (c->opcode == CMDQ_OP_TLBI_NH_VA ||
		    c->opcode == CMDQ_OP_TLBI_EL2_VA)
			cmd[0] |= VS_FIELD_PREP(CMDQ_TLBI_0_ASID, c->asid);
		cmd[1] |= (c->leaf ? CMDQ_TLBI_1_LEAF : 0) |
			  VS_FIELD_PREP(CMDQ_TLBI_1_TTL, c->ttl) |
			  VS_FIELD_PREP(CMDQ_TLBI_1_TG, c->tg) |
			  (c->addr & (c->opcode == CMDQ_OP_TLBI_S2_IPA ?
					      CMDQ_TLBI_1_IPA_MASK :
					      CMDQ_TLBI_1_VA_MASK));
		break;
	case CMDQ_OP_ATC_INV:
		if (c->size > 63 || !VS_FIELD_FIT(CMDQ_ATC_0_SSID, c->ssid))
			return -EINVAL;
		cmd[0] |= VS_FIELD_PREP(CMDQ_ATC_0_SID, c->sid) |
			  (c->global ? CMDQ_ATC_0_GLOBAL : 0);
		if (c->ssv)
			cmd[0] |= CMDQ_0_SSV |
				  VS_FIELD_PREP(CMDQ_ATC_0_SSID, c->ssid);
		cmd[1] |= VS_FIELD_PREP(CMDQ_ATC_1_SIZE, c->size) |
			  (c->addr & CMDQ_ATC_1_ADDR_MASK);
		break;
	case CMDQ_OP_PRI_RESP:
		if (c->resp > 2 || c->grpid > 511)
			return -EINVAL;
		cmd[0] |= VS_FIELD_PREP(CMDQ_PRI_0_SID, c->sid);
		if (c->ssv)
			cmd[0] |= CMDQ_0_SSV |
				  VS_FIELD_PREP(CMDQ_PRI_0_SSID, c->ssid);
		cmd[1] |= VS_FIELD_PREP(CMDQ_PRI_1_GRPID, c->grpid) |
			  VS_FIELD_PREP(CMDQ_PRI_1_RESP, c->resp);
		break;
	case CMDQ_OP_RESUME:
		if (c->resp > 2)
			return -EINVAL;
		cmd[0] |= VS_FIELD_PREP(CMDQ_RESUME_0_SID, c->sid) |
			  VS_FIELD_PREP(CMDQ_RESUME_0_RESP, c->resp);
		cmd[1] |= VS_FIELD_PREP(CMDQ_RESUME_1_STAG, c->stag);
		break;
	case CMDQ_OP_STALL_TERM:
		cmd[0] |= VS_FIELD_PREP(CMDQ_CFGI_0_SID, c->sid);
		break;
	default:
		return -EINVAL; /* CMD_SYNC belongs to the queue */
	}
	return 0;
}
