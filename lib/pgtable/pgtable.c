// SPDX-License-Identifier: MIT
/*
 * VMSAv8-64 translation tables: stage 1 (TTB0 or TTB1 range) and stage 2,
 * 4K/16K/64K granules, blocks where the granule has them, 52-bit output
 * addresses with the 64K granule.
 *
 * Geometry.  With a granule of 2^g bytes a table holds 2^(g-3) descriptors,
 * so each level resolves bpl = g - 3 bits and level n (0..3) maps
 * 2^(g + (3 - n) * bpl) bytes per entry.  The start level is the shallowest
 * one the input size needs; at stage 2 up to max_concat tables may be
 * concatenated at the start level instead of adding a level, and we pick
 * the deepest start level that the concatenation limit allows.  The start
 * table is indexed by all the input bits left above its level (possibly
 * fewer than bpl), so the walk code treats "entries of the start table"
 * separately from "entries of a table".
 *
 * Everything is done on "offsets": the input address with the bits above
 * ias removed.  For a TTB1 table those bits must all be one; for the TTB0
 * range and stage 2 they must all be zero.  Offsets are below 2^52, so no
 * arithmetic on them can wrap.
 *
 * Update protocol (readers may walk concurrently, one writer at a time):
 * every descriptor is stored with one single-copy-atomic 64-bit write; a
 * new table is complete (zeroed by the pool, or fully filled by a split)
 * before the descriptor that links it is written; an emptied table is
 * unlinked before it is handed back to the pool, and the caller learns
 * from the gather that walk caches must be invalidated before the pool
 * reuses it.
 *
 * Table pages that cannot be read (a corrupted descriptor pointing outside
 * memory) are treated as holding no mapping and are never freed, so that a
 * damaged table cannot make us hand foreign memory to the pool.
 */
#include <errno.h>
#include <stdlib.h>

#include <vsmmu/arch.h>
#include <vsmmu/pgtable.h>

#define PGT_MAX_CONCAT 16
#define PGT_MIN_IAS 25
#define PGT_MAX_IAS 48
#define PGT_MAX_IAS_64K 52

/* Every VSMMU_PROT_* flag the library knows. */
#define PGT_PROT_ALL                                                     \
	(VSMMU_PROT_READ | VSMMU_PROT_WRITE | VSMMU_PROT_EXEC |          \
	 VSMMU_PROT_USER | VSMMU_PROT_PRIV_EXEC_ONLY | VSMMU_PROT_MMIO | \
	 VSMMU_PROT_CACHE | VSMMU_PROT_GLOBAL | VSMMU_PROT_NOAF |        \
	 VSMMU_PROT_DIRTY_TRACK)

/* Descriptor bits that hold an output or next-table address. */
#define PGT_DESC_ADDR (ARM_LPAE_PTE_ADDR_MASK | ARM_LPAE_PTE_ADDR_HI_64K)

struct vsmmu_pgtable {
	struct vsmmu_pgtable_cfg cfg;
	struct vsmmu_mem *mem;
	unsigned int gshift; /* granule shift: 12, 14, 16 */
	unsigned int bpl; /* bits resolved per level: gshift - 3 */
	unsigned int start; /* start level */
	unsigned int concat; /* concatenated start tables (1 at stage 1) */
	uint64_t start_entries; /* descriptors in the start table(s) */
	uint64_t root; /* PA of the start table(s) */
	uint64_t root_size; /* bytes: concat * granule */
	uint64_t ias_mask; /* 2^ias - 1 */
	uint64_t upper; /* the bits above ias of every iova (TTB1: ones) */
	bool lpa52; /* 64K granule with 52-bit OA: OA[51:48] in desc[15:12] */
	struct vsmmu_pgtable_info info;
};

enum pgt_kind {
	PGT_NONE, /* invalid, reserved or unreadable: no translation */
	PGT_TABLE,
	PGT_LEAF,
};

/* --- Geometry -------------------------------------------------------- */

static unsigned int lvl_shift(const struct vsmmu_pgtable *p, unsigned int lvl)
{
	return p->gshift + (3 - lvl) * p->bpl;
}

static uint64_t lvl_size(const struct vsmmu_pgtable *p, unsigned int lvl)
{
	return 1ULL << lvl_shift(p, lvl);
}

static uint64_t lvl_entries(const struct vsmmu_pgtable *p, unsigned int lvl)
{
	return lvl == p->start ? p->start_entries : 1ULL << p->bpl;
}

/* Address of the descriptor for offset @off in the table at @table. */
static uint64_t desc_addr(const struct vsmmu_pgtable *p, uint64_t table,
			  unsigned int lvl, uint64_t off)
{
	uint64_t idx = (off >> lvl_shift(p, lvl)) & (lvl_entries(p, lvl) - 1);

	return table + idx * 8;
}

