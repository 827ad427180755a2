// SPDX-License-Identifier: MIT
/*
 * Shared virtual addressing: a device's SubstreamID walks a process's own
 * stage-1 tables (<vsmmu/cpu.h>).  docs/sva.md tells the whole story; in
 * short:
 *
 *  - One SVA domain per process per SMMU, shared by its bonds (master,
 *    SSID), on drv->sva_doms.  It holds a reference to the process
 *    (vsmmu_mm_grab) and a notifier on it.
 *  - ASIDs.  Without BTM an SVA domain takes a private ASID (ASET = 1)
 *    and the notifier invalidates the SMMU's TLB whenever the process's
 *    mappings change.  With BTM (CR2.PTM = 0) the CPUs' broadcast TLBIs
 *    reach the SMMU, so the CD must carry the CPU's ASID in the shared
 *    set (ASET = 0), pinned so that a rollover cannot change it.  The
 *    driver's and the CPU's allocators are separate, so an ordinary
 *    stage-1 domain may hold that ASID already: it moves.
 *  - ASID moves (seed 002's arm_smmu_realloc_s1_domain_asid, and its
 *    FIXME).  The move allocates a new ASID, rewrites every CD that uses
 *    the domain, invalidates the old ASID.  Unmaps take no ASID lock, so
 *    while CDs hold both ASIDs an unmap that invalidates only one leaves
 *    a stale entry under the other one -- the window seed 002 admits.
 *    Here the domain's ASID word holds both while the move runs
 *    (drv_domain_asids), published before the first CD changes and
 *    retired only after the old ASID was invalidated; an unmap changes
 *    the table, fences, reads the word and invalidates every ASID in it.
 *    Either it read the word before the move published it (then every
 *    walk under the new ASID comes after the table change), or it
 *    invalidates both.  drv->asid_move_seed reproduces seed 002's order
 *    for the tests that show the window.
 *  - Locks: drv->asid_lock (outermost) serialises binds, unbinds, moves
 *    and every writer of a stage-1 CD; then a master's lock; then an SVA
 *    domain's lock (its bonds).  The notifier's callbacks run under the
 *    process's mmap lock and take only an SVA domain's lock, the object
 *    list and masters' locks -- never the ASID lock.  An I/O page fault
 *    looks its domain up under the master's lock, takes a use on it, and
 *    faults the process with no driver lock held.
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "driver/drv.h"

/* --- ASID moves ----------------------------------------------------------- */

struct cd_user {
	struct vsmmu_drv_master *m;
	uint32_t ssid;
};

/* Every (master, SSID) whose CD uses @d; with drv->asid_lock held. */
static int cd_users(struct vsmmu_drv *drv, struct vsmmu_drv_domain *d,
		    struct cd_user **out, unsigned int *n)
{
	struct cd_user *u = NULL, *p;
	unsigned int cap = 0, i;
	struct drv_obj *o;
	int rc = 0;

	*n = 0;
	pthread_mutex_lock(&drv->obj_lock);
	for (o = drv->objs; o && !rc; o = o->next) {
		struct vsmmu_drv_master *m = (struct vsmmu_drv_master *)o;

		if (o->kind != DRV_OBJ_MASTER)
			continue;
		pthread_mutex_lock(&m->lock);
		for (i = 0; i <= m->npasids && !rc; i++) {
			bool main = i == m->npasids;

			if ((main ? m->dom : m->pasids[i].dom) != d)
				continue;
			if (*n == cap) {
				cap = cap ? 2 * cap : 8;
				p = realloc(u, cap * sizeof(*u));
				if (!p) {
					rc = -ENOMEM;
					break;
				}
				u = p;
			}
			u[(*n)++] =
				(struct cd_user){ m, main ? 0 :
							    m->pasids[i].ssid };
		}
		pthread_mutex_unlock(&m->lock);
	}
	pthread_mutex_unlock(&drv->obj_lock);
	if (rc)
		free(u);
	else
		*out = u;
	return rc;
}

/*
 * Move the stage-1 domain @d to a new ASID; with drv->asid_lock held.  Its
 * old ASID stays allocated, for the caller.  On a failure half-way the
 * domain keeps both ASIDs (every unmap invalidates both), which is safe.
 */
