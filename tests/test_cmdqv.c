// SPDX-License-Identifier: MIT
/*
 * The CMDQV model through its registers and memory only: reset values and
 * read-only fields, allocation rules, logical/global aliasing, enables,
 * VMID and StreamID substitution, every error path with its recovery, the
 * error maps and the CMDQV interrupt, and the threaded consumers.  Every
 * expected value is hand-encoded (test_cmdqv_env.h has the layout).
 */
#include <errno.h>
#include <pthread.h>

#include "harness.h"
#include "test_cmdqv_env.h"

TEST(cmdqv_regs_reset_param_status)
{
	struct cv_env e;
	uint64_t v;

	ASSERT_EQ(cv_env_init(&e, VSMMU_EXEC_SYNC), 0);
	/* PARAM: SID_PER_VM_LOG2 4 << 12 | VINTF_LOG2 2 << 8 | VCMDQ_LOG2
	 * 3 << 4 | VER 1 = 0x4000 | 0x200 | 0x30 | 1 */
	ASSERT_EQ(cv_rd(&e, CV_PARAM), 0x4231);
	ASSERT_EQ(cv_wr(&e, CV_PARAM, 0), 0);
	ASSERT_EQ(cv_rd(&e, CV_PARAM), 0x4231); /* read-only */
	ASSERT_EQ(cv_rd(&e, CV_CONFIG), 0);
	ASSERT_EQ(cv_rd(&e, CV_STATUS), 0);
	ASSERT_EQ(cv_rd(&e, CV_CMDQ_ALLOC(0)), 0);
	ASSERT_EQ(cv_rd(&e, CV_VI_CONFIG(0)), 0);
	ASSERT_EQ(cv_rd(&e, CV_VI_STATUS(0)), 0);
	ASSERT_EQ(cv_rd(&e, CV_Q0(0) + CV_QSTATUS), 0);
	ASSERT_EQ(cv_rd64(&e, CV_Q1(0) + CV_BASE), 0);
	/* CMDQV_EN and the stored option bits [20:1]; STATUS.ENABLED follows */
	ASSERT_EQ(cv_wr(&e, CV_CONFIG, 0xffffffff), 0);
	ASSERT_EQ(cv_rd(&e, CV_CONFIG), 0x1fffff);
	ASSERT_EQ(cv_rd(&e, CV_STATUS), 1);
	ASSERT_EQ(cv_wr(&e, CV_STATUS, 0), 0);
	ASSERT_EQ(cv_rd(&e, CV_STATUS), 1);
	ASSERT_EQ(cv_wr(&e, CV_CONFIG, 0), 0);
	ASSERT_EQ(cv_rd(&e, CV_STATUS), 0);
	/* Access rules */
	ASSERT_EQ(vsmmu_smmu_cmdqv_mmio_read(e.smmu, CV_CONFIG, 8, &v),
		  -EINVAL); /* 64-bit access to a 32-bit register */
	ASSERT_EQ(vsmmu_smmu_cmdqv_mmio_read(e.smmu, 2, 4, &v), -EINVAL);
	ASSERT_EQ(vsmmu_smmu_cmdqv_mmio_read(e.smmu, CV_BLOCK_SIZE, 4, &v),
		  -EINVAL);
	ASSERT_EQ(vsmmu_smmu_cmdqv_mmio_read(e.smmu, CV_BLOCK_SIZE - 4, 4, &v),
		  0);
	ASSERT_EQ(vsmmu_smmu_cmdqv_mmio_read(e.smmu, CV_CONFIG, 3, &v),
		  -EINVAL);
	ASSERT_EQ(vsmmu_smmu_cmdqv_mmio_write(e.smmu, CV_PARAM, 2, 0), -EINVAL);
	/* Beyond the 8 VCMDQs / 4 VINTFs: RAZ/WI */
	ASSERT_EQ(cv_wr(&e, CV_CMDQ_ALLOC(8), 1), 0);
	ASSERT_EQ(cv_rd(&e, CV_CMDQ_ALLOC(8)), 0);
	ASSERT_EQ(cv_wr(&e, CV_VI_CONFIG(4), 1), 0);
	ASSERT_EQ(cv_rd(&e, CV_VI_CONFIG(4)), 0);
	ASSERT_EQ(cv_rd(&e, CV_Q0(8) + CV_QCONFIG), 0);
	cv_env_fini(&e);
}

TEST(cmdqv_regs_no_cmdqv_and_bad_config)
{
	struct vsmmu_smmu_config cfg;
	struct vsmmu_mem *mem;
	struct vsmmu_smmu *s;
	uint64_t v;

	ASSERT_EQ(vsmmu_mem_create(48, &mem), 0);
	vsmmu_smmu_config_default(&cfg);
	ASSERT_EQ(vsmmu_smmu_create(&cfg, mem, &s), 0);
	ASSERT_EQ(vsmmu_smmu_cmdqv_mmio_read(s, 0, 4, &v), -ENODEV);
	ASSERT_EQ(vsmmu_smmu_cmdqv_mmio_write(s, 0, 4, 1), -ENODEV);
	vsmmu_smmu_destroy(s);
	cfg.cmdqv.present = true;
	cfg.cmdqv.num_vcmdq_log2 = 8; /* more than 128 VCMDQs */
	ASSERT_EQ(vsmmu_smmu_create(&cfg, mem, &s), -EINVAL);
	cfg.cmdqv.num_vcmdq_log2 = 7;
	cfg.cmdqv.num_vintf_log2 = 7; /* more than 64 VINTFs */
	ASSERT_EQ(vsmmu_smmu_create(&cfg, mem, &s), -EINVAL);
	cfg.cmdqv.num_vintf_log2 = 6;
	cfg.cmdqv.num_sid_per_vm_log2 = 5;
	ASSERT_EQ(vsmmu_smmu_create(&cfg, mem, &s), -EINVAL);
	/* Grace: 64 VINTFs, 128 VCMDQs, 16 pairs; the last logical page */
	cfg.cmdqv.num_sid_per_vm_log2 = 4;
	ASSERT_EQ(vsmmu_smmu_create(&cfg, mem, &s), 0);
	/* PARAM = 4 << 12 | 6 << 8 | 7 << 4 = 0x4670 */
	ASSERT_EQ(vsmmu_smmu_cmdqv_mmio_read(s, 4, 4, &v), 0);
	ASSERT_EQ(v, 0x4670);
	/* 0x30000 + 64 * 0x20000 = 0x830000 is the end of the block */
	ASSERT_EQ(vsmmu_smmu_cmdqv_mmio_read(s, 0x82fffc, 4, &v), 0);
	ASSERT_EQ(vsmmu_smmu_cmdqv_mmio_read(s, 0x830000, 4, &v), -EINVAL);
	vsmmu_smmu_destroy(s);
	vsmmu_mem_destroy(mem);
}

