// SPDX-License-Identifier: MIT
/*
 * vsmmu vm: N virtual machines of M assigned devices each on one host SMMU
 * with a CMDQV, built on the iommufd layer by the VMM layer, each with a
 * virtual SMMU and vsmmu's own driver running as its guest.  Devices DMA
 * and raise MSIs while the guests' drivers map and unmap their buffers
 * (strict); K of the VMs may run a hostile guest instead.  The summary, per
 * VM: DMAs, faults delivered to the guest, MSIs sent and delivered to the
 * host doorbell (DeviceID and EventID checked), invalidation commands and
 * where they went (the VCMDQ, or the trapped main queue), exits, guest
 * unmap latency p50 / p99, and the isolation findings, which must all be
 * 0 (the exit status says so).  docs/vm.md is the manual.
 *
 * Buffer ownership (as in `vsmmu demo`): a device DMAs into a slot only
 * while it is lent; the guest revokes it, waits for the DMAs in flight,
 * unmaps it strictly, checks that the IOVA now faults, maps it again (to
 * the other of two guest pages) and lends it again.  So any DMA that does
 * not land exactly where the guest's own tables say is a finding.
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
#include <vsmmu/host.h>
#include <vsmmu/iommufd.h>
#include <vsmmu/vmm.h>
#include <vsmmu/vsmmu.h>

#include "builtin.h"

#define PROG "vsmmu vm"
#define MAX_VMS 16
#define MAX_DEVS 16
#define NSLOTS 4
#define PG 4096ULL
#define RAM_SIZE (64ULL << 20)
#define SLOT_IOVA(k) (0x1000000ULL + 0x10000ULL * (k))
#define HOLE_IOVA 0x70000000ULL /* never mapped: the deliberate fault */
#define CANARY_GPA (VSMMU_VM_RAM_BASE + 0x800000) /* 256 KiB of secret */
#define CANARY_LEN (256ULL << 10)
#define SECRET 0x5ec2e75ec2e70000ULL
#define MARKER 0x2145c494954534f4ULL /* what hostile DMA writes */
#define HOST_POOL 0x10000000ULL
#define REVOKED (1U << 31)
#define MAX_LAT 200000

static const char vm_usage[] =
	"usage: vsmmu vm [options]\n"
	"       vsmmu vm --sva [options]       ('vsmmu vm --sva --help')\n"
	"       vsmmu vm dump OUT.elf\n"
	"       vsmmu vm replay --mem FILE... --dev VSID=SID... [--ram "
	"GPA:SIZE[@HPA]]\n"
	"                       [--reg NAME=VALUE]... [QUERY...]\n"
	"\n"
	"N VMs of M devices each on one host SMMU with a CMDQV.  Each VM has a\n"
	"virtual SMMU (its registers trapped, its tables and queues in guest\n"
	"RAM) and runs vsmmu's driver as its guest; devices DMA and raise MSIs\n"
	"while the guest drivers map and unmap (strict).  Hostile guests do\n"
	"anything a guest can, aimed at the other VMs and the host.  Ends with\n"
	"a summary per VM and the isolation findings; the exit status is 0\n"
	"only when there are none.\n"
	"\n"
	"options:\n"
	"  --vms N             VMs (1..16, default 2)\n"
	"  --devices M         devices per VM (1..16, default 2)\n"
	"  --duration S        seconds of traffic (default 2)\n"
	"  --seed N            the hostile guests' seed (default: time)\n"
	"  --cmdqv MODE        passthrough (default), trapped or off: how the\n"
	"                      guests get their VCMDQs\n"
	"  --trap vcpu|thread  where trapped accesses are emulated (default\n"
	"                      vcpu)\n"
	"  --hostile K         the last K VMs run a hostile guest\n"
	"  --json              the summary as one JSON object on stdout\n"
	"  -h, --help          this text\n"
	"\n"
	"dump writes a guest-built configuration (the guest driver's tables\n"
	"in its RAM) as an ELF core and prints the flags that replay it;\n"
	"replay loads a guest's memory and virtual SMMU registers as a VM and\n"
	"answers queries through the whole stack ('vsmmu vm replay --help').\n"
	"\n"
	"Exit status:\n"
	"  0 every isolation finding is 0; 1 a finding, or a guest or the\n"
	"  host failed; 2 a bad option.\n";

struct slot {
	_Atomic uint32_t state; /* REVOKED | DMAs in flight */
	uint64_t gpa; /* where it maps now (changed only while revoked) */
	unsigned int flip;
};

struct vmf { /* isolation findings of one VM */
	_Atomic uint64_t wrong_data; /* a DMA landed elsewhere */
	_Atomic uint64_t bad_fault; /* a lent slot faulted */
	_Atomic uint64_t stale; /* an unmapped IOVA still translated */
	_Atomic uint64_t hole; /* an IOVA never mapped translated */
	_Atomic uint64_t msi_wrong; /* DeviceID/EventID not as programmed */
	_Atomic uint64_t leaked; /* a hostile read returned this secret */
	uint64_t canary; /* its secret changed */
};

