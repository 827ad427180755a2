// SPDX-License-Identifier: MIT
/*
 * The routing of devices' events: bound StreamIDs by (host, StreamID),
 * sorted, under ctx->route_lock; each with what its device is attached to
 * now (the FAULT queue of its HWPT and of each PASID's HWPT, the vIOMMU
 * and vSID of a nested attachment).  device.c and pasid.c keep it up to
 * date; eventq.c reads it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "iommufd/ifd.h"

static int route_cmp(unsigned int host, uint32_t sid, const struct ifd_route *r)
{
	if (host != r->host)
		return host < r->host ? -1 : 1;
	return sid < r->sid ? -1 : sid > r->sid;
}

static size_t route_lower(struct ifd_ctx *ctx, unsigned int host, uint32_t sid)
{
	size_t lo = 0, hi = ctx->nroutes;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (route_cmp(host, sid, &ctx->routes[mid]) > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Add @dev's StreamIDs; -EBUSY if one is routed already. */
int ifd_routes_add(struct ifd_device *dev)
{
	struct ifd_ctx *ctx = dev->obj.ctx;
	struct ifd_route *r;
	unsigned int i;
	size_t pos;
	int rc = 0;

	pthread_rwlock_wrlock(&ctx->route_lock);
	if (ctx->nroutes + dev->nsids > ctx->route_cap) {
		size_t n = (ctx->nroutes + dev->nsids) * 2;

		r = ifd_realloc(ctx, ctx->routes, n, sizeof(*r));
		if (!r) {
			rc = -ENOMEM;
			goto out;
		}
		ctx->routes = r;
		ctx->route_cap = n;
	}
	for (i = 0; i < dev->nsids; i++) {
		pos = route_lower(ctx, dev->host->index, dev->sids[i]);
		if (pos < ctx->nroutes &&
		    !route_cmp(dev->host->index, dev->sids[i],
			       &ctx->routes[pos])) {
			rc = -EBUSY;
			break;
		}
		memmove(&ctx->routes[pos + 1], &ctx->routes[pos],
			(ctx->nroutes - pos) * sizeof(*r));
		ctx->routes[pos] = (struct ifd_route){
			.host = dev->host->index,
			.sid = dev->sids[i],
			.dev = dev,
		};
		ctx->nroutes++;
	}
	if (rc) {
		/* Take back the ones added */
		while (i--) {
			pos = route_lower(ctx, dev->host->index, dev->sids[i]);
			memmove(&ctx->routes[pos], &ctx->routes[pos + 1],
				(ctx->nroutes - pos - 1) * sizeof(*r));
			ctx->nroutes--;
		}
	}
out:
	pthread_rwlock_unlock(&ctx->route_lock);
	return rc;
}

void ifd_routes_del(struct ifd_device *dev)
{
	struct ifd_ctx *ctx = dev->obj.ctx;
	unsigned int i;
	size_t pos;

	pthread_rwlock_wrlock(&ctx->route_lock);
	for (i = 0; i < dev->nsids; i++) {
		pos = route_lower(ctx, dev->host->index, dev->sids[i]);
		if (pos >= ctx->nroutes || ctx->routes[pos].dev != dev)
			continue;
		free(ctx->routes[pos].pfaults);
		memmove(&ctx->routes[pos], &ctx->routes[pos + 1],
			(ctx->nroutes - pos - 1) * sizeof(ctx->routes[0]));
		ctx->nroutes--;
	}
	pthread_rwlock_unlock(&ctx->route_lock);
}

void ifd_device_update_routes(struct ifd_device *dev)
{
	struct ifd_ctx *ctx = dev->obj.ctx;
	struct ifd_fault *fault = dev->hwpt ? dev->hwpt->fault : NULL;
	struct ifd_viommu *viommu = NULL;
	uint32_t vsid = 0;
	unsigned int i, j;
	size_t pos;

	if (dev->hwpt && dev->hwpt->obj.type == IFD_HWPT_NESTED && dev->vdev &&
	    dev->vdev->viommu ==
		    ((struct ifd_hwpt_nested *)dev->hwpt)->viommu) {
		viommu = dev->vdev->viommu;
		vsid = (uint32_t)dev->vdev->virt_id;
	}
	pthread_rwlock_wrlock(&ctx->route_lock);
	for (i = 0; i < dev->nsids; i++) {
		pos = route_lower(ctx, dev->host->index, dev->sids[i]);
		if (pos >= ctx->nroutes || ctx->routes[pos].dev != dev)
			continue;
		ctx->routes[pos].fault = fault;
		ctx->routes[pos].viommu = viommu;
		ctx->routes[pos].vsid = vsid;
		/* The PASIDs' own queues (an array that only grows; when it
		 * cannot, the PASIDs past it report to the device's queue) */
		if (dev->npatt > ctx->routes[pos].pfcap) {
			struct ifd_pasid_fault *pf =
				realloc(ctx->routes[pos].pfaults,
					dev->npatt * sizeof(*pf));

			if (pf) {
				ctx->routes[pos].pfaults = pf;
				ctx->routes[pos].pfcap = dev->npatt;
			}
		}
		for (j = 0; j < dev->npatt && j < ctx->routes[pos].pfcap; j++)
			ctx->routes[pos].pfaults[j] = (struct ifd_pasid_fault){
				dev->patt[j].pasid, dev->patt[j].hwpt->fault
			};
		ctx->routes[pos].npfaults = j;
	}
	pthread_rwlock_unlock(&ctx->route_lock);
}
