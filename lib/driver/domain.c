// SPDX-License-Identifier: MIT
/*
 * Domains (address spaces): allocation with their ASID or VMID, map and
 * unmap with strict or deferred invalidation, and the TLB and ATC
 * invalidation of a domain.
 *
 *  - Strict unmap: page table updated, TLBI by range, CMD_SYNC, then the
 *    caller may reuse the memory.  Deferred unmap: page table updated, the
 *    range parked in the domain's flush queue; a flush invalidates the
 *    whole ASID/VMID once, syncs, and only then hands the ranges back.
 *  - After the TLB invalidation has completed, every ATS master using the
 *    domain has its ATC invalidated over the same range (4.5.1).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "driver/drv.h"

/* --- Objects -------------------------------------------------------------- */

void drv_obj_add(struct vsmmu_drv *drv, struct drv_obj *o, int kind)
{
	o->kind = kind;
	pthread_mutex_lock(&drv->obj_lock);
	o->prev = NULL;
	o->next = drv->objs;
	if (drv->objs)
		drv->objs->prev = o;
	drv->objs = o;
	pthread_mutex_unlock(&drv->obj_lock);
}

void drv_obj_del(struct vsmmu_drv *drv, struct drv_obj *o)
{
	pthread_mutex_lock(&drv->obj_lock);
	if (o->prev)
		o->prev->next = o->next;
	else
		drv->objs = o->next;
	if (o->next)
		o->next->prev = o->prev;
	pthread_mutex_unlock(&drv->obj_lock);
}

/* --- ATC invalidation ----------------------------------------------------- */

/*
 * The CMD_ATC_INV Size covering [@start, @end) (@end 0: everything): the
 * smallest aligned power-of-two span of pages holding both the first and
 * the last page -- the number of low page-number bits in which they
 * differ (4.5.1: the span is Address aligned to 2^(12 + Size)).
 */
static unsigned int atc_size(uint64_t start, uint64_t end)
{
	uint64_t first = start >> 12, last = (end - 1) >> 12;
	unsigned int size;

	if (!end || end <= start)
		return CMDQ_ATC_1_SIZE_ALL;
	size = first == last ? 0 :
			       64 - (unsigned int)__builtin_clzll(first ^ last);
	return size > CMDQ_ATC_1_SIZE_ALL ? CMDQ_ATC_1_SIZE_ALL : size;
}

/* Add CMD_ATC_INV for every StreamID of @m to @b. */
int drv_atc_inv_add(struct vsmmu_drv_master *m, struct vsmmu_drv_batch *b,
		    bool ssv, uint32_t ssid, uint64_t start, uint64_t end)
{
	struct vsmmu_drv_cmd c = { .opcode = CMDQ_OP_ATC_INV,
				   .ssv = ssv,
				   .ssid = ssid,
				   .size = atc_size(start, end) };
	unsigned int i;
	int rc;

	c.addr = c.size == CMDQ_ATC_1_SIZE_ALL ? 0 : start;
	for (i = 0; i < m->nsids; i++) {
		c.sid = m->sids[i];
		rc = vsmmu_drv_batch_add(m->drv, b, &c);
		if (rc)
			return rc;
		atomic_fetch_add(&m->drv->st.atc_inv, 1);
	}
	return 0;
}

/*
 * After the SMMU's TLB invalidation of @d has completed: CMD_ATC_INV for
 * every ATS master using @d, as its main domain (no PASID) or for a
 * PASID, over [@start, @end) (@end 0: all), then CMD_SYNC.  That is the
 * second half of 4.5.1's sequence (TLBI, SYNC, ATC_INV, SYNC).
 */
