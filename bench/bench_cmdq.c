// SPDX-License-Identifier: MIT
/*
 * The command queue, measured: commands per second through the driver's
 * lock-free multi-producer queue (vsmmu_drv_cmdq_issue) for one producer
 * with batches of 1 and of 32 commands (each followed by a CMD_SYNC that
 * is waited for) and for two contending producers, beside a baseline
 * queue implemented here -- the same slot writes, CMDQ_PROD write and
 * CMD_SYNC wait, done under one pthread mutex -- against its own instance
 * of the same model; the round-trip latency of TLBI + CMD_SYNC; strict
 * map + unmap pairs per second through the driver.
 *
 * Everything runs in both execution modes of the model.  In SYNC mode the
 * thread that writes CMDQ_PROD executes the commands before the write
 * returns, so a "producer" also pays for consumption and the queue never
 * holds more than one publication's worth: it measures the driver's
 * overhead per command, not a producer/consumer pipeline.  THREAD mode
 * (the model's consumer thread, woken by the PROD write) is the
 * meaningful one for concurrency and for CMD_SYNC latency.  docs/
 * benchmarks.md has the method and the figures.
 */
#include <sched.h>
#include <stdatomic.h>

#include <vsmmu/arch.h>
#include <vsmmu/driver.h>
#include <vsmmu/vsmmu.h>

#include "bench.h"

#define POOL_BASE 0x10000000ULL
#define POOL_SIZE (32ULL << 20)
#define MQ_SHIFT 10 /* the baseline queue: 1024 entries, as the driver's */
#define MQ_PAGES ((16ULL << MQ_SHIFT) / VSMMU_MEM_PAGE_SIZE)
#define TIMEOUT_NS 5000000000ULL
#define MAP_IOVA 0x40000000ULL
#define MAP_PA 0x80000000ULL
#define MAP_SLOTS 256 /* map+unmap rotates over 256 pages */
#define LAT_MAX (1U << 20) /* latency samples per thread */

/* --- The baseline: a command queue behind a mutex ------------------------ */

/*
 * What a driver without a lock-free queue does (Linux before v5.3 took a
 * spinlock the same way): one lock around reserving space (refreshing
 * CONS from the register when full), writing the slots, writing
 * CMDQ_PROD and -- as the brief for this baseline says -- waiting for the
 * CMD_SYNC.  Completion is detected exactly as the driver does: the sync's
 * MSI writes 0 over the first 32 bits of its own slot.
 */
struct mutex_q {
	pthread_mutex_t lock;
	struct vsmmu_smmu *smmu;
	uint64_t base;
	_Atomic uint64_t *page[MQ_PAGES];
	uint32_t prod, cons; /* free-running; the registers take the low bits */
};

static _Atomic uint64_t *mq_slot(struct mutex_q *q, uint32_t idx)
{
	uint64_t off = (uint64_t)(idx & ((1U << MQ_SHIFT) - 1)) * 16;

	return q->page[off / VSMMU_MEM_PAGE_SIZE] +
	       (off % VSMMU_MEM_PAGE_SIZE) / 8;
}

static void mq_init(struct mutex_q *q, struct vsmmu_smmu *smmu,
		    struct vsmmu_mem_pool *pool)
{
	struct vsmmu_mem *mem = vsmmu_smmu_get_mem(smmu);
	uint64_t ack = 0;
	unsigned int i;

	memset(q, 0, sizeof(*q));
	pthread_mutex_init(&q->lock, NULL);
	q->smmu = smmu;
	bench_check(vsmmu_mem_pool_alloc(pool, 16ULL << MQ_SHIFT,
					 16ULL << MQ_SHIFT, &q->base),
		    "baseline queue memory");
	for (i = 0; i < MQ_PAGES; i++) {
		q->page[i] =
			vsmmu_mem_page(mem, q->base + i * VSMMU_MEM_PAGE_SIZE);
		if (!q->page[i])
			bench_die("baseline queue page %u absent", i);
	}
	bench_check(vsmmu_smmu_mmio_write(
			    smmu, ARM_SMMU_CMDQ_BASE, 8,
			    Q_BASE_RWA | (q->base & Q_BASE_ADDR_MASK) |
				    VS_FIELD_PREP(Q_BASE_LOG2SIZE, MQ_SHIFT)),
		    "CMDQ_BASE");
	bench_check(vsmmu_smmu_mmio_write(smmu, ARM_SMMU_CMDQ_PROD, 4, 0),
		    "CMDQ_PROD");
	bench_check(vsmmu_smmu_mmio_write(smmu, ARM_SMMU_CMDQ_CONS, 4, 0),
		    "CMDQ_CONS");
	bench_check(vsmmu_smmu_mmio_write(smmu, ARM_SMMU_CR0, 4, CR0_CMDQEN),
		    "CR0");
	bench_check(vsmmu_smmu_mmio_read(smmu, ARM_SMMU_CR0ACK, 4, &ack),
		    "CR0ACK");
	if (!(ack & CR0_CMDQEN))
		bench_die("baseline: CMDQEN not acknowledged");
}

