// SPDX-License-Identifier: MIT
/*
 * Masters (devices), domains (address spaces), attach/detach, map/unmap
 * with strict or deferred invalidation, and the ASID/VMID allocators.
 *
 * Ordering rules followed here (as Linux):
 *  - Attaching a stage-1 domain writes the CD first, then the STE that
 *    points at the CD table; leaving stage 1 rewrites the STE first, then
 *    clears the CD.  Either way the SMMU never follows a pointer to a CD
 *    that is not ready.
 *  - Every live STE/CD update goes through the hitless writer, whose sync
 *    step issues CFGI_STE/CFGI_CD for every StreamID of the master and a
 *    CMD_SYNC.
 *  - Strict unmap: page table updated, TLBI by range, CMD_SYNC, then the
 *    caller may reuse the memory.  Deferred unmap: page table updated, the
 *    range parked in the domain's flush queue; a flush invalidates the
 *    whole ASID/VMID once, syncs, and only then hands the ranges back.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <vsmmu/entry.h>

#include "driver/drv.h"

/* --- ID allocator (a bitmap, next-fit) ------------------------------------ */

int drv_ids_init(struct drv_ids *ids, unsigned int bits)
{
	memset(ids, 0, sizeof(*ids));
	ids->n = 1U << bits;
	ids->bits = calloc((ids->n + 63) / 64, sizeof(*ids->bits));
	if (!ids->bits)
		return -ENOMEM;
	ids->bits[0] = 1; /* id 0 is reserved */
	ids->next = 1;
	pthread_mutex_init(&ids->lock, NULL);
	return 0;
}

void drv_ids_fini(struct drv_ids *ids)
{
	if (!ids->bits)
		return;
	free(ids->bits);
	ids->bits = NULL;
	pthread_mutex_destroy(&ids->lock);
}

int drv_ids_alloc(struct drv_ids *ids)
{
	unsigned int i, id;
	int rc = -ENOSPC;

	pthread_mutex_lock(&ids->lock);
	for (i = 0; i < ids->n; i++) {
		id = (ids->next + i) % ids->n;
		if (!(ids->bits[id / 64] & (1ULL << (id % 64)))) {
			ids->bits[id / 64] |= 1ULL << (id % 64);
			ids->next = (id + 1) % ids->n;
			rc = (int)id;
			break;
		}
	}
	pthread_mutex_unlock(&ids->lock);
	return rc;
}

void drv_ids_free(struct drv_ids *ids, unsigned int id)
{
	if (!id || id >= ids->n)
		return;
	pthread_mutex_lock(&ids->lock);
	ids->bits[id / 64] &= ~(1ULL << (id % 64));
	pthread_mutex_unlock(&ids->lock);
}

/* --- Objects -------------------------------------------------------------- */

struct fq_ent {
	uint64_t iova, size;
	vsmmu_drv_free_fn *fn;
	void *arg;
};

#define FQ_MAX 256

struct vsmmu_drv_domain {
	struct drv_obj obj; /* first */
	struct vsmmu_drv *drv;
	enum vsmmu_drv_domain_type type;
	pthread_mutex_t lock; /* page table and flush queue */
	struct vsmmu_pgtable *pgt;
	struct vsmmu_pgtable_info pi;
	unsigned int granule_shift;
	uint16_t asid, vmid;
	_Atomic unsigned int users;
	struct fq_ent *fq;
	unsigned int fq_n;
};

struct pasid_ent {
	uint32_t ssid;
	struct vsmmu_drv_domain *dom;
};

struct vsmmu_drv_master {
	struct drv_obj obj; /* first */
	struct vsmmu_drv *drv;
	uint32_t *sids;
	unsigned int nsids;
	unsigned int ssid_bits;
	pthread_mutex_t lock;
	struct vsmmu_drv_domain *dom;
	struct pasid_ent *pasids;
	unsigned int npasids;
	/* CD table: linear, or two-level with 64K leaves (S1Fmt 2) */
	uint64_t cdtab, cdtab_size;
	bool cd_2lvl;
	uint64_t *cd_l2;
	unsigned int cd_l1_ents;
	_Atomic bool ats; /* the endpoint uses ATS: EATS = 0b01 */
};

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

