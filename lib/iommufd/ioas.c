// SPDX-License-Identifier: MIT
/*
 * IOAS: an I/O address space, IOVA -> the caller's memory, independent of
 * any hardware; and its commands (IOAS_ALLOC, MAP, MAP_FILE, COPY, UNMAP,
 * ALLOW_IOVAS, IOVA_RANGES, CHANGE_PROCESS, OPTION HUGE_PAGES).
 *
 * The rules are Linux's io_pagetable (drivers/iommu/iommufd/io_pagetable.c):
 *  - An area is one MAP (or one piece of a COPY): [iova, last] of some
 *    pinned pages.  UNMAP takes whole areas only; an area sticking out of
 *    the range is -ENOENT, and the areas before it stay unmapped.
 *  - Reserved ranges (each paging HWPT's aperture, each attached
 *    device's regions and the SMMU's MSI window, MSI bindings) may hold
 *    no area; IOVA_RANGES reports the holes between them.  Allowed ranges
 *    (ALLOW_IOVAS) bound automatic allocation and may not be reserved.
 *  - iova_alignment is 1 for an IOAS with no page table and the smallest
 *    page of its page tables otherwise (4 KiB here; also with HUGE_PAGES
 *    off); MAP and COPY need IOVA and length aligned to it.
 *  - Automatic IOVAs: the lowest hole (in the allowed ranges if any,
 *    never below 4 KiB) aligned to min(roundup_pow_of_two(length),
 *    lowest set bit of the user address), keeping the user address's
 *    offset in its page.
 * Every change is mirrored into every paging HWPT filled from the IOAS
 * before the command returns (an unmap invalidated).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <vsmmu/bits.h>

#include "iommufd/ifd.h"

#define PG VSMMU_MEM_PAGE_SIZE

/* --- Areas ------------------------------------------------------------ */

/* Index of the first area whose last >= @iova. */
static size_t area_lower(const struct ifd_ioas *ioas, uint64_t iova)
{
	size_t lo = 0, hi = ioas->nareas;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (ioas->areas[mid]->last < iova)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The first area intersecting [start, last], or NULL. */
static struct ifd_area *area_first(const struct ifd_ioas *ioas, uint64_t start,
				   uint64_t last)
{
	size_t i = area_lower(ioas, start);

	if (i < ioas->nareas && ioas->areas[i]->iova <= last)
		return ioas->areas[i];
	return NULL;
}

struct ifd_area *ifd_ioas_find(struct ifd_ioas *ioas, uint64_t iova,
			       uint64_t len)
{
	struct ifd_area *a;

	if (!len || iova + len - 1 < iova)
		return NULL;
	a = area_first(ioas, iova, iova);
	if (!a || a->iova > iova || a->last < iova + len - 1)
		return NULL;
	return a;
}

static int area_insert(struct ifd_ioas *ioas, struct ifd_area *a)
{
	size_t i;

	if (ioas->nareas == ioas->area_cap) {
		size_t n = ioas->area_cap ? ioas->area_cap * 2 : 16;
		struct ifd_area **p;

		p = ifd_realloc(ioas->obj.ctx, ioas->areas, n, sizeof(*p));
		if (!p)
			return -ENOMEM;
		ioas->areas = p;
		ioas->area_cap = n;
	}
	i = area_lower(ioas, a->iova);
	memmove(&ioas->areas[i + 1], &ioas->areas[i],
		(ioas->nareas - i) * sizeof(a));
	ioas->areas[i] = a;
	ioas->nareas++;
	return 0;
}

static void area_remove(struct ifd_ioas *ioas, struct ifd_area *a)
{
	size_t i = area_lower(ioas, a->iova);

	if (i >= ioas->nareas || ioas->areas[i] != a)
		return;
	memmove(&ioas->areas[i], &ioas->areas[i + 1],
		(ioas->nareas - i - 1) * sizeof(a));
	ioas->nareas--;
}

static void area_free(struct ifd_ctx *ctx, struct ifd_area *a)
{
	ifd_pages_put(ctx, a->pages);
	free(a);
}

/* Unmap @a from every page table filled from the IOAS. */
static void area_unfill(struct ifd_ioas *ioas, const struct ifd_area *a)
{
	size_t i;

	for (i = 0; i < ioas->nhwpts; i++)
		ifd_hwpt_unmap_range(ioas->hwpts[i], a->iova,
				     a->last - a->iova + 1);
}

/* Map @a in every page table; all or nothing. */
static int area_fill(struct ifd_ioas *ioas, const struct ifd_area *a)
{
	size_t i;
	int rc;

	for (i = 0; i < ioas->nhwpts; i++) {
		rc = ifd_hwpt_map_area(ioas->hwpts[i], ioas, a);
		if (rc)
			goto undo;
	}
	return 0;
undo:
	while (i--)
		ifd_hwpt_unmap_range(ioas->hwpts[i], a->iova,
				     a->last - a->iova + 1);
	return rc;
}

/* --- Reserved and allowed ranges ---------------------------------------- */

static bool range_hits(const struct ifd_range *r, size_t n, uint64_t start,
		       uint64_t last)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (r[i].start <= last && start <= r[i].last)
			return true;
	return false;
}

