// SPDX-License-Identifier: MIT
/*
 * The VMM layer, measured: what a trap costs, and a guest's invalidation
 * trapped against passed through.
 *
 *  - "trap-read": one guest read of a virtual SMMU register (CMDQ_CONS)
 *    through the MMIO bus, the trap handled on the vCPU thread ("vcpu")
 *    or handed to the VMM thread ("vmm thread"); beside it the same read
 *    of the host model's register with no VMM at all ("model, no trap").
 *  - "guest-inv": the guest driver's TLBI_NH_VA + CMD_SYNC, waited for
 *    (vsmmu_drv_cmdq_issue: what a strict unmap sends), from 1 and 2 guest
 *    threads, each a vCPU with its own device and ASID:
 *      "trapped queue": no CMDQV for the guest; the PROD write traps, the
 *      virtual SMMU reads the commands from guest RAM, one
 *      HWPT_INVALIDATE, the host driver's queue, the MSI of the CMD_SYNC
 *      into guest RAM;
 *      "VCMDQ, page trapped": a VCMDQ of the guest's own, every access to
 *      its page an exit forwarded by the VMM;
 *      "VCMDQ passthrough": the same VCMDQ, its page mapped, no exit.
 *    Columns: exits per call, and the latency with a KVM/arm64 exit cost
 *    added per exit (EXIT_NS, the published figure docs/benchmarks.md
 *    cites), which software alone here cannot show.
 *
 * Host: the model in SYNC mode with a CMDQV (<vsmmu/host.h>), an iommufd
 * context, one VM of two devices.  The check column verifies the work
 * happened: every call's TLBI and CMD_SYNC consumed on the path the mode
 * names (HWPT_INVALIDATE calls for the trapped queue; none and no exit
 * for passthrough).
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <vsmmu/arch.h>
#include <vsmmu/cpu.h>
#include <vsmmu/host.h>
#include <vsmmu/iommufd.h>
#include <vsmmu/vmm.h>
#include <vsmmu/vsmmu.h>

#include "bench.h"

#define REPS 5
#define QUICK_REPS 2
/*
 * A KVM/arm64 MMIO exit to the user-space VMM and back: kvm-unit-tests'
 * arm/micro-bench "mmio_read_user", 2301-2306 ns on a Kunpeng 920 under
 * QEMU/KVM (kvm@vger.kernel.org, 1 Nov 2023, "arm64: microbench: Move the
 * read of the count register and the ISB operation out of the while
 * loop"; docs/benchmarks.md).
 */
#define EXIT_NS 2301.0

enum mode { TRAPPED, VCMDQ_TRAPPED, PASSTHROUGH };

static const char *const mode_names[] = { "trapped queue",
					  "VCMDQ, page trapped",
					  "VCMDQ passthrough" };

struct env {
	struct vsmmu_host *host;
	struct vsmmu_iommufd_ctx *ictx;
	struct vsmmu_vm *vm;
	struct vsmmu_vm_guest *g;
	struct vsmmu_drv *gdrv;
	struct vsmmu_drv_domain *dom[2];
	_Atomic unsigned int errors;
};

static void quiet(void *arg, const char *msg)
{
}

static void host_event(void *arg, const struct vsmmu_drv_event *evt)
{
	struct env *e = arg;

	if (e->ictx)
		vsmmu_iommufd_host_event(e->ictx, 0, evt);
}

