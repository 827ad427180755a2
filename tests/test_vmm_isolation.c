// SPDX-License-Identifier: MIT
/*
 * The hostile-guest isolation property.  Two VMs share one host SMMU with
 * a CMDQV: a victim, whose guest driver keeps two devices mapped and
 * keeps mapping, unmapping and DMAing, and a hostile guest that, after
 * booting the same driver, does VSMMU_TEST_OPS (default 100 000) random
 * things a guest can do (vsmmu_vm_hostile_step): register writes, queue
 * and VCMDQ commands, STEs, CDs and page tables aimed at the victim's
 * StreamIDs (virtual and physical), its VMID and the host-physical
 * addresses of its RAM and of the host driver's structures.  The seed is
 * printed (VSMMU_TEST_SEED replays a run).
 *
 * Checked every 64 operations: the victim's mapped pages DMA to the data
 * its own tables say, its unmapped pages fault, a strict unmap takes
 * effect at once; no hostile DMA read returns the victim's secret.  At the
 * end: the hostile marker is nowhere in host memory but the hostile VM's
 * own RAM, the host's queues recorded no error and no timeout, and the
 * host still serves the victim.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <vsmmu/arch.h>

#include "harness.h"
#include "vm_env.h"

#define PG 4096ULL
#define RAM VSMMU_VM_RAM_BASE
#define SECRET 0x5ec2e75ec2e75ec2ULL
#define MARKER 0x2145c494954534f4ULL
#define FIXED_IOVA 0x100000ULL
#define WORK_IOVA 0x2000000ULL
#define GPA_FIXED (RAM + 0x200000)
#define GPA_WORK (RAM + 0x300000)
#define GPA_SECRET (RAM + 0x400000) /* 1 MiB of secret */
#define SECRET_LEN (1ULL << 20)

struct iso {
	struct venv e;
	struct vsmmu_vm *victim, *hostile;
	struct vsmmu_vm_guest *vg, *hg;
	struct vsmmu_drv_domain *vdom[2], *hdom[2];
	unsigned char *vram, *hram;
	uint64_t rng;
	unsigned int leaks, wrong, findings_dma;
};

static uint64_t next(void *arg)
{
	return vt_rand(&((struct iso *)arg)->rng);
}

static void read_fn(void *arg, const void *buf, size_t len)
{
	struct iso *s = arg;
	const uint64_t *w = buf;
	size_t i;

	for (i = 0; i < len / 8; i++)
		if (w[i] == SECRET)
			s->leaks++;
}

static int boot(struct vsmmu_vm *vm, struct vsmmu_vm_guest **g,
		struct vsmmu_drv_domain **dom, uint64_t timeout_ns)
{
	struct vsmmu_vm_guest_config gc = { 0 };
	unsigned int i;
	int rc;

	gc.pool_size = VENV_POOL_SIZE;
	gc.cmdqv_nqueues = 1;
	gc.timeout_ns = timeout_ns;
	rc = vsmmu_vm_guest_create(vm, &gc, g);
	for (i = 0; !rc && i < 2; i++) {
		rc = vsmmu_vm_guest_attach(*g, i, 0x200 + i, &dom[i]);
		if (!rc)
			rc = vsmmu_drv_map(dom[i], FIXED_IOVA,
					   GPA_FIXED + PG * i, PG,
					   VSMMU_PROT_READ | VSMMU_PROT_WRITE);
	}
	return rc;
}

