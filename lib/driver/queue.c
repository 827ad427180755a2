// SPDX-License-Identifier: MIT
/*
 * Command queues as the driver drives them: the main queue's backend, the
 * choice of a queue for each command (the implementation may offer
 * others: CMDQV's VCMDQs), batches, syncs, and error recovery -- CERROR
 * on any queue and GERROR of the SMMU.
 *
 * Routing.  With an implementation that offers queues, each command goes
 * to the queue impl->get_queue() picks for the calling thread, or to the
 * main queue when that queue does not take the opcode (a guest-owned
 * VINTF takes only invalidations).  Consecutive commands share a queue
 * while they fit it; where one does not, the part before it is completed
 * on its own queue (with its CMD_SYNC, waited for, so that the order
 * between the parts holds) and the rest continues on the queue chosen for
 * it.  A batch is checked command by command as it is built, never from
 * its first command alone (the seed review's point).
 *
 * Thread index.  Which of several queues a thread uses is decided per
 * driver: each driver numbers the threads that submit to it in the order
 * they first do (or as vsmmu_drv_set_thread_queue() says), so that two
 * drivers in one process (a host's and a guest's) do not steer each
 * other.  The index lives in a small per-thread cache keyed by the
 * driver's instance number: no lock, no allocation on the submission
 * path.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "driver/drv.h"

/* --- The main queue's backend --------------------------------------------- */

static int main_read_cons(void *ctx, uint32_t *cons)
{
	return drv_read32(ctx, ARM_SMMU_CMDQ_CONS, cons);
}

static int main_write_prod(void *ctx, uint32_t prod)
{
	return drv_write32(ctx, ARM_SMMU_CMDQ_PROD, prod);
}

static int main_poll_errors(void *ctx)
{
	struct vsmmu_drv *drv = ctx;
	int rc = drv_handle_gerror(drv);

	if (rc)
		return rc;
	return atomic_load(&drv->cmdq.q.dead) ? -EIO : 0;
}

int drv_queue_init(struct drv_queue *q, struct vsmmu_drv *drv, uint64_t base,
		   unsigned int shift, int (*read_cons)(void *, uint32_t *),
		   int (*write_prod)(void *, uint32_t),
		   int (*poll_errors)(void *), void *ctx, bool msi)
{
	int rc = drv_cmdq_init(&q->q, drv->mem, base, shift);

	if (rc)
		return rc;
	memset(&q->st, 0, sizeof(q->st));
	q->be = (struct drv_cmdq_backend){
		.mem = drv->mem,
		.read_cons = read_cons,
		.write_prod = write_prod,
		.poll_errors = poll_errors,
		.ctx = ctx,
		.msi = msi,
		.timeout_ns = drv->cfg.timeout_ns,
		.stat_cmds = &q->st.cmds,
		.stat_syncs = &q->st.syncs,
		.stat_prod_writes = &q->st.prod_writes,
		.stat_timeouts = &q->st.timeouts,
		.stat_mem_errors = &q->st.mem_errors,
	};
	q->abt_count = 0;
	return 0;
}

void drv_queue_fini(struct drv_queue *q)
{
	drv_cmdq_fini(&q->q);
}

int drv_main_queue_init(struct vsmmu_drv *drv, uint64_t base)
{
	int rc = drv_queue_init(&drv->cmdq, drv, base, drv->feat.cmdq_shift,
				main_read_cons, main_write_prod,
				main_poll_errors, drv, drv->feat.sync_msi);

	drv->cmdq.lidx = -1;
	drv->cmdq.name = "CMDQ";
	drv->cmdq.supports = NULL;
	return rc;
}

bool drv_queue_supports(const struct drv_queue *q, unsigned int opcode)
{
	return !q->supports || q->supports(q, opcode);
}

/* --- Queue choice ------------------------------------------------------------ */

#define TQ_CACHE 4

static _Thread_local struct {
	uint64_t instance;
	unsigned int idx;
} tq[TQ_CACHE];
static _Thread_local unsigned int tq_victim;

static void tq_set(uint64_t instance, unsigned int idx)
{
	unsigned int i;

	for (i = 0; i < TQ_CACHE; i++) {
		if (tq[i].instance == instance) {
			tq[i].idx = idx;
			return;
		}
	}
	i = tq_victim++ % TQ_CACHE;
	tq[i].instance = instance;
	tq[i].idx = idx;
}

