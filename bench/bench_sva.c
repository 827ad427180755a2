// SPDX-License-Identifier: MIT
/*
 * bench_sva: what it costs to keep the SMMU coherent with a process that
 * a device shares (docs/sva.md), and a page request's round trip.
 *
 *  - munmap: the process unmaps N pages (1, 16, 512) that its device has
 *    cached, then maps them back populated; per call, for a process that
 *    is not bound (the CPU's own cost), bound without BTM (the driver's
 *    notifier issues TLBI_NH_VA / TLBI_NH_ASID + CMD_SYNC) and bound with
 *    BTM (the CPUs' broadcast reaches the SMMU: no command).  The
 *    coherence cost is a mode's time minus the unbound one's.
 *  - page request: the endpoint's PRI Page Request for an absent page is
 *    queued, drained by the driver, faulted into the process and answered
 *    with CMD_PRI_RESP, until the response reaches the endpoint.
 */
#include <stdatomic.h>

#include <vsmmu/arch.h>
#include <vsmmu/cpu.h>
#include <vsmmu/host.h>
#include <vsmmu/vsmmu.h>

#include "bench.h"

#define POOL_BASE 0x10000000ULL
#define POOL_SIZE (64ULL << 20)
#define CPU_BASE 0x40000000ULL
#define CPU_SIZE (256ULL << 20)
#define VA 0x10000000ULL
#define SID 0x10
#define SSID 1
#define PR_PAGES 256 /* the page-request loop's window */
#define REPS 5
#define QUICK_REPS 2

enum mode { UNBOUND, NOTIFIER, BTM, NMODES };
static const char *const mode_names[NMODES] = { "process not bound",
						"bound, notifier TLBIs",
						"bound, BTM broadcast" };
static const char *const mode_keys[NMODES] = { "unbound", "notifier", "btm" };

struct env {
	struct vsmmu_host *host;
	struct vsmmu_smmu *smmu;
	struct vsmmu_drv *drv;
	struct vsmmu_mem_pool *cpool;
	struct vsmmu_cpu *cpu;
	struct vsmmu_mm *mm;
	struct vsmmu_drv_master *m;
	struct vsmmu_drv_domain *d;
	unsigned int pages;
	_Atomic unsigned int errors, resps;
	uint64_t next; /* page-request loop: next page */
};

static void on_resp(void *arg, const struct vsmmu_pri_resp *r)
{
	struct env *e = arg;

	if (r->code == VSMMU_PRI_RESP_SUCCESS)
		atomic_fetch_add(&e->resps, 1);
	else
		atomic_fetch_add(&e->errors, 1);
}

static int before_driver(void *arg, struct vsmmu_smmu *smmu,
			 struct vsmmu_drv_config *dc)
{
	vsmmu_smmu_set_pri_resp_handler(smmu, on_resp, arg);
	return 0;
}

static void drv_log(void *arg, const char *msg)
{
	fprintf(stderr, "bench_sva: driver: %s\n", msg);
}

static void env_init(struct env *e, enum mode mode, unsigned int pages,
		     bool populate)
{
	struct vsmmu_drv_domain_cfg dc = { .type = VSMMU_DRV_DOMAIN_S1 };
	struct vsmmu_cpu_config cc = { .nr_cpus = 2 };
	struct vsmmu_host_config hc;
	uint32_t sid = SID;

	memset(e, 0, sizeof(*e));
	e->pages = pages;
	vsmmu_host_config_default(&hc);
	hc.smmu.exec = VSMMU_EXEC_SYNC;
	hc.irq = false;
	hc.pool_base = POOL_BASE;
	hc.pool_size = POOL_SIZE;
	hc.drv.log_fn = drv_log;
	hc.drv.sva = true;
	hc.drv.btm = mode == BTM;
	hc.before_driver = before_driver;
	hc.before_driver_arg = e;
	bench_check(vsmmu_host_create(&hc, NULL, &e->host), "host");
	e->smmu = vsmmu_host_smmu(e->host);
	e->drv = vsmmu_host_drv(e->host);
	bench_check(vsmmu_mem_pool_create(vsmmu_host_mem(e->host), CPU_BASE,
					  CPU_SIZE, &e->cpool),
		    "CPU pool");
	cc.pool = e->cpool;
	bench_check(vsmmu_cpu_create(&cc, &e->cpu), "cpu");
	bench_check(vsmmu_cpu_add_listener(e->cpu, vsmmu_smmu_dvm, e->smmu),
		    "listener");
	bench_check(vsmmu_mm_create(e->cpu, &e->mm), "process");
	bench_check(vsmmu_mm_mmap(e->mm, VA, pages * 4096ULL,
				  VSMMU_MM_READ | VSMMU_MM_WRITE |
					  (populate ? VSMMU_MM_POPULATE : 0)),
		    "mmap");
	bench_check(vsmmu_mm_switch(e->mm, 0) > 0 ? 0 : -EINVAL, "switch");
	bench_check(vsmmu_drv_master_create(e->drv, &sid, 1, 4, &e->m),
		    "master");
	bench_check(vsmmu_drv_domain_alloc(e->drv, &dc, &e->d), "domain");
	bench_check(vsmmu_drv_attach(e->m, e->d), "attach");
	if (mode != UNBOUND)
		bench_check(vsmmu_drv_sva_bind(e->m, SSID, e->mm, NULL),
			    "bind");
}

