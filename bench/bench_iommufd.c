// SPDX-License-Identifier: MIT
/*
 * The iommufd layer, measured through vsmmu_iommufd_ioctl() on a host
 * (model in SYNC mode + driver, <vsmmu/host.h>), one thread:
 *
 *  - "map-unmap-4k": IOMMU_IOAS_MAP (FIXED_IOVA) of one 4 KiB page of a
 *    user buffer, then IOMMU_IOAS_UNMAP of it; one pair per call.  The
 *    IOAS fills a nest-parent HWPT (stage 2), either attached to the
 *    device directly ("parent attached") or under a VM ("under a vIOMMU":
 *    the device attached to a nested HWPT over the parent, so each unmap
 *    also invalidates the VM's VMID).  A third mode, "no HWPT", is the
 *    IOAS alone: pinning and bookkeeping without a page table.  Each
 *    call pins the page (MADV_POPULATE_WRITE), makes it model memory
 *    (vsmmu_mem_map_host), maps it in the page table, then unmaps it,
 *    invalidates (TLBI + CMD_SYNC, waited for) and unpins.
 *  - "invalidate": IOMMU_HWPT_INVALIDATE on the vIOMMU with N guest
 *    TLBI_NH_VA commands (N = 1, 8, 64, 256), each a different page: the
 *    layer copies the array, the driver checks and rewrites each entry
 *    (the VM's VMID) and issues the batch with one CMD_SYNC.
 *    entries/s = calls/s * N.
 *
 * The check column verifies what the SMMU consumed: for map-unmap, at
 * least one CMD_SYNC per pair with a page table (the unmap was
 * invalidated before UNMAP returned); for invalidate, exactly N
 * TLBI_NH_VA and one CMD_SYNC per call, and entry_num written back as N.
 * docs/benchmarks.md and docs/iommufd.md have the method and figures.
 */
#include <stdatomic.h>
#include <sys/mman.h>

#include <vsmmu/arch.h>
#include <vsmmu/host.h>
#include <vsmmu/iommufd.h>
#include <vsmmu/vsmmu.h>

#include "bench.h"

#define SID 0x42
#define VSID 0x15
#define RAM (2ULL << 20) /* the guest's RAM: IOVA (IPA) 0 */
#define SLOTS 256 /* pages the map-unmap loop cycles through */
#define SLOT_IOVA 0x40000000ULL
#define REPS 5
#define QUICK_REPS 2
#define MAX_ENTRIES 256

enum mode { NO_HWPT, PARENT, VM };

static const char *const mode_names[] = { "no HWPT", "parent attached",
					  "under a vIOMMU" };

struct env {
	struct vsmmu_host *host;
	struct vsmmu_iommufd_ctx *ictx;
	unsigned char *ram, *slots;
	uint32_t ioas, dev, parent, viommu, vdev, nested;
	/* per case */
	uint64_t next;
	unsigned int entries;
	uint64_t cmds[MAX_ENTRIES][2];
	atomic_uint errors;
};

static void ev(void *arg, const struct vsmmu_drv_event *e)
{
	struct env *env = arg;

	if (env->ictx)
		vsmmu_iommufd_host_event(env->ictx, 0, e);
}

static int ioc(struct env *e, unsigned long cmd, void *arg)
{
	return vsmmu_iommufd_ioctl(e->ictx, cmd, arg);
}

static void *buf(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		bench_die("mmap");
	return p;
}