/* Can a leaf (block or page) live at @lvl with this granule? */
static bool leaf_allowed(const struct vsmmu_pgtable *p, unsigned int lvl)
{
	if (lvl < p->start || lvl > 3)
		return false;
	if (lvl == 3)
		return true;
	if (p->gshift == 12)
		return lvl == 1 || lvl == 2; /* 1 GiB, 2 MiB */
	return lvl == 2; /* 16K: 32 MiB, 64K: 512 MiB */
}

/* --- Descriptor encoding --------------------------------------------- */

static uint64_t addr_to_desc(const struct vsmmu_pgtable *p, uint64_t pa)
{
	uint64_t d = pa & ARM_LPAE_PTE_ADDR_MASK;

	if (p->lpa52)
		d |= VS_FIELD_PREP(ARM_LPAE_PTE_ADDR_HI_64K, pa >> 48);
	return d;
}

/* The address in a descriptor, aligned down to @align (granule or more). */
static uint64_t desc_to_addr(const struct vsmmu_pgtable *p, uint64_t d,
			     uint64_t align)
{
	uint64_t pa = d & ARM_LPAE_PTE_ADDR_MASK & ~(align - 1);

	if (p->lpa52)
		pa |= VS_FIELD_GET(ARM_LPAE_PTE_ADDR_HI_64K, d) << 48;
	return pa;
}

static enum pgt_kind desc_kind(const struct vsmmu_pgtable *p, unsigned int lvl,
			       uint64_t d)
{
	if (!(d & ARM_LPAE_PTE_VALID))
		return PGT_NONE;
	if (lvl == 3)
		return (d & ARM_LPAE_PTE_TYPE) ? PGT_LEAF : PGT_NONE;
	if (d & ARM_LPAE_PTE_TYPE)
		return PGT_TABLE;
	return leaf_allowed(p, lvl) ? PGT_LEAF : PGT_NONE;
}

static uint64_t table_desc(const struct vsmmu_pgtable *p, uint64_t table)
{
	return addr_to_desc(p, table) | ARM_LPAE_PTE_TYPE | ARM_LPAE_PTE_VALID;
}

/*
 * Shareability: inner shareable for cacheable memory, outer shareable for
 * everything else.  For Device memory the field is ignored (it is always
 * treated as outer shareable), and Normal non-cacheable memory is outer
 * shareable whatever SH says, so OS is the honest value for both; this is
 * also what Linux's io-pgtable writes.
 */
static uint64_t prot_to_sh(unsigned int prot)
{
	if ((prot & VSMMU_PROT_CACHE) && !(prot & VSMMU_PROT_MMIO))
		return VS_FIELD_PREP(ARM_LPAE_PTE_SH, ARM_LPAE_PTE_SH_IS);
	return VS_FIELD_PREP(ARM_LPAE_PTE_SH, ARM_LPAE_PTE_SH_OS);
}

/* Leaf attribute bits for @prot (everything but address, TYPE, VALID). */
static uint64_t prot_to_attrs(const struct vsmmu_pgtable *p, unsigned int prot)
{
	uint64_t d = prot_to_sh(prot);

	if (!(prot & VSMMU_PROT_NOAF))
		d |= ARM_LPAE_PTE_AF;

	if (p->cfg.fmt == VSMMU_PGTABLE_S2) {
		unsigned int attr = ARM_LPAE_PTE_MEMATTR_NC;

		if (prot & VSMMU_PROT_MMIO)
			attr = ARM_LPAE_PTE_MEMATTR_DEV;
		else if (prot & VSMMU_PROT_CACHE)
			attr = ARM_LPAE_PTE_MEMATTR_OIWB;
		d |= VS_FIELD_PREP(ARM_LPAE_PTE_MEMATTR, attr);
		if (prot & VSMMU_PROT_READ)
			d |= ARM_LPAE_PTE_HAP_READ;
		/* Dirty tracking: writable-clean (DBM, S2AP[1] = 0) */
		if ((prot & VSMMU_PROT_WRITE) &&
		    (prot & VSMMU_PROT_DIRTY_TRACK))
			d |= ARM_LPAE_PTE_DBM;
		else if (prot & VSMMU_PROT_WRITE)
			d |= ARM_LPAE_PTE_HAP_WRITE;
		if (!(prot & VSMMU_PROT_EXEC))
			d |= VS_FIELD_PREP(ARM_LPAE_PTE_S2XN,
					   ARM_LPAE_PTE_S2XN_ALL);
		return d;
	}

	if (prot & VSMMU_PROT_MMIO)
		d |= VS_FIELD_PREP(ARM_LPAE_PTE_ATTRINDX,
				   ARM_LPAE_MAIR_ATTR_IDX_DEV);
	else if (prot & VSMMU_PROT_CACHE)
		d |= VS_FIELD_PREP(ARM_LPAE_PTE_ATTRINDX,
				   ARM_LPAE_MAIR_ATTR_IDX_CACHE);
	else
		d |= VS_FIELD_PREP(ARM_LPAE_PTE_ATTRINDX,
				   ARM_LPAE_MAIR_ATTR_IDX_NC);
	if (!(prot & VSMMU_PROT_GLOBAL))
		d |= ARM_LPAE_PTE_nG;
	/* Dirty tracking: writable-clean (DBM, AP[2] = 1) */
	if (!(prot & VSMMU_PROT_WRITE) || (prot & VSMMU_PROT_DIRTY_TRACK))
		d |= ARM_LPAE_PTE_AP_RDONLY;
	if ((prot & VSMMU_PROT_WRITE) && (prot & VSMMU_PROT_DIRTY_TRACK))
		d |= ARM_LPAE_PTE_DBM;
	if (prot & VSMMU_PROT_USER)
		d |= ARM_LPAE_PTE_AP_UNPRIV;
	/* PRIV_EXEC_ONLY wins over EXEC: executable at EL1 only. */
	if (prot & VSMMU_PROT_PRIV_EXEC_ONLY)
		d |= ARM_LPAE_PTE_UXN;
	else if (!(prot & VSMMU_PROT_EXEC))
		d |= ARM_LPAE_PTE_UXN | ARM_LPAE_PTE_PXN;
	return d;
}

