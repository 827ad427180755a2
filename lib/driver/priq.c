// SPDX-License-Identifier: MIT
/*
 * PRI queue draining: the driver is the PRI queue's consumer (spec
 * chapter 8).  Each record between PRIQ_CONS and PRIQ_PROD is decoded and
 * resolved: a request on an SVA PASID faults its process in (sva.c);
 * any other goes to the embedder's pri_fn, which makes the page present
 * (or fails).  A group's outcome is remembered until its Last request, which
 * is answered with CMD_PRI_RESP -- Success if every request of the group
 * succeeded, else InvalidRequest -- and a CMD_SYNC.  Stop PASID markers
 * (SSV, L = 1, R = W = 0) need no response.  An overflow
 * (PRIQ_PROD.OVFLG != PRIQ_CONS.OVACKFLG) is logged and acknowledged
 * with the CONS write; groups whose Last was lost were auto-answered by
 * the SMMU (8.1.1), so their remembered failures are forgotten.
 */
#include <errno.h>
#include <string.h>

#include "driver/drv.h"

/* Remember (@fail) or look up and forget a failed group. */
static bool prg_failed(struct vsmmu_drv *drv, uint32_t sid, unsigned int prgi,
		       bool fail, bool forget)
{
	unsigned int i, n = VS_ARRAY_SIZE(drv->prg_failed);
	bool found = false;

	for (i = 0; i < n; i++) {
		struct drv_prg *p = &drv->prg_failed[i];

		if (p->used && p->sid == sid && p->prgi == prgi) {
			found = true;
			if (forget)
				p->used = false;
			break;
		}
	}
	if (fail && !found) {
		for (i = 0; i < n && drv->prg_failed[i].used; i++)
			;
		if (i == n)
			i = 0; /* full: the oldest guess is as good as any */
		drv->prg_failed[i] =
			(struct drv_prg){ sid, (uint16_t)prgi, true };
		found = true;
	}
	return found;
}

/* A page request's permissions as a process fault's access. */
static unsigned int mm_access(unsigned int perm)
{
	return ((perm & VSMMU_PRI_READ) ? VSMMU_MM_READ : 0) |
	       ((perm & VSMMU_PRI_WRITE) ? VSMMU_MM_WRITE : 0) |
	       ((perm & VSMMU_PRI_EXEC) ? VSMMU_MM_EXEC : 0);
}

static void decode_ppr(const uint64_t *w, struct vsmmu_drv_ppr *r)
{
	memset(r, 0, sizeof(*r));
	r->sid = VS_FIELD_GET(PRIQ_0_SID, w[0]);
	r->ssv = w[0] & PRIQ_0_SSID_V;
	r->ssid = r->ssv ? VS_FIELD_GET(PRIQ_0_SSID, w[0]) : 0;
	r->perm = ((w[0] & PRIQ_0_PERM_READ) ? VSMMU_PRI_READ : 0) |
		  ((w[0] & PRIQ_0_PERM_WRITE) ? VSMMU_PRI_WRITE : 0) |
		  ((w[0] & PRIQ_0_PERM_EXEC) ? VSMMU_PRI_EXEC : 0) |
		  ((w[0] & PRIQ_0_PERM_PRIV) ? VSMMU_PRI_PRIV : 0);
	r->last = w[0] & PRIQ_0_PRG_LAST;
	r->prgi = VS_FIELD_GET(PRIQ_1_PRG_IDX, w[1]);
	r->addr = w[1] & PRIQ_1_ADDR_MASK;
}

