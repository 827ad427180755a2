// SPDX-License-Identifier: MIT
/*
 * The physical memory model: a sparse store of 4 KiB pages.
 *
 * Index.  A page frame number (up to 40 bits for a 52-bit PA) is split
 * 14/13/13: the top array (sized for @pa_bits, allocated at create) points
 * to mid nodes, mid nodes to leaf nodes, leaf nodes to pages.  An absent
 * mid or leaf node is not NULL but one of two shared, read-only, all-empty
 * sentinel nodes, so a lookup is three dependent loads with no test in
 * between, and only the final page pointer is checked.  Writers never
 * store into a sentinel: they compare against it and replace the pointer
 * to it.
 *
 * Concurrency.  Nodes and page storage are never freed before destroy, so
 * a reader can never see a freed pointer; vsmmu_mem_unmap() only clears a
 * leaf entry (the page's storage is left alone: the model's own stays in
 * its slab unused, a caller's or an alias's stays the owner's).  Index pointers are read with
 * acquire loads and published with compare-and-swap (release); whoever
 * loses a publication race frees its copy and uses the winner's.  A new
 * page is filled before it is published, so a reader never sees it half
 * initialised.  Page data is accessed with relaxed atomics: aligned 64-bit
 * accesses are single-copy atomic, and ordering between threads is the
 * business of whatever the callers synchronise on (the register
 * interface, a queue index), as barriers are on real hardware.
 *
 * Page storage.  Owned pages are carved from 2 MiB anonymous mappings
 * (one malloc per 4 KiB page would cost about twice the memory with
 * aligned allocation); pages lost in a publication race go to a spare
 * list.  Loaders may instead point pages into a private file mapping.
 * Neither kind is freed one by one: destroy unmaps the slabs and the file
 * mappings, so a leaf entry needs no owned/mapped tag and the hot path no
 * masking.
 */
#include <endian.h>
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <vsmmu/mem.h>

#include "mem/mem_internal.h"

#define PG_SHIFT VSMMU_MEM_PAGE_SHIFT
#define PG_SIZE VSMMU_MEM_PAGE_SIZE
#define LEAF_BITS 13
#define MID_BITS 13
#define LEAF_ENTRIES (1u << LEAF_BITS)
#define MID_ENTRIES (1u << MID_BITS)
#define TOP_SHIFT (LEAF_BITS + MID_BITS) /* in PFN bits */
#define NODE_BYTES (LEAF_ENTRIES * sizeof(void *))
#define SLAB_BYTES (2u << 20)
/* The index may always use at least this much, whatever the limit. */
#define MIN_NODE_BUDGET (4ULL << 20)

struct mem_leaf {
	void *page[LEAF_ENTRIES];
};

struct mem_mid {
	struct mem_leaf *leaf[MID_ENTRIES];
};

_Static_assert(sizeof(struct mem_mid) == NODE_BYTES, "node size");
_Static_assert(sizeof(struct mem_leaf) == NODE_BYTES, "node size");

/* The shared sentinels standing for "no node here"; never written. */
static const struct mem_leaf empty_leaf;
static const struct mem_mid empty_mid = {
	.leaf = { [0 ... MID_ENTRIES - 1] = (struct mem_leaf *)&empty_leaf },
};
#define EMPTY_LEAF ((struct mem_leaf *)&empty_leaf)
#define EMPTY_MID ((struct mem_mid *)&empty_mid)

struct vsmmu_mem {
	unsigned int pa_bits;
	uint64_t top_entries;
	struct mem_mid **top;

	/* Budget; all accessed with relaxed atomics. */
	uint64_t limit_pages;
	uint64_t limit_nodes;
	uint64_t reserved_pages; /* own pages charged, in-flight included */
	uint64_t nr_pages;
	uint64_t nr_nodes;
	uint64_t epoch; /* vsmmu_mem_epoch(): pages made absent so far */

