// SPDX-License-Identifier: MIT
/*
 * The lock-free multi-producer command queue (Linux's algorithm, in our
 * own words; docs/driver.md has the long form with diagrams).
 *
 * Shared state, all in host memory beside the architected queue:
 *
 *   llq        one 64-bit word {prod, cons}: the software copy of the
 *              producer index (bit 31: OWNED) and the last consumer index
 *              we know of.  Producers reserve slots by compare-and-swap on
 *              the whole word, so a reservation is always checked against
 *              the cons it was computed from.
 *   valid      one bit per slot.  A producer flips the bits of its slots
 *              after writing them; the bit's "written" value alternates
 *              with the wrap bit (1 on even laps, 0 on odd ones), so the
 *              map never needs clearing.
 *   owner_prod where the next owner's range starts: the previous owner
 *              stores its gathered end here once it has written
 *              CMDQ_PROD.
 *   lock       a reader/writer counter: sync waiters hold it shared while
 *              they wait for their CMD_SYNC, a producer that needs space
 *              takes it exclusive to refresh cons from CMDQ_CONS.
 *
 * Inserting n commands (+1 CMD_SYNC):
 *
 *  1. Reserve.  Load llq; if there is not room for n (+1) between prod
 *     and cons, refresh cons (exclusive lock, read CMDQ_CONS) or wait for
 *     someone else to, bounded by the timeout.  Then CAS llq to
 *     {prod + n (+1) | OWNED, cons}.  If OWNED was clear in the old prod,
 *     we are the owner of everything reserved from our start until an
 *     owner clears the flag again; other producers just append.
 *  2. Write our commands (and the sync, whose MSI address is its own slot
 *     so that completion writes 0 over its first word) into the slots.
 *     A syncer takes the lock shared *before* marking its slots valid:
 *     until the slots are valid the owner cannot publish them, so the
 *     SMMU cannot consume the sync, and no one can advance cons past it
 *     and let the queue wrap over the slot while we still watch it.
 *  3. Mark the slots valid (release: the command words are visible to
 *     whoever sees the bits).
 *  4. Owner only: wait until the previous owner has finished
 *     (owner_prod == our start), then atomically clear OWNED, which
 *     closes the gathered range [start, prod) -- every producer that
 *     reserved after us and before the clear is covered by our PROD
 *     write.  Wait until every slot in it is valid, write CMDQ_PROD once,
 *     and hand over: owner_prod = end.
 *  5. Syncers wait for completion: the MSI write-back zeroing the first
 *     32 bits of the sync's slot, or CMDQ_CONS moving past the slot.  The
 *     wait also runs the error recovery (a halted queue never completes)
 *     and is bounded.  The last shared holder publishes the consumer
 *     index it saw into llq.cons, so producers waiting for space move on.
 *
 * Waits in steps 4 (owner handoff, valid bits) depend only on other
 * producers that are already between steps 1 and 3, which never block, so
 * they are unbounded spins with backoff, as in Linux.  Waits on the SMMU
 * (space, completion) are bounded by the timeout.
 */
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <vsmmu/arch.h>

#include "driver/cmdq.h"

uint64_t drv_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static inline void drv_pause(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ volatile("yield" ::: "memory");
#endif
}

/* How long a wait spins before it starts yielding the CPU. */
#define DRV_SPIN_NS 2000

/*
 * The number of pauses that take about DRV_SPIN_NS, measured once: a
 * pause costs from ~10 to ~150 cycles depending on the core (1024 of them
 * were ~17 us on this project's Zen 4 machine, not the ~2 us intended),
 * and a waiter that spins too long on a machine with fewer free CPUs than
 * threads holds the CPU the thread it waits for needs.
 */
static unsigned int drv_spin_budget(void)
{
	static unsigned int budget;
	unsigned int b = __atomic_load_n(&budget, __ATOMIC_RELAXED), i;
	uint64_t t0, dt;

	if (b)
		return b;
	t0 = drv_now_ns();
	for (i = 0; i < 256; i++)
		drv_pause();
	dt = drv_now_ns() - t0;
	b = dt ? (unsigned int)(256ULL * DRV_SPIN_NS / dt) : 1024;
	if (b < 64)
		b = 64; /* the measurement was preempted */
	if (b > 65536)
		b = 65536;
	__atomic_store_n(&budget, b, __ATOMIC_RELAXED);
	return b;
}

void drv_relax(unsigned int *spins)
{
	/*
	 * Spin (~2 us of pause instructions) before yielding: a CMD_SYNC
	 * usually completes within that, and a yield costs about 1 us here.
	 */
	if (++*spins < drv_spin_budget()) {
		drv_pause();
		return;
	}
	sched_yield();
}

