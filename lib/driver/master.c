// SPDX-License-Identifier: MIT
/*
 * Masters (devices): their StreamIDs, CD tables, attach and detach of a
 * domain, PASIDs, and ATS.
 *
 * Ordering rules followed here (as Linux):
 *  - Attaching a stage-1 domain writes the CD first, then the STE that
 *    points at the CD table; leaving stage 1 rewrites the STE first, then
 *    clears the CD.  Either way the SMMU never follows a pointer to a CD
 *    that is not ready.
 *  - Every live STE/CD update goes through the hitless writer of
 *    <vsmmu/entry.h>, whose sync step issues CFGI_STE/CFGI_CD for every
 *    StreamID of the master and a CMD_SYNC.
 *  - An ATS master's ATC is invalidated after every change of what it
 *    translates through (the attach itself, and every domain invalidation:
 *    domain.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "driver/drv.h"

/* --- Live CD updates ------------------------------------------------------ */

struct cd_writer {
	struct vsmmu_drv_master *m;
	uint32_t ssid;
	uint64_t pa;
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

static int cd_write_word(void *ctx, unsigned int qword, uint64_t val)
{
	struct cd_writer *w = ctx;

	return vsmmu_mem_write64(w->m->drv->mem, w->pa + 8 * qword, val);
}

static int cd_sync(void *ctx)
{
	struct cd_writer *w = ctx;

	return cd_sync_sids(w->m, w->ssid, true);
}

static const struct vsmmu_entry_writer_ops cd_writer_ops = {
	.get_used = vsmmu_cd_used,
	.write = cd_write_word,
	.sync = cd_sync,
};

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
	if (m->cd_gbits) {
		/* Guest CDs: one linear table, whole pages (the VM reads
		 * them through its stage 2: nothing else may share them) */
		size = 64ULL << m->cd_gbits;
		if (size < VSMMU_MEM_PAGE_SIZE)
			size = VSMMU_MEM_PAGE_SIZE;
	} else if (drv->feat.cd_2lvl && ents > CD_L2_ENTS) {
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

int vsmmu_drv_master_set_cd_ipa(struct vsmmu_drv_master *m, uint64_t ipa)
{
	struct vsmmu_drv_vm *vm;
	int rc = 0;

	if (!m || !VS_IS_ALIGNED(ipa, 0x10000))
		return -EINVAL;
	pthread_mutex_lock(&m->lock);
	if (!ipa) {
		uint64_t old = m->cd_ipa;

		if (!old)
			goto out;
		if (m->npasids) {
			rc = -EBUSY;
			goto out;
		}
		vm = m->cd_vm;
		/* No guest CD can be installed from here on (cd_vm is
		 * gone), no new window made (cdtab is still there) */
		m->cd_ipa = 0;
		m->cd_vm = NULL;
		m->cd_gbits = 0;
		/* The unmap's ATC invalidation takes every ATS master's
		 * lock, this one's too: it runs unlocked */
		pthread_mutex_unlock(&m->lock);
		vsmmu_drv_unmap(vm->parent, old, m->cdtab_size, 0, NULL, NULL);
		pthread_mutex_lock(&m->lock);
		atomic_fetch_sub(&vm->users, 1);
		cdtab_free(m);
		goto out;
	}
	if (m->cd_ipa) {
		rc = -EBUSY;
		goto out;
	}
	if (!m->ssid_bits || !m->dom ||
	    m->dom->type != VSMMU_DRV_DOMAIN_NESTED || m->dom->is_cd ||
	    m->cdtab) {
		rc = -EINVAL;
		goto out;
	}
	m->cd_gbits = m->ssid_bits < VSMMU_DRV_GUEST_CD_BITS ?
			      m->ssid_bits :
			      VSMMU_DRV_GUEST_CD_BITS;
	rc = cdtab_alloc(m);
	if (rc)
		goto out_clear;
	/*
	 * The stage-2 map takes the parent's lock, under which unmaps take
	 * every ATS master's lock: it runs unlocked (lock order: a master's
	 * lock is never held while a domain's is taken).  The table being
	 * there keeps any other caller out meanwhile.
	 */
	vm = m->dom->vm;
	pthread_mutex_unlock(&m->lock);
	rc = vsmmu_drv_map(vm->parent, ipa, m->cdtab, m->cdtab_size,
			   VSMMU_PROT_READ);
	pthread_mutex_lock(&m->lock);
	if (!rc && (!m->dom || m->dom->type != VSMMU_DRV_DOMAIN_NESTED ||
		    m->dom->vm != vm)) {
		/* The master moved meanwhile: the window is not its now */
		pthread_mutex_unlock(&m->lock);
		vsmmu_drv_unmap(vm->parent, ipa, m->cdtab_size, 0, NULL, NULL);
		pthread_mutex_lock(&m->lock);
		rc = -EBUSY;
	}
	if (rc) {
		cdtab_free(m);
		goto out_clear;
	}
	m->cd_ipa = ipa;
	m->cd_vm = vm;
	atomic_fetch_add(&vm->users, 1);
	goto out;
out_clear:
	m->cd_gbits = 0;
out:
	pthread_mutex_unlock(&m->lock);
	return rc;
}

int drv_write_cd(struct vsmmu_drv_master *m, uint32_t ssid, const uint64_t *cd)
{
	struct cd_writer w = { m, ssid, 0 };
	uint64_t cur[DRV_ENTRY_QWORDS];
	unsigned int i;
	int rc = cd_pa(m, ssid, !!(cd[0] & CTXDESC_CD_0_V), &w.pa);

	if (rc == -ENOENT)
		return 0; /* clearing a CD whose leaf never existed */
	if (rc)
		return rc;
	for (i = 0; i < DRV_ENTRY_QWORDS; i++) {
		rc = vsmmu_mem_read64(m->drv->mem, w.pa + 8 * i, &cur[i]);
		if (rc)
			return rc;
	}
	rc = vsmmu_entry_write(&cd_writer_ops, &w, cur, cd);
	atomic_fetch_add(&m->drv->st.cd_writes, 1);
	return rc < 0 ? rc : 0;
}

/* Invalidate @m's whole ATC (every PASID) and sync. */
static int atc_inv_master(struct vsmmu_drv_master *m)
{
	struct vsmmu_drv_batch b;
	int rc;

	vsmmu_drv_batch_init(&b);
	rc = drv_atc_inv_add(m, &b, false, 0, 0, 0);
	if (!rc)
		rc = vsmmu_drv_batch_submit(m->drv, &b, true);
	return rc;
}

/* --- Masters -------------------------------------------------------------- */

struct vsmmu_drv_master *drv_find_master(struct vsmmu_drv *drv, uint32_t sid)
{
	struct drv_obj *o;
	unsigned int i;

	for (o = drv->objs; o; o = o->next) {
		struct vsmmu_drv_master *m = (struct vsmmu_drv_master *)o;

		if (o->kind != DRV_OBJ_MASTER)
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
		if (drv_find_master(drv, sids[i])) {
			pthread_mutex_unlock(&drv->obj_lock);
			rc = -EBUSY;
			goto out_free;
		}
	}
	m->obj.kind = DRV_OBJ_MASTER;
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

struct vsmmu_drv_domain *drv_pasid_get(struct vsmmu_drv_master *m,
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

/* A nested domain of a guest bypass STE: PASIDs of guest CDs may join it */
static bool nested_bypass(const struct vsmmu_drv_domain *d)
{
	return d && d->type == VSMMU_DRV_DOMAIN_NESTED && !d->is_cd &&
	       (d->gste[0] & STRTAB_STE_0_V) &&
	       VS_FIELD_GET(STRTAB_STE_0_CFG, d->gste[0]) ==
		       STRTAB_STE_0_CFG_BYPASS;
}

/* A stage-2 STE over @d's table with @vmid (dirty state if tracked). */
static void s2_ste(uint64_t *ste, const struct vsmmu_drv_domain *d,
		   uint16_t vmid)
{
	drv_make_s2_ste(ste, vmid, &d->pi);
	if (d->dirty_tracking)
		ste[2] |= STRTAB_STE_2_S2HA | STRTAB_STE_2_S2HD;
}

/*
 * A nested domain's physical STE (Linux's arm_smmu_make_nested_domain_ste):
 * the guest's stage 1 over the parent's stage 2 with the VM's VMID; a
 * guest bypass is the parent's plain stage 2; a guest abort, or V = 0,
 * an abort STE.  ATS only for a guest stage 1 that asked for it.
 */
static void nested_ste(struct vsmmu_drv_master *m,
		       const struct vsmmu_drv_domain *d, uint64_t *ste)
{
	unsigned int cfg = VS_FIELD_GET(STRTAB_STE_0_CFG, d->gste[0]);

	if (!(d->gste[0] & STRTAB_STE_0_V))
		cfg = STRTAB_STE_0_CFG_ABORT;
	switch (cfg) {
	case STRTAB_STE_0_CFG_S1_TRANS:
		s2_ste(ste, d->vm->parent, d->vm->vmid);
		ste[0] = STRTAB_STE_0_V |
			 VS_FIELD_PREP(STRTAB_STE_0_CFG,
				       STRTAB_STE_0_CFG_NESTED) |
			 (d->gste[0] & ~(STRTAB_STE_0_CFG | STRTAB_STE_0_V));
		/* MEV: merge the guest's fault records (DoS mitigation) */
		ste[1] |= d->gste[1] | STRTAB_STE_1_MEV;
		if (d->gats && atomic_load(&m->ats))
			ste[1] |= VS_FIELD_PREP(STRTAB_STE_1_EATS,
						STRTAB_STE_1_EATS_TRANS);
		break;
	case STRTAB_STE_0_CFG_BYPASS:
		s2_ste(ste, d->vm->parent, d->vm->vmid);
		if (m->npasids) {
			/* Guest CDs at PASIDs of the host's table: stage 1
			 * over the VM's stage 2; no PASID: stage 2 alone */
			uint64_t s1[DRV_ENTRY_QWORDS];

			/* The table as the VM's stage 2 shows it: an IPA */
			drv_make_s1_ste(s1, m->cd_ipa,
					STRTAB_STE_0_S1FMT_LINEAR, m->cd_gbits,
					STRTAB_STE_1_S1DSS_BYPASS);
			ste[0] = (s1[0] & ~STRTAB_STE_0_CFG) |
				 VS_FIELD_PREP(STRTAB_STE_0_CFG,
					       STRTAB_STE_0_CFG_NESTED);
			ste[1] |= s1[1] | STRTAB_STE_1_MEV;
			/* The guest cannot resolve stalls */
			if (m->drv->feat.stall_model == IDR0_STALL_MODEL_STALL)
				ste[1] |= STRTAB_STE_1_S1STALLD;
			if (atomic_load(&m->ats))
				ste[1] |=
					VS_FIELD_PREP(STRTAB_STE_1_EATS,
						      STRTAB_STE_1_EATS_TRANS);
		}
		break;
	default:
		drv_make_abort_ste(ste);
		break;
	}
}

/* The STE @m's state calls for. */
static void master_ste(struct vsmmu_drv_master *m, uint64_t *ste)
{
	struct vsmmu_drv_domain *d = m->dom;
	unsigned int fmt = m->cd_2lvl ? STRTAB_STE_0_S1FMT_64K_L2 :
					STRTAB_STE_0_S1FMT_LINEAR;

	if (d && d->type == VSMMU_DRV_DOMAIN_NESTED) {
		nested_ste(m, d, ste);
		return;
	}
	if (d && d->type == VSMMU_DRV_DOMAIN_S1) {
		drv_make_s1_ste(ste, m->cdtab, fmt, m->ssid_bits,
				m->ssid_bits ? STRTAB_STE_1_S1DSS_SSID0 : 0);
	} else if (d && d->type == VSMMU_DRV_DOMAIN_S2) {
		s2_ste(ste, d, d->vmid);
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
		rc = drv_write_ste(m->drv, m->sids[i], ste);
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

	if (!m || (dom && (dom->drv != m->drv ||
			   dom->type == VSMMU_DRV_DOMAIN_SVA || dom->is_cd)))
		return -EINVAL;
	/* A stage-1 CD is written with the domain's ASID: no move now */
	pthread_mutex_lock(&m->drv->asid_lock);
	pthread_mutex_lock(&m->lock);
	old = m->dom;
	if (old == dom)
		goto out;
	if (m->npasids && nested_bypass(old)) {
		/* Guest CDs at PASIDs: only another guest bypass of the VM */
		if (!nested_bypass(dom) || dom->vm != old->vm) {
			rc = -EBUSY;
			goto out;
		}
	} else if (dom && dom->type == VSMMU_DRV_DOMAIN_NESTED && m->npasids) {
		rc = -EBUSY; /* the guest's CD table replaces the host's */
		goto out;
	}
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
		drv_make_s1_cd(cd, (uint16_t)vsmmu_drv_domain_asid(dom),
			       &dom->pi);
		rc = drv_write_cd(m, 0, cd);
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
		int rc2 = drv_write_cd(m, 0, cd_zero);

		if (!rc)
			rc = rc2;
	}
	if (old)
		atomic_fetch_sub(&old->users, 1);
out:
	pthread_mutex_unlock(&m->lock);
	pthread_mutex_unlock(&m->drv->asid_lock);
	return rc;
}

int drv_pasid_check(struct vsmmu_drv_master *m, uint32_t ssid)
{
	if (!m->dom || (m->dom->type != VSMMU_DRV_DOMAIN_S1 &&
			m->dom->type != VSMMU_DRV_DOMAIN_BYPASS))
		return -EINVAL;
	return drv_pasid_get(m, ssid, NULL) ? -EBUSY : 0;
}

int drv_pasid_set(struct vsmmu_drv_master *m, uint32_t ssid,
		  struct vsmmu_drv_domain *dom, const uint64_t *cd)
{
	struct vsmmu_drv_domain *old;
	unsigned int pos = 0;
	bool guest = nested_bypass(m->dom);
	int rc = 0;

	/* Host stage-1 domains under a stage-1 or bypass STE; guest CDs
	 * under a guest bypass of their VM */
	if (!m->dom || (dom && dom->is_cd != guest) ||
	    (dom && guest &&
	     (dom->vm != m->dom->vm || m->cd_vm != dom->vm ||
	      (ssid >> m->cd_gbits))) ||
	    (!guest && m->dom->type != VSMMU_DRV_DOMAIN_S1 &&
	     m->dom->type != VSMMU_DRV_DOMAIN_BYPASS))
		return -EINVAL;
	old = drv_pasid_get(m, ssid, &pos);
	if (old == dom)
		return 0;
	if (dom) {
		rc = cdtab_alloc(m);
		if (rc)
			return rc;
		if (!old) {
			struct pasid_ent *p = realloc(
				m->pasids, (m->npasids + 1) * sizeof(*p));

			if (!p)
				return -ENOMEM;
			m->pasids = p;
			pos = m->npasids++;
			m->pasids[pos].ssid = ssid;
		}
		m->pasids[pos].dom = dom;
		atomic_fetch_add(&dom->users, 1);
		rc = drv_write_cd(m, ssid, cd);
		/* A bypass master's first PASID turns its STE to stage 1 */
		if (!rc && (m->dom->type == VSMMU_DRV_DOMAIN_BYPASS || guest))
			rc = master_write_stes(m);
	} else {
		rc = drv_write_cd(m, ssid, cd_zero);
		m->pasids[pos] = m->pasids[--m->npasids];
		if ((m->dom->type == VSMMU_DRV_DOMAIN_BYPASS || guest) &&
		    !m->npasids) {
			int rc2 = master_write_stes(m);

			if (!rc)
				rc = rc2;
		}
	}
	if (old)
		atomic_fetch_sub(&old->users, 1);
	return rc;
}

int vsmmu_drv_attach_pasid(struct vsmmu_drv_master *m, uint32_t ssid,
			   struct vsmmu_drv_domain *dom)
{
	uint64_t cd[DRV_ENTRY_QWORDS];
	struct vsmmu_drv_domain *old;
	int rc;

	if (!m || !ssid || !m->ssid_bits || (ssid >> m->ssid_bits) ||
	    (dom && (dom->drv != m->drv ||
		     (dom->type != VSMMU_DRV_DOMAIN_S1 && !dom->is_cd))))
		return -EINVAL;
	pthread_mutex_lock(&m->drv->asid_lock);
	pthread_mutex_lock(&m->lock);
	old = drv_pasid_get(m, ssid, NULL);
	if (old && old->type == VSMMU_DRV_DOMAIN_SVA) {
		rc = -EBUSY; /* vsmmu_drv_sva_unbind() first */
	} else {
		if (dom && dom->is_cd)
			memcpy(cd, dom->gcd, sizeof(cd));
		else if (dom)
			drv_make_s1_cd(cd, (uint16_t)vsmmu_drv_domain_asid(dom),
				       &dom->pi);
		rc = drv_pasid_set(m, ssid, dom, cd);
	}
	pthread_mutex_unlock(&m->lock);
	pthread_mutex_unlock(&m->drv->asid_lock);
	return rc;
}

void vsmmu_drv_master_destroy(struct vsmmu_drv_master *m)
{
	if (!m)
		return;
	/* Every PASID goes: a domain with its own unbind (SVA: the bond
	 * holds its process) through it */
	pthread_mutex_lock(&m->drv->asid_lock);
	while (m->npasids) {
		struct vsmmu_drv_domain *d = m->pasids[0].dom;

		if (d->unbind) {
			d->unbind(m, m->pasids[0].ssid);
			continue;
		}
		pthread_mutex_lock(&m->lock);
		drv_pasid_set(m, m->pasids[0].ssid, NULL, NULL);
		pthread_mutex_unlock(&m->lock);
	}
	pthread_mutex_unlock(&m->drv->asid_lock);
	vsmmu_drv_attach(m, NULL);
	if (m->cd_ipa) {
		/* The guest-CD table leaves the VM's stage 2 */
		vsmmu_drv_unmap(m->cd_vm->parent, m->cd_ipa, m->cdtab_size, 0,
				NULL, NULL);
		atomic_fetch_sub(&m->cd_vm->users, 1);
	}
	drv_obj_del(m->drv, &m->obj);
	cdtab_free(m);
	free(m->pasids);
	free(m->sids);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

void drv_master_destroy_all(struct vsmmu_drv *drv)
{
	struct drv_obj *o;

	for (;;) {
		pthread_mutex_lock(&drv->obj_lock);
		for (o = drv->objs; o && o->kind != DRV_OBJ_MASTER; o = o->next)
			;
		pthread_mutex_unlock(&drv->obj_lock);
		if (!o)
			break;
		vsmmu_drv_master_destroy((struct vsmmu_drv_master *)o);
	}
}
