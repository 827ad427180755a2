// SPDX-License-Identifier: MIT
/*
 * The CMD_SYNC visibility rule of the programming model, tested with
 * threads in both execution modes:
 *
 *   Once a CMD_SYNC has completed, no translation ever returns what the
 *   commands before it invalidated.
 *
 * A driver thread moves eight mappings forward in "generations": it
 * rewrites each page-table leaf to a new output address, queues TLBI
 * commands (TLBI_NH_VA per page on even generations, one TLBI_NH_ASID on
 * odd ones) and a CMD_SYNC with CS = IRQ whose MSI writes the generation
 * number to a memory word, writes CMDQ_PROD, polls the word (bounded),
 * and only after seeing its sync complete publishes "generation G is
 * current" with a release store.  Device threads load the published
 * generation (acquire) *before* each translation; every output address
 * encodes the generation that wrote it, so a device can tell whether what
 * it got is at least as new as what was current when it started.  An
 * older one is a violation of the rule.
 *
 * Everything reaches the model through registers and memory only; the
 * structures and commands are hand-encoded (layout as tests/test_queue.c):
 *   0x10000 stream table, linear, LOG2SIZE 1; STE 0 = V | Config 0b101 |
 *           S1ContextPtr 0x20000 = 0x2000b
 *   0x20000 CD: T0SZ 16, TG0 4K, EPD1, V, IPS 48, AA64, R, ASID 1 =
 *           0x0001_2205_c000_0010; TTB0 0x30000
 *   0x30000 L0 -> 0x31000 L1 -> 0x32000 L2 -> 0x33000 L3 (table = addr|3)
 *   0x33000 + 8 * (i + 1): the leaf of IOVA (i + 1) << 12, i = 0..7:
 *           PA | nG 0x800 | AF 0x400 | SH 0x300 | AP[1] 0x40 | 0x3
 *   0x40000 command queue, 256 entries: CMDQ_BASE = 0x40000 | 8
 *   0x44000 event queue, 32 entries:   EVTQ_BASE = 0x44000 | 5
 *   0x50000 the CMD_SYNC MSI word
 * The PA of page i in generation G is (G + 1) << 24 | i << 12, so the
 * generation is oa >> 24 minus 1 and the page is bits [23:12].
 *
 * Negative control: the same run with the TLBIs left out (the CMD_SYNC
 * alone).  The driver translates every page once before the devices
 * start, so the IOTLB holds generation 0; with nothing invalidating it,
 * every translation after the first publication is served generation 0,
 * and the devices' last pass (after the final generation is published)
 * is guaranteed to see it: violations > 0 deterministically, which shows
 * the check can fail.
 *
 * The outcome does not depend on scheduling; the number of generations
 * does (each run is capped at SYNCVIS_MS) and is printed.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <time.h>

#include <vsmmu/mem.h>
#include <vsmmu/smmu.h>

#include "harness.h"

#define SV_STE 0x10000ULL
#define SV_CD 0x20000ULL
#define SV_TT 0x30000ULL
#define SV_L3 0x33000ULL
#define SV_CMDQ 0x40000ULL
#define SV_EVTQ 0x44000ULL
#define SV_MSI 0x50000ULL

#define SV_PAGES 8
#define SV_DEVICES 2
#define SV_MS 150 /* per positive run */
#define SV_NEG_MS 30 /* per negative control */
#define SV_MAX_GENS 20000
#define SV_MIN_GENS 2
#define SV_POLL_NS 1000000000ULL /* a sync that takes longer: failure */

/* Hand-encoded commands (IHI 0070, 4.4 and 4.7) */
/* TLBI_NH_ASID: opcode 0x11, ASID 1 in [63:48] */
#define SV_TLBI_NH_ASID_1 0x0001000000000011ULL
/* TLBI_NH_VA: opcode 0x12, ASID 1 in [63:48]; dw1 = VA [63:12] | Leaf */
#define SV_TLBI_NH_VA_1 0x0001000000000012ULL
/* CMD_SYNC: opcode 0x46, CS = IRQ (1 << 12), MSIData [63:32] */
#define SV_SYNC_IRQ(data) (0x1046ULL | ((uint64_t)(data) << 32))

#define SV_LEAF_ATTRS 0xf43ULL

static uint64_t sv_pa(unsigned int gen, unsigned int page)
{
	return (uint64_t)(gen + 1) << 24 | (uint64_t)page << 12;
}

static uint64_t sv_iova(unsigned int page)
{
	return (uint64_t)(page + 1) << 12;
}

static uint64_t sv_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

struct sv_env {
	struct vsmmu_mem *mem;
	struct vsmmu_smmu *smmu;
	bool with_tlbi;
	unsigned int prod; /* the driver's copy of CMDQ_PROD */
	/* shared with the device threads */
	unsigned int published; /* generation current: atomic */
	unsigned int written; /* generation being written: atomic */
	bool done; /* atomic */
	/* results, per device */
	uint64_t translations[SV_DEVICES];
	uint64_t violations[SV_DEVICES];
	uint64_t bad[SV_DEVICES]; /* faults, wrong page, future PAs */
	uint64_t final_ok[SV_DEVICES]; /* the last pass saw the last gen */
	uint64_t first_bad_oa[SV_DEVICES];
	unsigned int first_bad_gen[SV_DEVICES];
};