unsigned int drv_thread_index(struct vsmmu_drv *drv)
{
	unsigned int i, idx;

	for (i = 0; i < TQ_CACHE; i++)
		if (tq[i].instance == drv->instance)
			return tq[i].idx;
	idx = atomic_fetch_add_explicit(&drv->next_thread_index, 1,
					memory_order_relaxed) &
	      0x7fffffff;
	tq_set(drv->instance, idx);
	return idx;
}

void vsmmu_drv_set_thread_queue(struct vsmmu_drv *drv, unsigned int idx)
{
	if (drv)
		tq_set(drv->instance, idx & 0x7fffffff);
}

struct drv_queue *drv_select_queue(struct vsmmu_drv *drv, unsigned int opcode)
{
	struct drv_queue *q = NULL;

	if (drv->impl && drv->impl->get_queue)
		q = drv->impl->get_queue(drv, opcode);
	if (!q || !drv_queue_supports(q, opcode))
		return &drv->cmdq;
	return q;
}

/* --- Issue, sync, batches --------------------------------------------------- */

static int issue_on(struct drv_queue *q, const uint64_t (*cmds)[2],
		    unsigned int n, bool sync)
{
	return drv_cmdq_issue(&q->q, &q->be, cmds, n, sync);
}

static unsigned int cmd_opcode(const uint64_t *cmd)
{
	return (unsigned int)VS_FIELD_GET(CMDQ_0_OP, cmd[0]);
}

int vsmmu_drv_cmdq_issue(struct vsmmu_drv *drv, const uint64_t (*cmds)[2],
			 unsigned int n, bool sync)
{
	struct drv_queue *q = NULL;
	unsigned int i, start = 0;
	int rc;

	if (!drv || (n && !cmds))
		return -EINVAL;
	if (!drv->impl || !drv->impl->get_queue)
		return issue_on(&drv->cmdq, cmds, n, sync);
	for (i = 0; i < n; i++) {
		unsigned int op = cmd_opcode(cmds[i]);

		if (!q) {
			q = drv_select_queue(drv, op);
			continue;
		}
		if (drv_queue_supports(q, op))
			continue;
		rc = issue_on(q, cmds + start, i - start, true);
		if (rc)
			return rc;
		start = i;
		q = drv_select_queue(drv, op);
	}
	if (!q)
		q = drv_select_queue(drv, CMDQ_OP_CMD_SYNC);
	return issue_on(q, cmds + start, n - start, sync);
}

int vsmmu_drv_cmdq_sync(struct vsmmu_drv *drv)
{
	struct drv_queue *q;
	int rc;

	if (!drv)
		return -EINVAL;
	q = drv_select_queue(drv, CMDQ_OP_CMD_SYNC);
	if (q != &drv->cmdq) {
		rc = issue_on(q, NULL, 0, true);
		if (rc)
			return rc;
	}
	return issue_on(&drv->cmdq, NULL, 0, true);
}

void vsmmu_drv_batch_init(struct vsmmu_drv_batch *b)
{
	b->num = 0;
	b->err = 0;
	b->queue = NULL;
	b->pending = false;
}

static int batch_error(struct vsmmu_drv_batch *b, int rc)
{
	if (rc && !b->err)
		b->err = rc;
	return rc;
}

int vsmmu_drv_batch_add_raw(struct vsmmu_drv *drv, struct vsmmu_drv_batch *b,
			    const uint64_t cmd[2])
{
	unsigned int op = cmd_opcode(cmd);
	struct drv_queue *q = (struct drv_queue *)b->queue;
	int rc;

	if (!q) {
		q = drv_select_queue(drv, op);
	} else if (!drv_queue_supports(q, op)) {
		/* Split here: complete the part before on its own queue */
		if (b->num || b->pending) {
			rc = issue_on(q, (const uint64_t(*)[2])b->cmds, b->num,
				      true);
			b->num = 0;
			b->pending = false;
			if (rc) {
				b->queue = NULL;
				return batch_error(b, rc);
			}
		}
		q = drv_select_queue(drv, op);
	}
	b->queue = q;
	if (b->num == VSMMU_DRV_BATCH_MAX) {
		/* Full: no sync, and stay on this queue so the final CMD_SYNC
		 * completes these commands too */
		rc = issue_on(q, (const uint64_t(*)[2])b->cmds, b->num, false);
		b->num = 0;
		b->pending = true;
		if (rc)
			return batch_error(b, rc);
	}
	b->cmds[b->num][0] = cmd[0];
	b->cmds[b->num][1] = cmd[1];
	b->num++;
	return 0;
}