/*
 * The VSMMU_PROT_* a leaf descriptor grants.  Stage 1 cannot express
 * write-only, so a writable stage-1 leaf reads back as READ | WRITE; UXN
 * set with PXN clear reads back as PRIV_EXEC_ONLY, both clear as EXEC.
 */
static unsigned int desc_to_prot(const struct vsmmu_pgtable *p, uint64_t d)
{
	unsigned int prot = 0;

	if (!(d & ARM_LPAE_PTE_AF))
		prot |= VSMMU_PROT_NOAF;

	if (p->cfg.fmt == VSMMU_PGTABLE_S2) {
		uint64_t attr = VS_FIELD_GET(ARM_LPAE_PTE_MEMATTR, d);

		if (attr == ARM_LPAE_PTE_MEMATTR_DEV)
			prot |= VSMMU_PROT_MMIO;
		else if (attr == ARM_LPAE_PTE_MEMATTR_OIWB)
			prot |= VSMMU_PROT_CACHE;
		if (d & ARM_LPAE_PTE_HAP_READ)
			prot |= VSMMU_PROT_READ;
		if (d & ARM_LPAE_PTE_HAP_WRITE)
			prot |= VSMMU_PROT_WRITE;
		if (d & ARM_LPAE_PTE_DBM)
			prot |= VSMMU_PROT_WRITE | VSMMU_PROT_DIRTY_TRACK;
		if (VS_FIELD_GET(ARM_LPAE_PTE_S2XN, d) ==
		    ARM_LPAE_PTE_S2XN_NONE)
			prot |= VSMMU_PROT_EXEC;
		return prot;
	}

	switch (VS_FIELD_GET(ARM_LPAE_PTE_ATTRINDX, d)) {
	case ARM_LPAE_MAIR_ATTR_IDX_DEV:
		prot |= VSMMU_PROT_MMIO;
		break;
	case ARM_LPAE_MAIR_ATTR_IDX_CACHE:
		prot |= VSMMU_PROT_CACHE;
		break;
	default:
		break;
	}
	prot |= VSMMU_PROT_READ;
	if (!(d & ARM_LPAE_PTE_AP_RDONLY))
		prot |= VSMMU_PROT_WRITE;
	if (d & ARM_LPAE_PTE_DBM)
		prot |= VSMMU_PROT_WRITE | VSMMU_PROT_DIRTY_TRACK;
	if (d & ARM_LPAE_PTE_AP_UNPRIV)
		prot |= VSMMU_PROT_USER;
	if (!(d & ARM_LPAE_PTE_nG))
		prot |= VSMMU_PROT_GLOBAL;
	if (!(d & ARM_LPAE_PTE_UXN) && !(d & ARM_LPAE_PTE_PXN))
		prot |= VSMMU_PROT_EXEC;
	else if (!(d & ARM_LPAE_PTE_PXN))
		prot |= VSMMU_PROT_PRIV_EXEC_ONLY;
	return prot;
}

/* --- Memory ---------------------------------------------------------- */

static int rd(const struct vsmmu_pgtable *p, uint64_t pa, uint64_t *d)
{
	return vsmmu_mem_read64(p->mem, pa, d);
}

static int wr(struct vsmmu_pgtable *p, uint64_t pa, uint64_t d)
{
	return vsmmu_mem_write64(p->mem, pa, d);
}