static void env_fini(struct env *e)
{
	vsmmu_drv_master_destroy(e->m);
	vsmmu_drv_domain_free(e->d);
	vsmmu_mm_destroy(e->mm);
	vsmmu_cpu_remove_listener(e->cpu, vsmmu_smmu_dvm, e->smmu);
	vsmmu_cpu_destroy(e->cpu);
	vsmmu_mem_pool_destroy(e->cpool);
	vsmmu_host_destroy(e->host);
}

/* The device reads the first page (so the SMMU caches it). */
static void touch(struct env *e)
{
	struct vsmmu_txn t = { .sid = SID,
			       .ssid = SSID,
			       .ssv = true,
			       .addr = VA,
			       .flags = VSMMU_TXN_READ };
	struct vsmmu_txn_result r;

	vsmmu_translate(e->smmu, &t, &r);
}

static uint64_t body_munmap(void *arg, unsigned int tid, uint64_t iters)
{
	struct env *e = arg;
	uint64_t i, done = 0, size = e->pages * 4096ULL;

	for (i = 0; i < iters; i++) {
		touch(e);
		if (vsmmu_mm_munmap(e->mm, VA, size) ||
		    vsmmu_mm_mmap(e->mm, VA, size,
				  VSMMU_MM_READ | VSMMU_MM_WRITE |
					  VSMMU_MM_POPULATE))
			atomic_fetch_add(&e->errors, 1);
		else
			done++;
	}
	return done;
}

/* One page request per call, each for a page not yet present; every
 * PR_PAGES calls the window is unmapped (the last call's cost). */
static uint64_t body_page_request(void *arg, unsigned int tid, uint64_t iters)
{
	struct env *e = arg;
	struct vsmmu_pri_req req = { .sid = SID,
				     .ssid = SSID,
				     .ssv = true,
				     .perm = VSMMU_PRI_READ | VSMMU_PRI_WRITE,
				     .last = true };
	enum vsmmu_pri_outcome o;
	uint64_t i, done = 0;

	for (i = 0; i < iters; i++) {
		unsigned int before = atomic_load(&e->resps);

		req.addr = VA + e->next * 4096ULL;
		req.prgi = (unsigned int)(e->next % 512);
		if (vsmmu_smmu_page_request(e->smmu, &req, &o) ||
		    o != VSMMU_PRI_QUEUED || vsmmu_drv_priq_drain(e->drv) < 1 ||
		    atomic_load(&e->resps) != before + 1)
			atomic_fetch_add(&e->errors, 1);
		else
			done++;
		if (++e->next == PR_PAGES) {
			e->next = 0;
			vsmmu_mm_munmap(e->mm, VA, PR_PAGES * 4096ULL);
			vsmmu_mm_mmap(e->mm, VA, PR_PAGES * 4096ULL,
				      VSMMU_MM_READ | VSMMU_MM_WRITE);
		}
	}
	return done;
}

static void measure(struct bench_run *run, unsigned int reps,
		    struct bench_row *row, bool *ok)
{
	struct bench_rep rep[BENCH_MAX_REPS];
	double ns[BENCH_MAX_REPS], cpu[BENCH_MAX_REPS];
	uint64_t iters = run->iters;
	unsigned int i;

	run->iters = iters / 10 ? iters / 10 : 1;
	bench_run_once(run, &rep[0]);
	run->iters = iters;
	for (i = 0; i < reps; i++) {
		bench_run_once(run, &rep[i]);
		ns[i] = rep[i].ns_per_op;
		cpu[i] = rep[i].cpu_ns_per_op;
		if (rep[i].checksum[0] != run->iters)
			*ok = false;
	}
	row->threads = 1;
	row->reps = reps;
	row->iters = run->iters;
	bench_summarize(ns, reps, &row->ns);
	bench_summarize(cpu, reps, &row->cpu_ns);
	row->ops_per_s = rep[row->ns.median_idx].ops_per_s;
	row->cpus = rep[row->ns.median_idx].cpus;
}

static uint64_t consumed(struct env *e, unsigned int op)
{
	struct vsmmu_smmu_stats st;

	vsmmu_smmu_get_stats(e->smmu, &st);
	return st.cmds[op];
}

