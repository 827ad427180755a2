// SPDX-License-Identifier: MIT
/* Command legality (include/vsmmu/command.h). */
#include <errno.h>

#include <vsmmu/arch.h>
#include <vsmmu/command.h>

#define TLBI_RANGE_0 (CMDQ_TLBI_0_NUM | CMDQ_TLBI_0_SCALE)
#define TLBI_RANGE_1 (CMDQ_TLBI_1_TTL | CMDQ_TLBI_1_TG)

void vsmmu_cmd_caps_from_idr(const uint32_t *idr, struct vsmmu_cmd_caps *caps)
{
	caps->s1 = idr[0] & IDR0_S1P;
	caps->s2 = idr[0] & IDR0_S2P;
	caps->hyp = idr[0] & IDR0_HYP;
	caps->ats = idr[0] & IDR0_ATS;
	caps->pri = idr[0] & IDR0_PRI;
	/* 0b00 stall and terminate, 0b10 stall only (0b11: reserved) */
	caps->stall = VS_FIELD_GET(IDR0_STALL_MODEL, idr[0]) ==
			      IDR0_STALL_MODEL_STALL ||
		      VS_FIELD_GET(IDR0_STALL_MODEL, idr[0]) ==
			      IDR0_STALL_MODEL_FORCE;
	caps->ril = idr[3] & IDR3_RIL;
}

/* The fields each command has (dword 0 besides the opcode, dword 1). */
static bool cmd_fields(unsigned int op, uint64_t *dw0, uint64_t *dw1)
{
	const uint64_t sid = CMDQ_CFGI_0_SID, ssid = CMDQ_CFGI_0_SSID;

	*dw1 = 0;
	switch (op) {
	case CMDQ_OP_PREFETCH_CFG:
		*dw0 = CMDQ_0_SSV | ssid | sid;
		return true;
	case CMDQ_OP_PREFETCH_ADDR:
		*dw0 = CMDQ_0_SSV | ssid | sid;
		*dw1 = CMDQ_PREFETCH_1_SIZE | CMDQ_PREFETCH_1_ADDR_MASK;
		return true;
	case CMDQ_OP_CFGI_STE:
		*dw0 = sid;
		*dw1 = CMDQ_CFGI_1_LEAF;
		return true;
	case CMDQ_OP_CFGI_STE_RANGE:
		*dw0 = sid;
		*dw1 = CMDQ_CFGI_1_RANGE;
		return true;
	case CMDQ_OP_CFGI_CD:
		*dw0 = ssid | sid;
		*dw1 = CMDQ_CFGI_1_LEAF;
		return true;
	case CMDQ_OP_CFGI_CD_ALL:
		*dw0 = sid;
		return true;
	case CMDQ_OP_TLBI_NH_ALL:
	case CMDQ_OP_TLBI_S12_VMALL:
		*dw0 = CMDQ_TLBI_0_VMID;
		return true;
	case CMDQ_OP_TLBI_NH_ASID:
		*dw0 = CMDQ_TLBI_0_VMID | CMDQ_TLBI_0_ASID;
		return true;
	case CMDQ_OP_TLBI_NH_VA:
		*dw0 = TLBI_RANGE_0 | CMDQ_TLBI_0_VMID | CMDQ_TLBI_0_ASID;
		*dw1 = CMDQ_TLBI_1_LEAF | TLBI_RANGE_1 | CMDQ_TLBI_1_VA_MASK;
		return true;
	case CMDQ_OP_TLBI_NH_VAA:
		*dw0 = TLBI_RANGE_0 | CMDQ_TLBI_0_VMID;
		*dw1 = CMDQ_TLBI_1_LEAF | TLBI_RANGE_1 | CMDQ_TLBI_1_VA_MASK;
		return true;
	case CMDQ_OP_TLBI_EL2_ALL:
	case CMDQ_OP_TLBI_NSNH_ALL:
		*dw0 = 0;
		return true;
	case CMDQ_OP_TLBI_EL2_ASID:
		*dw0 = CMDQ_TLBI_0_ASID;
		return true;
	case CMDQ_OP_TLBI_EL2_VA:
		*dw0 = TLBI_RANGE_0 | CMDQ_TLBI_0_ASID;
		*dw1 = CMDQ_TLBI_1_LEAF | TLBI_RANGE_1 | CMDQ_TLBI_1_VA_MASK;
		return true;
	case CMDQ_OP_TLBI_EL2_VAA:
		*dw0 = TLBI_RANGE_0;
		*dw1 = CMDQ_TLBI_1_LEAF | TLBI_RANGE_1 | CMDQ_TLBI_1_VA_MASK;
		return true;
	case CMDQ_OP_TLBI_S2_IPA:
		*dw0 = TLBI_RANGE_0 | CMDQ_TLBI_0_VMID;
		*dw1 = CMDQ_TLBI_1_LEAF | TLBI_RANGE_1 | CMDQ_TLBI_1_IPA_MASK;
		return true;
	case CMDQ_OP_ATC_INV:
		*dw0 = CMDQ_0_SSV | CMDQ_ATC_0_GLOBAL | ssid | sid;
		*dw1 = CMDQ_ATC_1_SIZE | CMDQ_ATC_1_ADDR_MASK;
		return true;
	case CMDQ_OP_PRI_RESP:
		*dw0 = CMDQ_0_SSV | ssid | sid;
		*dw1 = CMDQ_PRI_1_GRPID | CMDQ_PRI_1_RESP;
		return true;
	case CMDQ_OP_RESUME:
		*dw0 = CMDQ_RESUME_0_RESP | CMDQ_RESUME_0_SID;
		*dw1 = CMDQ_RESUME_1_STAG;
		return true;
	case CMDQ_OP_STALL_TERM:
		*dw0 = sid;
		return true;
	case CMDQ_OP_CMD_SYNC:
		*dw0 = CMDQ_SYNC_0_CS | CMDQ_SYNC_0_MSH | CMDQ_SYNC_0_MSIATTR |
		       CMDQ_SYNC_0_MSIDATA;
		*dw1 = CMDQ_SYNC_1_MSIADDR_MASK;
		return true;
	}
	return false; /* reserved, EL3, VMS and Secure-only commands */
}

