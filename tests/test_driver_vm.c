// SPDX-License-Identifier: MIT
/*
 * VMs on the host driver: a nest-parent stage 2, a VM's VMID over it, a
 * guest's STE as a nested domain, guest invalidations executed for it, and
 * the host's stage-2 unmaps reaching every VMID and SMMU that use the
 * table.  End to end through the hardware model, with the invalidation
 * checker on: a stale or torn entry anywhere fails the test.
 *
 * The guest's side is built the way a guest would: its CD and stage-1
 * tables in guest-physical memory (a vsmmu_mem aliasing the host pages
 * the stage 2 maps), with the page-table library, and its STE words and
 * commands spelled out from the spec's layouts.
 */
#include <errno.h>
#include <string.h>

#include <vsmmu/arch.h>
#include <vsmmu/host.h>
#include <vsmmu/pgtable.h>

#include "harness.h"
#include "nested_world.h"

static int vsid_map(void *arg, uint32_t vsid, uint32_t *sid)
{
	if (vsid != VSID)
		return -ENOENT;
	*sid = SID;
	return 0;
}

TEST(vm_nested_translates_through_both_stages)
{
	struct world w;
	struct vsmmu_txn_result r;

	ASSERT_OK(world_init(&w, NULL, false));
	ASSERT_NE(vsmmu_drv_vm_vmid(w.vm), 0);
	/* One VMID per VM, not the parent's */
	ASSERT_NE(vsmmu_drv_vm_vmid(w.vm), vsmmu_drv_domain_vmid(w.parent));
	ASSERT_OK(vsmmu_drv_nested_alloc(w.vm, w.gste, &w.nested));
	ASSERT_EQ(vsmmu_drv_domain_vmid(w.nested), vsmmu_drv_vm_vmid(w.vm));
	ASSERT_OK(vsmmu_drv_attach(w.m, w.nested));
	/* IOVA -> GPA_DATA (guest stage 1) -> HPA_RAM + GPA_DATA (stage 2) */
	ASSERT_OK(world_txn(&w, SID, IOVA + 0x18, &r));
	ASSERT_EQ(r.outcome, VSMMU_TXN_OK);
	ASSERT_EQ(r.oa, HPA_RAM + GPA_DATA + 0x18);
	ASSERT_EQ(r.ipa, GPA_DATA + 0x18);
	world_fini(&w);
}

/*
 * The guest unmaps in its stage 1 and sends TLBI_NH_VA with a VMID of its
 * own choosing (0x777): the host forces the VM's VMID, so the entry goes
 * and the next access faults (F_TRANSLATION, stage 1).
 */
TEST(vm_guest_tlbi_vmid_forced)
{
	struct world w;
	struct vsmmu_txn_result r;
	struct vsmmu_pgtable_gather g;
	uint64_t cmd[1][2];
	unsigned int done = 99;

	ASSERT_OK(world_init(&w, NULL, false));
	ASSERT_OK(vsmmu_drv_nested_alloc(w.vm, w.gste, &w.nested));
	ASSERT_OK(vsmmu_drv_attach(w.m, w.nested));
	ASSERT_OK(world_txn(&w, SID, IOVA, &r));
	ASSERT_EQ(r.outcome, VSMMU_TXN_OK);
	ASSERT_OK(world_txn(&w, SID, IOVA, &r));
	ASSERT_TRUE(r.tlb_hit);
	vsmmu_pgtable_gather_init(&g);
	ASSERT_EQ(vsmmu_pgtable_unmap(w.gpt, IOVA, 0x1000, &g), 0x1000);
	/* TLBI_NH_VA (0x12), VMID 0x777 [47:32], ASID 7 [63:48]; dw1: the
	 * address [63:12] */
	cmd[0][0] = 0x12ULL | (0x777ULL << 32) | (7ULL << 48);
	cmd[0][1] = IOVA;
	ASSERT_OK(vsmmu_drv_vm_invalidate(w.vm, (const uint64_t(*)[2])cmd, 1,
					  vsid_map, NULL, &done));
	ASSERT_EQ(done, 1);
	ASSERT_OK(world_txn(&w, SID, IOVA, &r));
	ASSERT_EQ(r.outcome, VSMMU_TXN_FAULT);
	ASSERT_EQ(r.evt[0] & 0xff, 0x10); /* F_TRANSLATION */
	ASSERT_EQ((r.evt[1] >> 39) & 1, 0); /* S2 = 0: stage 1 */
	world_fini(&w);
}

/*
 * What the host refuses (Linux's opcode list, then the SMMU's own rule),
 * with entry counts: the commands before a refused one are executed, the
 * host's queue never sees an illegal command (no CERROR).
 */