static inline uint64_t cpu_to_le64(uint64_t v)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return __builtin_bswap64(v);
#else
	return v;
#endif
}

#define le64_to_cpu cpu_to_le64

static inline uint64_t llq_make(uint32_t prod, uint32_t cons)
{
	return prod | (uint64_t)cons << 32;
}

static inline uint32_t llq_prod(uint64_t v)
{
	return (uint32_t)v;
}

static inline uint32_t llq_cons(uint64_t v)
{
	return (uint32_t)(v >> 32);
}

int drv_cmdq_init(struct drv_cmdq *q, struct vsmmu_mem *mem, uint64_t base,
		  unsigned int shift)
{
	uint64_t bytes = 16ULL << shift;
	unsigned int i;

	memset(q, 0, sizeof(*q));
	if (shift > 19 || (base & (bytes - 1)) || (base & 31))
		return -EINVAL;
	q->shift = shift;
	q->base = base;
	q->valid = calloc(((1U << shift) + 63) / 64, sizeof(*q->valid));
	q->npages =
		(unsigned int)(((base + bytes - 1) >> VSMMU_MEM_PAGE_SHIFT) -
			       (base >> VSMMU_MEM_PAGE_SHIFT) + 1);
	q->pages = calloc(q->npages, sizeof(*q->pages));
	if (!q->valid || !q->pages) {
		drv_cmdq_fini(q);
		return -ENOMEM;
	}
	for (i = 0; i < q->npages; i++)
		q->pages[i] = vsmmu_mem_page(
			mem, VS_ALIGN_DOWN(base, VSMMU_MEM_PAGE_SIZE) +
				     ((uint64_t)i << VSMMU_MEM_PAGE_SHIFT));
	return 0;
}

void drv_cmdq_fini(struct drv_cmdq *q)
{
	free((void *)q->valid);
	free(q->pages);
	q->valid = NULL;
	q->pages = NULL;
}

void drv_cmdq_reset(struct drv_cmdq *q)
{
	unsigned int i;

	atomic_store(&q->llq, 0);
	atomic_store(&q->owner_prod, 0);
	atomic_store(&q->lock, 0);
	atomic_store(&q->dead, false);
	for (i = 0; i < ((1U << q->shift) + 63) / 64; i++)
		atomic_store(&q->valid[i], 0);
}

/* Host pointer to the 64-bit word at byte @off of the queue, or NULL. */
static _Atomic uint64_t *slot_word(struct drv_cmdq *q, struct vsmmu_mem *mem,
				   uint64_t off)
{
	uint64_t pa = q->base + off;
	unsigned int pg = (unsigned int)((pa >> VSMMU_MEM_PAGE_SHIFT) -
					 (q->base >> VSMMU_MEM_PAGE_SHIFT));
	void *p = __atomic_load_n(&q->pages[pg], __ATOMIC_ACQUIRE);

	if (!p) {
		/* Memory that appeared since (a test fixing an abort) */
		p = vsmmu_mem_page(mem, pa);
		if (!p)
			return NULL;
		__atomic_store_n(&q->pages[pg], p, __ATOMIC_RELEASE);
	}
	return (_Atomic uint64_t *)((char *)p +
				    (pa & (VSMMU_MEM_PAGE_SIZE - 1)));
}

static void slot_write(struct drv_cmdq *q, const struct drv_cmdq_backend *be,
		       uint32_t prod, const uint64_t *cmd)
{
	uint64_t off = (uint64_t)q_idx(q->shift, prod) * 16;
	_Atomic uint64_t *w = slot_word(q, be->mem, off);

	if (!w) {
		/* Like a CPU store to a bus error: lost.  The SMMU's fetch
		 * of the slot aborts (CERROR_ABT) and recovery handles it. */
		if (be->stat_mem_errors)
			atomic_fetch_add(be->stat_mem_errors, 1);
		return;
	}
	atomic_store_explicit(&w[0], cpu_to_le64(cmd[0]), memory_order_relaxed);
	atomic_store_explicit(&w[1], cpu_to_le64(cmd[1]), memory_order_relaxed);
}

void drv_build_sync(uint64_t *cmd, uint64_t msi_addr)
{
	cmd[0] = VS_FIELD_PREP(CMDQ_0_OP, CMDQ_OP_CMD_SYNC);
	cmd[1] = 0;
	if (msi_addr) {
		/*
		 * Write MSIData = 0 over the first 32 bits of the sync itself
		 * (which hold the non-zero opcode): Linux's trick, so the
		 * waiter polls its own cache line and no MSI target is
		 * shared between syncs.
		 */
		cmd[0] |= VS_FIELD_PREP(CMDQ_SYNC_0_CS, CMDQ_SYNC_0_CS_IRQ) |
			  VS_FIELD_PREP(CMDQ_SYNC_0_MSH, ARM_LPAE_PTE_SH_IS) |
			  VS_FIELD_PREP(CMDQ_SYNC_0_MSIATTR, 0xf);
		cmd[1] = msi_addr & CMDQ_SYNC_1_MSIADDR_MASK;
	}
}

