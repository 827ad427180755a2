// SPDX-License-Identifier: MIT
/*
 * The iommufd tests' host: see iommufd_env.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <vsmmu/arch.h>

#include "harness.h"
#include "iommufd_env.h"

/* The driver's event_fn: the context first, as a host kernel would. */
static void env_event(void *arg, const struct vsmmu_drv_event *evt)
{
	struct ienv_host *hh = arg;
	struct ienv *e = hh->e;

	if (e->ictx && vsmmu_iommufd_host_event(e->ictx, hh->index, evt))
		return;
	e->last_host_event = *evt;
	atomic_fetch_add(&e->host_events, 1);
}

/* The driver's stall_fn: the context's FAULT queues may take it. */
static bool env_stall(void *arg, const struct vsmmu_drv_event *evt)
{
	struct ienv_host *hh = arg;

	return hh->e->ictx &&
	       vsmmu_iommufd_host_stall(hh->e->ictx, hh->index, evt);
}

/* The driver's pri_fn: the context's FAULT queues may take the group */
static int env_ppr(void *arg, const struct vsmmu_drv_ppr *req)
{
	struct ienv_host *hh = arg;

	if (hh->e->ictx && vsmmu_iommufd_host_ppr(hh->e->ictx, hh->index, req))
		return VSMMU_DRV_PRI_DEFER;
	return -ENODEV;
}

static void env_log(void *arg, const char *msg)
{
	if (getenv("VSMMU_TEST_VERBOSE"))
		printf("# drv: %s\n", msg);
}

int ienv_init(struct ienv *e, const struct ienv_opts *o)
{
	struct vsmmu_iommufd_host hosts[IENV_MAX_HOSTS];
	struct vsmmu_iommufd_config ic = { 0 };
	static const struct ienv_opts none;
	unsigned int h;
	int rc;

	if (!o)
		o = &none;
	memset(e, 0, sizeof(*e));
	e->nhosts = o->nhosts ? o->nhosts : 1;
	e->pri_devs = o->pri_devs;
	if (e->nhosts > IENV_MAX_HOSTS)
		return -EINVAL;
	rc = vsmmu_mem_create(48, &e->mem);
	if (rc)
		return rc;
	for (h = 0; h < e->nhosts; h++) {
		struct vsmmu_smmu_config sc;
		struct vsmmu_drv_config dc = { 0 };

		rc = vsmmu_mem_pool_create(e->mem,
					   IENV_POOL_BASE + h * IENV_POOL_SIZE,
					   IENV_POOL_SIZE, &e->pool[h]);
		if (rc)
			return rc;
		vsmmu_smmu_config_default(&sc);
		sc.exec = VSMMU_EXEC_SYNC;
		sc.hold_stalls = o->hold_stalls;
		sc.cmdqv.present = o->cmdqv;
		if (o->cmdqv) {
			sc.cmdqv.num_vintf_log2 = 2;
			sc.cmdqv.num_vcmdq_log2 = 3;
			sc.cmdqv.num_sid_per_vm_log2 = 4;
		}
		if (o->no_ril)
			sc.idr[3] &= ~(uint32_t)IDR3_RIL;
		if (o->no_s2)
			sc.idr[0] &= ~(uint32_t)IDR0_S2P;
		if (o->no_4k)
			sc.idr[5] &= ~(uint32_t)IDR5_GRAN4K;
		if (o->no_dirty)
			sc.idr[0] = (sc.idr[0] & ~(uint32_t)IDR0_HTTU) |
				    VS_FIELD_PREP(IDR0_HTTU, IDR0_HTTU_ACCESS);
		rc = vsmmu_smmu_create(&sc, e->mem, &e->smmu[h]);
		if (rc)
			return rc;
		dc.ops = &vsmmu_drv_smmu_mmio_ops;
		dc.ops_ctx = e->smmu[h];
		dc.pool = e->pool[h];
		dc.event_fn = env_event;
		e->harg[h].e = e;
		e->harg[h].index = h;
		dc.event_arg = &e->harg[h];
		dc.stall_fn = env_stall;
		dc.stall_arg = &e->harg[h];
		dc.pri_fn = env_ppr;
		dc.pri_arg = &e->harg[h];
		dc.log_fn = env_log;
		dc.timeout_ns = 5000000000ULL;
		if (o->cmdqv) {
			dc.cmdqv_ops = &vsmmu_drv_cmdqv_mmio_ops;
			dc.cmdqv_ctx = e->smmu[h];
		}
		rc = vsmmu_drv_create(&dc, &e->drv[h]);
		if (rc)
			return rc;
		vsmmu_smmu_set_irq_handler(e->smmu[h], vsmmu_drv_irq,
					   e->drv[h]);
		rc = vsmmu_drv_enable(e->drv[h]);
		if (rc)
			return rc;
		hosts[h].smmu = e->smmu[h];
		hosts[h].drv = e->drv[h];
	}
	e->pages_before = vsmmu_mem_page_count(e->mem);
	ic.hosts = hosts;
	ic.nhosts = e->nhosts;
	ic.no_service_thread = !o->service_thread;
	return vsmmu_iommufd_ctx_create(&ic, &e->ictx);
}

