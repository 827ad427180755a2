// SPDX-License-Identifier: MIT
/*
 * The simulated endpoint and the doorbell model.
 *
 * A bound device does DMA the way a PCIe function does without ATS: each
 * transaction carries one of its StreamIDs (and a PASID if asked), the
 * SMMU model translates it (vsmmu_translate(), lock-free on a TLB hit),
 * and the bytes go to or come from the physical address it gave: the
 * model's memory (for IOAS mappings, the caller's own pages), or the
 * doorbell.  The doorbell stands for a GICv3 ITS translation frame at
 * ctx->doorbell_pa: a 32-bit write to its GITS_TRANSLATER (offset 0x40)
 * records an interrupt whose DeviceID is the writer's StreamID and whose
 * EventID is the data; other writes to the frame are ignored and reads
 * return zeros, as for the rest of an ITS frame.  The DMA takes no lock
 * of the context, so it runs alongside maps and unmaps of other IOVAs.
 *
 * With VSMMU_IOMMUFD_DMA_PRI the endpoint is an ATS and PRI one: each
 * page is a Translation Request, then a Translated access at the address
 * the completion gave; a completion without the needed permission makes
 * it send a page request (a group of one, Last = 1, its own group index)
 * and wait for the PRG response, which the context receives from the
 * SMMU model (vsmmu_smmu_set_pri_resp_handler) and hands to the waiter.
 * The endpoint caches no completion (no ATC), so an ATC_INV has nothing
 * to drop and each access asks afresh.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include <vsmmu/bits.h>

#include "iommufd/ifd.h"

#define PG VSMMU_MEM_PAGE_SIZE

void ifd_doorbell_record(struct ifd_ctx *ctx, uint32_t devid, uint32_t eventid)
{
	unsigned int slot;

	pthread_mutex_lock(&ctx->irq_lock);
	if (ctx->irq_count == IFD_DOORBELL_RING) {
		ctx->irq_head = (ctx->irq_head + 1) % IFD_DOORBELL_RING;
		ctx->irq_count--;
		ctx->irq_lost++;
	}
	slot = (ctx->irq_head + ctx->irq_count) % IFD_DOORBELL_RING;
	ctx->irqs[slot].devid = devid;
	ctx->irqs[slot].eventid = eventid;
	ctx->irq_count++;
	pthread_mutex_unlock(&ctx->irq_lock);
}

unsigned int vsmmu_iommufd_doorbell_take(struct vsmmu_iommufd_ctx *uctx,
					 struct vsmmu_iommufd_irq *out,
					 unsigned int max, uint64_t *lost)
{
	struct ifd_ctx *ctx = (struct ifd_ctx *)uctx;
	unsigned int n = 0;

	if (!ctx)
		return 0;
	pthread_mutex_lock(&ctx->irq_lock);
	while (n < max && ctx->irq_count && out) {
		out[n++] = ctx->irqs[ctx->irq_head];
		ctx->irq_head = (ctx->irq_head + 1) % IFD_DOORBELL_RING;
		ctx->irq_count--;
	}
	if (lost) {
		*lost = ctx->irq_lost;
		ctx->irq_lost = 0;
	}
	pthread_mutex_unlock(&ctx->irq_lock);
	return n;
}

/* --- PRG responses ------------------------------------------------------------ */

static void pri_resp(void *arg, const struct vsmmu_pri_resp *r)
{
	struct ifd_host *h = arg;
	struct ifd_ctx *ctx = h->ctx;
	struct ifd_pri_wait *w;

	pthread_mutex_lock(&ctx->pri_lock);
	for (w = ctx->pri_waiters; w; w = w->next) {
		if (w->host != h || w->done || w->sid != r->sid ||
		    w->prgi != r->prgi)
			continue;
		/* A response carries the PASID only when the request did
		 * and the SMMU says so (PPAR/PPS): match what it has */
		if (r->ssv && (!w->ssv || w->ssid != r->ssid))
			continue;
		w->done = true;
		w->code = r->code;
		break;
	}
	pthread_cond_broadcast(&ctx->pri_cond);
	pthread_mutex_unlock(&ctx->pri_lock);
}

