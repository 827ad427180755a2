// SPDX-License-Identifier: MIT
/*
 * The stream table: a linear table, or two levels with SPLIT 8 when the
 * StreamID space is wider than 8 bits and the SMMU supports it (as Linux);
 * every STE starts as abort; level-2 tables are allocated when a master
 * first needs them.  STE updates go through the hitless writer of
 * <vsmmu/entry.h>, synced with CFGI_STE + CMD_SYNC.
 */
#include <errno.h>
#include <stdlib.h>

#include "driver/drv.h"

#define STRTAB_SPLIT 8

static int init_abort_stes(struct vsmmu_drv *drv, uint64_t pa, unsigned int n)
{
	uint64_t ste[DRV_ENTRY_QWORDS];
	unsigned int i;
	int rc;

	drv_make_abort_ste(ste);
	for (i = 0; i < n; i++) {
		rc = vsmmu_mem_write64(drv->mem, pa + (uint64_t)i * 64, ste[0]);
		if (rc)
			return rc;
	}
	return 0;
}

int drv_strtab_init(struct vsmmu_drv *drv)
{
	struct vsmmu_drv_features *f = &drv->feat;
	unsigned int bits = drv->cfg.max_sid_bits ? drv->cfg.max_sid_bits : 16;
	uint64_t size;
	int rc;

	if (bits > f->sid_bits)
		bits = f->sid_bits;
	if (bits > 24)
		bits = 24;
	f->st_log2size = bits;
	if (f->st_2lvl && bits > STRTAB_SPLIT) {
		f->st_is_2lvl = true;
		drv->l1_ents = 1U << (bits - STRTAB_SPLIT);
		size = (uint64_t)drv->l1_ents * 8;
		if (size < 64)
			size = 64;
		drv->l2 = calloc(drv->l1_ents, sizeof(*drv->l2));
		if (!drv->l2)
			return -ENOMEM;
	} else {
		size = 64ULL << bits;
	}
	/* Aligned to its size: the SMMU ignores the low address bits */
	rc = vsmmu_mem_pool_alloc(drv->cfg.pool, size, size, &drv->strtab);
	if (!rc) {
		drv->strtab_size = size;
		/* Pool memory is zero: every L1 descriptor is invalid */
		if (!f->st_is_2lvl)
			rc = init_abort_stes(drv, drv->strtab, 1U << bits);
		if (rc)
			vsmmu_mem_pool_free(drv->cfg.pool, drv->strtab, size);
	}
	if (rc) {
		free(drv->l2);
		drv->l2 = NULL;
		drv->strtab = 0;
	}
	return rc;
}

void drv_strtab_fini(struct vsmmu_drv *drv)
{
	unsigned int i;

	if (drv->l2) {
		for (i = 0; i < drv->l1_ents; i++)
			if (drv->l2[i])
				vsmmu_mem_pool_free(drv->cfg.pool, drv->l2[i],
						    64ULL << STRTAB_SPLIT);
		free(drv->l2);
		drv->l2 = NULL;
	}
	if (drv->strtab)
		vsmmu_mem_pool_free(drv->cfg.pool, drv->strtab,
				    drv->strtab_size);
	drv->strtab = 0;
}

void drv_strtab_regs(struct vsmmu_drv *drv, uint64_t *base, uint32_t *cfg)
{
	uint64_t c;

	if (drv->feat.st_is_2lvl)
		c = VS_FIELD_PREP(STRTAB_BASE_CFG_FMT,
				  STRTAB_BASE_CFG_FMT_2LVL) |
		    VS_FIELD_PREP(STRTAB_BASE_CFG_SPLIT, STRTAB_SPLIT);
	else
		c = VS_FIELD_PREP(STRTAB_BASE_CFG_FMT,
				  STRTAB_BASE_CFG_FMT_LINEAR);
	c |= VS_FIELD_PREP(STRTAB_BASE_CFG_LOG2SIZE, drv->feat.st_log2size);
	*cfg = (uint32_t)c;
	*base = STRTAB_BASE_RA | (drv->strtab & STRTAB_BASE_ADDR_MASK);
}

uint64_t drv_ste_pa(struct vsmmu_drv *drv, uint32_t sid)
{
	if (!drv->feat.st_is_2lvl)
		return drv->strtab + (uint64_t)sid * 64;
	return drv->l2[sid >> STRTAB_SPLIT] +
	       (uint64_t)(sid & ((1U << STRTAB_SPLIT) - 1)) * 64;
}

/*
 * Give @sid's level-1 descriptor a level-2 table of abort STEs.  The L2
 * table is complete before the descriptor that publishes it is written
 * (Span = SPLIT + 1, 2^8 STEs).
 */
int drv_ensure_l2(struct vsmmu_drv *drv, uint32_t sid)
{
	unsigned int i = sid >> STRTAB_SPLIT;
	uint64_t size = 64ULL << STRTAB_SPLIT, pa;
	int rc = 0;

	if (!drv->feat.st_is_2lvl)
		return 0;
	pthread_mutex_lock(&drv->st_lock);
	if (drv->l2[i])
		goto out;
	rc = vsmmu_mem_pool_alloc(drv->cfg.pool, size, size, &pa);
	if (rc)
		goto out;
	rc = init_abort_stes(drv, pa, 1U << STRTAB_SPLIT);
	if (!rc)
		rc = vsmmu_mem_write64(
			drv->mem, drv->strtab + (uint64_t)i * 8,
			VS_FIELD_PREP(STRTAB_L1_DESC_SPAN, STRTAB_SPLIT + 1) |
				(pa & STRTAB_L1_DESC_L2PTR_MASK));
	if (rc) {
		vsmmu_mem_pool_free(drv->cfg.pool, pa, size);
		goto out;
	}
	drv->l2[i] = pa;
out:
	pthread_mutex_unlock(&drv->st_lock);
	return rc;
}

/* --- Live STE updates ------------------------------------------------------ */

struct ste_writer {
	struct vsmmu_drv *drv;
	uint32_t sid;
	uint64_t pa;
};

static int ste_write_word(void *ctx, unsigned int qword, uint64_t val)
{
	struct ste_writer *w = ctx;

	return vsmmu_mem_write64(w->drv->mem, w->pa + 8 * qword, val);
}

static int ste_sync(void *ctx)
{
	struct ste_writer *w = ctx;
	struct vsmmu_drv_cmd cmd = { .opcode = CMDQ_OP_CFGI_STE,
				     .sid = w->sid,
				     .leaf = true };
	uint64_t raw[1][2];

	vsmmu_drv_cmd_build(&cmd, raw[0]);
	return vsmmu_drv_cmdq_issue(w->drv, (const uint64_t(*)[2])raw, 1, true);
}

static const struct vsmmu_entry_writer_ops ste_writer_ops = {
	.get_used = vsmmu_ste_used,
	.get_update_safe = vsmmu_ste_update_safe,
	.write = ste_write_word,
	.sync = ste_sync,
};

int drv_write_ste(struct vsmmu_drv *drv, uint32_t sid, const uint64_t *ste)
{
	struct ste_writer w = { drv, sid, drv_ste_pa(drv, sid) };
	uint64_t cur[DRV_ENTRY_QWORDS];
	unsigned int i;
	int rc;

	for (i = 0; i < DRV_ENTRY_QWORDS; i++) {
		rc = vsmmu_mem_read64(drv->mem, w.pa + 8 * i, &cur[i]);
		if (rc)
			return rc;
	}
	rc = vsmmu_entry_write(&ste_writer_ops, &w, cur, ste);
	atomic_fetch_add(&drv->st.ste_writes, 1);
	return rc < 0 ? rc : 0;
}