static void mq_fini(struct mutex_q *q)
{
	pthread_mutex_destroy(&q->lock);
}

static int mq_issue(struct mutex_q *q, const uint64_t (*cmds)[2],
		    unsigned int n, bool sync)
{
	const uint32_t entries = 1U << MQ_SHIFT, mask = 2 * entries - 1;
	uint64_t deadline = 0, v;
	_Atomic uint64_t *w;
	uint32_t sprod = 0;
	unsigned int i, need = n + sync;
	int rc = 0;

	pthread_mutex_lock(&q->lock);
	while (entries - ((q->prod - q->cons) & mask) < need) {
		if (!deadline)
			deadline = bench_now_ns() + TIMEOUT_NS;
		else if (bench_now_ns() > deadline) {
			rc = -ETIMEDOUT;
			goto out;
		}
		vsmmu_smmu_mmio_read(q->smmu, ARM_SMMU_CMDQ_CONS, 4, &v);
		/* Extend the register's index + wrap to our counter */
		q->cons += ((uint32_t)v - q->cons) & mask;
	}
	for (i = 0; i < n; i++, q->prod++) {
		w = mq_slot(q, q->prod);
		atomic_store_explicit(&w[0], cmds[i][0], memory_order_relaxed);
		atomic_store_explicit(&w[1], cmds[i][1], memory_order_relaxed);
	}
	if (sync) {
		uint64_t off = (uint64_t)(q->prod & (entries - 1)) * 16;

		sprod = q->prod++;
		w = mq_slot(q, sprod);
		atomic_store_explicit(
			&w[0],
			VS_FIELD_PREP(CMDQ_0_OP, CMDQ_OP_CMD_SYNC) |
				VS_FIELD_PREP(CMDQ_SYNC_0_CS,
					      CMDQ_SYNC_0_CS_IRQ) |
				VS_FIELD_PREP(CMDQ_SYNC_0_MSH, 3) |
				VS_FIELD_PREP(CMDQ_SYNC_0_MSIATTR, 0xf),
			memory_order_relaxed);
		atomic_store_explicit(
			&w[1], (q->base + off) & CMDQ_SYNC_1_MSIADDR_MASK,
			memory_order_relaxed);
	}
	atomic_thread_fence(memory_order_release);
	rc = vsmmu_smmu_mmio_write(q->smmu, ARM_SMMU_CMDQ_PROD, 4,
				   q->prod & mask);
	if (rc || !sync)
		goto out;
	w = mq_slot(q, sprod);
	deadline = bench_now_ns() + TIMEOUT_NS;
	for (i = 0; (uint32_t)atomic_load_explicit(&w[0], memory_order_acquire);
	     i++) {
		if (i < 64) {
#if defined(__x86_64__) || defined(__i386__)
			__builtin_ia32_pause();
#endif
			continue;
		}
		if (bench_now_ns() > deadline) {
			rc = -ETIMEDOUT;
			break;
		}
		sched_yield();
	}
out:
	pthread_mutex_unlock(&q->lock);
	return rc;
}

/* --- Environment ------------------------------------------------------------ */

struct env {
	enum vsmmu_exec_mode exec;
	struct vsmmu_host *host;
	struct vsmmu_mem *mem;
	struct vsmmu_mem_pool *pool;
	struct vsmmu_smmu *smmu; /* driven by the driver */
	struct vsmmu_drv *drv;
	struct vsmmu_drv_master *master;
	struct vsmmu_drv_domain *dom;
	struct vsmmu_smmu *msmmu; /* the baseline's own instance */
	struct mutex_q mq;
};

