// SPDX-License-Identifier: MIT
/*
 * The invalidation checker: reports driver sequences that silicon would
 * silently mis-handle (docs/design.md, "The invalidation checker").
 *
 * Stale cache entries are checked where they are used (smmu.c, walk.c):
 * every hit is verified against a side-effect-free re-read of memory.
 * This file holds the reporting and the tracker that detects torn updates;
 * which bits of an STE or CD count is <vsmmu/entry.h>'s rule, the same
 * one the driver's hitless writer follows.
 *
 * Torn updates.  For each STE and CD the hardware fetched (keyed by kind,
 * StreamID, CD index and physical address) the tracker keeps the value
 * that was "synced" -- in memory when the last CFGI covering it ran, or
 * the first value fetched -- and the distinct values fetched since that
 * were not already explained by it.  When the next CFGI covering the entry
 * runs, memory holds the "new" value, and each fetched value F must, in
 * the bits the hardware uses for F's own configuration, equal the synced
 * value or the new one, or be invalid (V = 0, a break-before-make): this
 * is the hitless-update rule that Linux's STE/CD writer is built on.  A
 * fetch that began before a CFGI may also have read a value that CFGI
 * replaced (it raced the invalidation; a preempted fetch may even span
 * several updates, each with its CFGI), so it is also accepted against
 * each of the last CHK_HIST synced values that was still current when it
 * began; one that began before all of those replacements cannot be judged
 * and is let go.  Fetches count their start with a global epoch that
 * every CFGI advances.
 *
 * Memory is bounded: CHK_MAX_ENTRIES tracked structures (new ones beyond
 * that are not tracked) and CHK_MAX_PENDING unexplained values per
 * structure between two CFGIs (further ones are not checked).  The tracker
 * has its own lock, taken only on slow paths (configuration cache misses
 * and CFGIs) and only while the checker is on.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vsmmu/entry.h>

#include "hw/hw.h"

#define CHK_MAX_ENTRIES 2048
#define CHK_MAX_PENDING 4
#define CHK_HIST 4 /* synced values kept before the current one */
#define CHK_BUCKETS 512

struct chk_pending {
	uint64_t w[8];
	uint64_t epoch; /* hw_check_epoch() when the fetch began */
};

struct chk_entry {
	uint64_t pa;
	uint32_t sid, ssid;
	uint8_t kind, nold, npend;
	int32_t next; /* hash chain, -1 ends */
	uint64_t synced_epoch;
	uint64_t synced[8];
	/* The synced values before it, newest first, and the epoch of the
	 * CFGI that replaced each */
	uint64_t old[CHK_HIST][8], old_until[CHK_HIST];
	struct chk_pending pend[CHK_MAX_PENDING];
};

struct hw_checker {
	pthread_mutex_t lock; /* the tracker */
	pthread_mutex_t report_lock; /* serialises the callback */
	vsmmu_check_fn *fn;
	void *arg;
	uint64_t counts[VSMMU_CHECK_NR]; /* atomic */
	uint64_t epoch; /* atomic: advanced by every CFGI */
	unsigned int n;
	int32_t bucket[CHK_BUCKETS];
	struct chk_entry e[CHK_MAX_ENTRIES];
};

static bool entry_valid(unsigned int kind, const uint64_t *w)
{
	return w[0] & (kind == CHK_STE ? STRTAB_STE_0_V : CTXDESC_CD_0_V);
}

/* Does @f equal @ref in every bit @f's configuration uses? */
static bool same_used(unsigned int kind, const uint64_t *f, const uint64_t *ref)
{
	uint64_t used[8];
	unsigned int i;

	if (kind == CHK_STE)
		vsmmu_ste_used(f, used);
	else
		vsmmu_cd_used(f, used);
	for (i = 0; i < 8; i++)
		if ((f[i] ^ ref[i]) & used[i])
			return false;
	return true;
}

/* --- Reporting ------------------------------------------------------------ */

void hw_check_report(struct vsmmu_smmu *s, struct vsmmu_check_report *r)
{
	struct hw_checker *c = s->checker;

	if (!c || r->kind >= VSMMU_CHECK_NR)
		return;
	r->msg[sizeof(r->msg) - 1] = '\0';
	pthread_mutex_lock(&c->report_lock);
	__atomic_fetch_add(&c->counts[r->kind], 1, __ATOMIC_RELAXED);
	if (c->fn)
		c->fn(c->arg, r);
	pthread_mutex_unlock(&c->report_lock);
}