/* The victim's view: is everything as its own tables say? */
static void check_victim(struct iso *s, unsigned int round)
{
	uint64_t v = 0, want;
	unsigned int d = round & 1;

	want = 0xf1f0000000000000ULL | round;
	if (venv_dma(s->victim, d, FIXED_IOVA + 8, &want, 8, true) ||
	    memcmp(s->vram + (GPA_FIXED - RAM) + PG * d + 8, &want, 8))
		s->wrong++;
	if (venv_dma(s->victim, d, FIXED_IOVA + 8, &v, 8, false) || v != want)
		s->wrong++;
	/* An IOVA the victim never mapped faults */
	if (venv_dma(s->victim, d, 0x30000000ULL, &v, 8, false) != -EFAULT)
		s->wrong++;
	/* Map, use, unmap strictly: the unmap takes effect at once */
	if (vsmmu_drv_map(s->vdom[d], WORK_IOVA, GPA_WORK, PG,
			  VSMMU_PROT_READ | VSMMU_PROT_WRITE) ||
	    venv_dma(s->victim, d, WORK_IOVA, &v, 8, false) ||
	    vsmmu_drv_unmap(s->vdom[d], WORK_IOVA, PG, 0, NULL, NULL) !=
		    (int64_t)PG ||
	    venv_dma(s->victim, d, WORK_IOVA, &v, 8, false) != -EFAULT)
		s->wrong++;
}

struct scan {
	struct iso *s;
	struct vsmmu_mem *mem;
	unsigned int found;
};

static int scan_range(void *arg, uint64_t pa, uint64_t size)
{
	struct scan *sc = arg;
	uint64_t a;
	unsigned int i;

	for (a = pa; a < pa + size; a += PG) {
		const unsigned char *p = vsmmu_mem_page(sc->mem, a);
		uint64_t w;

		if (!p || (p >= sc->s->hram && p < sc->s->hram + VENV_RAM_SIZE))
			continue; /* absent, or the hostile VM's own RAM */
		for (i = 0; i < PG / 8; i++) {
			memcpy(&w, p + 8 * i, 8);
			if (w == MARKER)
				sc->found++;
		}
	}
	return 0;
}