static bool cmd_implemented(unsigned int op, const struct vsmmu_cmd_caps *c)
{
	switch (op) {
	case CMDQ_OP_CFGI_CD:
	case CMDQ_OP_CFGI_CD_ALL:
	case CMDQ_OP_TLBI_NH_ALL:
	case CMDQ_OP_TLBI_NH_ASID:
	case CMDQ_OP_TLBI_NH_VA:
	case CMDQ_OP_TLBI_NH_VAA:
		return c->s1;
	case CMDQ_OP_TLBI_S12_VMALL:
	case CMDQ_OP_TLBI_S2_IPA:
		return c->s2;
	case CMDQ_OP_TLBI_EL2_ALL:
	case CMDQ_OP_TLBI_EL2_ASID:
	case CMDQ_OP_TLBI_EL2_VA:
	case CMDQ_OP_TLBI_EL2_VAA:
		return c->hyp && c->s1;
	case CMDQ_OP_ATC_INV:
		return c->ats;
	case CMDQ_OP_PRI_RESP:
		return c->pri;
	case CMDQ_OP_RESUME:
	case CMDQ_OP_STALL_TERM:
		return c->stall;
	}
	return true;
}

static bool is_tlbi_range_op(unsigned int op)
{
	return op == CMDQ_OP_TLBI_NH_VA || op == CMDQ_OP_TLBI_NH_VAA ||
	       op == CMDQ_OP_TLBI_EL2_VA || op == CMDQ_OP_TLBI_EL2_VAA ||
	       op == CMDQ_OP_TLBI_S2_IPA;
}

int vsmmu_cmd_check(const uint64_t *cmd, const struct vsmmu_cmd_caps *caps)
{
	unsigned int op = VS_FIELD_GET(CMDQ_0_OP, cmd[0]);
	uint64_t dw0, dw1;

	if (!cmd_fields(op, &dw0, &dw1) || !cmd_implemented(op, caps) ||
	    (cmd[0] & ~(CMDQ_0_OP | dw0)) || (cmd[1] & ~dw1))
		return -EINVAL;
	if (is_tlbi_range_op(op)) {
		unsigned int tg = VS_FIELD_GET(CMDQ_TLBI_1_TG, cmd[1]);
		bool range = cmd[0] & TLBI_RANGE_0;

		/* Without range invalidation the range fields are RES0 */
		if (!caps->ril && (range || (cmd[1] & TLBI_RANGE_1)))
			return -EINVAL;
		/* TG = 0 with NUM/SCALE set: a non-zero RES0 field */
		if (!tg && range)
			return -EINVAL;
		/* TG != 0 with NUM = SCALE = TTL = 0 is reserved */
		if (tg && !range && !VS_FIELD_GET(CMDQ_TLBI_1_TTL, cmd[1]))
			return -EINVAL;
	}
	switch (op) {
	case CMDQ_OP_ATC_INV:
		if (VS_FIELD_GET(CMDQ_ATC_1_SIZE, cmd[1]) > CMDQ_ATC_1_SIZE_ALL)
			return -EINVAL;
		break;
	case CMDQ_OP_PRI_RESP:
		if (VS_FIELD_GET(CMDQ_PRI_1_RESP, cmd[1]) >
		    CMDQ_PRI_1_RESP_SUCC)
			return -EINVAL;
		break;
	case CMDQ_OP_CMD_SYNC:
		if (VS_FIELD_GET(CMDQ_SYNC_0_CS, cmd[0]) == 3)
			return -EINVAL;
		break;
	}
	return 0;
}