TEST(cmdqv_alloc_rules)
{
	struct cv_env e;

	ASSERT_EQ(cv_env_init(&e, VSMMU_EXEC_SYNC), 0);
	/* VINTF 1, LVCMDQ 1 before LVCMDQ 0: refused (ascending order).
	 * 1 << 15 | 1 << 1 | 1 = 0x8003 */
	ASSERT_EQ(cv_wr(&e, CV_CMDQ_ALLOC(0), 0x8003), 0);
	ASSERT_EQ(cv_rd(&e, CV_CMDQ_ALLOC(0)), 0);
	/* VINTF 1, LVCMDQ 0: 0x8001 */
	ASSERT_EQ(cv_wr(&e, CV_CMDQ_ALLOC(0), 0x8001), 0);
	ASSERT_EQ(cv_rd(&e, CV_CMDQ_ALLOC(0)), 0x8001);
	/* VI_NUM_LVCMDQ [23:16] = 1 */
	ASSERT_EQ(cv_rd(&e, CV_VI_STATUS(1)), 0x10000);
	/* A second VCMDQ claiming the same logical slot: refused */
	ASSERT_EQ(cv_wr(&e, CV_CMDQ_ALLOC(1), 0x8001), 0);
	ASSERT_EQ(cv_rd(&e, CV_CMDQ_ALLOC(1)), 0);
	ASSERT_EQ(cv_wr(&e, CV_CMDQ_ALLOC(1), 0x8003), 0);
	ASSERT_EQ(cv_rd(&e, CV_CMDQ_ALLOC(1)), 0x8003);
	ASSERT_EQ(cv_rd(&e, CV_VI_STATUS(1)), 0x20000);
	/* Moving VCMDQ 0 to VINTF 2 without freeing it: refused */
	ASSERT_EQ(cv_wr(&e, CV_CMDQ_ALLOC(0), 0x10001), 0);
	ASSERT_EQ(cv_rd(&e, CV_CMDQ_ALLOC(0)), 0x8001);
	/* Freeing LVCMDQ 0 while LVCMDQ 1 exists: refused (descending) */
	ASSERT_EQ(cv_wr(&e, CV_CMDQ_ALLOC(0), 0), 0);
	ASSERT_EQ(cv_rd(&e, CV_CMDQ_ALLOC(0)), 0x8001);
	/* VINTF 5 does not exist (4 VINTFs): 5 << 15 | 1 = 0x28001 */
	ASSERT_EQ(cv_wr(&e, CV_CMDQ_ALLOC(2), 0x28001), 0);
	ASSERT_EQ(cv_rd(&e, CV_CMDQ_ALLOC(2)), 0);
	/* An enabled VCMDQ keeps its allocation */
	ASSERT_EQ(cv_wr(&e, CV_Q0(1) + CV_QCONFIG, 1), 0);
	ASSERT_EQ(cv_wr(&e, CV_CMDQ_ALLOC(1), 0), 0);
	ASSERT_EQ(cv_rd(&e, CV_CMDQ_ALLOC(1)), 0x8003);
	ASSERT_EQ(cv_wr(&e, CV_Q0(1) + CV_QCONFIG, 0), 0);
	/* Descending order: LVCMDQ 1 then 0 */
	ASSERT_EQ(cv_wr(&e, CV_CMDQ_ALLOC(1), 0), 0);
	ASSERT_EQ(cv_rd(&e, CV_CMDQ_ALLOC(1)), 0);
	ASSERT_EQ(cv_wr(&e, CV_CMDQ_ALLOC(0), 0), 0);
	ASSERT_EQ(cv_rd(&e, CV_CMDQ_ALLOC(0)), 0);
	ASSERT_EQ(cv_rd(&e, CV_VI_STATUS(1)), 0);
	/* The same VCMDQ may now go to another VINTF: 3 << 15 | 1 */
	ASSERT_EQ(cv_wr(&e, CV_CMDQ_ALLOC(0), 0x18001), 0);
	ASSERT_EQ(cv_rd(&e, CV_CMDQ_ALLOC(0)), 0x18001);
	cv_env_fini(&e);
}