/* Allocate a zeroed table of @size bytes, aligned to its size. */
static int table_alloc(struct vsmmu_pgtable *p, uint64_t size, uint64_t *pa)
{
	int ret = vsmmu_mem_pool_alloc(p->cfg.pool, size, size, pa);

	if (ret)
		return ret;
	/* The table address must be expressible in a descriptor and a TTB. */
	if (*pa + size < *pa ||
	    *pa + size - 1 > VS_GENMASK(p->cfg.oas - 1, 0) ||
	    !VS_IS_ALIGNED(*pa, size)) {
		vsmmu_mem_pool_free(p->cfg.pool, *pa, size);
		return -ENOMEM;
	}
	return 0;
}

static void table_free(struct vsmmu_pgtable *p, uint64_t pa, uint64_t size)
{
	vsmmu_mem_pool_free(p->cfg.pool, pa, size);
}

/* Does the table hold no valid descriptor?  Unreadable counts as in use. */
static bool table_empty(const struct vsmmu_pgtable *p, uint64_t table)
{
	uint64_t i, d, n = 1ULL << p->bpl;

	for (i = 0; i < n; i++) {
		if (rd(p, table + i * 8, &d) || (d & ARM_LPAE_PTE_VALID))
			return false;
	}
	return true;
}

/* --- Gather ---------------------------------------------------------- */

void vsmmu_pgtable_gather_init(struct vsmmu_pgtable_gather *g)
{
	g->start = 0;
	g->end = 0;
	g->pgsize = 0;
	g->leaf_levels = 0;
	g->tables_freed = false;
}

/*
 * Widen @g to cover [start, start + size).  Works on inclusive last
 * addresses because a TTB1 range can end at 2^64, where "end" wraps to 0.
 */
static void gather_range(struct vsmmu_pgtable_gather *g, uint64_t start,
			 uint64_t size)
{
	uint64_t last = start + size - 1;

	if (!g || !size)
		return;
	if (g->start == g->end) {
		g->start = start;
		g->end = last + 1;
		return;
	}
	if (start < g->start)
		g->start = start;
	if (last > g->end - 1)
		g->end = last + 1;
}

static void gather_leaf(struct vsmmu_pgtable_gather *g, uint64_t start,
			uint64_t size, unsigned int lvl)
{
	if (!g)
		return;
	gather_range(g, start, size);
	if (!g->pgsize || size < g->pgsize)
		g->pgsize = size;
	g->leaf_levels |= 1U << lvl;
}

/* --- Create / destroy / info ----------------------------------------- */

static int ps_encoding(unsigned int oas)
{
	unsigned int enc;

	for (enc = 0; enc < 7; enc++)
		if (arm_smmu_pa_bits(enc) == oas)
			return (int)enc;
	return -EINVAL;
}

/* Stage 1: the start level is the one that leaves <= bpl bits to resolve. */
static int geometry_s1(struct vsmmu_pgtable *p)
{
	unsigned int levels = (p->cfg.ias - p->gshift + p->bpl - 1) / p->bpl;

	if (levels < 1 || levels > ARM_LPAE_MAX_LEVELS)
		return -EINVAL;
	p->start = 4 - levels;
	p->concat = 1;
	return 0;
}

/*
 * Stage 2: try start levels from the deepest the S2SL0 field can express
 * (4K: L2; 16K/64K: L3) upwards and take the first whose start table,
 * concatenated up to max_concat times, resolves every remaining bit.  The
 * start level must resolve at least one bit itself.
 */
static int geometry_s2(struct vsmmu_pgtable *p)
{
	unsigned int max_concat = p->cfg.max_concat ? p->cfg.max_concat :
						      PGT_MAX_CONCAT;
	int deepest = p->gshift == 12 ? 2 : 3;
	int lvl;

	for (lvl = deepest; lvl >= deepest - 2; lvl--) {
		unsigned int below = lvl_shift(p, (unsigned int)lvl);
		unsigned int bits, concat = 1;

		if (p->cfg.ias <= below)
			continue; /* would resolve no bit: too deep */
		bits = p->cfg.ias - below;
		if (bits > p->bpl) {
			if (bits - p->bpl > 4)
				continue; /* more than 16 tables */
			concat = 1U << (bits - p->bpl);
		}
		if (concat > max_concat)
			continue;
		p->start = (unsigned int)lvl;
		p->concat = concat;
		/* S2SL0: 4K 0->L2 1->L1 2->L0; 16K/64K 0->L3 1->L2 2->L1 */
		p->info.sl0 = (unsigned int)(deepest - lvl);
		return 0;
	}
	return -EINVAL;
}