static int atc_inv_on(struct vsmmu_drv *drv, struct vsmmu_drv_domain *d,
		      uint64_t start, uint64_t end)
{
	struct vsmmu_drv_batch b;
	struct drv_obj *o;
	unsigned int i;
	int rc = 0;

	if (!drv->feat.ats)
		return 0;
	vsmmu_drv_batch_init(&b);
	pthread_mutex_lock(&drv->obj_lock);
	for (o = drv->objs; o && !rc; o = o->next) {
		struct vsmmu_drv_master *m = (struct vsmmu_drv_master *)o;
		struct vsmmu_drv_domain *md;

		if (o->kind != DRV_OBJ_MASTER || !atomic_load(&m->ats))
			continue;
		/* m->dom and m->pasids change under m->lock */
		pthread_mutex_lock(&m->lock);
		md = m->dom;
		if (md == d)
			rc = drv_atc_inv_add(m, &b, false, 0, start, end);
		/* A guest's ATC entries are stage 1 over this stage 2: the
		 * guest's addresses are unknown here, so all of them */
		else if (md && md->type == VSMMU_DRV_DOMAIN_NESTED &&
			 md->vm->parent == d)
			rc = drv_atc_inv_add(m, &b, false, 0, 0, 0);
		for (i = 0; i < m->npasids && !rc; i++)
			if (m->pasids[i].dom == d)
				rc = drv_atc_inv_add(m, &b, true,
						     m->pasids[i].ssid, start,
						     end);
		pthread_mutex_unlock(&m->lock);
	}
	pthread_mutex_unlock(&drv->obj_lock);
	if (rc || !b.num)
		return rc;
	return vsmmu_drv_batch_submit(drv, &b, true);
}

/*
 * After the TLB invalidation of @d has completed: CMD_ATC_INV for every
 * ATS master using @d, and for a nest parent every ATS master of a VM
 * over it, on every SMMU concerned; called with d->lock held.
 */
int drv_atc_inv_domain(struct vsmmu_drv_domain *d, uint64_t start, uint64_t end)
{
	struct vsmmu_drv_vm *vm, *prev;
	int rc = atc_inv_on(d->drv, d, start, end);

	for (vm = d->vms; vm && !rc; vm = vm->parent_next) {
		/* Once per SMMU */
		for (prev = d->vms; prev != vm && prev->drv != vm->drv;
		     prev = prev->parent_next)
			;
		if (prev == vm && vm->drv != d->drv)
			rc = atc_inv_on(vm->drv, d, start, end);
	}
	return rc;
}

/* --- Domains -------------------------------------------------------------- */

static unsigned int pick_granule(struct vsmmu_drv *drv, unsigned int want)
{
	static const unsigned int g[3] = { 12, 14, 16 };
	unsigned int i;

	if (want)
		return (drv->feat.pgsize_bitmap & (1ULL << want)) ? want : 0;
	for (i = 0; i < 3; i++)
		if (drv->feat.pgsize_bitmap & (1ULL << g[i]))
			return g[i];
	return 0;
}

int vsmmu_drv_domain_alloc(struct vsmmu_drv *drv,
			   const struct vsmmu_drv_domain_cfg *cfg,
			   struct vsmmu_drv_domain **out)
{
	struct vsmmu_pgtable_cfg pc = { 0 };
	struct vsmmu_drv_domain *d;
	int rc, id;

	if (!drv || !cfg || !out)
		return -EINVAL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->drv = drv;
	d->type = cfg->type;
	pthread_mutex_init(&d->lock, NULL);
	if ((cfg->nest_parent || cfg->dirty_tracking) &&
	    cfg->type != VSMMU_DRV_DOMAIN_S2) {
		rc = -EINVAL;
		goto out_free;
	}
	if (cfg->dirty_tracking && drv->feat.httu < 2) {
		rc = -EOPNOTSUPP;
		goto out_free;
	}
	d->nest_parent = cfg->nest_parent;
	d->dirty_tracking = cfg->dirty_tracking;
	switch (cfg->type) {
	case VSMMU_DRV_DOMAIN_BYPASS:
	case VSMMU_DRV_DOMAIN_ABORT:
		goto publish;
	case VSMMU_DRV_DOMAIN_S1:
		if (!drv->feat.s1) {
			rc = -ENODEV;
			goto out_free;
		}
		pc.fmt = VSMMU_PGTABLE_S1;
		pc.ias = cfg->ias ? cfg->ias : 48;
		break;
	case VSMMU_DRV_DOMAIN_S2:
		if (!drv->feat.s2) {
			rc = -ENODEV;
			goto out_free;
		}
		pc.fmt = VSMMU_PGTABLE_S2;
		pc.ias = cfg->ias ? cfg->ias : 48;
		if (pc.ias > drv->feat.oas)
			pc.ias = drv->feat.oas;
		pc.max_concat = 16;
		break;
	default:
		rc = -EINVAL;
		goto out_free;
	}
	d->granule_shift = pick_granule(drv, cfg->granule_shift);
	if (!d->granule_shift) {
		rc = -EINVAL;
		goto out_free;
	}
	pc.granule_shift = d->granule_shift;
	pc.oas = drv->feat.oas;
	pc.pool = drv->cfg.pool;
	rc = vsmmu_pgtable_create(&pc, &d->pgt);
	if (rc)
		goto out_free;
	vsmmu_pgtable_get_info(d->pgt, &d->pi);
	/* From 1 (0 stays for stage-1 STEs' VMID and the unused ASID),
	 * cyclic so that a freed tag is not reused at once */
	if (cfg->type == VSMMU_DRV_DOMAIN_S1) {
		pthread_mutex_lock(&drv->asid_lock);
		id = ida_alloc(&drv->asids, 1, ~0U, true);
		if (id > 0)
			atomic_store(&d->asids, (uint32_t)id);
		pthread_mutex_unlock(&drv->asid_lock);
	} else {
		id = ida_alloc(&drv->vmids, 1, ~0U, true);
		if (id > 0)
			d->vmid = (uint16_t)id;
	}
	if (id < 0) {
		rc = id;
		goto out_pgt;
	}
publish:
	drv_obj_add(drv, &d->obj, DRV_OBJ_DOMAIN);
	*out = d;
	return 0;

out_pgt:
	vsmmu_pgtable_destroy(d->pgt);
out_free:
	pthread_mutex_destroy(&d->lock);
	free(d);
	return rc;
}