void ifd_pri_init_ctx(struct ifd_ctx *ctx)
{
	unsigned int i;

	pthread_mutex_init(&ctx->pri_lock, NULL);
	pthread_cond_init(&ctx->pri_cond, NULL);
	for (i = 0; i < ctx->nhosts; i++)
		vsmmu_smmu_set_pri_resp_handler(ctx->hosts[i].smmu, pri_resp,
						&ctx->hosts[i]);
}

void ifd_pri_fini_ctx(struct ifd_ctx *ctx)
{
	unsigned int i;

	/* Waits for running handlers; endpoints are gone (no DMA may run
	 * while the context is destroyed) */
	for (i = 0; i < ctx->nhosts; i++)
		vsmmu_smmu_set_pri_resp_handler(ctx->hosts[i].smmu, NULL, NULL);
	pthread_cond_destroy(&ctx->pri_cond);
	pthread_mutex_destroy(&ctx->pri_lock);
}

/*
 * Ask for the page at @txn->addr and wait for the response: 0 and *@code,
 * or -ETIMEDOUT.  -EINVAL from the model (a bad request).
 */
static int page_request(struct ifd_ctx *ctx, struct ifd_device *dev,
			const struct vsmmu_txn *txn, uint64_t wait_ns,
			unsigned int *code)
{
	struct ifd_pri_wait w = { 0 }, **pp;
	struct vsmmu_pri_req req = { 0 };
	enum vsmmu_pri_outcome out;
	struct timespec dl;
	int rc = 0;

	req.sid = txn->sid;
	req.ssv = txn->ssv;
	req.ssid = txn->ssid;
	req.addr = txn->addr & ~(PG - 1);
	req.perm = (txn->flags & VSMMU_TXN_WRITE) ?
			   VSMMU_PRI_READ | VSMMU_PRI_WRITE :
			   VSMMU_PRI_READ;
	if (txn->ssv && (txn->flags & VSMMU_TXN_PRIV))
		req.perm |= VSMMU_PRI_PRIV;
	req.prgi = atomic_fetch_add(&dev->next_prgi, 1) % 512;
	req.last = true;
	w.host = dev->host;
	w.sid = req.sid;
	w.ssv = req.ssv;
	w.ssid = req.ssid;
	w.prgi = req.prgi;
	/* Waiting before asking: the answer may come at once (automatic) */
	pthread_mutex_lock(&ctx->pri_lock);
	w.next = ctx->pri_waiters;
	ctx->pri_waiters = &w;
	pthread_mutex_unlock(&ctx->pri_lock);
	rc = vsmmu_smmu_page_request(dev->host->smmu, &req, &out);
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += (time_t)(wait_ns / 1000000000ULL);
	dl.tv_nsec += (long)(wait_ns % 1000000000ULL);
	if (dl.tv_nsec >= 1000000000L) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&ctx->pri_lock);
	while (!rc && !w.done)
		if (pthread_cond_timedwait(&ctx->pri_cond, &ctx->pri_lock,
					   &dl) == ETIMEDOUT &&
		    !w.done)
			rc = -ETIMEDOUT;
	for (pp = &ctx->pri_waiters; *pp != &w; pp = &(*pp)->next)
		;
	*pp = w.next;
	pthread_mutex_unlock(&ctx->pri_lock);
	*code = w.code;
	return rc;
}

/*
 * One page through ATS (and PRI): the translated address in *@oa.
 * Return: 0, 1 (ATS is off for the stream: go untranslated), -EFAULT
 * (refused), -ETIMEDOUT, -EIO (a Completer Abort, or the Translated
 * access aborted).
 */