int vsmmu_drv_batch_add(struct vsmmu_drv *drv, struct vsmmu_drv_batch *b,
			const struct vsmmu_drv_cmd *cmd)
{
	uint64_t w[2];
	int rc = vsmmu_drv_cmd_build(cmd, w);

	if (rc)
		return rc;
	return vsmmu_drv_batch_add_raw(drv, b, w);
}

int vsmmu_drv_batch_submit(struct vsmmu_drv *drv, struct vsmmu_drv_batch *b,
			   bool sync)
{
	struct drv_queue *q = (struct drv_queue *)b->queue;
	int rc;

	if (!q)
		q = drv_select_queue(drv, CMDQ_OP_CMD_SYNC);
	rc = issue_on(q, (const uint64_t(*)[2])b->cmds, b->num, sync);
	b->num = 0;
	b->queue = NULL;
	b->pending = false;
	if (b->err) {
		rc = b->err;
		b->err = 0;
	}
	return rc;
}

/* --- Error recovery ------------------------------------------------------------ */

static const char *cerror_name(unsigned int err)
{
	switch (err) {
	case CMDQ_ERR_CERROR_NONE_IDX:
		return "CERROR_NONE";
	case CMDQ_ERR_CERROR_ILL_IDX:
		return "CERROR_ILL";
	case CMDQ_ERR_CERROR_ABT_IDX:
		return "CERROR_ABT";
	case CMDQ_ERR_CERROR_ATC_INV_IDX:
		return "CERROR_ATC_INV_SYNC";
	}
	return "CERROR_(reserved)";
}

#define ABT_RETRIES 3

/*
 * Recover a halted queue from the error CONS.ERR reports (spec 7.1):
 *  CERROR_ILL  the command at CONS is illegal: overwrite it with a
 *              CMD_SYNC (no completion signal) so the queue moves on, and
 *              log it decoded.  Whoever submitted it is not told; its own
 *              CMD_SYNC still completes.
 *  CERROR_ABT  the fetch of the command at CONS aborted: retry it (the
 *              memory may have been fixed).  The same slot aborting
 *              ABT_RETRIES times in a row kills the queue (-EIO) rather
 *              than spin forever.
 *  CERROR_ATC_INV_SYNC  an ATC invalidation before the CMD_SYNC at CONS
 *              did not complete: retry the sync (the SMMU re-sends).
 * The caller acknowledges through the queue's GERRORN.  The same for the
 * main queue and every VCMDQ.
 */
