// SPDX-License-Identifier: MIT
/*
 * The PRI queue producer (spec chapter 8, 3.9.1): PCIe Page Requests from
 * PRI-capable endpoints, their records, overflow, automatic responses,
 * the PRIQ interrupt, and CMD_PRI_RESP's delivery to the endpoint.
 *
 * A request is written to the queue when SMMUEN and PRIQEN are set, no
 * GERROR.PRIQ_ABT_ERR is active, no overflow is pending and the queue has
 * room.  Otherwise (8.1, 8.2):
 *  - queue off (PRIQEN = 0, or SMMUEN = 0) or PRIQ_ABT_ERR active: an
 *    automatic Response Failure without PASID, except for Stop markers;
 *  - queue full: the overflow condition starts (PRIQ_PROD.OVFLG toggled,
 *    unless already pending) and, while it lasts, every request is
 *    discarded: Last = 1 gets an automatic Success -- with the PASID when
 *    the request had one and IDR3.PPS = 1 or the STE says PPAR = 1; a
 *    Failure without PASID when PPS = 0 and the STE cannot be read or is
 *    ILLEGAL -- Last = 0 and Stop markers get nothing.
 * A record write that aborts raises GERROR.PRIQ_ABT_ERR and answers the
 * request with an automatic Failure (a synchronous abort, 8.2).
 *
 * Record (little-endian, as Linux's PRIQ_* fields): dword 0 StreamID
 * [31:0], SubstreamID [51:32], Priv 58, Exec 59, Read 60, Write 61,
 * Last 62, SSV 63; dword 1 PRGIndex [8:0], page address [63:12].
 *
 * Interrupt (IRQ_CTRL.PRIQ_IRQEN): PRIQ_IRQ_CFG2.LO = 0 when the queue
 * goes from empty to non-empty; LO = 1 when a Last = 1 request is written
 * or discarded because of overflow (6.3.36).  CFG2 exists only with MSIs:
 * without IDR0.MSI, LO reads as 0.
 */
#include <errno.h>
#include <string.h>

#include "hw/hw.h"

#define IDR3_PPS_BIT VS_BIT(5) /* SMMU_IDR3.PPS, 6.3.4 */
#define PRIQ_IRQ_CFG2_LO VS_BIT(31)

void vsmmu_smmu_set_pri_resp_handler(struct vsmmu_smmu *s,
				     vsmmu_pri_resp_fn *fn, void *arg)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->reg_lock);
	__atomic_store_n(&s->pri_fn, NULL, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&s->pri_busy, __ATOMIC_SEQ_CST))
		sa_relax();
	__atomic_store_n(&s->pri_arg, arg, __ATOMIC_SEQ_CST);
	__atomic_store_n(&s->pri_fn, fn, __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&s->reg_lock);
}

/* Deliver a PRG response to the endpoint (CMD_PRI_RESP or automatic). */
void hw_pri_resp(struct vsmmu_smmu *s, const struct vsmmu_pri_resp *r)
{
	vsmmu_pri_resp_fn *fn;

	__atomic_fetch_add(&s->pri_busy, 1, __ATOMIC_SEQ_CST);
	fn = __atomic_load_n(&s->pri_fn, __ATOMIC_SEQ_CST);
	if (fn)
		fn(__atomic_load_n(&s->pri_arg, __ATOMIC_SEQ_CST), r);
	__atomic_fetch_sub(&s->pri_busy, 1, __ATOMIC_SEQ_CST);
}

static void auto_resp(struct vsmmu_smmu *s, const struct vsmmu_pri_req *req,
		      unsigned int code, bool pasid)
{
	struct vsmmu_pri_resp r = {
		.sid = req->sid,
		.ssid = pasid ? req->ssid : 0,
		.ssv = pasid,
		.prgi = req->prgi,
		.code = code,
		.automatic = true,
	};

	hw_stat_inc(s, ST_PRI_AUTO);
	hw_pri_resp(s, &r);
}

/* The automatic response to a Last = 1 request discarded by overflow. */
static void overflow_resp(struct vsmmu_smmu *s, const struct vsmmu_pri_req *req)
{
	struct vsmmu_txn txn = { .sid = req->sid, .flags = VSMMU_TXN_READ };
	struct txn_ctx t = { .smmu = s, .txn = &txn, .flags = txn.flags };
	struct stream_cfg sc;
	struct fault f;

	if (!req->ssv) {
		auto_resp(s, req, VSMMU_PRI_RESP_SUCCESS, false);
		return;
	}
	if (s->cfg.idr[3] & IDR3_PPS_BIT) {
		auto_resp(s, req, VSMMU_PRI_RESP_SUCCESS, true);
		return;
	}
	/* Look at the STE as the hardware would, changing nothing */
	t.probe = true;
	if (hw_ste_lookup(&t, &sc, &f))
		auto_resp(s, req, VSMMU_PRI_RESP_FAILURE, false);
	else
		auto_resp(s, req, VSMMU_PRI_RESP_SUCCESS, sc.ppar);
}

