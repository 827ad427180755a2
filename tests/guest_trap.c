// SPDX-License-Identifier: MIT
/* The guest's view of a CMDQV for tests (tests/guest_trap.h). */
#include <errno.h>

#include <vsmmu/arch.h>

#include "guest_trap.h"

#define VINTF_REGS 0x100

int guest_trap_init(struct guest_trap *t, struct vsmmu_smmu *smmu, int vintf)
{
	uint64_t param = 0;
	int rc;

	t->smmu = smmu;
	t->vintf = vintf;
	t->config = 0;
	t->share = 0;
	if (vintf < 0)
		return 0;
	rc = vsmmu_smmu_cmdqv_mmio_read(smmu, TEGRA241_CMDQV_PARAM, 4, &param);
	if (rc)
		return rc;
	t->share = (1U << VS_FIELD_GET(CMDQV_NUM_VCMDQ_LOG2, param)) >>
		   VS_FIELD_GET(CMDQV_NUM_VINTF_LOG2, param);
	return 0;
}

static int hw_rd(struct guest_trap *t, uint64_t off, unsigned int size,
		 uint64_t *v)
{
	return vsmmu_smmu_cmdqv_mmio_read(t->smmu, off, size, v);
}

static int hw_wr(struct guest_trap *t, uint64_t off, unsigned int size,
		 uint64_t v)
{
	return vsmmu_smmu_cmdqv_mmio_write(t->smmu, off, size, v);
}

/*
 * The host offset behind guest offset @off, for the parts that are only
 * moved (VINTF registers, VCMDQ pages, logical pages); ~0 if none.
 */
static uint64_t remap(struct guest_trap *t, uint64_t off)
{
	uint64_t q, k;

	if (t->vintf < 0)
		return off;
	k = (uint64_t)t->vintf;
	if (off >= TEGRA241_VINTF(0) && off < TEGRA241_VINTF(1))
		return off - TEGRA241_VINTF(0) + TEGRA241_VINTF(k);
	if (off >= TEGRA241_VCMDQ_PAGE0_BASE &&
	    off < TEGRA241_VINTF_PAGE_BASE) {
		uint64_t page = off & ~0xffffULL, in = off & 0xffff;

		q = in / 0x80;
		if (q >= t->share)
			return ~0ULL;
		return page + (k * t->share + q) * 0x80 + in % 0x80;
	}
	if (off >= TEGRA241_VINTFi_PAGE0(0) && off < TEGRA241_VINTFi_PAGE0(1))
		return off - TEGRA241_VINTFi_PAGE0(0) +
		       TEGRA241_VINTFi_PAGE0(k);
	return ~0ULL;
}

int guest_trap_read(void *ctx, uint64_t off, unsigned int size, uint64_t *val)
{
	struct guest_trap *t = ctx;
	uint64_t v = 0, h;
	int rc;

	*val = 0;
	if (t->vintf >= 0 && off < TEGRA241_VINTF(0)) {
		/* The emulated global page */
		if (off == TEGRA241_CMDQV_CONFIG)
			*val = t->config;
		else if (off == TEGRA241_CMDQV_STATUS)
			*val = t->config & CMDQV_EN ? CMDQV_ENABLED : 0;
		else if (off == TEGRA241_CMDQV_PARAM) {
			rc = hw_rd(t, off, 4, &v);
			if (rc)
				return rc;
			*val = (v & ~(uint64_t)(CMDQV_NUM_VINTF_LOG2 |
						CMDQV_NUM_VCMDQ_LOG2)) |
			       VS_FIELD_PREP(CMDQV_NUM_VCMDQ_LOG2,
					     __builtin_ctz(t->share));
		} else if (off >= TEGRA241_CMDQV_CMDQ_ALLOC(0) &&
			   off < TEGRA241_CMDQV_CMDQ_ALLOC(t->share)) {
			unsigned int q =
				(off - TEGRA241_CMDQV_CMDQ_ALLOC(0)) / 4;

			rc = hw_rd(t,
				   TEGRA241_CMDQV_CMDQ_ALLOC(
					   t->vintf * t->share + q),
				   4, &v);
			*val = v & ~(uint64_t)CMDQV_CMDQ_ALLOC_VINTF;
			return rc;
		}
		return 0;
	}
	h = remap(t, off);
	if (h == ~0ULL)
		return 0;
	rc = hw_rd(t, h, size, &v);
	if (rc)
		return rc;
	if ((off & ~(uint64_t)(VINTF_REGS - 1)) == TEGRA241_VINTF(0) &&
	    (off & (VINTF_REGS - 1)) == TEGRA241_VINTF_CONFIG)
		v &= ~(uint64_t)VINTF_HYP_OWN;
	if (t->vintf < 0 && off >= TEGRA241_VINTF(0) &&
	    off < TEGRA241_VCMDQ_PAGE0_BASE &&
	    (off & (VINTF_REGS - 1)) == TEGRA241_VINTF_CONFIG)
		v &= ~(uint64_t)VINTF_HYP_OWN;
	*val = v;
	return 0;
}

int guest_trap_write(void *ctx, uint64_t off, unsigned int size, uint64_t val)
{
	struct guest_trap *t = ctx;
	unsigned int reg = off & (VINTF_REGS - 1);
	uint64_t h, cur = 0;
	int rc;

	if (off < TEGRA241_VINTF(0)) {
		if (t->vintf < 0)
			return 0;
		if (off == TEGRA241_CMDQV_CONFIG) {
			t->config = (uint32_t)val;
		} else if (off >= TEGRA241_CMDQV_CMDQ_ALLOC(0) &&
			   off < TEGRA241_CMDQV_CMDQ_ALLOC(t->share)) {
			unsigned int q =
				(off - TEGRA241_CMDQV_CMDQ_ALLOC(0)) / 4;

			val &= ~(uint64_t)CMDQV_CMDQ_ALLOC_VINTF;
			val |= VS_FIELD_PREP(CMDQV_CMDQ_ALLOC_VINTF, t->vintf);
			return hw_wr(t,
				     TEGRA241_CMDQV_CMDQ_ALLOC(
					     t->vintf * t->share + q),
				     4, val);
		}
		return 0;
	}
	h = remap(t, off);
	if (h == ~0ULL)
		return 0;
	if (off < TEGRA241_VCMDQ_PAGE0_BASE) {
		/* A VINTF's registers: only EN of its CONFIG is the guest's */
		if (reg != TEGRA241_VINTF_CONFIG)
			return 0;
		rc = hw_rd(t, h, 4, &cur);
		if (rc)
			return rc;
		val = (cur & VINTF_VMID) | (val & VINTF_EN);
		return hw_wr(t, h, 4, val);
	}
	return hw_wr(t, h, size, val);
}

const struct vsmmu_drv_mmio_ops guest_trap_ops = {
	.read = guest_trap_read,
	.write = guest_trap_write,
};