static void env_init(struct env *e, enum mode mode)
{
	struct vsmmu_iommufd_config ic = { 0 };
	struct vsmmu_iommufd_host h;
	struct vsmmu_host_config hc;
	struct iommu_ioas_alloc ia = { .size = sizeof(ia) };
	struct iommu_ioas_map m = { .size = sizeof(m) };
	struct vsmmu_iommufd_dev_cfg dc = { 0 };
	uint32_t sid = SID, pt;

	memset(e, 0, sizeof(*e));
	vsmmu_host_config_default(&hc);
	hc.drv.event_fn = ev;
	hc.drv.event_arg = e;
	bench_check(vsmmu_host_create(&hc, NULL, &e->host), "host");
	h.smmu = vsmmu_host_smmu(e->host);
	h.drv = vsmmu_host_drv(e->host);
	ic.hosts = &h;
	ic.nhosts = 1;
	ic.no_service_thread = true;
	bench_check(vsmmu_iommufd_ctx_create(&ic, &e->ictx), "context");
	e->ram = buf(RAM);
	e->slots = buf(SLOTS * 4096);
	bench_check(ioc(e, IOMMU_IOAS_ALLOC, &ia), "IOAS_ALLOC");
	e->ioas = ia.out_ioas_id;
	m.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
		  IOMMU_IOAS_MAP_WRITEABLE;
	m.ioas_id = e->ioas;
	m.user_va = (uintptr_t)e->ram;
	m.length = RAM;
	m.iova = 0;
	bench_check(ioc(e, IOMMU_IOAS_MAP, &m), "IOAS_MAP of the RAM");
	dc.sids = &sid;
	dc.nsids = 1;
	bench_check(vsmmu_iommufd_device_bind(e->ictx, &dc, &e->dev), "bind");
	if (mode == NO_HWPT)
		return;
	{
		struct iommu_hwpt_alloc a = {
			.size = sizeof(a),
			.flags = IOMMU_HWPT_ALLOC_NEST_PARENT,
			.dev_id = e->dev,
			.pt_id = e->ioas,
		};

		bench_check(ioc(e, IOMMU_HWPT_ALLOC, &a), "nest parent");
		e->parent = a.out_hwpt_id;
	}
	{
		struct iommu_viommu_alloc v = {
			.size = sizeof(v),
			.type = IOMMU_VIOMMU_TYPE_ARM_SMMUV3,
			.dev_id = e->dev,
			.hwpt_id = e->parent,
		};
		struct iommu_vdevice_alloc vd = {
			.size = sizeof(vd),
			.dev_id = e->dev,
			.virt_id = VSID,
		};

		bench_check(ioc(e, IOMMU_VIOMMU_ALLOC, &v), "vIOMMU");
		e->viommu = v.out_viommu_id;
		vd.viommu_id = e->viommu;
		bench_check(ioc(e, IOMMU_VDEVICE_ALLOC, &vd), "vDEVICE");
		e->vdev = vd.out_vdevice_id;
	}
	pt = e->parent;
	if (mode == VM) {
		/* V | Config S1 | S1ContextPtr 0x1000 (no DMA is done) */
		struct iommu_hwpt_arm_smmuv3 ste = {
			.ste = { 0x1 | 0xa | 0x1000, 0xd4 }
		};
		struct iommu_hwpt_alloc a = {
			.size = sizeof(a),
			.dev_id = e->dev,
			.pt_id = e->viommu,
			.data_type = IOMMU_HWPT_DATA_ARM_SMMUV3,
			.data_len = sizeof(ste),
			.data_uptr = (uintptr_t)&ste,
		};

		bench_check(ioc(e, IOMMU_HWPT_ALLOC, &a), "nested HWPT");
		e->nested = a.out_hwpt_id;
		pt = e->nested;
	}
	bench_check(vsmmu_iommufd_device_attach(e->ictx, e->dev, &pt),
		    "attach");
}

static void env_fini(struct env *e)
{
	vsmmu_iommufd_ctx_destroy(e->ictx);
	e->ictx = NULL;
	vsmmu_host_destroy(e->host);
	munmap(e->ram, RAM);
	munmap(e->slots, SLOTS * 4096);
}

static uint64_t consumed(struct env *e, unsigned int op)
{
	struct vsmmu_smmu_stats st;

	vsmmu_smmu_get_stats(vsmmu_host_smmu(e->host), &st);
	return st.cmds[op];
}

/* One IOAS_MAP + IOAS_UNMAP of a 4 KiB page per iteration. */
static uint64_t body_map_unmap(void *arg, unsigned int tid, uint64_t iters)
{
	struct env *e = arg;
	struct iommu_ioas_map m = {
		.size = sizeof(m),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.ioas_id = e->ioas,
		.length = 4096,
	};
	struct iommu_ioas_unmap u = { .size = sizeof(u), .ioas_id = e->ioas };
	uint64_t i, slot, done = 0;

	for (i = 0; i < iters; i++) {
		slot = e->next++ % SLOTS;
		m.user_va = (uintptr_t)e->slots + slot * 4096;
		m.iova = SLOT_IOVA + slot * 4096;
		if (ioc(e, IOMMU_IOAS_MAP, &m)) {
			atomic_fetch_add(&e->errors, 1);
			continue;
		}
		u.iova = m.iova;
		u.length = 4096;
		if (ioc(e, IOMMU_IOAS_UNMAP, &u) || u.length != 4096)
			atomic_fetch_add(&e->errors, 1);
		else
			done++;
	}
	return done;
}