static void drv_log(void *arg, const char *msg)
{
	fprintf(stderr, "bench_cmdq: driver: %s\n", msg);
}

static void env_init(struct env *e, enum vsmmu_exec_mode exec)
{
	struct vsmmu_host_config hc;
	struct vsmmu_drv_domain_cfg dcfg = { .type = VSMMU_DRV_DOMAIN_S1 };
	uint32_t sid = 0x10;

	memset(e, 0, sizeof(*e));
	e->exec = exec;
	vsmmu_host_config_default(&hc);
	hc.smmu.exec = exec;
	hc.irq = false; /* the driver polls, as before */
	hc.pool_base = POOL_BASE;
	hc.pool_size = POOL_SIZE;
	hc.drv.log_fn = drv_log;
	hc.drv.timeout_ns = TIMEOUT_NS;
	bench_check(vsmmu_host_create(&hc, NULL, &e->host), "host");
	e->mem = vsmmu_host_mem(e->host);
	e->pool = vsmmu_host_pool(e->host);
	e->smmu = vsmmu_host_smmu(e->host);
	e->drv = vsmmu_host_drv(e->host);
	/* The baseline's own SMMU, beside the host's in the same memory */
	bench_check(vsmmu_smmu_create(&hc.smmu, e->mem, &e->msmmu),
		    "baseline smmu");
	bench_check(vsmmu_drv_master_create(e->drv, &sid, 1, 0, &e->master),
		    "master");
	bench_check(vsmmu_drv_domain_alloc(e->drv, &dcfg, &e->dom), "domain");
	bench_check(vsmmu_drv_attach(e->master, e->dom), "attach");
	mq_init(&e->mq, e->msmmu, e->pool);
}

static void env_fini(struct env *e)
{
	vsmmu_smmu_destroy(e->msmmu);
	mq_fini(&e->mq);
	vsmmu_host_destroy(e->host);
}

/* --- Bodies ------------------------------------------------------------------ */

enum kind { K_DRV, K_MUTEX, K_LATENCY, K_MAP };

struct work {
	struct env *e;
	enum kind kind;
	unsigned int batch;
	uint64_t cmds[32][2]; /* TLBI_NH_VA, ASID 1, distinct addresses */
	uint64_t *lat[BENCH_MAX_THREADS]; /* K_LATENCY: ns per call */
	uint64_t nlat[BENCH_MAX_THREADS];
	_Atomic uint64_t errors;
};

/* Each call: `batch` commands + a CMD_SYNC, waited for. */
static uint64_t issue_body(void *arg, unsigned int tid, uint64_t iters)
{
	struct work *w = arg;
	uint64_t i, ok = 0;
	int rc;

	for (i = 0; i < iters; i++) {
		if (w->kind == K_MUTEX)
			rc = mq_issue(&w->e->mq, (const uint64_t(*)[2])w->cmds,
				      w->batch, true);
		else
			rc = vsmmu_drv_cmdq_issue(w->e->drv,
						  (const uint64_t(*)[2])w->cmds,
						  w->batch, true);
		if (rc)
			atomic_fetch_add(&w->errors, 1);
		else
			ok++;
	}
	return ok;
}

/* TLBI + CMD_SYNC, each call timed on its own. */
static uint64_t latency_body(void *arg, unsigned int tid, uint64_t iters)
{
	struct work *w = arg;
	uint64_t i, ok = 0, t0, t1;

	for (i = 0; i < iters; i++) {
		t0 = bench_now_ns();
		if (vsmmu_drv_cmdq_issue(
			    w->e->drv, (const uint64_t(*)[2])w->cmds, 1, true))
			atomic_fetch_add(&w->errors, 1);
		else
			ok++;
		t1 = bench_now_ns();
		if (w->nlat[tid] < LAT_MAX)
			w->lat[tid][w->nlat[tid]++] = t1 - t0;
	}
	return ok;
}