static int check_cfg(const struct vsmmu_pgtable_cfg *cfg)
{
	unsigned int max_ias;

	if (!cfg->pool)
		return -EINVAL;
	if (cfg->granule_shift != 12 && cfg->granule_shift != 14 &&
	    cfg->granule_shift != 16)
		return -EINVAL;
	if (cfg->fmt != VSMMU_PGTABLE_S1 && cfg->fmt != VSMMU_PGTABLE_S2)
		return -EINVAL;
	if (cfg->fmt == VSMMU_PGTABLE_S2 && cfg->ttb1)
		return -EINVAL;
	if (cfg->fmt == VSMMU_PGTABLE_S2 && cfg->max_concat > PGT_MAX_CONCAT)
		return -EINVAL;
	/* 52-bit input and output sizes need the 64K granule (no LPA2). */
	max_ias = cfg->granule_shift == 16 ? PGT_MAX_IAS_64K : PGT_MAX_IAS;
	if (cfg->ias < PGT_MIN_IAS || cfg->ias > max_ias)
		return -EINVAL;
	if (ps_encoding(cfg->oas) < 0)
		return -EINVAL;
	if (cfg->oas == 52 && cfg->granule_shift != 16)
		return -EINVAL;
	return 0;
}

static unsigned int tg_encoding(const struct vsmmu_pgtable_cfg *cfg)
{
	if (cfg->fmt == VSMMU_PGTABLE_S2) {
		switch (cfg->granule_shift) {
		case 12:
			return STRTAB_STE_2_S2TG_4K;
		case 14:
			return STRTAB_STE_2_S2TG_16K;
		default:
			return STRTAB_STE_2_S2TG_64K;
		}
	}
	if (cfg->ttb1) {
		switch (cfg->granule_shift) {
		case 12:
			return CTXDESC_CD_0_TCR_TG1_4K;
		case 14:
			return CTXDESC_CD_0_TCR_TG1_16K;
		default:
			return CTXDESC_CD_0_TCR_TG1_64K;
		}
	}
	switch (cfg->granule_shift) {
	case 12:
		return CTXDESC_CD_0_TCR_TG0_4K;
	case 14:
		return CTXDESC_CD_0_TCR_TG0_16K;
	default:
		return CTXDESC_CD_0_TCR_TG0_64K;
	}
}

int vsmmu_pgtable_create(const struct vsmmu_pgtable_cfg *cfg,
			 struct vsmmu_pgtable **out)
{
	struct vsmmu_pgtable *p;
	int ret;

	if (!cfg || !out)
		return -EINVAL;
	ret = check_cfg(cfg);
	if (ret)
		return ret;

	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->cfg = *cfg;
	p->mem = vsmmu_mem_pool_mem(cfg->pool);
	if (!p->mem) {
		ret = -EINVAL;
		goto out_free;
	}
	p->gshift = cfg->granule_shift;
	p->bpl = p->gshift - 3;
	p->ias_mask = VS_GENMASK(cfg->ias - 1, 0);
	p->upper = cfg->ttb1 ? ~p->ias_mask : 0;
	p->lpa52 = p->gshift == 16 && cfg->oas == 52;

	ret = cfg->fmt == VSMMU_PGTABLE_S1 ? geometry_s1(p) : geometry_s2(p);
	if (ret)
		goto out_free;
	p->start_entries = 1ULL << (cfg->ias - lvl_shift(p, p->start));
	p->root_size = (uint64_t)p->concat << p->gshift;

	ret = table_alloc(p, p->root_size, &p->root);
	if (ret)
		goto out_free;

	p->info.ttb = p->root;
	p->info.start_level = p->start;
	p->info.concat = p->concat;
	p->info.tsz = 64 - cfg->ias;
	p->info.tg = tg_encoding(cfg);
	p->info.ps = (unsigned int)ps_encoding(cfg->oas);
	*out = p;
	return 0;

out_free:
	free(p);
	return ret;
}

/* Free every table below the table at @table (level @lvl), then itself. */
static void free_tables(struct vsmmu_pgtable *p, uint64_t table,
			unsigned int lvl, uint64_t size)
{
	uint64_t i, d, n = size / 8;

	for (i = 0; lvl < 3 && i < n; i++) {
		if (rd(p, table + i * 8, &d))
			break;
		if (desc_kind(p, lvl, d) == PGT_TABLE)
			free_tables(p, desc_to_addr(p, d, 1ULL << p->gshift),
				    lvl + 1, 1ULL << p->gshift);
	}
	table_free(p, table, size);
}

void vsmmu_pgtable_destroy(struct vsmmu_pgtable *pgt)
{
	if (!pgt)
		return;
	free_tables(pgt, pgt->root, pgt->start, pgt->root_size);
	free(pgt);
}

void vsmmu_pgtable_get_info(const struct vsmmu_pgtable *pgt,
			    struct vsmmu_pgtable_info *info)
{
	*info = pgt->info;
}

