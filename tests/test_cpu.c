// SPDX-License-Identifier: MIT
/*
 * The CPU side of SVA: the ASID allocator's generations, rollover and
 * pinning (arm64's rules), processes' demand paging and permissions, and
 * the broadcast TLB maintenance and notifiers a mapping change causes, in
 * Linux's order.
 */
#include <errno.h>
#include <string.h>

#include <vsmmu/cpu.h>

#include "harness.h"

#define POOL_BASE 0x40000000ULL
#define POOL_SIZE (64ULL << 20)

struct cenv {
	struct vsmmu_mem *mem;
	struct vsmmu_mem_pool *pool;
	struct vsmmu_cpu *cpu;
};

static int cenv_init(struct cenv *e, unsigned int asid_bits,
		     unsigned int nr_cpus)
{
	struct vsmmu_cpu_config c = { .nr_cpus = nr_cpus,
				      .asid_bits = asid_bits };
	int rc;

	memset(e, 0, sizeof(*e));
	rc = vsmmu_mem_create(48, &e->mem);
	if (!rc)
		rc = vsmmu_mem_pool_create(e->mem, POOL_BASE, POOL_SIZE,
					   &e->pool);
	c.pool = e->pool;
	if (!rc)
		rc = vsmmu_cpu_create(&c, &e->cpu);
	return rc;
}

static void cenv_fini(struct cenv *e)
{
	vsmmu_cpu_destroy(e->cpu);
	vsmmu_mem_pool_destroy(e->pool);
	vsmmu_mem_destroy(e->mem);
}

#define NMM 600

/*
 * 8-bit ASIDs, 4 CPUs: 255 usable ASIDs (0 is never handed out).  One
 * pinned process, then 600 processes switched in turn on the 4 CPUs: the
 * space must roll over twice; the ASIDs running on the CPUs are always
 * distinct; the pinned ASID never changes and nobody else gets it; the
 * processes running when a rollover happens keep their ASIDs; every CPU
 * flushes once per rollover before it runs again.
 */
TEST(cpu_asid_generations_and_pinning)
{
	struct cenv e;
	struct vsmmu_mm *pin, *mm[NMM];
	struct vsmmu_cpu_stats st;
	int running[4] = { -1, -1, -1, -1 };
	unsigned int i, c, prev_gens = 0, pasid;
	int asid;

	ASSERT_OK(cenv_init(&e, 8, 4));
	ASSERT_OK(vsmmu_mm_create(e.cpu, &pin));
	ASSERT_EQ(vsmmu_mm_asid(pin), 0); /* none until it runs or pins */
	ASSERT_EQ(vsmmu_mm_pin(pin), 1); /* the first free ASID */
	pasid = vsmmu_mm_asid(pin);
	ASSERT_EQ(vsmmu_mm_pin(pin), 1); /* nested pins count */
	for (i = 0; i < NMM; i++) {
		ASSERT_OK(vsmmu_mm_create(e.cpu, &mm[i]));
		c = i % 4;
		asid = vsmmu_mm_switch(mm[i], c);
		ASSERT_TRUE(asid >= 1 && asid <= 255);
		ASSERT_NE((unsigned int)asid, pasid);
		vsmmu_cpu_get_stats(e.cpu, &st);
		if (st.generations != prev_gens) {
			unsigned int k;

			/* The processes running at the rollover keep theirs */
			for (k = 0; k < 4; k++) {
				int before, after;

				if (running[k] < 0 || k == c)
					continue;
				before = (int)vsmmu_mm_asid(mm[running[k]]);
				after = vsmmu_mm_switch(mm[running[k]], k);
				ASSERT_EQ(after, before);
			}
			prev_gens = (unsigned int)st.generations;
		}
		running[c] = (int)i;
		/* Distinct on the CPUs */
		for (c = 0; c < 4; c++) {
			unsigned int k;

			for (k = c + 1; k < 4; k++)
				if (running[c] >= 0 && running[k] >= 0)
					ASSERT_NE(
						vsmmu_mm_asid(mm[running[c]]),
						vsmmu_mm_asid(mm[running[k]]));
		}
	}
	vsmmu_cpu_get_stats(e.cpu, &st);
	/* 600 processes over 254 free ASIDs per generation: >= 2 rollovers */
	ASSERT_TRUE(st.generations >= 2);
	/* each CPU flushed once per rollover it then ran after */
	ASSERT_TRUE(st.local_flushes >= 4 * (st.generations - 1));
	ASSERT_TRUE(st.local_flushes <= 4 * st.generations);
	ASSERT_EQ(vsmmu_mm_asid(pin), pasid);
	ASSERT_EQ(vsmmu_mm_switch(pin, 0), (int)pasid);
	ASSERT_EQ(st.pinned, 1);
	ASSERT_EQ(vsmmu_mm_destroy(pin), -EBUSY);
	vsmmu_mm_unpin(pin);
	ASSERT_EQ(vsmmu_mm_destroy(pin), -EBUSY); /* pinned twice */
	vsmmu_mm_unpin(pin);
	ASSERT_OK(vsmmu_mm_destroy(pin));
	for (i = 0; i < NMM; i++)
		ASSERT_OK(vsmmu_mm_destroy(mm[i]));
	cenv_fini(&e);
}