void drv_queue_recover(struct vsmmu_drv *drv, struct drv_queue *q,
		       uint32_t cons)
{
	struct drv_cmdq *r = &q->q;
	uint64_t cmd[2] = { 0, 0 }, pa;
	unsigned int err;
	const char *op;
	char msg[512];

	err = VS_FIELD_GET(CMDQ_CONS_ERR, cons);
	pa = r->base + (uint64_t)q_idx(r->shift, cons) * 16;
	if (vsmmu_mem_read64(drv->mem, pa, &cmd[0]) ||
	    vsmmu_mem_read64(drv->mem, pa + 8, &cmd[1]))
		cmd[0] = cmd[1] = 0;
	if (drv->cfg.cmdq_err_fn)
		drv->cfg.cmdq_err_fn(drv->cfg.cmdq_err_arg, err,
				     q_iw(r->shift, cons), cmd);
	op = vsmmu_cmd_name(VS_FIELD_GET(CMDQ_0_OP, cmd[0]));
	snprintf(msg, sizeof(msg), "%s at %s 0x%x: %s [%016llx %016llx]",
		 cerror_name(err), q->name, q_iw(r->shift, cons),
		 op ? op : "unknown opcode", (unsigned long long)cmd[0],
		 (unsigned long long)cmd[1]);
	drv_decode_into(VSMMU_DECODE_CMD, cmd, 2, msg, sizeof(msg), false);

	switch (err) {
	case CMDQ_ERR_CERROR_ILL_IDX: {
		uint64_t sync[2];

		drv_log(drv, "%s: replaced by CMD_SYNC", msg);
		drv_build_sync(sync, 0);
		if (vsmmu_mem_write64(drv->mem, pa, sync[0]) ||
		    vsmmu_mem_write64(drv->mem, pa + 8, sync[1]))
			atomic_fetch_add(&q->st.mem_errors, 1);
		atomic_fetch_add(&q->st.ill, 1);
		q->abt_count = 0;
		break;
	}
	case CMDQ_ERR_CERROR_ABT_IDX:
		atomic_fetch_add(&q->st.abt, 1);
		if (q->abt_count && q->abt_cons == q_iw(r->shift, cons)) {
			q->abt_count++;
		} else {
			q->abt_cons = q_iw(r->shift, cons);
			q->abt_count = 1;
		}
		if (q->abt_count > ABT_RETRIES) {
			drv_log(drv, "%s: fetch keeps aborting, queue dead",
				msg);
			atomic_store(&r->dead, true);
			return; /* leave it halted */
		}
		drv_log(drv, "%s: retrying the fetch", msg);
		break;
	case CMDQ_ERR_CERROR_ATC_INV_IDX:
		atomic_fetch_add(&q->st.atc, 1);
		drv_log(drv, "%s: retrying the CMD_SYNC", msg);
		break;
	default:
		drv_log(drv, "%s: reserved error, retrying", msg);
		break;
	}
}

int drv_handle_gerror(struct vsmmu_drv *drv)
{
	uint32_t gerror, gerrorn, active, cons;
	int rc;

	pthread_mutex_lock(&drv->err_lock);
	atomic_store(&drv->gerror_pending, false);
	rc = drv_read32(drv, ARM_SMMU_GERROR, &gerror);
	if (!rc)
		rc = drv_read32(drv, ARM_SMMU_GERRORN, &gerrorn);
	if (rc)
		goto out;
	active = (gerror ^ gerrorn) & 0x1fd;
	if (!active)
		goto out;
	if (active & GERROR_CMDQ_ERR) {
		if (!drv_read32(drv, ARM_SMMU_CMDQ_CONS, &cons))
			drv_queue_recover(drv, &drv->cmdq, cons);
		if (atomic_load(&drv->cmdq.q.dead))
			active &= ~GERROR_CMDQ_ERR;
	}
	if (active & ~GERROR_CMDQ_ERR) {
		atomic_fetch_add(&drv->st.other, 1);
		drv_log(drv, "global error(s) 0x%x acknowledged%s%s%s%s%s%s%s",
			(unsigned int)(active & ~GERROR_CMDQ_ERR),
			active & GERROR_SFM_ERR ? " SFM_ERR" : "",
			active & GERROR_MSI_GERROR_ABT_ERR ? " MSI_GERROR_ABT" :
							     "",
			active & GERROR_MSI_PRIQ_ABT_ERR ? " MSI_PRIQ_ABT" : "",
			active & GERROR_MSI_EVTQ_ABT_ERR ? " MSI_EVTQ_ABT" : "",
			active & GERROR_MSI_CMDQ_ABT_ERR ? " MSI_CMDQ_ABT" : "",
			active & GERROR_PRIQ_ABT_ERR ? " PRIQ_ABT" : "",
			active & GERROR_EVTQ_ABT_ERR ? " EVTQ_ABT" : "");
	}
	if (active)
		rc = drv_write32(drv, ARM_SMMU_GERRORN, gerrorn ^ active);
out:
	pthread_mutex_unlock(&drv->err_lock);
	return rc;
}

/* --- Statistics ------------------------------------------------------------------ */

void drv_qstats_add(struct vsmmu_drv_queue_stats *out,
		    const struct drv_qstats *st)
{
	out->cmds += atomic_load(&st->cmds);
	out->syncs += atomic_load(&st->syncs);
	out->prod_writes += atomic_load(&st->prod_writes);
	out->cerror_ill += atomic_load(&st->ill);
	out->cerror_abt += atomic_load(&st->abt);
	out->cerror_atc_inv += atomic_load(&st->atc);
}
