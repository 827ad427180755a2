// SPDX-License-Identifier: MIT
/*
 * CMDQV, measured: N threads (1, 2) each issuing TLBI_NH_VA + CMD_SYNC
 * (one vsmmu_drv_cmdq_issue() call, waited for) through the driver, in the
 * same run and against the same model instance:
 *  - "main":  every thread on the one shared main command queue (the
 *             driver's CMDQV bypassed, as Linux's bypass_vcmdq);
 *  - "vcmdq": each thread on its own LVCMDQ of VINTF0 (thread i uses
 *             LVCMDQ i).
 * Both execution modes of the model: SYNC (the thread writing PROD
 * consumes, so it measures the producer's own cost) and THREAD (one
 * consumer thread for the main queue and one per VCMDQ).  Each call's
 * latency is sampled for p50/p99 ("sync latency": a TLBI and the
 * CMD_SYNC that completes it); the check column verifies that the model
 * consumed exactly the commands issued and that they went to the queue the
 * case names.  docs/benchmarks.md has the method and the figures.
 */
#include <stdatomic.h>

#include <vsmmu/arch.h>
#include <vsmmu/driver.h>
#include <vsmmu/vsmmu.h>

#include "bench.h"

#define POOL_BASE 0x10000000ULL
#define POOL_SIZE (16ULL << 20)
#define TIMEOUT_NS 5000000000ULL
#define LAT_MAX (1U << 20)
#define REPS 5
#define QUICK_REPS 2

struct env {
	struct vsmmu_host *host;
	struct vsmmu_mem *mem;
	struct vsmmu_mem_pool *pool;
	struct vsmmu_smmu *smmu;
	struct vsmmu_drv *drv;
	enum vsmmu_exec_mode exec;
};

static void quiet_log(void *arg, const char *msg)
{
	fprintf(stderr, "bench_cmdqv: driver: %s\n", msg);
}

static void env_init(struct env *e, enum vsmmu_exec_mode exec)
{
	struct vsmmu_host_config hc;
	struct vsmmu_drv_cmdqv_info info;

	memset(e, 0, sizeof(*e));
	e->exec = exec;
	vsmmu_host_config_default(&hc);
	hc.smmu.exec = exec;
	hc.irq = false;
	/* Grace's shape: 64 VINTFs, 128 VCMDQs, 16 SID pairs */
	hc.smmu.cmdqv.present = true;
	hc.smmu.cmdqv.num_vintf_log2 = 6;
	hc.smmu.cmdqv.num_vcmdq_log2 = 7;
	hc.smmu.cmdqv.num_sid_per_vm_log2 = 4;
	hc.smmu.cmdqv.version = 1;
	hc.pool_base = POOL_BASE;
	hc.pool_size = POOL_SIZE;
	hc.drv.timeout_ns = TIMEOUT_NS;
	hc.drv.log_fn = quiet_log;
	hc.drv.cmdqv_nqueues = 2; /* Grace's share per VINTF: 128 / 64 */
	bench_check(vsmmu_host_create(&hc, NULL, &e->host), "host");
	e->mem = vsmmu_host_mem(e->host);
	e->pool = vsmmu_host_pool(e->host);
	e->smmu = vsmmu_host_smmu(e->host);
	e->drv = vsmmu_host_drv(e->host);
	vsmmu_drv_cmdqv_get_info(e->drv, &info);
	if (!info.enabled || info.nqueues != 2)
		bench_die("CMDQV not enabled with 2 queues");
}

static void env_fini(struct env *e)
{
	vsmmu_host_destroy(e->host);
}

static const char *mode_name(enum vsmmu_exec_mode m)
{
	return m == VSMMU_EXEC_THREAD ? "THREAD" : "SYNC";
}

struct work {
	struct env *e;
	uint64_t cmd[1][2];
	_Atomic uint64_t errors;
	uint64_t *lat[BENCH_MAX_THREADS];
	uint64_t nlat[BENCH_MAX_THREADS];
};