/* Slots from @from up to @to (with wrap), in chunks within one map word. */
static void valid_chunks(struct drv_cmdq *q, uint32_t from, uint32_t to,
			 bool set)
{
	unsigned int shift = q->shift;
	uint32_t n = 1U << shift;

	while (q_iw(shift, from) != q_iw(shift, to)) {
		uint32_t idx = q_idx(shift, from);
		uint32_t left = q_iw(shift, to - from);
		uint32_t span = 64 - (idx & 63);
		uint64_t mask, want;
		unsigned int spins = 0;

		if (span > n - idx)
			span = n - idx;
		if (span > left)
			span = left;
		mask = (span == 64 ? ~0ULL : ((1ULL << span) - 1))
		       << (idx & 63);
		if (set) {
			atomic_fetch_xor_explicit(&q->valid[idx / 64], mask,
						  memory_order_release);
		} else {
			/* Written slots read 1 on even laps, 0 on odd ones */
			want = q_wrp(shift, from) ? 0 : mask;
			while ((atomic_load_explicit(&q->valid[idx / 64],
						     memory_order_acquire) &
				mask) != want)
				drv_relax(&spins);
		}
		from = q_add(shift, from, span);
	}
}

static void shared_lock(struct drv_cmdq *q)
{
	int v = atomic_load_explicit(&q->lock, memory_order_relaxed);
	unsigned int spins = 0;

	for (;;) {
		if (v >= 0 && atomic_compare_exchange_weak_explicit(
				      &q->lock, &v, v + 1, memory_order_acquire,
				      memory_order_relaxed))
			return;
		if (v < 0) {
			drv_relax(&spins);
			v = atomic_load_explicit(&q->lock,
						 memory_order_relaxed);
		}
	}
}

/* Drop a shared hold unless it is the last one; true if dropped. */
static bool shared_tryunlock(struct drv_cmdq *q)
{
	int v = atomic_load_explicit(&q->lock, memory_order_relaxed);

	while (v > 1) {
		if (atomic_compare_exchange_weak_explicit(&q->lock, &v, v - 1,
							  memory_order_release,
							  memory_order_relaxed))
			return true;
	}
	return false;
}

static void shared_unlock(struct drv_cmdq *q)
{
	atomic_fetch_sub_explicit(&q->lock, 1, memory_order_release);
}

static bool exclusive_trylock(struct drv_cmdq *q)
{
	int zero = 0;

	return atomic_compare_exchange_strong_explicit(&q->lock, &zero, INT_MIN,
						       memory_order_acquire,
						       memory_order_relaxed);
}

static void exclusive_unlock(struct drv_cmdq *q)
{
	atomic_store_explicit(&q->lock, 0, memory_order_release);
}

/* Publish a consumer index into llq (prod untouched). */
static void set_llq_cons(struct drv_cmdq *q, uint32_t cons)
{
	uint64_t v = atomic_load_explicit(&q->llq, memory_order_relaxed);

	while (!atomic_compare_exchange_weak_explicit(
		&q->llq, &v, (v & 0xffffffffULL) | (uint64_t)cons << 32,
		memory_order_release, memory_order_relaxed))
		;
}

static int timed_out(const struct drv_cmdq_backend *be, uint64_t deadline)
{
	if (drv_now_ns() < deadline)
		return 0;
	if (be->stat_timeouts)
		atomic_fetch_add(be->stat_timeouts, 1);
	return -ETIMEDOUT;
}

/*
 * Wait until CMD_SYNC at @sync_prod has completed.  @cons_seen gets a
 * consumer index the SMMU is known to have reached.
 */
static int wait_sync(struct drv_cmdq *q, const struct drv_cmdq_backend *be,
		     uint32_t sync_prod, uint64_t deadline, uint32_t *cons_seen)
{
	unsigned int shift = q->shift, spins = 0, iter = 0;
	int rc;

	for (;; iter++) {
		if (be->msi) {
			_Atomic uint64_t *w = slot_word(
				q, be->mem,
				(uint64_t)q_idx(shift, sync_prod) * 16);
			uint64_t v = w ? le64_to_cpu(atomic_load_explicit(
						 w, memory_order_acquire)) :
					 1;

			if (!(uint32_t)v) {
				*cons_seen = q_add(shift, sync_prod, 1);
				return 0;
			}
		} else {
			uint32_t c;

			rc = be->read_cons(be->ctx, &c);
			if (rc)
				return rc;
			if (q_consumed(shift, c, sync_prod)) {
				*cons_seen = q_iw(shift, c);
				return 0;
			}
		}
		if (atomic_load(&q->dead))
			return -EIO;
		if ((iter & 15) == 1 && be->poll_errors) {
			rc = be->poll_errors(be->ctx);
			if (rc)
				return rc;
		}
		rc = timed_out(be, deadline);
		if (rc)
			return rc;
		drv_relax(&spins);
	}
}

