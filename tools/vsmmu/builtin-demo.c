// SPDX-License-Identifier: MIT
/*
 * vsmmu demo: an embedded scenario, end to end.  The hardware model (with
 * the invalidation checker on) is brought up by the host driver; several
 * devices DMA through vsmmu_translate() from threads of their own while a
 * driver thread unmaps and remaps their buffers with strict and deferred
 * invalidation; a misbehaving device writes a read-only buffer and reads
 * where nothing is mapped, and the driver drains and decodes its faults
 * from the event queue.  It ends with the model's and the driver's
 * counters: translations, IOTLB hits, walks, commands and events by type,
 * command errors, lost events and the checker's findings.
 *
 * Buffer ownership, the rule that makes a correct driver silent under the
 * checker: a device only DMAs into a buffer while it is "lent" to it.  The
 * driver revokes a buffer (sets REVOKED, then waits for the DMAs in flight
 * to finish) before it unmaps it, and lends it again only once the IOVA
 * may be reused: at once after a strict unmap (its TLBI and CMD_SYNC have
 * completed), after the flush that runs the free callback for a deferred
 * one.  --broken reuses the IOVA of a deferred unmap before the flush (the
 * bug deferred invalidation invites), so devices hit IOTLB entries that
 * still point at the old buffer and the checker reports STALE_TLB.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <vsmmu/arch.h>
#include <vsmmu/driver.h>
#include <vsmmu/vsmmu.h>

#include "builtin.h"
#include "out.h"
#include "query.h"

#define PROG "vsmmu demo"

#define MAX_DEVICES 64
#define MAX_THREADS 16
#define NSLOTS 8 /* buffers per device */
#define BUF_SIZE 0x4000ULL /* 16 KiB: four 4K pages */
#define IOVA_BASE 0x40000000ULL /* slot j at IOVA_BASE + j * SLOT_STRIDE */
#define SLOT_STRIDE 0x10000ULL
#define ROGUE_RO_IOVA 0x50000000ULL /* the rogue's read-only buffer */
#define ROGUE_HOLE_IOVA 0x60000000ULL /* nothing mapped here */
#define SID_BASE 0x10
#define SID_ROGUE 0xbad
#define POOL_BASE 0x10000000ULL /* driver structures and page tables */
#define POOL_SIZE (64ULL << 20)
#define DATA_BASE 0x100000000ULL /* DMA buffers */
#define FLUSH_BATCH 3 /* deferred unmaps per domain before a flush */
#define ROGUE_PERIOD_NS 200000ULL /* one bad DMA per 200 us */
#define EVT_LINES 8 /* decoded events printed, then only counted */
#define CHECK_LINES 5
#define ERR_LINES 5

#define REVOKED (1U << 31)

static const char demo_usage[] =
	"usage: vsmmu demo [options]\n"
	"\n"
	"An embedded scenario: the host driver brings up the SMMU model (with\n"
	"the invalidation checker on); devices DMA through translation from\n"
	"threads while a driver thread unmaps and remaps their buffers with\n"
	"strict and deferred invalidation; a misbehaving device (StreamID\n"
	"0xbad) writes a read-only buffer and reads unmapped memory, and its\n"
	"faults are drained from the event queue and decoded.  Ends with a\n"
	"summary: translations, TLB hits, walks, commands and events by type,\n"
	"checker findings, DMAs per device.\n"
	"\n"
	"options:\n"
	"  --devices N         well-behaved devices (1..64, default 4); every\n"
	"                      4th from the 2nd has a stage-2 domain, the\n"
	"                      others stage 1; plus the misbehaving one\n"
	"  --threads N         DMA threads for them (1..16, default 2)\n"
	"  --duration SECONDS  how long the DMA runs (default 2)\n"
	"  --ms N              the same in milliseconds\n"
	"  --seed N            random seed (default 1)\n"
	"  --exec sync|thread  commands consumed in the PROD writer's thread,\n"
	"                      or by the model's consumer thread (default)\n"
	"  --cmdqv [PROPS]     give the SMMU a CMDQV (default 4 VINTFs, 8\n"
	"                      VCMDQs; PROPS: vintfs=N,vcmdqs=N,sidpairs=N,\n"
	"                      powers of two): the driver spreads its\n"
	"                      invalidations over VINTF0's logical queues, one\n"
	"                      illegal command shows a VCMDQ error and its\n"
	"                      recovery; the summary has a per-queue table\n"
	"  --smmu PROPS        SMMU properties, QEMU style, as vsmmu translate\n"
	"                      takes them: e.g. ril=off,ats=on,oas=48,\n"
	"                      ssidsize=20,stages=s1s2 (see its --help)\n"
	"  --broken            the driver reuses IOVAs of deferred unmaps\n"
	"                      before flushing: the checker reports STALE_TLB\n"
	"                      and the exit status is 1\n"
	"  --json              the summary as one JSON object on stdout; the\n"
	"                      log goes to stderr\n"
	"  --quiet             no log, only the summary\n"
	"  -h, --help          this text\n"
	"\n"
	"The misbehaving device's first two DMAs fault, whatever the\n"
	"duration, so even the shortest run (--ms 1) shows its events.  On a\n"
	"terminal, progress is shown on standard error (never in a pipe).\n"
	"Ctrl-C stops the run early: the summary so far is printed and the\n"
	"exit status is 130.  Numbers are decimal, or hexadecimal with 0x.\n"
	"\n"
	"Exit status: 0 when the run was clean (no checker finding, no\n"
	"unexpected fault or error); 1 otherwise, which --broken always is;\n"
	"2 for a bad option; 130 when interrupted.  See docs/demo.md.\n";

enum dev_type { DEV_S1, DEV_S2 };

struct slot {
	/* DMAs in flight, | REVOKED while the driver has taken it back */
	_Atomic unsigned int users;
	_Atomic uint64_t pa; /* where the IOVA points while lent */
	_Atomic bool freed; /* the deferred unmap's free callback ran */
	bool pending; /* driver thread: deferred-unmapped, not yet lent */
	unsigned int alt; /* which of the slot's two buffers is mapped */
	uint64_t iova;
};

struct device {
	uint32_t sid;
	enum dev_type type;
	bool rogue;
	struct vsmmu_drv_master *m;
	struct vsmmu_drv_domain *dom;
	unsigned int npending; /* deferred unmaps since the last flush */
	struct slot slots[NSLOTS];
};

/* Per-thread counters, summed at the end (no shared cache lines). */
struct dev_count {
	uint64_t dma, reads, writes, faults, stale, skipped;
};

struct thread {
	struct demo *d;
	unsigned int tid;
	pthread_t pt;
	uint64_t rng;
	struct dev_count c[MAX_DEVICES + 1];
};