/* --- Argument checks -------------------------------------------------- */

/*
 * Check that [@iova, @iova + @size) is granule aligned, non-empty and
 * inside the input range, and return its offset (iova without the upper
 * bits).
 */
static int check_range(const struct vsmmu_pgtable *p, uint64_t iova,
		       uint64_t size, uint64_t *off)
{
	uint64_t granule = 1ULL << p->gshift;

	if (!size || !VS_IS_ALIGNED(iova, granule) ||
	    !VS_IS_ALIGNED(size, granule))
		return -EINVAL;
	if ((iova & ~p->ias_mask) != p->upper)
		return -EINVAL;
	*off = iova & p->ias_mask;
	if (size > p->ias_mask + 1 || *off > p->ias_mask + 1 - size)
		return -EINVAL;
	return 0;
}

/* --- Map ------------------------------------------------------------- */

/* Is any leaf present in [off, end) below the table at @table? */
static int range_mapped(const struct vsmmu_pgtable *p, uint64_t table,
			unsigned int lvl, uint64_t off, uint64_t end)
{
	uint64_t sz = lvl_size(p, lvl), a, next, d;
	int ret;

	for (a = off; a < end; a = next) {
		next = VS_ALIGN_DOWN(a, sz) + sz;
		if (next > end)
			next = end;
		ret = rd(p, desc_addr(p, table, lvl, a), &d);
		if (ret)
			return ret;
		switch (desc_kind(p, lvl, d)) {
		case PGT_LEAF:
			return 1;
		case PGT_TABLE:
			ret = range_mapped(
				p, desc_to_addr(p, d, 1ULL << p->gshift),
				lvl + 1, a, next);
			if (ret)
				return ret;
			break;
		default:
			break;
		}
	}
	return 0;
}

/* Install one leaf of level @leaf_lvl, creating tables on the way. */
static int install_leaf(struct vsmmu_pgtable *p, uint64_t off, uint64_t leaf,
			unsigned int leaf_lvl)
{
	uint64_t granule = 1ULL << p->gshift;
	uint64_t table = p->root, dpa, d;
	unsigned int lvl;
	int ret;

	for (lvl = p->start; lvl < leaf_lvl; lvl++) {
		dpa = desc_addr(p, table, lvl, off);
		ret = rd(p, dpa, &d);
		if (ret)
			return ret;
		switch (desc_kind(p, lvl, d)) {
		case PGT_TABLE:
			table = desc_to_addr(p, d, granule);
			break;
		case PGT_LEAF:
			return -EEXIST; /* excluded by range_mapped() */
		default:
			/* The pool hands out zeroed pages: the table is
			 * complete before it is linked. */
			ret = table_alloc(p, granule, &table);
			if (ret)
				return ret;
			ret = wr(p, dpa, table_desc(p, table));
			if (ret) {
				table_free(p, table, granule);
				return ret;
			}
			break;
		}
	}
	return wr(p, desc_addr(p, table, leaf_lvl, off), leaf);
}

static int64_t unmap_range(struct vsmmu_pgtable *p, uint64_t table,
			   unsigned int lvl, uint64_t off, uint64_t end,
			   struct vsmmu_pgtable_gather *g);

int vsmmu_pgtable_map(struct vsmmu_pgtable *pgt, uint64_t iova, uint64_t pa,
		      uint64_t size, unsigned int prot)
{
	uint64_t off, end, cur, attrs;
	int ret;

	if (!pgt)
		return -EINVAL;
	ret = check_range(pgt, iova, size, &off);
	if (ret)
		return ret;
	if (!(prot & (VSMMU_PROT_READ | VSMMU_PROT_WRITE)) ||
	    (prot & ~PGT_PROT_ALL))
		return -EINVAL;
	if (!VS_IS_ALIGNED(pa, 1ULL << pgt->gshift) || pa + size < pa ||
	    pa + size - 1 > VS_GENMASK(pgt->cfg.oas - 1, 0))
		return -EINVAL;

	end = off + size;
	ret = range_mapped(pgt, pgt->root, pgt->start, off, end);
	if (ret)
		return ret < 0 ? ret : -EEXIST;

	attrs = prot_to_attrs(pgt, prot) | ARM_LPAE_PTE_VALID;
	for (cur = off; cur < end;) {
		uint64_t opa = pa + (cur - off), sz = 0;
		unsigned int lvl;

		/* The largest leaf that iova, pa and the remainder allow. */
		for (lvl = pgt->start; lvl <= 3; lvl++) {
			sz = lvl_size(pgt, lvl);
			if (leaf_allowed(pgt, lvl) &&
			    VS_IS_ALIGNED(cur | opa, sz) && end - cur >= sz)
				break;
		}
		ret = install_leaf(pgt, cur,
				   addr_to_desc(pgt, opa) | attrs |
					   (lvl == 3 ? ARM_LPAE_PTE_TYPE : 0),
				   lvl);
		if (ret)
			goto out_undo;
		cur += sz;
	}
	return 0;

out_undo:
	/*
	 * The range was empty before we started: unmapping all of it removes
	 * exactly what we added and frees the tables we created.  Those
	 * mappings were never reported as made, so no gather is returned.
	 */
	unmap_range(pgt, pgt->root, pgt->start, off, end, NULL);
	return ret;
}