TEST(cmdqv_logical_global_alias)
{
	struct cv_env e;

	ASSERT_EQ(cv_env_init(&e, VSMMU_EXEC_SYNC), 0);
	/* VCMDQ 3 becomes VINTF 1's LVCMDQ 0 */
	ASSERT_EQ(cv_wr(&e, CV_CMDQ_ALLOC(3), 0x8001), 0);
	/* BASE written through VINTF 1's logical page 1 (0x60000) ... */
	ASSERT_EQ(cv_wr64(&e, CV_LQ1(1, 0) + CV_BASE, 0x63008), 0);
	/* ... is VCMDQ 3's global BASE (0x20000 + 3 * 0x80 = 0x20180) */
	ASSERT_EQ(cv_rd64(&e, 0x20180), 0x63008);
	/* 32-bit halves of a 64-bit register */
	ASSERT_EQ(cv_rd(&e, 0x20180), 0x63008);
	ASSERT_EQ(cv_rd(&e, 0x20184), 0);
	ASSERT_EQ(cv_wr(&e, 0x20184, 0x1), 0); /* ADDR [47:32] */
	ASSERT_EQ(cv_rd64(&e, CV_LQ1(1, 0) + CV_BASE), 0x100063008ULL);
	/* BASE keeps ADDR [47:5] | LOG2SIZE [4:0] */
	ASSERT_EQ(cv_wr64(&e, CV_Q1(3) + CV_BASE, 0xffffffffffffffffULL), 0);
	ASSERT_EQ(cv_rd64(&e, CV_Q1(3) + CV_BASE), 0x0000ffffffffffffULL);
	ASSERT_EQ(cv_wr64(&e, CV_Q1(3) + CV_BASE, CV_RING(3) | 8), 0);
	/* PROD through the global page 0 reads back through the logical */
	ASSERT_EQ(cv_wr(&e, CV_Q0(3) + CV_PROD, 5), 0);
	ASSERT_EQ(cv_rd(&e, CV_LQ0(1, 0) + CV_PROD), 5);
	ASSERT_EQ(cv_wr(&e, CV_LQ0(1, 0) + CV_CONS, 5), 0); /* disabled */
	ASSERT_EQ(cv_rd(&e, CV_Q0(3) + CV_CONS), 5);
	/* VINTF 1's LVCMDQ 1 and VINTF 0's LVCMDQ 0: unallocated, RAZ/WI */
	ASSERT_EQ(cv_wr(&e, CV_LQ0(1, 1) + CV_PROD, 7), 0);
	ASSERT_EQ(cv_rd(&e, CV_LQ0(1, 1) + CV_PROD), 0);
	ASSERT_EQ(cv_rd(&e, CV_LQ0(0, 0) + CV_PROD), 0);
	ASSERT_EQ(cv_wr64(&e, CV_LQ1(0, 0) + CV_BASE, 0x1234000), 0);
	ASSERT_EQ(cv_rd64(&e, CV_LQ1(0, 0) + CV_BASE), 0);
	/* No other VCMDQ was touched */
	ASSERT_EQ(cv_rd(&e, CV_Q0(0) + CV_PROD), 0);
	ASSERT_EQ(cv_rd64(&e, CV_Q1(0) + CV_BASE), 0);
	/* CONS_INDX_BASE: storage of [47:0] */
	ASSERT_EQ(cv_wr64(&e, CV_LQ1(1, 0) + CV_CONS_INDX_BASE, ~0ULL), 0);
	ASSERT_EQ(cv_rd64(&e, CV_Q1(3) + CV_CONS_INDX_BASE), 0xffffffffffffULL);
	cv_env_fini(&e);
}

TEST(cmdqv_enables_gate_consumption)
{
	struct cv_env e;

	ASSERT_EQ(cv_env_init(&e, VSMMU_EXEC_SYNC), 0);
	ASSERT_EQ(cv_queue(&e, 2, 1, 0), 0);
	/* STATUS.ENABLED follows CONFIG.EN */
	ASSERT_EQ(cv_rd(&e, CV_Q0(2) + CV_QSTATUS), 1);
	ASSERT_EQ(cv_put(&e, 2, 0, CV_NH_ASID(0, 1), 0), 0);
	ASSERT_EQ(cv_put(&e, 2, 1, CV_SYNC, 0), 0);
	ASSERT_EQ(cv_wr(&e, CV_Q0(2) + CV_PROD, 2), 0);
	/* CMDQV_EN and the VINTF are still off: nothing consumed */
	ASSERT_EQ(cv_rd(&e, CV_Q0(2) + CV_CONS), 0);
	ASSERT_EQ(cv_wr(&e, CV_CONFIG, 1), 0);
	ASSERT_EQ(cv_rd(&e, CV_Q0(2) + CV_CONS), 0);
	/* VINTF 1 on (HYP_OWN, VMID 0): the writer consumes both */
	ASSERT_EQ(cv_vintf(&e, 1, true, 0), 0);
	/* VINTF_STATUS: ENABLED | VI_NUM_LVCMDQ 1 = 0x10001 */
	ASSERT_EQ(cv_rd(&e, CV_VI_STATUS(1)), 0x10001);
	ASSERT_EQ(cv_rd(&e, CV_Q0(2) + CV_CONS), 2);
	/* VCMDQ disabled: a PROD write is not consumed until re-enabled */
	ASSERT_EQ(cv_wr(&e, CV_Q0(2) + CV_QCONFIG, 0), 0);
	ASSERT_EQ(cv_rd(&e, CV_Q0(2) + CV_QSTATUS), 0);
	ASSERT_EQ(cv_put(&e, 2, 2, CV_SYNC, 0), 0);
	ASSERT_EQ(cv_wr(&e, CV_Q0(2) + CV_PROD, 3), 0);
	ASSERT_EQ(cv_rd(&e, CV_Q0(2) + CV_CONS), 2);
	ASSERT_EQ(cv_wr(&e, CV_Q0(2) + CV_QCONFIG, 1), 0);
	ASSERT_EQ(cv_rd(&e, CV_Q0(2) + CV_CONS), 3);
	/* CONS is read-only while enabled; BASE too */
	ASSERT_EQ(cv_wr(&e, CV_Q0(2) + CV_CONS, 0), 0);
	ASSERT_EQ(cv_rd(&e, CV_Q0(2) + CV_CONS), 3);
	ASSERT_EQ(cv_wr64(&e, CV_Q1(2) + CV_BASE, 0x1000), 0);
	ASSERT_EQ(cv_rd64(&e, CV_Q1(2) + CV_BASE), CV_RING(2) | 8);
	cv_env_fini(&e);
}