static void env_init(struct env *e, enum mode mode, enum vsmmu_vm_trap trap)
{
	struct vsmmu_host_config hc;
	struct vsmmu_iommufd_config ic = { 0 };
	struct vsmmu_iommufd_host h;
	struct vsmmu_vm_dev_cfg d[2] = { { .sid = 0x40, .vsid = 0x10 },
					 { .sid = 0x41, .vsid = 0x11 } };
	struct vsmmu_vm_config c = { 0 };
	struct vsmmu_vm_guest_config gc = { 0 };
	unsigned int i;

	memset(e, 0, sizeof(*e));
	vsmmu_host_config_default(&hc);
	hc.smmu.exec = VSMMU_EXEC_SYNC;
	hc.smmu.cmdqv.present = true;
	hc.smmu.cmdqv.num_vintf_log2 = 2;
	hc.smmu.cmdqv.num_vcmdq_log2 = 3;
	hc.smmu.cmdqv.num_sid_per_vm_log2 = 4;
	hc.drv.cmdqv_nqueues = 2;
	hc.drv.log_fn = quiet;
	hc.drv.event_fn = host_event;
	hc.drv.event_arg = e;
	hc.pool_base = 0x10000000ULL;
	hc.pool_size = 32ULL << 20;
	bench_check(vsmmu_host_create(&hc, NULL, &e->host), "host");
	h.smmu = vsmmu_host_smmu(e->host);
	h.drv = vsmmu_host_drv(e->host);
	ic.hosts = &h;
	ic.nhosts = 1;
	ic.no_service_thread = true;
	bench_check(vsmmu_iommufd_ctx_create(&ic, &e->ictx), "context");
	c.ictx = e->ictx;
	c.ram_size = 32ULL << 20;
	c.devs = d;
	c.ndevs = 2;
	c.cmdqv = mode == TRAPPED	? VSMMU_VM_CMDQV_OFF :
		  mode == VCMDQ_TRAPPED ? VSMMU_VM_CMDQV_TRAPPED :
					  VSMMU_VM_CMDQV_PASSTHROUGH;
	c.trap = trap;
	bench_check(vsmmu_vm_create(&c, &e->vm), "VM");
	gc.pool_size = 8ULL << 20;
	gc.cmdqv_nqueues = 2;
	bench_check(vsmmu_vm_guest_create(e->vm, &gc, &e->g), "guest");
	e->gdrv = vsmmu_vm_guest_drv(e->g);
	for (i = 0; i < 2; i++)
		bench_check(vsmmu_vm_guest_attach(e->g, i, i, &e->dom[i]),
			    "attach");
}

static void env_fini(struct env *e)
{
	vsmmu_vm_guest_destroy(e->g);
	vsmmu_vm_destroy(e->vm);
	vsmmu_iommufd_ctx_destroy(e->ictx);
	vsmmu_host_destroy(e->host);
}

/* --- Bodies --------------------------------------------------------------- */

static uint64_t body_trap_read(void *arg, unsigned int tid, uint64_t iters)
{
	struct env *e = arg;
	uint64_t i, v, done = 0;

	for (i = 0; i < iters; i++)
		if (!vsmmu_vm_mmio_read(
			    e->vm, VSMMU_VM_SMMU_BASE(0) + ARM_SMMU_CMDQ_CONS,
			    4, &v))
			done++;
	return done;
}

static uint64_t body_model_read(void *arg, unsigned int tid, uint64_t iters)
{
	struct env *e = arg;
	struct vsmmu_smmu *smmu = vsmmu_host_smmu(e->host);
	uint64_t i, v, done = 0;

	for (i = 0; i < iters; i++)
		if (!vsmmu_smmu_mmio_read(smmu, ARM_SMMU_CMDQ_CONS, 4, &v))
			done++;
	return done;
}

static uint64_t body_inv(void *arg, unsigned int tid, uint64_t iters)
{
	struct env *e = arg;
	uint64_t cmd[1][2], i, done = 0;

	/* Each guest thread: its own LVCMDQ, its domain's ASID */
	vsmmu_drv_set_thread_queue(e->gdrv, tid);
	cmd[0][0] = CMDQ_OP_TLBI_NH_VA |
		    VS_FIELD_PREP(CMDQ_TLBI_0_ASID,
				  vsmmu_drv_domain_asid(e->dom[tid & 1]));
	for (i = 0; i < iters; i++) {
		cmd[0][1] = (0x100000ULL + ((i & 255) << 12)) |
			    CMDQ_TLBI_1_LEAF;
		if (vsmmu_drv_cmdq_issue(e->gdrv, (const uint64_t(*)[2])cmd, 1,
					 true))
			atomic_fetch_add(&e->errors, 1);
		else
			done++;
	}
	return done;
}

