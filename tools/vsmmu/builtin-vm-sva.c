// SPDX-License-Identifier: MIT
/*
 * vsmmu vm --sva: shared virtual addressing under load, host and guest
 * (docs/sva.md is the design, docs/vm.md section 17 the manual).
 *
 * The host has two SMMUs on one memory and one set of CPUs: SMMU 0 uses
 * broadcast TLB maintenance (BTM: its SVA CDs carry the CPU's pinned
 * ASID), SMMU 1 does not (CR2.PTM = 1: a private ASID and the notifier's
 * TLBIs).  Host processes run on CPU threads; each has one stall-capable
 * device on each SMMU bound to it at a PASID.  The devices DMA into the
 * process's pages (first touches stall and are resolved by the driver's
 * I/O page-fault handler); the process unmaps, remaps, write-protects and
 * range-unmaps them, and every change must reach both SMMUs -- by the
 * broadcast on SMMU 0, by the notifier on SMMU 1.  Beside them, ordinary
 * stage-1 domains on SMMU 0 map and unmap strictly while a churn thread
 * binds short-lived processes whose CPU ASIDs (8 bits: many rollovers)
 * keep colliding with those domains' ASIDs, so the domains are moved to
 * new ASIDs under their own traffic.
 *
 * On SMMU 0 sit VMs, one per guest PASID design: guest-owned CD tables
 * (nesting), host-owned identity and host-owned mapped (seed 004's
 * two).  Each guest runs two processes bound to PASIDs of a PRI-capable
 * device; the device's first touches become page requests that travel
 * host PRI queue -> FAULT fd -> the guest's virtual PRI queue -> the
 * guest's fault handler -> CMD_PRI_RESP -> page response; the guest's
 * unmaps reach the host as its own TLBIs (HWPT_INVALIDATE); the guest
 * frees and allocates PASIDs and rebinds its processes as it goes.
 *
 * Buffer ownership (as in `vsmmu vm`): a device touches a page only while
 * it is lent; the CPU revokes it, waits for the DMAs in flight, checks
 * that the device's last write is what the process reads, changes the
 * mapping, checks that the device can no longer reach the old page, and
 * lends it again.  So every DMA that lands elsewhere, every translation
 * that survives an unmap, and every lent page a device cannot reach is a
 * finding; so is every finding of the invalidation checker (on for both
 * host SMMUs), bar one kind that is expected here and shown apart: a
 * configuration-cache hit between an ASID move's CD write and its CFGI
 * (the CD is the old one, still correct; docs/design.md, the checker's
 * limits).  The exit status is 0 only when there are none.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <vsmmu/arch.h>
#include <vsmmu/cpu.h>
#include <vsmmu/host.h>
#include <vsmmu/iommufd.h>
#include <vsmmu/vmm.h>
#include <vsmmu/vsmmu.h>

#include "builtin.h"

#define PROG "vsmmu vm --sva"
#define PG 4096ULL
#define NSLOTS 8 /* pages of each process the devices use */
#define MAX_PROCS 8
#define NGPROC 2 /* processes per guest */
#define NMODES 3
#define NDOMS 2 /* ordinary stage-1 domains on SMMU 0 */
#define REVOKED (1U << 31)
#define HOST_POOL0 0x10000000ULL /* 64 MiB: SMMU 0's driver */
#define HOST_POOL1 0x14000000ULL /* 32 MiB: SMMU 1's driver */
#define CPU_POOL 0x20000000ULL /* 64 MiB: host processes */
#define CPU_POOL_SIZE (64ULL << 20)
#define HVA 0x7f0000000000ULL /* a host process's buffer */
#define GVA 0x10000000ULL /* a guest process's buffer */
#define S1_IOVA 0x40000000ULL
#define S1_PA 0x30000000ULL
#define HPASID 1 /* every host process's PASID on its devices */
#define VM_RAM (64ULL << 20)
#define GCPU_POOL (VSMMU_VM_RAM_BASE + (16ULL << 20)) /* guest processes */
#define GCPU_POOL_SIZE (16ULL << 20)
#define WAIT_NS 5000000000ULL /* a device's patience */

static const char sva_usage[] =
	"usage: vsmmu vm --sva [options]\n"
	"\n"
	"Shared virtual addressing under load.  Host processes share their\n"
	"address spaces with devices on two SMMUs, one with broadcast TLB\n"
	"maintenance (BTM) and one without (notifier TLBIs); their first\n"
	"touches stall and are resolved; they unmap, remap and write-protect\n"
	"pages the devices use.  Ordinary stage-1 domains move to new ASIDs\n"
	"under their own traffic as short-lived processes claim their ASIDs.\n"
	"VMs, one per guest PASID design, bind guest processes to PASIDs of\n"
	"PRI devices: page requests go through the guest's PRI queue.  Ends\n"
	"with the counts and the findings (stale translations, misplaced\n"
	"DMA, the invalidation checker's reports); the exit status is 0 only\n"
	"when there are none.\n"
	"\n"
	"options:\n"
	"  --processes N       host processes (1..8, default 2)\n"
	"  --duration S        seconds of traffic (default 2)\n"
	"  --pasid-mode LIST   the VMs, one per design: guest, identity,\n"
	"                      mapped, all (default) or none; comma-separated\n"
	"  --asid-move ours|seed\n"
	"                      how a stage-1 domain's ASID moves: ours\n"
	"                      (default), or seed 002's, whose window the\n"
	"                      findings show (docs/sva.md)\n"
	"  --json              the summary as one JSON object on stdout\n"
	"  -h, --help          this text\n"
	"\n"
	"Exit status:\n"
	"  0 no finding; 1 a finding, or a setup or guest failure; 2 a bad\n"
	"  option.\n";

static const enum vsmmu_vm_pasid_mode mode_of[NMODES] = {
	VSMMU_VM_PASID_GUEST,
	VSMMU_VM_PASID_IDENTITY,
	VSMMU_VM_PASID_MAPPED,
};
static const char *const mode_name[NMODES] = { "guest", "identity", "mapped" };

struct slot {
	_Atomic uint32_t state; /* REVOKED | DMAs in flight */
	/* The device's last write (set by the device while lent, read by
	 * the CPU while revoked) and the CPU's word at offset 0 (set while
	 * revoked, read by the device while lent) */
	uint64_t dev_val, dev_off, cpu_val;
};

struct findings {
	_Atomic uint64_t wrong_data; /* a DMA read or landed elsewhere */
	_Atomic uint64_t bad_fault; /* a lent page the device could not use */
	_Atomic uint64_t stale; /* a translation outlived its unmap */
};

struct space_stats {
	_Atomic uint64_t dmas; /* the device thread's */
	uint64_t unmaps, protects, ranges; /* the CPU thread's */
};

/*
 * How one side -- the host, or a guest -- reaches a process's pages from
 * its devices.  @dma: a device's 8-byte access at @va on @route (the
 * host: through which SMMU; a guest ignores it), @check set for the
 * read-back that checks a write (the host reads through the other SMMU,
 * a guest without PRI).  @reaches: how many of the devices still
 * translate @va after a change that took it (or its write permission)
 * away.  @wait (may be NULL): the CPU's work while it waits for DMAs in
 * flight (a guest serves its PRI queue).
 */
struct space_ops {
	int (*dma)(void *ctx, unsigned int route, uint64_t va, uint64_t *val,
		   bool write, bool check);
	unsigned int (*reaches)(void *ctx, uint64_t va, bool write);
	void (*wait)(void *ctx);
};

