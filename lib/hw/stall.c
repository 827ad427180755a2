// SPDX-License-Identifier: MIT
/*
 * Stalled transactions (spec 3.12.2, 4.7.1, 4.7.2, 7.2.1).
 *
 * With config.hold_stalls, a Translation-related fault under CD.S = 1 (or
 * STE.S2S = 1 for a stage-2 fault) does not complete: the transaction
 * takes one of IDR5.STALL_MAX slots (capped at STALL_SLOTS_MAX) and its
 * event record carries Stall = 1 and a STAG naming the slot.  The STAG is
 * the slot index in its low stall_bits bits and a per-slot generation
 * above them, so a stale CMD_RESUME naming a slot that has since been
 * reused misses (the spec makes that case CONSTRAINED UNPREDICTABLE; we
 * choose "no effect").  A slot is resolved by:
 *
 *  - CMD_RESUME(StreamID, STAG, Ac, Ab): the slot must be HELD (its record
 *    visible) and belong to StreamID, else the command is a no-op (4.7.1).
 *    Ac = 1: retry; Ac = 0: terminate, RAZ/WI if Ab = 0 and
 *    IDR0.TERM_MODEL = 0, else abort;
 *  - CMD_STALL_TERM(StreamID): every HELD or UNREC slot of the StreamID
 *    is terminated with an abort (4.7.2; an UNREC one's record is then
 *    never written);
 *  - SMMUEN 1 -> 0: every stall is terminated (3.12.2).
 *
 * A stall whose record could not be written because the event queue was
 * not writable (disabled, full, or EVENTQ_ABT_ERR active) is not lost
 * (7.2.1): the slot stays UNREC with the record.  When the queue may have
 * become writable again (EVTQ_CONS or CR0 or GERRORN written) each UNREC
 * slot either writes its original record (and becomes HELD) or, if a
 * configuration or TLB invalidation followed by a CMD_SYNC happened while
 * it waited (the case 7.2.1 says MUST retry), is resolved with RETRY: the
 * device re-issues the transaction, which translates under the new
 * configuration and may stall again with a new record.
 *
 * Resolved slots stay DONE until the device collects the resolution with
 * vsmmu_smmu_stall_wait(); only then is the STAG reusable.  When no slot
 * is free the fault is treated as terminating (recorded with Stall = 0,
 * aborted), which 3.12 permits for devices the system cannot stall.
 *
 * Locking: stall_lock guards the slots; it is taken before the event
 * queue's lock (the record is written with the slot already HELD, so a
 * CMD_RESUME consumed as soon as the record is visible finds it).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hw/hw.h"

#define STALL_SLOTS_MAX 1024

int hw_stalls_init(struct vsmmu_smmu *s)
{
	unsigned int n = VS_FIELD_GET(IDR5_STALL_MAX, s->cfg.idr[5]);

	pthread_mutex_init(&s->stall_lock, NULL);
	pthread_cond_init(&s->stall_cond, NULL);
	if (!s->cfg.hold_stalls || s->stall_model == IDR0_STALL_MODEL_NONE ||
	    !n)
		return 0;
	if (n > STALL_SLOTS_MAX)
		n = STALL_SLOTS_MAX;
	s->stalls = calloc(n, sizeof(*s->stalls));
	if (!s->stalls)
		return -ENOMEM;
	s->nstalls = n;
	while ((1U << s->stall_bits) < n)
		s->stall_bits++;
	return 0;
}

void hw_stalls_fini(struct vsmmu_smmu *s)
{
	free(s->stalls);
	s->stalls = NULL;
	pthread_cond_destroy(&s->stall_cond);
	pthread_mutex_destroy(&s->stall_lock);
}

static uint16_t stag_of(const struct vsmmu_smmu *s, unsigned int i)
{
	return (uint16_t)(((unsigned int)s->stalls[i].gen << s->stall_bits) |
			  i);
}

/* The slot a STAG names, or -1 (index out of range or stale generation) */
static int slot_of(const struct vsmmu_smmu *s, uint16_t stag)
{
	unsigned int i = stag & ((1U << s->stall_bits) - 1);

	if (!s->stalls || i >= s->nstalls || stag_of(s, i) != stag)
		return -1;
	return (int)i;
}

/*
 * stall_unrec changes under stall_lock but hw_stall_flush() peeks at it
 * without: every write is atomic too (a plain write beside an atomic
 * read is a data race in C11).
 */
static void unrec_add(struct vsmmu_smmu *s, int n)
{
	__atomic_store_n(&s->stall_unrec, s->stall_unrec + (unsigned int)n,
			 __ATOMIC_RELEASE);
}

/* Resolve slot @i with @resp; stall_lock held. */
static void resolve(struct vsmmu_smmu *s, unsigned int i,
		    enum vsmmu_stall_resp resp)
{
	struct hw_stall *st = &s->stalls[i];

	if (st->state == STALL_UNREC)
		unrec_add(s, -1);
	st->state = STALL_DONE;
	st->resp = resp;
	hw_stat_inc(s,
		    resp == VSMMU_STALL_RETRY ? ST_STALL_RETRY : ST_STALL_TERM);
	pthread_cond_broadcast(&s->stall_cond);
}