struct demo {
	/* options */
	unsigned int ndev, nthreads;
	uint64_t duration_ns;
	uint64_t seed;
	enum vsmmu_exec_mode exec;
	bool broken, json, quiet, cmdqv;
	struct vsmmu_smmu_config sc; /* after --smmu and --cmdqv */
	uint64_t ran_ns; /* how long the DMA really ran */
	/* objects */
	struct vsmmu_host *host;
	struct vsmmu_mem *mem;
	struct vsmmu_mem_pool *pool;
	struct vsmmu_smmu *smmu;
	struct vsmmu_drv *drv;
	struct device dev[MAX_DEVICES + 1]; /* [ndev] is the rogue */
	FILE *log;
	pthread_mutex_t log_lock;
	_Atomic bool stop;
	/* what happened */
	_Atomic uint64_t unexpected;
	_Atomic unsigned int expected_errs; /* the --cmdqv demonstration */
	_Atomic uint64_t check_lines;
	uint64_t events_drained, evt_lines, evt_other_sid;
	uint64_t drv_logs;
	uint64_t maps, unmaps_strict, unmaps_deferred, flushes, reuse_early;
	uint64_t rogue_faults[VSMMU_STATS_EVT_IDS];
	struct thread th[MAX_THREADS + 1]; /* [nthreads] is the rogue's */
	struct thread drv_th;
};

/* Set by SIGINT (Ctrl-C): the run stops and prints what it has. */
static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

static void __attribute__((format(printf, 2, 3)))
demo_log(struct demo *d, const char *fmt, ...)
{
	va_list ap;

	if (!d->log)
		return;
	pthread_mutex_lock(&d->log_lock);
	out_progress_done(); /* a log line never lands after the bar */
	va_start(ap, fmt);
	vfprintf(d->log, fmt, ap);
	va_end(ap);
	pthread_mutex_unlock(&d->log_lock);
}