/* A 4K map and its strict unmap (TLBI_NH_VA + CMD_SYNC). */
static uint64_t map_body(void *arg, unsigned int tid, uint64_t iters)
{
	struct work *w = arg;
	uint64_t i, ok = 0;

	for (i = 0; i < iters; i++) {
		uint64_t off = (i % MAP_SLOTS) << 12;

		if (vsmmu_drv_map(w->e->dom, MAP_IOVA + off, MAP_PA + off,
				  0x1000, VSMMU_PROT_READ | VSMMU_PROT_WRITE) ||
		    vsmmu_drv_unmap(w->e->dom, MAP_IOVA + off, 0x1000, 0, NULL,
				    NULL) != 0x1000)
			atomic_fetch_add(&w->errors, 1);
		else
			ok++;
	}
	return ok;
}

/* --- Cases ------------------------------------------------------------------- */

struct bench_case {
	const char *name;
	enum kind kind;
	unsigned int batch, threads;
	unsigned int op; /* CMDQ_OP_TLBI_NH_VA, or PREFETCH_CFG (a no-op) */
	uint64_t iters[2]; /* per thread and repetition: [SYNC], [THREAD] */
};

static const struct bench_case cases[] = {
#define TLBI CMDQ_OP_TLBI_NH_VA
#define PREF CMDQ_OP_PREFETCH_CFG
	{ "drv-batch1", K_DRV, 1, 1, TLBI, { 200000, 20000 } },
	{ "mutex-batch1", K_MUTEX, 1, 1, TLBI, { 200000, 20000 } },
	{ "drv-batch32", K_DRV, 32, 1, TLBI, { 20000, 5000 } },
	{ "mutex-batch32", K_MUTEX, 32, 1, TLBI, { 20000, 5000 } },
	{ "drv-batch32-noop", K_DRV, 32, 1, PREF, { 20000, 5000 } },
	{ "drv-batch1", K_DRV, 1, 2, TLBI, { 100000, 10000 } },
	{ "mutex-batch1", K_MUTEX, 1, 2, TLBI, { 100000, 10000 } },
	{ "drv-batch32", K_DRV, 32, 2, TLBI, { 10000, 2500 } },
	{ "mutex-batch32", K_MUTEX, 32, 2, TLBI, { 10000, 2500 } },
	{ "drv-batch32-noop", K_DRV, 32, 2, PREF, { 10000, 2500 } },
	{ "mutex-batch32-noop", K_MUTEX, 32, 2, PREF, { 10000, 2500 } },
	{ "tlbi+sync-latency", K_LATENCY, 1, 1, TLBI, { 100000, 20000 } },
	{ "map+unmap-strict", K_MAP, 0, 1, TLBI, { 50000, 10000 } },
};

#define REPS 5
#define QUICK_REPS 3
#define QUICK_DIV 40

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static const char *mode_name(enum vsmmu_exec_mode m)
{
	return m == VSMMU_EXEC_THREAD ? "thread" : "sync";
}

/* Commands of @op the SMMU has consumed so far. */
static uint64_t consumed(struct vsmmu_smmu *smmu, unsigned int op)
{
	struct vsmmu_smmu_stats st;

	vsmmu_smmu_get_stats(smmu, &st);
	return st.cmds[op];
}

struct result {
	double cmds_per_s; /* payload commands (no syncs), median rep */
	double p50, p99; /* latency rows */
	double ns_median;
};

static bool run_case(struct env *e, const struct bench_case *c,
		     const struct bench_opts *o, struct bench_row *row,
		     struct result *res)
{
	unsigned int reps = o->quick ? QUICK_REPS : REPS, i, t;
	unsigned int mi = e->exec == VSMMU_EXEC_THREAD;
	struct vsmmu_smmu *smmu = c->kind == K_MUTEX ? e->msmmu : e->smmu;
	struct bench_rep rep[BENCH_MAX_REPS];
	double ns[BENCH_MAX_REPS], cpu[BENCH_MAX_REPS];
	uint64_t tlbi0, sync0, tlbi1, sync1, want_tlbi, want_sync, calls;
	struct bench_run run;
	struct work *w;
	bool ok = true;