int hw_stall_new(struct vsmmu_smmu *s, uint32_t sid, uint64_t *evt,
		 bool *recorded, uint16_t *stag)
{
	unsigned int i;

	if (!s->stalls)
		return -ENOSPC;
	pthread_mutex_lock(&s->stall_lock);
	for (i = 0; i < s->nstalls; i++)
		if (s->stalls[i].state == STALL_FREE)
			break;
	if (i == s->nstalls) {
		pthread_mutex_unlock(&s->stall_lock);
		return -ENOSPC;
	}
	s->stalls[i].gen++;
	if (s->stall_bits < 16)
		s->stalls[i].gen &= (1U << (16 - s->stall_bits)) - 1;
	else
		s->stalls[i].gen = 0;
	s->stalls[i].sid = sid;
	s->stalls[i].must_retry = 0;
	*stag = stag_of(s, i);
	evt[1] = (evt[1] & ~EVTQ_1_STAG) | EVTQ_1_STALL |
		 VS_FIELD_PREP(EVTQ_1_STAG, *stag);
	memcpy(s->stalls[i].evt, evt, sizeof(s->stalls[i].evt));
	s->stalls[i].state = STALL_HELD;
	*recorded = hw_evtq_write(s, evt, EVTQ_W_STALL);
	if (!*recorded) {
		s->stalls[i].state = STALL_UNREC;
		unrec_add(s, 1);
	}
	hw_stat_inc(s, ST_STALLS);
	pthread_mutex_unlock(&s->stall_lock);
	return 0;
}

void hw_stall_flush(struct vsmmu_smmu *s)
{
	unsigned int i;

	if (!s->stalls || !__atomic_load_n(&s->stall_unrec, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&s->stall_lock);
	for (i = 0; i < s->nstalls && s->stall_unrec; i++) {
		struct hw_stall *st = &s->stalls[i];

		if (st->state != STALL_UNREC || !hw_evtq_writable(s))
			continue;
		if (st->must_retry) {
			resolve(s, i, VSMMU_STALL_RETRY);
			continue;
		}
		if (hw_evtq_write(s, st->evt, EVTQ_W_STALL)) {
			st->state = STALL_HELD;
			unrec_add(s, -1);
		}
	}
	pthread_mutex_unlock(&s->stall_lock);
}

/*
 * A CMD_SYNC: if any invalidation ran since the last one, the stalls still
 * waiting to record were "affected by an invalidation and CMD_SYNC" and
 * must be retried once the queue is writable (7.2.1).  Any invalidation
 * counts: the model does not work out which stalls it touched.
 */
void hw_stall_sync(struct vsmmu_smmu *s)
{
	uint64_t gen = __atomic_load_n(&s->inv_gen, __ATOMIC_ACQUIRE);
	unsigned int i;

	if (!s->stalls)
		return;
	pthread_mutex_lock(&s->stall_lock);
	if (gen != s->stall_sync_gen) {
		s->stall_sync_gen = gen;
		for (i = 0; i < s->nstalls && s->stall_unrec; i++)
			if (s->stalls[i].state == STALL_UNREC)
				s->stalls[i].must_retry = 1;
	}
	pthread_mutex_unlock(&s->stall_lock);
	hw_stall_flush(s);
}

void hw_stall_resume(struct vsmmu_smmu *s, uint32_t sid, uint16_t stag,
		     unsigned int resp)
{
	int i;

	if (!s->stalls)
		return;
	pthread_mutex_lock(&s->stall_lock);
	i = slot_of(s, stag);
	/* Only a stall whose record software has seen, of that StreamID */
	if (i >= 0 && s->stalls[i].state == STALL_HELD &&
	    s->stalls[i].sid == sid)
		resolve(s, (unsigned int)i, (enum vsmmu_stall_resp)resp);
	pthread_mutex_unlock(&s->stall_lock);
}

void hw_stall_term(struct vsmmu_smmu *s, uint32_t sid, bool all)
{
	unsigned int i;

	if (!s->stalls)
		return;
	pthread_mutex_lock(&s->stall_lock);
	for (i = 0; i < s->nstalls; i++) {
		struct hw_stall *st = &s->stalls[i];

		if ((st->state == STALL_HELD || st->state == STALL_UNREC) &&
		    (all || st->sid == sid))
			resolve(s, i, VSMMU_STALL_ABORT);
	}
	pthread_mutex_unlock(&s->stall_lock);
}

int vsmmu_smmu_stall_wait(struct vsmmu_smmu *s, uint32_t sid, uint16_t stag,
			  uint64_t timeout_ns, enum vsmmu_stall_resp *resp)
{
	struct timespec dl;
	bool expired = false;
	int i, rc = 0;

	if (!s || !resp)
		return -EINVAL;
	*resp = VSMMU_STALL_PENDING;
	if (!s->stalls)
		return -ENOENT;
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += (time_t)(timeout_ns / 1000000000ULL);
	dl.tv_nsec += (long)(timeout_ns % 1000000000ULL);
	if (dl.tv_nsec >= 1000000000L) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&s->stall_lock);
	for (;;) {
		i = slot_of(s, stag);
		if (i < 0 || s->stalls[i].state == STALL_FREE ||
		    s->stalls[i].sid != sid) {
			rc = -ENOENT;
			break;
		}
		if (s->stalls[i].state == STALL_DONE) {
			*resp = (enum vsmmu_stall_resp)s->stalls[i].resp;
			s->stalls[i].state = STALL_FREE;
			break;
		}
		if (!timeout_ns || expired) {
			rc = -ETIMEDOUT;
			break;
		}
		/* look once more after the deadline, then give up */
		expired = pthread_cond_timedwait(&s->stall_cond, &s->stall_lock,
						 &dl) == ETIMEDOUT;
	}
	pthread_mutex_unlock(&s->stall_lock);
	return rc;
}