/*
 * The model is hardware: VINTF_CONFIG (HYP_OWN, VMID, EN) and the SID
 * pairs are plain registers whoever writes them.  The guest's view -- HYP_OWN
 * reading 0 and staying 0, the VMID and pairs being the host's -- is the
 * trapping VMM's policy (here the tests' trap layer, guest_trap.c).
 */
TEST(cmdqv_vintf_config_plain_and_trapped)
{
	struct cv_env e;

	ASSERT_EQ(cv_env_init(&e, VSMMU_EXEC_SYNC), 0);
	/* HYP_OWN | VMID 5 << 1 | EN = 0x20000 | 0xa | 1 = 0x2000b */
	ASSERT_EQ(cv_wr(&e, CV_VI_CONFIG(1), 0x2000b), 0);
	ASSERT_EQ(cv_rd(&e, CV_VI_CONFIG(1)), 0x2000b);
	/* Any writer may clear or set HYP_OWN and change the VMID */
	ASSERT_EQ(cv_wr(&e, CV_VI_CONFIG(1), 0x13), 0);
	ASSERT_EQ(cv_rd(&e, CV_VI_CONFIG(1)), 0x13);
	ASSERT_EQ(cv_wr(&e, CV_VI_CONFIG(1), 0x2000b), 0);
	/* Through the trap: HYP_OWN reads 0 */
	ASSERT_EQ(cv_grd(&e, CV_VI_CONFIG(1)), 0xb);
	/* A trapped write cannot set HYP_OWN nor change the VMID: 0x20000 |
	 * VMID 9 (0x12) | EN -> HYP_OWN cleared, VMID 5 kept, EN 1 */
	ASSERT_EQ(cv_gwr(&e, CV_VI_CONFIG(1), 0x20013), 0);
	ASSERT_EQ(cv_rd(&e, CV_VI_CONFIG(1)), 0xb);
	ASSERT_EQ(cv_gwr(&e, CV_VI_CONFIG(1), 0x20000), 0);
	ASSERT_EQ(cv_rd(&e, CV_VI_CONFIG(1)), 0xa);
	/* The StreamID pairs: registers; trapped writes ignored */
	ASSERT_EQ(cv_wr(&e, CV_VI_SID_MATCH(1, 0), 0xb), 0);
	ASSERT_EQ(cv_wr(&e, CV_VI_SID_REPLACE(1, 0), 0x20), 0);
	ASSERT_EQ(cv_gwr(&e, CV_VI_SID_MATCH(1, 0), 0x3), 0);
	ASSERT_EQ(cv_gwr(&e, CV_VI_SID_REPLACE(1, 0), 0x1), 0);
	ASSERT_EQ(cv_grd(&e, CV_VI_SID_MATCH(1, 0)), 0xb);
	ASSERT_EQ(cv_grd(&e, CV_VI_SID_REPLACE(1, 0)), 0x20);
	/* Past the pairs and LVCMDQ_ERR_MAP: RAZ/WI (VINTF + 0xd0) */
	ASSERT_EQ(cv_wr(&e, CV_VINTF(1) + 0xd0, 0xb), 0);
	ASSERT_EQ(cv_rd(&e, CV_VINTF(1) + 0xd0), 0);
	cv_env_fini(&e);
}

/* A guest TLBI_NH_VA naming another VM's VMID runs with its own VMID */
TEST(cmdqv_vmid_substitution)
{
	struct cv_env e;

	ASSERT_EQ(cv_env_init(&e, VSMMU_EXEC_SYNC), 0);
	ASSERT_EQ(cv_wr(&e, CV_CONFIG, 1), 0);
	ASSERT_EQ(cv_vintf(&e, 1, false, 2), 0); /* guest, VMID 2 */
	ASSERT_EQ(cv_vintf(&e, 0, true, 0), 0); /* host */
	ASSERT_EQ(cv_queue(&e, 0, 0, 0), 0);
	ASSERT_EQ(cv_queue(&e, 1, 1, 0), 0);
	/* SID 1 (VMID 1) and SID 2 (VMID 2): cached */
	ASSERT_EQ(cv_hit(&e, 1, 0x1000, NULL), 0);
	ASSERT_EQ(cv_hit(&e, 2, 0x1000, NULL), 0);
	ASSERT_EQ(cv_hit(&e, 1, 0x1000, NULL), 1);
	ASSERT_EQ(cv_hit(&e, 2, 0x1000, NULL), 1);
	/* The guest names VMID 7, then VMID 1 (the victim's) */
	ASSERT_EQ(cv_put(&e, 1, 0, CV_NH_VA(7, 1), 0x1000), 0);
	ASSERT_EQ(cv_put(&e, 1, 1, CV_SYNC, 0), 0);
	ASSERT_EQ(cv_wr(&e, CV_LQ0(1, 0) + CV_PROD, 2), 0);
	ASSERT_EQ(cv_rd(&e, CV_LQ0(1, 0) + CV_CONS), 2);
	ASSERT_EQ(cv_hit(&e, 1, 0x1000, NULL), 1); /* VMID 1 untouched */
	ASSERT_EQ(cv_hit(&e, 2, 0x1000, NULL), 0); /* its own: gone */
	ASSERT_EQ(cv_put(&e, 1, 2, CV_NH_ASID(1, 1), 0), 0);
	ASSERT_EQ(cv_put(&e, 1, 3, CV_S12_VMALL(1), 0), 0);
	ASSERT_EQ(cv_put(&e, 1, 4, CV_SYNC, 0), 0);
	ASSERT_EQ(cv_wr(&e, CV_LQ0(1, 0) + CV_PROD, 5), 0);
	ASSERT_EQ(cv_rd(&e, CV_LQ0(1, 0) + CV_CONS), 5);
	ASSERT_EQ(cv_hit(&e, 1, 0x1000, NULL), 1);
	ASSERT_EQ(cv_hit(&e, 2, 0x1000, NULL), 0);
	/* The host's VINTF (HYP_OWN) runs the command unmodified */
	ASSERT_EQ(cv_put(&e, 0, 0, CV_NH_VA(1, 1), 0x1000), 0);
	ASSERT_EQ(cv_put(&e, 0, 1, CV_SYNC, 0), 0);
	ASSERT_EQ(cv_wr(&e, CV_Q0(0) + CV_PROD, 2), 0);
	ASSERT_EQ(cv_rd(&e, CV_Q0(0) + CV_CONS), 2);
	ASSERT_EQ(cv_hit(&e, 1, 0x1000, NULL), 0);
	ASSERT_EQ(cv_rd(&e, CV_Q0(1) + CV_GERROR), 0);
	cv_env_fini(&e);
}

