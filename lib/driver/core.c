// SPDX-License-Identifier: MIT
/*
 * Host driver core: register access, probe, stream table, the enable and
 * disable sequences, interrupts, global-error handling and the command
 * queue front end (building commands, batches, error recovery).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vsmmu/decode.h>

#include "driver/drv.h"

/* --- Register access ------------------------------------------------------ */

static int smmu_read(void *ctx, uint64_t off, unsigned int size, uint64_t *v)
{
	return vsmmu_smmu_mmio_read(ctx, off, size, v);
}

static int smmu_write(void *ctx, uint64_t off, unsigned int size, uint64_t v)
{
	return vsmmu_smmu_mmio_write(ctx, off, size, v);
}

const struct vsmmu_drv_mmio_ops vsmmu_drv_smmu_mmio_ops = {
	.read = smmu_read,
	.write = smmu_write,
};

int drv_read32(struct vsmmu_drv *drv, uint64_t off, uint32_t *val)
{
	uint64_t v = 0;
	int rc = drv->cfg.ops->read(drv->cfg.ops_ctx, off, 4, &v);

	*val = (uint32_t)v;
	return rc;
}

int drv_write32(struct vsmmu_drv *drv, uint64_t off, uint32_t val)
{
	return drv->cfg.ops->write(drv->cfg.ops_ctx, off, 4, val);
}

int drv_write64(struct vsmmu_drv *drv, uint64_t off, uint64_t val)
{
	return drv->cfg.ops->write(drv->cfg.ops_ctx, off, 8, val);
}