/* --- The torn-update tracker --------------------------------------------- */

static unsigned int chk_hash(unsigned int kind, uint32_t sid, uint32_t ssid,
			     uint64_t pa)
{
	uint64_t h = (pa >> 6) ^ ((uint64_t)sid << 20) ^ ((uint64_t)ssid << 7) ^
		     kind;

	h *= 0x9e3779b97f4a7c15ULL;
	return (unsigned int)(h >> 40) % CHK_BUCKETS;
}

uint64_t hw_check_epoch(struct vsmmu_smmu *s)
{
	struct hw_checker *c = s->checker;

	return c ? __atomic_load_n(&c->epoch, __ATOMIC_ACQUIRE) : 0;
}

void hw_check_fetched(struct vsmmu_smmu *s, unsigned int kind, uint32_t sid,
		      uint32_t ssid, uint64_t pa, const uint64_t *w,
		      uint64_t epoch)
{
	struct hw_checker *c = s->checker;
	struct chk_entry *e;
	unsigned int b, i;
	int32_t idx;

	if (!c)
		return;
	b = chk_hash(kind, sid, ssid, pa);
	pthread_mutex_lock(&c->lock);
	for (idx = c->bucket[b]; idx >= 0; idx = c->e[idx].next) {
		e = &c->e[idx];
		if (e->pa == pa && e->sid == sid && e->ssid == ssid &&
		    e->kind == kind)
			break;
	}
	if (idx < 0) {
		/* First sight: what memory holds is taken as synced */
		if (c->n < CHK_MAX_ENTRIES) {
			e = &c->e[c->n];
			memset(e, 0, sizeof(*e));
			e->pa = pa;
			e->sid = sid;
			e->ssid = ssid;
			e->kind = kind;
			e->synced_epoch = epoch;
			memcpy(e->synced, w, sizeof(e->synced));
			e->next = c->bucket[b];
			c->bucket[b] = (int32_t)c->n++;
		}
		goto out;
	}
	/* Explained now: invalid, the synced value, or (racing) one that was
	 * still synced when the fetch began */
	if (!entry_valid(kind, w) || same_used(kind, w, e->synced))
		goto out;
	for (i = 0; i < e->nold; i++)
		if (epoch < e->old_until[i] && same_used(kind, w, e->old[i]))
			goto out;
	/* Began before the oldest replacement remembered: it may have read
	 * a value no longer known, so it cannot be judged (not reported) */
	if (e->nold == CHK_HIST && epoch < e->old_until[CHK_HIST - 1])
		goto out;
	for (i = 0; i < e->npend; i++)
		if (!memcmp(e->pend[i].w, w, sizeof(e->pend[i].w)))
			goto out;
	if (e->npend < CHK_MAX_PENDING) {
		memcpy(e->pend[e->npend].w, w, sizeof(e->pend[0].w));
		e->pend[e->npend++].epoch = epoch;
	}
out:
	pthread_mutex_unlock(&c->lock);
}

static bool cfgi_covers(const struct vsmmu_cfgi *inv, const struct chk_entry *e)
{
	uint64_t mask;

	switch (inv->kind) {
	case VSMMU_CFGI_ALL:
		return true;
	case VSMMU_CFGI_STE:
		return e->sid == inv->sid;
	case VSMMU_CFGI_STE_RANGE:
		mask = (2ULL << inv->range) - 1;
		return (e->sid & ~(uint32_t)mask) ==
		       (inv->sid & ~(uint32_t)mask);
	case VSMMU_CFGI_CD:
		return e->kind == CHK_CD && e->sid == inv->sid &&
		       e->ssid == inv->ssid;
	case VSMMU_CFGI_CD_ALL:
		return e->kind == CHK_CD && e->sid == inv->sid;
	}
	return false;
}

/*
 * A CFGI ran (after the caller validated it): judge every value fetched
 * since the last one covering each tracked structure, then make what
 * memory holds now the synced value.
 */