/* ATC_INV vSID 7 reaches pSID 2's ATC, not the device whose SID is 7 */
TEST(cmdqv_sid_substitution_atc)
{
	struct cv_env e;
	struct vsmmu_atc *mine, *other;
	struct vsmmu_atc_stats st;

	ASSERT_EQ(cv_env_init(&e, VSMMU_EXEC_SYNC), 0);
	ASSERT_EQ(vsmmu_atc_create(e.smmu, 2, 16, &mine), 0);
	ASSERT_EQ(vsmmu_atc_create(e.smmu, 7, 16, &other), 0);
	ASSERT_EQ(cv_wr(&e, CV_CONFIG, 1), 0);
	ASSERT_EQ(cv_vintf(&e, 1, false, 2), 0);
	/* pair 3: SID_MATCH = vSID 7 << 1 | EN = 0xf, SID_REPLACE = 2 */
	ASSERT_EQ(cv_wr(&e, CV_VI_SID_MATCH(1, 3), 0xf), 0);
	ASSERT_EQ(cv_wr(&e, CV_VI_SID_REPLACE(1, 3), 2), 0);
	/* a disabled pair naming vSID 3 (3 << 1 = 6, EN clear) */
	ASSERT_EQ(cv_wr(&e, CV_VI_SID_MATCH(1, 4), 0x6), 0);
	ASSERT_EQ(cv_wr(&e, CV_VI_SID_REPLACE(1, 4), 7), 0);
	ASSERT_EQ(cv_queue(&e, 4, 1, 0), 0);
	ASSERT_EQ(cv_put(&e, 4, 0, CV_ATC_INV(7), CV_ATC_ALL), 0);
	ASSERT_EQ(cv_put(&e, 4, 1, CV_SYNC, 0), 0);
	ASSERT_EQ(cv_wr(&e, CV_Q0(4) + CV_PROD, 2), 0);
	ASSERT_EQ(cv_rd(&e, CV_Q0(4) + CV_CONS), 2);
	vsmmu_atc_get_stats(mine, &st);
	ASSERT_EQ(st.inv_requests, 1);
	vsmmu_atc_get_stats(other, &st);
	ASSERT_EQ(st.inv_requests, 0);
	/* vSID 3 matches only a disabled pair: CERROR_ILL, nothing sent.
	 * CONS = ERR 1 << 24 | RD 2 = 0x01000002 */
	ASSERT_EQ(cv_put(&e, 4, 2, CV_ATC_INV(3), CV_ATC_ALL), 0);
	ASSERT_EQ(cv_wr(&e, CV_Q0(4) + CV_PROD, 3), 0);
	ASSERT_EQ(cv_rd(&e, CV_Q0(4) + CV_CONS), 0x01000002);
	ASSERT_EQ(cv_rd(&e, CV_Q0(4) + CV_GERROR), 1);
	vsmmu_atc_get_stats(mine, &st);
	ASSERT_EQ(st.inv_requests, 1);
	vsmmu_atc_get_stats(other, &st);
	ASSERT_EQ(st.inv_requests, 0);
	vsmmu_atc_destroy(mine);
	vsmmu_atc_destroy(other);
	cv_env_fini(&e);
}