void drv_log(struct vsmmu_drv *drv, const char *fmt, ...)
{
	char buf[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (drv->cfg.log_fn)
		drv->cfg.log_fn(drv->cfg.log_arg, buf);
	else
		fprintf(stderr, "vsmmu-drv: %s\n", buf);
}

/* Poll the 32-bit register @off until (value & @mask) == @want. */
static int poll_reg(struct vsmmu_drv *drv, uint64_t off, uint32_t mask,
		    uint32_t want)
{
	uint64_t deadline = drv_now_ns() + drv->cfg.timeout_ns;
	unsigned int spins = 0;
	uint32_t v;
	int rc;

	for (;;) {
		rc = drv_read32(drv, off, &v);
		if (rc)
			return rc;
		if ((v & mask) == want)
			return 0;
		if (drv_now_ns() >= deadline) {
			atomic_fetch_add(&drv->st.timeouts, 1);
			drv_log(drv, "timeout polling register 0x%llx",
				(unsigned long long)off);
			return -ETIMEDOUT;
		}
		drv_relax(&spins);
	}
}

/* Write CR0 and wait for CR0ACK to agree (spec 6.3.9). */
static int write_cr0(struct vsmmu_drv *drv, uint32_t val)
{
	int rc = drv_write32(drv, ARM_SMMU_CR0, val);

	if (rc)
		return rc;
	rc = poll_reg(drv, ARM_SMMU_CR0ACK, 0xffffffffU, val);
	if (!rc)
		drv->cr0 = val;
	return rc;
}

/*
 * Program a queue the SMMU produces into (EVTQ, PRIQ): its BASE at
 * @base_off, PROD and CONS (page 1, at the architected offsets from BASE)
 * reset to 0, then its CR0 enable bit @en added to *@enables.
 */
static int enable_out_queue(struct vsmmu_drv *drv, uint64_t base_off,
			    uint64_t base, unsigned int shift, uint32_t en,
			    uint32_t *enables)
{
	uint64_t prod_off = base_off == ARM_SMMU_EVTQ_BASE ?
				    ARM_SMMU_EVTQ_PROD :
				    ARM_SMMU_PRIQ_PROD;
	int rc;

	rc = drv_write64(drv, base_off,
			 Q_BASE_RWA | (base & Q_BASE_ADDR_MASK) |
				 VS_FIELD_PREP(Q_BASE_LOG2SIZE, shift));
	if (!rc)
		rc = drv_write32(drv, prod_off, 0);
	if (!rc)
		rc = drv_write32(drv, prod_off + 4, 0); /* CONS */
	if (rc)
		return rc;
	*enables |= en;
	return write_cr0(drv, *enables);
}

/* GBPA: wait for UPDATE clear, write with UPDATE, wait for it to clear. */
static int update_gbpa(struct vsmmu_drv *drv, uint32_t set, uint32_t clr)
{
	uint32_t v;
	int rc;

	rc = poll_reg(drv, ARM_SMMU_GBPA, GBPA_UPDATE, 0);
	if (!rc)
		rc = drv_read32(drv, ARM_SMMU_GBPA, &v);
	if (!rc)
		rc = drv_write32(drv, ARM_SMMU_GBPA,
				 ((v & ~clr) | set) | GBPA_UPDATE);
	if (!rc)
		rc = poll_reg(drv, ARM_SMMU_GBPA, GBPA_UPDATE, 0);
	return rc;
}

/* --- The command queue backend -------------------------------------------- */

static int be_read_cons(void *ctx, uint32_t *cons)
{
	return drv_read32(ctx, ARM_SMMU_CMDQ_CONS, cons);
}

static int be_write_prod(void *ctx, uint32_t prod)
{
	return drv_write32(ctx, ARM_SMMU_CMDQ_PROD, prod);
}

static int be_poll_errors(void *ctx)
{
	struct vsmmu_drv *drv = ctx;
	int rc = drv_handle_gerror(drv);

	if (rc)
		return rc;
	return atomic_load(&drv->cmdq.dead) ? -EIO : 0;
}

/* --- Decoding for messages ------------------------------------------------ */

struct fmt_buf {
	char *p;
	size_t len, cap;
	bool skip_id_sid; /* the line already names the event and SID */
};

static int fmt_field(void *arg, const struct vsmmu_field *f)
{
	struct fmt_buf *b = arg;
	int n;

	if (!f->value && !f->meaning)
		return 0; /* zero fields are noise in a one-line message */
	if (b->skip_id_sid &&
	    (!strcmp(f->name, "ID") || !strcmp(f->name, "SID")))
		return 0;
	if (b->len >= b->cap)
		return 0;
	n = snprintf(b->p + b->len, b->cap - b->len, " %s=0x%llx%s%s%s",
		     f->name, (unsigned long long)f->value,
		     f->meaning ? "(" : "", f->meaning ? f->meaning : "",
		     f->meaning ? ")" : "");
	if (n > 0)
		b->len += (size_t)n;
	if (b->len > b->cap)
		b->len = b->cap;
	return 0;
}

void drv_decode_into(enum vsmmu_decode_kind kind, const uint64_t *words,
		     size_t n, char *buf, size_t cap, bool skip_id_sid)
{
	size_t len = strlen(buf);
	struct fmt_buf b = { buf, len, cap ? cap - 1 : 0, skip_id_sid };

	if (len >= b.cap)
		return;
	vsmmu_decode(kind, words, n, NULL, fmt_field, &b);
	buf[b.len] = '\0';
}

/* --- Global errors and command-queue error recovery ---------------------- */

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
 * Recover the command queue from the error CONS.ERR reports (spec 7.1):
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
 * Acknowledge by making GERRORN equal to GERROR for every active bit
 * (the caller).  The same for the main queue and every VCMDQ (cmdqv.c).
 */
void drv_cmdq_recover(struct vsmmu_drv *drv, struct drv_cmdq *q,
		      const char *qname, uint32_t cons, uint32_t *abt_cons,
		      unsigned int *abt_count, _Atomic uint64_t *st_ill,
		      _Atomic uint64_t *st_abt, _Atomic uint64_t *st_atc)
{
	uint64_t cmd[2] = { 0, 0 }, pa;
	unsigned int err;
	char msg[512];

	err = VS_FIELD_GET(CMDQ_CONS_ERR, cons);
	pa = q->base + (uint64_t)q_idx(q->shift, cons) * 16;
	if (vsmmu_mem_read64(drv->mem, pa, &cmd[0]) ||
	    vsmmu_mem_read64(drv->mem, pa + 8, &cmd[1]))
		cmd[0] = cmd[1] = 0;
	if (drv->cfg.cmdq_err_fn)
		drv->cfg.cmdq_err_fn(drv->cfg.cmdq_err_arg, err,
				     q_iw(q->shift, cons), cmd);
	snprintf(msg, sizeof(msg), "%s at %s 0x%x: %s [%016llx %016llx]",
		 cerror_name(err), qname, q_iw(q->shift, cons),
		 vsmmu_cmd_name(VS_FIELD_GET(CMDQ_0_OP, cmd[0])) ?
			 vsmmu_cmd_name(VS_FIELD_GET(CMDQ_0_OP, cmd[0])) :
			 "unknown opcode",
		 (unsigned long long)cmd[0], (unsigned long long)cmd[1]);
	drv_decode_into(VSMMU_DECODE_CMD, cmd, 2, msg, sizeof(msg), false);

	switch (err) {
	case CMDQ_ERR_CERROR_ILL_IDX: {
		uint64_t sync[2];

		drv_log(drv, "%s: replaced by CMD_SYNC", msg);
		drv_build_sync(sync, 0);
		if (vsmmu_mem_write64(drv->mem, pa, sync[0]) ||
		    vsmmu_mem_write64(drv->mem, pa + 8, sync[1]))
			atomic_fetch_add(&drv->st.mem_errors, 1);
		atomic_fetch_add(st_ill, 1);
		*abt_count = 0;
		break;
	}
	case CMDQ_ERR_CERROR_ABT_IDX:
		atomic_fetch_add(st_abt, 1);
		if (*abt_count && *abt_cons == q_iw(q->shift, cons)) {
			(*abt_count)++;
		} else {
			*abt_cons = q_iw(q->shift, cons);
			*abt_count = 1;
		}
		if (*abt_count > ABT_RETRIES) {
			drv_log(drv, "%s: fetch keeps aborting, queue dead",
				msg);
			atomic_store(&q->dead, true);
			return; /* leave it halted */
		}
		drv_log(drv, "%s: retrying the fetch", msg);
		break;
	case CMDQ_ERR_CERROR_ATC_INV_IDX:
		atomic_fetch_add(st_atc, 1);
		drv_log(drv, "%s: retrying the CMD_SYNC", msg);
		break;
	default:
		drv_log(drv, "%s: reserved error, retrying", msg);
		break;
	}
}

static void cmdq_recover(struct vsmmu_drv *drv)
{
	uint32_t cons;

	if (drv_read32(drv, ARM_SMMU_CMDQ_CONS, &cons))
		return;
	drv_cmdq_recover(drv, &drv->cmdq, "CMDQ_CONS", cons, &drv->abt_cons,
			 &drv->abt_count, &drv->st.ill, &drv->st.abt,
			 &drv->st.atc);
}

int drv_handle_gerror(struct vsmmu_drv *drv)
{
	uint32_t gerror, gerrorn, active;
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
		cmdq_recover(drv);
		if (atomic_load(&drv->cmdq.dead))
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

void vsmmu_drv_irq(void *arg, enum vsmmu_irq irq)
{
	struct vsmmu_drv *drv = arg;

	if (irq == VSMMU_IRQ_GERROR)
		atomic_store(&drv->gerror_pending, true);
	else if (irq == VSMMU_IRQ_EVTQ)
		atomic_store(&drv->evtq_pending, true);
	else if (irq == VSMMU_IRQ_PRIQ)
		atomic_store(&drv->priq_pending, true);
	else if (irq == VSMMU_IRQ_CMDQV)
		atomic_store(&drv->cmdqv_pending, true);
}

int vsmmu_drv_process(struct vsmmu_drv *drv)
{
	int rc = drv_handle_gerror(drv);

	if (rc)
		return rc;
	if (drv->cmdqv) {
		atomic_store(&drv->cmdqv_pending, false);
		rc = drv_cmdqv_handle_errors(drv);
		if (rc)
			return rc;
	}
	atomic_store(&drv->evtq_pending, false);
	if (drv->priq_base) {
		atomic_store(&drv->priq_pending, false);
		rc = vsmmu_drv_priq_drain(drv);
		if (rc < 0)
			return rc;
	}
	return vsmmu_drv_evtq_drain(drv);
}

/* --- Commands ------------------------------------------------------------- */

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

static int issue_on(const struct drv_qref *r, const uint64_t (*cmds)[2],
		    unsigned int n, bool sync)
{
	return drv_cmdq_issue(r->q, r->be, cmds, n, sync);
}

static unsigned int cmd_opcode(const uint64_t *cmd)
{
	return (unsigned int)VS_FIELD_GET(CMDQ_0_OP, cmd[0]);
}

/*
 * Route a command list: consecutive commands share a queue while they
 * fit it; where one does not, the part before it is completed on its own
 * queue (with its CMD_SYNC, waited for, so that the order between the
 * parts holds) and the rest continues on the queue chosen for it.
 */
int vsmmu_drv_cmdq_issue(struct vsmmu_drv *drv, const uint64_t (*cmds)[2],
			 unsigned int n, bool sync)
{
	const struct drv_qref *r = NULL;
	unsigned int i, start = 0;
	int rc;

	if (!drv || (n && !cmds))
		return -EINVAL;
	if (!drv->cmdqv)
		return issue_on(&drv->main_ref, cmds, n, sync);
	for (i = 0; i < n; i++) {
		unsigned int op = cmd_opcode(cmds[i]);

		if (!r) {
			r = drv_select_queue(drv, op);
			continue;
		}
		if (drv_queue_supports(r, op))
			continue;
		rc = issue_on(r, cmds + start, i - start, true);
		if (rc)
			return rc;
		start = i;
		r = drv_select_queue(drv, op);
	}
	if (!r)
		r = drv_select_queue(drv, CMDQ_OP_CMD_SYNC);
	return issue_on(r, cmds + start, n - start, sync);
}

int vsmmu_drv_cmdq_sync(struct vsmmu_drv *drv)
{
	const struct drv_qref *r;
	int rc;

	if (!drv)
		return -EINVAL;
	r = drv_select_queue(drv, CMDQ_OP_CMD_SYNC);
	if (r != &drv->main_ref) {
		rc = issue_on(r, NULL, 0, true);
		if (rc)
			return rc;
	}
	return issue_on(&drv->main_ref, NULL, 0, true);
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
	const struct drv_qref *r = b->queue;
	int rc;

	if (!r) {
		r = drv_select_queue(drv, op);
	} else if (!drv_queue_supports(r, op)) {
		/* Split here: complete the part before on its own queue */
		if (b->num || b->pending) {
			rc = issue_on(r, (const uint64_t(*)[2])b->cmds, b->num,
				      true);
			b->num = 0;
			b->pending = false;
			if (rc) {
				b->queue = NULL;
				return batch_error(b, rc);
			}
		}
		r = drv_select_queue(drv, op);
	}
	b->queue = r;
	if (b->num == VSMMU_DRV_BATCH_MAX) {
		/* Full: no sync, and stay on this queue so the final CMD_SYNC
		 * completes these commands too */
		rc = issue_on(r, (const uint64_t(*)[2])b->cmds, b->num, false);
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
	const struct drv_qref *r = b->queue;
	int rc;

	if (!r)
		r = drv_select_queue(drv, CMDQ_OP_CMD_SYNC);
	rc = issue_on(r, (const uint64_t(*)[2])b->cmds, b->num, sync);
	b->num = 0;
	b->queue = NULL;
	b->pending = false;
	if (b->err) {
		rc = b->err;
		b->err = 0;
	}
	return rc;
}

/* --- Probe ---------------------------------------------------------------- */

static int probe(struct vsmmu_drv *drv)
{
	struct vsmmu_drv_features *f = &drv->feat;
	uint32_t idr0, idr1, idr3, idr5;
	unsigned int i, ttf, end;
	int rc;

	for (i = 0; i < 6; i++) {
		rc = drv_read32(drv, ARM_SMMU_IDR0 + 4 * i, &drv->idr[i]);
		if (rc)
			return rc;
	}
	idr0 = drv->idr[0];
	idr1 = drv->idr[1];
	idr3 = drv->idr[3];
	idr5 = drv->idr[5];

	f->s1 = idr0 & IDR0_S1P;
	f->s2 = idr0 & IDR0_S2P;
	f->st_2lvl = VS_FIELD_GET(IDR0_ST_LVL, idr0) == IDR0_ST_LVL_2LVL;
	f->cd_2lvl = idr0 & IDR0_CD2L;
	f->msi = idr0 & IDR0_MSI;
	f->sev = idr0 & IDR0_SEV;
	f->ats = idr0 & IDR0_ATS;
	f->pri = idr0 & IDR0_PRI;
	f->hyp = idr0 & IDR0_HYP;
	f->btm = idr0 & IDR0_BTM;
	f->coherent = idr0 & IDR0_COHACC;
	f->httu = VS_FIELD_GET(IDR0_HTTU, idr0);
	f->asid_bits = (idr0 & IDR0_ASID16) ? 16 : 8;
	f->vmid_bits = (idr0 & IDR0_VMID16) ? 16 : 8;
	ttf = VS_FIELD_GET(IDR0_TTF, idr0);
	end = VS_FIELD_GET(IDR0_TTENDIAN, idr0);
	if (!f->s1 && !f->s2) {
		drv_log(drv, "no translation stage implemented");
		return -ENODEV;
	}
	if (ttf != IDR0_TTF_AARCH64 && ttf != IDR0_TTF_AARCH32_64) {
		drv_log(drv, "AArch64 table format not supported");
		return -ENODEV;
	}
	if (end != IDR0_TTENDIAN_MIXED && end != IDR0_TTENDIAN_LE) {
		drv_log(drv, "little-endian tables not supported");
		return -ENODEV;
	}
	if (idr1 & (IDR1_TABLES_PRESET | IDR1_QUEUES_PRESET | IDR1_REL)) {
		drv_log(drv, "preset tables/queues not supported");
		return -ENODEV;
	}
	f->cmdq_max_shift = VS_FIELD_GET(IDR1_CMDQS, idr1);
	f->evtq_max_shift = VS_FIELD_GET(IDR1_EVTQS, idr1);
	f->ssid_bits = VS_FIELD_GET(IDR1_SSIDSIZE, idr1);
	f->sid_bits = VS_FIELD_GET(IDR1_SIDSIZE, idr1);
	if (f->sid_bits > 32 || f->ssid_bits > 20) {
		drv_log(drv, "IDR1 SIDSIZE/SSIDSIZE out of range");
		return -ENODEV;
	}
	f->ril = idr3 & IDR3_RIL;
	f->oas = arm_smmu_pa_bits(VS_FIELD_GET(IDR5_OAS, idr5));
	if (!f->oas)
		f->oas = 48;
	if (f->oas > vsmmu_mem_pa_bits(drv->mem))
		f->oas = vsmmu_mem_pa_bits(drv->mem);
	f->pgsize_bitmap = 0;
	if (idr5 & IDR5_GRAN4K)
		f->pgsize_bitmap |= (1ULL << 12) | (1ULL << 21) | (1ULL << 30);
	if (idr5 & IDR5_GRAN16K)
		f->pgsize_bitmap |= (1ULL << 14) | (1ULL << 25);
	if (idr5 & IDR5_GRAN64K)
		f->pgsize_bitmap |= (1ULL << 16) | (1ULL << 29);
	if (!f->pgsize_bitmap) {
		drv_log(drv, "no translation granule supported");
		return -ENODEV;
	}

	/* Queue sizes: a full batch plus its sync must fit (as Linux) */
	f->cmdq_shift =
		drv->cfg.cmdq_shift ?
			drv->cfg.cmdq_shift :
			(f->cmdq_max_shift < 10 ? f->cmdq_max_shift : 10);
	f->evtq_shift = drv->cfg.evtq_shift ?
				drv->cfg.evtq_shift :
				(f->evtq_max_shift < 7 ? f->evtq_max_shift : 7);
	if (f->cmdq_shift > f->cmdq_max_shift || f->cmdq_shift < 7 ||
	    f->evtq_shift > f->evtq_max_shift || f->evtq_shift > 19) {
		drv_log(drv, "queue sizes: CMDQS %u EVTQS %u, asked %u %u",
			f->cmdq_max_shift, f->evtq_max_shift, f->cmdq_shift,
			f->evtq_shift);
		return drv->cfg.cmdq_shift || drv->cfg.evtq_shift ? -EINVAL :
								    -ENODEV;
	}
	f->sync_msi = f->msi && !drv->cfg.no_msi;
	/* A PRI queue only for an embedder that handles page requests:
	 * without one, PRIQEN = 0 and the SMMU answers Failure itself */
	if (f->pri && drv->cfg.pri_fn) {
		unsigned int max = VS_FIELD_GET(IDR1_PRIQS, idr1);

		drv->priq_shift = drv->cfg.priq_shift ? drv->cfg.priq_shift :
							(max < 7 ? max : 7);
		if (drv->priq_shift > max || drv->priq_shift > 19) {
			drv_log(drv, "PRI queue size: PRIQS %u, asked %u", max,
				drv->priq_shift);
			return -EINVAL;
		}
	}
	return 0;
}

/* --- Stream table --------------------------------------------------------- */

#define STRTAB_SPLIT 8

int drv_mem_write_entry(struct vsmmu_drv *drv, uint64_t pa,
			const uint64_t *words, unsigned int n)
{
	unsigned int i;
	int rc;

	for (i = 0; i < n; i++) {
		rc = vsmmu_mem_write64(drv->mem, pa + 8 * i, words[i]);
		if (rc)
			return rc;
	}
	return 0;
}

static int init_abort_stes(struct vsmmu_drv *drv, uint64_t pa, unsigned int n)
{
	uint64_t ste[DRV_ENTRY_QWORDS];
	unsigned int i;
	int rc;

	drv_make_abort_ste(ste);
	for (i = 0; i < n; i++) {
		rc = vsmmu_mem_write64(drv->mem, pa + (uint64_t)i * 64, ste[0]);
		if (rc)
			return rc;
	}
	return 0;
}

static int init_strtab(struct vsmmu_drv *drv)
{
	struct vsmmu_drv_features *f = &drv->feat;
	unsigned int bits = drv->cfg.max_sid_bits ? drv->cfg.max_sid_bits : 16;
	uint64_t size;
	int rc;

	if (bits > f->sid_bits)
		bits = f->sid_bits;
	if (bits > 24)
		bits = 24;
	f->st_log2size = bits;
	if (f->st_2lvl && bits > STRTAB_SPLIT) {
		f->st_is_2lvl = true;
		drv->l1_ents = 1U << (bits - STRTAB_SPLIT);
		size = (uint64_t)drv->l1_ents * 8;
		if (size < 64)
			size = 64;
		drv->l2 = calloc(drv->l1_ents, sizeof(*drv->l2));
		if (!drv->l2)
			return -ENOMEM;
	} else {
		size = 64ULL << bits;
	}
	/* Aligned to its size: the SMMU ignores the low address bits */
	rc = vsmmu_mem_pool_alloc(drv->cfg.pool, size, size, &drv->strtab);
	if (rc)
		return rc;
	drv->strtab_size = size;
	if (!f->st_is_2lvl)
		return init_abort_stes(drv, drv->strtab, 1U << bits);
	return 0; /* pool memory is zero: every L1 descriptor invalid */
}

uint64_t drv_ste_pa(struct vsmmu_drv *drv, uint32_t sid)
{
	if (!drv->feat.st_is_2lvl)
		return drv->strtab + (uint64_t)sid * 64;
	return drv->l2[sid >> STRTAB_SPLIT] +
	       (uint64_t)(sid & ((1U << STRTAB_SPLIT) - 1)) * 64;
}

/*
 * Give @sid's level-1 descriptor a level-2 table of abort STEs.  The L2
 * table is complete before the descriptor that publishes it is written
 * (Span = SPLIT + 1, 2^8 STEs).
 */
int drv_ensure_l2(struct vsmmu_drv *drv, uint32_t sid)
{
	unsigned int i = sid >> STRTAB_SPLIT;
	uint64_t size = 64ULL << STRTAB_SPLIT, pa;
	int rc = 0;

	if (!drv->feat.st_is_2lvl)
		return 0;
	pthread_mutex_lock(&drv->st_lock);
	if (drv->l2[i])
		goto out;
	rc = vsmmu_mem_pool_alloc(drv->cfg.pool, size, size, &pa);
	if (rc)
		goto out;
	rc = init_abort_stes(drv, pa, 1U << STRTAB_SPLIT);
	if (!rc)
		rc = vsmmu_mem_write64(
			drv->mem, drv->strtab + (uint64_t)i * 8,
			VS_FIELD_PREP(STRTAB_L1_DESC_SPAN, STRTAB_SPLIT + 1) |
				(pa & STRTAB_L1_DESC_L2PTR_MASK));
	if (rc) {
		vsmmu_mem_pool_free(drv->cfg.pool, pa, size);
		goto out;
	}
	drv->l2[i] = pa;
out:
	pthread_mutex_unlock(&drv->st_lock);
	return rc;
}

/* --- Create, enable, disable, destroy ------------------------------------- */

int vsmmu_drv_create(const struct vsmmu_drv_config *cfg, struct vsmmu_drv **out)
{
	struct vsmmu_drv *drv;
	uint64_t qbytes;
	int rc;

	if (!cfg || !out || !cfg->ops || !cfg->ops->read || !cfg->ops->write ||
	    !cfg->pool)
		return -EINVAL;
	drv = calloc(1, sizeof(*drv));
	if (!drv)
		return -ENOMEM;
	drv->cfg = *cfg;
	if (!drv->cfg.timeout_ns)
		drv->cfg.timeout_ns = 1000000000ULL;
	drv->mem = vsmmu_mem_pool_mem(cfg->pool);
	pthread_mutex_init(&drv->st_lock, NULL);
	pthread_mutex_init(&drv->evtq_lock, NULL);
	pthread_mutex_init(&drv->priq_lock, NULL);
	pthread_mutex_init(&drv->err_lock, NULL);
	pthread_mutex_init(&drv->obj_lock, NULL);

	rc = probe(drv);
	if (rc)
		goto out_free;
	rc = drv_ids_init(&drv->asids, drv->feat.asid_bits);
	if (rc)
		goto out_free;
	rc = drv_ids_init(&drv->vmids, drv->feat.vmid_bits);
	if (rc)
		goto out_asids;
	rc = init_strtab(drv);
	if (rc)
		goto out_vmids;

	qbytes = 16ULL << drv->feat.cmdq_shift;
	if (cfg->cmdq_base) {
		drv->cmdq_own = false;
		rc = drv_cmdq_init(&drv->cmdq, drv->mem, cfg->cmdq_base,
				   drv->feat.cmdq_shift);
	} else {
		uint64_t pa;

		rc = vsmmu_mem_pool_alloc(cfg->pool, qbytes, qbytes, &pa);
		if (rc)
			goto out_strtab;
		drv->cmdq_own = true;
		rc = drv_cmdq_init(&drv->cmdq, drv->mem, pa,
				   drv->feat.cmdq_shift);
		if (rc)
			vsmmu_mem_pool_free(cfg->pool, pa, qbytes);
	}
	if (rc)
		goto out_strtab;
	drv->evtq_shift = drv->feat.evtq_shift;
	qbytes = 32ULL << drv->evtq_shift;
	rc = vsmmu_mem_pool_alloc(cfg->pool, qbytes, qbytes < 32 ? 32 : qbytes,
				  &drv->evtq_base);
	if (rc)
		goto out_cmdq;
	if (drv->feat.pri && drv->cfg.pri_fn) {
		qbytes = 16ULL << drv->priq_shift;
		rc = vsmmu_mem_pool_alloc(cfg->pool, qbytes,
					  qbytes < 32 ? 32 : qbytes,
					  &drv->priq_base);
		if (rc) {
			vsmmu_mem_pool_free(cfg->pool, drv->evtq_base,
					    32ULL << drv->evtq_shift);
			goto out_cmdq;
		}
	}

	drv->be = (struct drv_cmdq_backend){
		.mem = drv->mem,
		.read_cons = be_read_cons,
		.write_prod = be_write_prod,
		.poll_errors = be_poll_errors,
		.ctx = drv,
		.msi = drv->feat.sync_msi,
		.timeout_ns = drv->cfg.timeout_ns,
		.stat_cmds = &drv->st.cmds,
		.stat_syncs = &drv->st.syncs,
		.stat_prod_writes = &drv->st.prod_writes,
		.stat_timeouts = &drv->st.timeouts,
		.stat_mem_errors = &drv->st.mem_errors,
	};
	drv->main_ref = (struct drv_qref){ .q = &drv->cmdq,
					   .be = &drv->be,
					   .lidx = -1 };
	if (cfg->cmdqv_ops) {
		rc = drv_cmdqv_create(drv);
		if (rc) {
			if (drv->priq_base)
				vsmmu_mem_pool_free(cfg->pool, drv->priq_base,
						    16ULL << drv->priq_shift);
			vsmmu_mem_pool_free(cfg->pool, drv->evtq_base,
					    32ULL << drv->evtq_shift);
			goto out_cmdq;
		}
	}
	*out = drv;
	return 0;

out_cmdq:
	if (drv->cmdq_own)
		vsmmu_mem_pool_free(cfg->pool, drv->cmdq.base,
				    16ULL << drv->feat.cmdq_shift);
	drv_cmdq_fini(&drv->cmdq);
out_strtab:
	vsmmu_mem_pool_free(cfg->pool, drv->strtab, drv->strtab_size);
	free(drv->l2);
out_vmids:
	drv_ids_fini(&drv->vmids);
out_asids:
	drv_ids_fini(&drv->asids);
out_free:
	pthread_mutex_destroy(&drv->obj_lock);
	pthread_mutex_destroy(&drv->err_lock);
	pthread_mutex_destroy(&drv->priq_lock);
	pthread_mutex_destroy(&drv->evtq_lock);
	pthread_mutex_destroy(&drv->st_lock);
	free(drv);
	return rc;
}

const struct vsmmu_drv_features *
vsmmu_drv_get_features(const struct vsmmu_drv *drv)
{
	return &drv->feat;
}

static int invalidate_all(struct vsmmu_drv *drv)
{
	struct vsmmu_drv_batch b;
	struct vsmmu_drv_cmd c = { .opcode = CMDQ_OP_CFGI_STE_RANGE,
				   .range = CMDQ_CFGI_1_RANGE_ALL };
	int rc;

	/* Configuration first, then the TLBs (Linux's order) */
	vsmmu_drv_batch_init(&b);
	vsmmu_drv_batch_add(drv, &b, &c);
	rc = vsmmu_drv_batch_submit(drv, &b, true);
	if (rc)
		return rc;
	if (drv->feat.hyp && drv->feat.s1) {
		c = (struct vsmmu_drv_cmd){ .opcode = CMDQ_OP_TLBI_EL2_ALL };
		vsmmu_drv_batch_add(drv, &b, &c);
	}
	c = (struct vsmmu_drv_cmd){ .opcode = CMDQ_OP_TLBI_NSNH_ALL };
	vsmmu_drv_batch_add(drv, &b, &c);
	return vsmmu_drv_batch_submit(drv, &b, true);
}

int vsmmu_drv_enable(struct vsmmu_drv *drv)
{
	const uint32_t attrs = VS_FIELD_PREP(CR1_TABLE_SH, ARM_LPAE_PTE_SH_IS) |
			       VS_FIELD_PREP(CR1_TABLE_OC, 1) |
			       VS_FIELD_PREP(CR1_TABLE_IC, 1) |
			       VS_FIELD_PREP(CR1_QUEUE_SH, ARM_LPAE_PTE_SH_IS) |
			       VS_FIELD_PREP(CR1_QUEUE_OC, 1) |
			       VS_FIELD_PREP(CR1_QUEUE_IC, 1);
	uint32_t cr0, enables, irqs;
	uint64_t cfg;
	int rc;

	/* Quiesce whatever state the SMMU was left in */
	rc = drv_read32(drv, ARM_SMMU_CR0, &cr0);
	if (rc)
		return rc;
	if (cr0 & CR0_SMMUEN) {
		drv_log(drv, "SMMU currently enabled: resetting");
		rc = update_gbpa(drv, GBPA_ABORT, 0);
		if (rc)
			return rc;
	}
	rc = write_cr0(drv, 0);
	if (rc)
		return rc;
	drv->enabled = false;

	rc = drv_write32(drv, ARM_SMMU_CR1, attrs);
	if (!rc)
		rc = drv_write32(drv, ARM_SMMU_CR2, CR2_PTM | CR2_RECINVSID);
	if (rc)
		return rc;

	/* Stream table */
	if (drv->feat.st_is_2lvl)
		cfg = VS_FIELD_PREP(STRTAB_BASE_CFG_FMT,
				    STRTAB_BASE_CFG_FMT_2LVL) |
		      VS_FIELD_PREP(STRTAB_BASE_CFG_SPLIT, STRTAB_SPLIT);
	else
		cfg = VS_FIELD_PREP(STRTAB_BASE_CFG_FMT,
				    STRTAB_BASE_CFG_FMT_LINEAR);
	cfg |= VS_FIELD_PREP(STRTAB_BASE_CFG_LOG2SIZE, drv->feat.st_log2size);
	rc = drv_write64(drv, ARM_SMMU_STRTAB_BASE,
			 STRTAB_BASE_RA |
				 (drv->strtab & STRTAB_BASE_ADDR_MASK));
	if (!rc)
		rc = drv_write32(drv, ARM_SMMU_STRTAB_BASE_CFG, (uint32_t)cfg);
	if (rc)
		return rc;

	/* Stale global errors would keep the new queue halted */
	rc = drv_read32(drv, ARM_SMMU_GERROR, &cr0);
	if (!rc)
		rc = drv_write32(drv, ARM_SMMU_GERRORN, cr0);
	if (rc)
		return rc;

	/* Command queue */
	drv_cmdq_reset(&drv->cmdq);
	drv->abt_count = 0;
	rc = drv_write64(drv, ARM_SMMU_CMDQ_BASE,
			 Q_BASE_RWA | (drv->cmdq.base & Q_BASE_ADDR_MASK) |
				 VS_FIELD_PREP(Q_BASE_LOG2SIZE,
					       drv->cmdq.shift));
	if (!rc)
		rc = drv_write32(drv, ARM_SMMU_CMDQ_PROD, 0);
	if (!rc)
		rc = drv_write32(drv, ARM_SMMU_CMDQ_CONS, 0);
	if (rc)
		return rc;
	enables = CR0_CMDQEN;
	rc = write_cr0(drv, enables);
	if (rc)
		return rc;

	rc = invalidate_all(drv);
	if (rc) {
		drv_log(drv, "initial invalidation failed: %d", rc);
		return rc;
	}

	/* CMDQV: VINTF0 and its LVCMDQs (the main queue stays the fallback) */
	if (drv->cmdqv) {
		rc = drv_cmdqv_enable(drv);
		if (rc)
			return rc;
	}

	/* Event queue, then the PRI queue if there is a handler for it */
	rc = enable_out_queue(drv, ARM_SMMU_EVTQ_BASE, drv->evtq_base,
			      drv->evtq_shift, CR0_EVTQEN, &enables);
	if (!rc && drv->priq_base)
		rc = enable_out_queue(drv, ARM_SMMU_PRIQ_BASE, drv->priq_base,
				      drv->priq_shift, CR0_PRIQEN, &enables);
	if (rc)
		return rc;
	if (drv->feat.ats) {
		enables |= CR0_ATSCHK;
		rc = write_cr0(drv, enables);
		if (rc)
			return rc;
	}

	/* Interrupts: wired (CFG0 = 0), errors and events */
	rc = drv_write32(drv, ARM_SMMU_IRQ_CTRL, 0);
	if (!rc)
		rc = poll_reg(drv, ARM_SMMU_IRQ_CTRLACK, 0x7, 0);
	if (!rc && drv->feat.msi) {
		rc = drv_write64(drv, ARM_SMMU_GERROR_IRQ_CFG0, 0);
		if (!rc)
			rc = drv_write64(drv, ARM_SMMU_EVTQ_IRQ_CFG0, 0);
		if (!rc && drv->priq_base)
			rc = drv_write64(drv, ARM_SMMU_PRIQ_IRQ_CFG0, 0);
	}
	irqs = IRQ_CTRL_GERROR_IRQEN | IRQ_CTRL_EVTQ_IRQEN |
	       (drv->priq_base ? IRQ_CTRL_PRIQ_IRQEN : 0);
	if (!rc)
		rc = drv_write32(drv, ARM_SMMU_IRQ_CTRL, irqs);
	if (!rc)
		rc = poll_reg(drv, ARM_SMMU_IRQ_CTRLACK, 0x7, irqs);
	if (rc)
		return rc;

	/* What a later disable leaves: abort (or bypass) */
	rc = update_gbpa(drv, drv->cfg.bypass_when_disabled ? 0 : GBPA_ABORT,
			 drv->cfg.bypass_when_disabled ? GBPA_ABORT : 0);
	if (rc)
		return rc;
	enables |= CR0_SMMUEN;
	rc = write_cr0(drv, enables);
	if (rc)
		return rc;
	drv->enabled = true;
	return 0;
}

int vsmmu_drv_disable(struct vsmmu_drv *drv)
{
	int rc;

	if (drv->cmdqv)
		drv_cmdqv_disable(drv);
	rc = write_cr0(drv, 0);

	drv->enabled = false;
	if (rc)
		return rc;
	return update_gbpa(drv, drv->cfg.bypass_when_disabled ? 0 : GBPA_ABORT,
			   drv->cfg.bypass_when_disabled ? GBPA_ABORT : 0);
}

void vsmmu_drv_destroy(struct vsmmu_drv *drv)
{
	unsigned int i;

	if (!drv)
		return;
	drv_master_destroy_all(drv);
	if (drv->enabled)
		vsmmu_drv_disable(drv);
	if (drv->cmdqv)
		drv_cmdqv_destroy(drv);
	if (drv->l2) {
		for (i = 0; i < drv->l1_ents; i++)
			if (drv->l2[i])
				vsmmu_mem_pool_free(drv->cfg.pool, drv->l2[i],
						    64ULL << STRTAB_SPLIT);
		free(drv->l2);
	}
	vsmmu_mem_pool_free(drv->cfg.pool, drv->strtab, drv->strtab_size);
	vsmmu_mem_pool_free(drv->cfg.pool, drv->evtq_base,
			    32ULL << drv->evtq_shift);
	if (drv->priq_base)
		vsmmu_mem_pool_free(drv->cfg.pool, drv->priq_base,
				    16ULL << drv->priq_shift);
	if (drv->cmdq_own)
		vsmmu_mem_pool_free(drv->cfg.pool, drv->cmdq.base,
				    16ULL << drv->cmdq.shift);
	drv_cmdq_fini(&drv->cmdq);
	drv_ids_fini(&drv->vmids);
	drv_ids_fini(&drv->asids);
	pthread_mutex_destroy(&drv->obj_lock);
	pthread_mutex_destroy(&drv->err_lock);
	pthread_mutex_destroy(&drv->priq_lock);
	pthread_mutex_destroy(&drv->evtq_lock);
	pthread_mutex_destroy(&drv->st_lock);
	free(drv);
}

void vsmmu_drv_get_stats(struct vsmmu_drv *drv, struct vsmmu_drv_stats *s)
{
	memset(s, 0, sizeof(*s));
	s->cmds = atomic_load(&drv->st.cmds);
	s->syncs = atomic_load(&drv->st.syncs);
	s->prod_writes = atomic_load(&drv->st.prod_writes);
	s->cerror_ill = atomic_load(&drv->st.ill);
	s->cerror_abt = atomic_load(&drv->st.abt);
	s->cerror_atc_inv = atomic_load(&drv->st.atc);
	s->gerror_other = atomic_load(&drv->st.other);
	s->timeouts = atomic_load(&drv->st.timeouts);
	s->events = atomic_load(&drv->st.events);
	s->evtq_overflows = atomic_load(&drv->st.overflows);
	s->ste_writes = atomic_load(&drv->st.ste_writes);
	s->cd_writes = atomic_load(&drv->st.cd_writes);
	s->tlbi_range_cmds = atomic_load(&drv->st.tlbi_range);
	s->flushes = atomic_load(&drv->st.flushes);
	s->mem_errors = atomic_load(&drv->st.mem_errors);
	s->pprs = atomic_load(&drv->st.pprs);
	s->pri_resps = atomic_load(&drv->st.pri_resps);
	s->priq_overflows = atomic_load(&drv->st.priq_overflows);
	s->atc_inv_cmds = atomic_load(&drv->st.atc_inv);
	s->cmdq_prod = llq_prod_of(&drv->cmdq);
	if (drv->cmdqv) {
		unsigned int i;

		/* Totals over every queue; per queue: vsmmu_drv_queue_get_stats */
		for (i = 0; i < drv->cmdqv->nq; i++) {
			struct drv_vcmdq *vq = &drv->cmdqv->vq[i];

			s->cmds += atomic_load(&vq->st.cmds);
			s->syncs += atomic_load(&vq->st.syncs);
			s->prod_writes += atomic_load(&vq->st.prod_writes);
			s->cerror_ill += atomic_load(&vq->st.ill);
			s->cerror_abt += atomic_load(&vq->st.abt);
			s->cerror_atc_inv += atomic_load(&vq->st.atc);
			s->timeouts += atomic_load(&vq->st.timeouts);
			s->mem_errors += atomic_load(&vq->st.mem_errors);
		}
	}
}