/* An error no correct run has: counted (the exit status), a few logged. */
static void __attribute__((format(printf, 2, 3)))
demo_unexpected(struct demo *d, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	if (atomic_fetch_add(&d->unexpected, 1) >= ERR_LINES)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* Always visible, also with --quiet and --json */
	pthread_mutex_lock(&d->log_lock);
	fprintf(stderr, "%s: unexpected: %s\n", PROG, buf);
	pthread_mutex_unlock(&d->log_lock);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* xorshift64*: a small, seedable generator per thread. */
static uint64_t rnd(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dULL;
}

static uint64_t rng_seed(uint64_t seed, unsigned int salt)
{
	uint64_t s = (seed + 1) * 0x9e3779b97f4a7c15ULL +
		     salt * 0xbf58476d1ce4e5b9ULL;

	return s ? s : 1;
}

static uint64_t buf_pa(const struct demo *d, unsigned int dev,
		       unsigned int slot, unsigned int alt)
{
	return DATA_BASE +
	       ((uint64_t)(dev * NSLOTS + slot) * 2 + alt) * BUF_SIZE;
}

static const char *check_name(unsigned int kind)
{
	static const char *const names[VSMMU_CHECK_NR] = {
		[VSMMU_CHECK_STALE_TLB] = "STALE_TLB",
		[VSMMU_CHECK_STALE_CFG] = "STALE_CFG",
		[VSMMU_CHECK_TORN_STE] = "TORN_STE",
		[VSMMU_CHECK_TORN_CD] = "TORN_CD",
		[VSMMU_CHECK_STALE_WALK] = "STALE_WALK",
	};

	return kind < VSMMU_CHECK_NR ? names[kind] : "?";
}

/* --- Callbacks from the driver and the model ----------------------------- */

/* Drained by the driver thread (vsmmu_drv_process), one at a time. */
static void on_event(void *arg, const struct vsmmu_drv_event *e)
{
	struct demo *d = arg;

	d->events_drained++;
	if (e->sid != SID_ROGUE) {
		d->evt_other_sid++;
		demo_unexpected(d, "event from a well-behaved device: %s",
				e->msg);
		return;
	}
	if (d->evt_lines++ < EVT_LINES)
		demo_log(d, "  %s\n", e->msg);
}

static void on_drv_log(void *arg, const char *msg)
{
	struct demo *d = arg;

	d->drv_logs++;
	demo_log(d, "driver: %s\n", msg);
}

static void on_cmdq_err(void *arg, unsigned int err, uint32_t cons,
			const uint64_t cmd[2])
{
	struct demo *d = arg;
	unsigned int n = atomic_load(&d->expected_errs);

	while (n && !atomic_compare_exchange_weak(&d->expected_errs, &n, n - 1))
		;
	if (n) {
		demo_log(
			d,
			"  command queue error %u (CERROR_ILL) at CONS 0x%x on "
			"cmd 0x%016" PRIx64 ": the driver replaces it with a "
			"CMD_SYNC and acknowledges\n",
			err, cons, cmd[0]);
		return;
	}
	demo_unexpected(d, "command queue error %u at CONS 0x%x", err, cons);
}

/* Under the checker's report lock: must not call into the SMMU. */
static void on_check(void *arg, const struct vsmmu_check_report *r)
{
	struct demo *d = arg;

	if (atomic_fetch_add(&d->check_lines, 1) < CHECK_LINES)
		demo_log(d, "checker: %s\n", r->msg);
}

/* A deferred unmap's range can no longer be reached: the IOVA is free. */
static void on_free(void *arg, uint64_t iova, uint64_t size)
{
	struct slot *s = arg;

	atomic_store(&s->freed, true);
}

/* --- Device threads -------------------------------------------------------- */

/*
 * One DMA of 8 bytes: translate, check the output address against the
 * buffer the device was lent, then access memory there (as the device
 * would, also when the translation was stale: that is the corruption a
 * missing invalidation causes).
 */
static void dma_one(struct demo *d, struct thread *t, unsigned int di,
		    struct slot *s)
{
	struct device *dev = &d->dev[di];
	struct dev_count *c = &t->c[di];
	uint64_t r = rnd(&t->rng), off = (r >> 8) % BUF_SIZE & ~7ULL;
	bool write = r & 1;
	struct vsmmu_txn txn = { .sid = dev->sid,
				 .addr = s->iova + off,
				 .flags = write ? VSMMU_TXN_WRITE :
						  VSMMU_TXN_READ };
	struct vsmmu_txn_result res;
	uint64_t pa = atomic_load(&s->pa), v = 0;
	int rc;

	rc = vsmmu_translate(d->smmu, &txn, &res);
	if (rc) {
		demo_unexpected(d, "vsmmu_translate: %s", vsmmu_strerror(rc));
		return;
	}
	c->dma++;
	if (res.outcome != VSMMU_TXN_OK) {
		c->faults++;
		demo_unexpected(d,
				"SID 0x%x IOVA 0x%" PRIx64
				" faulted (outcome %d, event 0x%" PRIx64 ")",
				dev->sid, txn.addr, (int)res.outcome,
				res.evt[0] & 0xff);
		return;
	}
	if (res.oa != pa + off) {
		/* Only --broken may get here: an IOTLB entry left stale */
		c->stale++;
		if (!d->broken)
			demo_unexpected(d,
					"SID 0x%x IOVA 0x%" PRIx64
					" -> 0x%" PRIx64 ", want 0x%" PRIx64,
					dev->sid, txn.addr, res.oa, pa + off);
	}
	if (write) {
		c->writes++;
		vsmmu_mem_write64(d->mem, res.oa,
				  (uint64_t)dev->sid << 48 |
					  (c->dma & 0xffffffff));
	} else {
		c->reads++;
		vsmmu_mem_read64(d->mem, res.oa, &v);
	}
}

static void *dma_thread(void *arg)
{
	struct thread *t = arg;
	struct demo *d = t->d;

	while (!atomic_load_explicit(&d->stop, memory_order_relaxed)) {
		uint64_t r = rnd(&t->rng);
		unsigned int di = (unsigned int)(r % d->ndev);
		struct slot *s = &d->dev[di].slots[(r >> 32) % NSLOTS];

		/* Borrow the buffer unless the driver took it back */
		if (atomic_fetch_add(&s->users, 1) & REVOKED) {
			atomic_fetch_sub(&s->users, 1);
			t->c[di].skipped++;
			continue;
		}
		dma_one(d, t, di, s);
		atomic_fetch_sub(&s->users, 1);
	}
	return NULL;
}

/*
 * The misbehaving device: ordinary DMA into its one read-write buffer,
 * and every ROGUE_PERIOD_NS a bad one -- a write to its read-only buffer
 * (F_PERMISSION) or a read where nothing is mapped (F_TRANSLATION).
 */
static void *rogue_thread(void *arg)
{
	struct thread *t = arg;
	struct demo *d = t->d;
	unsigned int di = d->ndev;
	struct device *dev = &d->dev[di];
	struct dev_count *c = &t->c[di];
	uint64_t next = now_ns(), n = 0;
	/*
	 * Its first two DMAs are the bad ones, one of each kind, before the
	 * stop flag is even read: a short run used to end before this
	 * thread got a CPU and then reported "the misbehaving device never
	 * faulted" (a quarter of `--ms 2` runs on a busy machine).
	 */
	unsigned int forced = 2;

	while (forced ||
	       !atomic_load_explicit(&d->stop, memory_order_relaxed)) {
		uint64_t r = rnd(&t->rng), off = (r >> 8) % BUF_SIZE & ~7ULL;
		struct vsmmu_txn txn = { .sid = dev->sid };
		struct vsmmu_txn_result res;
		unsigned int want;
		uint64_t tnow = 0;

		if (forced) {
			/* a write to the read-only buffer, then a read of
			 * the hole: F_PERMISSION and F_TRANSLATION */
			r = (r & ~1ULL) | (forced == 2);
			forced--;
			txn.addr =
				(r & 1 ? ROGUE_RO_IOVA : ROGUE_HOLE_IOVA) + off;
			txn.flags = r & 1 ? VSMMU_TXN_WRITE : VSMMU_TXN_READ;
			want = r & 1 ? EVT_ID_PERMISSION : EVT_ID_TRANSLATION;
		} else if ((++n & 15) || (tnow = now_ns()) < next) {
			/* good DMA: its own buffer, or reading the RO one */
			if (r & 2) {
				dma_one(d, t, di, &dev->slots[0]);
				continue;
			}
			txn.addr = ROGUE_RO_IOVA + off;
			txn.flags = VSMMU_TXN_READ;
			want = 0;
		} else {
			next = tnow + ROGUE_PERIOD_NS;
			txn.addr =
				(r & 1 ? ROGUE_RO_IOVA : ROGUE_HOLE_IOVA) + off;
			txn.flags = r & 1 ? VSMMU_TXN_WRITE : VSMMU_TXN_READ;
			want = r & 1 ? EVT_ID_PERMISSION : EVT_ID_TRANSLATION;
		}
		if (vsmmu_translate(d->smmu, &txn, &res)) {
			demo_unexpected(d, "vsmmu_translate failed");
			continue;
		}
		c->dma++;
		if (txn.flags & VSMMU_TXN_WRITE)
			c->writes++;
		else
			c->reads++;
		if (!want && res.outcome == VSMMU_TXN_OK)
			continue;
		if (want && res.outcome == VSMMU_TXN_FAULT &&
		    (res.evt[0] & 0xff) == want) {
			c->faults++;
			continue;
		}
		demo_unexpected(d,
				"rogue DMA to 0x%" PRIx64
				": outcome %d event 0x%" PRIx64
				", expected event 0x%x",
				txn.addr, (int)res.outcome, res.evt[0] & 0xff,
				want);
	}
	return NULL;
}

/* --- The driver thread ----------------------------------------------------- */

/* Map the slot's other buffer at its IOVA and lend it to the device. */
static void slot_lend(struct demo *d, struct device *dev, unsigned int di,
		      unsigned int si)
{
	struct slot *s = &dev->slots[si];
	uint64_t pa;
	int rc;

	s->alt ^= 1;
	pa = buf_pa(d, di, si, s->alt);
	rc = vsmmu_drv_map(dev->dom, s->iova, pa, BUF_SIZE,
			   VSMMU_PROT_READ | VSMMU_PROT_WRITE);
	if (rc) {
		demo_unexpected(d, "map SID 0x%x IOVA 0x%" PRIx64 ": %s",
				dev->sid, s->iova, vsmmu_strerror(rc));
		return; /* stays revoked */
	}
	d->maps++;
	s->pending = false;
	atomic_store(&s->freed, false);
	atomic_store(&s->pa, pa);
	/*
	 * Lend: clear REVOKED only.  A device may have counted itself in
	 * and not yet out again after seeing REVOKED; a plain store of 0
	 * would lose its count.
	 */
	atomic_fetch_and(&s->users, ~REVOKED);
}

/* Flush @dev's deferred unmaps, then lend every buffer they freed. */
static void dev_flush(struct demo *d, unsigned int di)
{
	struct device *dev = &d->dev[di];
	unsigned int si;
	int rc;

	rc = vsmmu_drv_domain_flush(dev->dom);
	if (rc) {
		demo_unexpected(d, "flush SID 0x%x: %s", dev->sid,
				vsmmu_strerror(rc));
		return;
	}
	d->flushes++;
	dev->npending = 0;
	for (si = 0; si < NSLOTS; si++) {
		struct slot *s = &dev->slots[si];

		if (!s->pending)
			continue;
		if (!atomic_load(&s->freed)) {
			demo_unexpected(d, "flush did not free IOVA 0x%" PRIx64,
					s->iova);
			continue;
		}
		slot_lend(d, dev, di, si);
	}
}

/*
 * Take one buffer back from a device, unmap it (strict or deferred) and
 * lend it again when its IOVA may be reused.
 */
static void driver_step(struct demo *d, struct thread *t)
{
	uint64_t r = rnd(&t->rng);
	unsigned int di = (unsigned int)(r % d->ndev);
	unsigned int si = (unsigned int)((r >> 32) % NSLOTS);
	struct device *dev = &d->dev[di];
	struct slot *s = &dev->slots[si];
	bool deferred = r & (1ULL << 20);
	int64_t n;

	if (s->pending)
		return; /* waits for its domain's flush */
	if (d->cmdqv)
		vsmmu_drv_set_thread_queue(d->drv,
					   di); /* each device its queue */
	/* Revoke, then wait for the DMAs in flight */
	atomic_fetch_or(&s->users, REVOKED);
	while (atomic_load(&s->users) != REVOKED)
		sched_yield();
	n = vsmmu_drv_unmap(dev->dom, s->iova, BUF_SIZE,
			    deferred ? VSMMU_DRV_UNMAP_DEFERRED : 0, on_free,
			    s);
	if (n != (int64_t)BUF_SIZE) {
		demo_unexpected(d,
				"unmap SID 0x%x IOVA 0x%" PRIx64 ": %" PRId64,
				dev->sid, s->iova, n);
		return;
	}
	if (!deferred) {
		d->unmaps_strict++;
		slot_lend(d, dev, di, si);
		return;
	}
	d->unmaps_deferred++;
	if (d->broken) {
		/* The bug: reuse the IOVA before the flush invalidated it */
		d->reuse_early++;
		slot_lend(d, dev, di, si);
		return;
	}
	s->pending = true;
	if (++dev->npending >= FLUSH_BATCH)
		dev_flush(d, di);
}

static void *driver_thread(void *arg)
{
	struct thread *t = arg;
	struct demo *d = t->d;
	unsigned int i = 0;

	while (!atomic_load_explicit(&d->stop, memory_order_relaxed)) {
		int rc;

		driver_step(d, t);
		/* The "threaded interrupt": global errors, then events */
		if (!(++i & 3)) {
			rc = vsmmu_drv_process(d->drv);
			if (rc < 0)
				demo_unexpected(d, "vsmmu_drv_process: %s",
						vsmmu_strerror(rc));
		}
	}
	return NULL;
}

/* --- Set-up ------------------------------------------------------------------ */

/* Before the driver exists, hence before anything runs, as the checker
 * requires */
static int before_driver(void *arg, struct vsmmu_smmu *smmu,
			 struct vsmmu_drv_config *dc)
{
	return vsmmu_smmu_set_checker(smmu, true, on_check, arg);
}

static int setup(struct demo *d)
{
	struct vsmmu_host_config hc;
	const struct vsmmu_drv_features *f;
	unsigned int i, j;
	int rc;

	vsmmu_host_config_default(&hc);
	hc.smmu = d->sc; /* defaults, --smmu, --cmdqv */
	hc.smmu.exec = d->exec;
	hc.irq = false; /* the demo's IRQ thread calls vsmmu_drv_process */
	hc.pool_base = POOL_BASE;
	hc.pool_size = POOL_SIZE;
	hc.before_driver = before_driver;
	hc.before_driver_arg = d;
	hc.drv.event_fn = on_event;
	hc.drv.event_arg = d;
	hc.drv.log_fn = on_drv_log;
	hc.drv.log_arg = d;
	hc.drv.cmdq_err_fn = on_cmdq_err;
	hc.drv.cmdq_err_arg = d;
	hc.drv.timeout_ns = 5000000000ULL;
	d->cmdqv = hc.smmu.cmdqv.present;
	rc = vsmmu_host_create(&hc, NULL, &d->host);
	if (rc)
		return rc;
	d->mem = vsmmu_host_mem(d->host);
	d->pool = vsmmu_host_pool(d->host);
	d->smmu = vsmmu_host_smmu(d->host);
	d->drv = vsmmu_host_drv(d->host);
	rc = vsmmu_mem_populate(d->mem, DATA_BASE,
				(uint64_t)(d->ndev + 1) * NSLOTS * 2 *
					BUF_SIZE);
	if (rc)
		return rc;
	f = vsmmu_drv_get_features(d->drv);
	demo_log(d,
		 "smmu: model, exec %s, invalidation checker on; driver: %s "
		 "stream table, cmdq %u entries, evtq %u, CMD_SYNC by %s, "
		 "RIL %s\n",
		 d->exec == VSMMU_EXEC_THREAD ? "thread" : "sync",
		 f->st_is_2lvl ? "2-level" : "linear", 1U << f->cmdq_shift,
		 1U << f->evtq_shift, f->sync_msi ? "MSI" : "polling CONS",
		 f->ril ? "yes" : "no");
	if (d->cmdqv) {
		struct vsmmu_drv_cmdqv_info ci;
		const uint64_t bad[1][2] = { { 0x7f, 0 } }; /* no such op */

		vsmmu_drv_cmdqv_get_info(d->drv, &ci);
		demo_log(d,
			 "cmdqv: %u VINTFs, %u VCMDQs; VINTF0 (HYP_OWN %u) "
			 "with %u logical queues in use\n",
			 ci.num_vintfs, ci.num_vcmdqs, ci.hyp_own, ci.nqueues);
		if (!ci.enabled)
			return -ENODEV;
		/* A VCMDQ error and its recovery, on logical queue 0 */
		vsmmu_drv_set_thread_queue(d->drv, 0);
		atomic_store(&d->expected_errs, 1);
		rc = vsmmu_drv_cmdq_issue(d->drv, bad, 1, true);
		if (rc)
			return rc;
		if (atomic_load(&d->expected_errs))
			demo_unexpected(d, "the illegal command did not fail");
	}

	for (i = 0; i <= d->ndev; i++) {
		struct device *dev = &d->dev[i];
		struct vsmmu_drv_domain_cfg dcfg = { 0 };

		dev->rogue = i == d->ndev;
		dev->sid = dev->rogue ? SID_ROGUE : SID_BASE + i;
		dev->type = !dev->rogue && (i % 4 == 1 || d->ndev == 1) ?
				    DEV_S2 :
				    DEV_S1;
		dcfg.type = dev->type == DEV_S2 ? VSMMU_DRV_DOMAIN_S2 :
						  VSMMU_DRV_DOMAIN_S1;
		rc = vsmmu_drv_master_create(d->drv, &dev->sid, 1, 0, &dev->m);
		if (!rc)
			rc = vsmmu_drv_domain_alloc(d->drv, &dcfg, &dev->dom);
		if (!rc)
			rc = vsmmu_drv_attach(dev->m, dev->dom);
		if (rc)
			return rc;
		for (j = 0; j < NSLOTS; j++) {
			struct slot *s = &dev->slots[j];

			s->iova = IOVA_BASE + j * SLOT_STRIDE;
			s->alt = 1; /* slot_lend flips it to buffer 0 */
			atomic_store(&s->users, REVOKED);
			if (!dev->rogue || j == 0)
				slot_lend(d, dev, i, j);
		}
		if (dev->rogue) {
			/* Its buffer 1 becomes the read-only one */
			rc = vsmmu_drv_map(dev->dom, ROGUE_RO_IOVA,
					   buf_pa(d, i, 1, 0), BUF_SIZE,
					   VSMMU_PROT_READ);
			if (rc)
				return rc;
			d->maps++;
		}
		if (dev->type == DEV_S2)
			demo_log(d,
				 "device 0x%x: stage 2, VMID %u, %u buffers "
				 "of %llu KiB at IPA 0x%llx\n",
				 dev->sid, vsmmu_drv_domain_vmid(dev->dom),
				 NSLOTS, BUF_SIZE >> 10, IOVA_BASE);
		else if (!dev->rogue)
			demo_log(d,
				 "device 0x%x: stage 1, ASID %u, %u buffers "
				 "of %llu KiB at IOVA 0x%llx\n",
				 dev->sid, vsmmu_drv_domain_asid(dev->dom),
				 NSLOTS, BUF_SIZE >> 10, IOVA_BASE);
		else
			demo_log(d,
				 "device 0x%x (misbehaving): stage 1, ASID %u, "
				 "read-write 0x%llx, read-only 0x%llx; it "
				 "writes the read-only buffer and reads "
				 "0x%llx (unmapped)\n",
				 dev->sid, vsmmu_drv_domain_asid(dev->dom),
				 IOVA_BASE, ROGUE_RO_IOVA, ROGUE_HOLE_IOVA);
	}
	return 0;
}

static void teardown(struct demo *d)
{
	vsmmu_host_destroy(d->host);
}

/* --- Running and the summary ---------------------------------------------- */

static int run(struct demo *d)
{
	sigset_t block, old;
	struct timespec ts;
	unsigned int i, started = 0;
	int rc = 0;

	for (i = 0; i <= d->nthreads; i++) {
		d->th[i].d = d;
		d->th[i].tid = i;
		d->th[i].rng = rng_seed(d->seed, i);
	}
	d->drv_th = (struct thread){ .d = d,
				     .tid = MAX_THREADS + 1,
				     .rng = rng_seed(d->seed, 1000) };
	demo_log(d,
		 "running %u DMA thread(s) + the misbehaving device + the "
		 "driver thread for %.3f s%s\n",
		 d->nthreads, (double)d->duration_ns / 1e9,
		 d->broken ? " (--broken: IOVAs reused before the flush)" : "");
	/* SIGINT is for this thread: the others start with it blocked */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	for (i = 0; i <= d->nthreads && !rc; i++, started++)
		rc = pthread_create(&d->th[i].pt, NULL,
				    i < d->nthreads ? dma_thread : rogue_thread,
				    &d->th[i]);
	if (!rc)
		rc = pthread_create(&d->drv_th.pt, NULL, driver_thread,
				    &d->drv_th);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!rc) {
		/*
		 * Sleep in slices of at most 100 ms: Ctrl-C ends the run at
		 * the next one, and the progress line (a terminal only)
		 * moves with each.
		 */
		uint64_t t0 = now_ns(), left = d->duration_ns, slice;
		bool show = !d->quiet && out_progress_enabled() &&
			    d->duration_ns >= 500000000ULL;

		while (left && !interrupted) {
			slice = left < 100000000ULL ? left : 100000000ULL;
			ts.tv_sec = 0;
			ts.tv_nsec = (long)slice;
			if (nanosleep(&ts, NULL) && errno != EINTR)
				break;
			left = now_ns() - t0 >= d->duration_ns ?
				       0 :
				       d->duration_ns - (now_ns() - t0);
			if (show && left) {
				struct vsmmu_smmu_stats st;

				vsmmu_smmu_get_stats(d->smmu, &st);
				pthread_mutex_lock(&d->log_lock);
				out_progress("demo: %.1f / %.1f s, %" PRIu64
					     " translations (Ctrl-C: stop "
					     "and summarise)",
					     (double)(now_ns() - t0) / 1e9,
					     (double)d->duration_ns / 1e9,
					     st.translations);
				pthread_mutex_unlock(&d->log_lock);
			}
		}
		d->ran_ns = now_ns() - t0;
		pthread_mutex_lock(&d->log_lock);
		out_progress_done();
		pthread_mutex_unlock(&d->log_lock);
	}
	atomic_store(&d->stop, true);
	for (i = 0; i < started; i++)
		pthread_join(d->th[i].pt, NULL);
	if (!rc)
		pthread_join(d->drv_th.pt, NULL);
	if (rc)
		return -rc;
	/* Settle: flush what is deferred, drain the last events */
	if (!d->broken)
		for (i = 0; i < d->ndev; i++)
			if (d->dev[i].npending)
				dev_flush(d, i);
	rc = vsmmu_drv_process(d->drv);
	return rc < 0 ? rc : 0;
}