/* A process's NSLOTS pages at @base, shared with its devices */
struct space {
	const struct space_ops *ops;
	void *ctx;
	struct vsmmu_mm *mm;
	uint64_t base;
	uint64_t tag; /* bits 63:48 of every value written */
	struct slot slot[NSLOTS];
	struct findings *f;
	struct space_stats *st;
	uint64_t cpu_seq, dev_seq; /* one thread each */
};

struct svarun;

struct hproc { /* a host process and its two devices */
	struct svarun *r;
	unsigned int index;
	struct space sp;
	struct space_stats st;
	struct vsmmu_drv_master *m[2];
	pthread_t cpu_thread, dev_thread;
	uint64_t rng;
	_Atomic uint64_t stalls;
	int err;
};

struct gvm;

struct gproc {
	struct gvm *vm;
	struct space sp;
	uint32_t pasid;
};

struct gvm { /* a VM of one PASID design */
	struct svarun *r;
	unsigned int index;
	unsigned int mode; /* index into mode_of */
	struct vsmmu_vm *vm;
	struct vsmmu_vm_guest *g;
	struct vsmmu_drv_domain *dom;
	struct vsmmu_mem_pool *pool;
	struct vsmmu_cpu *cpu;
	struct gproc p[NGPROC];
	struct vsmmu_vcpu *vcpu;
	pthread_t dev_thread;
	uint64_t rng;
	_Atomic uint64_t page_requests;
	uint64_t rebinds;
	struct space_stats st; /* of its processes together */
	struct findings f;
	int err;
};

/* The checker's STALE_CFG reports of one SMMU, sorted (checker_report) */
struct chk {
	_Atomic uint64_t move_window, other_cfg;
};

struct svarun {
	unsigned int nprocs;
	unsigned int modes; /* a bit per mode_of */
	bool seed_move; /* --asid-move seed */
	double duration;
	bool json;
	struct vsmmu_host *host[2];
	struct vsmmu_smmu *smmu[2];
	struct vsmmu_drv *drv[2];
	struct vsmmu_drv_domain *byp[2]; /* the SVA masters' RID domain */
	struct chk chk[2];
	struct vsmmu_mem *mem;
	struct vsmmu_iommufd_ctx *ictx;
	struct vsmmu_mem_pool *cpool;
	struct vsmmu_cpu *cpu;
	struct hproc hp[MAX_PROCS];
	struct gvm gv[NMODES];
	unsigned int ngv;
	struct findings f; /* the host's */
	/* Devices stop first, then the CPUs, then the interrupt thread */
	_Atomic bool stop, dev_stop, irq_stop;
	pthread_t irq_thread, s1_thread, churn_thread;
	/* Ordinary stage-1 domains and the churn */
	struct vsmmu_drv_domain *dom[NDOMS];
	struct vsmmu_drv_master *dm[NDOMS][2];
	struct vsmmu_drv_master *churn_m;
	uint64_t s1_dmas, s1_unmaps, churns;
	int s1_err, churn_err;
	_Atomic uint64_t host_events;
};

static uint64_t xorshift(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dULL;
}

static void quiet(void *arg, const char *msg)
{
}

/* --- The host --------------------------------------------------------- */

static void host_event(void *arg, const struct vsmmu_drv_event *evt)
{
	struct svarun *r = arg;

	if (r->ictx && vsmmu_iommufd_host_event(r->ictx, 0, evt))
		return;
	atomic_fetch_add(&r->host_events, 1);
}

/* SMMU 0's page requests that are not for its own SVA bonds: the VMs' */
static int host_ppr(void *arg, const struct vsmmu_drv_ppr *req)
{
	struct svarun *r = arg;

	if (r->ictx && vsmmu_iommufd_host_ppr(r->ictx, 0, req))
		return VSMMU_DRV_PRI_DEFER;
	return -ENODEV;
}

static uint32_t dsid(unsigned int d, unsigned int i)
{
	return 0x300 + 2 * d + i;
}

/*
 * A configuration-cache hit whose CD memory now says otherwise is what
 * an ASID move looks like between its CD write and its CFGI: a master of
 * an ordinary stage-1 domain, and nothing changed but the ASID (the old
 * one still valid until the move invalidates it).  Any other STALE_CFG
 * is a finding.
 */
static void checker_report(void *arg, const struct vsmmu_check_report *rep)
{
	struct chk *c = arg;
	bool ours = rep->sid >= dsid(0, 0) && rep->sid <= dsid(NDOMS - 1, 1);
	unsigned int i;

	if (rep->kind != VSMMU_CHECK_STALE_CFG)
		return;
	for (i = 0; ours && i < 7; i++)
		if (i != 2 && rep->observed[i] != rep->expected[i])
			ours = false;
	if (ours && rep->observed[2] != rep->expected[2])
		atomic_fetch_add(&c->move_window, 1);
	else
		atomic_fetch_add(&c->other_cfg, 1);
}

static int checker_on(void *arg, struct vsmmu_smmu *smmu,
		      struct vsmmu_drv_config *dc)
{
	return vsmmu_smmu_set_checker(smmu, true, checker_report, arg);
}

static int host_up(struct svarun *r)
{
	struct vsmmu_drv_domain_cfg bc = { .type = VSMMU_DRV_DOMAIN_BYPASS };
	struct vsmmu_iommufd_config ic = { 0 };
	struct vsmmu_cpu_config cc = { 0 };
	struct vsmmu_iommufd_host ih;
	struct vsmmu_host_config hc;
	unsigned int h;
	int rc;

	for (h = 0; h < 2; h++) {
		vsmmu_host_config_default(&hc);
		hc.smmu.exec = VSMMU_EXEC_SYNC;
		hc.smmu.hold_stalls = true;
		/* SMMU 0's ASIDs are 8 bits, as the CPUs': both allocators
		 * wrap, so their ASIDs keep colliding (ASID moves) */
		if (h == 0)
			hc.smmu.idr[0] &= ~(uint32_t)IDR0_ASID16;
		hc.drv.sva = true;
		hc.drv.btm = h == 0;
		hc.drv.asid_move_seed = r->seed_move;
		hc.drv.event_fn = host_event;
		hc.drv.event_arg = r;
		hc.drv.log_fn = quiet;
		hc.drv.timeout_ns = WAIT_NS;
		if (h == 0) {
			hc.drv.pri_fn = host_ppr;
			hc.drv.pri_arg = r;
		}
		hc.pool_base = h ? HOST_POOL1 : HOST_POOL0;
		hc.pool_size = h ? 32ULL << 20 : 64ULL << 20;
		hc.before_driver = checker_on;
		hc.before_driver_arg = &r->chk[h];
		rc = vsmmu_host_create(&hc, h ? r->mem : NULL, &r->host[h]);
		if (rc)
			return rc;
		r->smmu[h] = vsmmu_host_smmu(r->host[h]);
		r->drv[h] = vsmmu_host_drv(r->host[h]);
		r->mem = vsmmu_host_mem(r->host[0]);
		rc = vsmmu_drv_domain_alloc(r->drv[h], &bc, &r->byp[h]);
		if (rc)
			return rc;
	}
	if (!vsmmu_drv_get_features(r->drv[0])->btm_used)
		return -ENODEV;
	/* The CPUs: one per host process and one for the churn; 8-bit
	 * ASIDs, so that the ASID space rolls over under load */
	rc = vsmmu_mem_pool_create(r->mem, CPU_POOL, CPU_POOL_SIZE, &r->cpool);
	if (rc)
		return rc;
	cc.nr_cpus = r->nprocs + 1;
	cc.asid_bits = 8;
	cc.pool = r->cpool;
	rc = vsmmu_cpu_create(&cc, &r->cpu);
	/* Both SMMUs hear the broadcasts; SMMU 1 (PTM) only counts them */
	for (h = 0; !rc && h < 2; h++)
		rc = vsmmu_cpu_add_listener(r->cpu, vsmmu_smmu_dvm, r->smmu[h]);
	if (rc)
		return rc;
	ih.smmu = r->smmu[0];
	ih.drv = r->drv[0];
	ic.hosts = &ih;
	ic.nhosts = 1;
	return vsmmu_iommufd_ctx_create(&ic, &r->ictx);
}