void ienv_fini(struct ienv *e)
{
	unsigned int h;

	vsmmu_iommufd_ctx_destroy(e->ictx);
	e->ictx = NULL;
	/* Every pinned page went back */
	if (e->mem && e->pages_before &&
	    vsmmu_mem_page_count(e->mem) != e->pages_before)
		vt_fail(__FILE__, __LINE__, "pages: %llu after, %llu before",
			(unsigned long long)vsmmu_mem_page_count(e->mem),
			(unsigned long long)e->pages_before);
	for (h = 0; h < e->nhosts; h++) {
		if (e->smmu[h])
			vsmmu_smmu_set_irq_handler(e->smmu[h], NULL, NULL);
		vsmmu_drv_destroy(e->drv[h]);
		vsmmu_smmu_destroy(e->smmu[h]);
		vsmmu_mem_pool_destroy(e->pool[h]);
	}
	vsmmu_mem_destroy(e->mem);
	memset(e, 0, sizeof(*e));
}

void ienv_process(struct ienv *e)
{
	unsigned int h;

	for (h = 0; h < e->nhosts; h++)
		vsmmu_drv_process(e->drv[h]);
}

void *ienv_buf(size_t align, size_t len)
{
	void *p = NULL;

	if (posix_memalign(&p, align, len))
		return NULL;
	memset(p, 0, len);
	return p;
}

int ienv_ioctl(struct ienv *e, unsigned long cmd, void *arg)
{
	return vsmmu_iommufd_ioctl(e->ictx, cmd, arg);
}

int ienv_ioas(struct ienv *e, uint32_t *id)
{
	struct iommu_ioas_alloc a = { .size = sizeof(a) };
	int rc = ienv_ioctl(e, IOMMU_IOAS_ALLOC, &a);

	*id = a.out_ioas_id;
	return rc;
}

int ienv_map(struct ienv *e, uint32_t ioas, void *buf, uint64_t len,
	     uint64_t *iova, uint32_t flags)
{
	struct iommu_ioas_map m = {
		.size = sizeof(m),
		.flags = flags,
		.ioas_id = ioas,
		.user_va = (uintptr_t)buf,
		.length = len,
		.iova = iova ? *iova : 0,
	};
	int rc = ienv_ioctl(e, IOMMU_IOAS_MAP, &m);

	if (!rc && iova)
		*iova = m.iova;
	return rc;
}

int ienv_unmap(struct ienv *e, uint32_t ioas, uint64_t iova, uint64_t len,
	       uint64_t *done)
{
	struct iommu_ioas_unmap u = {
		.size = sizeof(u),
		.ioas_id = ioas,
		.iova = iova,
		.length = len,
	};
	int rc = ienv_ioctl(e, IOMMU_IOAS_UNMAP, &u);

	if (done)
		*done = u.length;
	return rc;
}

int ienv_destroy(struct ienv *e, uint32_t id)
{
	struct iommu_destroy d = { .size = sizeof(d), .id = id };

	return ienv_ioctl(e, IOMMU_DESTROY, &d);
}

int ienv_bind(struct ienv *e, unsigned int host, uint32_t sid, uint32_t *dev_id)
{
	struct vsmmu_iommufd_dev_cfg c = {
		.host = host,
		.sids = &sid,
		.nsids = 1,
		.ats = e->pri_devs,
		.pri = e->pri_devs,
		.pasid_bits = e->pri_devs ? 8 : 0,
	};

	return vsmmu_iommufd_device_bind(e->ictx, &c, dev_id);
}

int ienv_hwpt(struct ienv *e, uint32_t dev, uint32_t pt, uint32_t flags,
	      uint32_t *hwpt)
{
	struct iommu_hwpt_alloc a = {
		.size = sizeof(a),
		.flags = flags,
		.dev_id = dev,
		.pt_id = pt,
	};
	int rc = ienv_ioctl(e, IOMMU_HWPT_ALLOC, &a);

	*hwpt = a.out_hwpt_id;
	return rc;
}

int ienv_dma(struct ienv *e, uint32_t dev, uint64_t iova, void *buf, size_t len,
	     bool write)
{
	struct vsmmu_iommufd_dma op = {
		.iova = iova,
		.buf = buf,
		.len = len,
		.flags = write ? VSMMU_IOMMUFD_DMA_WRITE : 0,
	};

	return vsmmu_iommufd_dma(e->ictx, dev, &op);
}