TEST(vm_guest_commands_refused)
{
	struct world w;
	struct vsmmu_drv_stats st;
	uint64_t cmds[3][2] = { { 0 } };
	unsigned int done = 99;

	ASSERT_OK(world_init(&w, NULL, false));
	/* TLBI_NH_ASID (0x11) ASID 7, then CFGI_STE (0x03): refused */
	cmds[0][0] = 0x11ULL | (7ULL << 48);
	cmds[1][0] = 0x03ULL | ((uint64_t)VSID << 32);
	cmds[2][0] = 0x11ULL | (8ULL << 48);
	ASSERT_EQ(vsmmu_drv_vm_invalidate(w.vm, (const uint64_t(*)[2])cmds, 3,
					  vsid_map, NULL, &done),
		  -EIO);
	ASSERT_EQ(done, 1);
	/* CFGI_CD (0x05) of an unknown vSID 0x99 */
	cmds[0][0] = 0x05ULL | (0x99ULL << 32);
	ASSERT_EQ(vsmmu_drv_vm_invalidate(w.vm, (const uint64_t(*)[2])cmds, 1,
					  vsid_map, NULL, &done),
		  -EIO);
	ASSERT_EQ(done, 0);
	/* ... and of the known one: accepted (SID replaced) */
	cmds[0][0] = 0x05ULL | ((uint64_t)VSID << 32);
	ASSERT_OK(vsmmu_drv_vm_invalidate(w.vm, (const uint64_t(*)[2])cmds, 1,
					  vsid_map, NULL, &done));
	ASSERT_EQ(done, 1);
	/* TLBI_NH_VA with bit 11 of dword 0 set (SSV: not a TLBI field) */
	cmds[0][0] = 0x12ULL | (1ULL << 11) | (7ULL << 48);
	cmds[0][1] = IOVA;
	ASSERT_EQ(vsmmu_drv_vm_invalidate(w.vm, (const uint64_t(*)[2])cmds, 1,
					  vsid_map, NULL, &done),
		  -EIO);
	/* ATC_INV with Size 53 (> 52 is CERROR_ILL) */
	cmds[0][0] = 0x40ULL | ((uint64_t)VSID << 32);
	cmds[0][1] = 53;
	ASSERT_EQ(vsmmu_drv_vm_invalidate(w.vm, (const uint64_t(*)[2])cmds, 1,
					  vsid_map, NULL, &done),
		  -EIO);
	/* TLBI_NSNH_ALL (0x30) becomes NH_ALL of the VM: accepted */
	cmds[0][0] = 0x30;
	cmds[0][1] = ~0ULL;
	ASSERT_OK(vsmmu_drv_vm_invalidate(w.vm, (const uint64_t(*)[2])cmds, 1,
					  vsid_map, NULL, &done));
	vsmmu_drv_get_stats(w.drv, &st);
	ASSERT_EQ(st.cerror_ill, 0);
	world_fini(&w);
}

/*
 * The host unmaps guest RAM in the nest parent: the VM's VMID is
 * invalidated too (S2_IPA + NH_ALL), so the guest's cached combined entry
 * goes and the access faults at stage 2.
 */
TEST(vm_parent_unmap_reaches_the_vm)
{
	struct world w;
	struct vsmmu_txn_result r;

	ASSERT_OK(world_init(&w, NULL, false));
	ASSERT_OK(vsmmu_drv_nested_alloc(w.vm, w.gste, &w.nested));
	ASSERT_OK(vsmmu_drv_attach(w.m, w.nested));
	ASSERT_OK(world_txn(&w, SID, IOVA, &r));
	ASSERT_EQ(r.outcome, VSMMU_TXN_OK);
	ASSERT_EQ(vsmmu_drv_unmap(w.parent, GPA_DATA, 0x1000, 0, NULL, NULL),
		  0x1000);
	ASSERT_OK(world_txn(&w, SID, IOVA, &r));
	ASSERT_EQ(r.outcome, VSMMU_TXN_FAULT);
	ASSERT_EQ(r.evt[0] & 0xff, 0x10); /* F_TRANSLATION */
	ASSERT_EQ((r.evt[1] >> 39) & 1, 1); /* S2 = 1 */
	ASSERT_EQ(r.evt[3] & ~0xfffULL, GPA_DATA); /* the IPA */
	world_fini(&w);
}

/*
 * The guest rewrites its STE: stage 1 -> bypass (the parent's stage 2
 * with the VM's VMID: IOVA = IPA) -> abort (V = 0 too) -> stage 1 again.
 * Each is a new nested domain replacing the old one on the master; the
 * checker (on for the whole test) sees no torn STE, and no event is
 * raised by the replacements.
 */