int vsmmu_smmu_page_request(struct vsmmu_smmu *s,
			    const struct vsmmu_pri_req *in,
			    enum vsmmu_pri_outcome *out)
{
	struct vsmmu_pri_req req;
	enum vsmmu_pri_outcome o = VSMMU_PRI_DISCARDED;
	struct hw_queue *q;
	uint32_t prod, cons, idx_mask, cfg2;
	bool stop, empty, irq = false, lo;
	uint64_t rec[2], addr;

	if (!s || !in || in->prgi > 511 || (in->ssv && in->ssid >> 20) ||
	    (in->perm & ~(VSMMU_PRI_READ | VSMMU_PRI_WRITE | VSMMU_PRI_EXEC |
			  VSMMU_PRI_PRIV)))
		return -EINVAL;
	q = &s->priq;
	req = *in;
	/* SSV is 0 when substreams are not supported; X, Priv need a PASID */
	if (!s->ssidsize)
		req.ssv = false;
	if (!req.ssv) {
		req.ssid = 0;
		req.perm &= VSMMU_PRI_READ | VSMMU_PRI_WRITE;
	}
	stop = req.ssv && req.last &&
	       !(req.perm & (VSMMU_PRI_READ | VSMMU_PRI_WRITE));
	cfg2 = (s->cfg.idr[0] & IDR0_MSI) ?
		       hw_reg32(&s->raw32[ARM_SMMU_PRIQ_IRQ_CFG2 / 4]) :
		       0;
	lo = cfg2 & PRIQ_IRQ_CFG2_LO;

	if (!(s->cfg.idr[0] & IDR0_PRI) ||
	    (hw_reg32(&s->cr0) & (CR0_SMMUEN | CR0_PRIQEN)) !=
		    (CR0_SMMUEN | CR0_PRIQEN) ||
	    ((hw_reg32(&s->gerror) ^ hw_reg32(&s->gerrorn)) &
	     GERROR_PRIQ_ABT_ERR)) {
		if (!stop) {
			auto_resp(s, &req, VSMMU_PRI_RESP_FAILURE, false);
			o = VSMMU_PRI_AUTO_RESPONDED;
		}
		goto out;
	}

	pthread_mutex_lock(&s->priq_lock);
	prod = hw_reg32(&q->prod);
	cons = hw_reg32(&q->cons);
	idx_mask = (1U << hw_q_log2(q)) - 1;
	if (((prod ^ cons) & Q_OVERFLOW_FLAG) ||
	    (hw_q_idxwrap(q, prod) ^ hw_q_idxwrap(q, cons)) == idx_mask + 1) {
		/* Overflow: starts now if the queue is full, inhibits writes */
		if (!((prod ^ cons) & Q_OVERFLOW_FLAG))
			__atomic_store_n(&q->prod, prod ^ Q_OVERFLOW_FLAG,
					 __ATOMIC_RELEASE);
		pthread_mutex_unlock(&s->priq_lock);
		if (req.last && !stop) {
			overflow_resp(s, &req);
			o = VSMMU_PRI_AUTO_RESPONDED;
			irq = lo;
		}
		goto out;
	}
	rec[0] = VS_FIELD_PREP(PRIQ_0_SID, req.sid) |
		 VS_FIELD_PREP(PRIQ_0_SSID, req.ssid) |
		 ((req.perm & VSMMU_PRI_PRIV) ? PRIQ_0_PERM_PRIV : 0) |
		 ((req.perm & VSMMU_PRI_EXEC) ? PRIQ_0_PERM_EXEC : 0) |
		 ((req.perm & VSMMU_PRI_READ) ? PRIQ_0_PERM_READ : 0) |
		 ((req.perm & VSMMU_PRI_WRITE) ? PRIQ_0_PERM_WRITE : 0) |
		 (req.last ? PRIQ_0_PRG_LAST : 0) |
		 (req.ssv ? PRIQ_0_SSID_V : 0);
	rec[1] = VS_FIELD_PREP(PRIQ_1_PRG_IDX, req.prgi) |
		 (req.addr & PRIQ_1_ADDR_MASK);
	addr = hw_q_addr(q) + (uint64_t)(prod & idx_mask) * 16;
	if (vsmmu_mem_write64(s->mem, addr, rec[0]) ||
	    vsmmu_mem_write64(s->mem, addr + 8, rec[1])) {
		pthread_mutex_unlock(&s->priq_lock);
		hw_gerror_raise(s, GERROR_PRIQ_ABT_ERR);
		if (!stop) {
			auto_resp(s, &req, VSMMU_PRI_RESP_FAILURE, false);
			o = VSMMU_PRI_AUTO_RESPONDED;
		}
		goto out;
	}
	empty = hw_q_idxwrap(q, prod) == hw_q_idxwrap(q, cons);
	__atomic_store_n(&q->prod, (prod & Q_OVERFLOW_FLAG) | hw_q_inc(q, prod),
			 __ATOMIC_RELEASE);
	pthread_mutex_unlock(&s->priq_lock);
	hw_stat_inc(s, ST_PRI_QUEUED);
	o = VSMMU_PRI_QUEUED;
	irq = lo ? req.last : empty;
out:
	if (irq && (hw_reg32(&s->irq_ctrl) & IRQ_CTRL_PRIQ_IRQEN))
		hw_irq(s, VSMMU_IRQ_PRIQ, ARM_SMMU_PRIQ_IRQ_CFG0);
	if (out)
		*out = o;
	return 0;
}