struct vmstate {
	struct vmrun *r;
	unsigned int index;
	bool hostile;
	struct vsmmu_vm *vm;
	struct vsmmu_vm_guest *g;
	struct vsmmu_drv_domain *dom[MAX_DEVS];
	struct slot slot[MAX_DEVS][NSLOTS];
	unsigned char *ram;
	uint64_t rng;
	pthread_t dev_thread;
	struct vsmmu_vcpu *vcpu;
	/* Counters */
	_Atomic uint64_t dmas, faults_made, guest_events, msis_sent, msis_in;
	uint64_t unmaps, nlat;
	uint64_t *lat;
	struct vsmmu_vm_hostile_stats hst;
	struct vmf f;
	int err; /* a setup or guest error: not a finding, a failure */
};

struct vmrun {
	unsigned int nvms, ndevs, hostile;
	double duration;
	uint64_t seed;
	enum vsmmu_vm_cmdqv cmdqv;
	enum vsmmu_vm_trap trap;
	bool json;
	struct vsmmu_host *host;
	struct vsmmu_iommufd_ctx *ictx;
	struct vmstate vms[MAX_VMS];
	_Atomic bool stop;
	pthread_t irq_thread;
	_Atomic uint64_t host_events, doorbell_lost, msi_unknown;
	uint64_t marker_found;
	uint64_t msi_missing; /* sent, neither delivered nor dropped */
	uint64_t aim_addrs[2 * MAX_VMS + 3];
	unsigned int naim_addrs;
	uint32_t aim_sids[MAX_VMS * MAX_DEVS * 2];
	unsigned int naim_sids;
	uint16_t aim_vmids[MAX_VMS + 2];
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

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static uint32_t psid(unsigned int vm, unsigned int dev)
{
	return 0x100 * (vm + 1) + 0x40 + dev;
}

static uint32_t eventid(unsigned int vm, unsigned int dev)
{
	return (vm << 8) | dev | 0x10000;
}

/* --- The host --------------------------------------------------------- */

static void host_event(void *arg, const struct vsmmu_drv_event *evt)
{
	struct vmrun *r = arg;

	/* Events of nested devices go to their VMs; the rest (stage-2
	 * faults a guest caused with its own tables) are the host's */
	if (r->ictx && vsmmu_iommufd_host_event(r->ictx, 0, evt))
		return;
	atomic_fetch_add(&r->host_events, 1);
}

static void quiet(void *arg, const char *msg)
{
}

static unsigned int log2_ceil(unsigned int n)
{
	unsigned int l = 0;

	while ((1U << l) < n)
		l++;
	return l;
}

static int host_up(struct vmrun *r)
{
	struct vsmmu_host_config hc;
	struct vsmmu_iommufd_config ic = { 0 };
	struct vsmmu_iommufd_host h;
	unsigned int vl = log2_ceil(r->nvms + 1);
	int rc;

	vsmmu_host_config_default(&hc);
	hc.smmu.exec = VSMMU_EXEC_SYNC;
	hc.smmu.cmdqv.present = true;
	hc.smmu.cmdqv.num_vintf_log2 = vl;
	hc.smmu.cmdqv.num_vcmdq_log2 = vl + 1; /* two per VINTF */
	hc.smmu.cmdqv.num_sid_per_vm_log2 = 4;
	hc.drv.cmdqv_nqueues = 2;
	hc.drv.event_fn = host_event;
	hc.drv.event_arg = r;
	hc.drv.log_fn = quiet;
	hc.pool_base = HOST_POOL;
	hc.pool_size = 64ULL << 20;
	rc = vsmmu_host_create(&hc, NULL, &r->host);
	if (rc)
		return rc;
	h.smmu = vsmmu_host_smmu(r->host);
	h.drv = vsmmu_host_drv(r->host);
	ic.hosts = &h;
	ic.nhosts = 1;
	return vsmmu_iommufd_ctx_create(&ic, &r->ictx);
}

/* The host's threaded interrupt, and the doorbell's consumer */
static unsigned int take_msis(struct vmrun *r)
{
	struct vsmmu_iommufd_irq irq[64];
	uint64_t lost = 0;
	unsigned int n, i, v, d, total = 0;

	/* Each take reports (and clears) what the doorbell dropped */
	while ((n = vsmmu_iommufd_doorbell_take(r->ictx, irq, 64, &lost))) {
		atomic_fetch_add(&r->doorbell_lost, lost);
		total += n;
		for (i = 0; i < n; i++) {
			bool found = false;

			for (v = 0; v < r->nvms && !found; v++)
				for (d = 0; d < r->ndevs && !found; d++) {
					if (irq[i].devid != psid(v, d))
						continue;
					found = true;
					atomic_fetch_add(&r->vms[v].msis_in, 1);
					if (!r->vms[v].hostile &&
					    irq[i].eventid != eventid(v, d))
						atomic_fetch_add(
							&r->vms[v].f.msi_wrong,
							1);
				}
			if (!found)
				atomic_fetch_add(&r->msi_unknown, 1);
		}
	}
	atomic_fetch_add(&r->doorbell_lost, lost);
	return total;
}

static void *irq_thread(void *arg)
{
	struct vmrun *r = arg;
	struct timespec ts = { 0, 100000 };

	while (!atomic_load(&r->stop)) {
		vsmmu_drv_process(vsmmu_host_drv(r->host));
		if (!take_msis(r)) /* busy: look again at once */
			nanosleep(&ts, NULL);
	}
	vsmmu_drv_process(vsmmu_host_drv(r->host));
	take_msis(r);
	return NULL;
}

/* --- A well-behaved guest --------------------------------------------- */

static void guest_event(void *arg, const struct vsmmu_drv_event *e)
{
	struct vmstate *s = arg;

	atomic_fetch_add(&s->guest_events, 1);
}

static uint64_t slot_gpa(unsigned int dev, unsigned int k, unsigned int flip)
{
	return VSMMU_VM_RAM_BASE + 0x100000 +
	       PG * (2 * (dev * NSLOTS + k) + flip);
}

static int dma(struct vmstate *s, unsigned int dev, uint64_t iova, void *buf,
	       size_t len, bool write)
{
	struct vsmmu_iommufd_dma op = {
		.iova = iova,
		.buf = buf,
		.len = len,
		.flags = write ? VSMMU_IOMMUFD_DMA_WRITE : 0
	};

	return vsmmu_vm_dev_dma(s->vm, dev, &op);
}

/* The VM's devices: DMA into lent slots, MSIs, now and then a fault */
static void *device_thread(void *arg)
{
	struct vmstate *s = arg;
	struct vmrun *r = s->r;
	uint64_t seq = 0, rng = 0x9e3779b97f4a7c15ULL ^ s->index;

	while (!atomic_load(&r->stop)) {
		unsigned int dev = xorshift(&rng) % r->ndevs;
		unsigned int k = xorshift(&rng) % NSLOTS;
		struct slot *sl = &s->slot[dev][k];
		uint64_t off = 8 * (xorshift(&rng) % (PG / 8)), v, back = 0;
		uint32_t st = atomic_fetch_add(&sl->state, 1);

		if (!(st & REVOKED)) {
			v = ((uint64_t)s->index << 56) | ((uint64_t)dev << 48) |
			    ++seq;
			if (dma(s, dev, SLOT_IOVA(k) + off, &v, 8, true) ||
			    dma(s, dev, SLOT_IOVA(k) + off, &back, 8, false))
				atomic_fetch_add(&s->f.bad_fault, 1);
			else if (back != v ||
				 memcmp(s->ram + (sl->gpa - VSMMU_VM_RAM_BASE) +
						off,
					&v, 8))
				atomic_fetch_add(&s->f.wrong_data, 1);
			atomic_fetch_add(&s->dmas, 1);
		}
		atomic_fetch_sub(&sl->state, 1);
		if (seq % 128 == 0 && !vsmmu_vm_dev_msi(s->vm, dev))
			atomic_fetch_add(&s->msis_sent, 1);
		if (seq % 64 == 0) {
			/* Never mapped: faults, and the guest hears of it */
			if (dma(s, dev, HOLE_IOVA, &v, 8, false) != -EFAULT)
				atomic_fetch_add(&s->f.hole, 1);
			else
				atomic_fetch_add(&s->faults_made, 1);
		}
	}
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The guest's vCPU: revoke, unmap (strict, timed), check, remap, lend */
static void *guest_vcpu(struct vsmmu_vcpu *vcpu, void *arg)
{
	struct vmstate *s = arg;
	struct vmrun *r = s->r;
	uint64_t rng = 0x51ed270b ^ s->index, v, t0;
	unsigned int n = 0;

	while (!atomic_load(&r->stop)) {
		unsigned int dev = xorshift(&rng) % r->ndevs;
		unsigned int k = xorshift(&rng) % NSLOTS;
		struct slot *sl = &s->slot[dev][k];

		atomic_fetch_or(&sl->state, REVOKED);
		while (atomic_load(&sl->state) & ~REVOKED)
			sched_yield();
		t0 = now_ns();
		if (vsmmu_drv_unmap(s->dom[dev], SLOT_IOVA(k), PG, 0, NULL,
				    NULL) != (int64_t)PG) {
			s->err = -EIO;
			break;
		}
		if (s->nlat < MAX_LAT)
			s->lat[s->nlat++] = now_ns() - t0;
		s->unmaps++;
		/* Strict: the IOVA faults at once */
		if (dma(s, dev, SLOT_IOVA(k), &v, 8, false) != -EFAULT)
			atomic_fetch_add(&s->f.stale, 1);
		else
			atomic_fetch_add(&s->faults_made, 1);
		sl->flip ^= 1;
		sl->gpa = slot_gpa(dev, k, sl->flip);
		if (vsmmu_drv_map(s->dom[dev], SLOT_IOVA(k), sl->gpa, PG,
				  VSMMU_PROT_READ | VSMMU_PROT_WRITE)) {
			s->err = -EIO;
			break;
		}
		atomic_fetch_and(&sl->state, ~REVOKED); /* lend it again */
		if (++n % 32 == 0)
			vsmmu_drv_process(vsmmu_vm_guest_drv(s->g));
	}
	vsmmu_drv_process(vsmmu_vm_guest_drv(s->g));
	return NULL;
}

/* --- A hostile guest ----------------------------------------------------- */

static uint64_t hostile_next(void *arg)
{
	return xorshift(&((struct vmstate *)arg)->rng);
}

static void hostile_read(void *arg, const void *buf, size_t len)
{
	struct vmstate *s = arg;
	struct vmrun *r = s->r;
	const unsigned char *p = buf;
	unsigned int v;
	size_t i;
	uint64_t w;

	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&w, p + i, 8);
		for (v = 0; v < r->nvms; v++)
			if (v != s->index && w == (SECRET | v))
				atomic_fetch_add(&r->vms[v].f.leaked, 1);
	}
}