	w = calloc(1, sizeof(*w));
	if (!w)
		bench_die("out of memory");
	w->e = e;
	w->kind = c->kind;
	w->batch = c->batch;
	for (i = 0; i < 32; i++) {
		struct vsmmu_drv_cmd cmd = { .opcode = c->op,
					     .sid = 0x10,
					     .asid = 1,
					     .leaf = true,
					     .addr = MAP_IOVA + i * 0x1000ULL };

		if (c->op != CMDQ_OP_TLBI_NH_VA)
			cmd.leaf = false;

		bench_check(vsmmu_drv_cmd_build(&cmd, w->cmds[i]), "build");
	}
	run = (struct bench_run){
		.body = c->kind == K_LATENCY ? latency_body :
			c->kind == K_MAP     ? map_body :
					       issue_body,
		.arg = w,
		.threads = c->threads,
		.iters = c->iters[mi] / (o->quick ? QUICK_DIV : 1),
	};
	if (c->kind == K_LATENCY)
		for (t = 0; t < c->threads; t++) {
			w->lat[t] = calloc(LAT_MAX, sizeof(uint64_t));
			if (!w->lat[t])
				bench_die("out of memory");
		}

	/* Warm-up: one untimed repetition, a tenth as long */
	calls = run.iters;
	run.iters = calls / 10 ? calls / 10 : 1;
	bench_run_once(&run, &rep[0]);
	run.iters = calls;
	for (t = 0; t < c->threads; t++)
		w->nlat[t] = 0;

	tlbi0 = consumed(smmu, c->op);
	sync0 = consumed(smmu, CMDQ_OP_CMD_SYNC);
	for (i = 0; i < reps; i++) {
		bench_run_once(&run, &rep[i]);
		ns[i] = rep[i].ns_per_op;
		cpu[i] = rep[i].cpu_ns_per_op;
		for (t = 0; t < c->threads; t++)
			if (rep[i].checksum[t] != run.iters)
				ok = false;
	}
	tlbi1 = consumed(smmu, c->op);
	sync1 = consumed(smmu, CMDQ_OP_CMD_SYNC);
	calls = run.iters * c->threads * reps;
	want_tlbi = c->kind == K_MAP ? calls : calls * (c->batch);
	want_sync = calls;
	if (atomic_load(&w->errors) || tlbi1 - tlbi0 != want_tlbi ||
	    sync1 - sync0 != want_sync) {
		fprintf(stderr,
			"bench_cmdq: %s (%s, %u threads): %" PRIu64
			" errors; the SMMU consumed %" PRIu64
			" commands and %" PRIu64 " syncs, want %" PRIu64
			" and %" PRIu64 "\n",
			c->name, mode_name(e->exec), c->threads,
			(uint64_t)atomic_load(&w->errors), tlbi1 - tlbi0,
			sync1 - sync0, want_tlbi, want_sync);
		ok = false;
	}

	memset(row, 0, sizeof(*row));
	memset(res, 0, sizeof(*res));
	snprintf(row->name, sizeof(row->name), "%s", c->name);
	snprintf(row->mode, sizeof(row->mode), "%s", mode_name(e->exec));
	row->threads = c->threads;
	row->reps = reps;
	row->iters = run.iters;
	bench_summarize(ns, reps, &row->ns);
	bench_summarize(cpu, reps, &row->cpu_ns);
	row->ops_per_s = rep[row->ns.median_idx].ops_per_s;
	row->cpus = rep[row->ns.median_idx].cpus;
	res->ns_median = row->ns.median;
	if (c->kind == K_DRV || c->kind == K_MUTEX) {
		res->cmds_per_s = row->ops_per_s * c->batch;
		bench_row_add(row, "cmds/s (no syncs)", "%.3g",
			      res->cmds_per_s);
		bench_row_add(row, "cmds/s (with syncs)", "%.3g",
			      row->ops_per_s * (c->batch + 1));
	} else {
		bench_row_add(row, "cmds/s (no syncs)", "-");
		bench_row_add(row, "cmds/s (with syncs)", "%.3g",
			      row->ops_per_s * 2);
	}
	if (c->kind == K_LATENCY) {
		uint64_t *all = calloc((size_t)LAT_MAX * c->threads,
				       sizeof(uint64_t)),
			 n = 0;

		if (!all)
			bench_die("out of memory");
		for (t = 0; t < c->threads; t++) {
			memcpy(all + n, w->lat[t],
			       w->nlat[t] * sizeof(uint64_t));
			n += w->nlat[t];
			free(w->lat[t]);
		}
		qsort(all, n, sizeof(uint64_t), cmp_u64);
		res->p50 = n ? (double)all[(n - 1) / 2] : 0;
		res->p99 = n ? (double)all[(n - 1) * 99 / 100] : 0;
		bench_row_add(row, "p50 ns", "%.0f", res->p50);
		bench_row_add(row, "p99 ns", "%.0f", res->p99);
		row->target_ns = 2000;
		free(all);
	} else {
		bench_row_add(row, "p50 ns", "-");
		bench_row_add(row, "p99 ns", "-");
	}
	bench_row_add(row, "check", "%s", ok ? "ok" : "FAIL");
	free(w);
	return ok;
}