unsigned int vsmmu_drv_domain_asid(const struct vsmmu_drv_domain *d)
{
	return (uint16_t)atomic_load(&((struct vsmmu_drv_domain *)d)->asids);
}

unsigned int vsmmu_drv_domain_vmid(const struct vsmmu_drv_domain *d)
{
	return d->type == VSMMU_DRV_DOMAIN_NESTED ? d->vm->vmid : d->vmid;
}

void drv_domain_add_vm(struct vsmmu_drv_domain *parent, struct vsmmu_drv_vm *vm)
{
	pthread_mutex_lock(&parent->lock);
	vm->parent_next = parent->vms;
	parent->vms = vm;
	atomic_fetch_add(&parent->users, 1);
	pthread_mutex_unlock(&parent->lock);
}

void drv_domain_del_vm(struct vsmmu_drv_domain *parent, struct vsmmu_drv_vm *vm)
{
	struct vsmmu_drv_vm **pp;

	pthread_mutex_lock(&parent->lock);
	for (pp = &parent->vms; *pp; pp = &(*pp)->parent_next) {
		if (*pp == vm) {
			*pp = vm->parent_next;
			atomic_fetch_sub(&parent->users, 1);
			break;
		}
	}
	pthread_mutex_unlock(&parent->lock);
}

/* Invalidate every TLB entry of the domain and sync. */
/*
 * Every (SMMU, VMID) a stage-2 table is used with: the domain's own VMID
 * on its own SMMU, then, for a nest parent, each VM over it (d->vms,
 * under d->lock, which the callers hold).  @fn stops the walk with an
 * error.
 */
static int for_each_s2_user(struct vsmmu_drv_domain *d,
			    int (*fn)(struct vsmmu_drv *drv, uint16_t vmid,
				      void *arg),
			    void *arg)
{
	struct vsmmu_drv_vm *vm;
	int rc = fn(d->drv, d->vmid, arg);

	for (vm = d->vms; vm && !rc; vm = vm->parent_next)
		rc = fn(vm->drv, vm->vmid, arg);
	return rc;
}

static int issue1(struct vsmmu_drv *drv, const struct vsmmu_drv_cmd *c)
{
	uint64_t raw[1][2];
	int rc = vsmmu_drv_cmd_build(c, raw[0]);

	return rc ? rc :
		    vsmmu_drv_cmdq_issue(drv, (const uint64_t(*)[2])raw, 1,
					 true);
}

static int s12_vmall(struct vsmmu_drv *drv, uint16_t vmid, void *arg)
{
	struct vsmmu_drv_cmd c = { .opcode = CMDQ_OP_TLBI_S12_VMALL,
				   .vmid = vmid };

	return issue1(drv, &c);
}