struct totals {
	struct vsmmu_smmu_stats st;
	struct vsmmu_drv_stats ds;
	uint64_t checks[VSMMU_CHECK_NR], nchecks;
	struct dev_count dev[MAX_DEVICES + 1];
	uint64_t dma, stale, good_faults;
	uint64_t cmds, events;
};

static void gather(struct demo *d, struct totals *t)
{
	unsigned int i, k;

	memset(t, 0, sizeof(*t));
	vsmmu_smmu_get_stats(d->smmu, &t->st);
	vsmmu_drv_get_stats(d->drv, &t->ds);
	vsmmu_smmu_get_check_counts(d->smmu, t->checks);
	for (k = 0; k < VSMMU_CHECK_NR; k++)
		t->nchecks += t->checks[k];
	for (i = 0; i <= d->ndev; i++) {
		struct dev_count *c = &t->dev[i];

		for (k = 0; k <= d->nthreads; k++) {
			const struct dev_count *x = &d->th[k].c[i];

			c->dma += x->dma;
			c->reads += x->reads;
			c->writes += x->writes;
			c->faults += x->faults;
			c->stale += x->stale;
			c->skipped += x->skipped;
		}
		t->dma += c->dma;
		t->stale += c->stale;
		if (i < d->ndev)
			t->good_faults += c->faults;
	}
	for (k = 0; k < VSMMU_STATS_CMD_OPS; k++)
		t->cmds += t->st.cmds[k];
	for (k = 0; k < VSMMU_STATS_EVT_IDS; k++)
		t->events += t->st.events[k];
}