	/* Slabs and file mappings, pushed lock-free, unmapped at destroy. */
	struct mem_mapping *mappings;

	pthread_mutex_t slab_lock; /* guards the three below */
	unsigned char *slab_next;
	size_t slab_left; /* pages */
	void *spare; /* list of unused pages, linked through word 0 */
};

int vsmmu_mem_create(unsigned int pa_bits, struct vsmmu_mem **out)
{
	struct vsmmu_mem *mem;
	unsigned int pfn_bits;
	uint64_t i;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (pa_bits < 32 || pa_bits > VSMMU_MEM_MAX_PA_BITS)
		return -EINVAL;
	mem = calloc(1, sizeof(*mem));
	if (!mem)
		return -ENOMEM;
	mem->pa_bits = pa_bits;
	pfn_bits = pa_bits - PG_SHIFT;
	mem->top_entries =
		pfn_bits > TOP_SHIFT ? 1ULL << (pfn_bits - TOP_SHIFT) : 1;
	mem->top = malloc(mem->top_entries * sizeof(*mem->top));
	if (!mem->top) {
		free(mem);
		return -ENOMEM;
	}
	for (i = 0; i < mem->top_entries; i++)
		mem->top[i] = EMPTY_MID;
	if (pthread_mutex_init(&mem->slab_lock, NULL)) {
		free(mem->top);
		free(mem);
		return -ENOMEM;
	}
	vsmmu_mem_set_limit(mem, VSMMU_MEM_DEFAULT_LIMIT);
	*out = mem;
	return 0;
}

void vsmmu_mem_destroy(struct vsmmu_mem *mem)
{
	struct mem_mapping *m, *next;
	uint64_t i, j;

	if (!mem)
		return;
	for (i = 0; i < mem->top_entries; i++) {
		struct mem_mid *mid = mem->top[i];

		if (mid == EMPTY_MID)
			continue;
		for (j = 0; j < MID_ENTRIES; j++)
			if (mid->leaf[j] != EMPTY_LEAF)
				free(mid->leaf[j]);
		free(mid);
	}
	for (m = mem->mappings; m; m = next) {
		next = m->next;
		munmap(m->addr, m->len);
		free(m);
	}
	pthread_mutex_destroy(&mem->slab_lock);
	free(mem->top);
	free(mem);
}

unsigned int vsmmu_mem_pa_bits(const struct vsmmu_mem *mem)
{
	return mem->pa_bits;
}

int vsmmu_mem_set_limit(struct vsmmu_mem *mem, uint64_t max_bytes)
{
	uint64_t node_bytes = max_bytes > MIN_NODE_BUDGET ? max_bytes :
							    MIN_NODE_BUDGET;

	__atomic_store_n(&mem->limit_pages, max_bytes >> PG_SHIFT,
			 __ATOMIC_RELAXED);
	__atomic_store_n(&mem->limit_nodes, node_bytes / NODE_BYTES,
			 __ATOMIC_RELAXED);
	return 0;
}

uint64_t mem_limit_pages(const struct vsmmu_mem *mem)
{
	return __atomic_load_n(&mem->limit_pages, __ATOMIC_RELAXED);
}

bool mem_range_ok(const struct vsmmu_mem *mem, uint64_t pa, uint64_t len)
{
	uint64_t end = 1ULL << mem->pa_bits;

	return len <= end && pa <= end - len;
}

void mem_add_mapping(struct vsmmu_mem *mem, struct mem_mapping *m)
{
	m->next = __atomic_load_n(&mem->mappings, __ATOMIC_RELAXED);
	while (!__atomic_compare_exchange_n(&mem->mappings, &m->next, m, true,
					    __ATOMIC_RELEASE, __ATOMIC_RELAXED))
		;
}

/* --- Lookup: the hot path --------------------------------------------- */