/* --- Writer syncs --------------------------------------------------------- */

struct ste_ctx {
	struct vsmmu_drv *drv;
	uint32_t sid;
};

static int ste_sync(struct drv_entry_writer *w)
{
	struct ste_ctx *c = w->ctx;
	struct vsmmu_drv_cmd cmd = { .opcode = CMDQ_OP_CFGI_STE,
				     .sid = c->sid,
				     .leaf = true };
	uint64_t raw[1][2];

	vsmmu_drv_cmd_build(&cmd, raw[0]);
	return vsmmu_drv_cmdq_issue(c->drv, (const uint64_t(*)[2])raw, 1, true);
}

static const struct drv_entry_writer_ops ste_ops = {
	.get_used = vsmmu_ste_used,
	.get_update_safe = vsmmu_ste_update_safe,
	.sync = ste_sync,
};

struct cd_ctx {
	struct vsmmu_drv_master *m;
	uint32_t ssid;
	bool leaf;
};

static int cd_sync_sids(struct vsmmu_drv_master *m, uint32_t ssid, bool leaf)
{
	struct vsmmu_drv_batch b;
	struct vsmmu_drv_cmd cmd = { .opcode = CMDQ_OP_CFGI_CD,
				     .ssid = ssid,
				     .leaf = leaf };
	unsigned int i;

	vsmmu_drv_batch_init(&b);
	for (i = 0; i < m->nsids; i++) {
		cmd.sid = m->sids[i];
		vsmmu_drv_batch_add(m->drv, &b, &cmd);
	}
	return vsmmu_drv_batch_submit(m->drv, &b, true);
}

static int cd_sync(struct drv_entry_writer *w)
{
	struct cd_ctx *c = w->ctx;

	return cd_sync_sids(c->m, c->ssid, c->leaf);
}

static const struct drv_entry_writer_ops cd_ops = {
	.get_used = vsmmu_cd_used,
	.sync = cd_sync,
};

static int write_ste(struct vsmmu_drv *drv, uint32_t sid, const uint64_t *ste)
{
	struct ste_ctx c = { drv, sid };
	struct drv_entry_writer w = {
		.ops = &ste_ops,
		.mem = drv->mem,
		.pa = drv_ste_pa(drv, sid),
		.ctx = &c,
	};
	int rc = drv_write_entry(&w, ste);

	atomic_fetch_add(&drv->st.ste_writes, 1);
	return rc < 0 ? rc : 0;
}

/* --- CD tables ------------------------------------------------------------ */

#define CD_L2_ENTS CTXDESC_L2_ENTRIES_64K
#define CD_L2_SIZE (CD_L2_ENTS * 64ULL)

static int cdtab_alloc(struct vsmmu_drv_master *m)
{
	struct vsmmu_drv *drv = m->drv;
	uint64_t ents = 1ULL << m->ssid_bits, size;
	int rc;

	if (m->cdtab)
		return 0;
	if (drv->feat.cd_2lvl && ents > CD_L2_ENTS) {
		m->cd_2lvl = true;
		m->cd_l1_ents = (unsigned int)(ents / CD_L2_ENTS);
		m->cd_l2 = calloc(m->cd_l1_ents, sizeof(*m->cd_l2));
		if (!m->cd_l2)
			return -ENOMEM;
		size = (uint64_t)m->cd_l1_ents * 8;
	} else {
		size = ents * 64;
	}
	if (size < 64)
		size = 64;
	rc = vsmmu_mem_pool_alloc(drv->cfg.pool, size, size, &m->cdtab);
	if (rc) {
		free(m->cd_l2);
		m->cd_l2 = NULL;
		m->cd_2lvl = false;
		return rc;
	}
	m->cdtab_size = size;
	return 0;
}