/* --- Cases ----------------------------------------------------------------- */

static void measure(struct bench_run *run, unsigned int reps,
		    struct bench_row *row, bool *ok)
{
	struct bench_rep rep[BENCH_MAX_REPS];
	double ns[BENCH_MAX_REPS], cpu[BENCH_MAX_REPS];
	uint64_t iters = run->iters;
	unsigned int i, t;

	run->iters = iters / 10 ? iters / 10 : 1;
	bench_run_once(run, &rep[0]);
	run->iters = iters;
	for (i = 0; i < reps; i++) {
		bench_run_once(run, &rep[i]);
		ns[i] = rep[i].ns_per_op;
		cpu[i] = rep[i].cpu_ns_per_op;
		for (t = 0; t < run->threads; t++)
			if (rep[i].checksum[t] != run->iters)
				*ok = false;
	}
	row->threads = run->threads;
	row->reps = reps;
	row->iters = run->iters;
	bench_summarize(ns, reps, &row->ns);
	bench_summarize(cpu, reps, &row->cpu_ns);
	row->ops_per_s = rep[row->ns.median_idx].ops_per_s;
	row->cpus = rep[row->ns.median_idx].cpus;
}

static bool run_trap(int which, const struct bench_opts *o,
		     struct bench_row *row)
{
	static const char *const names[] = { "vcpu", "vmm thread",
					     "model, no trap" };
	struct vsmmu_vm_trap_stats t0, t1;
	struct bench_run run;
	bool ok = true;
	struct env *e = calloc(1, sizeof(*e));
	uint64_t calls;

	if (!e)
		bench_die("out of memory");
	env_init(e, TRAPPED,
		 which == 1 ? VSMMU_VM_TRAP_THREAD : VSMMU_VM_TRAP_VCPU);
	run = (struct bench_run){ .body = which == 2 ? body_model_read :
						       body_trap_read,
				  .arg = e,
				  .threads = 1,
				  .iters = o->quick   ? 2000 :
					   which == 1 ? 100000 :
							1000000 };
	memset(row, 0, sizeof(*row));
	vsmmu_vm_get_trap_stats(e->vm, &t0);
	measure(&run, o->quick ? QUICK_REPS : REPS, row, &ok);
	vsmmu_vm_get_trap_stats(e->vm, &t1);
	calls = run.iters * (o->quick ? QUICK_REPS : REPS) +
		(run.iters / 10 ? run.iters / 10 : 1);
	if (which != 2 && t1.smmu_exits - t0.smmu_exits != calls)
		ok = false;
	snprintf(row->name, sizeof(row->name), "trap-read");
	snprintf(row->mode, sizeof(row->mode), "%s", names[which]);
	bench_row_add(row, "exits/call", "%.2f", which == 2 ? 0.0 : 1.0);
	bench_row_add(row, "with KVM exit ns", "-");
	bench_row_add(row, "check", "%s", ok ? "ok" : "FAIL");
	env_fini(e);
	free(e);
	return ok;
}

static double inv_trapped_ns[3]; /* the trapped queue, by threads */