static int asid_move(struct vsmmu_drv *drv, struct vsmmu_drv_domain *d)
{
	struct vsmmu_drv_cmd c = { .opcode = CMDQ_OP_TLBI_NH_ASID };
	uint16_t old = (uint16_t)vsmmu_drv_domain_asid(d);
	uint64_t cd[DRV_ENTRY_QWORDS], raw[1][2];
	struct cd_user *u = NULL;
	unsigned int n = 0, i;
	int id, rc, err = 0;

	id = ida_alloc(&drv->asids, 1, ~0U, true);
	if (id < 0)
		return id;
	rc = cd_users(drv, d, &u, &n);
	if (rc) {
		ida_free(&drv->asids, (unsigned int)id);
		return rc;
	}
	/*
	 * Publish before the first CD changes.  Seed 002 publishes the new
	 * ASID alone: an unmap from now on invalidates only it, while CDs
	 * not yet rewritten still use the old one.
	 */
	if (drv->asid_move_seed)
		atomic_store(&d->asids, (uint32_t)id);
	else
		atomic_store(&d->asids, (uint32_t)id | (uint32_t)old << 16);
	atomic_thread_fence(memory_order_seq_cst);
	drv_make_s1_cd(cd, (uint16_t)id, &d->pi);
	for (i = 0; i < n; i++) {
		pthread_mutex_lock(&u[i].m->lock);
		rc = drv_write_cd(u[i].m, u[i].ssid, cd);
		pthread_mutex_unlock(&u[i].m->lock);
		if (rc && !err)
			err = rc;
		if (drv->asid_move_hook)
			drv->asid_move_hook(drv->asid_move_hook_arg, i + 1);
	}
	free(u);
	if (err)
		return err;
	/* No CD uses the old ASID now: clean it for its next owner */
	c.asid = old;
	rc = vsmmu_drv_cmd_build(&c, raw[0]);
	if (!rc)
		rc = vsmmu_drv_cmdq_issue(drv, (const uint64_t(*)[2])raw, 1,
					  true);
	if (rc)
		return rc;
	atomic_store(&d->asids, (uint32_t)id);
	atomic_fetch_add(&drv->st.asid_moves, 1);
	return 0;
}

int drv_domain_move_asid(struct vsmmu_drv_domain *d)
{
	struct vsmmu_drv *drv = d->drv;
	unsigned int old;
	int rc;

	if (d->type != VSMMU_DRV_DOMAIN_S1)
		return -EINVAL;
	pthread_mutex_lock(&drv->asid_lock);
	old = vsmmu_drv_domain_asid(d);
	rc = asid_move(drv, d);
	if (!rc)
		ida_free(&drv->asids, old);
	pthread_mutex_unlock(&drv->asid_lock);
	return rc;
}

/* The stage-1 domain whose current ASID is @asid (asid_lock held). */
static struct vsmmu_drv_domain *s1_owner(struct vsmmu_drv *drv, uint16_t asid)
{
	struct vsmmu_drv_domain *found = NULL;
	struct drv_obj *o;

	pthread_mutex_lock(&drv->obj_lock);
	for (o = drv->objs; o && !found; o = o->next) {
		struct vsmmu_drv_domain *d = (struct vsmmu_drv_domain *)o;

		if (o->kind == DRV_OBJ_DOMAIN &&
		    d->type == VSMMU_DRV_DOMAIN_S1 &&
		    vsmmu_drv_domain_asid(d) == asid)
			found = d;
	}
	pthread_mutex_unlock(&drv->obj_lock);
	return found;
}

/* --- The notifier --------------------------------------------------------- */

static int sva_tlbi(struct vsmmu_drv_domain *d, uint64_t start, uint64_t end)
{
	return drv_tlbi_asid(d, (uint16_t)vsmmu_drv_domain_asid(d), start, end);
}

/*
 * The process changed [@start, @end) (its pages are not freed before
 * this returns): the SMMU's TLB (unless the CPUs' broadcasts did it),
 * then the ATCs.  Under the process's mmap lock.
 */
static void sva_invalidate(void *arg, struct vsmmu_mm *mm, uint64_t start,
			   uint64_t end)
{
	struct vsmmu_drv_domain *d = arg;
	int rc = 0;

	(void)mm;
	if (!d->btm) {
		rc = sva_tlbi(d, start, end);
		atomic_fetch_add(&d->drv->st.sva_invs, 1);
	}
	if (!rc)
		rc = drv_atc_inv_domain(d, start, end);
	if (rc)
		drv_log(d->drv, "SVA invalidation of ASID %u failed: %d",
			vsmmu_drv_domain_asid(d), rc);
}

/*
 * The process exits: every CD of it turns to the released form (valid,
 * EPD0: nothing walked, nothing recorded) before its tables go, then the
 * SMMU's TLB and the ATCs forget it.  Under the process's mmap lock.
 */
static void sva_release(void *arg, struct vsmmu_mm *mm)
{
	struct vsmmu_drv_domain *d = arg;
	uint16_t asid = (uint16_t)vsmmu_drv_domain_asid(d);
	uint64_t cd[DRV_ENTRY_QWORDS];
	struct drv_sva_bond *b;

	(void)mm;
	drv_make_sva_cd(cd, asid, NULL, d->btm, false);
	pthread_mutex_lock(&d->lock);
	d->released = true;
	for (b = d->bonds; b; b = b->next)
		drv_write_cd(b->m, b->ssid, cd);
	pthread_mutex_unlock(&d->lock);
	sva_tlbi(d, 0, 0);
	drv_atc_inv_domain(d, 0, 0);
}

