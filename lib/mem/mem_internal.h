/* SPDX-License-Identifier: MIT */
/*
 * Private interface between the page store (mem.c) and the loaders
 * (elf.c).  All functions follow the thread-safety rules of mem.h.
 */
#ifndef VSMMU_MEM_INTERNAL_H
#define VSMMU_MEM_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vsmmu/mem.h>

#define MEM_PAGE_MASK (VSMMU_MEM_PAGE_SIZE - 1)

/* A host mapping owned by a memory, unmapped at destroy. */
struct mem_mapping {
	void *addr;
	size_t len;
	struct mem_mapping *next;
};

/* Does [@pa, @pa + @len) lie inside the address space? */
bool mem_range_ok(const struct vsmmu_mem *mem, uint64_t pa, uint64_t len);

/* The page budget, in pages. */
uint64_t mem_limit_pages(const struct vsmmu_mem *mem);

/*
 * Copy @len bytes to @pa, populating absent pages (their other bytes are
 * zero) and overwriting the bytes of present ones.  Return: 0, -EINVAL if
 * the range does not fit, -ENOMEM (pages before the failure stay loaded).
 */
int mem_load_copy(struct vsmmu_mem *mem, uint64_t pa, const void *src,
		  size_t len);

/* Like mem_load_copy() with zero bytes. */
int mem_load_zero(struct vsmmu_mem *mem, uint64_t pa, uint64_t len);

/*
 * Make the @npages pages at page-aligned @pa the consecutive 4 KiB at
 * @host (8-byte aligned, in a writable private file mapping), without
 * copying.  A page
 * that is already present is overwritten by copying instead.  *@used is
 * increased by the number of pages now pointing into @host, which must
 * then live until the memory is destroyed (see mem_add_mapping()).
 */
int mem_load_mapped(struct vsmmu_mem *mem, uint64_t pa, void *host,
		    uint64_t npages, uint64_t *used);

/*
 * Hand @m (allocated by the caller, with addr/len set) to @mem, which
 * munmap()s it and frees @m at destroy.  Cannot fail, so a loader can
 * allocate @m before pointing pages into the mapping.
 */
void mem_add_mapping(struct vsmmu_mem *mem, struct mem_mapping *m);

#endif /* VSMMU_MEM_INTERNAL_H */
