// SPDX-License-Identifier: MIT
/* Command legality (include/vsmmu/command.h). */
#include <errno.h>

#include <vsmmu/arch.h>
#include <vsmmu/command.h>

#define TLBI_RANGE_0 (CMDQ_TLBI_0_NUM | CMDQ_TLBI_0_SCALE)
#define TLBI_RANGE_1 (CMDQ_TLBI_1_TTL | CMDQ_TLBI_1_TG)

void vsmmu_cmd_caps_from_idr(const uint32_t *idr, struct vsmmu_cmd_caps *caps)
{
	unsigned int stall = VS_FIELD_GET(IDR0_STALL_MODEL, idr[0]);
	uint32_t f = 0;

	if (idr[0] & IDR0_S1P)
		f |= VSMMU_CMD_CAP_S1;
	if (idr[0] & IDR0_S2P)
		f |= VSMMU_CMD_CAP_S2;
	if ((idr[0] & IDR0_HYP) && (idr[0] & IDR0_S1P))
		f |= VSMMU_CMD_CAP_HYP;
	if (idr[0] & IDR0_ATS)
		f |= VSMMU_CMD_CAP_ATS;
	if (idr[0] & IDR0_PRI)
		f |= VSMMU_CMD_CAP_PRI;
	/* 0b00 stall and terminate, 0b10 stall only (0b11: reserved) */
	if (stall == IDR0_STALL_MODEL_STALL || stall == IDR0_STALL_MODEL_FORCE)
		f |= VSMMU_CMD_CAP_STALL;
	if (idr[3] & IDR3_RIL)
		f |= VSMMU_CMD_CAP_RIL;
	caps->features = f;
}

/*
 * Per opcode: the fields the command has (dword 0 besides the opcode, and
 * dword 1), the feature it needs and the value checks it gets.  A table
 * indexed by opcode: the model runs this for every command it executes.
 */
#define NEED_S1 VSMMU_CMD_CAP_S1
#define NEED_S2 VSMMU_CMD_CAP_S2
#define NEED_HYP_S1 VSMMU_CMD_CAP_HYP
#define NEED_ATS VSMMU_CMD_CAP_ATS
#define NEED_PRI VSMMU_CMD_CAP_PRI
#define NEED_STALL VSMMU_CMD_CAP_STALL

enum { CHK_TLBI_RANGE = 1, CHK_ATC_SIZE, CHK_PRI_RESP, CHK_SYNC_CS };

struct cmd_rule {
	uint64_t dw0, dw1;
	uint8_t valid, need, check;
};

#define SID CMDQ_CFGI_0_SID
#define SSID CMDQ_CFGI_0_SSID
#define TLBI_VA_1 (CMDQ_TLBI_1_LEAF | TLBI_RANGE_1 | CMDQ_TLBI_1_VA_MASK)

