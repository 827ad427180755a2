// SPDX-License-Identifier: MIT
/*
 * The driver's lock-free command-queue protocol against a fake consumer
 * (no SMMU model): the consumer runs inside the CMDQ_PROD write, checks
 * that every command arrives exactly once and in each producer's order,
 * that PROD writes never overlap (the owner handoff serialises them),
 * and completes syncs by MSI write-back into the sync's own slot or by
 * advancing CONS.  Also: the recording writer test catches a naive,
 * word-by-word STE update (the hitless test can fail).
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>

#include <vsmmu/driver.h>
#include <vsmmu/entry.h>

#include "driver/drv.h"
#include "harness.h"

#define Q_BASE 0x3800ULL /* 2 KiB queue, not page aligned */
#define Q_SHIFT 7
#define NT 4

struct fake {
	struct vsmmu_mem *mem;
	_Atomic uint32_t cons;
	_Atomic int in_prod;
	unsigned int next_seq[NT];
	unsigned int seen, syncs;
	bool bad_order, overlap, bad_cmd;
};

static int fake_read_cons(void *ctx, uint32_t *cons)
{
	struct fake *f = ctx;

	*cons = atomic_load(&f->cons);
	return 0;
}

static int fake_write_prod(void *ctx, uint32_t prod)
{
	struct fake *f = ctx;
	uint32_t cons = atomic_load(&f->cons);

	if (atomic_fetch_add(&f->in_prod, 1))
		f->overlap = true;
	while (q_iw(Q_SHIFT, cons) != q_iw(Q_SHIFT, prod)) {
		uint64_t pa = Q_BASE + (uint64_t)q_idx(Q_SHIFT, cons) * 16, w0,
			 w1;

		vsmmu_mem_read64(f->mem, pa, &w0);
		vsmmu_mem_read64(f->mem, pa + 8, &w1);
		switch (w0 & 0xff) {
		case CMDQ_OP_PREFETCH_CFG: {
			uint32_t sid = (uint32_t)(w0 >> 32);
			unsigned int t = sid >> 20, seq = sid & 0xfffff;

			if (t >= NT || seq != f->next_seq[t])
				f->bad_order = true;
			else
				f->next_seq[t]++;
			f->seen++;
			break;
		}
		case CMDQ_OP_CMD_SYNC:
			f->syncs++;
			if (((w0 >> 12) & 3) == CMDQ_SYNC_0_CS_IRQ) {
				uint8_t z[4] = { 0 };

				vsmmu_mem_write(f->mem,
						w1 & CMDQ_SYNC_1_MSIADDR_MASK,
						z, 4);
			}
			break;
		default:
			f->bad_cmd = true;
		}
		cons = q_iw(Q_SHIFT, cons + 1);
		atomic_store(&f->cons, cons);
	}
	atomic_fetch_sub(&f->in_prod, 1);
	return 0;
}

struct qarg {
	struct drv_cmdq *q;
	const struct drv_cmdq_backend *be;
	unsigned int t, iters, sent;
	uint64_t seed;
	int rc;
};

static void *qproducer(void *p)
{
	struct qarg *a = p;
	unsigned int i, j, n;

	for (i = 0; i < a->iters && !a->rc; i++) {
		uint64_t cmds[10][2];

		n = 1 + (unsigned int)(vt_rand(&a->seed) % 10);
		for (j = 0; j < n; j++) {
			cmds[j][0] = CMDQ_OP_PREFETCH_CFG |
				     (uint64_t)((a->t << 20) | a->sent++) << 32;
			cmds[j][1] = 0;
		}
		a->rc = drv_cmdq_issue(a->q, a->be, (const uint64_t(*)[2])cmds,
				       n, i & 1);
	}
	if (!a->rc)
		a->rc = drv_cmdq_issue(a->q, a->be, NULL, 0, true);
	return NULL;
}

static void protocol_run(bool msi)
{
	struct fake f = { 0 };
	struct drv_cmdq q;
	struct drv_cmdq_backend be = { 0 };
	struct qarg a[NT];
	pthread_t th[NT];
	unsigned int i, total = 0;
	uint64_t seed = vt_seed();

	ASSERT_OK(vsmmu_mem_create(40, &f.mem));
	ASSERT_OK(vsmmu_mem_populate(f.mem, 0, 0x10000));
	ASSERT_OK(drv_cmdq_init(&q, f.mem, Q_BASE, Q_SHIFT));
	drv_cmdq_reset(&q);
	be.mem = f.mem;
	be.read_cons = fake_read_cons;
	be.write_prod = fake_write_prod;
	be.ctx = &f;
	be.msi = msi;
	be.timeout_ns = 10000000000ULL;
	for (i = 0; i < NT; i++) {
		a[i] = (struct qarg){ &q, &be, i, 3000, 0, seed + i, 0 };
		ASSERT_OK(pthread_create(&th[i], NULL, qproducer, &a[i]));
	}
	for (i = 0; i < NT; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < NT; i++) {
		ASSERT_OK(a[i].rc);
		ASSERT_EQ(f.next_seq[i], a[i].sent);
		total += a[i].sent;
	}
	ASSERT_FALSE(f.bad_order);
	ASSERT_FALSE(f.overlap);
	ASSERT_FALSE(f.bad_cmd);
	ASSERT_EQ(f.seen, total);
	ASSERT_EQ(f.syncs, NT * (3000 / 2 + 1));
	/* Nothing left behind: the software prod is what was consumed */
	ASSERT_EQ(llq_prod_of(&q), atomic_load(&f.cons));
	drv_cmdq_fini(&q);
	vsmmu_mem_destroy(f.mem);
}