/* The host's threaded interrupt: events (stalls resolved), PRI queue */
static void *irq_thread(void *arg)
{
	struct svarun *r = arg;
	struct timespec ts = { 0, 50000 };

	while (!atomic_load(&r->irq_stop)) {
		int n = vsmmu_drv_process(r->drv[0]);

		n += vsmmu_drv_process(r->drv[1]);
		if (n <= 0)
			nanosleep(&ts, NULL);
	}
	return NULL;
}

/* --- Host processes and their devices ------------------------------------ */

static uint32_t hsid(unsigned int proc)
{
	return 0x200 + proc;
}

/*
 * One device access at @va of process @p through SMMU @h: a stalled
 * transaction is waited out and retried as the driver answers.
 * Return: 0 and *@oa; -EFAULT (refused or terminated); another -errno.
 */
static int hdev_access(struct hproc *p, unsigned int h, uint64_t va, bool write,
		       uint64_t *oa)
{
	struct svarun *r = p->r;
	unsigned int tries;

	for (tries = 0; tries < 4; tries++) {
		struct vsmmu_txn t = {
			.sid = hsid(p->index),
			.ssid = HPASID,
			.ssv = true,
			.addr = va,
			.flags = write ? VSMMU_TXN_WRITE : VSMMU_TXN_READ,
		};
		struct vsmmu_txn_result res;
		enum vsmmu_stall_resp resp;
		int rc = vsmmu_translate(r->smmu[h], &t, &res);

		if (rc)
			return rc;
		if (res.outcome == VSMMU_TXN_OK) {
			*oa = res.oa;
			return 0;
		}
		if (!res.held)
			return -EFAULT;
		atomic_fetch_add(&p->stalls, 1);
		rc = vsmmu_smmu_stall_wait(r->smmu[h], t.sid, res.stag, WAIT_NS,
					   &resp);
		if (rc)
			return rc;
		if (resp != VSMMU_STALL_RETRY)
			return -EFAULT;
	}
	return -EFAULT;
}

/* --- A process's pages shared with its devices ---------------------------- */

/* Each page its own VMA (vsmmu_mm_mprotect does not split VMAs) */
static int map_slots(struct vsmmu_mm *mm, uint64_t base)
{
	unsigned int k;
	int rc = 0;

	for (k = 0; !rc && k < NSLOTS; k++)
		rc = vsmmu_mm_mmap(mm, base + k * PG, PG,
				   VSMMU_MM_READ | VSMMU_MM_WRITE);
	return rc;
}

static void sp_init(struct space *sp, const struct space_ops *ops, void *ctx,
		    uint64_t base, uint64_t tag, struct findings *f,
		    struct space_stats *st)
{
	sp->ops = ops;
	sp->ctx = ctx;
	sp->base = base;
	sp->tag = tag;
	sp->f = f;
	sp->st = st;
}

/* Take page @k back: no new DMA starts, the ones in flight finish */
static void sp_revoke(struct space *sp, unsigned int k)
{
	struct slot *sl = &sp->slot[k];
	uint64_t v = 0;

	atomic_fetch_or(&sl->state, REVOKED);
	while (atomic_load(&sl->state) & ~REVOKED) {
		if (sp->ops->wait)
			sp->ops->wait(sp->ctx);
		sched_yield();
	}
	/* The device's last write must be what the process reads */
	if (sl->dev_val &&
	    (vsmmu_mm_read(sp->mm, sp->base + k * PG + sl->dev_off, &v, 8) ||
	     v != sl->dev_val))
		atomic_fetch_add(&sp->f->wrong_data, 1);
}

static void sp_lend(struct space *sp, unsigned int k)
{
	atomic_fetch_and(&sp->slot[k].state, ~REVOKED);
}

/* After a change that takes @va (or its write permission) away */
static void sp_probe(struct space *sp, uint64_t va, bool write)
{
	atomic_fetch_add(&sp->f->stale, sp->ops->reaches(sp->ctx, va, write));
}

enum change { CHANGE_UNMAP, CHANGE_PROTECT, CHANGE_WRITE };

/*
 * The CPU changes page @k while no device uses it: unmaps it (a device
 * must fault on it; mapped again, backed on next touch), write-protects
 * it for a moment (a device write must fault), or writes a word the
 * devices will read.  Return: 0, or the process call's -errno.
 */
static int sp_change(struct space *sp, unsigned int k, enum change c)
{
	struct slot *sl = &sp->slot[k];
	uint64_t va = sp->base + k * PG;
	int rc;

	sp_revoke(sp, k);
	switch (c) {
	case CHANGE_UNMAP:
		rc = vsmmu_mm_munmap(sp->mm, va, PG);
		sp_probe(sp, va, false);
		if (!rc)
			rc = vsmmu_mm_mmap(sp->mm, va, PG,
					   VSMMU_MM_READ | VSMMU_MM_WRITE);
		sl->dev_val = 0;
		sl->cpu_val = 0;
		sp->st->unmaps++;
		break;
	case CHANGE_PROTECT:
		rc = vsmmu_mm_mprotect(sp->mm, va, PG, VSMMU_MM_READ);
		sp_probe(sp, va, true);
		if (!rc)
			rc = vsmmu_mm_mprotect(sp->mm, va, PG,
					       VSMMU_MM_READ | VSMMU_MM_WRITE);
		sp->st->protects++;
		break;
	default:
		sl->cpu_val = sp->tag | ++sp->cpu_seq;
		rc = vsmmu_mm_write(sp->mm, va, &sl->cpu_val, 8);
		break;
	}
	sp_lend(sp, k);
	return rc;
}

/* Every page at once: one broadcast by range, one notifier call */
static int sp_range(struct space *sp)
{
	unsigned int k;
	int rc;

	for (k = 0; k < NSLOTS; k++)
		sp_revoke(sp, k);
	rc = vsmmu_mm_munmap(sp->mm, sp->base, NSLOTS * PG);
	sp_probe(sp, sp->base, false);
	sp_probe(sp, sp->base + (NSLOTS - 1) * PG, false);
	if (!rc)
		rc = map_slots(sp->mm, sp->base);
	for (k = 0; k < NSLOTS; k++) {
		sp->slot[k].dev_val = 0;
		sp->slot[k].cpu_val = 0;
		sp_lend(sp, k);
	}
	sp->st->ranges++;
	return rc;
}

/*
 * One round of a device on a lent page: it reads the process's word (if
 * the CPU wrote one), writes a word of its own and reads it back on the
 * check path.  Any failure on a lent page is a finding.
 */