static const struct cmd_rule cmd_rules[256] = {
	[CMDQ_OP_PREFETCH_CFG] = { CMDQ_0_SSV | SSID | SID, 0, 1, 0, 0 },
	[CMDQ_OP_PREFETCH_ADDR] = { CMDQ_0_SSV | SSID | SID,
				    CMDQ_PREFETCH_1_SIZE |
					    CMDQ_PREFETCH_1_ADDR_MASK,
				    1, 0, 0 },
	[CMDQ_OP_CFGI_STE] = { SID, CMDQ_CFGI_1_LEAF, 1, 0, 0 },
	[CMDQ_OP_CFGI_STE_RANGE] = { SID, CMDQ_CFGI_1_RANGE, 1, 0, 0 },
	[CMDQ_OP_CFGI_CD] = { SSID | SID, CMDQ_CFGI_1_LEAF, 1, NEED_S1, 0 },
	[CMDQ_OP_CFGI_CD_ALL] = { SID, 0, 1, NEED_S1, 0 },
	[CMDQ_OP_TLBI_NH_ALL] = { CMDQ_TLBI_0_VMID, 0, 1, NEED_S1, 0 },
	[CMDQ_OP_TLBI_NH_ASID] = { CMDQ_TLBI_0_VMID | CMDQ_TLBI_0_ASID, 0, 1,
				   NEED_S1, 0 },
	[CMDQ_OP_TLBI_NH_VA] = { TLBI_RANGE_0 | CMDQ_TLBI_0_VMID |
					 CMDQ_TLBI_0_ASID,
				 TLBI_VA_1, 1, NEED_S1, CHK_TLBI_RANGE },
	[CMDQ_OP_TLBI_NH_VAA] = { TLBI_RANGE_0 | CMDQ_TLBI_0_VMID, TLBI_VA_1, 1,
				  NEED_S1, CHK_TLBI_RANGE },
	[CMDQ_OP_TLBI_EL2_ALL] = { 0, 0, 1, NEED_HYP_S1, 0 },
	[CMDQ_OP_TLBI_EL2_ASID] = { CMDQ_TLBI_0_ASID, 0, 1, NEED_HYP_S1, 0 },
	[CMDQ_OP_TLBI_EL2_VA] = { TLBI_RANGE_0 | CMDQ_TLBI_0_ASID, TLBI_VA_1, 1,
				  NEED_HYP_S1, CHK_TLBI_RANGE },
	[CMDQ_OP_TLBI_EL2_VAA] = { TLBI_RANGE_0, TLBI_VA_1, 1, NEED_HYP_S1,
				   CHK_TLBI_RANGE },
	[CMDQ_OP_TLBI_S12_VMALL] = { CMDQ_TLBI_0_VMID, 0, 1, NEED_S2, 0 },
	[CMDQ_OP_TLBI_S2_IPA] = { TLBI_RANGE_0 | CMDQ_TLBI_0_VMID,
				  CMDQ_TLBI_1_LEAF | TLBI_RANGE_1 |
					  CMDQ_TLBI_1_IPA_MASK,
				  1, NEED_S2, CHK_TLBI_RANGE },
	[CMDQ_OP_TLBI_NSNH_ALL] = { 0, 0, 1, 0, 0 },
	[CMDQ_OP_ATC_INV] = { CMDQ_0_SSV | CMDQ_ATC_0_GLOBAL | SSID | SID,
			      CMDQ_ATC_1_SIZE | CMDQ_ATC_1_ADDR_MASK, 1,
			      NEED_ATS, CHK_ATC_SIZE },
	[CMDQ_OP_PRI_RESP] = { CMDQ_0_SSV | SSID | SID,
			       CMDQ_PRI_1_GRPID | CMDQ_PRI_1_RESP, 1, NEED_PRI,
			       CHK_PRI_RESP },
	[CMDQ_OP_RESUME] = { CMDQ_RESUME_0_RESP | CMDQ_RESUME_0_SID,
			     CMDQ_RESUME_1_STAG, 1, NEED_STALL, 0 },
	[CMDQ_OP_STALL_TERM] = { SID, 0, 1, NEED_STALL, 0 },
	[CMDQ_OP_CMD_SYNC] = { CMDQ_SYNC_0_CS | CMDQ_SYNC_0_MSH |
				       CMDQ_SYNC_0_MSIATTR |
				       CMDQ_SYNC_0_MSIDATA,
			       CMDQ_SYNC_1_MSIADDR_MASK, 1, 0, CHK_SYNC_CS },
	/* Everything else (reserved, EL3, VMS, Secure-only): invalid */
};

/* The value checks of a command whose fields are all its own. */
static int check_values(const uint64_t *cmd, unsigned int check,
			uint32_t features)
{
	unsigned int tg;
	bool range;

	switch (check) {
	case CHK_TLBI_RANGE:
		tg = VS_FIELD_GET(CMDQ_TLBI_1_TG, cmd[1]);
		range = cmd[0] & TLBI_RANGE_0;
		/* Without range invalidation the range fields are RES0 */
		if (!(features & VSMMU_CMD_CAP_RIL) &&
		    (range || (cmd[1] & TLBI_RANGE_1)))
			return -EINVAL;
		/* TG = 0 with NUM/SCALE set: a non-zero RES0 field */
		if (!tg && range)
			return -EINVAL;
		/* TG != 0 with NUM = SCALE = TTL = 0 is reserved */
		if (tg && !range && !VS_FIELD_GET(CMDQ_TLBI_1_TTL, cmd[1]))
			return -EINVAL;
		return 0;
	case CHK_ATC_SIZE:
		return VS_FIELD_GET(CMDQ_ATC_1_SIZE, cmd[1]) >
				       CMDQ_ATC_1_SIZE_ALL ?
			       -EINVAL :
			       0;
	case CHK_PRI_RESP:
		return VS_FIELD_GET(CMDQ_PRI_1_RESP, cmd[1]) >
				       CMDQ_PRI_1_RESP_SUCC ?
			       -EINVAL :
			       0;
	case CHK_SYNC_CS:
		return VS_FIELD_GET(CMDQ_SYNC_0_CS, cmd[0]) == 3 ? -EINVAL : 0;
	}
	return 0;
}

int vsmmu_cmd_check(const uint64_t *cmd, const struct vsmmu_cmd_caps *caps)
{
	const struct cmd_rule *r = &cmd_rules[cmd[0] & CMDQ_0_OP];

	if (!r->valid || (r->need & ~caps->features) ||
	    (cmd[0] & ~(CMDQ_0_OP | r->dw0)) || (cmd[1] & ~r->dw1))
		return -EINVAL;
	return r->check ? check_values(cmd, r->check, caps->features) : 0;
}