static void *hostile_vcpu(struct vsmmu_vcpu *vcpu, void *arg)
{
	struct vmstate *s = arg;
	struct vmrun *r = s->r;
	struct vsmmu_vm_hostile h = {
		.next = hostile_next,
		.arg = s,
		.aim_addrs = r->aim_addrs,
		.naim_addrs = r->naim_addrs,
		.aim_sids = r->aim_sids,
		.naim_sids = r->naim_sids,
		.aim_vmids = r->aim_vmids,
		.naim_vmids = r->nvms + 2,
		.marker = MARKER,
		.read_fn = hostile_read,
	};

	while (!atomic_load(&r->stop))
		if (vsmmu_vm_hostile_step(s->vm, &h, &s->hst))
			break;
	return NULL;
}

/* --- Setup ------------------------------------------------------------- */

static int vm_up(struct vmrun *r, struct vmstate *s)
{
	struct vsmmu_vm_dev_cfg d[MAX_DEVS];
	struct vsmmu_vm_config c = { 0 };
	struct vsmmu_vm_guest_config gc = { 0 };
	unsigned int i, k;
	int rc;

	memset(d, 0, sizeof(d));
	for (i = 0; i < r->ndevs; i++) {
		d[i].sid = psid(s->index, i);
		d[i].vsid = 0x10 + i;
	}
	c.ictx = r->ictx;
	c.ram_size = RAM_SIZE;
	c.devs = d;
	c.ndevs = r->ndevs;
	c.cmdqv = r->cmdqv;
	c.trap = r->trap;
	c.io_thread = true;
	rc = vsmmu_vm_create(&c, &s->vm);
	if (rc)
		return rc;
	s->ram = vsmmu_vm_ram(s->vm, NULL, NULL);
	for (i = 0; i < CANARY_LEN / 8; i++)
		memcpy(s->ram + (CANARY_GPA - VSMMU_VM_RAM_BASE) + 8 * i,
		       &(uint64_t){ SECRET | s->index }, 8);
	gc.cmdqv_nqueues = 1;
	gc.event_fn = guest_event;
	gc.event_arg = s;
	/* A hostile guest breaks its own SMMU; its driver's waits at
	 * teardown may run out: let them run out quickly */
	gc.timeout_ns = s->hostile ? 1000000 : 0;
	rc = vsmmu_vm_guest_create(s->vm, &gc, &s->g);
	for (i = 0; !rc && i < r->ndevs; i++) {
		rc = vsmmu_vm_guest_attach(s->g, i, eventid(s->index, i),
					   &s->dom[i]);
		for (k = 0; !rc && k < NSLOTS; k++) {
			s->slot[i][k].gpa = slot_gpa(i, k, 0);
			rc = vsmmu_drv_map(s->dom[i], SLOT_IOVA(k),
					   s->slot[i][k].gpa, PG,
					   VSMMU_PROT_READ | VSMMU_PROT_WRITE);
		}
	}
	return rc;
}

