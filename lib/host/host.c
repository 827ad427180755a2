// SPDX-License-Identifier: MIT
/* A host: memory + SMMU model + driver (include/vsmmu/host.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <vsmmu/host.h>

struct vsmmu_host {
	struct vsmmu_mem *mem;
	bool own_mem;
	struct vsmmu_mem_pool *pool;
	struct vsmmu_smmu *smmu;
	struct vsmmu_drv *drv;
	bool irq;
};

void vsmmu_host_config_default(struct vsmmu_host_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	vsmmu_smmu_config_default(&cfg->smmu);
	cfg->irq = true;
}

int vsmmu_host_create(const struct vsmmu_host_config *cfg,
		      struct vsmmu_mem *mem, struct vsmmu_host **out)
{
	struct vsmmu_drv_config dc;
	struct vsmmu_host *h;
	uint64_t base, size;
	int rc;

	if (!cfg || !out)
		return -EINVAL;
	if (cfg->irq && cfg->smmu.exec != VSMMU_EXEC_SYNC)
		return -EINVAL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->mem = mem;
	if (!mem) {
		rc = vsmmu_mem_create(cfg->pa_bits ? cfg->pa_bits : 48,
				      &h->mem);
		if (rc)
			goto out_free;
		h->own_mem = true;
	}
	base = cfg->pool_base ? cfg->pool_base : 1ULL << 32;
	size = cfg->pool_size ? cfg->pool_size : 1ULL << 30;
	rc = vsmmu_mem_pool_create(h->mem, base, size, &h->pool);
	if (rc)
		goto out_mem;
	rc = vsmmu_smmu_create(&cfg->smmu, h->mem, &h->smmu);
	if (rc)
		goto out_pool;
	dc = cfg->drv;
	dc.ops = &vsmmu_drv_smmu_mmio_ops;
	dc.ops_ctx = h->smmu;
	dc.pool = h->pool;
	if (!dc.cmdqv_ops) {
		dc.cmdqv_ops = cfg->smmu.cmdqv.present ?
				       &vsmmu_drv_cmdqv_mmio_ops :
				       NULL;
		dc.cmdqv_ctx = h->smmu;
	}
	if (cfg->before_driver) {
		rc = cfg->before_driver(cfg->before_driver_arg, h->smmu, &dc);
		if (rc)
			goto out_smmu;
	}
	rc = vsmmu_drv_create(&dc, &h->drv);
	if (rc)
		goto out_smmu;
	if (cfg->irq) {
		vsmmu_smmu_set_irq_handler(h->smmu, vsmmu_drv_irq, h->drv);
		h->irq = true;
	}
	if (!cfg->no_enable) {
		rc = vsmmu_drv_enable(h->drv);
		if (rc)
			goto out_drv;
	}
	*out = h;
	return 0;

out_drv:
	if (h->irq)
		vsmmu_smmu_set_irq_handler(h->smmu, NULL, NULL);
	vsmmu_drv_destroy(h->drv);
out_smmu:
	vsmmu_smmu_destroy(h->smmu);
out_pool:
	vsmmu_mem_pool_destroy(h->pool);
out_mem:
	if (h->own_mem)
		vsmmu_mem_destroy(h->mem);
out_free:
	free(h);
	return rc;
}

void vsmmu_host_destroy(struct vsmmu_host *h)
{
	if (!h)
		return;
	if (h->irq)
		vsmmu_smmu_set_irq_handler(h->smmu, NULL, NULL);
	vsmmu_drv_destroy(h->drv);
	vsmmu_smmu_destroy(h->smmu);
	vsmmu_mem_pool_destroy(h->pool);
	if (h->own_mem)
		vsmmu_mem_destroy(h->mem);
	free(h);
}

struct vsmmu_mem *vsmmu_host_mem(const struct vsmmu_host *h)
{
	return h->mem;
}

struct vsmmu_mem_pool *vsmmu_host_pool(const struct vsmmu_host *h)
{
	return h->pool;
}

struct vsmmu_smmu *vsmmu_host_smmu(const struct vsmmu_host *h)
{
	return h->smmu;
}

struct vsmmu_drv *vsmmu_host_drv(const struct vsmmu_host *h)
{
	return h->drv;
}
