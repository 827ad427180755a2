/* SPDX-License-Identifier: MIT */
/*
 * A small world for the CMDQV model tests (test_cmdqv*.c), everything
 * hand-encoded:
 *   0x10000 stream table, linear, LOG2SIZE 3 (8 STEs of 64 bytes).
 *           STE n (n = 1..3) at 0x10000 + 64 n: dw0 = V | Config 0b101
 *           (S1 only, 0xa) | S1ContextPtr 0x20000 = 0x2000b; dw2 =
 *           S2VMID n (the VMID tags stage-1 entries, 3.17).
 *   0x20000 CD: ASID 1, T0SZ 16, 4K, TTB0 0x30000 (as tests/test_queue.c)
 *   0x30000 4K tables: IOVA 0x1000 -> 0x80000 (nG), IOVA 0x2000 -> 0x81000
 *   0x40000 main command queue, 256 entries
 *   0x60000 + 0x1000 q: VCMDQ q's ring, 256 entries (BASE LOG2SIZE 8)
 *   0x70000 MSI targets
 * CMDQV: 4 VINTFs (log2 2), 8 VCMDQs (log2 3), 16 SID pairs, version 1.
 */
#ifndef VSMMU_TEST_CMDQV_ENV_H
#define VSMMU_TEST_CMDQV_ENV_H

#include <vsmmu/vsmmu.h>

/* CMDQV offsets (the reference's table) */
#define CV_CONFIG 0x0000
#define CV_PARAM 0x0004
#define CV_STATUS 0x0008
#define CV_VINTF_ERR_MAP 0x0014
#define CV_VINTF_INT_MASK 0x001c
#define CV_CMDQ_ERR_MAP(m) (0x0024 + 4 * (m))
#define CV_CMDQ_ALLOC(q) (0x0200 + 4 * (q))
#define CV_VINTF(v) (0x1000 + 0x100 * (v))
#define CV_VI_CONFIG(v) CV_VINTF(v)
#define CV_VI_STATUS(v) (CV_VINTF(v) + 0x04)
#define CV_VI_SID_MATCH(v, s) (CV_VINTF(v) + 0x40 + 4 * (s))
#define CV_VI_SID_REPLACE(v, s) (CV_VINTF(v) + 0x80 + 4 * (s))
#define CV_VI_LVERR(v, m) (CV_VINTF(v) + 0xc0 + 8 * (m))
#define CV_Q0(q) (0x10000 + 0x80 * (q)) /* global page 0 */
#define CV_Q1(q) (0x20000 + 0x80 * (q)) /* global page 1 */
#define CV_LQ0(i, q) (0x30000 + 0x20000 * (i) + 0x80 * (q))
#define CV_LQ1(i, q) (CV_LQ0(i, q) + 0x10000)
#define CV_CONS 0x00
#define CV_PROD 0x04
#define CV_QCONFIG 0x08
#define CV_QSTATUS 0x0c
#define CV_GERROR 0x10
#define CV_GERRORN 0x14
#define CV_BASE 0x00
#define CV_CONS_INDX_BASE 0x08
#define CV_BLOCK_SIZE (0x30000 + 4 * 0x20000) /* 4 VINTFs */

#define CV_RING(q) (0x60000ULL + 0x1000ULL * (q))
#define CV_MSI 0x70000ULL

/* Hand-encoded commands */
/* TLBI_NH_VA (0x12): VMID [47:32], ASID [63:48]; dw1 address [63:12] */
#define CV_NH_VA(vmid, asid) \
	(0x12ULL | ((uint64_t)(vmid) << 32) | ((uint64_t)(asid) << 48))
/* TLBI_NH_ASID (0x11) */
#define CV_NH_ASID(vmid, asid) \
	(0x11ULL | ((uint64_t)(vmid) << 32) | ((uint64_t)(asid) << 48))
/* TLBI_S12_VMALL (0x28): VMID [47:32] */
#define CV_S12_VMALL(vmid) (0x28ULL | ((uint64_t)(vmid) << 32))
/* ATC_INV (0x40): SID [63:32]; dw1 Size [5:0] = 52 (0x34): everything */
#define CV_ATC_INV(sid) (0x40ULL | ((uint64_t)(sid) << 32))
#define CV_ATC_ALL 0x34ULL
/* CMD_SYNC (0x46) CS = NONE; CS = IRQ is CS [13:12] = 1: 0x1046 */
#define CV_SYNC 0x46ULL
/* CFGI_STE (0x03) of SID 1: SID [63:32] */
#define CV_CFGI_STE_1 0x0000000100000003ULL

struct cv_env {
	struct vsmmu_mem *mem;
	struct vsmmu_smmu *smmu;
	unsigned int irqs[8];
};

int cv_env_init(struct cv_env *e, enum vsmmu_exec_mode mode);
void cv_env_fini(struct cv_env *e);
uint64_t cv_rd(struct cv_env *e, uint64_t off);
/* As the guest, through the tests' trap layer (guest_trap.h, no remap) */
uint64_t cv_grd(struct cv_env *e, uint64_t off);
uint64_t cv_rd64(struct cv_env *e, uint64_t off);
int cv_wr(struct cv_env *e, uint64_t off, uint64_t v);
int cv_gwr(struct cv_env *e, uint64_t off, uint64_t v);
int cv_wr64(struct cv_env *e, uint64_t off, uint64_t v);
/* Host: VINTF v with VMID and HYP_OWN, enabled */
int cv_vintf(struct cv_env *e, unsigned int v, bool hyp_own, unsigned int vmid);
/* Host: VCMDQ q given to VINTF v as LVCMDQ lv, its ring set, enabled */
int cv_queue(struct cv_env *e, unsigned int q, unsigned int v, unsigned int lv);
int cv_put(struct cv_env *e, unsigned int q, unsigned int slot, uint64_t dw0,
	   uint64_t dw1);
/* Translate (sid, iova): 1 if served from the IOTLB, 0 if walked, -1 */
int cv_hit(struct cv_env *e, uint32_t sid, uint64_t iova, uint64_t *oa);

#endif
