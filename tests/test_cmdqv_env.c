// SPDX-License-Identifier: MIT
/* The CMDQV tests' world: see test_cmdqv_env.h for the layout. */
#include <string.h>

#include "guest_trap.h"
#include "test_cmdqv_env.h"

static void cv_irq(void *arg, enum vsmmu_irq irq)
{
	struct cv_env *e = arg;

	__atomic_fetch_add(&e->irqs[irq], 1, __ATOMIC_RELAXED);
}

int cv_env_init(struct cv_env *e, enum vsmmu_exec_mode mode)
{
	struct vsmmu_smmu_config cfg;
	unsigned int n;

	memset(e, 0, sizeof(*e));
	vsmmu_smmu_config_default(&cfg);
	cfg.exec = mode;
	cfg.cmdqv.present = true;
	cfg.cmdqv.num_vintf_log2 = 2;
	cfg.cmdqv.num_vcmdq_log2 = 3;
	cfg.cmdqv.num_sid_per_vm_log2 = 4;
	cfg.cmdqv.version = 1;
	if (vsmmu_mem_create(48, &e->mem) ||
	    vsmmu_mem_populate(e->mem, 0x10000, 0x70000) ||
	    vsmmu_smmu_create(&cfg, e->mem, &e->smmu))
		return -1;
	vsmmu_smmu_set_irq_handler(e->smmu, cv_irq, e);
	for (n = 1; n <= 3; n++)
		if (vsmmu_mem_write64(e->mem, 0x10000 + 64 * n, 0x2000b) ||
		    vsmmu_mem_write64(e->mem, 0x10000 + 64 * n + 16, n))
			return -1;
	/* CD and tables as tests/test_queue.c; L3[2] at 0x33010 ->
	 * 0x81000 | 0xf43 */
	if (vsmmu_mem_write64(e->mem, 0x20000, 0x00012205c0000010ULL) ||
	    vsmmu_mem_write64(e->mem, 0x20008, 0x30000) ||
	    vsmmu_mem_write64(e->mem, 0x30000, 0x31003) ||
	    vsmmu_mem_write64(e->mem, 0x31000, 0x32003) ||
	    vsmmu_mem_write64(e->mem, 0x32000, 0x33003) ||
	    vsmmu_mem_write64(e->mem, 0x33008, 0x80f43) ||
	    vsmmu_mem_write64(e->mem, 0x33010, 0x81f43))
		return -1;
	/* STRTAB_BASE, _CFG LOG2SIZE 3, CMDQ_BASE, CR0 SMMUEN | CMDQEN */
	if (vsmmu_smmu_mmio_write(e->smmu, 0x80, 8, 0x10000) ||
	    vsmmu_smmu_mmio_write(e->smmu, 0x88, 4, 3) ||
	    vsmmu_smmu_mmio_write(e->smmu, 0x90, 8, 0x40000 | 8) ||
	    vsmmu_smmu_mmio_write(e->smmu, 0x20, 4, 0x9))
		return -1;
	return 0;
}

void cv_env_fini(struct cv_env *e)
{
	vsmmu_smmu_destroy(e->smmu);
	vsmmu_mem_destroy(e->mem);
}

uint64_t cv_rd(struct cv_env *e, uint64_t off)
{
	uint64_t v = 0xdeadbeef;

	vsmmu_smmu_cmdqv_mmio_read(e->smmu, off, 4, &v);
	return v;
}

uint64_t cv_grd(struct cv_env *e, uint64_t off)
{
	struct guest_trap t = { .smmu = e->smmu, .vintf = -1 };
	uint64_t v = 0xdeadbeef;

	guest_trap_read(&t, off, 4, &v);
	return v;
}

uint64_t cv_rd64(struct cv_env *e, uint64_t off)
{
	uint64_t v = 0xdeadbeef;

	vsmmu_smmu_cmdqv_mmio_read(e->smmu, off, 8, &v);
	return v;
}

int cv_wr(struct cv_env *e, uint64_t off, uint64_t v)
{
	return vsmmu_smmu_cmdqv_mmio_write(e->smmu, off, 4, v);
}

int cv_gwr(struct cv_env *e, uint64_t off, uint64_t v)
{
	struct guest_trap t = { .smmu = e->smmu, .vintf = -1 };

	return guest_trap_write(&t, off, 4, v);
}

int cv_wr64(struct cv_env *e, uint64_t off, uint64_t v)
{
	return vsmmu_smmu_cmdqv_mmio_write(e->smmu, off, 8, v);
}

int cv_vintf(struct cv_env *e, unsigned int v, bool hyp_own, unsigned int vmid)
{
	/* HYP_OWN bit 17, VMID [16:1], EN bit 0 */
	return cv_wr(e, CV_VI_CONFIG(v),
		     (hyp_own ? 1U << 17 : 0) | (vmid << 1) | 1);
}

int cv_queue(struct cv_env *e, unsigned int q, unsigned int v, unsigned int lv)
{
	/* CMDQ_ALLOC: VINTF [20:15], LVCMDQ [7:1], ALLOCATED 0 */
	return cv_wr(e, CV_CMDQ_ALLOC(q), (v << 15) | (lv << 1) | 1) ||
	       cv_wr64(e, CV_Q1(q) + CV_BASE, CV_RING(q) | 8) ||
	       cv_wr(e, CV_Q0(q) + CV_QCONFIG, 1);
}

int cv_put(struct cv_env *e, unsigned int q, unsigned int slot, uint64_t dw0,
	   uint64_t dw1)
{
	uint64_t a = CV_RING(q) + 16 * (slot % 256);

	return vsmmu_mem_write64(e->mem, a, dw0) ||
	       vsmmu_mem_write64(e->mem, a + 8, dw1);
}

int cv_hit(struct cv_env *e, uint32_t sid, uint64_t iova, uint64_t *oa)
{
	struct vsmmu_txn txn = { .sid = sid,
				 .addr = iova,
				 .flags = VSMMU_TXN_READ | VSMMU_TXN_PRIV };
	struct vsmmu_txn_result res;

	if (vsmmu_translate(e->smmu, &txn, &res) || res.outcome != VSMMU_TXN_OK)
		return -1;
	if (oa)
		*oa = res.oa;
	return res.tlb_hit;
}