/* Each error path of a guest queue, the maps, the interrupt, recovery */
TEST(cmdqv_errors_maps_irq_recovery)
{
	struct cv_env e;
	static const uint64_t bad[][2] = {
		{ CV_CFGI_STE_1, 0 }, /* not accepted from a guest */
		{ 0x13ULL | (1ULL << 48), 0x1000 }, /* TLBI_NH_VAA: refused */
		{ CV_NH_ASID(0, 1) | (1ULL << 20), 0 }, /* bit 20: no field */
		{ 0x7fULL, 0 }, /* reserved opcode */
		{ CV_ATC_INV(9), CV_ATC_ALL }, /* SID 9: no pair */
		{ CV_SYNC | 0x3000, 0 }, /* CS = 0b11 */
	};
	unsigned int i;

	ASSERT_EQ(cv_env_init(&e, VSMMU_EXEC_SYNC), 0);
	ASSERT_EQ(cv_wr(&e, CV_CONFIG, 1), 0);
	ASSERT_EQ(cv_vintf(&e, 2, false, 2), 0);
	ASSERT_EQ(cv_vintf(&e, 3, false, 3), 0);
	/* VINTF 2: VCMDQs 5 (LVCMDQ 0) and 6 (LVCMDQ 1); VINTF 3: VCMDQ 7 */
	ASSERT_EQ(cv_queue(&e, 5, 2, 0), 0);
	ASSERT_EQ(cv_queue(&e, 6, 2, 1), 0);
	ASSERT_EQ(cv_queue(&e, 7, 3, 0), 0);
	for (i = 0; i < (sizeof(bad) / sizeof(bad[0])); i++) {
		uint32_t prod = 2 * i;

		ASSERT_EQ(cv_put(&e, 6, prod, bad[i][0], bad[i][1]), 0);
		ASSERT_EQ(cv_put(&e, 6, prod + 1, CV_SYNC, 0), 0);
		ASSERT_EQ(cv_wr(&e, CV_LQ0(2, 1) + CV_PROD, prod + 2), 0);
		/* CONS at the failing command, ERR = CERROR_ILL (1) */
		ASSERT_EQ(cv_rd(&e, CV_Q0(6) + CV_CONS), 0x01000000 | prod);
		/* GERROR.CMDQ_ERR active: GERROR 1 ^ GERRORN */
		ASSERT_EQ((cv_rd(&e, CV_Q0(6) + CV_GERROR) ^
			   cv_rd(&e, CV_Q0(6) + CV_GERRORN)),
			  1);
		/* VINTF 2's LVCMDQ 1: LVCMDQ_ERR_MAP bit 1 */
		ASSERT_EQ(cv_rd64(&e, CV_VI_LVERR(2, 0)), 0x2);
		ASSERT_EQ(cv_rd64(&e, CV_VI_LVERR(2, 1)), 0);
		/* global VCMDQ 6: CMDQ_ERR_MAP(0) bit 6 = 0x40 */
		ASSERT_EQ(cv_rd(&e, CV_CMDQ_ERR_MAP(0)), 0x40);
		/* VINTF_ERR_MAP bit 2 */
		ASSERT_EQ(cv_rd(&e, CV_VINTF_ERR_MAP), 0x4);
		ASSERT_EQ(cv_rd(&e, CV_VINTF_ERR_MAP + 4), 0);
		/* VINTF_STATUS: STATUS [3:1] = 1 (0x2) | ENABLED | 2 LVCMDQs
		 * = 0x20003 */
		ASSERT_EQ(cv_rd(&e, CV_VI_STATUS(2)), 0x20003);
		ASSERT_EQ(e.irqs[VSMMU_IRQ_CMDQV], i + 1);
		ASSERT_EQ(e.irqs[VSMMU_IRQ_GERROR], 0);
		/* halted: another PROD write consumes nothing */
		ASSERT_EQ(cv_wr(&e, CV_LQ0(2, 1) + CV_PROD, prod + 2), 0);
		ASSERT_EQ(cv_rd(&e, CV_Q0(6) + CV_CONS), 0x01000000 | prod);
		/* the other queues never saw an error */
		ASSERT_EQ(cv_rd(&e, CV_Q0(5) + CV_GERROR), 0);
		ASSERT_EQ(cv_rd(&e, CV_Q0(7) + CV_GERROR), 0);
		ASSERT_EQ(cv_rd(&e, CV_VI_STATUS(3)), 0x10001);
		/* recovery as Linux: a CMD_SYNC over the failing command,
		 * then GERRORN = GERROR */
		ASSERT_EQ(cv_put(&e, 6, prod, CV_SYNC, 0), 0);
		ASSERT_EQ(cv_wr(&e, CV_LQ0(2, 1) + CV_GERRORN,
				cv_rd(&e, CV_LQ0(2, 1) + CV_GERROR)),
			  0);
		/* consumed on, CONS.ERR stays until the next error */
		ASSERT_EQ(cv_rd(&e, CV_Q0(6) + CV_CONS),
			  0x01000000 | (prod + 2));
		ASSERT_EQ(cv_rd64(&e, CV_VI_LVERR(2, 0)), 0);
		ASSERT_EQ(cv_rd(&e, CV_CMDQ_ERR_MAP(0)), 0);
		ASSERT_EQ(cv_rd(&e, CV_VINTF_ERR_MAP), 0);
		ASSERT_EQ(cv_rd(&e, CV_VI_STATUS(2)), 0x20001);
	}
	/* VINTF_INT_MASK bit 2 masks VINTF 2's interrupt, not the error */
	ASSERT_EQ(cv_wr(&e, CV_VINTF_INT_MASK, 0x4), 0);
	ASSERT_EQ(cv_put(&e, 5, 0, CV_CFGI_STE_1, 0), 0);
	ASSERT_EQ(cv_wr(&e, CV_Q0(5) + CV_PROD, 1), 0);
	ASSERT_EQ(cv_rd(&e, CV_Q0(5) + CV_CONS), 0x01000000);
	ASSERT_EQ(cv_rd64(&e, CV_VI_LVERR(2, 0)), 0x1);
	/* VCMDQ 5: bit 5 = 0x20 */
	ASSERT_EQ(cv_rd(&e, CV_CMDQ_ERR_MAP(0)), 0x20);
	ASSERT_EQ(e.irqs[VSMMU_IRQ_CMDQV], (sizeof(bad) / sizeof(bad[0])));
	cv_env_fini(&e);
}