/* Invalidate every TLB entry of the domain and sync; then the ATCs. */
static int inv_all(struct vsmmu_drv_domain *d)
{
	struct vsmmu_drv_cmd c = { 0 };
	int rc;

	if (d->type == VSMMU_DRV_DOMAIN_S1 || d->type == VSMMU_DRV_DOMAIN_SVA) {
		uint16_t asid[2];

		/* Both ASIDs while the domain moves (sva.c) */
		atomic_thread_fence(memory_order_seq_cst);
		drv_domain_asids(d, &asid[0], &asid[1]);
		if (d->drv->asid_move_seed)
			asid[1] = 0;
		c.opcode = CMDQ_OP_TLBI_NH_ASID;
		c.asid = asid[0];
		rc = issue1(d->drv, &c);
		if (!rc && asid[1]) {
			c.asid = asid[1];
			rc = issue1(d->drv, &c);
		}
	} else if (d->type == VSMMU_DRV_DOMAIN_S2) {
		/* S12_VMALL: stage-2 and nested entries of each VMID */
		rc = for_each_s2_user(d, s12_vmall, NULL);
	} else {
		return 0;
	}
	return rc ? rc : drv_atc_inv_domain(d, 0, 0);
}

/* Flush the deferred unmaps; called with d->lock held. */
static int fq_flush(struct vsmmu_drv_domain *d)
{
	unsigned int i;
	int rc;

	if (!d->fq_n)
		return 0;
	rc = inv_all(d);
	if (rc)
		return rc; /* nothing freed: the SMMU may still hold them */
	atomic_fetch_add(&d->drv->st.flushes, 1);
	for (i = 0; i < d->fq_n; i++)
		if (d->fq[i].fn)
			d->fq[i].fn(d->fq[i].arg, d->fq[i].iova, d->fq[i].size);
	d->fq_n = 0;
	return 0;
}

int vsmmu_drv_domain_flush(struct vsmmu_drv_domain *d)
{
	int rc;

	if (!d)
		return -EINVAL;
	pthread_mutex_lock(&d->lock);
	rc = fq_flush(d);
	pthread_mutex_unlock(&d->lock);
	return rc;
}

int vsmmu_drv_domain_free(struct vsmmu_drv_domain *d)
{
	struct vsmmu_drv *drv;

	if (!d)
		return 0;
	if (d->type == VSMMU_DRV_DOMAIN_SVA)
		return -EINVAL; /* its last vsmmu_drv_sva_unbind() frees it */
	drv = d->drv;
	if (atomic_load(&d->users))
		return -EBUSY;
	pthread_mutex_lock(&d->lock);
	fq_flush(d);
	inv_all(d);
	pthread_mutex_unlock(&d->lock);
	drv_obj_del(drv, &d->obj);
	if (d->vm)
		atomic_fetch_sub(&d->vm->users, 1);
	if (d->type == VSMMU_DRV_DOMAIN_S1) {
		/* Under the ASID lock: no move may be choosing it now */
		pthread_mutex_lock(&drv->asid_lock);
		ida_free(&drv->asids, vsmmu_drv_domain_asid(d));
		pthread_mutex_unlock(&drv->asid_lock);
	}
	if (d->vmid)
		ida_free(&drv->vmids, d->vmid);
	vsmmu_pgtable_destroy(d->pgt);
	free(d->fq);
	pthread_mutex_destroy(&d->lock);
	free(d);
	return 0;
}

int vsmmu_drv_map(struct vsmmu_drv_domain *d, uint64_t iova, uint64_t pa,
		  uint64_t size, unsigned int prot)
{
	int rc;

	if (!d || !d->pgt)
		return -EINVAL;
	/* Devices are unprivileged unless they say otherwise: like Linux
	 * without IOMMU_PRIV, stage-1 mappings allow EL0 access */
	if (d->type == VSMMU_DRV_DOMAIN_S1)
		prot |= VSMMU_PROT_USER;
	if (d->dirty_tracking)
		prot |= VSMMU_PROT_DIRTY_TRACK;
	pthread_mutex_lock(&d->lock);
	rc = vsmmu_pgtable_map(d->pgt, iova, pa, size, prot);
	pthread_mutex_unlock(&d->lock);
	return rc;
}

/* The TTL hint for leaves at @level, or 0 when no hint is allowed. */
static unsigned int ttl_of(unsigned int granule_shift, unsigned int level)
{
	if (level < 1 || level > 3)
		return 0;
	if (level == 1 && granule_shift != 12)
		return 0;
	return level;
}

#define TLBI_MAX_OPS 256

struct range_inv {
	struct vsmmu_drv_domain *d;
	const struct vsmmu_pgtable_gather *g;
	uint16_t asid; /* stage 1 */
};

/*
 * Invalidate what @g says was unmapped, on one SMMU and tag, and sync.
 * With range invalidation: as few commands as possible, each covering
 * (NUM + 1) << SCALE granules, peeling the lowest set bits of the page
 * count (Linux's method); otherwise one command per smallest leaf, or the
 * whole ASID/VMID when that would take more than TLBI_MAX_OPS commands.
 * For a nest parent the guests' combined stage-1 entries over the range
 * go too: TLBI_S2_IPA need not remove them (spec-notes Q12), so a
 * TLBI_NH_ALL of the VMID follows, as Linux does.
 */
