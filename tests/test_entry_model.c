// SPDX-License-Identifier: MIT
/*
 * The used-bit rules of <vsmmu/entry.h> against the hardware model: for
 * every STE and CD the driver builds (bypass, abort, stage 1 with and
 * without substreams, S1DSS bypass, stage 2, dirty-tracked stage 2, and a
 * guest's nested stage 1 and bypass), flipping any bit the rule says the
 * SMMU does not use must not change what any transaction does -- outcome,
 * output address, permissions and event record.  This is what makes one
 * rule safe for both the hitless writer (which changes unused bits at any
 * time) and the checker (which ignores them).  The converse (a used bit
 * that the model ignores) is allowed: the rule may be wider than one
 * model's implementation of the architecture.
 */
#include <errno.h>
#include <string.h>

#include <vsmmu/arch.h>
#include <vsmmu/entry.h>

#include "driver/drv.h"
#include "harness.h"
#include "nested_world.h"

#define NTXN 10

struct probe {
	uint32_t sid;
	bool ssv;
	uint32_t ssid;
	uint64_t addr;
	unsigned int flags;
};

struct outcome {
	enum vsmmu_txn_outcome o;
	uint64_t oa;
	unsigned int perm;
	uint64_t evt[4];
};

static void run(struct world *w, const struct probe *p, unsigned int n,
		struct outcome *out)
{
	struct vsmmu_cfgi ci = { .kind = VSMMU_CFGI_ALL };
	struct vsmmu_tlbi ti = { .kind = VSMMU_TLBI_NSNH_ALL };
	unsigned int i;

	vsmmu_smmu_cfgi(w->smmu, &ci);
	vsmmu_smmu_tlbi(w->smmu, &ti);
	for (i = 0; i < n; i++) {
		struct vsmmu_txn t = { .sid = p[i].sid,
				       .ssv = p[i].ssv,
				       .ssid = p[i].ssid,
				       .addr = p[i].addr,
				       .flags = p[i].flags };
		struct vsmmu_txn_result r;

		memset(&out[i], 0, sizeof(out[i]));
		if (vsmmu_translate(w->smmu, &t, &r)) {
			out[i].o = (enum vsmmu_txn_outcome)99;
			continue;
		}
		out[i].o = r.outcome;
		if (r.outcome == VSMMU_TXN_OK) {
			out[i].oa = r.oa;
			out[i].perm = r.perm;
		} else if (r.outcome == VSMMU_TXN_FAULT) {
			memcpy(out[i].evt, r.evt, sizeof(r.evt));
		}
	}
}

/*
 * Flip, one at a time, every bit of the 8 words at @pa that @used_fn says
 * is unused, and compare every probe's outcome with the reference.
 * Return the number of bits whose flip changed something (0 expected).
 */
static unsigned int flip_unused(struct world *w, uint64_t pa,
				void (*used_fn)(const uint64_t *, uint64_t *),
				const struct probe *p, unsigned int n,
				unsigned int *flipped)
{
	struct outcome ref[NTXN], got[NTXN];
	uint64_t e[8], used[8];
	unsigned int q, b, bad = 0;

	for (q = 0; q < 8; q++)
		vsmmu_mem_read64(w->mem, pa + 8 * q, &e[q]);
	used_fn(e, used);
	/* Twice: the probes' own side effects (a write dirtying a page
	 * under HTTU) settle in the first run */
	run(w, p, n, ref);
	run(w, p, n, ref);
	for (q = 0; q < 8; q++) {
		for (b = 0; b < 64; b++) {
			if (used[q] & (1ULL << b))
				continue;
			vsmmu_mem_write64(w->mem, pa + 8 * q,
					  e[q] ^ (1ULL << b));
			run(w, p, n, got);
			vsmmu_mem_write64(w->mem, pa + 8 * q, e[q]);
			(*flipped)++;
			if (memcmp(ref, got, n * sizeof(got[0]))) {
				if (bad < 4)
					printf("# word %u bit %u changes the "
					       "outcome (entry at 0x%llx)\n",
					       q, b, (unsigned long long)pa);
				bad++;
			}
		}
	}
	return bad;
}

static void probes_for(struct probe *p, uint32_t sid, uint64_t addr)
{
	static const unsigned int fl[] = { VSMMU_TXN_READ, VSMMU_TXN_WRITE,
					   VSMMU_TXN_EXEC,
					   VSMMU_TXN_READ | VSMMU_TXN_PRIV,
					   VSMMU_TXN_WRITE | VSMMU_TXN_PRIV };
	unsigned int i;

	for (i = 0; i < NTXN; i++) {
		p[i].sid = sid;
		p[i].flags = fl[i % 5];
		p[i].addr = addr + (i >= 5 ? 0x1000 : 0); /* mapped, unmapped */
		p[i].ssv = i == 3 || i == 8; /* a SubstreamID on some */
		p[i].ssid = 1;
	}
}

