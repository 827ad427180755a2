// SPDX-License-Identifier: MIT
/* Helpers for the golden translation tests: see golden_util.h. */
#include <stdlib.h>

#include "golden_util.h"

static struct golden golden_cur;
static bool golden_atexit_done;

static void golden_free(void)
{
	vsmmu_smmu_destroy(golden_cur.smmu);
	vsmmu_mem_destroy(golden_cur.mem);
	memset(&golden_cur, 0, sizeof(golden_cur));
}

struct golden *golden_new(const struct vsmmu_smmu_config *cfg)
{
	struct vsmmu_smmu_config def;
	int ret;

	if (!golden_atexit_done) {
		atexit(golden_free);
		golden_atexit_done = true;
	}
	golden_free();
	if (!cfg) {
		vsmmu_smmu_config_default(&def);
		cfg = &def;
	}
	ret = vsmmu_mem_create(52, &golden_cur.mem);
	if (ret) {
		vt_fail(__FILE__, __LINE__, "vsmmu_mem_create: %d", ret);
		return NULL;
	}
	ret = vsmmu_smmu_create(cfg, golden_cur.mem, &golden_cur.smmu);
	if (ret) {
		vt_fail(__FILE__, __LINE__, "vsmmu_smmu_create: %d", ret);
		golden_free();
		return NULL;
	}
	return &golden_cur;
}

int golden_w64(struct golden *g, uint64_t pa, uint64_t val)
{
	int ret = vsmmu_mem_populate(g->mem, pa & ~(VSMMU_MEM_PAGE_SIZE - 1),
				     VSMMU_MEM_PAGE_SIZE);

	if (!ret)
		ret = vsmmu_mem_write64(g->mem, pa, val);
	if (ret)
		vt_fail(__FILE__, __LINE__,
			"write 0x%" PRIx64 " at 0x%" PRIx64 ": %d", val, pa,
			ret);
	return ret;
}

uint64_t golden_r64(struct golden *g, uint64_t pa)
{
	uint64_t v = 0;

	if (vsmmu_mem_read64(g->mem, pa, &v))
		return 0;
	return v;
}

int golden_put4(struct golden *g, uint64_t pa, uint64_t dw0, uint64_t dw1,
		uint64_t dw2, uint64_t dw3)
{
	const uint64_t w[4] = { dw0, dw1, dw2, dw3 };
	unsigned int i;
	int ret;

	for (i = 0; i < 8; i++) {
		ret = golden_w64(g, pa + 8 * i, i < 4 ? w[i] : 0);
		if (ret)
			return ret;
	}
	return 0;
}

static int golden_mmio(struct golden *g, uint64_t off, unsigned int size,
		       uint64_t val)
{
	int ret = vsmmu_smmu_mmio_write(g->smmu, off, size, val);

	if (ret)
		vt_fail(__FILE__, __LINE__, "mmio write 0x%" PRIx64 ": %d", off,
			ret);
	return ret;
}

int golden_enable(struct golden *g, uint64_t base, uint32_t cfg)
{
	/* CR2.RECINVSID (bit 1): C_BAD_STREAMID is recorded only with it */
	return golden_enable_cr2(g, base, cfg, 0x2);
}

int golden_enable_cr2(struct golden *g, uint64_t base, uint32_t cfg,
		      uint32_t cr2)
{
	int ret;

	ret = vsmmu_mem_populate(g->mem, GOLDEN_EVTQ_PA, 64 * 32);
	if (ret) {
		vt_fail(__FILE__, __LINE__, "populate evtq: %d", ret);
		return ret;
	}
	ret = golden_mmio(g, GOLDEN_REG_STRTAB_BASE, 8, base);
	if (!ret)
		ret = golden_mmio(g, GOLDEN_REG_STRTAB_BASE_CFG, 4, cfg);
	/* EVTQ_BASE: ADDR[51:5] = 0xf00000, LOG2SIZE[4:0] = 6 */
	if (!ret)
		ret = golden_mmio(g, GOLDEN_REG_EVTQ_BASE, 8,
				  GOLDEN_EVTQ_PA | 6);
	if (!ret)
		ret = golden_mmio(g, GOLDEN_REG_CR2, 4, cr2);
	/* CR0: SMMUEN (bit 0) | EVTQEN (bit 2) */
	if (!ret)
		ret = golden_mmio(g, GOLDEN_REG_CR0, 4, 0x5);
	return ret;
}

int golden_txn(struct golden *g, uint32_t sid, bool ssv, uint32_t ssid,
	       uint64_t addr, unsigned int flags)
{
	const struct vsmmu_txn txn = {
		.sid = sid,
		.ssid = ssid,
		.ssv = ssv,
		.addr = addr,
		.flags = flags,
	};
	int ret;

	memset(&g->res, 0, sizeof(g->res));
	ret = vsmmu_translate(g->smmu, &txn, &g->res);
	if (ret)
		vt_fail(__FILE__, __LINE__, "vsmmu_translate: %d", ret);
	return ret;
}