void hw_check_cfgi(struct vsmmu_smmu *s, const struct vsmmu_cfgi *inv)
{
	struct hw_checker *c = s->checker;
	uint64_t epoch;
	unsigned int i, j, k;

	if (!c)
		return;
	pthread_mutex_lock(&c->lock);
	epoch = __atomic_add_fetch(&c->epoch, 1, __ATOMIC_ACQ_REL);
	for (i = 0; i < c->n; i++) {
		struct chk_entry *e = &c->e[i];
		uint64_t now[8];

		if (!cfgi_covers(inv, e))
			continue;
		/* Memory that vanished reads as an invalid entry */
		for (k = 0; k < 8; k++)
			if (vsmmu_mem_read64(s->mem, e->pa + 8 * k, &now[k]))
				memset(now, 0, sizeof(now));
		for (j = 0; j < e->npend; j++) {
			struct vsmmu_check_report r = { 0 };
			const uint64_t *f = e->pend[j].w;

			if (same_used(e->kind, f, now))
				continue;
			r.kind = e->kind == CHK_STE ? VSMMU_CHECK_TORN_STE :
						      VSMMU_CHECK_TORN_CD;
			r.sid = e->sid;
			r.ssid = e->ssid;
			r.ssv = e->kind == CHK_CD;
			r.addr = e->pa;
			memcpy(r.observed, f, sizeof(r.observed));
			memcpy(r.expected, now, sizeof(r.expected));
			memcpy(r.previous, e->synced, sizeof(r.previous));
			if (e->kind == CHK_STE)
				snprintf(r.msg, sizeof(r.msg),
					 "torn STE at 0x%llx (SID %u): fetched "
					 "neither the old nor the new value "
					 "in its used bits",
					 (unsigned long long)e->pa, e->sid);
			else
				snprintf(r.msg, sizeof(r.msg),
					 "torn CD at 0x%llx (SID %u, CD %u): "
					 "fetched neither the old nor the new "
					 "value in its used bits",
					 (unsigned long long)e->pa, e->sid,
					 e->ssid);
			hw_check_report(s, &r);
		}
		memmove(e->old[1], e->old[0],
			(CHK_HIST - 1) * sizeof(e->old[0]));
		memmove(&e->old_until[1], &e->old_until[0],
			(CHK_HIST - 1) * sizeof(e->old_until[0]));
		memcpy(e->old[0], e->synced, sizeof(e->old[0]));
		e->old_until[0] = epoch;
		if (e->nold < CHK_HIST)
			e->nold++;
		memcpy(e->synced, now, sizeof(e->synced));
		e->synced_epoch = epoch;
		e->npend = 0;
	}
	pthread_mutex_unlock(&c->lock);
}

/* Turn checking on or off, and the fast path off or on (smmu.c) */
static void set_on(struct vsmmu_smmu *s, bool on)
{
	pthread_mutex_lock(&s->reg_lock);
	__atomic_store_n(&s->check_on, on, __ATOMIC_RELEASE);
	__atomic_store_n(&s->fast_on, !on && (hw_reg32(&s->cr0) & CR0_SMMUEN),
			 __ATOMIC_RELEASE);
	pthread_mutex_unlock(&s->reg_lock);
}

/* --- Control ---------------------------------------------------------------- */

int vsmmu_smmu_set_checker(struct vsmmu_smmu *s, bool enable,
			   vsmmu_check_fn *fn, void *arg)
{
	struct hw_checker *c;
	unsigned int i;

	if (!s)
		return -EINVAL;
	if (!enable) {
		set_on(s, false);
		return 0;
	}
	c = s->checker;
	if (!c) {
		c = calloc(1, sizeof(*c));
		if (!c)
			return -ENOMEM;
		pthread_mutex_init(&c->lock, NULL);
		pthread_mutex_init(&c->report_lock, NULL);
		s->checker = c;
	}
	pthread_mutex_lock(&c->lock);
	c->n = 0;
	for (i = 0; i < CHK_BUCKETS; i++)
		c->bucket[i] = -1;
	pthread_mutex_unlock(&c->lock);
	pthread_mutex_lock(&c->report_lock);
	c->fn = fn;
	c->arg = arg;
	for (i = 0; i < VSMMU_CHECK_NR; i++)
		__atomic_store_n(&c->counts[i], 0, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&c->report_lock);
	set_on(s, true);
	return 0;
}

void vsmmu_smmu_get_check_counts(struct vsmmu_smmu *s,
				 uint64_t counts[VSMMU_CHECK_NR])
{
	unsigned int i;

	for (i = 0; i < VSMMU_CHECK_NR; i++)
		counts[i] = s && s->checker ?
				    __atomic_load_n(&s->checker->counts[i],
						    __ATOMIC_RELAXED) :
				    0;
}

void hw_check_fini(struct vsmmu_smmu *s)
{
	struct hw_checker *c = s->checker;

	if (!c)
		return;
	pthread_mutex_destroy(&c->lock);
	pthread_mutex_destroy(&c->report_lock);
	free(c);
	s->checker = NULL;
}