static int inv_range_on(struct vsmmu_drv *drv, uint16_t vmid, void *arg)
{
	struct range_inv *ri = arg;
	struct vsmmu_drv_domain *d = ri->d;
	const struct vsmmu_pgtable_gather *g = ri->g;
	unsigned int tg = d->granule_shift, level = 0, n = 0;
	struct vsmmu_drv_cmd c = { 0 };
	struct vsmmu_drv_batch b;
	uint64_t iova = g->start;
	bool leaf = !g->tables_freed;
	int rc;

	if (d->type == VSMMU_DRV_DOMAIN_S1 || d->type == VSMMU_DRV_DOMAIN_SVA) {
		c.opcode = CMDQ_OP_TLBI_NH_VA;
		c.asid = ri->asid;
	} else {
		c.opcode = CMDQ_OP_TLBI_S2_IPA;
		c.vmid = vmid;
	}
	c.leaf = leaf;
	if (g->leaf_levels && !(g->leaf_levels & (g->leaf_levels - 1)))
		level = (unsigned int)__builtin_ctz(g->leaf_levels);
	vsmmu_drv_batch_init(&b);

	if (drv->feat.ril) {
		uint64_t pages = (g->end - g->start) >> tg;
		unsigned int ttl = leaf ? ttl_of(tg, level) : 0;

		while (pages) {
			unsigned int scale =
				(unsigned int)__builtin_ctzll(pages);
			unsigned int num = (unsigned int)(pages >> scale) & 31;

			c.addr = iova;
			c.tg = tg == 12 ? 1 : tg == 14 ? 2 : 3;
			c.ttl = ttl;
			c.num = num - 1;
			c.scale = scale;
			/* TG with NUM = SCALE = TTL = 0 is reserved: a single
			 * page without a level hint is the non-range form */
			if (!c.num && !c.scale && !c.ttl)
				c.tg = 0;
			rc = vsmmu_drv_batch_add(drv, &b, &c);
			if (rc)
				return rc;
			n++;
			iova += (uint64_t)num << (scale + tg);
			pages -= (uint64_t)num << scale;
		}
	} else {
		uint64_t step = g->pgsize ? g->pgsize : 1ULL << tg;

		if ((g->end - g->start) / step > TLBI_MAX_OPS) {
			c = (struct vsmmu_drv_cmd){ 0 };
			if (d->type == VSMMU_DRV_DOMAIN_S1 ||
			    d->type == VSMMU_DRV_DOMAIN_SVA) {
				c.opcode = CMDQ_OP_TLBI_NH_ASID;
				c.asid = ri->asid;
			} else {
				c.opcode = CMDQ_OP_TLBI_S12_VMALL;
				c.vmid = vmid;
			}
			rc = vsmmu_drv_batch_add(drv, &b, &c);
			if (rc)
				return rc;
			return vsmmu_drv_batch_submit(drv, &b, true);
		}
		for (; iova < g->end; iova += step) {
			c.addr = iova;
			rc = vsmmu_drv_batch_add(drv, &b, &c);
			if (rc)
				return rc;
			n++;
		}
	}
	if (d->nest_parent) {
		c = (struct vsmmu_drv_cmd){ .opcode = CMDQ_OP_TLBI_NH_ALL,
					    .vmid = vmid };
		rc = vsmmu_drv_batch_add(drv, &b, &c);
		if (rc)
			return rc;
	}
	atomic_fetch_add(&drv->st.tlbi_range, n);
	return vsmmu_drv_batch_submit(drv, &b, true);
}

int drv_tlbi_asid(struct vsmmu_drv_domain *d, uint16_t asid, uint64_t start,
		  uint64_t end)
{
	struct vsmmu_pgtable_gather g = { .start = start,
					  .end = end,
					  .pgsize = 1ULL << d->granule_shift,
					  .tables_freed = true };
	struct range_inv ri = { d, &g, asid };
	struct vsmmu_drv_cmd c = { .opcode = CMDQ_OP_TLBI_NH_ASID,
				   .asid = asid };

	if (!end)
		return issue1(d->drv, &c);
	return start < end ? inv_range_on(d->drv, 0, &ri) : 0;
}

