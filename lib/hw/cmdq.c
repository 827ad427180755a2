// SPDX-License-Identifier: MIT
/*
 * The command engine, shared by the main command queue and CMDQV's
 * VCMDQs.
 *
 * One command engine serves every command queue (struct hw_cmdq): it
 * fetches the entry at CONS, checks it as the architecture says (unknown
 * opcodes, reserved encodings, non-zero fields the command does not have,
 * commands for features the SMMU does not implement: CERROR_ILL; a fetch
 * from absent memory: CERROR_ABT), executes it against the caches, and
 * advances CONS.  On an error it stops with CONS at the failing command,
 * records the reason in CONS.ERR and activates the queue's error bit in
 * its GERROR register; nothing more is consumed until software
 * acknowledges by making GERRORN's bit equal again.
 *
 * Commands execute in order and synchronously, so when a CMD_SYNC is
 * consumed every earlier command's effects are visible: the sync only has
 * to signal its completion (CS = IRQ: an MSI write of MSIData to
 * MSIAddress, or the wired interrupt; CS = SEV: the event).
 */
#include <errno.h>
#include <string.h>

#include "hw/hw.h"

/* --- The command engine ------------------------------------------------- */

/*
 * Whether a command is executed or stops the queue with CERROR_ILL is
 * <vsmmu/command.h>'s rule (vsmmu_cmd_check), checked once in
 * hw_cmd_exec() before any command runs; the exec_* functions below only
 * see legal commands.
 */

static unsigned int exec_tlbi(struct vsmmu_smmu *s, unsigned int op,
			      const uint64_t *cmd)
{
	struct vsmmu_tlbi inv = {
		.vmid = VS_FIELD_GET(CMDQ_TLBI_0_VMID, cmd[0]),
		.asid = VS_FIELD_GET(CMDQ_TLBI_0_ASID, cmd[0]),
		.leaf = !!(cmd[1] & CMDQ_TLBI_1_LEAF),
		.tg = VS_FIELD_GET(CMDQ_TLBI_1_TG, cmd[1]),
		.ttl = VS_FIELD_GET(CMDQ_TLBI_1_TTL, cmd[1]),
		.num = VS_FIELD_GET(CMDQ_TLBI_0_NUM, cmd[0]),
		.scale = VS_FIELD_GET(CMDQ_TLBI_0_SCALE, cmd[0]),
		.addr = cmd[1] & CMDQ_TLBI_1_VA_MASK,
	};

	switch (op) {
	case CMDQ_OP_TLBI_NH_ALL:
		inv.kind = VSMMU_TLBI_NH_ALL;
		break;
	case CMDQ_OP_TLBI_NH_ASID:
		inv.kind = VSMMU_TLBI_NH_ASID;
		break;
	case CMDQ_OP_TLBI_NH_VA:
		inv.kind = VSMMU_TLBI_NH_VA;
		break;
	case CMDQ_OP_TLBI_NH_VAA:
		inv.kind = VSMMU_TLBI_NH_VAA;
		break;
	case CMDQ_OP_TLBI_EL2_ALL:
		inv.kind = VSMMU_TLBI_EL2_ALL;
		break;
	case CMDQ_OP_TLBI_EL2_ASID:
		inv.kind = VSMMU_TLBI_EL2_ASID;
		break;
	case CMDQ_OP_TLBI_EL2_VA:
		inv.kind = VSMMU_TLBI_EL2_VA;
		break;
	case CMDQ_OP_TLBI_EL2_VAA:
		inv.kind = VSMMU_TLBI_EL2_VAA;
		break;
	case CMDQ_OP_TLBI_S12_VMALL:
		inv.kind = VSMMU_TLBI_S12_VMALL;
		break;
	case CMDQ_OP_TLBI_S2_IPA:
		inv.kind = VSMMU_TLBI_S2_IPA;
		inv.addr = cmd[1] & CMDQ_TLBI_1_IPA_MASK;
		break;
	default:
		inv.kind = VSMMU_TLBI_NSNH_ALL;
		break;
	}
	return vsmmu_smmu_tlbi(s, &inv) ? CMDQ_ERR_CERROR_ILL_IDX : 0;
}

/*
 * CMD_ATC_INV (4.5.1): an ATS Invalidate Request to the endpoint for
 * Address aligned down to its span of 2^(12 + Size) bytes (52: all).
 * Size > 52 is CERROR_ILL (the spec allows ILL or an UNKNOWN span).
 * IGNORED while SMMUEN = 0.  Completion is the next CMD_SYNC's business.
 */
static unsigned int exec_atc_inv(struct vsmmu_smmu *s, struct hw_cmdq *cq,
				 const uint64_t *cmd)
{
	unsigned int size = VS_FIELD_GET(CMDQ_ATC_1_SIZE, cmd[1]);
	bool ssv = cmd[0] & CMDQ_0_SSV;

	if (!(hw_reg32(&s->cr0) & CR0_SMMUEN))
		return 0;
	hw_stat_inc(s, ST_ATC_INV);
	/* Without substreams SSV = 1 behaves as SSV = 0 (a CU choice) */
	if (!s->ssidsize)
		ssv = false;
	if (hw_atc_inv(s, VS_FIELD_GET(CMDQ_ATC_0_SID, cmd[0]),
		       VS_FIELD_GET(CMDQ_ATC_0_SSID, cmd[0]), ssv,
		       cmd[1] & CMDQ_ATC_1_ADDR_MASK, size))
		__atomic_store_n(&cq->atc_inv_failed, true, __ATOMIC_RELEASE);
	return 0;
}