/* --- Unmap ----------------------------------------------------------- */

/*
 * Replace the block @d at @dpa (level @lvl) by a table of next-level
 * leaves with the same output and attributes.  The table is completely
 * written before the block descriptor is replaced, so a concurrent walker
 * sees the same translation either way.
 */
static int split_block(struct vsmmu_pgtable *p, uint64_t dpa, unsigned int lvl,
		       uint64_t d, uint64_t *child)
{
	uint64_t granule = 1ULL << p->gshift;
	uint64_t csz = lvl_size(p, lvl + 1), i, n = 1ULL << p->bpl;
	uint64_t oa = desc_to_addr(p, d, lvl_size(p, lvl));
	uint64_t attrs = d & ~(PGT_DESC_ADDR | ARM_LPAE_PTE_TYPE);
	int ret;

	if (lvl + 1 == 3)
		attrs |= ARM_LPAE_PTE_TYPE;
	ret = table_alloc(p, granule, child);
	if (ret)
		return ret;
	for (i = 0; i < n; i++) {
		ret = wr(p, *child + i * 8,
			 addr_to_desc(p, oa + i * csz) | attrs);
		if (ret)
			goto out_free;
	}
	ret = wr(p, dpa, table_desc(p, *child));
	if (ret)
		goto out_free;
	return 0;

out_free:
	table_free(p, *child, granule);
	return ret;
}

/*
 * Unmap [off, end) below the table at @table (level @lvl).  Returns the
 * bytes of leaves removed, or -errno if a split failed (what was removed
 * before that stays removed and is in the gather).
 */
static int64_t unmap_range(struct vsmmu_pgtable *p, uint64_t table,
			   unsigned int lvl, uint64_t off, uint64_t end,
			   struct vsmmu_pgtable_gather *g)
{
	uint64_t granule = 1ULL << p->gshift;
	uint64_t sz = lvl_size(p, lvl), a, next, base, d, dpa, child;
	int64_t done = 0, r;
	int ret;

	for (a = off; a < end; a = next) {
		base = VS_ALIGN_DOWN(a, sz);
		next = base + sz;
		if (next > end)
			next = end;
		dpa = desc_addr(p, table, lvl, a);
		if (rd(p, dpa, &d))
			continue;
		switch (desc_kind(p, lvl, d)) {
		case PGT_LEAF:
			if (a == base && next == base + sz) {
				if (wr(p, dpa, 0))
					continue;
				gather_leaf(g, base | p->upper, sz, lvl);
				done += (int64_t)sz;
				continue;
			}
			/* Partly covered block: split it, then recurse. */
			ret = split_block(p, dpa, lvl, d, &child);
			if (ret)
				return ret;
			/*
			 * The block leaf is gone (a TLB may hold it); its
			 * parts still mapped translate as before, so only the
			 * range being unmapped needs invalidating.
			 */
			if (g) {
				gather_range(g, a | p->upper, next - a);
				g->leaf_levels |= 1U << lvl;
			}
			break;
		case PGT_TABLE:
			child = desc_to_addr(p, d, granule);
			break;
		default:
			continue;
		}

		r = unmap_range(p, child, lvl + 1, a, next, g);
		if (r < 0)
			return r;
		done += r;
		if (table_empty(p, child) && !wr(p, dpa, 0)) {
			table_free(p, child, granule);
			if (g) {
				g->tables_freed = true;
				gather_range(g, a | p->upper, next - a);
			}
		}
	}
	return done;
}

int64_t vsmmu_pgtable_unmap(struct vsmmu_pgtable *pgt, uint64_t iova,
			    uint64_t size, struct vsmmu_pgtable_gather *gather)
{
	uint64_t off;
	int ret;

	if (!pgt)
		return -EINVAL;
	ret = check_range(pgt, iova, size, &off);
	if (ret)
		return ret;
	return unmap_range(pgt, pgt->root, pgt->start, off, off + size, gather);
}

/* --- Dirty state ----------------------------------------------------- */

struct dirty_walk {
	unsigned int flags;
	vsmmu_pgtable_dirty_fn *fn;
	void *arg;
	struct vsmmu_pgtable_gather *g;
	int64_t n;
};

