// SPDX-License-Identifier: MIT
/*
 * The caller's memory behind IOAS_MAP: "pinning" and physical addresses.
 *
 * A process's IOAS_MAP pins the pages of its buffer so that the device's
 * DMA lands in them.  Here the pages are the calling process's own: they
 * are checked to be mapped (and writable for a writable mapping) by
 * faulting them in with MADV_POPULATE_READ / MADV_POPULATE_WRITE, which
 * fails on a hole or a read-only page as pin_user_pages() does (EFAULT),
 * and are then made host-physical memory of the model with
 * vsmmu_mem_map_host() at a physical address chosen in the context's pin
 * window.  The caller must not unmap the buffer while it is mapped in an
 * IOAS (a process cannot either: its pages stay pinned); vsmmu cannot
 * stop it, and a DMA would then touch unmapped memory.
 *
 * The physical address is chosen congruent to the mapping's IOVA modulo
 * the largest block the mapping could use (up to 1 GiB), so the page
 * tables filled from the IOAS can use blocks wherever the IOVA's
 * alignment allows them, as they would over physically contiguous huge
 * pages.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <vsmmu/bits.h>

#include "iommufd/ifd.h"

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

#define PG VSMMU_MEM_PAGE_SIZE

/*
 * Without MADV_POPULATE_* (Linux < 5.14): the mapping list says.  It is
 * looser: a file's pages beyond the file's end pass (and a DMA to them
 * would fault the process).
 */
static int check_maps(uint64_t start, uint64_t end, bool write)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	uint64_t cur = start;

	if (!f)
		return -EFAULT;
	while (cur < end && fgets(line, sizeof(line), f)) {
		unsigned long long lo, hi;
		char perms[8];

		if (sscanf(line, "%llx-%llx %7s", &lo, &hi, perms) != 3)
			continue;
		if (hi <= cur || lo > cur)
			continue;
		if (perms[0] != 'r' || (write && perms[1] != 'w'))
			break;
		cur = hi;
	}
	fclose(f);
	return cur >= end ? 0 : -EFAULT;
}

/* Does this kernel know MADV_POPULATE_WRITE?  Asked once, of a page of
 * our own: 1 yes, 0 no. */
static pthread_once_t populate_once = PTHREAD_ONCE_INIT;
static int populate_known;

