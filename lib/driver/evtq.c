// SPDX-License-Identifier: MIT
/*
 * Event queue draining: the driver is the queue's consumer.  Records
 * between EVTQ_CONS and EVTQ_PROD are read, decoded into one line, handed
 * to the embedder's callback, and released by advancing EVTQ_CONS.  An
 * overflow (EVTQ_PROD.OVFLG differs from EVTQ_CONS.OVACKFLG: records were
 * lost while the queue was full) is logged and acknowledged by copying
 * OVFLG into OVACKFLG with the next CONS write (spec 3.5.4).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <vsmmu/decode.h>

#include "driver/drv.h"

static void evt_decode(const uint64_t *raw, struct vsmmu_drv_event *e)
{
	const char *name;

	memcpy(e->raw, raw, sizeof(e->raw));
	e->id = VS_FIELD_GET(EVTQ_0_ID, raw[0]);
	name = vsmmu_evt_name(e->id);
	e->name = name ? name : "UNKNOWN";
	e->sid = VS_FIELD_GET(EVTQ_0_SID, raw[0]);
	e->ssv = raw[0] & EVTQ_0_SSV;
	e->ssid = e->ssv ? VS_FIELD_GET(EVTQ_0_SSID, raw[0]) : 0;
	e->addr = raw[2];
	snprintf(e->msg, sizeof(e->msg), "event 0x%02x %s sid 0x%x", e->id,
		 e->name, e->sid);
	drv_decode_into(VSMMU_DECODE_EVT, raw, 4, e->msg, sizeof(e->msg), true);
}

/*
 * A stalled transaction (Stall = 1): an I/O page fault on an SVA PASID is
 * resolved against its process and the transaction retried, or aborted
 * if the process refuses; a stall elsewhere is offered to stall_fn, and
 * aborted unless it takes it (CMD_RESUME, then CMD_SYNC: 4.7.2).
 * Return: 0 if resolved or taken (the event needs no other report), 1
 * otherwise.
 */
static int stall_resume(struct vsmmu_drv *drv, const struct vsmmu_drv_event *e)
{
	struct vsmmu_drv_cmd c = { .opcode = CMDQ_OP_RESUME,
				   .sid = e->sid,
				   .stag = (uint16_t)VS_FIELD_GET(EVTQ_1_STAG,
								  e->raw[1]) };
	unsigned int access = (e->raw[1] & EVTQ_1_RnW) ? VSMMU_MM_READ :
							 VSMMU_MM_WRITE;
	uint64_t cmd[1][2];
	int rc;

	if (e->raw[1] & EVTQ_1_InD)
		access |= VSMMU_MM_EXEC;
	rc = drv_sva_iopf(drv, e->sid, e->ssv, e->ssid, e->addr, access);
	if (rc == 1 && drv->cfg.stall_fn &&
	    drv->cfg.stall_fn(drv->cfg.stall_arg, e))
		return 0; /* its taker answers it */
	c.resp = rc ? CMDQ_RESUME_0_RESP_ABORT : CMDQ_RESUME_0_RESP_RETRY;
	vsmmu_drv_cmd_build(&c, cmd[0]);
	vsmmu_drv_cmdq_issue(drv, (const uint64_t(*)[2])cmd, 1, true);
	return rc ? 1 : 0;
}

int vsmmu_drv_evtq_drain(struct vsmmu_drv *drv)
{
	unsigned int shift = drv->evtq_shift;
	uint32_t prod, cons, idx;
	struct vsmmu_drv_event e;
	int rc, count = 0, i;

	pthread_mutex_lock(&drv->evtq_lock);
	rc = drv_read32(drv, ARM_SMMU_EVTQ_PROD, &prod);
	if (!rc)
		rc = drv_read32(drv, ARM_SMMU_EVTQ_CONS, &cons);
	if (rc)
		goto out;
	if ((prod ^ cons) & Q_OVERFLOW_FLAG) {
		atomic_fetch_add(&drv->st.overflows, 1);
		drv_log(drv, "event queue overflow: events were lost");
	}
	/* Bounded: at most one queue's worth, whatever PROD says */
	for (i = 0; i < (1 << shift) && q_iw(shift, cons) != q_iw(shift, prod);
	     i++) {
		uint64_t raw[4] = { 0 }, pa;
		int j;

		/* PROD was read before the records: it orders them */
		atomic_thread_fence(memory_order_acquire);
		idx = q_idx(shift, cons);
		pa = drv->evtq_base + (uint64_t)idx * 32;
		for (j = 0; j < 4; j++)
			if (vsmmu_mem_read64(drv->mem, pa + 8 * j, &raw[j]))
				atomic_fetch_add(&drv->st.mem_errors, 1);
		evt_decode(raw, &e);
		atomic_fetch_add(&drv->st.events, 1);
		if ((raw[1] & EVTQ_1_STALL) && !stall_resume(drv, &e))
			goto next; /* an I/O page fault, resolved */
		if (drv->cfg.event_fn)
			drv->cfg.event_fn(drv->cfg.event_arg, &e);
		else
			drv_log(drv, "%s", e.msg);
next:
		cons = q_add(shift, cons, 1);
		count++;
	}
	/* Release the slots and acknowledge any overflow */
	cons = (prod & Q_OVERFLOW_FLAG) | q_iw(shift, cons);
	rc = drv_write32(drv, ARM_SMMU_EVTQ_CONS, cons);
out:
	pthread_mutex_unlock(&drv->evtq_lock);
	return rc ? rc : count;
}