int ifd_ioas_reserve(struct ifd_ioas *ioas, uint64_t start, uint64_t last,
		     const void *owner)
{
	if (area_first(ioas, start, last) ||
	    range_hits(ioas->allowed, ioas->nallowed, start, last))
		return -EADDRINUSE;
	if (ioas->nresv == ioas->resv_cap) {
		size_t n = ioas->resv_cap ? ioas->resv_cap * 2 : 8;
		struct ifd_range *r;

		r = ifd_realloc(ioas->obj.ctx, ioas->resv, n, sizeof(*r));
		if (!r)
			return -ENOMEM;
		ioas->resv = r;
		ioas->resv_cap = n;
	}
	ioas->resv[ioas->nresv++] = (struct ifd_range){ start, last, owner };
	return 0;
}

void ifd_ioas_unreserve(struct ifd_ioas *ioas, const void *owner)
{
	size_t i = 0;

	while (i < ioas->nresv) {
		if (ioas->resv[i].owner == owner)
			ioas->resv[i] = ioas->resv[--ioas->nresv];
		else
			i++;
	}
}

static int range_cmp(const void *a, const void *b)
{
	const struct ifd_range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/*
 * The holes between the reserved ranges over [0, UINT64_MAX], in order:
 * calls @fn for each; returns how many there are.
 */
static uint32_t for_each_hole(struct ifd_ioas *ioas, struct ifd_range *tmp,
			      void (*fn)(void *arg, uint64_t s, uint64_t l),
			      void *arg)
{
	uint64_t next = 0;
	uint32_t n = 0;
	bool done = false;
	size_t i;

	if (ioas->nresv) {
		memcpy(tmp, ioas->resv, ioas->nresv * sizeof(*tmp));
		qsort(tmp, ioas->nresv, sizeof(*tmp), range_cmp);
	}
	for (i = 0; i < ioas->nresv && !done; i++) {
		if (tmp[i].last < next)
			continue;
		if (tmp[i].start > next) {
			if (fn)
				fn(arg, next, tmp[i].start - 1);
			n++;
		}
		if (tmp[i].last == UINT64_MAX)
			done = true;
		else if (tmp[i].last + 1 > next)
			next = tmp[i].last + 1;
	}
	if (!done) {
		if (fn)
			fn(arg, next, UINT64_MAX);
		n++;
	}
	return n;
}

/* --- Alignment and page tables ------------------------------------------ */

static int check_alignment(struct ifd_ioas *ioas, uint64_t align)
{
	uint64_t mask = align - 1;
	size_t i;

	for (i = 0; i < ioas->nareas; i++) {
		const struct ifd_area *a = ioas->areas[i];

		if ((a->iova & mask) || ((a->last - a->iova + 1) & mask) ||
		    ((a->start_byte % PG) & mask))
			return -EADDRINUSE;
	}
	return 0;
}

/* iopt_calculate_iova_alignment(): what the page tables need now. */
static int recalc_alignment(struct ifd_ioas *ioas)
{
	uint64_t align = ioas->disable_large_pages ? PG : 1;
	int rc;

	if (ioas->nhwpts)
		align = PG; /* every SMMU page table's smallest page */
	if (align > ioas->iova_alignment) {
		rc = check_alignment(ioas, align);
		if (rc)
			return rc;
	}
	ioas->iova_alignment = align;
	return 0;
}

int ifd_ioas_add_hwpt(struct ifd_ioas *ioas, struct ifd_hwpt_paging *hwpt)
{
	uint64_t align = PG > ioas->iova_alignment ? PG : ioas->iova_alignment;
	uint64_t bitmap = hwpt->common.host->feat->pgsize_bitmap;
	struct ifd_hwpt_paging **p;
	size_t i;
	int rc;

	/*
	 * iopt_table_add_domain(): the IOAS's alignment becomes the page
	 * table's smallest page, which must not exceed the process's page
	 * (the pinned memory is 4 KiB pages): an SMMU without the 4 KiB
	 * granule cannot hold the caller's pages.
	 */
	if (!bitmap || (bitmap & -bitmap) > PG)
		return -EINVAL;
	if (align != ioas->iova_alignment) {
		rc = check_alignment(ioas, align);
		if (rc)
			return rc;
	}
	/* Nothing may live beyond the page table's input range */
	if (hwpt->ias < 64) {
		rc = ifd_ioas_reserve(ioas, 1ULL << hwpt->ias, UINT64_MAX,
				      hwpt);
		if (rc)
			return rc;
	}
	if (ioas->nhwpts == ioas->hwpt_cap) {
		size_t n = ioas->hwpt_cap ? ioas->hwpt_cap * 2 : 4;

		p = ifd_realloc(ioas->obj.ctx, ioas->hwpts, n, sizeof(*p));
		if (!p) {
			rc = -ENOMEM;
			goto out_unreserve;
		}
		ioas->hwpts = p;
		ioas->hwpt_cap = n;
	}
	for (i = 0; i < ioas->nareas; i++) {
		rc = ifd_hwpt_map_area(hwpt, ioas, ioas->areas[i]);
		if (rc)
			goto out_unfill;
	}
	ioas->iova_alignment = align;
	ioas->hwpts[ioas->nhwpts++] = hwpt;
	return 0;
out_unfill:
	while (i--)
		ifd_hwpt_unmap_range(hwpt, ioas->areas[i]->iova,
				     ioas->areas[i]->last -
					     ioas->areas[i]->iova + 1);
out_unreserve:
	ifd_ioas_unreserve(ioas, hwpt);
	return rc;
}

void ifd_ioas_remove_hwpt(struct ifd_ioas *ioas, struct ifd_hwpt_paging *hwpt)
{
	size_t i;

	for (i = 0; i < ioas->nhwpts; i++) {
		if (ioas->hwpts[i] != hwpt)
			continue;
		ioas->hwpts[i] = ioas->hwpts[--ioas->nhwpts];
		break;
	}
	ifd_ioas_unreserve(ioas, hwpt);
	recalc_alignment(ioas); /* only ever lowers: cannot fail */
}

/* --- IOVA allocation ------------------------------------------------------ */

static uint64_t roundup_pow2(uint64_t x)
{
	uint64_t p = 1;

	while (p < x)
		p <<= 1;
	return p;
}

/*
 * Is there room for [c, c + len) in [lo, hi] avoiding reserved ranges and
 * areas?  If not, *next is the first address after the obstacle.
 */
static bool iova_free(struct ifd_ioas *ioas, uint64_t c, uint64_t len,
		      uint64_t *next)
{
	uint64_t last = c + len - 1;
	struct ifd_area *a;
	size_t i;

	if (last < c) {
		*next = 0;
		return false;
	}
	for (i = 0; i < ioas->nresv; i++) {
		if (ioas->resv[i].start <= last && c <= ioas->resv[i].last) {
			*next = ioas->resv[i].last + 1;
			return false;
		}
	}
	a = area_first(ioas, c, last);
	if (a) {
		*next = a->last + 1;
		return false;
	}
	return true;
}

static int iova_alloc(struct ifd_ioas *ioas, uint64_t uptr, uint64_t len,
		      uint64_t *iova)
{
	uint64_t page_offset = uptr % PG, align, lo, hi;
	size_t i, nspans;

	if (len == 0 || len >= UINT64_MAX / 2)
		return -EOVERFLOW;
	align = roundup_pow2(len);
	if (uptr && (1ULL << __builtin_ctzll(uptr)) < align)
		align = 1ULL << __builtin_ctzll(uptr);
	if (align < ioas->iova_alignment)
		return -EINVAL;
	nspans = ioas->nallowed ? ioas->nallowed : 1;
	for (i = 0; i < nspans; i++) {
		uint64_t c, next;

		lo = ioas->nallowed ? ioas->allowed[i].start : PG;
		hi = ioas->nallowed ? ioas->allowed[i].last : UINT64_MAX - PG;
		if (lo < PG)
			lo = PG;
		if (hi > UINT64_MAX - PG)
			hi = UINT64_MAX - PG;
		if (lo > hi)
			continue;
		c = lo;
		for (;;) {
			c = VS_ALIGN_UP(c, align) | page_offset;
			if (c < lo || c > hi || hi - c < len - 1)
				break;
			if (iova_free(ioas, c, len, &next)) {
				*iova = c;
				return 0;
			}
			if (next <= c)
				break;
			c = next;
		}
	}
	return -ENOSPC;
}

static int iova_check(struct ifd_ioas *ioas, uint64_t iova, uint64_t len)
{
	uint64_t last;

	if (iova & (ioas->iova_alignment - 1))
		return -EINVAL;
	last = iova + len - 1;
	if (last < iova)
		return -EOVERFLOW;
	if (range_hits(ioas->resv, ioas->nresv, iova, last))
		return -EINVAL;
	if (area_first(ioas, iova, last))
		return -EEXIST;
	return 0;
}

/* --- Mapping -------------------------------------------------------------- */

/* One piece of memory to map: a slice of pinned pages. */
struct map_piece {
	struct ifd_pages *pages;
	uint64_t start_byte, length;
};

/*
 * Map @pieces (contiguous in IOVA) at *@iova (@alloc: choose it), as
 * iopt_alloc_area_pages() + iopt_fill_domains_pages().  Takes a pages
 * reference for each area made.  ioas->lock held.
 */
static int map_pieces(struct ifd_ioas *ioas, struct map_piece *pieces, size_t n,
		      uint64_t length, uint64_t *iova, bool alloc,
		      unsigned int flags)
{
	struct ifd_ctx *ctx = ioas->obj.ctx;
	struct ifd_area **made;
	uint64_t cur;
	size_t i;
	int rc;

	if ((length & (ioas->iova_alignment - 1)) || !length)
		return -EINVAL;
	if (alloc)
		rc = iova_alloc(ioas,
				pieces[0].pages->uva + pieces[0].start_byte,
				length, iova);
	else
		rc = iova_check(ioas, *iova, length);
	if (rc)
		return rc;
	made = ifd_zalloc(ctx, n * sizeof(*made));
	if (!made)
		return -ENOMEM;
	cur = *iova;
	for (i = 0; i < n; i++) {
		struct ifd_area *a;

		rc = -EPERM;
		if ((flags & IOMMU_IOAS_MAP_WRITEABLE) &&
		    !pieces[i].pages->writable)
			goto undo;
		rc = -EINVAL;
		if ((pieces[i].start_byte % PG) & (ioas->iova_alignment - 1))
			goto undo;
		rc = -ENOMEM;
		a = ifd_zalloc(ctx, sizeof(*a));
		if (!a)
			goto undo;
		a->iova = cur;
		a->last = cur + pieces[i].length - 1;
		a->pages = pieces[i].pages;
		a->start_byte = pieces[i].start_byte;
		a->flags = flags;
		rc = area_insert(ioas, a);
		if (rc) {
			free(a);
			goto undo;
		}
		made[i] = a;
		ifd_pages_get(a->pages);
		rc = area_fill(ioas, a);
		if (rc) {
			area_remove(ioas, a);
			area_free(ctx, a);
			made[i] = NULL;
			goto undo;
		}
		cur += pieces[i].length;
	}
	free(made);
	return 0;
undo:
	while (i--) {
		area_unfill(ioas, made[i]);
		area_remove(ioas, made[i]);
		area_free(ctx, made[i]);
	}
	free(made);
	return rc;
}

static int check_map_flags(uint32_t flags)
{
	if (flags & ~(IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_WRITEABLE |
		      IOMMU_IOAS_MAP_READABLE))
		return -EOPNOTSUPP;
	return 0;
}

static int map_user(struct ifd_ucmd *ucmd, uint32_t ioas_id, uint32_t flags,
		    uint64_t uptr, uint64_t length, uint64_t *iova,
		    void *file_map)
{
	struct ifd_ctx *ctx = ucmd->ctx;
	struct map_piece piece;
	struct ifd_ioas *ioas;
	bool alloc = !(flags & IOMMU_IOAS_MAP_FIXED_IOVA);
	int rc;

	ioas = ifd_ioas_get(ctx, ioas_id);
	if (!ioas)
		return -ENOENT;
	/* iopt_alloc_pages(): the user range itself */
	rc = -EINVAL;
	if (length > SIZE_MAX - PG || length == 0)
		goto out_put;
	rc = -EOVERFLOW;
	if (uptr + length < uptr)
		goto out_put;
	pthread_mutex_lock(&ioas->lock);
	/* The IOVA first, so the pages get a physical address that suits */
	rc = -EINVAL;
	if ((length & (ioas->iova_alignment - 1)))
		goto out_unlock;
	if (alloc)
		rc = iova_alloc(ioas, uptr, length, iova);
	else
		rc = iova_check(ioas, *iova, length);
	if (rc)
		goto out_unlock;
	rc = ifd_pages_pin(ctx, uptr, length, flags & IOMMU_IOAS_MAP_WRITEABLE,
			   *iova, file_map, &piece.pages);
	if (rc)
		goto out_unlock;
	piece.start_byte = uptr - piece.pages->uva;
	piece.length = length;
	rc = map_pieces(ioas, &piece, 1, length, iova, false,
			flags & ~IOMMU_IOAS_MAP_FIXED_IOVA);
	/* The area holds its own reference; drop the pin's */
	ifd_pages_put(ctx, piece.pages);
out_unlock:
	pthread_mutex_unlock(&ioas->lock);
out_put:
	ifd_obj_put(&ioas->obj);
	return rc;
}

int ifd_cmd_ioas_map(struct ifd_ucmd *ucmd)
{
	struct iommu_ioas_map *cmd = ucmd->cmd;
	uint64_t iova = cmd->iova;
	int rc;

	if (check_map_flags(cmd->flags) || cmd->__reserved)
		return -EOPNOTSUPP;
	if (cmd->iova >= UINT64_MAX || cmd->length >= UINT64_MAX)
		return -EOVERFLOW;
	if (!(cmd->flags &
	      (IOMMU_IOAS_MAP_WRITEABLE | IOMMU_IOAS_MAP_READABLE)))
		return -EINVAL;
	rc = map_user(ucmd, cmd->ioas_id, cmd->flags, cmd->user_va, cmd->length,
		      &iova, NULL);
	if (rc)
		return rc;
	cmd->iova = iova;
	return ifd_ucmd_respond(ucmd, sizeof(*cmd));
}

/*
 * IOAS_MAP_FILE: the file's pages are mapped (shared) into this process
 * and pinned like any user memory; the mapping lives as long as the
 * pages do.
 */
int ifd_cmd_ioas_map_file(struct ifd_ucmd *ucmd)
{
	struct iommu_ioas_map_file *cmd = ucmd->cmd;
	uint64_t iova = cmd->iova, off, len;
	void *map;
	int rc, prot = PROT_READ;

	if (check_map_flags(cmd->flags))
		return -EOPNOTSUPP;
	if (cmd->iova >= UINT64_MAX || cmd->length >= UINT64_MAX)
		return -EOVERFLOW;
	if (!(cmd->flags &
	      (IOMMU_IOAS_MAP_WRITEABLE | IOMMU_IOAS_MAP_READABLE)))
		return -EINVAL;
	if (cmd->fd < 0 || fcntl(cmd->fd, F_GETFD) < 0)
		return -EBADF;
	if (!cmd->length || cmd->length > SIZE_MAX - 2 * PG ||
	    cmd->start > (uint64_t)INT64_MAX - cmd->length)
		return -EINVAL;
	off = cmd->start % PG;
	len = VS_ALIGN_UP(off + cmd->length, PG);
	if (cmd->flags & IOMMU_IOAS_MAP_WRITEABLE)
		prot |= PROT_WRITE;
	if (ifd_should_fail(ucmd->ctx))
		return -ENOMEM;
	map = mmap(NULL, len, prot, MAP_SHARED, cmd->fd,
		   (off_t)(cmd->start - off));
	if (map == MAP_FAILED)
		return errno == EACCES ? -EPERM : -EINVAL;
	rc = map_user(ucmd, cmd->ioas_id, cmd->flags, (uintptr_t)map + off,
		      cmd->length, &iova, map);
	if (rc) {
		/* The pages (if made) own the mapping only on success */
		munmap(map, len);
		return rc;
	}
	cmd->iova = iova;
	return ifd_ucmd_respond(ucmd, sizeof(*cmd));
}

/*
 * IOAS_COPY: the pieces of the source's areas covering [src_iova,
 * src_iova + length) contiguously (else -ENOENT) are mapped in the
 * destination, sharing their pinned pages.
 */
int ifd_cmd_ioas_copy(struct ifd_ucmd *ucmd)
{
	struct iommu_ioas_copy *cmd = ucmd->cmd;
	struct ifd_ctx *ctx = ucmd->ctx;
	struct map_piece *pieces = NULL;
	struct ifd_ioas *src, *dst;
	uint64_t last, cur, iova;
	size_t n = 0, i;
	int rc;

	if (check_map_flags(cmd->flags))
		return -EOPNOTSUPP;
	if (cmd->length >= UINT64_MAX || cmd->src_iova >= UINT64_MAX ||
	    cmd->dst_iova >= UINT64_MAX)
		return -EOVERFLOW;
	if (!(cmd->flags &
	      (IOMMU_IOAS_MAP_WRITEABLE | IOMMU_IOAS_MAP_READABLE)))
		return -EINVAL;
	src = ifd_ioas_get(ctx, cmd->src_ioas_id);
	if (!src)
		return -ENOENT;
	/* iopt_get_pages() */
	rc = -EINVAL;
	if (!cmd->length)
		goto out_put_src;
	rc = -EOVERFLOW;
	last = cmd->src_iova + cmd->length - 1;
	if (last < cmd->src_iova)
		goto out_put_src;
	pthread_mutex_lock(&src->lock);
	cur = cmd->src_iova;
	rc = 0;
	for (;;) {
		struct ifd_area *a = area_first(src, cur, cur);
		struct map_piece *p;
		uint64_t end;

		if (!a || a->iova > cur) {
			rc = -ENOENT;
			break;
		}
		p = ifd_realloc(ctx, pieces, n + 1, sizeof(*p));
		if (!p) {
			rc = -ENOMEM;
			break;
		}
		pieces = p;
		end = a->last < last ? a->last : last;
		pieces[n].pages = a->pages;
		pieces[n].start_byte = a->start_byte + (cur - a->iova);
		pieces[n].length = end - cur + 1;
		ifd_pages_get(a->pages);
		n++;
		if (end == last)
			break;
		cur = end + 1;
	}
	pthread_mutex_unlock(&src->lock);
	if (rc)
		goto out_pieces;
	dst = ifd_ioas_get(ctx, cmd->dst_ioas_id);
	if (!dst) {
		rc = -ENOENT;
		goto out_pieces;
	}
	iova = cmd->dst_iova;
	pthread_mutex_lock(&dst->lock);
	rc = map_pieces(dst, pieces, n, cmd->length, &iova,
			!(cmd->flags & IOMMU_IOAS_MAP_FIXED_IOVA),
			cmd->flags & ~IOMMU_IOAS_MAP_FIXED_IOVA);
	pthread_mutex_unlock(&dst->lock);
	ifd_obj_put(&dst->obj);
	if (!rc) {
		cmd->dst_iova = iova;
		rc = ifd_ucmd_respond(ucmd, sizeof(*cmd));
	}
out_pieces:
	for (i = 0; i < n; i++)
		ifd_pages_put(ctx, pieces[i].pages);
	free(pieces);
out_put_src:
	ifd_obj_put(&src->obj);
	return rc;
}

/* iopt_unmap_iova_range(): whole areas inside [start, last], in order. */
static int unmap_range(struct ifd_ioas *ioas, uint64_t start, uint64_t last,
		       uint64_t *unmapped)
{
	struct ifd_ctx *ctx = ioas->obj.ctx;
	uint64_t done = 0;
	struct ifd_area *a;
	int rc = -ENOENT;

	while ((a = area_first(ioas, start, last))) {
		if (a->iova < start || a->last > last) {
			rc = -ENOENT;
			goto out;
		}
		if (a->pins) {
			/* A HW queue reads it by physical address */
			rc = -EBUSY;
			goto out;
		}
		area_unfill(ioas, a);
		area_remove(ioas, a);
		done += a->last - a->iova + 1;
		area_free(ctx, a);
	}
	if (done)
		rc = 0;
out:
	*unmapped = done;
	return rc;
}

int ifd_cmd_ioas_unmap(struct ifd_ucmd *ucmd)
{
	struct iommu_ioas_unmap *cmd = ucmd->cmd;
	struct ifd_ioas *ioas;
	uint64_t unmapped = 0;
	int rc;

	ioas = ifd_ioas_get(ucmd->ctx, cmd->ioas_id);
	if (!ioas)
		return -ENOENT;
	pthread_mutex_lock(&ioas->lock);
	if (cmd->iova == 0 && cmd->length == UINT64_MAX) {
		rc = unmap_range(ioas, 0, UINT64_MAX, &unmapped);
		if (rc == -ENOENT)
			rc = 0; /* nothing mapped: unmap-all succeeds */
	} else if (cmd->iova >= UINT64_MAX || cmd->length >= UINT64_MAX) {
		rc = -EOVERFLOW;
	} else if (!cmd->length) {
		rc = -EINVAL;
	} else if (cmd->iova + cmd->length - 1 < cmd->iova) {
		rc = -EOVERFLOW;
	} else {
		rc = unmap_range(ioas, cmd->iova, cmd->iova + cmd->length - 1,
				 &unmapped);
	}
	pthread_mutex_unlock(&ioas->lock);
	ifd_obj_put(&ioas->obj);
	if (rc)
		return rc;
	cmd->length = unmapped;
	return ifd_ucmd_respond(ucmd, sizeof(*cmd));
}

/* --- Ranges ----------------------------------------------------------------- */

struct ranges_out {
	struct ifd_ctx *ctx;
	uint64_t uptr;
	uint32_t max, n;
	int rc;
};

static void put_range(void *arg, uint64_t s, uint64_t l)
{
	struct ranges_out *o = arg;
	struct iommu_iova_range r = { .start = s, .last = l };

	if (o->n < o->max && !o->rc)
		o->rc = ifd_copy_to_user(o->ctx, o->uptr + o->n * sizeof(r), &r,
					 sizeof(r));
	o->n++;
}

int ifd_cmd_ioas_iova_ranges(struct ifd_ucmd *ucmd)
{
	struct iommu_ioas_iova_ranges *cmd = ucmd->cmd;
	struct ranges_out o = { .ctx = ucmd->ctx };
	struct ifd_range *tmp;
	struct ifd_ioas *ioas;
	int rc;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	ioas = ifd_ioas_get(ucmd->ctx, cmd->ioas_id);
	if (!ioas)
		return -ENOENT;
	pthread_mutex_lock(&ioas->lock);
	tmp = ifd_zalloc(ucmd->ctx, (ioas->nresv + 1) * sizeof(*tmp));
	if (!tmp) {
		rc = -ENOMEM;
		goto out;
	}
	o.uptr = cmd->allowed_iovas;
	o.max = cmd->num_iovas;
	for_each_hole(ioas, tmp, put_range, &o);
	free(tmp);
	rc = o.rc;
	if (rc)
		goto out;
	cmd->num_iovas = o.n;
	cmd->out_iova_alignment = ioas->iova_alignment;
	rc = ifd_ucmd_respond(ucmd, sizeof(*cmd));
	if (!rc && o.n > o.max)
		rc = -EMSGSIZE;
out:
	pthread_mutex_unlock(&ioas->lock);
	ifd_obj_put(&ioas->obj);
	return rc;
}

int ifd_cmd_ioas_allow_iovas(struct ifd_ucmd *ucmd)
{
	struct iommu_ioas_allow_iovas *cmd = ucmd->cmd;
	struct ifd_ctx *ctx = ucmd->ctx;
	struct ifd_range *list = NULL, *old;
	struct ifd_ioas *ioas;
	size_t oldn;
	uint32_t i;
	int rc = 0;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	ioas = ifd_ioas_get(ctx, cmd->ioas_id);
	if (!ioas)
		return -ENOENT;
	for (i = 0; i != cmd->num_iovas; i++) {
		struct iommu_iova_range r;
		struct ifd_range *p;

		rc = ifd_copy_from_user(
			ctx, &r, cmd->allowed_iovas + i * sizeof(r), sizeof(r));
		if (rc)
			goto out_free;
		rc = -EINVAL;
		if (r.start >= r.last)
			goto out_free;
		if (range_hits(list, i, r.start, r.last))
			goto out_free;
		p = ifd_realloc(ctx, list, i + 1, sizeof(*p));
		if (!p) {
			rc = -ENOMEM;
			goto out_free;
		}
		list = p;
		list[i] = (struct ifd_range){ r.start, r.last, NULL };
		rc = 0;
	}
	if (list)
		qsort(list, cmd->num_iovas, sizeof(*list), range_cmp);
	pthread_mutex_lock(&ioas->lock);
	for (i = 0; i != cmd->num_iovas; i++) {
		if (range_hits(ioas->resv, ioas->nresv, list[i].start,
			       list[i].last)) {
			rc = -EADDRINUSE;
			break;
		}
	}
	if (!rc) {
		old = ioas->allowed;
		oldn = ioas->nallowed;
		ioas->allowed = list;
		ioas->nallowed = cmd->num_iovas;
		list = old;
		(void)oldn;
	}
	pthread_mutex_unlock(&ioas->lock);
out_free:
	free(list);
	ifd_obj_put(&ioas->obj);
	return rc;
}

/* --- Object and the rest ------------------------------------------------ */

int ifd_cmd_ioas_alloc(struct ifd_ucmd *ucmd)
{
	struct iommu_ioas_alloc *cmd = ucmd->cmd;
	struct ifd_ioas *ioas;
	int rc;

	if (cmd->flags)
		return -EOPNOTSUPP;
	ioas = (struct ifd_ioas *)ifd_obj_alloc(ucmd->ctx, sizeof(*ioas),
						IFD_IOAS);
	if (!ioas)
		return -ENOMEM;
	pthread_mutex_init(&ioas->lock, NULL);
	ioas->iova_alignment = 1;
	cmd->out_ioas_id = ioas->obj.id;
	rc = ifd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc)
		goto out_abort;
	ifd_obj_finalize(&ioas->obj);
	return 0;
out_abort:
	pthread_mutex_destroy(&ioas->lock);
	ifd_obj_abort(&ioas->obj);
	return rc;
}