static void cdtab_free(struct vsmmu_drv_master *m)
{
	unsigned int i;

	if (!m->cdtab)
		return;
	for (i = 0; m->cd_l2 && i < m->cd_l1_ents; i++)
		if (m->cd_l2[i])
			vsmmu_mem_pool_free(m->drv->cfg.pool, m->cd_l2[i],
					    CD_L2_SIZE);
	free(m->cd_l2);
	vsmmu_mem_pool_free(m->drv->cfg.pool, m->cdtab, m->cdtab_size);
	m->cd_l2 = NULL;
	m->cdtab = 0;
}

/* Physical address of @ssid's CD, allocating a leaf table if @alloc. */
static int cd_pa(struct vsmmu_drv_master *m, uint32_t ssid, bool alloc,
		 uint64_t *pa)
{
	unsigned int i = ssid / CD_L2_ENTS;
	uint64_t leaf;
	int rc;

	if (!m->cd_2lvl) {
		*pa = m->cdtab + (uint64_t)ssid * 64;
		return 0;
	}
	if (!m->cd_l2[i]) {
		if (!alloc)
			return -ENOENT;
		rc = vsmmu_mem_pool_alloc(m->drv->cfg.pool, CD_L2_SIZE,
					  CD_L2_SIZE, &leaf);
		if (rc)
			return rc;
		/* The leaf is zero (every CD invalid) before it is linked */
		rc = vsmmu_mem_write64(m->drv->mem, m->cdtab + (uint64_t)i * 8,
				       CTXDESC_L1_DESC_V |
					       (leaf &
						CTXDESC_L1_DESC_L2PTR_MASK));
		if (rc) {
			vsmmu_mem_pool_free(m->drv->cfg.pool, leaf, CD_L2_SIZE);
			return rc;
		}
		m->cd_l2[i] = leaf;
		/* An invalid L1CD may have been cached: not a leaf CFGI */
		rc = cd_sync_sids(m, ssid, false);
		if (rc)
			return rc;
	}
	*pa = m->cd_l2[i] + (uint64_t)(ssid % CD_L2_ENTS) * 64;
	return 0;
}

static int write_cd(struct vsmmu_drv_master *m, uint32_t ssid,
		    const uint64_t *cd)
{
	struct cd_ctx c = { m, ssid, true };
	struct drv_entry_writer w = {
		.ops = &cd_ops,
		.mem = m->drv->mem,
		.ctx = &c,
	};
	int rc = cd_pa(m, ssid, !!(cd[0] & CTXDESC_CD_0_V), &w.pa);

	if (rc == -ENOENT)
		return 0; /* clearing a CD whose leaf never existed */
	if (rc)
		return rc;
	rc = drv_write_entry(&w, cd);
	atomic_fetch_add(&m->drv->st.cd_writes, 1);
	return rc < 0 ? rc : 0;
}

/* --- Masters -------------------------------------------------------------- */

static struct vsmmu_drv_master *find_sid(struct vsmmu_drv *drv, uint32_t sid)
{
	struct drv_obj *o;
	unsigned int i;

	for (o = drv->objs; o; o = o->next) {
		struct vsmmu_drv_master *m = (struct vsmmu_drv_master *)o;

		if (o->kind != 0)
			continue;
		for (i = 0; i < m->nsids; i++)
			if (m->sids[i] == sid)
				return m;
	}
	return NULL;
}

int vsmmu_drv_master_create(struct vsmmu_drv *drv, const uint32_t *sids,
			    unsigned int nsids, unsigned int ssid_bits,
			    struct vsmmu_drv_master **out)
{
	struct vsmmu_drv_master *m;
	unsigned int i, j;
	int rc;