static bool run_munmap(enum mode mode, unsigned int pages, double base_ns,
		       const struct bench_opts *o, struct bench_row *row)
{
	struct bench_run run;
	struct vsmmu_smmu_stats st;
	uint64_t tlbi0, calls;
	bool ok = true;
	struct env *e = calloc(1, sizeof(*e));

	if (!e)
		bench_die("out of memory");
	env_init(e, mode, pages, true);
	run = (struct bench_run){
		.body = body_munmap,
		.arg = e,
		.threads = 1,
		.iters = (o->quick ? 200 : 5000) / (pages > 16 ? 16 : 1),
	};
	tlbi0 = consumed(e, CMDQ_OP_TLBI_NH_VA) +
		consumed(e, CMDQ_OP_TLBI_NH_ASID);
	memset(row, 0, sizeof(*row));
	measure(&run, o->quick ? QUICK_REPS : REPS, row, &ok);
	calls = run.iters * ((o->quick ? QUICK_REPS : REPS)) +
		(run.iters / 10 ? run.iters / 10 : 1);
	vsmmu_smmu_get_stats(e->smmu, &st);
	if (atomic_load(&e->errors))
		ok = false;
	snprintf(row->name, sizeof(row->name), "munmap-%u-%s", pages,
		 mode_keys[mode]);
	snprintf(row->mode, sizeof(row->mode), "%s", mode_names[mode]);
	bench_row_add(row, "pages", "%u", pages);
	if (mode == UNBOUND || !base_ns)
		bench_row_add(row, "coherence ns", "-");
	else
		bench_row_add(row, "coherence ns", "%.0f",
			      row->ns.median - base_ns);
	bench_row_add(row, "TLBI cmds/call", "%.1f",
		      (double)(consumed(e, CMDQ_OP_TLBI_NH_VA) +
			       consumed(e, CMDQ_OP_TLBI_NH_ASID) - tlbi0) /
			      (double)calls);
	bench_row_add(row, "broadcasts/call", "%.1f",
		      mode == BTM ? (double)st.dvm_applied / (double)calls :
				    0.0);
	bench_row_add(row, "check", "%s", ok ? "ok" : "FAIL");
	env_fini(e);
	free(e);
	return ok;
}

static bool run_page_request(const struct bench_opts *o, struct bench_row *row)
{
	struct bench_run run;
	bool ok = true;
	struct env *e = calloc(1, sizeof(*e));

	if (!e)
		bench_die("out of memory");
	env_init(e, NOTIFIER, PR_PAGES, false);
	run = (struct bench_run){ .body = body_page_request,
				  .arg = e,
				  .threads = 1,
				  .iters = o->quick ? 500 : 20000 };
	memset(row, 0, sizeof(*row));
	measure(&run, o->quick ? QUICK_REPS : REPS, row, &ok);
	if (atomic_load(&e->errors))
		ok = false;
	snprintf(row->name, sizeof(row->name), "page-request");
	snprintf(row->mode, sizeof(row->mode), "host, PRI, SVA PASID");
	bench_row_add(row, "pages", "1");
	bench_row_add(row, "coherence ns", "-");
	bench_row_add(row, "TLBI cmds/call", "-");
	bench_row_add(row, "broadcasts/call", "-");
	bench_row_add(row, "check", "%s", ok ? "ok" : "FAIL");
	env_fini(e);
	free(e);
	return ok;
}

int main(int argc, char **argv)
{
	static const unsigned int sizes[] = { 1, 16, 512 };
	struct bench_row rows[12];
	struct bench_opts o;
	unsigned int i, n = 0;
	int mode;
	uint64_t t0 = bench_now_ns();
	double load0 = bench_loadavg();
	bool ok = true;

	bench_parse_args(argc, argv,
			 "SVA: a process's munmap of 1, 16 and 512 pages its "
			 "device cached, unbound / bound with notifier TLBIs "
			 "/ bound with BTM; a PRI page request's round trip.",
			 &o);
	for (i = 0; i < VS_ARRAY_SIZE(sizes); i++) {
		double base = 0;
		char name[32];

		for (mode = UNBOUND; mode < NMODES; mode++) {
			snprintf(name, sizeof(name), "munmap-%u-%s", sizes[i],
				 mode_keys[mode]);
			if (!bench_selected(&o, name, 1))
				continue;
			if (!run_munmap((enum mode)mode, sizes[i], base, &o,
					&rows[n]))
				ok = false;
			if (mode == UNBOUND)
				base = rows[n].ns.median;
			n++;
		}
	}
	if (bench_selected(&o, "page-request", 1))
		if (!run_page_request(&o, &rows[n++]))
			ok = false;
	if (o.json) {
		bench_print_json(stdout, "bench_sva", o.quick, rows, n);
	} else {
		printf("## SVA: keeping the SMMU coherent with a process%s\n\n",
		       o.quick ? " (--quick: rough figures)" : "");
		bench_print_table(stdout, rows, n);
		printf("\nns/call: one munmap + populated mmap of N pages (the "
		       "device had cached the first), or one page request "
		       "answered; median of %u repetitions.  coherence ns: "
		       "the mode's median minus the unbound process's.\nTotal "
		       "%.2f s; load average %.2f before, %.2f after.\n",
		       o.quick ? QUICK_REPS : REPS,
		       (double)(bench_now_ns() - t0) / 1e9, load0,
		       bench_loadavg());
	}
	return ok ? 0 : 1;
}
