// SPDX-License-Identifier: MIT
/*
 * MMIO ops binding the driver's CMDQV to the hardware model's CMDQV
 * register block, as the host or as a guest.  A file of its own so that
 * only programs that use them link against the model's CMDQV entry points.
 */
#include "driver/drv.h"

static int host_read(void *ctx, uint64_t off, unsigned int size, uint64_t *v)
{
	return vsmmu_smmu_cmdqv_mmio_read(ctx, VSMMU_CMDQV_HOST, off, size, v);
}

static int host_write(void *ctx, uint64_t off, unsigned int size, uint64_t v)
{
	return vsmmu_smmu_cmdqv_mmio_write(ctx, VSMMU_CMDQV_HOST, off, size, v);
}

static int guest_read(void *ctx, uint64_t off, unsigned int size, uint64_t *v)
{
	return vsmmu_smmu_cmdqv_mmio_read(ctx, VSMMU_CMDQV_GUEST, off, size, v);
}

static int guest_write(void *ctx, uint64_t off, unsigned int size, uint64_t v)
{
	return vsmmu_smmu_cmdqv_mmio_write(ctx, VSMMU_CMDQV_GUEST, off, size,
					   v);
}

const struct vsmmu_drv_mmio_ops vsmmu_drv_cmdqv_host_mmio_ops = {
	.read = host_read,
	.write = host_write,
};

const struct vsmmu_drv_mmio_ops vsmmu_drv_cmdqv_guest_mmio_ops = {
	.read = guest_read,
	.write = guest_write,
};