static void populate_probe(void)
{
	void *p = mmap(NULL, PG, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return; /* assume not: the mapping list still works */
	populate_known = !madvise(p, PG, MADV_POPULATE_WRITE);
	munmap(p, PG);
}

static int check_user_pages(uint64_t start, uint64_t len, bool write)
{
	pthread_once(&populate_once, populate_probe);
	if (!populate_known)
		return check_maps(start, start + len, write);
	/*
	 * Any failure is pin_user_pages()'s EFAULT: a hole (ENOMEM), a
	 * file page beyond its end (EFAULT), PROT_NONE, a write to
	 * read-only memory or VM_IO / VM_PFNMAP memory (EINVAL).
	 */
	if (madvise((void *)(uintptr_t)start, len,
		    write ? MADV_POPULATE_WRITE : MADV_POPULATE_READ))
		return -EFAULT;
	return 0;
}

/* The largest block a mapping of @len could use: 4K..1G. */
static uint64_t natural_align(uint64_t len)
{
	uint64_t a = PG;

	while (a < (1ULL << 30) && a * 2 <= len)
		a *= 2;
	return a;
}

/*
 * Take [pa, pa + size) from the pin window with pa % align == off.
 * Return: 0 and *@pa, -ENOMEM (no room).
 */
static int pa_alloc(struct ifd_ctx *ctx, uint64_t size, uint64_t align,
		    uint64_t off, uint64_t *pa)
{
	uint64_t end = ctx->pin_base + ctx->pin_size;
	struct ifd_range *r;
	unsigned int pass;
	size_t i;

	pthread_mutex_lock(&ctx->pa_lock);
	/* First with the alignment, then anywhere (blocks are a bonus) */
	for (pass = 0; pass < 2; pass++) {
		uint64_t gap = ctx->pin_base;

		for (i = 0; i <= ctx->npa_used; i++) {
			uint64_t gap_end =
				i < ctx->npa_used ? ctx->pa_used[i].start : end;
			uint64_t c = VS_ALIGN_DOWN(gap, align) + off;

			if (c < gap)
				c += align;
			if (c < gap_end && gap_end - c >= size) {
				*pa = c;
				goto insert;
			}
			if (i < ctx->npa_used)
				gap = ctx->pa_used[i].last + 1;
		}
		align = PG;
		off = 0;
	}
	pthread_mutex_unlock(&ctx->pa_lock);
	return -ENOMEM;
insert:
	if (ctx->npa_used == ctx->pa_cap) {
		size_t n = ctx->pa_cap ? ctx->pa_cap * 2 : 16;

		r = ifd_realloc(ctx, ctx->pa_used, n, sizeof(*r));
		if (!r) {
			pthread_mutex_unlock(&ctx->pa_lock);
			return -ENOMEM;
		}
		ctx->pa_used = r;
		ctx->pa_cap = n;
	}
	memmove(&ctx->pa_used[i + 1], &ctx->pa_used[i],
		(ctx->npa_used - i) * sizeof(*r));
	ctx->pa_used[i] = (struct ifd_range){ *pa, *pa + size - 1, NULL };
	ctx->npa_used++;
	pthread_mutex_unlock(&ctx->pa_lock);
	return 0;
}

static void pa_free(struct ifd_ctx *ctx, uint64_t pa)
{
	size_t i;

	pthread_mutex_lock(&ctx->pa_lock);
	for (i = 0; i < ctx->npa_used; i++) {
		if (ctx->pa_used[i].start != pa)
			continue;
		memmove(&ctx->pa_used[i], &ctx->pa_used[i + 1],
			(ctx->npa_used - i - 1) * sizeof(ctx->pa_used[0]));
		ctx->npa_used--;
		break;
	}
	pthread_mutex_unlock(&ctx->pa_lock);
}

int ifd_pages_pin(struct ifd_ctx *ctx, uint64_t uva, uint64_t len,
		  bool writable, uint64_t iova, void *file_map,
		  struct ifd_pages **out)
{
	uint64_t start = VS_ALIGN_DOWN(uva, PG), end, size, align;
	struct ifd_pages *p;
	int rc;

	if (!len || uva + len < uva || uva + len > UINT64_MAX - PG)
		return -EFAULT;
	end = VS_ALIGN_UP(uva + len, PG);
	size = end - start;
	if ((uintptr_t)start != start || !start)
		return -EFAULT;
	rc = check_user_pages(start, size, writable);
	if (rc)
		return rc;
	p = ifd_zalloc(ctx, sizeof(*p));
	if (!p)
		return -ENOMEM;
	align = natural_align(size);
	rc = pa_alloc(ctx, size, align, (iova - (uva - start)) & (align - 1),
		      &p->pa);
	if (rc)
		goto out_free;
	if (ifd_should_fail(ctx)) {
		rc = -ENOMEM;
		goto out_pa;
	}
	rc = vsmmu_mem_map_host(ctx->mem, p->pa, (void *)(uintptr_t)start,
				size);
	if (rc)
		goto out_pa;
	atomic_init(&p->refs, 1);
	p->uva = start;
	p->npages = size / PG;
	p->writable = writable;
	p->file_map = file_map;
	*out = p;
	return 0;
out_pa:
	pa_free(ctx, p->pa);
out_free:
	free(p);
	return rc;
}

void ifd_pages_get(struct ifd_pages *p)
{
	atomic_fetch_add(&p->refs, 1);
}

void ifd_pages_put(struct ifd_ctx *ctx, struct ifd_pages *p)
{
	if (atomic_fetch_sub(&p->refs, 1) != 1)
		return;
	vsmmu_mem_unmap(ctx->mem, p->pa, p->npages * PG);
	pa_free(ctx, p->pa);
	if (p->file_map)
		munmap(p->file_map, p->npages * PG);
	free(p);
}