void ifd_ioas_destroy(struct ifd_obj *obj)
{
	struct ifd_ioas *ioas = (struct ifd_ioas *)obj;
	size_t i;

	/* No page table is left (each held a reference): just unpin */
	for (i = 0; i < ioas->nareas; i++)
		area_free(obj->ctx, ioas->areas[i]);
	free(ioas->areas);
	free(ioas->resv);
	free(ioas->allowed);
	free(ioas->hwpts);
	pthread_mutex_destroy(&ioas->lock);
}

/* Every mapping of the context is file-backed (nothing else moves). */
int ifd_cmd_ioas_change_process(struct ifd_ucmd *ucmd)
{
	struct iommu_ioas_change_process *cmd = ucmd->cmd;
	struct ifd_ctx *ctx = ucmd->ctx;
	uint32_t id;
	int rc = 0;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	for (id = 1; !rc; id++) {
		struct ifd_ioas *ioas;
		size_t i;

		pthread_mutex_lock(&ctx->table_lock);
		if (id >= ctx->nslots) {
			pthread_mutex_unlock(&ctx->table_lock);
			break;
		}
		pthread_mutex_unlock(&ctx->table_lock);
		ioas = ifd_ioas_get(ctx, id);
		if (!ioas)
			continue;
		pthread_mutex_lock(&ioas->lock);
		for (i = 0; i < ioas->nareas; i++)
			if (!ioas->areas[i]->pages->file_map)
				rc = -EINVAL;
		pthread_mutex_unlock(&ioas->lock);
		ifd_obj_put(&ioas->obj);
	}
	return rc;
}