/* The page holding @pfn, or NULL.  @pfn must be inside the space. */
static inline unsigned char *mem_lookup(const struct vsmmu_mem *mem,
					uint64_t pfn)
{
	const struct mem_mid *mid;
	const struct mem_leaf *leaf;

	mid = __atomic_load_n(&mem->top[pfn >> TOP_SHIFT], __ATOMIC_ACQUIRE);
	leaf = __atomic_load_n(
		&mid->leaf[(pfn >> LEAF_BITS) & (MID_ENTRIES - 1)],
		__ATOMIC_ACQUIRE);
	return __atomic_load_n(&leaf->page[pfn & (LEAF_ENTRIES - 1)],
			       __ATOMIC_ACQUIRE);
}

static inline uint64_t *mem_word(const struct vsmmu_mem *mem, uint64_t pa,
				 int *err)
{
	unsigned char *page;

	if (__builtin_expect((pa & 7) | (pa >> mem->pa_bits), 0)) {
		*err = (pa & 7) ? -EINVAL : -EFAULT;
		return NULL;
	}
	page = mem_lookup(mem, pa >> PG_SHIFT);
	if (__builtin_expect(!page, 0)) {
		*err = -EFAULT;
		return NULL;
	}
	return (uint64_t *)(page + (pa & MEM_PAGE_MASK));
}

int vsmmu_mem_read64(const struct vsmmu_mem *mem, uint64_t pa, uint64_t *val)
{
	int err;
	uint64_t *w = mem_word(mem, pa, &err);

	if (!w)
		return err;
	*val = le64toh(__atomic_load_n(w, __ATOMIC_RELAXED));
	return 0;
}

int vsmmu_mem_write64(struct vsmmu_mem *mem, uint64_t pa, uint64_t val)
{
	int err;
	uint64_t *w = mem_word(mem, pa, &err);

	if (!w)
		return err;
	__atomic_store_n(w, htole64(val), __ATOMIC_RELAXED);
	return 0;
}

int vsmmu_mem_read32(const struct vsmmu_mem *mem, uint64_t pa, uint32_t *val)
{
	int err;
	uint64_t *w = mem_word(mem, pa & ~7ULL, &err);

	if (!w)
		return err;
	if (pa & 3)
		return -EINVAL;
	*val = le32toh(__atomic_load_n((uint32_t *)w + ((pa >> 2) & 1),
				       __ATOMIC_ACQUIRE));
	return 0;
}

int vsmmu_mem_write32(struct vsmmu_mem *mem, uint64_t pa, uint32_t val)
{
	int err;
	uint64_t *w = mem_word(mem, pa & ~7ULL, &err);

	if (!w)
		return err;
	if (pa & 3)
		return -EINVAL;
	__atomic_store_n((uint32_t *)w + ((pa >> 2) & 1), htole32(val),
			 __ATOMIC_RELEASE);
	return 0;
}