static bool run_inv(enum mode mode, unsigned int threads,
		    const struct bench_opts *o, struct bench_row *row)
{
	struct vsmmu_vm_trap_stats t0, t1;
	struct vsmmu_vm_smmu_stats s0, s1;
	unsigned int reps = o->quick ? QUICK_REPS : REPS;
	struct bench_run run;
	bool ok = true;
	struct env *e = calloc(1, sizeof(*e));
	uint64_t calls;
	double exits, with_exit;

	if (!e)
		bench_die("out of memory");
	env_init(e, mode, VSMMU_VM_TRAP_VCPU);
	run = (struct bench_run){ .body = body_inv,
				  .arg = e,
				  .threads = threads,
				  .iters = o->quick ? 500 : 20000 };
	memset(row, 0, sizeof(*row));
	vsmmu_vm_get_trap_stats(e->vm, &t0);
	vsmmu_vm_smmu_get_stats(e->vm, 0, &s0);
	measure(&run, reps, row, &ok);
	vsmmu_vm_get_trap_stats(e->vm, &t1);
	vsmmu_vm_smmu_get_stats(e->vm, 0, &s1);
	calls = (run.iters * reps + (run.iters / 10 ? run.iters / 10 : 1)) *
		threads;
	exits = (double)(t1.exits - t0.exits) / (double)calls;
	if (atomic_load(&e->errors))
		ok = false;
	/* Each call went where the mode says */
	if (mode == TRAPPED && s1.inv_calls - s0.inv_calls < calls / threads)
		ok = false;
	if (mode != TRAPPED && s1.inv_calls != s0.inv_calls)
		ok = false;
	if (mode == PASSTHROUGH && t1.exits != t0.exits)
		ok = false;
	with_exit = row->ns.median + exits * EXIT_NS;
	if (mode == TRAPPED)
		inv_trapped_ns[threads] = with_exit;
	snprintf(row->name, sizeof(row->name), "guest-inv");
	snprintf(row->mode, sizeof(row->mode), "%s", mode_names[mode]);
	bench_row_add(row, "exits/call", "%.2f", exits);
	bench_row_add(row, "with KVM exit ns", "%.0f", with_exit);
	if (mode != TRAPPED && inv_trapped_ns[threads] > 0)
		bench_row_add(
			row, "vs trapped, with exits", "-%.0f%%",
			100.0 * (1.0 - with_exit / inv_trapped_ns[threads]));
	else
		bench_row_add(row, "vs trapped, with exits", "-");
	bench_row_add(row, "check", "%s", ok ? "ok" : "FAIL");
	env_fini(e);
	free(e);
	return ok;
}

/* --- A guest's I/O page fault, round trip -------------------------------- */

#define PR_PAGES 256
#define PR_VA 0x10000000ULL
#define PR_PASID 5

struct pri_env {
	struct vsmmu_host *host;
	struct vsmmu_drv *hdrv;
	struct vsmmu_iommufd_ctx *ictx;
	struct vsmmu_vm *vm;
	struct vsmmu_vm_guest *g;
	struct vsmmu_mem_pool *pool;
	struct vsmmu_cpu *cpu;
	struct vsmmu_mm *mm;
	unsigned int next;
	_Atomic bool stop;
	_Atomic bool guest_irq;
	_Atomic unsigned int errors;
};

/* The guest's interrupt: its handler thread runs only when it fires */
static void pri_guest_irq(void *arg, enum vsmmu_irq irq)
{
	struct pri_env *e = arg;

	vsmmu_drv_irq(vsmmu_vm_guest_drv(e->g), irq);
	atomic_store(&e->guest_irq, true);
}

static int pri_host_ppr(void *arg, const struct vsmmu_drv_ppr *req)
{
	struct pri_env *e = arg;

	return e->ictx && vsmmu_iommufd_host_ppr(e->ictx, 0, req) ?
		       VSMMU_DRV_PRI_DEFER :
		       -ENODEV;
}