int main(int argc, char **argv)
{
	struct bench_row rows[2 * VS_ARRAY_SIZE(cases)];
	struct result res[2 * VS_ARRAY_SIZE(cases)];
	static const enum vsmmu_exec_mode modes[2] = { VSMMU_EXEC_SYNC,
						       VSMMU_EXEC_THREAD };
	struct bench_opts o;
	unsigned int i, m, n = 0;
	uint64_t t0 = bench_now_ns();
	double load0 = bench_loadavg();
	bool ok = true;

	bench_parse_args(argc, argv,
			 "Command queue: commands/s through the driver's "
			 "lock-free queue and a mutex queue (1 and 2 "
			 "producers, batches of 1 and 32), TLBI+CMD_SYNC "
			 "latency, strict map+unmap pairs/s; both exec "
			 "modes.",
			 &o);
	for (m = 0; m < 2; m++) {
		struct env e;

		env_init(&e, modes[m]);
		for (i = 0; i < VS_ARRAY_SIZE(cases); i++) {
			if (!bench_selected(&o, cases[i].name,
					    cases[i].threads))
				continue;
			if (!run_case(&e, &cases[i], &o, &rows[n], &res[n]))
				ok = false;
			n++;
		}
		env_fini(&e);
	}
	if (o.json) {
		bench_print_json(stdout, "bench_cmdq", o.quick, rows, n);
	} else {
		printf("## Command queue%s\n\n",
		       o.quick ? " (--quick: rough figures)" : "");
		bench_print_table(stdout, rows, n);
		printf("\nns/call: one vsmmu_drv_cmdq_issue() (N commands + "
		       "CMD_SYNC, waited for), one baseline issue, or one "
		       "map+unmap pair; median of %u repetitions.  mode: the "
		       "model's exec mode.\nTotal %.2f s; load average %.2f "
		       "before, %.2f after.\n",
		       o.quick ? QUICK_REPS : REPS,
		       (double)(bench_now_ns() - t0) / 1e9, load0,
		       bench_loadavg());
		/* Verdicts against the targets */
		printf("\nTargets:\n");
		for (i = 0; i < n; i++) {
			unsigned int j;

			if (!strcmp(rows[i].name, "drv-batch32") &&
			    rows[i].threads == 1)
				printf("  1 producer, batches of 32 (%s): "
				       "%.3g commands/s, target >= 1e7: %s\n",
				       rows[i].mode, res[i].cmds_per_s,
				       res[i].cmds_per_s >= 1e7 ? "met" :
								  "MISSED");
			if (!strncmp(rows[i].name, "drv-", 4) &&
			    rows[i].threads == 2)
				for (j = 0; j < n; j++)
					if (rows[j].threads == 2 &&
					    !strcmp(rows[j].mode,
						    rows[i].mode) &&
					    !strncmp(rows[j].name, "mutex-",
						     6) &&
					    !strcmp(rows[j].name + 6,
						    rows[i].name + 4))
						printf("  2 producers, %s (%s): "
						       "lock-free / mutex = "
						       "%.2fx, target >= 2x: "
						       "%s\n",
						       rows[i].name + 4,
						       rows[i].mode,
						       res[i].cmds_per_s /
							       res[j].cmds_per_s,
						       res[i].cmds_per_s >=
								       2 * res[j].cmds_per_s ?
							       "met" :
							       "MISSED");
			if (!strcmp(rows[i].name, "tlbi+sync-latency"))
				printf("  TLBI+CMD_SYNC (%s): median %.0f ns, "
				       "p99 %.0f ns, target <= 2000 ns: %s\n",
				       rows[i].mode, res[i].p50, res[i].p99,
				       res[i].p50 <= 2000 ? "met" : "MISSED");
		}
	}
	if (!ok)
		fprintf(stderr, "bench_cmdq: a case did not do what it "
				"claims (see the check column)\n");
	return ok ? 0 : 1;
}