TEST(vmm_hostile_guest_isolation)
{
	static const struct venv_opts o = { .cmdqv = true };
	struct vsmmu_vm_hostile_stats hst = { 0 };
	struct vsmmu_vm_hostile h = { 0 };
	struct vsmmu_drv_queue_stats qs;
	struct vsmmu_drv_stats ds;
	struct scan sc = { 0 };
	const char *env = getenv("VSMMU_TEST_OPS");
	unsigned long ops = env ? strtoul(env, NULL, 0) : 100000, i;
	uint32_t sids[4] = { 0x40, 0x41, 0x10, 0x11 };
	uint16_t vmids[4] = { 0, 1, 2, 3 };
	uint64_t addrs[6];
	struct iso *s = calloc(1, sizeof(*s));
	uint64_t hpa;

	ASSERT_TRUE(s != NULL);
	s->rng = vt_seed();
	ASSERT_OK(venv_init(&s->e, &o));
	ASSERT_OK(venv_vm(&s->e, 2, VSMMU_VM_CMDQV_PASSTHROUGH,
			  VSMMU_VM_TRAP_VCPU, &s->victim));
	ASSERT_OK(venv_vm2(&s->e, 2, VSMMU_VM_CMDQV_PASSTHROUGH, &s->hostile));
	s->vram = vsmmu_vm_ram(s->victim, NULL, NULL);
	s->hram = vsmmu_vm_ram(s->hostile, NULL, NULL);
	ASSERT_OK(boot(s->victim, &s->vg, s->vdom, 0));
	/* The hostile guest breaks its own SMMU: its driver's waits at
	 * teardown run out, so let them run out quickly */
	ASSERT_OK(boot(s->hostile, &s->hg, s->hdom, 1000000));
	for (i = 0; i < SECRET_LEN / 8; i++)
		memcpy(s->vram + (GPA_SECRET - RAM) + 8 * i,
		       &(uint64_t){ SECRET }, 8);
	/* Aim at the victim's RAM as the host sees it (where its fixed page
	 * translates to), the host driver's pool, the doorbell, zero */
	{
		struct vsmmu_txn t = { .sid = 0x40,
				       .addr = FIXED_IOVA,
				       .flags = VSMMU_TXN_READ };
		struct vsmmu_txn_result r;

		ASSERT_OK(vsmmu_translate(s->e.smmu, &t, &r));
		ASSERT_EQ(r.outcome, VSMMU_TXN_OK);
		hpa = r.oa & ~(PG - 1);
	}
	addrs[0] = hpa;
	addrs[1] = hpa - 0x200000 + 0x400000; /* the victim's secret */
	addrs[2] = 0x10000000ULL; /* the host driver's pool */
	addrs[3] = 0x10100000ULL;
	addrs[4] = 0x08020000ULL; /* the host doorbell */
	addrs[5] = 0;
	h.next = next;
	h.arg = s;
	h.aim_addrs = addrs;
	h.naim_addrs = 6;
	h.aim_sids = sids;
	h.naim_sids = 4;
	h.aim_vmids = vmids;
	h.naim_vmids = 4;
	h.marker = MARKER;
	h.read_fn = read_fn;
	for (i = 0; i < ops; i++) {
		ASSERT_OK(vsmmu_vm_hostile_step(s->hostile, &h, &hst));
		if (i % 64 == 63) {
			check_victim(s, (unsigned int)(i / 64));
			venv_process(&s->e);
			vsmmu_vm_process(s->victim);
			vsmmu_drv_process(vsmmu_vm_guest_drv(s->vg));
			if (s->wrong || s->leaks)
				break;
		}
	}
	printf("# %lu hostile ops: %llu register writes, %llu commands, "
	       "%llu STEs, %llu CDs, %llu PTEs, %llu CMDQV, %llu DMAs (%llu "
	       "faulted)\n",
	       i, (unsigned long long)hst.reg_writes,
	       (unsigned long long)hst.cmds, (unsigned long long)hst.stes,
	       (unsigned long long)hst.cds, (unsigned long long)hst.ptes,
	       (unsigned long long)hst.vcmdq_ops, (unsigned long long)hst.dmas,
	       (unsigned long long)hst.dma_faults);
	{
		struct vsmmu_vm_smmu_stats vs;

		ASSERT_OK(vsmmu_vm_smmu_get_stats(s->hostile, 0, &vs));
		printf("# its virtual SMMU: %llu commands, %llu CERROR_ILL, "
		       "%llu CERROR_ABT, %llu HWPT_INVALIDATEs, %llu STE "
		       "installs, %llu HW queues, %llu VCMDQ errors\n",
		       (unsigned long long)vs.cmds,
		       (unsigned long long)vs.cerror_ill,
		       (unsigned long long)vs.cerror_abt,
		       (unsigned long long)vs.inv_calls,
		       (unsigned long long)vs.ste_installs,
		       (unsigned long long)vs.hw_queues,
		       (unsigned long long)vs.vcmdq_errors);
	}
	ASSERT_EQ(s->wrong, 0);
	ASSERT_EQ(s->leaks, 0);
	/* The marker is only in the hostile VM's own RAM */
	sc.s = s;
	sc.mem = s->e.mem;
	vsmmu_mem_for_each_range(s->e.mem, scan_range, &sc);
	ASSERT_EQ(sc.found, 0);
	/* No host queue stopped on anything a guest did */
	vsmmu_drv_get_stats(s->e.drv, &ds);
	ASSERT_EQ(ds.cerror_ill + ds.cerror_abt + ds.cerror_atc_inv, 0);
	ASSERT_EQ(ds.timeouts, 0);
	ASSERT_OK(vsmmu_drv_queue_get_stats(s->e.drv, -1, &qs));
	ASSERT_EQ(qs.cerror_ill + qs.cerror_abt, 0);
	/* The host still serves the victim */
	check_victim(s, 0);
	ASSERT_EQ(s->wrong, 0);
	vsmmu_vm_guest_destroy(s->hg);
	vsmmu_vm_guest_destroy(s->vg);
	vsmmu_vm_destroy(s->hostile);
	vsmmu_vm_destroy(s->victim);
	venv_fini(&s->e);
	free(s);
}