static int ats_page(struct ifd_ctx *ctx, struct ifd_device *dev,
		    struct vsmmu_txn *txn, struct vsmmu_iommufd_dma *op,
		    uint64_t *oa)
{
	unsigned int need = txn->flags & (VSMMU_TXN_READ | VSMMU_TXN_WRITE);
	uint64_t wait = op->pri_wait_ns ? op->pri_wait_ns : 2000000000ULL;
	struct vsmmu_ats_result ar;
	struct vsmmu_txn_result res;
	unsigned int attempt, code;
	int rc;

	if (!need)
		need = VSMMU_TXN_READ;
	for (attempt = 0; attempt < 4; attempt++) {
		rc = vsmmu_smmu_ats_translate(dev->host->smmu, txn, &ar);
		if (rc)
			return rc;
		if (ar.status == VSMMU_ATS_UR)
			return 1;
		if (ar.status != VSMMU_ATS_SUCCESS)
			return -EIO;
		if ((ar.perm & need) == need) {
			struct vsmmu_txn t = *txn;

			t.addr = ar.addr |
				 (txn->addr & ((1ULL << ar.page_shift) - 1));
			rc = vsmmu_smmu_ats_translated(dev->host->smmu, &t,
						       &res);
			if (rc)
				return rc;
			if (res.outcome != VSMMU_TXN_OK)
				return -EIO;
			*oa = res.oa;
			return 0;
		}
		rc = page_request(ctx, dev, txn, wait, &code);
		op->pri_requests++;
		if (rc)
			return rc;
		op->pri_response = (int)code;
		if (code != VSMMU_PRI_RESP_SUCCESS)
			return -EFAULT;
	}
	return -EFAULT; /* granted, yet still refused: give up */
}

/* A device access to the doorbell frame at offset @off. */
static void doorbell_access(struct ifd_ctx *ctx, uint32_t sid, uint64_t off,
			    void *buf, size_t len, bool write)
{
	if (!write) {
		memset(buf, 0, len);
		return;
	}
	if (off == VSMMU_IOMMUFD_GITS_TRANSLATER && len == 4) {
		const unsigned char *b = buf;

		ifd_doorbell_record(ctx, sid,
				    (uint32_t)b[0] | (uint32_t)b[1] << 8 |
					    (uint32_t)b[2] << 16 |
					    (uint32_t)b[3] << 24);
	}
}

int vsmmu_iommufd_dma(struct vsmmu_iommufd_ctx *uctx, uint32_t dev_id,
		      struct vsmmu_iommufd_dma *op)
{
	const unsigned int known =
		VSMMU_IOMMUFD_DMA_WRITE | VSMMU_IOMMUFD_DMA_PRIV |
		VSMMU_IOMMUFD_DMA_PASID | VSMMU_IOMMUFD_DMA_PRI;
	struct ifd_ctx *ctx = (struct ifd_ctx *)uctx;
	struct ifd_device *dev;
	struct vsmmu_txn txn = { 0 };
	bool write;
	int rc = 0;

