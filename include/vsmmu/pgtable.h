/* SPDX-License-Identifier: MIT */
/*
 * VMSAv8-64 page-table library (the io-pgtable counterpart).
 *
 * Builds stage-1 and stage-2 translation tables in a vsmmu_mem, for the
 * 4K, 16K and 64K granules, using blocks where alignment allows, and tells
 * the caller what must be invalidated after an unmap.  The tests use it to
 * build tables for the walker; the host driver uses it for its domains.
 *
 * Descriptors are written with single-copy-atomic 64-bit stores, and a new
 * table is fully written before the descriptor that links it is stored, so
 * a walker running concurrently sees either the old or the new mapping.
 *
 * Thread safety: one table may be read (iova_to_phys, or the SMMU walking
 * it) from any number of threads while one thread maps or unmaps; calls
 * that modify the same table must be serialised by the caller, as with
 * Linux's io-pgtable.  Distinct tables are independent.
 */
#ifndef VSMMU_PGTABLE_H
#define VSMMU_PGTABLE_H

#include <stdbool.h>
#include <stdint.h>

#include <vsmmu/mem.h>
#include <vsmmu/export.h>

#ifdef __cplusplus
extern "C" {
#endif

enum vsmmu_pgtable_fmt {
	VSMMU_PGTABLE_S1, /* stage 1, AArch64 (TTB0 or TTB1 range) */
	VSMMU_PGTABLE_S2, /* stage 2, AArch64 */
};

/* Mapping permissions and attributes for vsmmu_pgtable_map() */
#define VSMMU_PROT_READ (1U << 0)
#define VSMMU_PROT_WRITE (1U << 1)
#define VSMMU_PROT_EXEC (1U << 2) /* clear: XN (and PXN) set */
#define VSMMU_PROT_USER (1U << 3) /* S1: accessible unprivileged (AP[1]) */
#define VSMMU_PROT_PRIV_EXEC_ONLY (1U << 4) /* S1: UXN, PXN clear */
#define VSMMU_PROT_MMIO (1U << 5) /* device memory attributes */
#define VSMMU_PROT_CACHE (1U << 6) /* write-back cacheable */
#define VSMMU_PROT_GLOBAL (1U << 7) /* S1: nG = 0 */
#define VSMMU_PROT_NOAF (1U << 8) /* leave AF clear (tests access faults) */
/*
 * Dirty tracking by hardware (HTTU with DBM, for STE.S2HD / CD.HD): a
 * writable mapping is installed writable-clean -- DBM set, write
 * permission clear (S2AP[1] / AP[2] = 1) -- so the SMMU's first write
 * makes it writable-dirty.  vsmmu_pgtable_read_dirty() reports and
 * re-arms it.  Without hardware dirty state the page stays read-only.
 */
#define VSMMU_PROT_DIRTY_TRACK (1U << 9)

struct vsmmu_pgtable_cfg {
	enum vsmmu_pgtable_fmt fmt;
	unsigned int granule_shift; /* 12, 14 or 16 */
	unsigned int ias; /* input address bits (S1: 64 - T0SZ) */
	unsigned int oas; /* output address bits, 32..52 */
	bool ttb1; /* S1 only: the table serves the TTB1 (upper) range */
	/*
	 * Stage 2 only: the largest number of concatenated start-level
	 * tables the caller accepts (1..16; 0 means 16).  The library picks
	 * the start level that uses the fewest levels within this limit.
	 */
	unsigned int max_concat;
	/* Where table memory comes from: a pool in the memory to walk. */
	struct vsmmu_mem_pool *pool;
};

/* Derived encodings, for the CD or STE that points at the table. */
struct vsmmu_pgtable_info {
	uint64_t ttb; /* root table physical address */
	unsigned int start_level; /* 0..3 */
	unsigned int concat; /* S2: concatenated start tables, 1..16 */
	unsigned int tsz; /* T0SZ / T1SZ / S2T0SZ */
	unsigned int sl0; /* S2: STE.S2SL0 encoding */
	unsigned int tg; /* CD.TG0 (or TG1 if ttb1) / STE.S2TG encoding */
	unsigned int ps; /* CD.IPS / STE.S2PS encoding of oas */
};

/*
 * What an unmap (or a map that replaced table entries) requires the caller
 * to invalidate.  Accumulates across calls until reset with
 * vsmmu_pgtable_gather_init().
 */
struct vsmmu_pgtable_gather {
	uint64_t start; /* lowest IOVA affected */
	uint64_t end; /* one past the highest; start == end: nothing */
	uint64_t pgsize; /* smallest leaf size removed (for the range TLBI) */
	unsigned int leaf_levels; /* bit n: a leaf at level n was removed */
	bool tables_freed; /* a table was freed: non-leaf invalidation needed */
};

struct vsmmu_pgtable;

/**
 * vsmmu_pgtable_create() - allocate an empty table for @cfg.
 * Return: 0, -EINVAL for an impossible configuration (unknown granule,
 * ias/oas out of range for the granule, a stage-2 size that needs more
 * than max_concat tables), -ENOMEM.
 */
VSMMU_API int vsmmu_pgtable_create(const struct vsmmu_pgtable_cfg *cfg,
				   struct vsmmu_pgtable **out);

/** vsmmu_pgtable_destroy() - free every table page.  NULL is a no-op. */
VSMMU_API void vsmmu_pgtable_destroy(struct vsmmu_pgtable *pgt);

/** vsmmu_pgtable_info() - the derived encodings of @pgt. */
VSMMU_API void vsmmu_pgtable_get_info(const struct vsmmu_pgtable *pgt,
				      struct vsmmu_pgtable_info *info);

/**
 * vsmmu_pgtable_map() - map [@iova, @iova + @size) to @pa with @prot.
 *
 * @iova, @pa and @size must be granule-aligned; the largest block or page
 * size that alignment and the format allow is used for each part.  With a
 * TTB1 table, @iova is the full (sign-extended, upper-range) address.
 * Return: 0, -EINVAL (alignment, range, no READ/WRITE in @prot), -EEXIST
 * if any part is already mapped (nothing is changed then), -ENOMEM.
 */
VSMMU_API int vsmmu_pgtable_map(struct vsmmu_pgtable *pgt, uint64_t iova,
				uint64_t pa, uint64_t size, unsigned int prot);

/**
 * vsmmu_pgtable_unmap() - unmap [@iova, @iova + @size).
 *
 * A block only partly covered is split into the next level first.  Table
 * pages left empty are freed.  @gather (may be NULL) records what the
 * caller must invalidate before reusing the freed output memory or table
 * pages.  Return: the number of bytes that were mapped and are now
 * unmapped (>= 0), or -EINVAL, -ENOMEM (split failed; nothing changed for
 * that block).
 */
VSMMU_API int64_t vsmmu_pgtable_unmap(struct vsmmu_pgtable *pgt, uint64_t iova,
				      uint64_t size,
				      struct vsmmu_pgtable_gather *gather);

/**
 * vsmmu_pgtable_iova_to_phys() - software walk.
 * Return: 0 and *@pa (and *@pgsize, the leaf size, if not NULL), or
 * -ENOENT if unmapped, -EINVAL if @iova is out of range.
 */
VSMMU_API int vsmmu_pgtable_iova_to_phys(const struct vsmmu_pgtable *pgt,
					 uint64_t iova, uint64_t *pa,
					 uint64_t *pgsize);

/* One mapping as the library recorded it, for vsmmu_pgtable_lookup(). */
struct vsmmu_pgtable_entry {
	uint64_t iova; /* start of the leaf (page or block) */
	uint64_t pa; /* its output address */
	uint64_t size; /* its size */
	unsigned int level; /* the level of the leaf descriptor */
	unsigned int prot; /* VSMMU_PROT_* it was mapped with */
	uint64_t desc; /* the leaf descriptor itself */
};

/**
 * vsmmu_pgtable_lookup() - like iova_to_phys, with the whole leaf.
 * Return: 0, -ENOENT, -EINVAL.
 */
VSMMU_API int vsmmu_pgtable_lookup(const struct vsmmu_pgtable *pgt,
				   uint64_t iova,
				   struct vsmmu_pgtable_entry *e);

/* Called for each dirty range vsmmu_pgtable_read_dirty() finds. */
typedef void vsmmu_pgtable_dirty_fn(void *arg, uint64_t iova, uint64_t size);

#define VSMMU_PGTABLE_DIRTY_NO_CLEAR (1U << 0)

/**
 * vsmmu_pgtable_read_dirty() - report, through @fn, every leaf in
 * [@iova, @iova + @size) that is writable-dirty (DBM set and write
 * permission granted: the SMMU wrote through it), a leaf at a time; and,
 * unless @flags has VSMMU_PGTABLE_DIRTY_NO_CLEAR, make each writable-clean
 * again (a compare-and-swap, so a concurrent hardware update is never
 * lost).  A cleaned leaf is recorded in @gather (may be NULL): the caller
 * must invalidate it before the hardware's next write is sure to be
 * tracked (a TLB may still hold it writable).  Only leaves mapped with
 * VSMMU_PROT_DIRTY_TRACK can be dirty.  Not thread-safe against map and
 * unmap of the same table.  Return: the number of dirty leaves, -EINVAL.
 */
VSMMU_API int64_t vsmmu_pgtable_read_dirty(struct vsmmu_pgtable *pgt,
					   uint64_t iova, uint64_t size,
					   unsigned int flags,
					   vsmmu_pgtable_dirty_fn *fn,
					   void *arg,
					   struct vsmmu_pgtable_gather *gather);

/** vsmmu_pgtable_gather_init() - reset @g to "nothing to invalidate". */
VSMMU_API void vsmmu_pgtable_gather_init(struct vsmmu_pgtable_gather *g);

#ifdef __cplusplus
}
#endif
#endif /* VSMMU_PGTABLE_H */
