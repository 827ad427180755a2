// SPDX-License-Identifier: MIT
/*
 * A first-fit allocator of physical memory for tables and queues.
 *
 * Two sorted arrays of [base, size) extents: the free ones (coalesced, so
 * neighbours never touch) and the allocated ones.  Keeping the allocated
 * extents lets a free be checked exactly: a free of anything that is not
 * a live allocation (same address and size) is ignored, so a double or
 * stray free cannot corrupt the free list.  Allocation from a fresh pool
 * is mostly in ascending order, which makes inserting into the allocated
 * array an append.  Not a hot path: one mutex guards everything.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <vsmmu/mem.h>

struct pool_ext {
	uint64_t base, size;
};

struct ext_array {
	struct pool_ext *e;
	size_t n, cap;
};

struct vsmmu_mem_pool {
	struct vsmmu_mem *mem;
	uint64_t base, size;
	pthread_mutex_t lock;
	struct ext_array free, used;
};

/* Make room for @total entries in all. */
static int ext_reserve(struct ext_array *a, size_t total)
{
	struct pool_ext *e;
	size_t cap;

	if (total <= a->cap)
		return 0;
	cap = a->cap ? a->cap * 2 : 16;
	while (cap < total)
		cap *= 2;
	e = realloc(a->e, cap * sizeof(*e));
	if (!e)
		return -ENOMEM;
	a->e = e;
	a->cap = cap;
	return 0;
}

static void ext_insert(struct ext_array *a, size_t i, uint64_t base,
		       uint64_t size)
{
	memmove(&a->e[i + 1], &a->e[i], (a->n - i) * sizeof(a->e[0]));
	a->e[i].base = base;
	a->e[i].size = size;
	a->n++;
}

static void ext_remove(struct ext_array *a, size_t i)
{
	memmove(&a->e[i], &a->e[i + 1], (a->n - i - 1) * sizeof(a->e[0]));
	a->n--;
}

/* Index of the first extent whose base is >= @base. */
static size_t ext_lower_bound(const struct ext_array *a, uint64_t base)
{
	size_t lo = 0, hi = a->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (a->e[mid].base < base)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int vsmmu_mem_pool_create(struct vsmmu_mem *mem, uint64_t base, uint64_t size,
			  struct vsmmu_mem_pool **out)
{
	struct vsmmu_mem_pool *pool;
	int ret;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!mem || !size)
		return -EINVAL;
	ret = vsmmu_mem_populate(mem, base, size);
	if (ret)
		return ret;
	pool = calloc(1, sizeof(*pool));
	if (!pool)
		return -ENOMEM;
	pool->mem = mem;
	pool->base = base;
	pool->size = size;
	if (ext_reserve(&pool->free, 1))
		goto out_free;
	if (pthread_mutex_init(&pool->lock, NULL))
		goto out_free_ext;
	ext_insert(&pool->free, 0, base, size);
	*out = pool;
	return 0;

out_free_ext:
	free(pool->free.e);
out_free:
	free(pool);
	return -ENOMEM;
}

void vsmmu_mem_pool_destroy(struct vsmmu_mem_pool *pool)
{
	if (!pool)
		return;
	pthread_mutex_destroy(&pool->lock);
	free(pool->free.e);
	free(pool->used.e);
	free(pool);
}

struct vsmmu_mem *vsmmu_mem_pool_mem(const struct vsmmu_mem_pool *pool)
{
	return pool->mem;
}

/* Zero [@pa, @pa + @size) through the memory API. */
static int pool_zero(struct vsmmu_mem *mem, uint64_t pa, uint64_t size)
{
	static const unsigned char zero[VSMMU_MEM_PAGE_SIZE];

	while (size) {
		size_t n = size < sizeof(zero) ? (size_t)size : sizeof(zero);
		int ret = vsmmu_mem_write(mem, pa, zero, n);

		if (ret)
			return ret;
		pa += n;
		size -= n;
	}
	return 0;
}

/* Put [@pa, @pa + @size) back on the free list, merging neighbours. */
static void pool_give_back(struct vsmmu_mem_pool *pool, uint64_t pa,
			   uint64_t size)
{
	struct ext_array *f = &pool->free;
	size_t i = ext_lower_bound(f, pa);
	bool prev = i > 0 && f->e[i - 1].base + f->e[i - 1].size == pa;
	bool next = i < f->n && pa + size == f->e[i].base;

	if (prev && next) {
		f->e[i - 1].size += size + f->e[i].size;
		ext_remove(f, i);
	} else if (prev) {
		f->e[i - 1].size += size;
	} else if (next) {
		f->e[i].base = pa;
		f->e[i].size += size;
	} else {
		/* Room was reserved when the allocation was made. */
		ext_insert(f, i, pa, size);
	}
}

int vsmmu_mem_pool_alloc(struct vsmmu_mem_pool *pool, uint64_t size,
			 uint64_t align, uint64_t *pa)
{
	struct ext_array *f;
	uint64_t start = 0;
	size_t i;
	int ret;

	if (!pool || !pa || !size)
		return -EINVAL;
	if (!align)
		align = 1;
	if (align & (align - 1))
		return -EINVAL;

	pthread_mutex_lock(&pool->lock);
	f = &pool->free;
	/*
	 * Free extents are separated by allocations, so there are at most
	 * used.n + 1 of them.  Room for used.n + 2 covers this allocation and
	 * every later free (which only shrinks used.n), so free never fails.
	 */
	if (ext_reserve(&pool->used, pool->used.n + 1) ||
	    ext_reserve(f, pool->used.n + 2)) {
		pthread_mutex_unlock(&pool->lock);
		return -ENOMEM;
	}
	for (i = 0; i < f->n; i++) {
		uint64_t b = f->e[i].base, end = b + f->e[i].size;

		if (align - 1 > UINT64_MAX - b)
			continue;
		start = (b + align - 1) & ~(align - 1);
		if (start < end && size <= end - start)
			break;
	}
	if (i == f->n) {
		pthread_mutex_unlock(&pool->lock);
		return -ENOMEM;
	}

	{
		uint64_t b = f->e[i].base, end = b + f->e[i].size;
		bool head = start > b, tail = start + size < end;

		if (head && tail) {
			f->e[i].size = start - b;
			ext_insert(f, i + 1, start + size, end - start - size);
		} else if (head) {
			f->e[i].size = start - b;
		} else if (tail) {
			f->e[i].base = start + size;
			f->e[i].size = end - start - size;
		} else {
			ext_remove(f, i);
		}
	}
	ext_insert(&pool->used, ext_lower_bound(&pool->used, start), start,
		   size);
	pthread_mutex_unlock(&pool->lock);

	ret = pool_zero(pool->mem, start, size);
	if (ret) {
		vsmmu_mem_pool_free(pool, start, size);
		return ret;
	}
	*pa = start;
	return 0;
}

void vsmmu_mem_pool_free(struct vsmmu_mem_pool *pool, uint64_t pa,
			 uint64_t size)
{
	struct ext_array *u;
	size_t i;

	if (!pool)
		return;
	pthread_mutex_lock(&pool->lock);
	u = &pool->used;
	i = ext_lower_bound(u, pa);
	/* Not a live allocation of exactly this size: ignore it. */
	if (i < u->n && u->e[i].base == pa && u->e[i].size == size) {
		ext_remove(u, i);
		pool_give_back(pool, pa, size);
	}
	pthread_mutex_unlock(&pool->lock);
}