/* A ring in absent memory: CERROR_ABT (2); a fixed BASE recovers */
TEST(cmdqv_fetch_abort)
{
	struct cv_env e;

	ASSERT_EQ(cv_env_init(&e, VSMMU_EXEC_SYNC), 0);
	ASSERT_EQ(cv_wr(&e, CV_CONFIG, 1), 0);
	ASSERT_EQ(cv_vintf(&e, 0, true, 0), 0);
	ASSERT_EQ(cv_wr(&e, CV_CMDQ_ALLOC(0), 1), 0);
	ASSERT_EQ(cv_wr64(&e, CV_Q1(0) + CV_BASE, 0x100000000ULL | 8), 0);
	ASSERT_EQ(cv_wr(&e, CV_Q0(0) + CV_QCONFIG, 1), 0);
	ASSERT_EQ(cv_wr(&e, CV_Q0(0) + CV_PROD, 1), 0);
	ASSERT_EQ(cv_rd(&e, CV_Q0(0) + CV_CONS), 0x02000000);
	ASSERT_EQ(cv_rd(&e, CV_Q0(0) + CV_GERROR), 1);
	ASSERT_EQ(e.irqs[VSMMU_IRQ_CMDQV], 1);
	/* disable, point BASE at memory, reset CONS, enable, acknowledge */
	ASSERT_EQ(cv_wr(&e, CV_Q0(0) + CV_QCONFIG, 0), 0);
	ASSERT_EQ(cv_wr64(&e, CV_Q1(0) + CV_BASE, CV_RING(0) | 8), 0);
	ASSERT_EQ(cv_wr(&e, CV_Q0(0) + CV_CONS, 0), 0);
	ASSERT_EQ(cv_put(&e, 0, 0, CV_SYNC, 0), 0);
	ASSERT_EQ(cv_wr(&e, CV_Q0(0) + CV_QCONFIG, 1), 0);
	ASSERT_EQ(cv_rd(&e, CV_Q0(0) + CV_CONS), 0); /* still halted */
	ASSERT_EQ(cv_wr(&e, CV_Q0(0) + CV_GERRORN, 1), 0);
	ASSERT_EQ(cv_rd(&e, CV_Q0(0) + CV_CONS), 1);
	cv_env_fini(&e);
}

/* CMD_SYNC on a VCMDQ signals nothing (CS = NONE only); CS = 3 is ILL */
TEST(cmdqv_sync_without_msi)
{
	struct cv_env e;
	uint64_t msi = 0;

	ASSERT_EQ(cv_env_init(&e, VSMMU_EXEC_SYNC), 0);
	ASSERT_EQ(cv_wr(&e, CV_CONFIG, 1), 0);
	ASSERT_EQ(cv_vintf(&e, 0, true, 0), 0);
	ASSERT_EQ(cv_queue(&e, 0, 0, 0), 0);
	/* CS = IRQ (0x1000), MSIData 0x77 << 32, MSIAddress 0x70000 */
	ASSERT_EQ(cv_put(&e, 0, 0, 0x1046ULL | (0x77ULL << 32), CV_MSI), 0);
	/* CS = IRQ without an address: would be the wired interrupt */
	ASSERT_EQ(cv_put(&e, 0, 1, 0x1046ULL, 0), 0);
	ASSERT_EQ(cv_wr(&e, CV_Q0(0) + CV_PROD, 2), 0);
	ASSERT_EQ(cv_rd(&e, CV_Q0(0) + CV_CONS), 2);
	ASSERT_EQ(vsmmu_mem_read64(e.mem, CV_MSI, &msi), 0);
	ASSERT_EQ(msi, 0);
	ASSERT_EQ(e.irqs[VSMMU_IRQ_CMD_SYNC], 0);
	ASSERT_EQ(cv_put(&e, 0, 2, 0x3046ULL, 0), 0);
	ASSERT_EQ(cv_wr(&e, CV_Q0(0) + CV_PROD, 3), 0);
	ASSERT_EQ(cv_rd(&e, CV_Q0(0) + CV_CONS), 0x01000002);
	cv_env_fini(&e);
}

/*
 * An unresponsive device's ATC_INV fails the next CMD_SYNC of the queue
 * that issued it, and of no other queue.  A main-queue CMD_SYNC drops the
 * pending timeout of a disabled VCMDQ (Linux's teardown flush).
 */
TEST(cmdqv_atc_timeout_stays_on_its_queue)
{
	struct cv_env e;
	struct vsmmu_atc *atc;

	ASSERT_EQ(cv_env_init(&e, VSMMU_EXEC_SYNC), 0);
	ASSERT_EQ(vsmmu_atc_create(e.smmu, 2, 16, &atc), 0);
	vsmmu_atc_set_responsive(atc, false);
	ASSERT_EQ(cv_wr(&e, CV_CONFIG, 1), 0);
	ASSERT_EQ(cv_vintf(&e, 1, false, 1), 0);
	ASSERT_EQ(cv_vintf(&e, 2, false, 2), 0);
	/* VINTF 1's vSID 4 is pSID 2: match 4 << 1 | 1 = 9 */
	ASSERT_EQ(cv_wr(&e, CV_VI_SID_MATCH(1, 0), 9), 0);
	ASSERT_EQ(cv_wr(&e, CV_VI_SID_REPLACE(1, 0), 2), 0);
	ASSERT_EQ(cv_queue(&e, 0, 1, 0), 0);
	ASSERT_EQ(cv_queue(&e, 1, 2, 0), 0);
	ASSERT_EQ(cv_put(&e, 0, 0, CV_ATC_INV(4), CV_ATC_ALL), 0);
	ASSERT_EQ(cv_wr(&e, CV_Q0(0) + CV_PROD, 1), 0);
	/* the other guest's sync completes */
	ASSERT_EQ(cv_put(&e, 1, 0, CV_SYNC, 0), 0);
	ASSERT_EQ(cv_wr(&e, CV_Q0(1) + CV_PROD, 1), 0);
	ASSERT_EQ(cv_rd(&e, CV_Q0(1) + CV_CONS), 1);
	ASSERT_EQ(cv_rd(&e, CV_Q0(1) + CV_GERROR), 0);
	/* its own: CERROR_ATC_INV_SYNC (3), CONS at the sync */
	ASSERT_EQ(cv_put(&e, 0, 1, CV_SYNC, 0), 0);
	ASSERT_EQ(cv_wr(&e, CV_Q0(0) + CV_PROD, 2), 0);
	ASSERT_EQ(cv_rd(&e, CV_Q0(0) + CV_CONS), 0x03000001);
	/* reported once: acknowledged, the retried sync completes */
	ASSERT_EQ(cv_wr(&e, CV_Q0(0) + CV_GERRORN, 1), 0);
	ASSERT_EQ(cv_rd(&e, CV_Q0(0) + CV_CONS), 0x03000002);
	/* An ATC_INV left without a sync on a queue then disabled ... */
	ASSERT_EQ(cv_put(&e, 0, 2, CV_ATC_INV(4), CV_ATC_ALL), 0);
	ASSERT_EQ(cv_wr(&e, CV_Q0(0) + CV_PROD, 3), 0);
	ASSERT_EQ(cv_wr(&e, CV_Q0(0) + CV_QCONFIG, 0), 0);
	/* ... is flushed by a CMD_SYNC on the main queue (0x40000) */
	ASSERT_EQ(vsmmu_mem_write64(e.mem, 0x40000, CV_SYNC), 0);
	ASSERT_EQ(vsmmu_mem_write64(e.mem, 0x40008, 0), 0);
	ASSERT_EQ(vsmmu_smmu_mmio_write(e.smmu, 0x98, 4, 1), 0);
	/* the next owner's first sync completes */
	ASSERT_EQ(cv_wr(&e, CV_Q0(0) + CV_QCONFIG, 1), 0);
	ASSERT_EQ(cv_put(&e, 0, 3, CV_SYNC, 0), 0);
	ASSERT_EQ(cv_wr(&e, CV_Q0(0) + CV_PROD, 4), 0);
	ASSERT_EQ(cv_rd(&e, CV_Q0(0) + CV_CONS) & 0xfffff, 4);
	ASSERT_EQ(cv_rd(&e, CV_Q0(0) + CV_GERROR) ^
			  cv_rd(&e, CV_Q0(0) + CV_GERRORN),
		  0);
	vsmmu_atc_destroy(atc);
	cv_env_fini(&e);
}