/* At most 2^8 - 4 CPUs - 2 = 250 pinned ASIDs with 8 bits and 4 CPUs. */
TEST(cpu_pin_limit)
{
	struct cenv e;
	struct vsmmu_mm *mm[251];
	unsigned int i;

	ASSERT_OK(cenv_init(&e, 8, 4));
	for (i = 0; i < 251; i++)
		ASSERT_OK(vsmmu_mm_create(e.cpu, &mm[i]));
	for (i = 0; i < 250; i++)
		ASSERT_TRUE(vsmmu_mm_pin(mm[i]) > 0);
	ASSERT_EQ(vsmmu_mm_pin(mm[250]), -ENOSPC);
	/* Everyone else still runs: ASIDs are found outside the pinned */
	ASSERT_TRUE(vsmmu_mm_switch(mm[250], 0) > 0);
	for (i = 0; i < 250; i++)
		vsmmu_mm_unpin(mm[i]);
	for (i = 0; i < 251; i++)
		ASSERT_OK(vsmmu_mm_destroy(mm[i]));
	cenv_fini(&e);
}

TEST(cpu_mm_demand_paging_and_permissions)
{
	struct cenv e;
	struct vsmmu_mm *mm;
	unsigned char buf[16];
	uint64_t v = 0x1234;

	ASSERT_OK(cenv_init(&e, 16, 2));
	ASSERT_OK(vsmmu_mm_create(e.cpu, &mm));
	ASSERT_OK(vsmmu_mm_mmap(mm, 0x400000, 0x4000,
				VSMMU_MM_READ | VSMMU_MM_WRITE));
	ASSERT_OK(vsmmu_mm_mmap(mm, 0x800000, 0x1000, VSMMU_MM_READ));
	ASSERT_EQ(vsmmu_mm_mmap(mm, 0x402000, 0x1000, VSMMU_MM_READ), -EEXIST);
	ASSERT_EQ(vsmmu_mm_mmap(mm, 0x400800, 0x1000, VSMMU_MM_READ), -EINVAL);
	/* Untouched memory reads as zero (faulted in) */
	memset(buf, 0xff, sizeof(buf));
	ASSERT_OK(vsmmu_mm_read(mm, 0x401ff8, buf, sizeof(buf)));
	ASSERT_EQ(buf[0] | buf[15], 0);
	ASSERT_OK(vsmmu_mm_write(mm, 0x401ffc, &v, sizeof(v)));
	v = 0;
	ASSERT_OK(vsmmu_mm_read(mm, 0x401ffc, &v, sizeof(v)));
	ASSERT_EQ(v, 0x1234);
	/* No VMA; a write to a read-only one */
	ASSERT_EQ(vsmmu_mm_fault(mm, 0x600000, VSMMU_MM_READ), -EFAULT);
	ASSERT_EQ(vsmmu_mm_write(mm, 0x800000, &v, 8), -EACCES);
	ASSERT_OK(vsmmu_mm_fault(mm, 0x800010, VSMMU_MM_READ));
	ASSERT_EQ(vsmmu_mm_fault(mm, 0x800010, VSMMU_MM_EXEC), -EACCES);
	/* mprotect read-only: writes now fail, the data stays */
	ASSERT_OK(vsmmu_mm_mprotect(mm, 0x400000, 0x4000, VSMMU_MM_READ));
	ASSERT_EQ(vsmmu_mm_write(mm, 0x401ffc, &v, 8), -EACCES);
	v = 0;
	ASSERT_OK(vsmmu_mm_read(mm, 0x401ffc, &v, sizeof(v)));
	ASSERT_EQ(v, 0x1234);
	/* ... and writable again, the same page takes writes (the PTE was
	 * rewritten, not left read-only under a read-write VMA) */
	ASSERT_OK(vsmmu_mm_mprotect(mm, 0x400000, 0x4000,
				    VSMMU_MM_READ | VSMMU_MM_WRITE));
	v = 0x5678;
	ASSERT_OK(vsmmu_mm_write(mm, 0x401000, &v, sizeof(v)));
	v = 0;
	ASSERT_OK(vsmmu_mm_read(mm, 0x401ffc, &v, sizeof(v)));
	ASSERT_EQ(v, 0x1234);
	ASSERT_OK(vsmmu_mm_read(mm, 0x401000, &v, sizeof(v)));
	ASSERT_EQ(v, 0x5678);
	/* Not whole VMAs, or no read: refused */
	ASSERT_EQ(vsmmu_mm_mprotect(mm, 0x401000, 0x1000, VSMMU_MM_READ),
		  -EINVAL);
	ASSERT_EQ(vsmmu_mm_mprotect(mm, 0x400000, 0x4000, 0), -EINVAL);
	/* ... munmap'ed, it is gone */
	ASSERT_OK(vsmmu_mm_munmap(mm, 0x400000, 0x4000));
	ASSERT_EQ(vsmmu_mm_read(mm, 0x401ffc, &v, 8), -EFAULT);
	ASSERT_OK(vsmmu_mm_destroy(mm));
	cenv_fini(&e);
}