TEST(entry_rules_hold_for_the_model)
{
	struct world w;
	struct vsmmu_drv_domain_cfg c = { 0 };
	struct vsmmu_drv_domain *d[6] = { NULL };
	struct vsmmu_drv_domain *s1pasid = NULL;
	struct vsmmu_drv_master *m2;
	struct probe p[NTXN];
	uint32_t sid2 = 9;
	unsigned int i, bad = 0, flipped = 0;
	uint64_t ste_pa;
	uint64_t cd_pa = 0;
	uint64_t ste0;

	ASSERT_OK(world_init(&w, NULL, false));
	ASSERT_OK(vsmmu_mem_populate(w.mem, 0x290000000ULL, 0x2000));
	/* bypass, abort, stage 1, stage 2, dirty stage 2 */
	c.type = VSMMU_DRV_DOMAIN_BYPASS;
	ASSERT_OK(vsmmu_drv_domain_alloc(w.drv, &c, &d[0]));
	c.type = VSMMU_DRV_DOMAIN_ABORT;
	ASSERT_OK(vsmmu_drv_domain_alloc(w.drv, &c, &d[1]));
	c.type = VSMMU_DRV_DOMAIN_S1;
	ASSERT_OK(vsmmu_drv_domain_alloc(w.drv, &c, &d[2]));
	ASSERT_OK(vsmmu_drv_map(d[2], 0x10000, 0x290000000ULL, 0x1000,
				VSMMU_PROT_READ | VSMMU_PROT_WRITE));
	c.type = VSMMU_DRV_DOMAIN_S2;
	ASSERT_OK(vsmmu_drv_domain_alloc(w.drv, &c, &d[3]));
	ASSERT_OK(vsmmu_drv_map(d[3], 0x10000, 0x290000000ULL, 0x1000,
				VSMMU_PROT_READ));
	c.dirty_tracking = true;
	ASSERT_OK(vsmmu_drv_domain_alloc(w.drv, &c, &d[4]));
	ASSERT_OK(vsmmu_drv_map(d[4], 0x10000, 0x290000000ULL, 0x1000,
				VSMMU_PROT_READ | VSMMU_PROT_WRITE));
	ASSERT_OK(vsmmu_drv_nested_alloc(w.vm, w.gste, &d[5]));

	ste_pa = drv_ste_pa(w.drv, SID);
	probes_for(p, SID, 0x10000);
	for (i = 0; i < 5; i++) {
		ASSERT_OK(vsmmu_drv_attach(w.m, d[i]));
		bad += flip_unused(&w, ste_pa, vsmmu_ste_used, p, NTXN,
				   &flipped);
	}
	/* A guest's stage 1 (nested) and bypass */
	probes_for(p, SID, IOVA);
	ASSERT_OK(vsmmu_drv_attach(w.m, d[5]));
	bad += flip_unused(&w, ste_pa, vsmmu_ste_used, p, NTXN, &flipped);
	/* ... and the guest's CD (EPD1: its TTB1 half unused) */
	bad += flip_unused(&w, HPA_RAM + GPA_CDTAB, vsmmu_cd_used, p, NTXN,
			   &flipped);

	/* Substreams: a master with SSIDs, S1DSS = SSID0, then bypass */
	ASSERT_OK(vsmmu_drv_master_create(w.drv, &sid2, 1, 4, &m2));
	c = (struct vsmmu_drv_domain_cfg){ .type = VSMMU_DRV_DOMAIN_S1 };
	ASSERT_OK(vsmmu_drv_domain_alloc(w.drv, &c, &s1pasid));
	ASSERT_OK(vsmmu_drv_map(s1pasid, 0x10000, 0x290001000ULL, 0x1000,
				VSMMU_PROT_READ));
	probes_for(p, sid2, 0x10000);
	ste_pa = drv_ste_pa(w.drv, sid2);
	ASSERT_OK(vsmmu_drv_attach(m2, d[2]));
	ASSERT_OK(vsmmu_drv_attach_pasid(m2, 1, s1pasid));
	bad += flip_unused(&w, ste_pa, vsmmu_ste_used, p, NTXN, &flipped);
	/* The CD of SSID 1: through S1ContextPtr, linear (SSID bits 4) */
	vsmmu_mem_read64(w.mem, ste_pa, &ste0);
	cd_pa = (ste0 & STRTAB_STE_0_S1CTXPTR_MASK) + 64;
	bad += flip_unused(&w, cd_pa, vsmmu_cd_used, p, NTXN, &flipped);
	ASSERT_OK(vsmmu_drv_attach(m2, d[0])); /* S1DSS bypass */
	bad += flip_unused(&w, ste_pa, vsmmu_ste_used, p, NTXN, &flipped);

	printf("# %u unused bits flipped one at a time, %u changed an outcome\n",
	       flipped, bad);
	ASSERT_EQ(bad, 0);
	ASSERT_TRUE(flipped > 1000);
	world_fini(&w);
}