/* --- VSMMU_EXEC_THREAD: one consumer per enabled VCMDQ ------------------ */

#define THR_QUEUES 4
#define THR_ROUNDS 200

struct thr_arg {
	struct cv_env *e;
	unsigned int q;
	int fail;
};

static void *thr_producer(void *p)
{
	struct thr_arg *a = p;
	uint32_t prod = 0;
	unsigned int r;

	for (r = 0; r < THR_ROUNDS; r++) {
		unsigned long spins = 0;

		if (cv_put(a->e, a->q, prod, CV_NH_VA(1, 1), 0x1000) ||
		    cv_put(a->e, a->q, prod + 1, CV_SYNC, 0)) {
			a->fail = 1;
			return NULL;
		}
		/* index and wrap bit of a 256-entry queue: [8:0] */
		prod = (prod + 2) & 0x1ff;
		cv_wr(a->e, CV_Q0(a->q) + CV_PROD, prod);
		while ((cv_rd(a->e, CV_Q0(a->q) + CV_CONS) & 0x1ff) != prod) {
			if (++spins > 200000000UL) {
				a->fail = 2;
				return NULL;
			}
		}
	}
	return NULL;
}

TEST(cmdqv_threaded_parallel_queues)
{
	struct cv_env e;
	struct thr_arg a[THR_QUEUES];
	pthread_t t[THR_QUEUES];
	struct vsmmu_smmu_stats st;
	unsigned int i;

	ASSERT_EQ(cv_env_init(&e, VSMMU_EXEC_THREAD), 0);
	ASSERT_EQ(cv_wr(&e, CV_CONFIG, 1), 0);
	ASSERT_EQ(cv_vintf(&e, 0, true, 0), 0);
	for (i = 0; i < THR_QUEUES; i++)
		ASSERT_EQ(cv_queue(&e, i, 0, i), 0);
	for (i = 0; i < THR_QUEUES; i++) {
		a[i] = (struct thr_arg){ .e = &e, .q = i };
		ASSERT_EQ(pthread_create(&t[i], NULL, thr_producer, &a[i]), 0);
	}
	for (i = 0; i < THR_QUEUES; i++) {
		pthread_join(t[i], NULL);
		ASSERT_EQ(a[i].fail, 0);
	}
	vsmmu_smmu_get_stats(e.smmu, &st);
	/* TLBI_NH_VA (0x12) and CMD_SYNC (0x46) */
	ASSERT_EQ(st.cmds[0x12], THR_QUEUES * THR_ROUNDS);
	ASSERT_EQ(st.cmds[0x46], THR_QUEUES * THR_ROUNDS);
	/* Disabling joins a queue's consumer: nothing more is consumed */
	ASSERT_EQ(cv_wr(&e, CV_Q0(0) + CV_QCONFIG, 0), 0);
	ASSERT_EQ(cv_put(&e, 0, 0x190, CV_SYNC, 0), 0);
	ASSERT_EQ(cv_wr(&e, CV_Q0(0) + CV_PROD, 0x191), 0);
	ASSERT_EQ(cv_rd(&e, CV_Q0(0) + CV_CONS), 0x190);
	/* Re-enabling gives it a consumer again */
	ASSERT_EQ(cv_wr(&e, CV_Q0(0) + CV_QCONFIG, 1), 0);
	for (i = 0; i < 100000000 && cv_rd(&e, CV_Q0(0) + CV_CONS) != 0x191;
	     i++)
		;
	ASSERT_EQ(cv_rd(&e, CV_Q0(0) + CV_CONS), 0x191);
	/* CMDQV off stops them all; destroy with consumers still running */
	ASSERT_EQ(cv_wr(&e, CV_CONFIG, 0), 0);
	ASSERT_EQ(cv_wr(&e, CV_CONFIG, 1), 0);
	cv_env_fini(&e);
}