static double pct(uint64_t a, uint64_t b)
{
	return b ? 100.0 * (double)a / (double)b : 0.0;
}

/* The driver's queues: the main one (lidx -1) and VINTF0's LVCMDQs. */
static void print_queues_human(struct demo *d, FILE *f)
{
	struct vsmmu_drv_cmdqv_info ci;
	int q;

	vsmmu_drv_cmdqv_get_info(d->drv, &ci);
	fprintf(f, "\n%-9s %10s %10s %10s %6s %6s %6s\n", "queue", "commands",
		"syncs", "PROD wr", "ILL", "ABT", "ATC");
	for (q = -1; q < (int)ci.nqueues; q++) {
		struct vsmmu_drv_queue_stats qs;
		char name[24];

		if (vsmmu_drv_queue_get_stats(d->drv, q, &qs))
			continue;
		if (q < 0)
			snprintf(name, sizeof(name), "main");
		else
			snprintf(name, sizeof(name), "lvcmdq%d", q);
		fprintf(f,
			"%-9s %10" PRIu64 " %10" PRIu64 " %10" PRIu64
			" %6" PRIu64 " %6" PRIu64 " %6" PRIu64 "\n",
			name, qs.cmds, qs.syncs, qs.prod_writes, qs.cerror_ill,
			qs.cerror_abt, qs.cerror_atc_inv);
	}
}