/* Where the host keeps a VM's slot 0 page: its RAM as the host sees it */
static uint64_t host_pa_of(struct vmrun *r, unsigned int vm)
{
	struct vsmmu_txn t = { .sid = psid(vm, 0),
			       .addr = SLOT_IOVA(0),
			       .flags = VSMMU_TXN_READ };
	struct vsmmu_txn_result res;

	if (vsmmu_translate(vsmmu_host_smmu(r->host), &t, &res) ||
	    res.outcome != VSMMU_TXN_OK)
		return 0;
	return res.oa & ~(PG - 1);
}

static void aim(struct vmrun *r)
{
	unsigned int v, d;
	uint64_t pa;

	for (v = 0; v < r->nvms; v++) {
		if (r->vms[v].hostile)
			continue;
		pa = host_pa_of(r, v);
		if (pa) {
			r->aim_addrs[r->naim_addrs++] = pa;
			/* its secret, relative to slot 0's page */
			r->aim_addrs[r->naim_addrs++] =
				pa - slot_gpa(0, 0, 0) + CANARY_GPA;
		}
		for (d = 0; d < r->ndevs; d++)
			r->aim_sids[r->naim_sids++] = psid(v, d);
	}
	r->aim_addrs[r->naim_addrs++] = HOST_POOL;
	r->aim_addrs[r->naim_addrs++] = 0x08020000ULL; /* host doorbell */
	r->aim_addrs[r->naim_addrs++] = 0;
	for (v = 0; v < r->nvms + 2; v++)
		r->aim_vmids[v] = (uint16_t)v;
}