int drv_cmdq_issue(struct drv_cmdq *q, const struct drv_cmdq_backend *be,
		   const uint64_t (*cmds)[2], unsigned int n, bool sync)
{
	unsigned int shift = q->shift, spins = 0, i, iter = 0;
	uint32_t total = n + (sync ? 1 : 0), start, end, gathered,
		 cons_seen = 0;
	uint64_t old, new, deadline;
	bool owner;
	int rc = 0;

	if (atomic_load(&q->dead))
		return -EIO;
	if (!total)
		return 0;
	if (total > (1U << shift))
		return -EINVAL;
	deadline = drv_now_ns() + be->timeout_ns;

	/* 1. Reserve total slots */
	old = atomic_load_explicit(&q->llq, memory_order_relaxed);
	for (;;) {
		uint32_t prod = llq_prod(old), cons = llq_cons(old);

		if (q_space(shift, prod, cons) < total) {
			if (exclusive_trylock(q)) {
				uint32_t c;

				rc = be->read_cons(be->ctx, &c);
				if (!rc)
					set_llq_cons(q, q_iw(shift, c));
				exclusive_unlock(q);
				if (rc)
					return rc;
			}
			if ((iter++ & 15) == 1 && be->poll_errors) {
				rc = be->poll_errors(be->ctx);
				if (rc)
					return rc;
			}
			if (atomic_load(&q->dead))
				return -EIO;
			rc = timed_out(be, deadline);
			if (rc)
				return rc;
			drv_relax(&spins);
			old = atomic_load_explicit(&q->llq,
						   memory_order_relaxed);
			continue;
		}
		new = llq_make(q_add(shift, prod, total) | CMDQ_PROD_OWNED,
			       cons);
		if (atomic_compare_exchange_weak_explicit(&q->llq, &old, new,
							  memory_order_relaxed,
							  memory_order_relaxed))
			break;
	}
	owner = !(llq_prod(old) & CMDQ_PROD_OWNED);
	start = q_iw(shift, llq_prod(old));
	end = q_add(shift, start, total);

	/* 2. Write the commands and the sync */
	for (i = 0; i < n; i++)
		slot_write(q, be, q_add(shift, start, i), cmds[i]);
	if (sync) {
		uint32_t sp = q_add(shift, start, n);
		uint64_t cmd[2];

		drv_build_sync(cmd,
			       be->msi ? q->base + (uint64_t)q_idx(shift, sp) *
							   16 :
					 0);
		slot_write(q, be, sp, cmd);
		shared_lock(q);
	}
	if (be->stat_cmds)
		atomic_fetch_add_explicit(be->stat_cmds, total,
					  memory_order_relaxed);

	/* 3. Mark them valid */
	valid_chunks(q, start, end, true);

	/* 4. The owner publishes everything gathered behind it */
	if (owner) {
		spins = 0;
		while (atomic_load_explicit(&q->owner_prod,
					    memory_order_acquire) != start)
			drv_relax(&spins);
		old = atomic_fetch_and_explicit(&q->llq,
						~(uint64_t)CMDQ_PROD_OWNED,
						memory_order_acq_rel);
		gathered = q_iw(shift, llq_prod(old));
		valid_chunks(q, start, gathered, false);
		atomic_thread_fence(memory_order_release);
		rc = be->write_prod(be->ctx, gathered);
		if (be->stat_prod_writes)
			atomic_fetch_add_explicit(be->stat_prod_writes, 1,
						  memory_order_relaxed);
		atomic_store_explicit(&q->owner_prod, gathered,
				      memory_order_release);
		if (rc && sync) {
			shared_unlock(q);
			return rc;
		}
		if (rc)
			return rc;
	}

	/* 5. Wait for our sync */
	if (sync) {
		rc = wait_sync(q, be, q_add(shift, start, n), deadline,
			       &cons_seen);
		if (be->stat_syncs)
			atomic_fetch_add_explicit(be->stat_syncs, 1,
						  memory_order_relaxed);
		if (!shared_tryunlock(q)) {
			if (!rc)
				set_llq_cons(q, cons_seen);
			shared_unlock(q);
		}
	}
	return rc;
}