int vsmmu_drv_priq_drain(struct vsmmu_drv *drv)
{
	unsigned int shift = drv->priq_shift;
	uint32_t prod, cons;
	int rc, count = 0, i;

	if (!drv->priq_base)
		return -ENODEV;
	pthread_mutex_lock(&drv->priq_lock);
	rc = drv_read32(drv, ARM_SMMU_PRIQ_PROD, &prod);
	if (!rc)
		rc = drv_read32(drv, ARM_SMMU_PRIQ_CONS, &cons);
	if (rc)
		goto out;
	for (i = 0; i < (1 << shift) && q_iw(shift, cons) != q_iw(shift, prod);
	     i++) {
		uint64_t w[2] = { 0, 0 }, pa, cmd[1][2];
		struct vsmmu_drv_ppr r;
		struct vsmmu_drv_cmd c = { .opcode = CMDQ_OP_PRI_RESP };
		bool fail;

		atomic_thread_fence(memory_order_acquire);
		pa = drv->priq_base + (uint64_t)q_idx(shift, cons) * 16;
		if (vsmmu_mem_read64(drv->mem, pa, &w[0]) ||
		    vsmmu_mem_read64(drv->mem, pa + 8, &w[1]))
			atomic_fetch_add(&drv->st.mem_errors, 1);
		cons = q_add(shift, cons, 1);
		count++;
		decode_ppr(w, &r);
		atomic_fetch_add(&drv->st.pprs, 1);
		if (r.ssv && r.last &&
		    !(r.perm & (VSMMU_PRI_READ | VSMMU_PRI_WRITE)))
			continue; /* Stop PASID marker */
		/* SVA PASIDs fault their process in; others go to pri_fn */
		rc = drv_sva_iopf(drv, r.sid, r.ssv, r.ssid, r.addr,
				  mm_access(r.perm));
		if (rc == 1) /* not an SVA PASID */
			rc = !drv->cfg.pri_fn ?
				     -ENODEV :
				     drv->cfg.pri_fn(drv->cfg.pri_arg, &r);
		if (rc == VSMMU_DRV_PRI_DEFER) {
			/* The handler answers the group: forget ours */
			if (r.last)
				prg_failed(drv, r.sid, r.prgi, false, true);
			rc = 0;
			continue;
		}
		fail = rc != 0;
		rc = 0;
		fail = prg_failed(drv, r.sid, r.prgi, fail, r.last);
		if (!r.last)
			continue;
		c.sid = r.sid;
		c.ssv = r.ssv;
		c.ssid = r.ssid;
		c.grpid = r.prgi;
		c.resp = fail ? CMDQ_PRI_1_RESP_FAIL : CMDQ_PRI_1_RESP_SUCC;
		vsmmu_drv_cmd_build(&c, cmd[0]);
		rc = vsmmu_drv_cmdq_issue(drv, (const uint64_t(*)[2])cmd, 1,
					  true);
		if (rc)
			break;
		atomic_fetch_add(&drv->st.pri_resps, 1);
	}
	if ((prod ^ cons) & Q_OVERFLOW_FLAG) {
		atomic_fetch_add(&drv->st.priq_overflows, 1);
		drv_log(drv, "PRI queue overflow: page requests were lost "
			     "(their groups were answered by the SMMU)");
		memset(drv->prg_failed, 0, sizeof(drv->prg_failed));
	}
	cons = (prod & Q_OVERFLOW_FLAG) | q_iw(shift, cons);
	if (!rc)
		rc = drv_write32(drv, ARM_SMMU_PRIQ_CONS, cons);
	else
		drv_write32(drv, ARM_SMMU_PRIQ_CONS, cons);
out:
	pthread_mutex_unlock(&drv->priq_lock);
	return rc ? rc : count;
}

int vsmmu_drv_pri_respond(struct vsmmu_drv *drv, uint32_t sid, bool ssv,
			  uint32_t ssid, unsigned int prgi, bool success)
{
	struct vsmmu_drv_cmd c = { .opcode = CMDQ_OP_PRI_RESP };
	uint64_t cmd[1][2];
	bool known;
	int rc;

	if (!drv || (ssv && (ssid >> 20)) ||
	    !VS_FIELD_FIT(CMDQ_PRI_1_GRPID, prgi))
		return -EINVAL;
	pthread_mutex_lock(&drv->obj_lock);
	known = drv_find_master(drv, sid) != NULL;
	pthread_mutex_unlock(&drv->obj_lock);
	if (!known)
		return -EINVAL;
	c.sid = sid;
	c.ssv = ssv;
	c.ssid = ssv ? ssid : 0;
	c.grpid = prgi;
	c.resp = success ? CMDQ_PRI_1_RESP_SUCC : CMDQ_PRI_1_RESP_FAIL;
	rc = vsmmu_drv_cmd_build(&c, cmd[0]);
	if (!rc)
		rc = vsmmu_drv_cmdq_issue(drv, (const uint64_t(*)[2])cmd, 1,
					  true);
	if (!rc)
		atomic_fetch_add(&drv->st.pri_resps, 1);
	return rc;
}