/* --- Findings at the end -------------------------------------------------- */

struct scan {
	struct vmrun *r;
	struct vsmmu_mem *mem;
};

static bool hostile_ram(struct vmrun *r, const unsigned char *p)
{
	unsigned int v;

	for (v = 0; v < r->nvms; v++)
		if (r->vms[v].hostile && p >= r->vms[v].ram &&
		    p < r->vms[v].ram + RAM_SIZE)
			return true;
	return false;
}

static int scan_range(void *arg, uint64_t pa, uint64_t size)
{
	struct scan *sc = arg;
	uint64_t a, w;
	unsigned int i;

	for (a = pa; a < pa + size; a += PG) {
		const unsigned char *p = vsmmu_mem_page(sc->mem, a);

		if (!p || hostile_ram(sc->r, p))
			continue;
		for (i = 0; i < PG / 8; i++) {
			memcpy(&w, p + 8 * i, 8);
			if (w == MARKER)
				sc->r->marker_found++;
		}
	}
	return 0;
}

static void final_checks(struct vmrun *r)
{
	struct scan sc = { r, vsmmu_host_mem(r->host) };
	unsigned int v;
	uint64_t i, w;

	for (v = 0; v < r->nvms; v++) {
		struct vmstate *s = &r->vms[v];

		if (s->hostile)
			continue;
		for (i = 0; i < CANARY_LEN / 8; i++) {
			memcpy(&w,
			       s->ram + (CANARY_GPA - VSMMU_VM_RAM_BASE) +
				       8 * i,
			       8);
			if (w != (SECRET | v))
				s->f.canary++;
		}
	}
	vsmmu_mem_for_each_range(sc.mem, scan_range, &sc);
}

static uint64_t vm_findings(const struct vmstate *s)
{
	return atomic_load(&s->f.wrong_data) + atomic_load(&s->f.bad_fault) +
	       atomic_load(&s->f.stale) + atomic_load(&s->f.hole) +
	       atomic_load(&s->f.msi_wrong) + atomic_load(&s->f.leaked) +
	       s->f.canary;
}

/* --- Summary ---------------------------------------------------------------- */

struct vmsum {
	uint64_t p50, p99;
	struct vsmmu_drv_queue_stats mainq, vq;
	struct vsmmu_vm_trap_stats trap;
	struct vsmmu_vm_smmu_stats vs;
};

static void summarize(struct vmstate *s, struct vmsum *m)
{
	struct vsmmu_drv *gd = vsmmu_vm_guest_drv(s->g);

	memset(m, 0, sizeof(*m));
	if (s->nlat) {
		qsort(s->lat, s->nlat, sizeof(*s->lat), cmp_u64);
		m->p50 = s->lat[s->nlat / 2];
		m->p99 = s->lat[s->nlat * 99 / 100];
	}
	vsmmu_drv_queue_get_stats(gd, -1, &m->mainq);
	vsmmu_drv_queue_get_stats(gd, 0, &m->vq); /* -ENODEV: zeros */
	vsmmu_vm_get_trap_stats(s->vm, &m->trap);
	vsmmu_vm_smmu_get_stats(s->vm, 0, &m->vs);
}

static const char *cmdqv_name(enum vsmmu_vm_cmdqv m)
{
	return m == VSMMU_VM_CMDQV_OFF	   ? "off" :
	       m == VSMMU_VM_CMDQV_TRAPPED ? "trapped" :
					     "passthrough";
}