struct sv_dev {
	struct sv_env *e;
	unsigned int id;
};

static int sv_setup(struct sv_env *e, enum vsmmu_exec_mode mode, bool with_tlbi)
{
	struct vsmmu_smmu_config cfg;
	unsigned int i;
	int rc = 0;

	memset(e, 0, sizeof(*e));
	e->with_tlbi = with_tlbi;
	vsmmu_smmu_config_default(&cfg);
	cfg.exec = mode;
	if (vsmmu_mem_create(48, &e->mem) ||
	    vsmmu_mem_populate(e->mem, 0x10000, 0x50000) ||
	    vsmmu_smmu_create(&cfg, e->mem, &e->smmu))
		return -1;
	rc |= vsmmu_mem_write64(e->mem, SV_STE, 0x2000b);
	rc |= vsmmu_mem_write64(e->mem, SV_CD, 0x00012205c0000010ULL);
	rc |= vsmmu_mem_write64(e->mem, SV_CD + 8, SV_TT);
	rc |= vsmmu_mem_write64(e->mem, SV_TT, 0x31003);
	rc |= vsmmu_mem_write64(e->mem, SV_TT + 0x1000, 0x32003);
	rc |= vsmmu_mem_write64(e->mem, SV_TT + 0x2000, 0x33003);
	for (i = 0; i < SV_PAGES; i++)
		rc |= vsmmu_mem_write64(e->mem, SV_L3 + 8 * (i + 1),
					sv_pa(0, i) | SV_LEAF_ATTRS);
	/* STRTAB_BASE, _CFG (LOG2SIZE 1), CMDQ_BASE, EVTQ_BASE; CR0 = 0xd */
	rc |= vsmmu_smmu_mmio_write(e->smmu, 0x80, 8, SV_STE);
	rc |= vsmmu_smmu_mmio_write(e->smmu, 0x88, 4, 1);
	rc |= vsmmu_smmu_mmio_write(e->smmu, 0x90, 8, SV_CMDQ | 8);
	rc |= vsmmu_smmu_mmio_write(e->smmu, 0xa0, 8, SV_EVTQ | 5);
	rc |= vsmmu_smmu_mmio_write(e->smmu, 0x20, 4, 0xd);
	return rc ? -1 : 0;
}

static void sv_teardown(struct sv_env *e)
{
	vsmmu_smmu_destroy(e->smmu);
	vsmmu_mem_destroy(e->mem);
}

static int sv_translate(struct sv_env *e, unsigned int page, uint64_t *oa)
{
	struct vsmmu_txn txn = { .sid = 0,
				 .addr = sv_iova(page) + 0x10,
				 .flags = VSMMU_TXN_READ | VSMMU_TXN_PRIV };
	struct vsmmu_txn_result res;

	if (vsmmu_translate(e->smmu, &txn, &res) || res.outcome != VSMMU_TXN_OK)
		return -1;
	*oa = res.oa;
	return 0;
}

static void *sv_device(void *arg)
{
	struct sv_dev *d = arg;
	struct sv_env *e = d->e;
	unsigned int id = d->id;

	for (;;) {
		bool last = __atomic_load_n(&e->done, __ATOMIC_ACQUIRE);
		unsigned int i;

		for (i = 0; i < SV_PAGES; i++) {
			unsigned int g, got, hi;
			uint64_t oa;

			g = __atomic_load_n(&e->published, __ATOMIC_ACQUIRE);
			e->translations[id]++;
			if (sv_translate(e, i, &oa)) {
				e->bad[id]++;
				continue;
			}
			hi = __atomic_load_n(&e->written, __ATOMIC_ACQUIRE);
			got = (unsigned int)(oa >> 24) - 1;
			if ((oa & 0xfff) != 0x10 || ((oa >> 12) & 0xfff) != i ||
			    got > hi) {
				e->bad[id]++;
				continue;
			}
			if (got < g) {
				if (!e->violations[id]++) {
					e->first_bad_oa[id] = oa;
					e->first_bad_gen[id] = g;
				}
			} else if (last && got == g) {
				e->final_ok[id]++;
			}
		}
		if (last)
			break;
	}
	return NULL;
}

static void sv_put(struct sv_env *e, uint64_t dw0, uint64_t dw1, int *rc)
{
	uint64_t slot = SV_CMDQ + 16 * (e->prod & 0xff);

	*rc |= vsmmu_mem_write64(e->mem, slot, dw0);
	*rc |= vsmmu_mem_write64(e->mem, slot + 8, dw1);
	e->prod = (e->prod + 1) & 0x1ff; /* 8 index bits and the wrap bit */
}

/*
 * One generation: remap, invalidate, sync, wait for the MSI.  Return 0,
 * or -1 if something failed or the sync did not complete in time.
 */