static void pri_env_init(struct pri_env *e)
{
	struct vsmmu_host_config hc;
	struct vsmmu_iommufd_config ic = { 0 };
	struct vsmmu_iommufd_host h;
	struct vsmmu_vm_dev_cfg d = { .sid = 0x40,
				      .vsid = 0x10,
				      .ats = true,
				      .pri = true,
				      .pasid_bits = 8 };
	struct vsmmu_vm_config c = { 0 };
	struct vsmmu_vm_guest_config gc = { 0 };
	struct vsmmu_cpu_config cc = { 0 };
	struct vsmmu_drv_domain *dom;

	memset(e, 0, sizeof(*e));
	vsmmu_host_config_default(&hc);
	hc.smmu.exec = VSMMU_EXEC_SYNC;
	hc.drv.log_fn = quiet;
	hc.drv.pri_fn = pri_host_ppr;
	hc.drv.pri_arg = e;
	hc.pool_base = 0x10000000ULL;
	hc.pool_size = 32ULL << 20;
	bench_check(vsmmu_host_create(&hc, NULL, &e->host), "host");
	e->hdrv = vsmmu_host_drv(e->host);
	h.smmu = vsmmu_host_smmu(e->host);
	h.drv = e->hdrv;
	ic.hosts = &h;
	ic.nhosts = 1;
	ic.no_service_thread = true;
	bench_check(vsmmu_iommufd_ctx_create(&ic, &e->ictx), "context");
	c.ictx = e->ictx;
	c.ram_size = 64ULL << 20;
	c.devs = &d;
	c.ndevs = 1;
	bench_check(vsmmu_vm_create(&c, &e->vm), "VM");
	gc.pool_size = 8ULL << 20;
	gc.sva = true;
	bench_check(vsmmu_vm_guest_create(e->vm, &gc, &e->g), "guest");
	/* The guest's CPUs and a process, 32 MiB of guest RAM */
	bench_check(vsmmu_mem_pool_create(vsmmu_vm_gmem(e->vm),
					  VSMMU_VM_RAM_BASE, 32ULL << 20,
					  &e->pool),
		    "guest pool");
	cc.pool = e->pool;
	bench_check(vsmmu_cpu_create(&cc, &e->cpu), "guest CPUs");
	bench_check(vsmmu_mm_create(e->cpu, &e->mm), "process");
	bench_check(vsmmu_mm_mmap(e->mm, PR_VA, PR_PAGES * 4096ULL,
				  VSMMU_MM_READ | VSMMU_MM_WRITE),
		    "mmap");
	bench_check(vsmmu_vm_guest_attach(e->g, 0, 1, &dom), "attach");
	bench_check(vsmmu_vm_guest_sva_bind(e->g, 0, PR_PASID, e->mm), "bind");
	vsmmu_vm_smmu_set_irq(e->vm, 0, pri_guest_irq, e);
}

static void pri_env_fini(struct pri_env *e)
{
	vsmmu_vm_guest_destroy(e->g);
	vsmmu_mm_destroy(e->mm);
	vsmmu_cpu_destroy(e->cpu);
	vsmmu_mem_pool_destroy(e->pool);
	vsmmu_vm_destroy(e->vm);
	vsmmu_iommufd_ctx_destroy(e->ictx);
	vsmmu_host_destroy(e->host);
}

/* What a real system runs on its own threads: the host's PRI interrupt
 * thread, the iommufd service thread, the VMM's I/O thread and the
 * guest's PRI interrupt thread, here one spinning thread */
static void *pri_pump(void *arg)
{
	struct pri_env *e = arg;

	while (!atomic_load(&e->stop)) {
		vsmmu_drv_process(e->hdrv);
		vsmmu_iommufd_process(e->ictx);
		vsmmu_vm_process(e->vm);
		if (atomic_exchange(&e->guest_irq, false))
			vsmmu_drv_process(vsmmu_vm_guest_drv(e->g));
	}
	return NULL;
}

/* One DMA write per call to a page the process never touched: the whole
 * round trip of its page request; every PR_PAGES calls the window is
 * unmapped (in the last call's cost) */
static uint64_t body_guest_pri(void *arg, unsigned int tid, uint64_t iters)
{
	struct pri_env *e = arg;
	uint64_t i, done = 0;
	uint32_t word = 0x5a5a5a5a;

	for (i = 0; i < iters; i++) {
		struct vsmmu_iommufd_dma op = {
			.iova = PR_VA + e->next * 4096ULL,
			.buf = &word,
			.len = sizeof(word),
			.flags = VSMMU_IOMMUFD_DMA_WRITE |
				 VSMMU_IOMMUFD_DMA_PASID |
				 VSMMU_IOMMUFD_DMA_PRI,
			.pasid = PR_PASID,
		};

		if (vsmmu_vm_dev_dma(e->vm, 0, &op) || op.pri_requests != 1)
			atomic_fetch_add(&e->errors, 1);
		else
			done++;
		if (++e->next == PR_PAGES) {
			e->next = 0;
			vsmmu_mm_munmap(e->mm, PR_VA, PR_PAGES * 4096ULL);
			vsmmu_mm_mmap(e->mm, PR_VA, PR_PAGES * 4096ULL,
				      VSMMU_MM_READ | VSMMU_MM_WRITE);
		}
	}
	return done;
}