static void sp_dev_step(struct space *sp, uint64_t *rng)
{
	unsigned int k = (unsigned int)(xorshift(rng) % NSLOTS);
	unsigned int route = (unsigned int)(xorshift(rng) & 1);
	uint64_t off = 8 * (1 + xorshift(rng) % (PG / 8 - 1));
	struct slot *sl = &sp->slot[k];
	uint64_t va = sp->base + k * PG, v, back = 0;
	const struct space_ops *o = sp->ops;

	if (atomic_fetch_add(&sl->state, 1) & REVOKED) {
		atomic_fetch_sub(&sl->state, 1);
		return;
	}
	if (sl->cpu_val && (o->dma(sp->ctx, route, va, &back, false, false) ||
			    back != sl->cpu_val))
		atomic_fetch_add(&sp->f->wrong_data, 1);
	v = sp->tag | (1ULL << 47) | ++sp->dev_seq;
	if (o->dma(sp->ctx, route, va + off, &v, true, false)) {
		atomic_fetch_add(&sp->f->bad_fault, 1);
	} else {
		sl->dev_val = v;
		sl->dev_off = off;
		if (o->dma(sp->ctx, route, va + off, &back, false, true))
			atomic_fetch_add(&sp->f->bad_fault, 1);
		else if (back != v)
			atomic_fetch_add(&sp->f->wrong_data, 1);
	}
	atomic_fetch_add(&sp->st->dmas, 1);
	atomic_fetch_sub(&sl->state, 1);
}

/* --- The host side: a device on each SMMU ------------------------------- */

/* Through SMMU @route; the read-back that checks a write through the other */
static int hdma(void *ctx, unsigned int route, uint64_t va, uint64_t *val,
		bool write, bool check)
{
	struct hproc *p = ctx;
	uint64_t oa;
	int rc = hdev_access(p, route ^ check, va, write, &oa);

	if (rc)
		return rc;
	return write ? vsmmu_mem_write(p->r->mem, oa, val, 8) :
		       vsmmu_mem_read(p->r->mem, oa, val, 8);
}

static unsigned int hreaches(void *ctx, uint64_t va, bool write)
{
	uint64_t oa;
	unsigned int h, n = 0;

	for (h = 0; h < 2; h++)
		n += hdev_access(ctx, h, va, write, &oa) == 0;
	return n;
}

static const struct space_ops host_ops = {
	.dma = hdma,
	.reaches = hreaches,
};

static void *hcpu_thread(void *arg)
{
	static const enum change kind[4] = { CHANGE_UNMAP, CHANGE_UNMAP,
					     CHANGE_PROTECT, CHANGE_WRITE };
	struct hproc *p = arg;
	uint64_t round = 0;

	while (!atomic_load(&p->r->stop) && !p->err) {
		vsmmu_mm_switch(p->sp.mm, p->index);
		if (++round % 16 == 0)
			p->err = sp_range(&p->sp);
		else
			p->err = sp_change(
				&p->sp,
				(unsigned int)(xorshift(&p->rng) % NSLOTS),
				kind[round % 4]);
	}
	return NULL;
}

static void *hdev_thread(void *arg)
{
	struct hproc *p = arg;
	uint64_t rng = 0x9e3779b97f4a7c15ULL ^ p->index;

	while (!atomic_load(&p->r->dev_stop))
		sp_dev_step(&p->sp, &rng);
	return NULL;
}

static int hproc_up(struct svarun *r, struct hproc *p)
{
	uint32_t sid = hsid(p->index);
	unsigned int h;
	int rc;

	p->r = r;
	p->rng = 0x51ed270b ^ p->index;
	sp_init(&p->sp, &host_ops, p, HVA, (uint64_t)(p->index + 1) << 56,
		&r->f, &p->st);
	rc = vsmmu_mm_create(r->cpu, &p->sp.mm);
	if (!rc)
		rc = map_slots(p->sp.mm, HVA);
	if (!rc)
		rc = vsmmu_mm_switch(p->sp.mm, p->index) < 0 ? -EINVAL : 0;
	for (h = 0; !rc && h < 2; h++) {
		rc = vsmmu_drv_master_create(r->drv[h], &sid, 1, 4, &p->m[h]);
		if (!rc)
			rc = vsmmu_drv_attach(p->m[h], r->byp[h]);
		if (!rc)
			rc = vsmmu_drv_master_set_stall(p->m[h], true);
		if (!rc)
			rc = vsmmu_drv_sva_bind(p->m[h], HPASID, p->sp.mm,
						NULL);
	}
	return rc;
}

/* --- Ordinary stage-1 domains, and the processes that claim their ASIDs --- */

static int s1_read(struct svarun *r, uint32_t sid, uint64_t iova,
		   struct vsmmu_txn_result *res)
{
	struct vsmmu_txn t = { .sid = sid,
			       .addr = iova,
			       .flags = VSMMU_TXN_READ };

	return vsmmu_translate(r->smmu[0], &t, res);
}

/* Map, have both masters use it, unmap strictly, check both fault */
static void *s1_thread(void *arg)
{
	struct svarun *r = arg;
	struct vsmmu_txn_result res;
	uint64_t i = 0;
	unsigned int d, m;

	while (!atomic_load(&r->stop) && !r->s1_err) {
		uint64_t iova = S1_IOVA + (i % 64) * PG;

		d = (unsigned int)(i++ % NDOMS);

		r->s1_err = vsmmu_drv_map(r->dom[d], iova, S1_PA, PG,
					  VSMMU_PROT_READ);
		for (m = 0; !r->s1_err && m < 2; m++) {
			r->s1_err = s1_read(r, dsid(d, m), iova, &res);
			if (!r->s1_err &&
			    (res.outcome != VSMMU_TXN_OK || res.oa != S1_PA))
				atomic_fetch_add(&r->f.bad_fault, 1);
		}
		if (!r->s1_err && vsmmu_drv_unmap(r->dom[d], iova, PG, 0, NULL,
						  NULL) != (int64_t)PG)
			r->s1_err = -EIO;
		for (m = 0; !r->s1_err && m < 2; m++) {
			r->s1_err = s1_read(r, dsid(d, m), iova, &res);
			if (!r->s1_err && res.outcome == VSMMU_TXN_OK)
				atomic_fetch_add(&r->f.stale, 1);
		}
		r->s1_dmas += 4;
		r->s1_unmaps++;
	}
	return NULL;
}

/*
 * Short-lived processes bound to a device on SMMU 0 (BTM): each takes the
 * CPU's next ASID, pinned by the bind; when an ordinary domain holds that
 * ASID, the domain moves.  The device reads what the process wrote.
 */