TEST(drv_cmdq_protocol_fake_consumer_msi)
{
	protocol_run(true);
}

TEST(drv_cmdq_protocol_fake_consumer_poll)
{
	protocol_run(false);
}

/* A consumer that never consumes: syncs and space waits time out. */
static int stuck_write_prod(void *ctx, uint32_t prod)
{
	return 0;
}

TEST(drv_cmdq_timeout_not_hang)
{
	struct fake f = { 0 };
	struct drv_cmdq q;
	struct drv_cmdq_backend be = { 0 };
	uint64_t cmds[100][2] = { { CMDQ_OP_PREFETCH_CFG, 0 } };
	_Atomic uint64_t timeouts = 0;

	ASSERT_OK(vsmmu_mem_create(40, &f.mem));
	ASSERT_OK(vsmmu_mem_populate(f.mem, 0, 0x10000));
	ASSERT_OK(drv_cmdq_init(&q, f.mem, Q_BASE, Q_SHIFT));
	drv_cmdq_reset(&q);
	be.mem = f.mem;
	be.read_cons = fake_read_cons;
	be.write_prod = stuck_write_prod;
	be.ctx = &f;
	be.timeout_ns = 20000000ULL; /* 20 ms */
	be.stat_timeouts = &timeouts;
	ASSERT_EQ(drv_cmdq_issue(&q, &be, NULL, 0, true), -ETIMEDOUT);
	/* 1 + 100 of 128 slots used: 100 more do not fit */
	ASSERT_OK(drv_cmdq_issue(&q, &be, (const uint64_t(*)[2])cmds, 100,
				 false));
	ASSERT_EQ(drv_cmdq_issue(&q, &be, (const uint64_t(*)[2])cmds, 100,
				 false),
		  -ETIMEDOUT);
	ASSERT_EQ(drv_cmdq_issue(&q, &be, (const uint64_t(*)[2])cmds, 129,
				 false),
		  -EINVAL);
	ASSERT_EQ(atomic_load(&timeouts), 2);
	drv_cmdq_fini(&q);
	vsmmu_mem_destroy(f.mem);
}

/* --- The recording test can fail ----------------------------------------- */

struct naive_rec {
	struct vsmmu_mem *mem;
	uint64_t init[8], target[8];
	bool torn;
};

/*
 * Write S1 -> S2 the naive way (word 0 first, one sync per word) and check
 * each step as the recording test does: the step after word 0 has the S2
 * Config with the S1 entry's VMID and no S2TTB: neither configuration.
 */
TEST(drv_cmdq_naive_ste_update_is_torn)
{
	static const struct vsmmu_pgtable_info pi = {
		.ttb = 0x123000,
		.tsz = 16,
		.sl0 = 2,
		.ps = 5,
	};
	struct vsmmu_mem *mem;
	uint64_t s1[8], s2[8], cur[8], used[8];
	unsigned int i, j, k;
	bool torn = false;

	drv_make_s1_ste(s1, 0x40000, 0, 0, 0);
	drv_make_s2_ste(s2, 3, &pi);
	ASSERT_OK(vsmmu_mem_create(40, &mem));
	ASSERT_OK(vsmmu_mem_populate(mem, 0, 0x1000));
	for (i = 0; i < 8; i++)
		ASSERT_OK(vsmmu_mem_write64(mem, 8 * i, s1[i]));
	for (i = 0; i < 8; i++) {
		bool old = true, new = true;

		ASSERT_OK(vsmmu_mem_write64(mem, 8 * i, s2[i]));
		for (j = 0; j < 8; j++)
			vsmmu_mem_read64(mem, 8 * j, &cur[j]);
		vsmmu_ste_used(cur, used);
		for (k = 0; k < 8; k++) {
			old &= (cur[k] & used[k]) == (s1[k] & used[k]);
			new &= (cur[k] & used[k]) == (s2[k] & used[k]);
		}
		torn |= !old && !new;
	}
	vsmmu_mem_destroy(mem);
	ASSERT_TRUE(torn);
}