static void print_text(struct vmrun *r, uint64_t total,
		       const struct vsmmu_drv_stats *hs)
{
	unsigned int v;

	printf("vsmmu vm: %u VMs x %u devices, %.1f s, CMDQV %s, traps on "
	       "the %s, %u hostile (seed %" PRIu64 ")\n",
	       r->nvms, r->ndevs, r->duration, cmdqv_name(r->cmdqv),
	       r->trap == VSMMU_VM_TRAP_THREAD ? "VMM thread" : "vCPU",
	       r->hostile, r->seed);
	for (v = 0; v < r->nvms; v++) {
		struct vmstate *s = &r->vms[v];
		struct vmsum m;

		summarize(s, &m);
		printf("\nVM %u%s\n", v, s->hostile ? " (hostile)" : "");
		if (s->hostile)
			printf("  hostile ops %" PRIu64 ": %" PRIu64
			       " register writes, %" PRIu64
			       " commands, %" PRIu64 " STEs, %" PRIu64
			       " CDs, %" PRIu64 " PTEs, %" PRIu64
			       " CMDQV, %" PRIu64 " DMAs\n",
			       s->hst.ops, s->hst.reg_writes, s->hst.cmds,
			       s->hst.stes, s->hst.cds, s->hst.ptes,
			       s->hst.vcmdq_ops, s->hst.dmas);
		else
			printf("  DMAs %" PRIu64 ", faults made %" PRIu64
			       " / delivered to the guest %" PRIu64 "\n",
			       atomic_load(&s->dmas),
			       atomic_load(&s->faults_made),
			       atomic_load(&s->guest_events));
		printf("  MSIs sent %" PRIu64 ", at the host doorbell %" PRIu64
		       "\n",
		       atomic_load(&s->msis_sent), atomic_load(&s->msis_in));
		printf("  unmaps %" PRIu64 ": p50 %" PRIu64 " ns, p99 %" PRIu64
		       " ns\n",
		       s->unmaps, m.p50, m.p99);
		printf("  invalidation commands: %" PRIu64
		       " on the VCMDQ (no exit), %" PRIu64
		       " on the trapped queue -> %" PRIu64
		       " HWPT_INVALIDATE calls\n",
		       m.vq.cmds, m.mainq.cmds, m.vs.inv_calls);
		printf("  exits %" PRIu64 " (SMMU %" PRIu64 ", CMDQV %" PRIu64
		       ", VCMDQ page %" PRIu64
		       "), direct VCMDQ accesses %" PRIu64 "\n",
		       m.trap.exits, m.trap.smmu_exits, m.trap.cmdqv_exits,
		       m.trap.vcmdq_exits, m.trap.direct);
		printf("  guest command errors: CERROR_ILL %" PRIu64
		       ", CERROR_ABT %" PRIu64 ", VCMDQ errors %" PRIu64 "\n",
		       m.vs.cerror_ill, m.vs.cerror_abt, m.vs.vcmdq_errors);
		printf("  isolation findings %" PRIu64 "%s\n", vm_findings(s),
		       vm_findings(s) ?
			       " (wrong data, faults on lent slots, stale or "
			       "never-mapped translations, MSIs, leaks, canary)" :
			       "");
	}
	printf("\nhost: command errors %" PRIu64 ", timeouts %" PRIu64
	       ", its own events %" PRIu64 ", hostile DMA outside its stage "
	       "2: %" PRIu64
	       ", MSIs the doorbell dropped (it keeps 256) %" PRIu64
	       ", MSIs from no VM's device %" PRIu64 ", MSIs lost %" PRIu64
	       "\n",
	       hs->cerror_ill + hs->cerror_abt + hs->cerror_atc_inv,
	       hs->timeouts, atomic_load(&r->host_events), r->marker_found,
	       atomic_load(&r->doorbell_lost), atomic_load(&r->msi_unknown),
	       r->msi_missing);
	printf("isolation findings: %" PRIu64 "\n", total);
}

static void print_json(struct vmrun *r, uint64_t total,
		       const struct vsmmu_drv_stats *hs)
{
	unsigned int v;

	printf("{\"vms\":%u,\"devices\":%u,\"duration\":%.3f,\"cmdqv\":\"%s\","
	       "\"trap\":\"%s\",\"hostile\":%u,\"seed\":%" PRIu64
	       ",\"per_vm\":[",
	       r->nvms, r->ndevs, r->duration, cmdqv_name(r->cmdqv),
	       r->trap == VSMMU_VM_TRAP_THREAD ? "thread" : "vcpu", r->hostile,
	       r->seed);
	for (v = 0; v < r->nvms; v++) {
		struct vmstate *s = &r->vms[v];
		struct vmsum m;

		summarize(s, &m);
		printf("%s{\"vm\":%u,\"hostile\":%s,\"dmas\":%" PRIu64
		       ",\"faults\":%" PRIu64 ",\"faults_delivered\":%" PRIu64
		       ",\"msis_sent\":%" PRIu64 ",\"msis_delivered\":%" PRIu64
		       ",\"unmaps\":%" PRIu64 ",\"unmap_p50_ns\":%" PRIu64
		       ",\"unmap_p99_ns\":%" PRIu64 ",\"inv_vcmdq\":%" PRIu64
		       ",\"inv_trapped\":%" PRIu64
		       ",\"hwpt_invalidate\":%" PRIu64 ",\"exits\":%" PRIu64
		       ",\"direct\":%" PRIu64 ",\"cerror_ill\":%" PRIu64
		       ",\"cerror_abt\":%" PRIu64 ",\"vcmdq_errors\":%" PRIu64
		       ",\"hostile_ops\":%" PRIu64
		       ",\"findings\":{\"wrong_data\":%" PRIu64
		       ",\"fault_on_lent\":%" PRIu64 ",\"stale\":%" PRIu64
		       ",\"never_mapped\":%" PRIu64 ",\"msi_wrong\":%" PRIu64
		       ",\"leaked\":%" PRIu64 ",\"canary\":%" PRIu64 "}}",
		       v ? "," : "", v, s->hostile ? "true" : "false",
		       atomic_load(&s->dmas), atomic_load(&s->faults_made),
		       atomic_load(&s->guest_events),
		       atomic_load(&s->msis_sent), atomic_load(&s->msis_in),
		       s->unmaps, m.p50, m.p99, m.vq.cmds, m.mainq.cmds,
		       m.vs.inv_calls, m.trap.exits, m.trap.direct,
		       m.vs.cerror_ill, m.vs.cerror_abt, m.vs.vcmdq_errors,
		       s->hst.ops, atomic_load(&s->f.wrong_data),
		       atomic_load(&s->f.bad_fault), atomic_load(&s->f.stale),
		       atomic_load(&s->f.hole), atomic_load(&s->f.msi_wrong),
		       atomic_load(&s->f.leaked), s->f.canary);
	}
	printf("],\"host\":{\"command_errors\":%" PRIu64
	       ",\"timeouts\":%" PRIu64 ",\"events\":%" PRIu64
	       ",\"dma_outside_stage2\":%" PRIu64
	       ",\"doorbell_dropped\":%" PRIu64 ",\"msi_unknown\":%" PRIu64
	       ",\"msi_lost\":%" PRIu64 "},\"findings\":%" PRIu64 "}\n",
	       hs->cerror_ill + hs->cerror_abt + hs->cerror_atc_inv,
	       hs->timeouts, atomic_load(&r->host_events), r->marker_found,
	       atomic_load(&r->doorbell_lost), atomic_load(&r->msi_unknown),
	       r->msi_missing, total);
}