int ifd_ioas_option(struct ifd_ucmd *ucmd);
int ifd_ioas_option(struct ifd_ucmd *ucmd)
{
	struct iommu_option *cmd = ucmd->cmd;
	struct ifd_ioas *ioas;
	int rc = 0;

	ioas = ifd_ioas_get(ucmd->ctx, cmd->object_id);
	if (!ioas)
		return -ENOENT;
	pthread_mutex_lock(&ioas->lock);
	if (cmd->op == IOMMU_OPTION_OP_GET) {
		cmd->val64 = !ioas->disable_large_pages;
	} else if (cmd->op != IOMMU_OPTION_OP_SET) {
		rc = -EOPNOTSUPP;
	} else if (cmd->val64 == 0) {
		if (ioas->disable_large_pages)
			goto out;
		/* Not once page tables hold mappings made with blocks */
		if (ioas->nhwpts && ioas->nareas) {
			rc = -EINVAL;
			goto out;
		}
		ioas->disable_large_pages = true;
		rc = recalc_alignment(ioas);
		if (rc)
			ioas->disable_large_pages = false;
	} else if (cmd->val64 == 1) {
		ioas->disable_large_pages = false;
		recalc_alignment(ioas);
	} else {
		rc = -EINVAL;
	}
out:
	pthread_mutex_unlock(&ioas->lock);
	ifd_obj_put(&ioas->obj);
	return rc;
}