static void print_queues_json(struct demo *d, FILE *f)
{
	struct vsmmu_drv_cmdqv_info ci;
	const char *sep = "";
	int q;

	vsmmu_drv_cmdqv_get_info(d->drv, &ci);
	fprintf(f, "\"queues\":[");
	for (q = -1; q < (int)ci.nqueues; q++) {
		struct vsmmu_drv_queue_stats qs;

		if (vsmmu_drv_queue_get_stats(d->drv, q, &qs))
			continue;
		fprintf(f,
			"%s{\"queue\":%d,\"commands\":%" PRIu64
			",\"syncs\":%" PRIu64 ",\"prod_writes\":%" PRIu64
			",\"cerror_ill\":%" PRIu64 ",\"cerror_abt\":%" PRIu64
			",\"cerror_atc_inv\":%" PRIu64 "}",
			sep, q, qs.cmds, qs.syncs, qs.prod_writes,
			qs.cerror_ill, qs.cerror_abt, qs.cerror_atc_inv);
		sep = ",";
	}
	fprintf(f, "],");
}

static void print_human(struct demo *d, const struct totals *t, FILE *f)
{
	const struct vsmmu_smmu_stats *st = &t->st;
	unsigned int i;

	fprintf(f,
		"\n== summary: exec %s, %.3f s%s, %u devices + 1 misbehaving, "
		"%u DMA thread(s), seed %" PRIu64 "%s\n",
		d->exec == VSMMU_EXEC_THREAD ? "thread" : "sync",
		(double)d->ran_ns / 1e9, interrupted ? " (interrupted)" : "",
		d->ndev, d->nthreads, d->seed, d->broken ? ", --broken" : "");
	fprintf(f, "%-28s %14" PRIu64 "\n", "translations", st->translations);
	fprintf(f, "%-28s %14" PRIu64 "  (hit rate %.1f%%)\n", "  IOTLB hits",
		st->tlb_hits, pct(st->tlb_hits, st->tlb_hits + st->tlb_misses));
	fprintf(f, "%-28s %14" PRIu64 "\n", "  IOTLB misses", st->tlb_misses);
	fprintf(f, "%-28s %14" PRIu64 " / %" PRIu64 "\n",
		"  config cache hits / misses", st->cfg_hits, st->cfg_misses);
	fprintf(f, "%-28s %14" PRIu64 "\n", "  table walks", st->walks);
	fprintf(f, "%-28s %14" PRIu64 "\n", "  descriptor fetches",
		st->desc_fetches);
	fprintf(f, "%-28s %14" PRIu64 "\n", "  faults", st->faults);
	fprintf(f, "%-28s %14" PRIu64 "\n", "commands consumed", t->cmds);
	for (i = 0; i < VSMMU_STATS_CMD_OPS; i++) {
		const char *n = vsmmu_cmd_name(i);

		if (st->cmds[i])
			fprintf(f, "  %-26s %14" PRIu64 "\n", n ? n : "?",
				st->cmds[i]);
	}
	fprintf(f, "%-28s %14" PRIu64 "\n", "command errors", st->cmd_errors);
	fprintf(f, "%-28s %14" PRIu64 "\n", "events recorded", t->events);
	for (i = 0; i < VSMMU_STATS_EVT_IDS; i++) {
		const char *n = vsmmu_evt_name(i);

		if (st->events[i])
			fprintf(f, "  %-26s %14" PRIu64 "\n", n ? n : "?",
				st->events[i]);
	}
	fprintf(f, "%-28s %14" PRIu64 "  (%" PRIu64 " printed above)\n",
		"events drained", d->events_drained,
		d->evt_lines < EVT_LINES ? d->evt_lines : EVT_LINES);
	fprintf(f, "%-28s %14" PRIu64 "\n", "events lost", st->events_lost);
	fprintf(f, "%-28s %14" PRIu64 "\n", "checker findings", t->nchecks);
	for (i = 0; i < VSMMU_CHECK_NR; i++)
		fprintf(f, "  %-26s %14" PRIu64 "\n", check_name(i),
			t->checks[i]);
	fprintf(f,
		"driver: %" PRIu64 " maps, %" PRIu64 " strict unmaps, %" PRIu64
		" deferred unmaps, %" PRIu64 " flushes, %" PRIu64
		" commands, %" PRIu64 " CMD_SYNCs waited, %" PRIu64
		" PROD writes, %" PRIu64 " timeouts\n",
		d->maps, d->unmaps_strict, d->unmaps_deferred, d->flushes,
		t->ds.cmds, t->ds.syncs, t->ds.prod_writes, t->ds.timeouts);
	if (d->broken)
		fprintf(f,
			"--broken: %" PRIu64 " IOVAs reused before a flush; "
			"%" PRIu64 " DMAs went to a freed buffer\n",
			d->reuse_early, t->stale);
	fprintf(f, "\n%-7s %-6s %-8s %12s %12s %12s %8s %8s\n", "device",
		"stage", "tag", "DMAs", "reads", "writes", "faults", "stale");
	for (i = 0; i <= d->ndev; i++) {
		const struct device *dev = &d->dev[i];
		const struct dev_count *c = &t->dev[i];
		char tag[16];

		snprintf(tag, sizeof(tag), "%s %u",
			 dev->type == DEV_S2 ? "VMID" : "ASID",
			 dev->type == DEV_S2 ? vsmmu_drv_domain_vmid(dev->dom) :
					       vsmmu_drv_domain_asid(dev->dom));
		fprintf(f,
			"0x%-5x %-6s %-8s %12" PRIu64 " %12" PRIu64
			" %12" PRIu64 " %8" PRIu64 " %8" PRIu64 "%s\n",
			dev->sid, dev->type == DEV_S2 ? "S2" : "S1", tag,
			c->dma, c->reads, c->writes, c->faults, c->stale,
			dev->rogue ? "  (misbehaving)" : "");
	}
	if (d->cmdqv)
		print_queues_human(d, f);
}