/* --- Options and the run ------------------------------------------------------ */

enum {
	OPT_VMS = 256,
	OPT_DEVS,
	OPT_DUR,
	OPT_SEED,
	OPT_CMDQV,
	OPT_TRAP,
	OPT_HOSTILE,
	OPT_JSON
};

static int bad(const char *msg, const char *arg)
{
	fprintf(stderr, PROG ": %s '%s'\n", msg, arg);
	return 2;
}

static int parse(struct vmrun *r, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "vms", required_argument, NULL, OPT_VMS },
		{ "devices", required_argument, NULL, OPT_DEVS },
		{ "duration", required_argument, NULL, OPT_DUR },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "cmdqv", required_argument, NULL, OPT_CMDQV },
		{ "trap", required_argument, NULL, OPT_TRAP },
		{ "hostile", required_argument, NULL, OPT_HOSTILE },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_VMS:
			r->nvms = (unsigned int)strtoul(optarg, &end, 0);
			if (*end || !r->nvms || r->nvms > MAX_VMS)
				return bad("--vms must be 1..16, not", optarg);
			break;
		case OPT_DEVS:
			r->ndevs = (unsigned int)strtoul(optarg, &end, 0);
			if (*end || !r->ndevs || r->ndevs > MAX_DEVS)
				return bad("--devices must be 1..16, not",
					   optarg);
			break;
		case OPT_DUR:
			r->duration = strtod(optarg, &end);
			if (*end || !(r->duration > 0) || r->duration > 3600)
				return bad("bad --duration", optarg);
			break;
		case OPT_SEED:
			r->seed = strtoull(optarg, &end, 0);
			if (*end)
				return bad("bad --seed", optarg);
			break;
		case OPT_CMDQV:
			if (!strcmp(optarg, "passthrough"))
				r->cmdqv = VSMMU_VM_CMDQV_PASSTHROUGH;
			else if (!strcmp(optarg, "trapped"))
				r->cmdqv = VSMMU_VM_CMDQV_TRAPPED;
			else if (!strcmp(optarg, "off"))
				r->cmdqv = VSMMU_VM_CMDQV_OFF;
			else
				return bad("--cmdqv is passthrough, trapped or "
					   "off, not",
					   optarg);
			break;
		case OPT_TRAP:
			if (!strcmp(optarg, "vcpu"))
				r->trap = VSMMU_VM_TRAP_VCPU;
			else if (!strcmp(optarg, "thread"))
				r->trap = VSMMU_VM_TRAP_THREAD;
			else
				return bad("--trap is vcpu or thread, not",
					   optarg);
			break;
		case OPT_HOSTILE:
			r->hostile = (unsigned int)strtoul(optarg, &end, 0);
			if (*end || r->hostile > MAX_VMS)
				return bad("bad --hostile", optarg);
			break;
		case OPT_JSON:
			r->json = true;
			break;
		case 'h':
			fputs(vm_usage, stdout);
			return -1;
		default:
			fputs(vm_usage, stderr);
			return 2;
		}
	}
	if (optind < argc)
		return bad("unexpected argument", argv[optind]);
	if (r->hostile && r->hostile >= r->nvms) {
		fprintf(stderr, PROG ": --hostile must be below --vms\n");
		return 2;
	}
	return 0;
}

static void teardown(struct vmrun *r)
{
	unsigned int v;

	for (v = 0; v < r->nvms; v++) {
		struct vmstate *s = &r->vms[v];

		vsmmu_vm_guest_destroy(s->g);
		vsmmu_vm_destroy(s->vm);
		free(s->lat);
	}
	vsmmu_iommufd_ctx_destroy(r->ictx);
	vsmmu_host_destroy(r->host);
}