static int sv_generation(struct sv_env *e, unsigned int gen)
{
	uint64_t t0, msi = 0;
	unsigned int i;
	int rc = 0;

	__atomic_store_n(&e->written, gen, __ATOMIC_RELEASE);
	for (i = 0; i < SV_PAGES; i++)
		rc |= vsmmu_mem_write64(e->mem, SV_L3 + 8 * (i + 1),
					sv_pa(gen, i) | SV_LEAF_ATTRS);
	if (e->with_tlbi && (gen & 1)) {
		sv_put(e, SV_TLBI_NH_ASID_1, 0, &rc);
	} else if (e->with_tlbi) {
		for (i = 0; i < SV_PAGES; i++)
			sv_put(e, SV_TLBI_NH_VA_1, sv_iova(i) | 1, &rc);
	}
	sv_put(e, SV_SYNC_IRQ(gen), SV_MSI, &rc);
	rc |= vsmmu_smmu_mmio_write(e->smmu, 0x98, 4, e->prod);
	if (rc)
		return -1;
	t0 = sv_now_ns();
	for (;;) {
		if (vsmmu_mem_read64(e->mem, SV_MSI, &msi))
			return -1;
		if ((uint32_t)msi == gen)
			break;
		if (sv_now_ns() - t0 > SV_POLL_NS)
			return -1;
		sched_yield();
	}
	/* completion observed: what the driver reads after it is newer */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	__atomic_store_n(&e->published, gen, __ATOMIC_RELEASE);
	return 0;
}

struct sv_result {
	unsigned int gens;
	uint64_t translations, violations, bad, final_ok;
};

static int sv_run(enum vsmmu_exec_mode mode, bool with_tlbi, unsigned int ms,
		  struct sv_result *out)
{
	struct sv_env e;
	struct sv_dev devs[SV_DEVICES];
	pthread_t th[SV_DEVICES];
	unsigned int i, started = 0, gen;
	uint64_t deadline, oa;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (sv_setup(&e, mode, with_tlbi))
		return -1;
	/* fill the IOTLB with generation 0 */
	for (i = 0; i < SV_PAGES; i++)
		if (sv_translate(&e, i, &oa) || oa != sv_pa(0, i) + 0x10)
			rc = -1;
	for (i = 0; i < SV_DEVICES && !rc; i++, started++) {
		devs[i].e = &e;
		devs[i].id = i;
		if (pthread_create(&th[i], NULL, sv_device, &devs[i]))
			rc = -1;
	}
	deadline = sv_now_ns() + (uint64_t)ms * 1000000ULL;
	/* at least SV_MIN_GENS, however slow the machine */
	for (gen = 1; !rc && gen <= SV_MAX_GENS &&
		      (gen <= SV_MIN_GENS || sv_now_ns() < deadline);
	     gen++) {
		if (sv_generation(&e, gen))
			rc = -1;
		else
			out->gens = gen;
	}
	__atomic_store_n(&e.done, true, __ATOMIC_RELEASE);
	for (i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < SV_DEVICES; i++) {
		out->translations += e.translations[i];
		out->violations += e.violations[i];
		out->bad += e.bad[i];
		out->final_ok += e.final_ok[i];
		if (e.violations[i] && with_tlbi)
			printf("# device %u: oa 0x%llx after generation %u\n",
			       i, (unsigned long long)e.first_bad_oa[i],
			       e.first_bad_gen[i]);
	}
	printf("# %s, %s: %u generations, %llu translations, "
	       "%llu violations\n",
	       mode == VSMMU_EXEC_THREAD ? "THREAD" : "SYNC",
	       with_tlbi ? "TLBI+SYNC" : "SYNC only (control)", out->gens,
	       (unsigned long long)out->translations,
	       (unsigned long long)out->violations);
	sv_teardown(&e);
	return rc;
}

static void sv_positive(enum vsmmu_exec_mode mode)
{
	struct sv_result r;

	ASSERT_OK(sv_run(mode, true, SV_MS, &r));
	ASSERT_EQ(r.bad, 0);
	ASSERT_EQ(r.violations, 0);
	ASSERT_TRUE(r.gens >= SV_MIN_GENS);
	/* each device's last pass started after the final publication, and
	 * saw the final generation on every page */
	ASSERT_EQ(r.final_ok, SV_DEVICES * SV_PAGES);
}

static void sv_negative(enum vsmmu_exec_mode mode)
{
	struct sv_result r;

	ASSERT_OK(sv_run(mode, false, SV_NEG_MS, &r));
	ASSERT_EQ(r.bad, 0);
	ASSERT_TRUE(r.gens >= SV_MIN_GENS);
	/* at least the whole last pass of every device is stale */
	ASSERT_TRUE(r.violations >= SV_DEVICES * SV_PAGES);
	ASSERT_EQ(r.final_ok, 0);
}

TEST(syncvis_sync_mode)
{
	sv_positive(VSMMU_EXEC_SYNC);
}

TEST(syncvis_thread_mode)
{
	sv_positive(VSMMU_EXEC_THREAD);
}

TEST(syncvis_control_no_tlbi_sync_mode)
{
	sv_negative(VSMMU_EXEC_SYNC);
}

TEST(syncvis_control_no_tlbi_thread_mode)
{
	sv_negative(VSMMU_EXEC_THREAD);
}