static void print_json(struct demo *d, const struct totals *t, FILE *f)
{
	const struct vsmmu_smmu_stats *st = &t->st;
	unsigned int i;
	const char *sep;

	fprintf(f,
		"{\"exec\":\"%s\",\"duration_s\":%.3f,\"interrupted\":%s,"
		"\"devices\":%u,\"threads\":%u,\"seed\":%" PRIu64
		",\"broken\":%s,",
		d->exec == VSMMU_EXEC_THREAD ? "thread" : "sync",
		(double)d->ran_ns / 1e9, interrupted ? "true" : "false",
		d->ndev, d->nthreads, d->seed, d->broken ? "true" : "false");
	fprintf(f,
		"\"translations\":%" PRIu64 ",\"tlb_hits\":%" PRIu64
		",\"tlb_misses\":%" PRIu64 ",\"tlb_hit_rate\":%.4f,"
		"\"cfg_hits\":%" PRIu64 ",\"cfg_misses\":%" PRIu64
		",\"walks\":%" PRIu64 ",\"desc_fetches\":%" PRIu64
		",\"faults\":%" PRIu64 ",",
		st->translations, st->tlb_hits, st->tlb_misses,
		pct(st->tlb_hits, st->tlb_hits + st->tlb_misses) / 100.0,
		st->cfg_hits, st->cfg_misses, st->walks, st->desc_fetches,
		st->faults);
	fprintf(f, "\"commands\":{");
	for (i = 0, sep = ""; i < VSMMU_STATS_CMD_OPS; i++) {
		const char *n = vsmmu_cmd_name(i);

		if (!st->cmds[i])
			continue;
		if (n)
			fprintf(f, "%s\"%s\":%" PRIu64, sep, n, st->cmds[i]);
		else
			fprintf(f, "%s\"0x%02x\":%" PRIu64, sep, i,
				st->cmds[i]);
		sep = ",";
	}
	fprintf(f, "},\"cmd_errors\":%" PRIu64 ",\"events\":{", st->cmd_errors);
	for (i = 0, sep = ""; i < VSMMU_STATS_EVT_IDS; i++) {
		const char *n = vsmmu_evt_name(i);

		if (!st->events[i])
			continue;
		if (n)
			fprintf(f, "%s\"%s\":%" PRIu64, sep, n, st->events[i]);
		else
			fprintf(f, "%s\"0x%02x\":%" PRIu64, sep, i,
				st->events[i]);
		sep = ",";
	}
	fprintf(f,
		"},\"events_drained\":%" PRIu64 ",\"events_lost\":%" PRIu64
		",\"checker\":{",
		d->events_drained, st->events_lost);
	for (i = 0; i < VSMMU_CHECK_NR; i++)
		fprintf(f, "%s\"%s\":%" PRIu64, i ? "," : "", check_name(i),
			t->checks[i]);
	fprintf(f,
		"},\"checker_findings\":%" PRIu64
		",\"driver\":{\"maps\":%" PRIu64 ",\"unmaps_strict\":%" PRIu64
		",\"unmaps_deferred\":%" PRIu64 ",\"flushes\":%" PRIu64
		",\"reused_before_flush\":%" PRIu64 ",\"cmds\":%" PRIu64
		",\"syncs\":%" PRIu64 ",\"prod_writes\":%" PRIu64
		",\"timeouts\":%" PRIu64 "},",
		t->nchecks, d->maps, d->unmaps_strict, d->unmaps_deferred,
		d->flushes, d->reuse_early, t->ds.cmds, t->ds.syncs,
		t->ds.prod_writes, t->ds.timeouts);
	fprintf(f,
		"\"dma\":%" PRIu64 ",\"stale_dma\":%" PRIu64
		",\"per_device\":[",
		t->dma, t->stale);
	for (i = 0; i <= d->ndev; i++) {
		const struct device *dev = &d->dev[i];
		const struct dev_count *c = &t->dev[i];

		fprintf(f,
			"%s{\"sid\":%u,\"stage\":%u,\"asid\":%u,\"vmid\":%u,"
			"\"misbehaving\":%s,\"dma\":%" PRIu64
			",\"reads\":%" PRIu64 ",\"writes\":%" PRIu64
			",\"faults\":%" PRIu64 ",\"stale\":%" PRIu64 "}",
			i ? "," : "", dev->sid, dev->type == DEV_S2 ? 2 : 1,
			vsmmu_drv_domain_asid(dev->dom),
			vsmmu_drv_domain_vmid(dev->dom),
			dev->rogue ? "true" : "false", c->dma, c->reads,
			c->writes, c->faults, c->stale);
	}
	fprintf(f, "],");
	if (d->cmdqv)
		print_queues_json(d, f);
	fprintf(f, "\"unexpected\":%" PRIu64 ",\"ok\":%s}\n",
		atomic_load(&d->unexpected),
		!t->nchecks && !atomic_load(&d->unexpected) ? "true" : "false");
}

/* --- Options --------------------------------------------------------------- */

static int parse_uint(const char *s, unsigned long long max,
		      unsigned long long *out)
{
	uint64_t v;

	if (!*s || *s == '-')
		return -EINVAL;
	/* the tool's one number syntax: decimal, or hex with 0x */
	if (vsmmu_parse_u64(s, strlen(s), max, &v))
		return -EINVAL;
	*out = v;
	return 0;
}

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", PROG);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n(see '%s --help')\n", PROG);
	return 2;
}

enum {
	OPT_DEVICES = 256,
	OPT_THREADS,
	OPT_DURATION,
	OPT_MS,
	OPT_SEED,
	OPT_EXEC,
	OPT_BROKEN,
	OPT_CMDQV,
	OPT_SMMU,
	OPT_JSON,
	OPT_QUIET
};