static uint64_t body(void *arg, unsigned int tid, uint64_t iters)
{
	struct work *w = arg;
	uint64_t i, done = 0;

	vsmmu_drv_set_thread_queue(w->e->drv, tid);
	for (i = 0; i < iters; i++) {
		uint64_t t0 = bench_now_ns();
		int rc = vsmmu_drv_cmdq_issue(
			w->e->drv, (const uint64_t(*)[2])w->cmd, 1, true);
		uint64_t t1 = bench_now_ns();

		if (rc)
			atomic_fetch_add(&w->errors, 1);
		else
			done++;
		if (w->nlat[tid] < LAT_MAX)
			w->lat[tid][w->nlat[tid]++] = t1 - t0;
	}
	return done;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t consumed(struct vsmmu_smmu *smmu, unsigned int op)
{
	struct vsmmu_smmu_stats st;

	vsmmu_smmu_get_stats(smmu, &st);
	return st.cmds[op];
}

/* Commands the driver put on the main queue and on the LVCMDQs */
static void queue_cmds(struct vsmmu_drv *drv, uint64_t *main, uint64_t *vq)
{
	struct vsmmu_drv_queue_stats st;
	int i;

	*vq = 0;
	vsmmu_drv_queue_get_stats(drv, -1, &st);
	*main = st.cmds;
	for (i = 0; !vsmmu_drv_queue_get_stats(drv, i, &st); i++)
		*vq += st.cmds;
}

static bool run_case(struct env *e, bool vcmdq, unsigned int threads,
		     const struct bench_opts *o, struct bench_row *row,
		     double *p50)
{
	unsigned int reps = o->quick ? QUICK_REPS : REPS, i, t;
	struct vsmmu_drv_cmd c = { .opcode = CMDQ_OP_TLBI_NH_VA,
				   .asid = 1,
				   .leaf = true,
				   .addr = 0x40000000ULL };
	struct bench_rep rep[BENCH_MAX_REPS];
	double ns[BENCH_MAX_REPS], cpu[BENCH_MAX_REPS];
	uint64_t tlbi0, sync0, m0, v0, m1, v1, calls, n = 0, *all;
	struct bench_run run;
	struct work *w;
	bool ok = true;

	w = calloc(1, sizeof(*w));
	if (!w)
		bench_die("out of memory");
	w->e = e;
	bench_check(vsmmu_drv_cmd_build(&c, w->cmd[0]), "build");
	for (t = 0; t < threads; t++) {
		w->lat[t] = calloc(LAT_MAX, sizeof(uint64_t));
		if (!w->lat[t])
			bench_die("out of memory");
	}
	vsmmu_drv_cmdqv_set_bypass(e->drv, !vcmdq);
	run = (struct bench_run){
		.body = body,
		.arg = w,
		.threads = threads,
		.iters = e->exec == VSMMU_EXEC_THREAD ? 20000 : 100000,
	};
	if (o->quick)
		run.iters /= 50;

	/* Warm-up, untimed, a tenth as long */
	calls = run.iters;
	run.iters = calls / 10 ? calls / 10 : 1;
	bench_run_once(&run, &rep[0]);
	run.iters = calls;
	for (t = 0; t < threads; t++)
		w->nlat[t] = 0;

	tlbi0 = consumed(e->smmu, CMDQ_OP_TLBI_NH_VA);
	sync0 = consumed(e->smmu, CMDQ_OP_CMD_SYNC);
	queue_cmds(e->drv, &m0, &v0);
	for (i = 0; i < reps; i++) {
		bench_run_once(&run, &rep[i]);
		ns[i] = rep[i].ns_per_op;
		cpu[i] = rep[i].cpu_ns_per_op;
		for (t = 0; t < threads; t++)
			if (rep[i].checksum[t] != run.iters)
				ok = false;
	}
	calls = run.iters * threads * reps;
	queue_cmds(e->drv, &m1, &v1);
	if (atomic_load(&w->errors) ||
	    consumed(e->smmu, CMDQ_OP_TLBI_NH_VA) - tlbi0 != calls ||
	    consumed(e->smmu, CMDQ_OP_CMD_SYNC) - sync0 != calls ||
	    (vcmdq ? v1 - v0 : m1 - m0) != 2 * calls ||
	    (vcmdq ? m1 - m0 : v1 - v0) != 0) {
		fprintf(stderr,
			"bench_cmdqv: %s %s %u threads: %" PRIu64
			" errors, main +%" PRIu64 " vcmdq +%" PRIu64
			" commands for %" PRIu64 " calls\n",
			vcmdq ? "vcmdq" : "main", mode_name(e->exec), threads,
			(uint64_t)atomic_load(&w->errors), m1 - m0, v1 - v0,
			calls);
		ok = false;
	}
	vsmmu_drv_cmdqv_set_bypass(e->drv, false);

	memset(row, 0, sizeof(*row));
	snprintf(row->name, sizeof(row->name), "%s",
		 vcmdq ? "vcmdq-per-thread" : "main-shared");
	snprintf(row->mode, sizeof(row->mode), "%s", mode_name(e->exec));
	row->threads = threads;
	row->reps = reps;
	row->iters = run.iters;
	bench_summarize(ns, reps, &row->ns);
	bench_summarize(cpu, reps, &row->cpu_ns);
	row->ops_per_s = rep[row->ns.median_idx].ops_per_s;
	row->cpus = rep[row->ns.median_idx].cpus;
	bench_row_add(row, "TLBIs/s", "%.3g", row->ops_per_s);
	bench_row_add(row, "cmds/s (with syncs)", "%.3g", row->ops_per_s * 2);

	all = calloc((size_t)LAT_MAX * threads, sizeof(uint64_t));
	if (!all)
		bench_die("out of memory");
	for (t = 0; t < threads; t++) {
		memcpy(all + n, w->lat[t], w->nlat[t] * sizeof(uint64_t));
		n += w->nlat[t];
		free(w->lat[t]);
	}
	qsort(all, n, sizeof(uint64_t), cmp_u64);
	*p50 = n ? (double)all[(n - 1) / 2] : 0;
	bench_row_add(row, "sync p50 ns", "%.0f", *p50);
	bench_row_add(row, "sync p99 ns", "%.0f",
		      n ? (double)all[(n - 1) * 99 / 100] : 0);
	bench_row_add(row, "check", "%s", ok ? "ok" : "FAIL");
	free(all);
	free(w);
	return ok;
}

int main(int argc, char **argv)
{
	static const enum vsmmu_exec_mode modes[2] = { VSMMU_EXEC_SYNC,
						       VSMMU_EXEC_THREAD };
	static const unsigned int nthreads[2] = { 1, 2 };
	struct bench_row rows[16];
	double p50[16];
	struct bench_opts o;
	unsigned int m, t, k, n = 0;
	uint64_t t0 = bench_now_ns();
	double load0 = bench_loadavg();
	bool ok = true;

	bench_parse_args(argc, argv,
			 "CMDQV: TLBI+CMD_SYNC from 1 and 2 threads, all on "
			 "the shared main queue against one VCMDQ per "
			 "thread; both exec modes.",
			 &o);
	for (m = 0; m < 2; m++) {
		struct env e;

		env_init(&e, modes[m]);
		for (t = 0; t < 2; t++)
			for (k = 0; k < 2; k++) {
				const char *name = k ? "vcmdq-per-thread" :
						       "main-shared";

				if (!bench_selected(&o, name, nthreads[t]))
					continue;
				if (!run_case(&e, k, nthreads[t], &o, &rows[n],
					      &p50[n]))
					ok = false;
				n++;
			}
		env_fini(&e);
	}
	if (o.json) {
		bench_print_json(stdout, "bench_cmdqv", o.quick, rows, n);
	} else {
		printf("## CMDQV: main queue against one VCMDQ per thread%s\n\n",
		       o.quick ? " (--quick: rough figures)" : "");
		bench_print_table(stdout, rows, n);
		printf("\nns/call: one vsmmu_drv_cmdq_issue() of TLBI_NH_VA + "
		       "CMD_SYNC, waited for; median of %u repetitions.  "
		       "sync p50/p99: the same call's latency over every "
		       "call.\nTotal %.2f s; load average %.2f before, %.2f "
		       "after.\n",
		       o.quick ? QUICK_REPS : REPS,
		       (double)(bench_now_ns() - t0) / 1e9, load0,
		       bench_loadavg());
	}
	return ok ? 0 : 1;
}