/*
 * CMD_PRI_RESP (4.5.2): Resp 0b00 ResponseFailure, 0b01 InvalidRequest,
 * 0b10 Success, 0b11 ILLEGAL; IGNORED while SMMUEN = 0.
 */
static unsigned int exec_pri_resp(struct vsmmu_smmu *s, const uint64_t *cmd)
{
	static const unsigned char code[3] = { VSMMU_PRI_RESP_FAILURE,
					       VSMMU_PRI_RESP_INVALID,
					       VSMMU_PRI_RESP_SUCCESS };
	unsigned int resp = VS_FIELD_GET(CMDQ_PRI_1_RESP, cmd[1]);
	struct vsmmu_pri_resp r = {
		.sid = VS_FIELD_GET(CMDQ_PRI_0_SID, cmd[0]),
		.ssv = s->ssidsize && (cmd[0] & CMDQ_0_SSV),
		.prgi = VS_FIELD_GET(CMDQ_PRI_1_GRPID, cmd[1]),
	};

	if (!(hw_reg32(&s->cr0) & CR0_SMMUEN))
		return 0;
	r.ssid = r.ssv ? VS_FIELD_GET(CMDQ_PRI_0_SSID, cmd[0]) : 0;
	r.code = code[resp];
	hw_pri_resp(s, &r);
	return 0;
}

/*
 * CMD_RESUME (4.7.1): Ac = dword 0 bit 12 (1: retry), Ab = bit 13 (the
 * abort kind of a terminate, IGNORED with IDR0.TERM_MODEL = 1).
 */
static void exec_resume(struct vsmmu_smmu *s, const uint64_t *cmd)
{
	unsigned int r = VS_FIELD_GET(CMDQ_RESUME_0_RESP, cmd[0]);
	enum vsmmu_stall_resp resp;

	if (r & 1)
		resp = VSMMU_STALL_RETRY;
	else if ((r & 2) || s->term_model)
		resp = VSMMU_STALL_ABORT;
	else
		resp = VSMMU_STALL_RAZWI;
	hw_stall_resume(s, VS_FIELD_GET(CMDQ_RESUME_0_SID, cmd[0]),
			VS_FIELD_GET(CMDQ_RESUME_1_STAG, cmd[1]), resp);
}

static void exec_sync(struct vsmmu_smmu *s, const uint64_t *cmd)
{
	unsigned int cs = VS_FIELD_GET(CMDQ_SYNC_0_CS, cmd[0]);
	uint64_t addr = cmd[1] & CMDQ_SYNC_1_MSIADDR_MASK;

	if (cs == CMDQ_SYNC_0_CS_IRQ) {
		if ((s->cfg.idr[0] & IDR0_MSI) && addr) {
			uint32_t d = VS_FIELD_GET(CMDQ_SYNC_0_MSIDATA, cmd[0]);

			/*
			 * One 32-bit single-copy-atomic write, ordered after
			 * every earlier command's effect on the caches: a
			 * driver that sees it (with acquire) sees them.
			 */
			__atomic_thread_fence(__ATOMIC_RELEASE);
			if (vsmmu_mem_write32(s->mem, addr, d))
				hw_gerror_raise(s, GERROR_MSI_CMDQ_ABT_ERR);
		} else {
			hw_irq(s, VSMMU_IRQ_CMD_SYNC, 0);
		}
	} else if (cs == CMDQ_SYNC_0_CS_SEV && (s->cfg.idr[0] & IDR0_SEV)) {
		hw_irq(s, VSMMU_IRQ_SEV, 0);
	}
}

/*
 * Check and execute one command from queue @cq.  Return 0, or the CERROR
 * index the queue stops with.
 */