static const struct vsmmu_mm_notifier_ops sva_mn_ops = {
	.invalidate = sva_invalidate,
	.release = sva_release,
};

/* --- SVA domains ---------------------------------------------------------- */

static int sva_unbind_locked(struct vsmmu_drv_master *m, uint32_t ssid);

/* Free an SVA domain nobody uses (asid_lock held). */
static void sva_domain_free(struct vsmmu_drv_domain *d)
{
	struct vsmmu_drv *drv = d->drv;
	struct vsmmu_drv_domain **pp;
	unsigned int asid = vsmmu_drv_domain_asid(d);

	for (pp = &drv->sva_doms; *pp; pp = &(*pp)->sva_next) {
		if (*pp == d) {
			*pp = d->sva_next;
			break;
		}
	}
	/* The notifier first: no invalidation may run on a freed domain */
	if (d->notifier)
		vsmmu_mm_notifier_unregister(d->mm, &sva_mn_ops, d);
	/* Clean the ASID for its next owner; I/O page faults may still
	 * hold a use of the domain: wait for them */
	sva_tlbi(d, 0, 0);
	while (atomic_load(&d->users))
		sched_yield();
	if (d->btm)
		vsmmu_mm_unpin(d->mm);
	ida_free(&drv->asids, asid);
	vsmmu_mm_drop(d->mm);
	pthread_mutex_destroy(&d->lock);
	free(d);
}

/* The SVA domain of @mm on @drv, found or made, with a reference taken
 * (asid_lock held). */
static int sva_domain_get(struct vsmmu_drv *drv, struct vsmmu_mm *mm,
			  struct vsmmu_drv_domain **out)
{
	struct vsmmu_drv_domain *d, *owner;
	int rc, asid;

	for (d = drv->sva_doms; d; d = d->sva_next) {
		if (d->mm == mm) {
			if (d->released)
				return -ESRCH;
			d->refs++;
			*out = d;
			return 0;
		}
	}
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->drv = drv;
	d->type = VSMMU_DRV_DOMAIN_SVA;
	d->mm = mm;
	d->btm = drv->btm;
	d->granule_shift = 12; /* the processes' pages */
	d->unbind = sva_unbind_locked;
	pthread_mutex_init(&d->lock, NULL);
	vsmmu_mm_grab(mm);
	if (d->btm) {
		asid = vsmmu_mm_pin(mm);
		if (asid < 0) {
			rc = asid;
			goto out_free;
		}
		if (ida_busy(&drv->asids, (unsigned int)asid)) {
			/* An ordinary stage-1 domain holds it: it moves */
			owner = s1_owner(drv, (uint16_t)asid);
			rc = owner ? asid_move(drv, owner) : -EBUSY;
		} else {
			rc = ida_claim(&drv->asids, (unsigned int)asid);
		}
		if (rc) {
			vsmmu_mm_unpin(mm);
			goto out_free;
		}
	} else {
		asid = ida_alloc(&drv->asids, 1, ~0U, true);
		if (asid < 0) {
			rc = asid;
			goto out_free;
		}
	}
	atomic_store(&d->asids, (uint32_t)asid);
	rc = vsmmu_mm_notifier_register(mm, &sva_mn_ops, d);
	if (rc) {
		if (d->btm)
			vsmmu_mm_unpin(mm);
		ida_free(&drv->asids, (unsigned int)asid);
		goto out_free;
	}
	d->notifier = true;
	d->refs = 1;
	d->sva_next = drv->sva_doms;
	drv->sva_doms = d;
	*out = d;
	return 0;

out_free:
	vsmmu_mm_drop(mm);
	pthread_mutex_destroy(&d->lock);
	free(d);
	return rc;
}

static void sva_domain_put(struct vsmmu_drv_domain *d)
{
	if (!--d->refs)
		sva_domain_free(d);
}

/* --- Bonds ---------------------------------------------------------------- */

int vsmmu_drv_sva_bind(struct vsmmu_drv_master *m, uint32_t ssid,
		       struct vsmmu_mm *mm, struct vsmmu_drv_domain **out)
{
	struct vsmmu_drv *drv;
	struct vsmmu_drv_domain *d;
	struct drv_sva_bond *b;
	struct vsmmu_mm_info mi;
	uint64_t cd[DRV_ENTRY_QWORDS];
	int rc;

