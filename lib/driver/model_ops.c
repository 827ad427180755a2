// SPDX-License-Identifier: MIT
/*
 * MMIO ops binding the driver to the hardware model: the SMMU's register
 * file and its CMDQV register block.  A file of its own so that programs
 * that drive something else (a virtual SMMU, a fake) need not link the
 * model's entry points.
 */
#include "driver/drv.h"

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

static int cmdqv_read(void *ctx, uint64_t off, unsigned int size, uint64_t *v)
{
	return vsmmu_smmu_cmdqv_mmio_read(ctx, off, size, v);
}

static int cmdqv_write(void *ctx, uint64_t off, unsigned int size, uint64_t v)
{
	return vsmmu_smmu_cmdqv_mmio_write(ctx, off, size, v);
}

const struct vsmmu_drv_mmio_ops vsmmu_drv_cmdqv_mmio_ops = {
	.read = cmdqv_read,
	.write = cmdqv_write,
};
