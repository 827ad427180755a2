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
 */
#include <errno.h>
#include <string.h>

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
	const unsigned int known = VSMMU_IOMMUFD_DMA_WRITE |
				   VSMMU_IOMMUFD_DMA_PRIV |
				   VSMMU_IOMMUFD_DMA_PASID;
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
	if (op->sid_index >= dev->nsids) {
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
	while (op->done < op->len) {
		uint64_t iova = op->iova + op->done;
		size_t n = PG - (iova & (PG - 1));
		struct vsmmu_txn_result res;
		unsigned char *b = (unsigned char *)op->buf + op->done;

		if (n > op->len - op->done)
			n = op->len - op->done;
		txn.addr = iova;
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