	if (!m || !mm || !ssid || !m->ssid_bits || (ssid >> m->ssid_bits))
		return -EINVAL;
	drv = m->drv;
	if (!drv->feat.s1 || !drv->cfg.sva)
		return -ENODEV;
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	pthread_mutex_lock(&drv->asid_lock);
	pthread_mutex_lock(&m->lock);
	rc = drv_pasid_check(m, ssid);
	pthread_mutex_unlock(&m->lock);
	if (rc)
		goto out_unlock;
	/* The domain first: a move it causes takes masters' locks */
	rc = sva_domain_get(drv, mm, &d);
	if (rc)
		goto out_unlock;
	vsmmu_mm_get_info(mm, &mi);
	pthread_mutex_lock(&m->lock);
	pthread_mutex_lock(&d->lock);
	if (d->released) {
		rc = -ESRCH;
	} else {
		drv_make_sva_cd(cd, (uint16_t)vsmmu_drv_domain_asid(d), &mi,
				d->btm, m->stall);
		rc = drv_pasid_set(m, ssid, d, cd);
	}
	if (!rc) {
		b->m = m;
		b->ssid = ssid;
		b->next = d->bonds;
		d->bonds = b;
		b = NULL;
	}
	pthread_mutex_unlock(&d->lock);
	pthread_mutex_unlock(&m->lock);
	if (rc)
		sva_domain_put(d);
	else if (out)
		*out = d;
out_unlock:
	pthread_mutex_unlock(&drv->asid_lock);
	free(b);
	return rc;
}

/* Unbind (@m, @ssid) with asid_lock held. */
static int sva_unbind_locked(struct vsmmu_drv_master *m, uint32_t ssid)
{
	struct vsmmu_drv_domain *d;
	struct drv_sva_bond **pp, *b = NULL;
	int rc;

	pthread_mutex_lock(&m->lock);
	d = drv_pasid_get(m, ssid, NULL);
	if (!d || d->type != VSMMU_DRV_DOMAIN_SVA) {
		pthread_mutex_unlock(&m->lock);
		return -ENOENT;
	}
	/* Off the bond list first: a release then leaves this CD alone */
	pthread_mutex_lock(&d->lock);
	for (pp = &d->bonds; *pp; pp = &(*pp)->next) {
		if ((*pp)->m == m && (*pp)->ssid == ssid) {
			b = *pp;
			*pp = b->next;
			break;
		}
	}
	pthread_mutex_unlock(&d->lock);
	free(b);
	rc = drv_pasid_set(m, ssid, NULL, NULL);
	pthread_mutex_unlock(&m->lock);
	/* The endpoint may still cache translations of this PASID */
	if (atomic_load(&m->ats)) {
		struct vsmmu_drv_batch bt;
		int rc2;

		vsmmu_drv_batch_init(&bt);
		rc2 = drv_atc_inv_add(m, &bt, true, ssid, 0, 0);
		if (!rc2)
			rc2 = vsmmu_drv_batch_submit(m->drv, &bt, true);
		if (!rc)
			rc = rc2;
	}
	sva_domain_put(d);
	return rc;
}

int vsmmu_drv_sva_unbind(struct vsmmu_drv_master *m, uint32_t ssid)
{
	int rc;

	if (!m || !ssid)
		return -EINVAL;
	pthread_mutex_lock(&m->drv->asid_lock);
	rc = sva_unbind_locked(m, ssid);
	pthread_mutex_unlock(&m->drv->asid_lock);
	return rc;
}

int vsmmu_drv_master_set_stall(struct vsmmu_drv_master *m, bool stall)
{
	if (!m)
		return -EINVAL;
	if (stall && m->drv->feat.stall_model == IDR0_STALL_MODEL_NONE)
		return -ENODEV;
	pthread_mutex_lock(&m->lock);
	m->stall = stall;
	pthread_mutex_unlock(&m->lock);
	return 0;
}

/* --- I/O page faults ------------------------------------------------------ */

int drv_sva_iopf(struct vsmmu_drv *drv, uint32_t sid, bool ssv, uint32_t ssid,
		 uint64_t addr, unsigned int access)
{
	struct vsmmu_drv_domain *d = NULL;
	struct vsmmu_drv_master *m;
	int rc;

	if (!ssv)
		return 1;
	pthread_mutex_lock(&drv->obj_lock);
	m = drv_find_master(drv, sid);
	if (m) {
		pthread_mutex_lock(&m->lock);
		d = drv_pasid_get(m, ssid, NULL);
		if (d && d->type == VSMMU_DRV_DOMAIN_SVA)
			atomic_fetch_add(&d->users, 1); /* a use, not a bond */
		else
			d = NULL;
		pthread_mutex_unlock(&m->lock);
	}
	pthread_mutex_unlock(&drv->obj_lock);
	if (!d)
		return 1;
	/* No driver lock held: the fault may invalidate (notifier) */
	rc = vsmmu_mm_fault(d->mm, addr, access);
	atomic_fetch_sub(&d->users, 1);
	atomic_fetch_add(rc ? &drv->st.iopf_fail : &drv->st.iopf_ok, 1);
	return rc;
}