struct trace {
	unsigned int seq;
	struct vsmmu_dvm_op op[8];
	unsigned int nop, op_seq[8];
	uint64_t inv_start[8], inv_end[8];
	unsigned int ninv, inv_seq[8];
	unsigned int releases;
};

static void on_dvm(void *arg, const struct vsmmu_dvm_op *op)
{
	struct trace *t = arg;

	if (t->nop < 8) {
		t->op[t->nop] = *op;
		t->op_seq[t->nop++] = ++t->seq;
	}
}

static void on_inv(void *arg, struct vsmmu_mm *mm, uint64_t s, uint64_t e)
{
	struct trace *t = arg;

	if (t->ninv < 8) {
		t->inv_start[t->ninv] = s;
		t->inv_end[t->ninv] = e;
		t->inv_seq[t->ninv++] = ++t->seq;
	}
}

static void on_release(void *arg, struct vsmmu_mm *mm)
{
	((struct trace *)arg)->releases++;
}

static const struct vsmmu_mm_notifier_ops trace_ops = {
	.invalidate = on_inv,
	.release = on_release,
};

TEST(cpu_mm_broadcasts_then_notifiers)
{
	struct cenv e;
	struct vsmmu_mm *mm;
	struct trace t = { 0 };
	int asid;

	ASSERT_OK(cenv_init(&e, 16, 2));
	ASSERT_OK(vsmmu_cpu_add_listener(e.cpu, on_dvm, &t));
	ASSERT_OK(vsmmu_mm_create(e.cpu, &mm));
	ASSERT_OK(vsmmu_mm_notifier_register(mm, &trace_ops, &t));
	ASSERT_OK(vsmmu_mm_mmap(mm, 0x10000, 0x3000,
				VSMMU_MM_READ | VSMMU_MM_WRITE |
					VSMMU_MM_POPULATE));
	/* Never ran, not pinned: no ASID, no broadcast; the notifier still */
	ASSERT_OK(vsmmu_mm_munmap(mm, 0x10000, 0x1000));
	ASSERT_EQ(t.nop, 0);
	ASSERT_EQ(t.ninv, 1);
	ASSERT_EQ(t.inv_start[0], 0x10000);
	ASSERT_EQ(t.inv_end[0], 0x11000);
	/* Running on CPU 1: a two-page munmap is one range broadcast with
	 * its ASID, then the notifier */
	asid = vsmmu_mm_switch(mm, 1);
	ASSERT_TRUE(asid > 0);
	ASSERT_OK(vsmmu_mm_munmap(mm, 0x11000, 0x2000));
	ASSERT_EQ(t.nop, 1);
	ASSERT_TRUE(t.op[0].kind == VSMMU_DVM_VA ||
		    t.op[0].kind == VSMMU_DVM_VAL);
	ASSERT_EQ(t.op[0].asid, (unsigned int)asid);
	ASSERT_EQ(t.op[0].addr, 0x11000);
	ASSERT_EQ(t.op[0].size, 0x2000);
	ASSERT_EQ(t.ninv, 2);
	ASSERT_TRUE(t.op_seq[0] < t.inv_seq[1]);
	/* A large range: one TLBI ASIDE1IS */
	ASSERT_OK(vsmmu_mm_mmap(mm, 0x1000000, 0x400000,
				VSMMU_MM_READ | VSMMU_MM_POPULATE));
	ASSERT_OK(vsmmu_mm_munmap(mm, 0x1000000, 0x400000));
	ASSERT_EQ(t.nop, 2);
	ASSERT_EQ(t.op[1].kind, VSMMU_DVM_ASID);
	ASSERT_EQ(t.op[1].asid, (unsigned int)asid);
	/* Exit: release first */
	ASSERT_OK(vsmmu_mm_destroy(mm));
	ASSERT_EQ(t.releases, 1);
	ASSERT_OK(vsmmu_cpu_remove_listener(e.cpu, on_dvm, &t));
	ASSERT_EQ(vsmmu_cpu_remove_listener(e.cpu, on_dvm, &t), -ENOENT);
	cenv_fini(&e);
}