int cmd_vm(int argc, char **argv)
{
	struct vmrun *r = calloc(1, sizeof(*r));
	struct vsmmu_drv_stats hs;
	struct timespec dur;
	uint64_t total = 0;
	unsigned int v;
	int rc, status = 0;

	if (argc > 1 && !strcmp(argv[1], "dump")) {
		free(r);
		return cmd_vm_dump(argc - 1, argv + 1);
	}
	if (argc > 1 && !strcmp(argv[1], "replay")) {
		free(r);
		return cmd_vm_replay(argc - 1, argv + 1);
	}
	for (v = 1; v < (unsigned int)argc; v++)
		if (!strcmp(argv[v], "--sva")) {
			free(r);
			return cmd_vm_sva(argc, argv);
		}
	if (!r)
		return 1;
	r->nvms = 2;
	r->ndevs = 2;
	r->duration = 2;
	r->seed = (uint64_t)time(NULL);
	r->cmdqv = VSMMU_VM_CMDQV_PASSTHROUGH;
	rc = parse(r, argc, argv);
	if (rc) {
		free(r);
		return rc < 0 ? 0 : rc;
	}
	rc = host_up(r);
	for (v = 0; !rc && v < r->nvms; v++) {
		struct vmstate *s = &r->vms[v];

		s->r = r;
		s->index = v;
		s->hostile = v >= r->nvms - r->hostile;
		s->rng = r->seed * 0x9e3779b97f4a7c15ULL + v + 1;
		s->lat = calloc(MAX_LAT, sizeof(*s->lat));
		rc = s->lat ? vm_up(r, s) : -ENOMEM;
	}
	if (rc) {
		fprintf(stderr, PROG ": setting up: %s\n", vsmmu_strerror(rc));
		teardown(r);
		free(r);
		return 1;
	}
	aim(r);
	rc = pthread_create(&r->irq_thread, NULL, irq_thread, r);
	for (v = 0; !rc && v < r->nvms; v++) {
		struct vmstate *s = &r->vms[v];

		rc = vsmmu_vm_vcpu_start(s->vm,
					 s->hostile ? hostile_vcpu : guest_vcpu,
					 s, &s->vcpu);
		if (!rc && !s->hostile)
			rc = pthread_create(&s->dev_thread, NULL, device_thread,
					    s);
	}
	if (rc) {
		fprintf(stderr, PROG ": starting threads: %s\n",
			vsmmu_strerror(rc));
		exit(1); /* threads half started: nothing sane to undo */
	}
	dur.tv_sec = (time_t)r->duration;
	dur.tv_nsec = (long)((r->duration - (double)dur.tv_sec) * 1e9);
	nanosleep(&dur, NULL);
	atomic_store(&r->stop, true);
	for (v = 0; v < r->nvms; v++) {
		vsmmu_vm_vcpu_join(r->vms[v].vcpu);
		if (!r->vms[v].hostile)
			pthread_join(r->vms[v].dev_thread, NULL);
	}
	pthread_join(r->irq_thread, NULL);
	/* The last MSIs the devices sent after the IRQ thread's last look */
	take_msis(r);
	/* The guests hear of the last faults */
	vsmmu_iommufd_process(r->ictx);
	for (v = 0; v < r->nvms; v++) {
		vsmmu_vm_process(r->vms[v].vm);
		if (!r->vms[v].hostile)
			vsmmu_drv_process(vsmmu_vm_guest_drv(r->vms[v].g));
	}
	final_checks(r);
	vsmmu_drv_get_stats(vsmmu_host_drv(r->host), &hs);
	for (v = 0; v < r->nvms; v++) {
		total += vm_findings(&r->vms[v]);
		if (r->vms[v].err) {
			fprintf(stderr, PROG ": VM %u's guest failed: %s\n", v,
				vsmmu_strerror(r->vms[v].err));
			status = 1;
		}
	}
	/* Every MSI a well-behaved device sent reached the doorbell (or
	 * was counted as dropped by it) */
	{
		uint64_t missing = 0;

		for (v = 0; v < r->nvms; v++)
			if (!r->vms[v].hostile &&
			    atomic_load(&r->vms[v].msis_sent) >
				    atomic_load(&r->vms[v].msis_in))
				missing += atomic_load(&r->vms[v].msis_sent) -
					   atomic_load(&r->vms[v].msis_in);
		r->msi_missing =
			missing > atomic_load(&r->doorbell_lost) ?
				missing - atomic_load(&r->doorbell_lost) :
				0;
	}
	total += hs.cerror_ill + hs.cerror_abt + hs.cerror_atc_inv +
		 hs.timeouts + r->marker_found + atomic_load(&r->msi_unknown) +
		 r->msi_missing;
	if (r->json)
		print_json(r, total, &hs);
	else
		print_text(r, total, &hs);
	teardown(r);
	free(r);
	return total || status ? 1 : 0;
}