static int inv_range(struct vsmmu_drv_domain *d,
		     const struct vsmmu_pgtable_gather *g)
{
	struct range_inv ri = { d, g, 0 };
	uint16_t old;
	int rc;

	if (g->start >= g->end)
		return 0;
	if (d->type == VSMMU_DRV_DOMAIN_S1) {
		/*
		 * The table changed before this load (the fence orders
		 * them): if an ASID move published its new ASID before,
		 * both ASIDs are read and both invalidated; if after, every
		 * walk under the new ASID sees the changed table (sva.c).
		 */
		atomic_thread_fence(memory_order_seq_cst);
		drv_domain_asids(d, &ri.asid, &old);
		if (d->drv->asid_move_seed)
			old = 0; /* seed 002: one ASID, whichever is current */
		rc = inv_range_on(d->drv, 0, &ri);
		if (!rc && old) {
			ri.asid = old;
			rc = inv_range_on(d->drv, 0, &ri);
		}
	} else
		rc = for_each_s2_user(d, inv_range_on, &ri);
	return rc ? rc : drv_atc_inv_domain(d, g->start, g->end);
}

int64_t vsmmu_drv_unmap(struct vsmmu_drv_domain *d, uint64_t iova,
			uint64_t size, unsigned int flags,
			vsmmu_drv_free_fn *free_fn, void *free_arg)
{
	struct vsmmu_pgtable_gather g;
	int64_t done;
	int rc = 0;

	if (!d || !d->pgt || (flags & ~VSMMU_DRV_UNMAP_DEFERRED))
		return -EINVAL;
	pthread_mutex_lock(&d->lock);
	vsmmu_pgtable_gather_init(&g);
	done = vsmmu_pgtable_unmap(d->pgt, iova, size, &g);
	if (done < 0)
		goto out;
	if (flags & VSMMU_DRV_UNMAP_DEFERRED) {
		if (!d->fq) {
			d->fq = calloc(FQ_MAX, sizeof(*d->fq));
			if (!d->fq) {
				/* No room to defer: be strict instead */
				rc = inv_range(d, &g);
				goto out_free;
			}
		}
		if (d->fq_n == FQ_MAX) {
			rc = fq_flush(d);
			if (rc)
				goto out;
		}
		d->fq[d->fq_n++] =
			(struct fq_ent){ iova, size, free_fn, free_arg };
		goto out;
	}
	rc = inv_range(d, &g);
out_free:
	if (!rc && free_fn)
		free_fn(free_arg, iova, size);
out:
	pthread_mutex_unlock(&d->lock);
	return rc ? rc : done;
}

void drv_domain_destroy_all(struct vsmmu_drv *drv)
{
	struct drv_obj *o;

	/* After the masters (master.c): nothing holds a domain any more */
	for (;;) {
		struct vsmmu_drv_domain *d;

		pthread_mutex_lock(&drv->obj_lock);
		for (o = drv->objs; o && o->kind != DRV_OBJ_DOMAIN; o = o->next)
			;
		pthread_mutex_unlock(&drv->obj_lock);
		if (!o)
			break;
		d = (struct vsmmu_drv_domain *)o;
		atomic_store(&d->users, 0);
		vsmmu_drv_domain_free(d);
	}
}

int64_t vsmmu_drv_domain_read_dirty(struct vsmmu_drv_domain *d, uint64_t iova,
				    uint64_t size, unsigned int flags,
				    void (*fn)(void *arg, uint64_t iova,
					       uint64_t size),
				    void *arg)
{
	struct vsmmu_pgtable_gather g;
	int64_t n;
	int rc;

	if (!d || !d->pgt || !d->dirty_tracking ||
	    (flags & ~VSMMU_DRV_DIRTY_NO_CLEAR))
		return -EINVAL;
	pthread_mutex_lock(&d->lock);
	vsmmu_pgtable_gather_init(&g);
	n = vsmmu_pgtable_read_dirty(d->pgt, iova, size,
				     (flags & VSMMU_DRV_DIRTY_NO_CLEAR) ?
					     VSMMU_PGTABLE_DIRTY_NO_CLEAR :
					     0,
				     fn, arg, &g);
	/* Cleared leaves may still be cached writable: not tracked */
	if (n > 0 && !(flags & VSMMU_DRV_DIRTY_NO_CLEAR)) {
		rc = inv_range(d, &g);
		if (rc)
			n = rc;
	}
	pthread_mutex_unlock(&d->lock);
	return n;
}