/* Does @a look like a --cmdqv property list rather than an argument? */
static bool cmdqv_props(const char *a)
{
	return a && (strchr(a, '=') || !strcmp(a, "on") || !strcmp(a, "off"));
}

static int parse_opts(struct demo *d, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "devices", required_argument, NULL, OPT_DEVICES },
		{ "threads", required_argument, NULL, OPT_THREADS },
		{ "duration", required_argument, NULL, OPT_DURATION },
		{ "ms", required_argument, NULL, OPT_MS },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "exec", required_argument, NULL, OPT_EXEC },
		{ "broken", no_argument, NULL, OPT_BROKEN },
		{ "cmdqv", optional_argument, NULL, OPT_CMDQV },
		{ "smmu", required_argument, NULL, OPT_SMMU },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "quiet", no_argument, NULL, OPT_QUIET },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long long v;
	const char *props;
	char *end, err[256];
	double sec;
	int c;

	vsmmu_smmu_config_default(&d->sc);
	d->ndev = 4;
	d->nthreads = 2;
	d->duration_ns = 2000000000ULL;
	d->seed = 1;
	d->exec = VSMMU_EXEC_THREAD;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_DEVICES:
			if (parse_uint(optarg, MAX_DEVICES, &v) || !v)
				return usage_error("bad --devices '%s' "
						   "(1..64)",
						   optarg);
			d->ndev = (unsigned int)v;
			break;
		case OPT_THREADS:
			if (parse_uint(optarg, MAX_THREADS, &v) || !v)
				return usage_error("bad --threads '%s' "
						   "(1..16)",
						   optarg);
			d->nthreads = (unsigned int)v;
			break;
		case OPT_DURATION:
			errno = 0;
			sec = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(sec > 0) ||
			    sec > 3600)
				return usage_error("bad --duration '%s' "
						   "(seconds, > 0, <= 3600)",
						   optarg);
			d->duration_ns = (uint64_t)(sec * 1e9);
			if (!d->duration_ns)
				d->duration_ns = 1;
			break;
		case OPT_MS:
			if (parse_uint(optarg, 3600000, &v) || !v)
				return usage_error("bad --ms '%s' "
						   "(1..3600000)",
						   optarg);
			d->duration_ns = v * 1000000ULL;
			break;
		case OPT_SEED:
			if (parse_uint(optarg, UINT64_MAX, &v))
				return usage_error("bad --seed '%s'", optarg);
			d->seed = v;
			break;
		case OPT_EXEC:
			if (!strcmp(optarg, "sync"))
				d->exec = VSMMU_EXEC_SYNC;
			else if (!strcmp(optarg, "thread"))
				d->exec = VSMMU_EXEC_THREAD;
			else
				return usage_error("bad --exec '%s' "
						   "(sync or thread)",
						   optarg);
			break;
		case OPT_BROKEN:
			d->broken = true;
			break;
		case OPT_CMDQV:
			props = optarg;
			if (!props && optind < argc &&
			    cmdqv_props(argv[optind]))
				props = argv[optind++];
			if (vsmmu_cmdqv_opts_parse(props, &d->sc, err,
						   sizeof(err)))
				return usage_error("--cmdqv: %s", err);
			break;
		case OPT_SMMU:
			if (vsmmu_smmu_opts_parse(optarg, &d->sc, err,
						  sizeof(err)))
				return usage_error("--smmu: %s", err);
			break;
		case OPT_JSON:
			d->json = true;
			break;
		case OPT_QUIET:
			d->quiet = true;
			break;
		case 'h':
			fputs(demo_usage, stdout);
			return 0;
		default:
			return usage_error("bad option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	return -1; /* go on */
}

int cmd_demo(int argc, char **argv)
{
	struct sigaction sa, old_sa;
	struct demo *d;
	struct totals *t;
	int rc, status = 0;

	d = calloc(1, sizeof(*d));
	t = calloc(1, sizeof(*t));
	if (!d || !t) {
		fprintf(stderr, "%s: out of memory\n", PROG);
		free(d);
		free(t);
		return 1;
	}
	rc = parse_opts(d, argc, argv);
	if (rc >= 0) {
		free(d);
		free(t);
		return rc;
	}
	pthread_mutex_init(&d->log_lock, NULL);
	d->log = d->quiet ? NULL : d->json ? stderr : stdout;
	interrupted = 0;
	sa.sa_handler = on_sigint;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: the sleep returns at once */
	sigaction(SIGINT, &sa, &old_sa);

	rc = setup(d);
	if (rc) {
		fprintf(stderr, "%s: set-up failed: %s\n", PROG,
			vsmmu_strerror(rc));
		status = 1;
		goto out;
	}
	rc = run(d);
	if (rc) {
		fprintf(stderr, "%s: %s\n", PROG, vsmmu_strerror(rc));
		status = 1;
	}
	gather(d, t);
	/* The verdict, before the summary so that its "ok" agrees */
	/* --cmdqv provokes one command error on purpose */
	if (t->st.cmd_errors != (d->cmdqv ? 1 : 0) || t->ds.timeouts)
		demo_unexpected(d,
				"%" PRIu64 " command errors, %" PRIu64
				" timeouts",
				t->st.cmd_errors, t->ds.timeouts);
	if (!t->dev[d->ndev].faults)
		demo_unexpected(d, "the misbehaving device never faulted");
	if (d->json)
		print_json(d, t, stdout);
	else
		print_human(d, t, stdout);
	fflush(stdout); /* before the verdict on stderr */
	if (atomic_load(&d->unexpected))
		status = 1;
	if (t->nchecks) {
		status = 1;
		fprintf(stderr,
			"%s: the invalidation checker reported %" PRIu64
			" finding(s)%s\n",
			PROG, t->nchecks,
			d->broken ? " (expected: --broken)" : "");
	} else if (d->broken) {
		status = 1;
		fprintf(stderr,
			"%s: --broken, yet the checker saw no stale "
			"translation (run longer?)\n",
			PROG);
	}
	if (!d->json && !d->quiet)
		printf("\n%s\n",
		       !status ? "ok: no checker finding, no unexpected fault" :
		       d->broken && t->nchecks && !atomic_load(&d->unexpected) ?
				 "FAILED, as --broken intends: the checker "
				 "caught the stale translations" :
				 "FAILED");
out:
	teardown(d);
	sigaction(SIGINT, &old_sa, NULL);
	if (interrupted) {
		/* as a shell reports a SIGINT death: 128 + 2 */
		fprintf(stderr,
			"%s: interrupted after %.3f s; the summary is "
			"of the run so far\n",
			PROG, (double)d->ran_ns / 1e9);
		status = 130;
	}
	pthread_mutex_destroy(&d->log_lock);
	free(t);
	free(d);
	return status;
}