int vsmmu_mem_cmpxchg64(struct vsmmu_mem *mem, uint64_t pa, uint64_t *old,
			uint64_t new)
{
	int err;
	uint64_t *w = mem_word(mem, pa, &err);
	uint64_t expect;

	if (!w)
		return err;
	expect = htole64(*old);
	/* Hardware updates of AF/DBM are atomic read-modify-writes. */
	if (__atomic_compare_exchange_n(w, &expect, htole64(new), false,
					__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return 0;
	*old = le64toh(expect);
	return -EAGAIN;
}

void *vsmmu_mem_page(const struct vsmmu_mem *mem, uint64_t pa)
{
	if (pa >> mem->pa_bits)
		return NULL;
	return mem_lookup(mem, pa >> PG_SHIFT);
}

uint64_t vsmmu_mem_page_count(const struct vsmmu_mem *mem)
{
	return __atomic_load_n(&mem->nr_pages, __ATOMIC_RELAXED);
}

uint64_t vsmmu_mem_bytes(const struct vsmmu_mem *mem)
{
	return (__atomic_load_n(&mem->reserved_pages, __ATOMIC_RELAXED)
		<< PG_SHIFT) +
	       __atomic_load_n(&mem->nr_nodes, __ATOMIC_RELAXED) * NODE_BYTES +
	       mem->top_entries * sizeof(*mem->top);
}

uint64_t vsmmu_mem_epoch(const struct vsmmu_mem *mem)
{
	return __atomic_load_n(&mem->epoch, __ATOMIC_ACQUIRE);
}

bool vsmmu_mem_present(const struct vsmmu_mem *mem, uint64_t pa, uint64_t size)
{
	uint64_t pfn, last;

	if (!mem_range_ok(mem, pa, size))
		return false;
	if (!size)
		return true;
	last = (pa + size - 1) >> PG_SHIFT;
	/* Stops at the first hole, so this is bounded by the pages present. */
	for (pfn = pa >> PG_SHIFT; pfn <= last; pfn++)
		if (!mem_lookup(mem, pfn))
			return false;
	return true;
}

/* --- Byte copies ------------------------------------------------------ */

/*
 * Copies to and from guest pages use relaxed atomics, 64 bits at a time
 * where aligned, so they never tear a concurrent 64-bit access and are not
 * data races in the C11 sense.
 */
static void mem_copy_out(unsigned char *dst, const unsigned char *src, size_t n)
{
	for (; n && ((uintptr_t)src & 7); n--)
		*dst++ = __atomic_load_n(src++, __ATOMIC_RELAXED);
	for (; n >= 8; n -= 8, src += 8, dst += 8) {
		uint64_t v = __atomic_load_n((const uint64_t *)src,
					     __ATOMIC_RELAXED);

		memcpy(dst, &v, 8);
	}
	for (; n; n--)
		*dst++ = __atomic_load_n(src++, __ATOMIC_RELAXED);
}

/* Copy @n bytes of @src (zeros if NULL) into a guest page at @dst. */
static void mem_copy_in(unsigned char *dst, const unsigned char *src, size_t n)
{
	static const unsigned char zero8[8];
	const unsigned char *s = src ? src : zero8;
	size_t step = src ? 1 : 0;

	for (; n && ((uintptr_t)dst & 7); n--, s += step)
		__atomic_store_n(dst++, *s, __ATOMIC_RELAXED);
	for (; n >= 8; n -= 8, dst += 8, s += 8 * step) {
		uint64_t v;

		memcpy(&v, s, 8);
		__atomic_store_n((uint64_t *)dst, v, __ATOMIC_RELAXED);
	}
	for (; n; n--, s += step)
		__atomic_store_n(dst++, *s, __ATOMIC_RELAXED);
}

int vsmmu_mem_read(const struct vsmmu_mem *mem, uint64_t pa, void *buf,
		   size_t len)
{
	unsigned char *dst = buf;

	if (!len)
		return 0;
	if (!mem_range_ok(mem, pa, len))
		return -EFAULT;
	while (len) {
		uint64_t off = pa & MEM_PAGE_MASK;
		size_t n = PG_SIZE - off < len ? PG_SIZE - off : len;
		unsigned char *page = mem_lookup(mem, pa >> PG_SHIFT);

		if (!page)
			return -EFAULT;
		mem_copy_out(dst, page + off, n);
		dst += n;
		pa += n;
		len -= n;
	}
	return 0;
}

int vsmmu_mem_write(struct vsmmu_mem *mem, uint64_t pa, const void *buf,
		    size_t len)
{
	const unsigned char *src = buf;

	if (!len)
		return 0;
	/* Every page first, so that a failed write changes nothing. */
	if (!vsmmu_mem_present(mem, pa, len))
		return -EFAULT;
	while (len) {
		uint64_t off = pa & MEM_PAGE_MASK;
		size_t n = PG_SIZE - off < len ? PG_SIZE - off : len;

		mem_copy_in(mem_lookup(mem, pa >> PG_SHIFT) + off, src, n);
		src += n;
		pa += n;
		len -= n;
	}
	return 0;
}

/* --- Populating ------------------------------------------------------- */

static bool mem_charge(uint64_t *count, const uint64_t *limit)
{
	uint64_t n = __atomic_add_fetch(count, 1, __ATOMIC_RELAXED);

	if (n > __atomic_load_n(limit, __ATOMIC_RELAXED)) {
		__atomic_sub_fetch(count, 1, __ATOMIC_RELAXED);
		return false;
	}
	return true;
}

static void mem_uncharge(uint64_t *count)
{
	__atomic_sub_fetch(count, 1, __ATOMIC_RELAXED);
}

static void *mem_node_alloc(struct vsmmu_mem *mem, size_t bytes)
{
	void *n;

	if (!mem_charge(&mem->nr_nodes, &mem->limit_nodes))
		return NULL;
	n = malloc(bytes);
	if (!n)
		mem_uncharge(&mem->nr_nodes);
	return n;
}

static void mem_node_free(struct vsmmu_mem *mem, void *n)
{
	free(n);
	mem_uncharge(&mem->nr_nodes);
}

/* The leaf node covering @pfn, created (with its mid node) if needed. */
static struct mem_leaf *mem_leaf_get(struct vsmmu_mem *mem, uint64_t pfn)
{
	struct mem_mid **mslot = &mem->top[pfn >> TOP_SHIFT];
	struct mem_leaf **lslot;
	struct mem_mid *mid;
	struct mem_leaf *leaf;
	unsigned int i;

	mid = __atomic_load_n(mslot, __ATOMIC_ACQUIRE);
	if (mid == EMPTY_MID) {
		struct mem_mid *n = mem_node_alloc(mem, sizeof(*n));

		if (!n)
			return NULL;
		for (i = 0; i < MID_ENTRIES; i++)
			n->leaf[i] = EMPTY_LEAF;
		if (__atomic_compare_exchange_n(mslot, &mid, n, false,
						__ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE))
			mid = n;
		else
			mem_node_free(mem, n); /* mid is the winner's */
	}

	lslot = &mid->leaf[(pfn >> LEAF_BITS) & (MID_ENTRIES - 1)];
	leaf = __atomic_load_n(lslot, __ATOMIC_ACQUIRE);
	if (leaf == EMPTY_LEAF) {
		struct mem_leaf *n = mem_node_alloc(mem, sizeof(*n));

		if (!n)
			return NULL;
		memset(n, 0, sizeof(*n));
		if (__atomic_compare_exchange_n(lslot, &leaf, n, false,
						__ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE))
			leaf = n;
		else
			mem_node_free(mem, n);
	}
	return leaf;
}

/* A zeroed page from the slabs, or NULL. */
static unsigned char *mem_page_alloc(struct vsmmu_mem *mem)
{
	unsigned char *p = NULL;

	pthread_mutex_lock(&mem->slab_lock);
	if (mem->spare) {
		p = mem->spare;
		memcpy(&mem->spare, p, sizeof(void *));
		memset(p, 0, PG_SIZE);
		goto out;
	}
	if (!mem->slab_left) {
		struct mem_mapping *m = malloc(sizeof(*m));
		void *slab;

		if (!m)
			goto out;
		slab = mmap(NULL, SLAB_BYTES, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (slab == MAP_FAILED) {
			free(m);
			goto out;
		}
		m->addr = slab;
		m->len = SLAB_BYTES;
		mem_add_mapping(mem, m);
		mem->slab_next = slab;
		mem->slab_left = SLAB_BYTES / PG_SIZE;
	}
	p = mem->slab_next;
	mem->slab_next += PG_SIZE;
	mem->slab_left--;
out:
	pthread_mutex_unlock(&mem->slab_lock);
	return p;
}

/* Give back a page that was never published. */
static void mem_page_unalloc(struct vsmmu_mem *mem, unsigned char *p)
{
	pthread_mutex_lock(&mem->slab_lock);
	memcpy(p, &mem->spare, sizeof(void *));
	mem->spare = p;
	pthread_mutex_unlock(&mem->slab_lock);
}

/*
 * Make page @pfn present.  If it is absent, it becomes @host when that is
 * not NULL, else a fresh page holding @n bytes of @src at @off and zeros
 * elsewhere; it is filled before it is published.  Return 1 and *@page if
 * this call created the page, 0 and the existing page (which the caller
 * must overwrite itself if it wants to), or -ENOMEM.
 */
static int mem_get_page(struct vsmmu_mem *mem, uint64_t pfn, void *host,
			const void *src, size_t off, size_t n,
			unsigned char **page)
{
	struct mem_leaf *leaf = mem_leaf_get(mem, pfn);
	void **slot, *cur;
	unsigned char *p;

	if (!leaf)
		return -ENOMEM;
	slot = &leaf->page[pfn & (LEAF_ENTRIES - 1)];
	cur = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
	if (cur) {
		*page = cur;
		return 0;
	}
	if (!mem_charge(&mem->reserved_pages, &mem->limit_pages))
		return -ENOMEM;
	p = host;
	if (!p) {
		p = mem_page_alloc(mem);
		if (!p) {
			mem_uncharge(&mem->reserved_pages);
			return -ENOMEM;
		}
		if (n)
			memcpy(p + off, src, n);
	}
	if (!__atomic_compare_exchange_n(slot, &cur, p, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE)) {
		if (!host)
			mem_page_unalloc(mem, p);
		mem_uncharge(&mem->reserved_pages);
		*page = cur;
		return 0;
	}
	__atomic_add_fetch(&mem->nr_pages, 1, __ATOMIC_RELAXED);
	*page = p;
	return 1;
}

int vsmmu_mem_populate(struct vsmmu_mem *mem, uint64_t pa, uint64_t size)
{
	uint64_t pfn, last;
	unsigned char *page;

	if (!mem_range_ok(mem, pa, size))
		return -EINVAL;
	if (!size)
		return 0;
	last = (pa + size - 1) >> PG_SHIFT;
	for (pfn = pa >> PG_SHIFT; pfn <= last; pfn++) {
		if (mem_lookup(mem, pfn))
			continue;
		if (mem_get_page(mem, pfn, NULL, NULL, 0, 0, &page) < 0)
			return -ENOMEM;
	}
	return 0;
}

int mem_load_copy(struct vsmmu_mem *mem, uint64_t pa, const void *src,
		  size_t len)
{
	const unsigned char *s = src;

	if (!mem_range_ok(mem, pa, len))
		return -EINVAL;
	while (len) {
		size_t off = pa & MEM_PAGE_MASK;
		size_t n = PG_SIZE - off < len ? PG_SIZE - off : len;
		unsigned char *page;
		int ret;

		ret = mem_get_page(mem, pa >> PG_SHIFT, NULL, s, off, n, &page);
		if (ret < 0)
			return ret;
		if (!ret)
			mem_copy_in(page + off, s, n);
		s += n;
		pa += n;
		len -= n;
	}
	return 0;
}

int mem_load_zero(struct vsmmu_mem *mem, uint64_t pa, uint64_t len)
{
	if (!mem_range_ok(mem, pa, len))
		return -EINVAL;
	while (len) {
		size_t off = pa & MEM_PAGE_MASK;
		size_t n = PG_SIZE - off < len ? PG_SIZE - off : len;
		unsigned char *page;
		int ret;

		ret = mem_get_page(mem, pa >> PG_SHIFT, NULL, NULL, 0, 0,
				   &page);
		if (ret < 0)
			return ret;
		if (!ret)
			mem_copy_in(page + off, NULL, n);
		pa += n;
		len -= n;
	}
	return 0;
}

int mem_load_mapped(struct vsmmu_mem *mem, uint64_t pa, void *host,
		    uint64_t npages, uint64_t *used)
{
	unsigned char *h = host;
	uint64_t i;

	if ((pa & MEM_PAGE_MASK) || npages > (UINT64_MAX >> PG_SHIFT) ||
	    !mem_range_ok(mem, pa, npages << PG_SHIFT))
		return -EINVAL;
	for (i = 0; i < npages; i++, h += PG_SIZE) {
		unsigned char *page;
		int ret = mem_get_page(mem, (pa >> PG_SHIFT) + i, h, NULL, 0, 0,
				       &page);

		if (ret < 0)
			return ret;
		if (ret)
			(*used)++;
		else
			mem_copy_in(page, h, PG_SIZE);
	}
	return 0;
}

/* --- Memory that is not the model's own ------------------------------ */

static bool mem_page_range_ok(const struct vsmmu_mem *mem, uint64_t pa,
			      uint64_t size)
{
	return size && !((pa | size) & MEM_PAGE_MASK) &&
	       mem_range_ok(mem, pa, size);
}

/*
 * Publish @host (memory that is not the model's: the caller's, or another
 * memory's page) as page @pfn, uncharged.  Return 0, -EEXIST (present),
 * -EFAULT (@host NULL: an alias source gone), or -ENOMEM (index).
 */
static int mem_set_foreign(struct vsmmu_mem *mem, uint64_t pfn, void *host)
{
	struct mem_leaf *leaf = mem_leaf_get(mem, pfn);
	unsigned int i = pfn & (LEAF_ENTRIES - 1);
	void *cur = NULL;

	if (!leaf)
		return -ENOMEM;
	if (!host)
		return -EFAULT;
	if (!__atomic_compare_exchange_n(&leaf->page[i], &cur, host, false,
					 __ATOMIC_RELEASE, __ATOMIC_RELAXED))
		return -EEXIST;
	__atomic_add_fetch(&mem->nr_pages, 1, __ATOMIC_RELAXED);
	return 0;
}

/* Clear page @pfn if present; return whether it was. */
static bool mem_clear_page(struct vsmmu_mem *mem, uint64_t pfn)
{
	struct mem_mid *mid =
		__atomic_load_n(&mem->top[pfn >> TOP_SHIFT], __ATOMIC_ACQUIRE);
	struct mem_leaf *leaf;
	unsigned int i = pfn & (LEAF_ENTRIES - 1);
	void *cur;

	if (mid == EMPTY_MID)
		return false;
	leaf = __atomic_load_n(
		&mid->leaf[(pfn >> LEAF_BITS) & (MID_ENTRIES - 1)],
		__ATOMIC_ACQUIRE);
	if (leaf == EMPTY_LEAF)
		return false;
	cur = __atomic_exchange_n(&leaf->page[i], NULL, __ATOMIC_ACQ_REL);
	if (!cur)
		return false;
	/* Page pointers taken before this are stale from now on */
	__atomic_add_fetch(&mem->epoch, 1, __ATOMIC_RELEASE);
	__atomic_sub_fetch(&mem->nr_pages, 1, __ATOMIC_RELAXED);
	/*
	 * A page of the model's own keeps its budget charge: its storage
	 * stays in the slab until destroy, so a populate/unmap loop cannot
	 * grow the process past the limit.  Foreign pages were never
	 * charged.
	 */
	return true;
}

int vsmmu_mem_unmap(struct vsmmu_mem *mem, uint64_t pa, uint64_t size)
{
	uint64_t pfn, last;

	if (!mem || !mem_page_range_ok(mem, pa, size))
		return -EINVAL;
	last = (pa + size - 1) >> PG_SHIFT;
	for (pfn = pa >> PG_SHIFT; pfn <= last; pfn++)
		mem_clear_page(mem, pfn);
	return 0;
}

/* Map @n pages at @pa from @page(@arg, i); undo everything on failure. */
static int mem_map_pages(struct vsmmu_mem *mem, uint64_t pa, uint64_t n,
			 void *(*page)(const void *arg, uint64_t off),
			 const void *arg)
{
	uint64_t i;
	int ret;

	for (i = 0; i < n; i++) {
		ret = mem_set_foreign(mem, (pa >> PG_SHIFT) + i,
				      page(arg, i << PG_SHIFT));
		if (ret) {
			while (i--)
				mem_clear_page(mem, (pa >> PG_SHIFT) + i);
			return ret;
		}
	}
	return 0;
}

static void *host_page(const void *arg, uint64_t off)
{
	return (unsigned char *)arg + off;
}

int vsmmu_mem_map_host(struct vsmmu_mem *mem, uint64_t pa, void *host,
		       uint64_t size)
{
	if (!mem || !host || ((uintptr_t)host & MEM_PAGE_MASK) ||
	    !mem_page_range_ok(mem, pa, size))
		return -EINVAL;
	return mem_map_pages(mem, pa, size >> PG_SHIFT, host_page, host);
}

struct alias_src {
	const struct vsmmu_mem *mem;
	uint64_t pa;
};

static void *alias_page(const void *arg, uint64_t off)
{
	const struct alias_src *a = arg;

	return mem_lookup(a->mem, (a->pa + off) >> PG_SHIFT);
}

int vsmmu_mem_map_alias(struct vsmmu_mem *mem, uint64_t pa,
			const struct vsmmu_mem *src, uint64_t src_pa,
			uint64_t size)
{
	struct alias_src a = { src, src_pa };
	uint64_t off;

	if (!mem || !src || mem == src || !mem_page_range_ok(mem, pa, size) ||
	    !mem_page_range_ok(src, src_pa, size))
		return -EINVAL;
	for (off = 0; off < size; off += PG_SIZE)
		if (!alias_page(&a, off))
			return -EFAULT;
	/*
	 * A source page unmapped between the check and the mapping would
	 * alias NULL, i.e. stay absent: the same as if the unmap had come
	 * just after, which the caller has to order anyway.
	 */
	return mem_map_pages(mem, pa, size >> PG_SHIFT, alias_page, &a);
}

/* --- Walking ---------------------------------------------------------- */

int vsmmu_mem_for_each_range(const struct vsmmu_mem *mem,
			     int (*fn)(void *arg, uint64_t pa, uint64_t size),
			     void *arg)
{
	uint64_t t, start = 0, count = 0;
	unsigned int m, l;
	int ret;

	for (t = 0; t < mem->top_entries; t++) {
		const struct mem_mid *mid =
			__atomic_load_n(&mem->top[t], __ATOMIC_ACQUIRE);

		if (mid == EMPTY_MID)
			continue;
		for (m = 0; m < MID_ENTRIES; m++) {
			const struct mem_leaf *leaf = __atomic_load_n(
				&mid->leaf[m], __ATOMIC_ACQUIRE);

			if (leaf == EMPTY_LEAF)
				continue;
			for (l = 0; l < LEAF_ENTRIES; l++) {
				uint64_t pfn = (t << TOP_SHIFT) |
					       ((uint64_t)m << LEAF_BITS) | l;

				if (!__atomic_load_n(&leaf->page[l],
						     __ATOMIC_ACQUIRE))
					continue;
				if (count && start + count == pfn) {
					count++;
					continue;
				}
				if (count) {
					ret = fn(arg, start << PG_SHIFT,
						 count << PG_SHIFT);
					if (ret)
						return ret;
				}
				start = pfn;
				count = 1;
			}
		}
	}
	if (count)
		return fn(arg, start << PG_SHIFT, count << PG_SHIFT);
	return 0;
}