static void *churn_thread(void *arg)
{
	struct svarun *r = arg;
	uint32_t sid = 0x380;
	uint64_t v, back;

	while (!atomic_load(&r->stop) && !r->churn_err) {
		struct vsmmu_txn t = { .sid = sid,
				       .ssid = 1,
				       .ssv = true,
				       .addr = HVA,
				       .flags = VSMMU_TXN_READ };
		struct vsmmu_txn_result res;
		struct vsmmu_mm *mm;
		int rc = vsmmu_mm_create(r->cpu, &mm);

		if (rc) {
			r->churn_err = rc;
			break;
		}
		v = 0xc0de000000000000ULL | ++r->churns;
		rc = vsmmu_mm_mmap(mm, HVA, PG,
				   VSMMU_MM_READ | VSMMU_MM_WRITE |
					   VSMMU_MM_POPULATE);
		if (!rc)
			rc = vsmmu_mm_write(mm, HVA, &v, 8);
		if (!rc && vsmmu_mm_switch(mm, r->nprocs) < 0)
			rc = -EINVAL;
		if (!rc)
			rc = vsmmu_drv_sva_bind(r->churn_m, 1, mm, NULL);
		if (!rc) {
			rc = vsmmu_translate(r->smmu[0], &t, &res);
			if (!rc && (res.outcome != VSMMU_TXN_OK ||
				    vsmmu_mem_read(r->mem, res.oa, &back, 8) ||
				    back != v))
				atomic_fetch_add(&r->f.wrong_data, 1);
			vsmmu_drv_sva_unbind(r->churn_m, 1);
		}
		vsmmu_mm_destroy(mm);
		r->churn_err = rc;
	}
	return NULL;
}

static int s1_up(struct svarun *r)
{
	struct vsmmu_drv_domain_cfg c = { .type = VSMMU_DRV_DOMAIN_S1 };
	uint32_t sid = 0x380;
	unsigned int d, m;
	int rc = 0;

	for (d = 0; !rc && d < NDOMS; d++) {
		rc = vsmmu_drv_domain_alloc(r->drv[0], &c, &r->dom[d]);
		for (m = 0; !rc && m < 2; m++) {
			uint32_t s = dsid(d, m);

			rc = vsmmu_drv_master_create(r->drv[0], &s, 1, 0,
						     &r->dm[d][m]);
			if (!rc)
				rc = vsmmu_drv_attach(r->dm[d][m], r->dom[d]);
		}
	}
	if (!rc)
		rc = vsmmu_drv_master_create(r->drv[0], &sid, 1, 4,
					     &r->churn_m);
	if (!rc)
		rc = vsmmu_drv_attach(r->churn_m, r->byp[0]);
	return rc;
}

/* --- Guests -------------------------------------------------------------- */

static int gdma(struct gvm *s, uint32_t pasid, uint64_t va, uint64_t *val,
		bool write, bool pri)
{
	struct vsmmu_iommufd_dma op = {
		.iova = va,
		.buf = val,
		.len = 8,
		.flags = VSMMU_IOMMUFD_DMA_PASID |
			 (write ? VSMMU_IOMMUFD_DMA_WRITE : 0) |
			 (pri ? VSMMU_IOMMUFD_DMA_PRI : 0),
		.pasid = pasid,
		.pri_wait_ns = WAIT_NS,
	};
	int rc = vsmmu_vm_dev_dma(s->vm, 0, &op);

	atomic_fetch_add(&s->page_requests, op.pri_requests);
	return rc;
}

/* A guest device: with PRI, but for the read-back */
static int gdma_op(void *ctx, unsigned int route, uint64_t va, uint64_t *val,
		   bool write, bool check)
{
	struct gproc *gp = ctx;

	return gdma(gp->vm, gp->pasid, va, val, write, !check);
}

static unsigned int greaches(void *ctx, uint64_t va, bool write)
{
	struct gproc *gp = ctx;
	uint64_t v = 0;

	return gdma(gp->vm, gp->pasid, va, &v, write, false) == 0;
}

/* The guest kernel's half of a wait: its SMMU's interrupts (the PRI
 * queue above all) are served while it waits for the device */
static void gwait(void *ctx)
{
	struct gproc *gp = ctx;

	vsmmu_drv_process(vsmmu_vm_guest_drv(gp->vm->g));
}

static const struct space_ops guest_ops = {
	.dma = gdma_op,
	.reaches = greaches,
	.wait = gwait,
};

static int gpasid_get(struct gvm *s, unsigned int j, uint32_t *pasid,
		      bool first)
{
	if (mode_of[s->mode] != VSMMU_VM_PASID_GUEST)
		return vsmmu_vm_guest_pasid_alloc(s->g, pasid);
	/* The guest's own table: its choice, alternating */
	*pasid = first ? 1 + j : (*pasid > NGPROC ? 1 + j : 1 + j + NGPROC);
	return 0;
}

/* Unbind process @j, give its PASID back, take another, bind again */
static int grebind(struct gvm *s, unsigned int j)
{
	struct gproc *gp = &s->p[j];
	unsigned int k;
	int rc;

	for (k = 0; k < NSLOTS; k++)
		sp_revoke(&gp->sp, k);
	rc = vsmmu_vm_guest_sva_unbind(s->g, 0, gp->pasid);
	if (!rc && mode_of[s->mode] != VSMMU_VM_PASID_GUEST)
		rc = vsmmu_vm_guest_pasid_free(s->g, gp->pasid);
	if (!rc)
		rc = gpasid_get(s, j, &gp->pasid, false);
	if (!rc)
		rc = vsmmu_vm_guest_sva_bind(s->g, 0, gp->pasid, gp->sp.mm);
	for (k = 0; k < NSLOTS; k++)
		sp_lend(&gp->sp, k);
	s->rebinds++;
	return rc;
}

static void *gvcpu(struct vsmmu_vcpu *vcpu, void *arg)
{
	static const enum change kind[3] = { CHANGE_UNMAP, CHANGE_PROTECT,
					     CHANGE_WRITE };
	struct gvm *s = arg;
	struct vsmmu_drv *gd = vsmmu_vm_guest_drv(s->g);
	uint64_t round = 0;

	while (!atomic_load(&s->r->stop) && !s->err) {
		unsigned int j = (unsigned int)(round % NGPROC);
		unsigned int k = (unsigned int)(xorshift(&s->rng) % NSLOTS);

		if (++round % 64 == 0) {
			s->err =
				grebind(s, (unsigned int)(round / 64) % NGPROC);
			continue;
		}
		s->err = sp_change(&s->p[j].sp, k, kind[round % 3]);
		if (round % 4 == 0)
			vsmmu_drv_process(gd);
	}
	vsmmu_drv_process(gd);
	return NULL;
}

static void *gdev_thread(void *arg)
{
	struct gvm *s = arg;
	uint64_t rng = 0x2545f4914f6cdd1dULL ^ s->index;

	while (!atomic_load(&s->r->dev_stop))
		sp_dev_step(&s->p[xorshift(&rng) % NGPROC].sp, &rng);
	return NULL;
}