/* One HWPT_INVALIDATE of e->entries commands per iteration. */
static uint64_t body_invalidate(void *arg, unsigned int tid, uint64_t iters)
{
	struct env *e = arg;
	struct iommu_hwpt_invalidate inv = {
		.size = sizeof(inv),
		.hwpt_id = e->viommu,
		.data_uptr = (uintptr_t)e->cmds,
		.data_type = IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3,
		.entry_len = 16,
	};
	uint64_t i, done = 0;

	for (i = 0; i < iters; i++) {
		inv.entry_num = e->entries;
		if (ioc(e, IOMMU_HWPT_INVALIDATE, &inv) ||
		    inv.entry_num != e->entries)
			atomic_fetch_add(&e->errors, 1);
		else
			done++;
	}
	return done;
}

/* Warm up, time @reps repetitions, fill @row.  Return: all bodies' sum. */
static uint64_t measure(struct bench_run *run, unsigned int reps,
			struct bench_row *row, bool *ok)
{
	struct bench_rep rep[BENCH_MAX_REPS];
	double ns[BENCH_MAX_REPS], cpu[BENCH_MAX_REPS];
	uint64_t iters = run->iters, sum = 0;
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
		sum += rep[i].checksum[0];
	}
	row->threads = 1;
	row->reps = reps;
	row->iters = run->iters;
	bench_summarize(ns, reps, &row->ns);
	bench_summarize(cpu, reps, &row->cpu_ns);
	row->ops_per_s = rep[row->ns.median_idx].ops_per_s;
	row->cpus = rep[row->ns.median_idx].cpus;
	return sum;
}

static bool run_map_unmap(enum mode mode, const struct bench_opts *o,
			  struct bench_row *row)
{
	unsigned int reps = o->quick ? QUICK_REPS : REPS;
	struct bench_run run;
	uint64_t sync0, pairs;
	bool ok = true;
	struct env *e = calloc(1, sizeof(*e));

	if (!e)
		bench_die("out of memory");
	env_init(e, mode);
	run = (struct bench_run){ .body = body_map_unmap,
				  .arg = e,
				  .threads = 1,
				  .iters = o->quick ? 400 : 20000 };
	sync0 = consumed(e, CMDQ_OP_CMD_SYNC);
	memset(row, 0, sizeof(*row));
	pairs = measure(&run, reps, row, &ok);
	pairs += run.iters / 10; /* the warm-up's */
	if (atomic_load(&e->errors) ||
	    (mode != NO_HWPT &&
	     consumed(e, CMDQ_OP_CMD_SYNC) - sync0 < pairs)) {
		fprintf(stderr,
			"bench_iommufd: map-unmap %s: %u errors, %" PRIu64
			" syncs for %" PRIu64 " pairs\n",
			mode_names[mode], atomic_load(&e->errors),
			consumed(e, CMDQ_OP_CMD_SYNC) - sync0, pairs);
		ok = false;
	}
	snprintf(row->name, sizeof(row->name), "map-unmap-4k");
	snprintf(row->mode, sizeof(row->mode), "%s", mode_names[mode]);
	bench_row_add(row, "entries/call", "-");
	bench_row_add(row, "pairs or entries/s", "%.3g", row->ops_per_s);
	bench_row_add(row, "syncs/call", "%.2f",
		      (double)(consumed(e, CMDQ_OP_CMD_SYNC) - sync0) /
			      (double)pairs);
	bench_row_add(row, "check", "%s", ok ? "ok" : "FAIL");
	env_fini(e);
	free(e);
	return ok;
}

static bool run_invalidate(unsigned int entries, const struct bench_opts *o,
			   struct bench_row *row)
{
	unsigned int reps = o->quick ? QUICK_REPS : REPS, i;
	struct bench_run run;
	uint64_t tlbi0, sync0, calls, tlbis, syncs;
	bool ok = true;
	struct env *e = calloc(1, sizeof(*e));