unsigned int hw_cmd_exec(struct vsmmu_smmu *s, struct hw_cmdq *cq,
			 const uint64_t *cmd)
{
	unsigned int op = VS_FIELD_GET(CMDQ_0_OP, cmd[0]);
	struct vsmmu_cfgi ci = { .sid = VS_FIELD_GET(CMDQ_CFGI_0_SID, cmd[0]) };

	if (vsmmu_cmd_check(cmd, &s->cmd_caps))
		return CMDQ_ERR_CERROR_ILL_IDX;

	switch (op) {
	case CMDQ_OP_CFGI_STE:
		ci.kind = VSMMU_CFGI_STE;
		ci.leaf = cmd[1] & CMDQ_CFGI_1_LEAF;
		break;
	case CMDQ_OP_CFGI_STE_RANGE:
		ci.range = VS_FIELD_GET(CMDQ_CFGI_1_RANGE, cmd[1]);
		ci.kind = ci.range == CMDQ_CFGI_1_RANGE_ALL ?
				  VSMMU_CFGI_ALL :
				  VSMMU_CFGI_STE_RANGE;
		break;
	case CMDQ_OP_CFGI_CD:
		ci.kind = VSMMU_CFGI_CD;
		ci.ssid = VS_FIELD_GET(CMDQ_CFGI_0_SSID, cmd[0]);
		ci.leaf = cmd[1] & CMDQ_CFGI_1_LEAF;
		break;
	case CMDQ_OP_CFGI_CD_ALL:
		ci.kind = VSMMU_CFGI_CD_ALL;
		break;
	case CMDQ_OP_TLBI_NH_ALL:
	case CMDQ_OP_TLBI_NH_ASID:
	case CMDQ_OP_TLBI_NH_VA:
	case CMDQ_OP_TLBI_NH_VAA:
	case CMDQ_OP_TLBI_EL2_ALL:
	case CMDQ_OP_TLBI_EL2_ASID:
	case CMDQ_OP_TLBI_EL2_VA:
	case CMDQ_OP_TLBI_EL2_VAA:
	case CMDQ_OP_TLBI_S12_VMALL:
	case CMDQ_OP_TLBI_S2_IPA:
	case CMDQ_OP_TLBI_NSNH_ALL:
		return exec_tlbi(s, op, cmd);
	case CMDQ_OP_CMD_SYNC:
		/*
		 * An ATC invalidation since the last sync that the endpoint
		 * never completed: the sync stops the queue with
		 * CERROR_ATC_INV_SYNC, CONS at the sync (3.9.1.4).  The
		 * failure is reported once; software's retried sync
		 * completes.  The failure belongs to the queue that issued
		 * the ATC_INV.
		 */
		if (__atomic_exchange_n(&cq->atc_inv_failed, false,
					__ATOMIC_ACQ_REL))
			return CMDQ_ERR_CERROR_ATC_INV_IDX;
		/* Completion is signalled once CONS has passed the sync */
		hw_stall_sync(s);
		return 0;
	case CMDQ_OP_ATC_INV:
		return exec_atc_inv(s, cq, cmd);
	case CMDQ_OP_PRI_RESP:
		return exec_pri_resp(s, cmd);
	case CMDQ_OP_RESUME:
		exec_resume(s, cmd);
		return 0;
	case CMDQ_OP_STALL_TERM:
		hw_stall_term(s, ci.sid, false);
		return 0;
	default:
		return 0; /* PREFETCH_*: hints, nothing to do */
	}
	vsmmu_smmu_cfgi(s, &ci);
	return 0;
}

uint32_t hw_cmdq_consume(struct vsmmu_smmu *s, struct hw_cmdq *cq)
{
	struct hw_queue *q = &cq->q;
	uint32_t prod;

	pthread_mutex_lock(&cq->lock);
	for (;;) {
		uint32_t cons = hw_reg32(&q->cons);

		prod = hw_reg32(&q->prod);
		uint32_t idx_mask = (1U << hw_q_log2(q)) - 1;
		uint64_t cmd[2], addr;
		unsigned int err;

		if (!cq->enabled(s, cq) ||
		    ((hw_reg32(cq->gerror) ^ hw_reg32(cq->gerrorn)) &
		     cq->err_bit) ||
		    hw_q_idxwrap(q, cons) == hw_q_idxwrap(q, prod))
			break;
		addr = hw_q_addr(q) + (uint64_t)(cons & idx_mask) * 16;
		if (vsmmu_mem_read64(s->mem, addr, &cmd[0]) ||
		    vsmmu_mem_read64(s->mem, addr + 8, &cmd[1]))
			err = CMDQ_ERR_CERROR_ABT_IDX;
		else if (cq->prepare && (err = cq->prepare(s, cq, cmd)))
			; /* refused before anything of it ran */
		else
			err = hw_cmd_exec(s, cq, cmd);
		if (err) {
			hw_stat_inc(s, ST_CMD_ERR);
			hw_reg32_set(&q->cons,
				     (cons & ~(uint32_t)CMDQ_CONS_ERR) |
					     VS_FIELD_PREP(CMDQ_CONS_ERR, err));
			if (cq->on_error)
				cq->on_error(s, cq);
			break;
		}
		if (VS_FIELD_GET(CMDQ_0_OP, cmd[0]) < VSMMU_STATS_CMD_OPS)
			hw_stat_inc(s,
				    ST_CMD0 + VS_FIELD_GET(CMDQ_0_OP, cmd[0]));
		hw_reg32_set(&q->cons, (cons & (uint32_t)CMDQ_CONS_ERR) |
					       hw_q_inc(q, cons));
		/*
		 * A CMD_SYNC signals its completion (MSI, interrupt, event)
		 * after CONS has moved past it: software woken by the
		 * signal finds the sync consumed.
		 */
		if (VS_FIELD_GET(CMDQ_0_OP, cmd[0]) == CMDQ_OP_CMD_SYNC) {
			exec_sync(s, cmd);
			if (cq->after_sync)
				cq->after_sync(s);
		}
	}
	pthread_mutex_unlock(&cq->lock);
	return prod;
}