/* Writable-dirty: DBM and write permission (S2AP[1] = 1 / AP[2] = 0). */
static bool leaf_dirty(const struct vsmmu_pgtable *p, uint64_t d)
{
	if (!(d & ARM_LPAE_PTE_DBM))
		return false;
	if (p->cfg.fmt == VSMMU_PGTABLE_S2)
		return d & ARM_LPAE_PTE_HAP_WRITE;
	return !(d & ARM_LPAE_PTE_AP_RDONLY);
}

static uint64_t leaf_clean(const struct vsmmu_pgtable *p, uint64_t d)
{
	if (p->cfg.fmt == VSMMU_PGTABLE_S2)
		return d & ~ARM_LPAE_PTE_HAP_WRITE;
	return d | ARM_LPAE_PTE_AP_RDONLY;
}

static void dirty_range(struct vsmmu_pgtable *p, uint64_t table,
			unsigned int lvl, uint64_t off, uint64_t end,
			struct dirty_walk *w)
{
	uint64_t granule = 1ULL << p->gshift;
	uint64_t sz = lvl_size(p, lvl), a, next, base, d, dpa;

	for (a = off; a < end; a = next) {
		base = VS_ALIGN_DOWN(a, sz);
		next = base + sz < end ? base + sz : end;
		dpa = desc_addr(p, table, lvl, a);
		if (rd(p, dpa, &d))
			continue;
		switch (desc_kind(p, lvl, d)) {
		case PGT_TABLE:
			dirty_range(p, desc_to_addr(p, d, granule), lvl + 1, a,
				    next, w);
			break;
		case PGT_LEAF:
			if (!leaf_dirty(p, d))
				break;
			w->n++;
			if (w->fn)
				w->fn(w->arg, base | p->upper, sz);
			if (w->flags & VSMMU_PGTABLE_DIRTY_NO_CLEAR)
				break;
			/* Against the SMMU's own update of the same leaf */
			while (leaf_dirty(p, d) &&
			       vsmmu_mem_cmpxchg64(p->mem, dpa, &d,
						   leaf_clean(p, d)) == -EAGAIN)
				;
			gather_leaf(w->g, base | p->upper, sz, lvl);
			break;
		default:
			break;
		}
	}
}

int64_t vsmmu_pgtable_read_dirty(struct vsmmu_pgtable *pgt, uint64_t iova,
				 uint64_t size, unsigned int flags,
				 vsmmu_pgtable_dirty_fn *fn, void *arg,
				 struct vsmmu_pgtable_gather *gather)
{
	struct dirty_walk w = { flags, fn, arg, gather, 0 };
	uint64_t off;
	int ret;

	if (!pgt || (flags & ~VSMMU_PGTABLE_DIRTY_NO_CLEAR))
		return -EINVAL;
	ret = check_range(pgt, iova, size, &off);
	if (ret)
		return ret;
	dirty_range(pgt, pgt->root, pgt->start, off, off + size, &w);
	return w.n;
}

/* --- Lookup ---------------------------------------------------------- */

int vsmmu_pgtable_lookup(const struct vsmmu_pgtable *pgt, uint64_t iova,
			 struct vsmmu_pgtable_entry *e)
{
	uint64_t granule, table, off, d, sz;
	unsigned int lvl;

	if (!pgt || !e || (iova & ~pgt->ias_mask) != pgt->upper)
		return -EINVAL;
	granule = 1ULL << pgt->gshift;
	off = iova & pgt->ias_mask;
	table = pgt->root;
	for (lvl = pgt->start; lvl <= 3; lvl++) {
		if (rd(pgt, desc_addr(pgt, table, lvl, off), &d))
			return -ENOENT;
		switch (desc_kind(pgt, lvl, d)) {
		case PGT_TABLE:
			table = desc_to_addr(pgt, d, granule);
			continue;
		case PGT_LEAF:
			sz = lvl_size(pgt, lvl);
			e->iova = VS_ALIGN_DOWN(off, sz) | pgt->upper;
			e->pa = desc_to_addr(pgt, d, sz);
			e->size = sz;
			e->level = lvl;
			e->prot = desc_to_prot(pgt, d);
			e->desc = d;
			return 0;
		default:
			return -ENOENT;
		}
	}
	return -ENOENT;
}

int vsmmu_pgtable_iova_to_phys(const struct vsmmu_pgtable *pgt, uint64_t iova,
			       uint64_t *pa, uint64_t *pgsize)
{
	struct vsmmu_pgtable_entry e;
	int ret;

	if (!pa)
		return -EINVAL;
	ret = vsmmu_pgtable_lookup(pgt, iova, &e);
	if (ret)
		return ret;
	*pa = e.pa + (iova - e.iova);
	if (pgsize)
		*pgsize = e.size;
	return 0;
}