	if (!e)
		bench_die("out of memory");
	env_init(e, VM);
	e->entries = entries;
	/* TLBI_NH_VA, ASID 1, leaf, a page each (VMID: the layer's) */
	for (i = 0; i < entries; i++) {
		e->cmds[i][0] = CMDQ_OP_TLBI_NH_VA |
				VS_FIELD_PREP(CMDQ_TLBI_0_ASID, 1);
		e->cmds[i][1] = (0x10000000ULL + i * 4096ULL) |
				CMDQ_TLBI_1_LEAF;
	}
	run = (struct bench_run){ .body = body_invalidate,
				  .arg = e,
				  .threads = 1,
				  .iters = (o->quick ? 2000 : 200000) /
					   (entries < 8 ? 1 : entries / 8) };
	tlbi0 = consumed(e, CMDQ_OP_TLBI_NH_VA);
	sync0 = consumed(e, CMDQ_OP_CMD_SYNC);
	memset(row, 0, sizeof(*row));
	calls = measure(&run, reps, row, &ok);
	calls += run.iters / 10 ? run.iters / 10 : 1;
	tlbis = consumed(e, CMDQ_OP_TLBI_NH_VA) - tlbi0;
	syncs = consumed(e, CMDQ_OP_CMD_SYNC) - sync0;
	if (atomic_load(&e->errors) || tlbis != calls * entries ||
	    syncs != calls) {
		fprintf(stderr,
			"bench_iommufd: invalidate x%u: %u errors, %" PRIu64
			" TLBIs and %" PRIu64 " syncs for %" PRIu64 " calls\n",
			entries, atomic_load(&e->errors), tlbis, syncs, calls);
		ok = false;
	}
	snprintf(row->name, sizeof(row->name), "invalidate");
	snprintf(row->mode, sizeof(row->mode), "%s",
		 entries == 1 ? "one command per call" : "batched");
	bench_row_add(row, "entries/call", "%u", entries);
	bench_row_add(row, "pairs or entries/s", "%.3g",
		      row->ops_per_s * entries);
	bench_row_add(row, "syncs/call", "%.2f", (double)syncs / (double)calls);
	bench_row_add(row, "check", "%s", ok ? "ok" : "FAIL");
	env_fini(e);
	free(e);
	return ok;
}

int main(int argc, char **argv)
{
	static const unsigned int batch[] = { 1, 8, 64, 256 };
	struct bench_row rows[8];
	struct bench_opts o;
	unsigned int i, n = 0;
	uint64_t t0 = bench_now_ns();
	double load0 = bench_loadavg();
	bool ok = true;

	bench_parse_args(argc, argv,
			 "iommufd: IOAS_MAP+UNMAP of 4 KiB through a nest "
			 "parent (pairs/s); guest invalidations through "
			 "HWPT_INVALIDATE, batched against one per call "
			 "(entries/s).",
			 &o);
	for (i = 0; i < 3; i++) {
		if (!bench_selected(&o, "map-unmap-4k", 1))
			break;
		if (!run_map_unmap((enum mode)i, &o, &rows[n++]))
			ok = false;
	}
	for (i = 0; i < VS_ARRAY_SIZE(batch); i++) {
		if (!bench_selected(&o, "invalidate", 1))
			break;
		if (!run_invalidate(batch[i], &o, &rows[n++]))
			ok = false;
	}
	if (o.json) {
		bench_print_json(stdout, "bench_iommufd", o.quick, rows, n);
	} else {
		printf("## iommufd: IOAS_MAP + UNMAP and HWPT_INVALIDATE%s\n\n",
		       o.quick ? " (--quick: rough figures)" : "");
		bench_print_table(stdout, rows, n);
		printf("\nns/call: one MAP + UNMAP pair, or one HWPT_INVALIDATE "
		       "call of N entries; median of %u repetitions.\nTotal "
		       "%.2f s; load average %.2f before, %.2f after.\n",
		       o.quick ? QUICK_REPS : REPS,
		       (double)(bench_now_ns() - t0) / 1e9, load0,
		       bench_loadavg());
	}
	return ok ? 0 : 1;
}