static int gvm_up(struct svarun *r, struct gvm *s)
{
	struct vsmmu_vm_dev_cfg d = {
		.sid = 0x400 + s->index,
		.vsid = 0x10,
		.ats = true,
		.pasid_bits = 8,
		.pri = true,
	};
	struct vsmmu_vm_config c = { 0 };
	struct vsmmu_vm_guest_config gc = { 0 };
	struct vsmmu_cpu_config cc = { 0 };
	unsigned int j;
	int rc;

	s->r = r;
	s->rng = 0x7f4a7c15ULL ^ s->index;
	c.ictx = r->ictx;
	c.ram_size = VM_RAM;
	c.devs = &d;
	c.ndevs = 1;
	c.pasid_mode = mode_of[s->mode];
	c.io_thread = true;
	rc = vsmmu_vm_create(&c, &s->vm);
	if (rc)
		return rc;
	gc.sva = true;
	rc = vsmmu_vm_guest_create(s->vm, &gc, &s->g);
	/* The guest kernel's CPUs, its processes' tables in guest RAM */
	if (!rc)
		rc = vsmmu_mem_pool_create(vsmmu_vm_gmem(s->vm), GCPU_POOL,
					   GCPU_POOL_SIZE, &s->pool);
	if (!rc) {
		cc.nr_cpus = 2;
		cc.pool = s->pool;
		rc = vsmmu_cpu_create(&cc, &s->cpu);
	}
	if (!rc)
		rc = vsmmu_vm_guest_attach(s->g, 0, 1, &s->dom);
	for (j = 0; !rc && j < NGPROC; j++) {
		struct gproc *gp = &s->p[j];

		gp->vm = s;
		sp_init(&gp->sp, &guest_ops, gp, GVA,
			(uint64_t)(s->index + 1) << 56 | (uint64_t)j << 48,
			&s->f, &s->st);
		rc = vsmmu_mm_create(s->cpu, &gp->sp.mm);
		if (!rc)
			rc = map_slots(gp->sp.mm, GVA);
		if (!rc)
			rc = gpasid_get(s, j, &gp->pasid, true);
		if (!rc)
			rc = vsmmu_vm_guest_sva_bind(s->g, 0, gp->pasid,
						     gp->sp.mm);
	}
	return rc;
}

static void gvm_down(struct gvm *s)
{
	unsigned int j;

	vsmmu_vm_guest_destroy(s->g);
	for (j = 0; j < NGPROC; j++)
		if (s->p[j].sp.mm)
			vsmmu_mm_destroy(s->p[j].sp.mm);
	vsmmu_cpu_destroy(s->cpu);
	vsmmu_mem_pool_destroy(s->pool);
	vsmmu_vm_destroy(s->vm);
}

/* --- Summary ---------------------------------------------------------------- */

struct tally {
	struct vsmmu_drv_stats ds[2];
	struct vsmmu_smmu_stats ss[2];
	struct vsmmu_cpu_stats cs;
	uint64_t check[2][VSMMU_CHECK_NR];
	uint64_t host_dmas, stalls, unmaps, ranges, protects;
	uint64_t findings;
};

static const char *const check_name[VSMMU_CHECK_NR] = {
	"stale_tlb", "stale_cfg", "torn_ste", "torn_cd", "stale_walk",
};

static uint64_t f_sum(const struct findings *f)
{
	return atomic_load(&f->wrong_data) + atomic_load(&f->bad_fault) +
	       atomic_load(&f->stale);
}

static void tally(struct svarun *r, struct tally *t)
{
	unsigned int h, i;

	memset(t, 0, sizeof(*t));
	for (h = 0; h < 2; h++) {
		vsmmu_drv_get_stats(r->drv[h], &t->ds[h]);
		vsmmu_smmu_get_stats(r->smmu[h], &t->ss[h]);
		vsmmu_smmu_get_check_counts(r->smmu[h], t->check[h]);
		/* Every report is a finding but an ASID move's window
		 * (checker_report) */
		for (i = 0; i < VSMMU_CHECK_NR; i++)
			if (i != VSMMU_CHECK_STALE_CFG)
				t->findings += t->check[h][i];
		t->findings += atomic_load(&r->chk[h].other_cfg);
		t->findings += t->ds[h].cerror_ill + t->ds[h].cerror_abt +
			       t->ds[h].cerror_atc_inv + t->ds[h].timeouts;
	}
	vsmmu_cpu_get_stats(r->cpu, &t->cs);
	for (i = 0; i < r->nprocs; i++) {
		t->host_dmas += atomic_load(&r->hp[i].st.dmas);
		t->stalls += atomic_load(&r->hp[i].stalls);
		t->unmaps += r->hp[i].st.unmaps;
		t->ranges += r->hp[i].st.ranges;
		t->protects += r->hp[i].st.protects;
	}
	t->findings += f_sum(&r->f);
	for (i = 0; i < r->ngv; i++)
		t->findings += f_sum(&r->gv[i].f);
}

static void print_text(struct svarun *r, const struct tally *t)
{
	unsigned int h, i;

	printf("vsmmu vm --sva: %u host processes, %u VMs, %.1f s, ASID moves "
	       "%s\n",
	       r->nprocs, r->ngv, r->duration,
	       r->seed_move ? "as seed 002" : "ours");
	printf("\nhost CPUs: %" PRIu64 " broadcast TLBIs, %" PRIu64
	       " ASID rollovers, %u ASIDs pinned at the end\n",
	       t->cs.broadcasts, t->cs.generations, t->cs.pinned);
	printf("host processes: %" PRIu64 " device accesses (%" PRIu64
	       " stalled first), %" PRIu64 " unmaps, %" PRIu64
	       " range unmaps, %" PRIu64 " write-protects\n",
	       t->host_dmas, t->stalls, t->unmaps, t->ranges, t->protects);
	for (h = 0; h < 2; h++)
		printf("SMMU %u (%s): broadcasts heard %" PRIu64
		       ", honoured %" PRIu64 "; notifier invalidations %" PRIu64
		       "; stalls resolved %" PRIu64 ", refused %" PRIu64 "\n",
		       h, h ? "no BTM, notifier" : "BTM", t->ss[h].dvm_received,
		       t->ss[h].dvm_applied, t->ds[h].sva_invs,
		       t->ds[h].iopf_resolved, t->ds[h].iopf_refused);
	printf("ASID moves: %" PRIu64 " (%" PRIu64 " processes bound and "
	       "gone; stage-1 domains: %" PRIu64 " strict unmaps, %" PRIu64
	       " DMAs)\n",
	       t->ds[0].asid_moves, r->churns, r->s1_unmaps, r->s1_dmas);
	for (i = 0; i < r->ngv; i++) {
		struct gvm *s = &r->gv[i];
		struct vsmmu_vm_smmu_stats vs;
		struct vsmmu_drv_stats gs;

		vsmmu_vm_smmu_get_stats(s->vm, 0, &vs);
		vsmmu_drv_get_stats(vsmmu_vm_guest_drv(s->g), &gs);
		printf("\nVM %u (PASIDs: %s)\n", i, mode_name[s->mode]);
		printf("  DMAs %" PRIu64 ", page requests %" PRIu64
		       " -> guest PRI queue %" PRIu64
		       ", guest responses %" PRIu64 " (resolved %" PRIu64
		       ", refused %" PRIu64 "), answered by the VMM %" PRIu64
		       "\n",
		       atomic_load(&s->st.dmas), atomic_load(&s->page_requests),
		       vs.pprs, vs.pri_resps, gs.iopf_resolved, gs.iopf_refused,
		       vs.pri_auto);
		printf("  unmaps %" PRIu64 ", write-protects %" PRIu64
		       ": guest notifier TLBIs %" PRIu64
		       " -> HWPT_INVALIDATE calls %" PRIu64 "\n",
		       s->st.unmaps, s->st.protects, gs.sva_invs, vs.inv_calls);
		printf("  PASIDs: %" PRIu64
		       " rebinds; virtual commands %" PRIu64
		       ", bound at host PASIDs %" PRIu64 ", unbound %" PRIu64
		       ", refused %" PRIu64 "\n",
		       s->rebinds, vs.pasid_allocs, vs.pasid_binds,
		       vs.pasid_unbinds, vs.pasid_refused);
		printf("  findings %" PRIu64 "\n", f_sum(&s->f));
	}
	for (h = 0; h < 2; h++) {
		printf("%schecker, SMMU %u:", h ? "" : "\n", h);
		for (i = 0; i < VSMMU_CHECK_NR; i++)
			printf("%s %s %" PRIu64, i ? "," : "", check_name[i],
			       i == VSMMU_CHECK_STALE_CFG ?
				       atomic_load(&r->chk[h].other_cfg) :
				       t->check[h][i]);
		printf(" (and %" PRIu64 " hits in ASID moves' windows: not "
		       "findings)\n",
		       atomic_load(&r->chk[h].move_window));
	}
	printf("host: stale translations %" PRIu64 ", misplaced data %" PRIu64
	       ", lent pages unreachable %" PRIu64 ", command errors and "
	       "timeouts %" PRIu64 "\n",
	       atomic_load(&r->f.stale), atomic_load(&r->f.wrong_data),
	       atomic_load(&r->f.bad_fault),
	       t->ds[0].cerror_ill + t->ds[0].cerror_abt +
		       t->ds[0].cerror_atc_inv + t->ds[0].timeouts +
		       t->ds[1].cerror_ill + t->ds[1].cerror_abt +
		       t->ds[1].cerror_atc_inv + t->ds[1].timeouts);
	printf("findings: %" PRIu64 "\n", t->findings);
}