static bool run_guest_pri(const struct bench_opts *o, struct bench_row *row)
{
	unsigned int reps = o->quick ? QUICK_REPS : REPS;
	struct vsmmu_vm_trap_stats ts0, ts1;
	struct bench_run run;
	double exits, calls;
	pthread_t pump;
	bool ok = true;
	struct pri_env *e = calloc(1, sizeof(*e));

	if (!e)
		bench_die("out of memory");
	pri_env_init(e);
	if (pthread_create(&pump, NULL, pri_pump, e))
		bench_die("pump thread");
	run = (struct bench_run){ .body = body_guest_pri,
				  .arg = e,
				  .threads = 1,
				  .iters = o->quick ? 200 : 4000 };
	memset(row, 0, sizeof(*row));
	vsmmu_vm_get_trap_stats(e->vm, &ts0);
	measure(&run, reps, row, &ok);
	atomic_store(&e->stop, true);
	pthread_join(pump, NULL);
	/* measure() runs a tenth of the calls first, to warm up */
	calls = (double)reps * (double)run.iters +
		(double)(run.iters / 10 ? run.iters / 10 : 1);
	if (atomic_load(&e->errors))
		ok = false;
	snprintf(row->name, sizeof(row->name), "guest-page-request");
	snprintf(row->mode, sizeof(row->mode), "guest SVA, PRI");
	vsmmu_vm_get_trap_stats(e->vm, &ts1);
	exits = (double)(ts1.exits - ts0.exits) / calls;
	bench_row_add(row, "exits/call", "%.2f", exits);
	bench_row_add(row, "with KVM exit ns", "%.0f",
		      row->ns.median + exits * EXIT_NS);
	bench_row_add(row, "check", "%s", ok ? "ok" : "FAIL");
	pri_env_fini(e);
	free(e);
	return ok;
}

int main(int argc, char **argv)
{
	struct bench_row rows[12];
	struct bench_opts o;
	unsigned int i, t, n = 0;
	uint64_t t0 = bench_now_ns();
	double load0 = bench_loadavg();
	bool ok = true;

	bench_parse_args(argc, argv,
			 "VMM: a trapped register read (vCPU thread, VMM "
			 "thread), and a guest's TLBI + CMD_SYNC through the "
			 "trapped queue, a trapped VCMDQ page and a "
			 "passed-through VCMDQ, from 1 and 2 guest threads; "
			 "a guest I/O page fault's round trip.",
			 &o);
	for (i = 0; i < 3; i++) {
		if (!bench_selected(&o, "trap-read", 1))
			break;
		if (!run_trap((int)i, &o, &rows[n++]))
			ok = false;
	}
	for (t = 1; t <= 2; t++)
		for (i = 0; i < 3; i++) {
			if (!bench_selected(&o, "guest-inv", t))
				continue;
			if (!run_inv((enum mode)i, t, &o, &rows[n++]))
				ok = false;
		}
	if (bench_selected(&o, "guest-page-request", 1) &&
	    !run_guest_pri(&o, &rows[n++]))
		ok = false;
	if (o.json) {
		bench_print_json(stdout, "bench_vm", o.quick, rows, n);
	} else {
		printf("## VMM: trap cost and guest invalidation%s\n\n",
		       o.quick ? " (--quick: rough figures)" : "");
		bench_print_table(stdout, rows, n);
		printf("\nns/call: one register read, or one TLBI_NH_VA + "
		       "CMD_SYNC waited for; median of %u repetitions.\n"
		       "\"with KVM exit\": + %.0f ns per exit (kvm-unit-tests "
		       "mmio_read_user, Kunpeng 920: docs/benchmarks.md).\n"
		       "Total %.2f s; load average %.2f before, %.2f after.\n",
		       o.quick ? QUICK_REPS : REPS, EXIT_NS,
		       (double)(bench_now_ns() - t0) / 1e9, load0,
		       bench_loadavg());
	}
	return ok ? 0 : 1;
}