	if (!drv || !sids || !nsids || nsids > 4096 || !out ||
	    ssid_bits > drv->feat.ssid_bits || ssid_bits > 20 ||
	    (ssid_bits && !drv->feat.s1))
		return -EINVAL;
	for (i = 0; i < nsids; i++) {
		if (drv->feat.st_log2size < 32 &&
		    sids[i] >> drv->feat.st_log2size)
			return -EINVAL;
		for (j = 0; j < i; j++)
			if (sids[j] == sids[i])
				return -EINVAL;
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->sids = malloc(nsids * sizeof(*sids));
	if (!m->sids) {
		free(m);
		return -ENOMEM;
	}
	memcpy(m->sids, sids, nsids * sizeof(*sids));
	m->nsids = nsids;
	m->drv = drv;
	m->ssid_bits = ssid_bits;
	pthread_mutex_init(&m->lock, NULL);
	for (i = 0; i < nsids; i++) {
		rc = drv_ensure_l2(drv, sids[i]);
		if (rc)
			goto out_free;
	}
	/* Publish, unless a StreamID is taken (checked under the lock) */
	pthread_mutex_lock(&drv->obj_lock);
	for (i = 0; i < nsids; i++) {
		if (find_sid(drv, sids[i])) {
			pthread_mutex_unlock(&drv->obj_lock);
			rc = -EBUSY;
			goto out_free;
		}
	}
	m->obj.kind = 0;
	m->obj.prev = NULL;
	m->obj.next = drv->objs;
	if (drv->objs)
		drv->objs->prev = &m->obj;
	drv->objs = &m->obj;
	pthread_mutex_unlock(&drv->obj_lock);
	*out = m;
	return 0;

out_free:
	pthread_mutex_destroy(&m->lock);
	free(m->sids);
	free(m);
	return rc;
}

static struct vsmmu_drv_domain *pasid_get(struct vsmmu_drv_master *m,
					  uint32_t ssid, unsigned int *pos)
{
	unsigned int i;

	for (i = 0; i < m->npasids; i++) {
		if (m->pasids[i].ssid == ssid) {
			if (pos)
				*pos = i;
			return m->pasids[i].dom;
		}
	}
	return NULL;
}

static int master_write_stes(struct vsmmu_drv_master *m);

/* The STE @m's state calls for. */
static void master_ste(struct vsmmu_drv_master *m, uint64_t *ste)
{
	struct vsmmu_drv_domain *d = m->dom;
	unsigned int fmt = m->cd_2lvl ? STRTAB_STE_0_S1FMT_64K_L2 :
					STRTAB_STE_0_S1FMT_LINEAR;

	if (d && d->type == VSMMU_DRV_DOMAIN_S1) {
		drv_make_s1_ste(ste, m->cdtab, fmt, m->ssid_bits,
				m->ssid_bits ? STRTAB_STE_1_S1DSS_SSID0 : 0);
	} else if (d && d->type == VSMMU_DRV_DOMAIN_S2) {
		drv_make_s2_ste(ste, d->vmid, &d->pi);
	} else if (d && d->type == VSMMU_DRV_DOMAIN_BYPASS) {
		if (m->npasids)
			drv_make_s1_ste(ste, m->cdtab, fmt, m->ssid_bits,
					STRTAB_STE_1_S1DSS_BYPASS);
		else
			drv_make_bypass_ste(ste);
	} else {
		drv_make_abort_ste(ste);
	}
	/* Full ATS wherever the STE translates (IGNORED for bypass/abort) */
	if (atomic_load(&m->ats) &&
	    (VS_FIELD_GET(STRTAB_STE_0_CFG, ste[0]) & ~4U))
		ste[1] |= VS_FIELD_PREP(STRTAB_STE_1_EATS,
					STRTAB_STE_1_EATS_TRANS);
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
static int atc_inv_add(struct vsmmu_drv_master *m, struct vsmmu_drv_batch *b,
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

/* Invalidate @m's whole ATC (every PASID) and sync. */
static int atc_inv_master(struct vsmmu_drv_master *m)
{
	struct vsmmu_drv_batch b;
	int rc;

	vsmmu_drv_batch_init(&b);
	rc = atc_inv_add(m, &b, false, 0, 0, 0);
	if (!rc)
		rc = vsmmu_drv_batch_submit(m->drv, &b, true);
	return rc;
}

/*
 * After the SMMU's TLB invalidation of @d has completed: CMD_ATC_INV for
 * every ATS master using @d, as its main domain (no PASID) or for a
 * PASID, over [@start, @end) (@end 0: all), then CMD_SYNC.  That is the
 * second half of 4.5.1's sequence (TLBI, SYNC, ATC_INV, SYNC).
 */
static int atc_inv_domain(struct vsmmu_drv_domain *d, uint64_t start,
			  uint64_t end)
{
	struct vsmmu_drv *drv = d->drv;
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

		if (o->kind != 0 || !atomic_load(&m->ats))
			continue;
		if (m->dom == d)
			rc = atc_inv_add(m, &b, false, 0, start, end);
		for (i = 0; i < m->npasids && !rc; i++)
			if (m->pasids[i].dom == d)
				rc = atc_inv_add(m, &b, true, m->pasids[i].ssid,
						 start, end);
	}
	pthread_mutex_unlock(&drv->obj_lock);
	if (rc || !b.num)
		return rc;
	return vsmmu_drv_batch_submit(drv, &b, true);
}

int vsmmu_drv_master_enable_ats(struct vsmmu_drv_master *m, bool enable)
{
	int rc = 0;

	if (!m)
		return -EINVAL;
	if (!m->drv->feat.ats)
		return -ENODEV;
	pthread_mutex_lock(&m->lock);
	if (atomic_load(&m->ats) == enable)
		goto out;
	/* Disabling: the endpoint has stopped; flush its ATC, then EATS */
	if (!enable)
		rc = atc_inv_master(m);
	atomic_store(&m->ats, enable);
	if (!rc)
		rc = master_write_stes(m);
out:
	pthread_mutex_unlock(&m->lock);
	return rc;
}

static int master_write_stes(struct vsmmu_drv_master *m)
{
	uint64_t ste[DRV_ENTRY_QWORDS];
	unsigned int i;
	int rc, err = 0;

	master_ste(m, ste);
	for (i = 0; i < m->nsids; i++) {
		rc = write_ste(m->drv, m->sids[i], ste);
		if (rc && !err)
			err = rc;
	}
	return err;
}

static const uint64_t cd_zero[DRV_ENTRY_QWORDS];

int vsmmu_drv_attach(struct vsmmu_drv_master *m, struct vsmmu_drv_domain *dom)
{
	struct vsmmu_drv_domain *old;
	uint64_t cd[DRV_ENTRY_QWORDS];
	int rc = 0;

	if (!m || (dom && dom->drv != m->drv))
		return -EINVAL;
	pthread_mutex_lock(&m->lock);
	old = m->dom;
	if (old == dom)
		goto out;
	if (dom && dom->type == VSMMU_DRV_DOMAIN_S2 && m->npasids) {
		rc = -EINVAL; /* PASIDs need a stage-1 STE */
		goto out;
	}
	if (dom && dom->type == VSMMU_DRV_DOMAIN_ABORT && m->npasids) {
		rc = -EINVAL;
		goto out;
	}
	if (dom && dom->type == VSMMU_DRV_DOMAIN_S1) {
		/* CD first, then the STE that points at the table */
		rc = cdtab_alloc(m);
		if (rc)
			goto out;
		drv_make_s1_cd(cd, dom->asid, &dom->pi);
		rc = write_cd(m, 0, cd);
		if (rc)
			goto out;
	}
	if (dom)
		atomic_fetch_add(&dom->users, 1);
	m->dom = dom;
	rc = master_write_stes(m);
	/* What the endpoint cached came from the old translation */
	if (!rc && atomic_load(&m->ats))
		rc = atc_inv_master(m);
	if (old && old->type == VSMMU_DRV_DOMAIN_S1 &&
	    !(dom && dom->type == VSMMU_DRV_DOMAIN_S1)) {
		/* The STE no longer uses CD 0: retire it */
		int rc2 = write_cd(m, 0, cd_zero);

		if (!rc)
			rc = rc2;
	}
	if (old)
		atomic_fetch_sub(&old->users, 1);
out:
	pthread_mutex_unlock(&m->lock);
	return rc;
}

int vsmmu_drv_attach_pasid(struct vsmmu_drv_master *m, uint32_t ssid,
			   struct vsmmu_drv_domain *dom)
{
	struct vsmmu_drv_domain *old;
	uint64_t cd[DRV_ENTRY_QWORDS];
	unsigned int pos = 0;
	int rc = 0;

	if (!m || !ssid || !m->ssid_bits || (ssid >> m->ssid_bits) ||
	    (dom && (dom->drv != m->drv || dom->type != VSMMU_DRV_DOMAIN_S1)))
		return -EINVAL;
	pthread_mutex_lock(&m->lock);
	if (!m->dom || (m->dom->type != VSMMU_DRV_DOMAIN_S1 &&
			m->dom->type != VSMMU_DRV_DOMAIN_BYPASS)) {
		rc = -EINVAL;
		goto out;
	}
	old = pasid_get(m, ssid, &pos);
	if (old == dom)
		goto out;
	if (dom) {
		rc = cdtab_alloc(m);
		if (rc)
			goto out;
		if (!old) {
			struct pasid_ent *p = realloc(
				m->pasids, (m->npasids + 1) * sizeof(*p));

			if (!p) {
				rc = -ENOMEM;
				goto out;
			}
			m->pasids = p;
			pos = m->npasids++;
			m->pasids[pos].ssid = ssid;
		}
		m->pasids[pos].dom = dom;
		atomic_fetch_add(&dom->users, 1);
		drv_make_s1_cd(cd, dom->asid, &dom->pi);
		rc = write_cd(m, ssid, cd);
		/* A bypass master's first PASID turns its STE to stage 1 */
		if (!rc && m->dom->type == VSMMU_DRV_DOMAIN_BYPASS)
			rc = master_write_stes(m);
	} else {
		rc = write_cd(m, ssid, cd_zero);
		m->pasids[pos] = m->pasids[--m->npasids];
		if (m->dom->type == VSMMU_DRV_DOMAIN_BYPASS && !m->npasids) {
			int rc2 = master_write_stes(m);

			if (!rc)
				rc = rc2;
		}
	}
	if (old)
		atomic_fetch_sub(&old->users, 1);
out:
	pthread_mutex_unlock(&m->lock);
	return rc;
}

void vsmmu_drv_master_destroy(struct vsmmu_drv_master *m)
{
	unsigned int i;

	if (!m)
		return;
	pthread_mutex_lock(&m->lock);
	for (i = 0; i < m->npasids; i++) {
		write_cd(m, m->pasids[i].ssid, cd_zero);
		atomic_fetch_sub(&m->pasids[i].dom->users, 1);
	}
	m->npasids = 0;
	pthread_mutex_unlock(&m->lock);
	vsmmu_drv_attach(m, NULL);
	drv_obj_del(m->drv, &m->obj);
	cdtab_free(m);
	free(m->pasids);
	free(m->sids);
	pthread_mutex_destroy(&m->lock);
	free(m);
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
	id = drv_ids_alloc(cfg->type == VSMMU_DRV_DOMAIN_S1 ? &drv->asids :
							      &drv->vmids);
	if (id < 0) {
		rc = id;
		goto out_pgt;
	}
	if (cfg->type == VSMMU_DRV_DOMAIN_S1)
		d->asid = (uint16_t)id;
	else
		d->vmid = (uint16_t)id;
publish:
	drv_obj_add(drv, &d->obj, 1);
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
	return d->asid;
}

unsigned int vsmmu_drv_domain_vmid(const struct vsmmu_drv_domain *d)
{
	return d->vmid;
}

/* Invalidate every TLB entry of the domain and sync. */
static int inv_all(struct vsmmu_drv_domain *d)
{
	struct vsmmu_drv_cmd c = { 0 };
	uint64_t raw[1][2];
	int rc;

	if (d->type == VSMMU_DRV_DOMAIN_S1) {
		c.opcode = CMDQ_OP_TLBI_NH_ASID;
		c.asid = d->asid;
	} else if (d->type == VSMMU_DRV_DOMAIN_S2) {
		c.opcode = CMDQ_OP_TLBI_S12_VMALL;
		c.vmid = d->vmid;
	} else {
		return 0;
	}
	vsmmu_drv_cmd_build(&c, raw[0]);
	rc = vsmmu_drv_cmdq_issue(d->drv, (const uint64_t(*)[2])raw, 1, true);
	return rc ? rc : atc_inv_domain(d, 0, 0);
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
	drv = d->drv;
	if (atomic_load(&d->users))
		return -EBUSY;
	pthread_mutex_lock(&d->lock);
	fq_flush(d);
	inv_all(d);
	pthread_mutex_unlock(&d->lock);
	drv_obj_del(drv, &d->obj);
	if (d->asid)
		drv_ids_free(&drv->asids, d->asid);
	if (d->vmid)
		drv_ids_free(&drv->vmids, d->vmid);
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

/*
 * Invalidate what @g says was unmapped, and sync.  With range
 * invalidation: as few commands as possible, each covering
 * (NUM + 1) << SCALE granules, peeling the lowest set bits of the page
 * count (Linux's method); otherwise one command per smallest leaf, or the
 * whole ASID/VMID when that would take more than TLBI_MAX_OPS commands.
 */
static int inv_range(struct vsmmu_drv_domain *d,
		     const struct vsmmu_pgtable_gather *g)
{
	struct vsmmu_drv *drv = d->drv;
	unsigned int tg = d->granule_shift, level = 0, n = 0;
	struct vsmmu_drv_cmd c = { 0 };
	struct vsmmu_drv_batch b;
	uint64_t iova = g->start;
	bool leaf = !g->tables_freed;
	int rc;

	if (g->start >= g->end)
		return 0;
	if (d->type == VSMMU_DRV_DOMAIN_S1) {
		c.opcode = CMDQ_OP_TLBI_NH_VA;
		c.asid = d->asid;
	} else {
		c.opcode = CMDQ_OP_TLBI_S2_IPA;
		c.vmid = d->vmid;
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

		if ((g->end - g->start) / step > TLBI_MAX_OPS)
			return inv_all(d);
		for (; iova < g->end; iova += step) {
			c.addr = iova;
			rc = vsmmu_drv_batch_add(drv, &b, &c);
			if (rc)
				return rc;
			n++;
		}
	}
	atomic_fetch_add(&drv->st.tlbi_range, n);
	rc = vsmmu_drv_batch_submit(drv, &b, true);
	return rc ? rc : atc_inv_domain(d, g->start, g->end);
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

void drv_master_destroy_all(struct vsmmu_drv *drv)
{
	struct drv_obj *o;

	/* Masters first (they hold domains), then domains */
	for (;;) {
		pthread_mutex_lock(&drv->obj_lock);
		for (o = drv->objs; o && o->kind != 0; o = o->next)
			;
		pthread_mutex_unlock(&drv->obj_lock);
		if (!o)
			break;
		vsmmu_drv_master_destroy((struct vsmmu_drv_master *)o);
	}
	for (;;) {
		struct vsmmu_drv_domain *d;

		pthread_mutex_lock(&drv->obj_lock);
		o = drv->objs;
		pthread_mutex_unlock(&drv->obj_lock);
		if (!o)
			break;
		d = (struct vsmmu_drv_domain *)o;
		atomic_store(&d->users, 0);
		vsmmu_drv_domain_free(d);
	}
}