	if (!ctx || !op || (op->len && !op->buf) || (op->flags & ~known) ||
	    ((op->flags & VSMMU_IOMMUFD_DMA_PASID) && op->pasid >> 20) ||
	    op->iova + op->len < op->iova)
		return -EINVAL;
	dev = ifd_device_get(ctx, dev_id);
	if (!dev)
		return -ENOENT;
	if (op->sid_index >= dev->nsids ||
	    ((op->flags & VSMMU_IOMMUFD_DMA_PRI) && !(dev->ats && dev->pri))) {
		rc = -EINVAL;
		goto out;
	}
	write = op->flags & VSMMU_IOMMUFD_DMA_WRITE;
	txn.sid = dev->sids[op->sid_index];
	txn.ssv = op->flags & VSMMU_IOMMUFD_DMA_PASID;
	txn.ssid = txn.ssv ? op->pasid : 0;
	txn.flags = (write ? VSMMU_TXN_WRITE : VSMMU_TXN_READ) |
		    ((op->flags & VSMMU_IOMMUFD_DMA_PRIV) ? VSMMU_TXN_PRIV : 0);
	op->done = 0;
	op->event_recorded = false;
	op->stalled = false;
	op->pri_requests = 0;
	op->pri_response = -1;
	while (op->done < op->len) {
		uint64_t iova = op->iova + op->done;
		size_t n = PG - (iova & (PG - 1));
		struct vsmmu_txn_result res;
		unsigned char *b = (unsigned char *)op->buf + op->done;

		if (n > op->len - op->done)
			n = op->len - op->done;
		txn.addr = iova;
		if (op->flags & VSMMU_IOMMUFD_DMA_PRI) {
			rc = ats_page(ctx, dev, &txn, op, &res.oa);
			if (rc < 0)
				break;
			if (!rc)
				goto access;
		}
		rc = vsmmu_translate(dev->host->smmu, &txn, &res);
		if (rc)
			break;
		if (res.outcome == VSMMU_TXN_TERMINATED) {
			rc = -EIO;
			break;
		}
		if (res.outcome == VSMMU_TXN_FAULT && res.held) {
			enum vsmmu_stall_resp r = VSMMU_STALL_PENDING;
			int w = vsmmu_smmu_stall_wait(dev->host->smmu, txn.sid,
						      res.stag,
						      op->stall_wait_ns, &r);

			if (!w && r == VSMMU_STALL_RETRY)
				continue; /* the page again */
			if (!w && r == VSMMU_STALL_RAZWI) {
				if (!write)
					memset(b, 0, n);
				op->done += n;
				continue;
			}
			memcpy(op->evt, res.evt, sizeof(op->evt));
			op->event_recorded = res.recorded;
			op->stalled = true;
			rc = w == -ETIMEDOUT ? -ETIMEDOUT : -EFAULT;
			break;
		}
		if (res.outcome == VSMMU_TXN_FAULT) {
			memcpy(op->evt, res.evt, sizeof(op->evt));
			op->event_recorded = res.recorded;
			op->stalled = res.stall;
			rc = -EFAULT;
			break;
		}
access:
		if (res.oa >= ctx->doorbell_pa &&
		    res.oa - ctx->doorbell_pa < VSMMU_IOMMUFD_DOORBELL_FRAME) {
			doorbell_access(ctx, txn.sid, res.oa - ctx->doorbell_pa,
					b, n, write);
		} else if (write ? vsmmu_mem_write(ctx->mem, res.oa, b, n) :
				   vsmmu_mem_read(ctx->mem, res.oa, b, n)) {
			rc = -EIO; /* no memory there: an external abort */
			break;
		}
		op->done += n;
	}
out:
	ifd_obj_put(&dev->obj);
	return rc;
}

int vsmmu_iommufd_msi_addr(struct vsmmu_iommufd_ctx *uctx, uint32_t dev_id,
			   uint64_t *addr)
{
	struct ifd_ctx *ctx = (struct ifd_ctx *)uctx;
	struct ifd_device *dev;
	int rc = 0;

	if (!ctx || !addr)
		return -EINVAL;
	dev = ifd_device_get(ctx, dev_id);
	if (!dev)
		return -ENOENT;
	pthread_mutex_lock(&dev->lock);
	if (dev->msi_valid)
		*addr = dev->msi_addr;
	else
		rc = -ENODEV;
	pthread_mutex_unlock(&dev->lock);
	ifd_obj_put(&dev->obj);
	return rc;
}

int vsmmu_iommufd_set_msi_addr(struct vsmmu_iommufd_ctx *uctx, uint32_t dev_id,
			       uint64_t addr)
{
	struct ifd_ctx *ctx = (struct ifd_ctx *)uctx;
	struct ifd_device *dev;

	if (!ctx || (addr & 3))
		return -EINVAL;
	dev = ifd_device_get(ctx, dev_id);
	if (!dev)
		return -ENOENT;
	pthread_mutex_lock(&dev->lock);
	dev->msi_addr = addr;
	dev->msi_valid = true;
	pthread_mutex_unlock(&dev->lock);
	ifd_obj_put(&dev->obj);
	return 0;
}

int vsmmu_iommufd_msi(struct vsmmu_iommufd_ctx *ctx, uint32_t dev_id,
		      uint32_t eventid)
{
	struct vsmmu_iommufd_dma op = { 0 };
	unsigned char data[4] = { (unsigned char)eventid,
				  (unsigned char)(eventid >> 8),
				  (unsigned char)(eventid >> 16),
				  (unsigned char)(eventid >> 24) };
	int rc;

	rc = vsmmu_iommufd_msi_addr(ctx, dev_id, &op.iova);
	if (rc)
		return rc;
	op.buf = data;
	op.len = sizeof(data);
	op.flags = VSMMU_IOMMUFD_DMA_WRITE;
	return vsmmu_iommufd_dma(ctx, dev_id, &op);
}