TEST(vm_guest_ste_changes)
{
	struct world w;
	struct vsmmu_txn_result r;
	struct vsmmu_drv_domain *byp, *abt, *inval, *s1;
	uint64_t ste[2];

	ASSERT_OK(world_init(&w, NULL, false));
	ASSERT_OK(vsmmu_drv_nested_alloc(w.vm, w.gste, &s1));
	ste[0] = 0x9; /* V | Config 0b100 (bypass) */
	ste[1] = 0;
	ASSERT_OK(vsmmu_drv_nested_alloc(w.vm, ste, &byp));
	ste[0] = 0x1; /* V | Config abort */
	ASSERT_OK(vsmmu_drv_nested_alloc(w.vm, ste, &abt));
	ste[0] = 0x1234000; /* V = 0: anything else is ignored */
	ste[1] = ~0ULL;
	ASSERT_OK(vsmmu_drv_nested_alloc(w.vm, ste, &inval));

	ASSERT_OK(vsmmu_drv_attach(w.m, s1));
	ASSERT_OK(world_txn(&w, SID, IOVA, &r));
	ASSERT_EQ(r.oa, HPA_RAM + GPA_DATA);
	ASSERT_OK(vsmmu_drv_attach(w.m, byp));
	ASSERT_OK(world_txn(&w, SID, GPA_DATA + 8, &r));
	ASSERT_EQ(r.outcome, VSMMU_TXN_OK);
	ASSERT_EQ(r.oa, HPA_RAM + GPA_DATA + 8);
	ASSERT_OK(vsmmu_drv_attach(w.m, abt));
	ASSERT_OK(world_txn(&w, SID, GPA_DATA, &r));
	ASSERT_EQ(r.outcome, VSMMU_TXN_TERMINATED);
	ASSERT_OK(vsmmu_drv_attach(w.m, inval));
	ASSERT_OK(world_txn(&w, SID, GPA_DATA, &r));
	ASSERT_EQ(r.outcome, VSMMU_TXN_TERMINATED);
	ASSERT_OK(vsmmu_drv_attach(w.m, s1));
	ASSERT_OK(world_txn(&w, SID, IOVA, &r));
	ASSERT_EQ(r.oa, HPA_RAM + GPA_DATA);
	ASSERT_EQ(vsmmu_drv_process(w.drv), 0);
	ASSERT_EQ(w.events, 0);
	/* In use: neither the domain, its VM nor the parent may go */
	ASSERT_EQ(vsmmu_drv_domain_free(s1), -EBUSY);
	ASSERT_EQ(vsmmu_drv_vm_destroy(w.vm), -EBUSY);
	ASSERT_EQ(vsmmu_drv_domain_free(w.parent), -EBUSY);
	ASSERT_OK(vsmmu_drv_attach(w.m, NULL));
	ASSERT_OK(vsmmu_drv_domain_free(s1));
	ASSERT_OK(vsmmu_drv_domain_free(byp));
	ASSERT_OK(vsmmu_drv_domain_free(abt));
	ASSERT_EQ(vsmmu_drv_vm_destroy(w.vm), -EBUSY); /* inval remains */
	ASSERT_OK(vsmmu_drv_domain_free(inval));
	ASSERT_OK(vsmmu_drv_vm_destroy(w.vm));
	w.vm = NULL;
	world_fini(&w);
}

/* Linux's refusals of a guest STE reach the caller as -EIO. */
TEST(vm_nested_alloc_refusals)
{
	struct world w;
	struct vsmmu_drv_domain *d = NULL;
	struct vsmmu_drv_domain_cfg s2 = { .type = VSMMU_DRV_DOMAIN_S2 };
	struct vsmmu_drv_vm *vm2 = NULL;
	uint64_t ste[2] = { 0xd, 0 }; /* Config stage 2: not the guest's */

	ASSERT_OK(world_init(&w, NULL, false));
	ASSERT_EQ(vsmmu_drv_nested_alloc(w.vm, ste, &d), -EIO);
	ste[0] = 0xb;
	ste[1] = 1ULL << 19; /* MEV is the host's */
	ASSERT_EQ(vsmmu_drv_nested_alloc(w.vm, ste, &d), -EIO);
	/* A VM needs a nest parent */
	ASSERT_OK(vsmmu_drv_domain_alloc(w.drv, &s2, &d));
	ASSERT_EQ(vsmmu_drv_vm_create(w.drv, d, &vm2), -EINVAL);
	ASSERT_OK(vsmmu_drv_domain_free(d));
	world_fini(&w);
}