static void print_json(struct svarun *r, const struct tally *t)
{
	unsigned int h, i;

	printf("{\"processes\":%u,\"duration\":%.3f,\"asid_move\":\"%s\",\"cpu\":{\"broadcasts\":%" PRIu64
	       ",\"rollovers\":%" PRIu64
	       ",\"pinned\":%u},\"host\":{\"dmas\":%" PRIu64
	       ",\"stalls\":%" PRIu64 ",\"unmaps\":%" PRIu64
	       ",\"range_unmaps\":%" PRIu64 ",\"protects\":%" PRIu64
	       ",\"asid_moves\":%" PRIu64 ",\"churned\":%" PRIu64
	       ",\"s1_unmaps\":%" PRIu64 ",\"s1_dmas\":%" PRIu64 ",\"smmu\":[",
	       r->nprocs, r->duration, r->seed_move ? "seed" : "ours",
	       t->cs.broadcasts, t->cs.generations, t->cs.pinned, t->host_dmas,
	       t->stalls, t->unmaps, t->ranges, t->protects,
	       t->ds[0].asid_moves, r->churns, r->s1_unmaps, r->s1_dmas);
	for (h = 0; h < 2; h++) {
		printf("%s{\"btm\":%s,\"broadcasts_heard\":%" PRIu64
		       ",\"broadcasts_honoured\":%" PRIu64
		       ",\"notifier_invalidations\":%" PRIu64
		       ",\"stalls_resolved\":%" PRIu64
		       ",\"stalls_refused\":%" PRIu64 ",\"checker\":{",
		       h ? "," : "", h ? "false" : "true",
		       t->ss[h].dvm_received, t->ss[h].dvm_applied,
		       t->ds[h].sva_invs, t->ds[h].iopf_resolved,
		       t->ds[h].iopf_refused);
		for (i = 0; i < VSMMU_CHECK_NR; i++)
			printf("%s\"%s\":%" PRIu64, i ? "," : "", check_name[i],
			       i == VSMMU_CHECK_STALE_CFG ?
				       atomic_load(&r->chk[h].other_cfg) :
				       t->check[h][i]);
		printf(",\"move_window\":%" PRIu64,
		       atomic_load(&r->chk[h].move_window));
		printf("},\"command_errors\":%" PRIu64 ",\"timeouts\":%" PRIu64
		       "}",
		       t->ds[h].cerror_ill + t->ds[h].cerror_abt +
			       t->ds[h].cerror_atc_inv,
		       t->ds[h].timeouts);
	}
	printf("],\"findings\":{\"stale\":%" PRIu64 ",\"wrong_data\":%" PRIu64
	       ",\"bad_fault\":%" PRIu64 "}},\"vms\":[",
	       atomic_load(&r->f.stale), atomic_load(&r->f.wrong_data),
	       atomic_load(&r->f.bad_fault));
	for (i = 0; i < r->ngv; i++) {
		struct gvm *s = &r->gv[i];
		struct vsmmu_vm_smmu_stats vs;
		struct vsmmu_drv_stats gs;

		vsmmu_vm_smmu_get_stats(s->vm, 0, &vs);
		vsmmu_drv_get_stats(vsmmu_vm_guest_drv(s->g), &gs);
		printf("%s{\"pasid_mode\":\"%s\",\"dmas\":%" PRIu64
		       ",\"page_requests\":%" PRIu64 ",\"pprs\":%" PRIu64
		       ",\"pri_resps\":%" PRIu64 ",\"iopf_resolved\":%" PRIu64
		       ",\"iopf_refused\":%" PRIu64 ",\"pri_auto\":%" PRIu64
		       ",\"unmaps\":%" PRIu64 ",\"protects\":%" PRIu64
		       ",\"notifier_invalidations\":%" PRIu64
		       ",\"hwpt_invalidate\":%" PRIu64 ",\"rebinds\":%" PRIu64
		       ",\"pasid_allocs\":%" PRIu64 ",\"pasid_binds\":%" PRIu64
		       ",\"pasid_unbinds\":%" PRIu64
		       ",\"pasid_refused\":%" PRIu64
		       ",\"findings\":{\"stale\":%" PRIu64
		       ",\"wrong_data\":%" PRIu64 ",\"bad_fault\":%" PRIu64
		       "}}",
		       i ? "," : "", mode_name[s->mode],
		       atomic_load(&s->st.dmas), atomic_load(&s->page_requests),
		       vs.pprs, vs.pri_resps, gs.iopf_resolved, gs.iopf_refused,
		       vs.pri_auto, s->st.unmaps, s->st.protects, gs.sva_invs,
		       vs.inv_calls, s->rebinds, vs.pasid_allocs,
		       vs.pasid_binds, vs.pasid_unbinds, vs.pasid_refused,
		       atomic_load(&s->f.stale), atomic_load(&s->f.wrong_data),
		       atomic_load(&s->f.bad_fault));
	}
	printf("],\"findings\":%" PRIu64 "}\n", t->findings);
}

/* --- Options and the run ------------------------------------------------------ */

enum { OPT_PROCS = 256, OPT_DUR, OPT_MODE, OPT_MOVE, OPT_JSON, OPT_SVA };

static int bad(const char *msg, const char *arg)
{
	fprintf(stderr, PROG ": %s '%s'\n", msg, arg);
	return 2;
}

static int parse_modes(struct svarun *r, const char *arg)
{
	char buf[64], *tok, *save = NULL;
	unsigned int i;

	if (strlen(arg) >= sizeof(buf))
		return bad("bad --pasid-mode", arg);
	strcpy(buf, arg);
	r->modes = 0;
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "all")) {
			r->modes |= (1U << NMODES) - 1;
			continue;
		}
		if (!strcmp(tok, "none"))
			continue;
		for (i = 0; i < NMODES; i++)
			if (!strcmp(tok, mode_name[i]))
				break;
		if (i == NMODES)
			return bad("--pasid-mode takes guest, identity, "
				   "mapped, all or none, not",
				   tok);
		r->modes |= 1U << i;
	}
	return 0;
}