/*
 * ATS under nesting: a guest STE with EATS = 0b01 on a master using ATS
 * gets full ATS (the endpoint's Translation Request succeeds with the
 * combined translation); without the guest's EATS it is refused (UR).  The
 * host's stage-2 unmap then invalidates the endpoint's ATC -- all of it:
 * its entries are the guest's addresses -- after the TLBs.
 */
TEST(vm_nested_ats)
{
	struct world w;
	struct vsmmu_atc *atc;
	struct vsmmu_atc_stats a0, a1;
	struct vsmmu_ats_result ar;
	struct vsmmu_txn_result r;
	struct vsmmu_txn t = { .sid = SID,
			       .addr = IOVA,
			       .flags = VSMMU_TXN_READ };
	struct vsmmu_drv_domain *no_ats;

	ASSERT_OK(world_init(&w, NULL, true));
	ASSERT_OK(vsmmu_atc_create(w.smmu, SID, 16, &atc));
	ASSERT_OK(vsmmu_drv_nested_alloc(w.vm, w.gste, &no_ats));
	ASSERT_OK(vsmmu_drv_attach(w.m, no_ats));
	ASSERT_OK(vsmmu_smmu_ats_translate(w.smmu, &t, &ar));
	ASSERT_EQ(ar.status, VSMMU_ATS_UR);
	w.gste[1] |= 1ULL << 28; /* EATS = 0b01 */
	ASSERT_OK(vsmmu_drv_nested_alloc(w.vm, w.gste, &w.nested));
	ASSERT_OK(vsmmu_drv_attach(w.m, w.nested));
	ASSERT_OK(vsmmu_smmu_ats_translate(w.smmu, &t, &ar));
	ASSERT_EQ(ar.status, VSMMU_ATS_SUCCESS);
	ASSERT_EQ(ar.addr, HPA_RAM + GPA_DATA);
	/* The endpoint caches it, then the host unmaps the page */
	ASSERT_OK(vsmmu_atc_access(atc, &t, &r, NULL));
	ASSERT_EQ(r.outcome, VSMMU_TXN_OK);
	vsmmu_atc_get_stats(atc, &a0);
	ASSERT_EQ(a0.valid, 1);
	ASSERT_EQ(vsmmu_drv_unmap(w.parent, GPA_DATA, 0x1000, 0, NULL, NULL),
		  0x1000);
	vsmmu_atc_get_stats(atc, &a1);
	ASSERT_TRUE(a1.inv_requests > a0.inv_requests);
	ASSERT_EQ(a1.valid, 0);
	vsmmu_atc_destroy(atc);
	world_fini(&w);
}

/*
 * Two SMMUs over one memory: the parent lives on the first, a VM of the
 * same guest on the second.  An unmap of the parent invalidates the
 * second SMMU's VMID too.
 */
TEST(vm_parent_shared_across_smmus)
{
	struct world w;
	struct vsmmu_host_config hc;
	struct vsmmu_host *h2;
	struct vsmmu_drv_vm *vm2;
	struct vsmmu_drv_domain *n2;
	struct vsmmu_drv_master *m2;
	struct vsmmu_txn_result r;
	struct vsmmu_txn t = { .sid = 9,
			       .addr = IOVA,
			       .flags = VSMMU_TXN_READ };
	uint32_t sid = 9;

	ASSERT_OK(world_init(&w, NULL, false));
	vsmmu_host_config_default(&hc);
	hc.pool_base = 0x300000000ULL;
	hc.drv.log_fn = world_quiet;
	ASSERT_OK(vsmmu_host_create(&hc, w.mem, &h2));
	ASSERT_OK(vsmmu_drv_vm_create(vsmmu_host_drv(h2), w.parent, &vm2));
	ASSERT_OK(vsmmu_drv_nested_alloc(vm2, w.gste, &n2));
	ASSERT_OK(vsmmu_drv_master_create(vsmmu_host_drv(h2), &sid, 1, 0, &m2));
	ASSERT_OK(vsmmu_drv_attach(m2, n2));
	ASSERT_OK(vsmmu_translate(vsmmu_host_smmu(h2), &t, &r));
	ASSERT_EQ(r.oa, HPA_RAM + GPA_DATA);
	ASSERT_OK(vsmmu_translate(vsmmu_host_smmu(h2), &t, &r));
	ASSERT_TRUE(r.tlb_hit);
	ASSERT_EQ(vsmmu_drv_unmap(w.parent, GPA_DATA, 0x1000, 0, NULL, NULL),
		  0x1000);
	ASSERT_OK(vsmmu_translate(vsmmu_host_smmu(h2), &t, &r));
	ASSERT_EQ(r.outcome, VSMMU_TXN_FAULT);
	/* Destroy the second host's objects before the parent goes */
	vsmmu_host_destroy(h2);
	world_fini(&w);
}