static int parse(struct svarun *r, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "sva", no_argument, NULL, OPT_SVA },
		{ "processes", required_argument, NULL, OPT_PROCS },
		{ "duration", required_argument, NULL, OPT_DUR },
		{ "pasid-mode", required_argument, NULL, OPT_MODE },
		{ "asid-move", required_argument, NULL, OPT_MOVE },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_SVA:
			break;
		case OPT_PROCS:
			r->nprocs = (unsigned int)strtoul(optarg, &end, 0);
			if (*end || !r->nprocs || r->nprocs > MAX_PROCS)
				return bad("--processes must be 1..8, not",
					   optarg);
			break;
		case OPT_DUR:
			r->duration = strtod(optarg, &end);
			if (*end || !(r->duration > 0) || r->duration > 3600)
				return bad("bad --duration", optarg);
			break;
		case OPT_MODE:
			rc = parse_modes(r, optarg);
			if (rc)
				return rc;
			break;
		case OPT_MOVE:
			if (strcmp(optarg, "ours") && strcmp(optarg, "seed"))
				return bad("--asid-move is ours or seed, not",
					   optarg);
			r->seed_move = !strcmp(optarg, "seed");
			break;
		case OPT_JSON:
			r->json = true;
			break;
		case 'h':
			fputs(sva_usage, stdout);
			return -1;
		default:
			fputs(sva_usage, stderr);
			return 2;
		}
	}
	if (optind < argc)
		return bad("unexpected argument", argv[optind]);
	return 0;
}

static void teardown(struct svarun *r)
{
	unsigned int i, d, m;

	for (i = 0; i < r->ngv; i++)
		gvm_down(&r->gv[i]);
	vsmmu_iommufd_ctx_destroy(r->ictx);
	for (i = 0; i < r->nprocs; i++) {
		for (m = 0; m < 2; m++)
			vsmmu_drv_master_destroy(r->hp[i].m[m]);
		if (r->hp[i].sp.mm)
			vsmmu_mm_destroy(r->hp[i].sp.mm);
	}
	vsmmu_drv_master_destroy(r->churn_m);
	for (d = 0; d < NDOMS; d++) {
		for (m = 0; m < 2; m++)
			vsmmu_drv_master_destroy(r->dm[d][m]);
		if (r->dom[d])
			vsmmu_drv_domain_free(r->dom[d]);
	}
	for (m = 0; m < 2; m++)
		if (r->byp[m])
			vsmmu_drv_domain_free(r->byp[m]);
	for (m = 0; m < 2 && r->cpu; m++)
		if (r->smmu[m])
			vsmmu_cpu_remove_listener(r->cpu, vsmmu_smmu_dvm,
						  r->smmu[m]);
	vsmmu_cpu_destroy(r->cpu);
	vsmmu_mem_pool_destroy(r->cpool);
	vsmmu_host_destroy(r->host[1]);
	vsmmu_host_destroy(r->host[0]);
}

static int start_threads(struct svarun *r)
{
	unsigned int i;
	int rc;

	rc = pthread_create(&r->irq_thread, NULL, irq_thread, r);
	if (!rc)
		rc = pthread_create(&r->s1_thread, NULL, s1_thread, r);
	if (!rc)
		rc = pthread_create(&r->churn_thread, NULL, churn_thread, r);
	for (i = 0; !rc && i < r->nprocs; i++) {
		rc = pthread_create(&r->hp[i].cpu_thread, NULL, hcpu_thread,
				    &r->hp[i]);
		if (!rc)
			rc = pthread_create(&r->hp[i].dev_thread, NULL,
					    hdev_thread, &r->hp[i]);
	}
	for (i = 0; !rc && i < r->ngv; i++) {
		rc = vsmmu_vm_vcpu_start(r->gv[i].vm, gvcpu, &r->gv[i],
					 &r->gv[i].vcpu);
		if (!rc)
			rc = pthread_create(&r->gv[i].dev_thread, NULL,
					    gdev_thread, &r->gv[i]);
	}
	return rc;
}

static void join_threads(struct svarun *r)
{
	unsigned int i;

	/* The devices first, while their faults are still served (a
	 * guest's vCPU answers its page requests) */
	atomic_store(&r->dev_stop, true);
	for (i = 0; i < r->ngv; i++)
		pthread_join(r->gv[i].dev_thread, NULL);
	for (i = 0; i < r->nprocs; i++)
		pthread_join(r->hp[i].dev_thread, NULL);
	atomic_store(&r->stop, true);
	for (i = 0; i < r->ngv; i++)
		vsmmu_vm_vcpu_join(r->gv[i].vcpu);
	for (i = 0; i < r->nprocs; i++)
		pthread_join(r->hp[i].cpu_thread, NULL);
	pthread_join(r->churn_thread, NULL);
	pthread_join(r->s1_thread, NULL);
	atomic_store(&r->irq_stop, true);
	pthread_join(r->irq_thread, NULL);
}

static int report_errors(struct svarun *r)
{
	int status = 0;
	unsigned int i;

	for (i = 0; i < r->nprocs; i++)
		if (r->hp[i].err) {
			fprintf(stderr, PROG ": host process %u: %s\n", i,
				vsmmu_strerror(r->hp[i].err));
			status = 1;
		}
	for (i = 0; i < r->ngv; i++)
		if (r->gv[i].err) {
			fprintf(stderr, PROG ": VM %u's guest: %s\n", i,
				vsmmu_strerror(r->gv[i].err));
			status = 1;
		}
	if (r->s1_err || r->churn_err) {
		fprintf(stderr, PROG ": stage-1 traffic: %s, churn: %s\n",
			vsmmu_strerror(r->s1_err),
			vsmmu_strerror(r->churn_err));
		status = 1;
	}
	return status;
}

int cmd_vm_sva(int argc, char **argv)
{
	struct svarun *r = calloc(1, sizeof(*r));
	struct timespec dur;
	struct tally t;
	unsigned int i;
	int rc, status;

	if (!r)
		return 1;
	r->nprocs = 2;
	r->duration = 2;
	r->modes = (1U << NMODES) - 1;
	rc = parse(r, argc, argv);
	if (rc) {
		free(r);
		return rc < 0 ? 0 : rc;
	}
	rc = host_up(r);
	if (!rc)
		rc = s1_up(r);
	for (i = 0; !rc && i < r->nprocs; i++) {
		r->hp[i].index = i;
		rc = hproc_up(r, &r->hp[i]);
	}
	for (i = 0; !rc && i < NMODES; i++) {
		struct gvm *s = &r->gv[r->ngv];

		if (!(r->modes & (1U << i)))
			continue;
		s->index = r->ngv++;
		s->mode = i;
		rc = gvm_up(r, s);
	}
	if (rc) {
		fprintf(stderr, PROG ": setting up: %s\n", vsmmu_strerror(rc));
		teardown(r);
		free(r);
		return 1;
	}
	if (start_threads(r)) {
		fprintf(stderr, PROG ": starting threads failed\n");
		exit(1); /* threads half started: nothing sane to undo */
	}
	dur.tv_sec = (time_t)r->duration;
	dur.tv_nsec = (long)((r->duration - (double)dur.tv_sec) * 1e9);
	nanosleep(&dur, NULL);
	join_threads(r);
	vsmmu_drv_process(r->drv[0]);
	vsmmu_drv_process(r->drv[1]);
	status = report_errors(r);
	tally(r, &t);
	if (r->json)
		print_json(r, &t);
	else
		print_text(r, &t);
	teardown(r);
	free(r);
	return t.findings || status ? 1 : 0;
}
