/* SPDX-License-Identifier: MIT */
/*
 * Physical memory model.
 *
 * A sparse, page-granular (4 KiB) model of up to 52 bits of physical
 * address space.  Memory that was never populated is absent: a read or
 * write of it fails with -EFAULT, which the hardware model turns into the
 * external abort the architecture defines (F_STE_FETCH, F_CD_FETCH,
 * F_WALK_EABT, CERROR_ABT...).  Nothing a caller passes, nor anything a
 * loaded file contains, can make these functions crash.
 *
 * Content is little-endian, as the SMMU sees it.
 *
 * Thread safety: every function except vsmmu_mem_destroy() may be called
 * from many threads at once.  Page storage is never freed before destroy
 * (vsmmu_mem_unmap() only makes a page absent), so a reader never races
 * with a free.  Aligned 64-bit accesses
 * (vsmmu_mem_read64/write64/cmpxchg64) are single-copy atomic, as the
 * architecture requires for descriptor fetches; byte-range accesses are not
 * atomic as a whole.  Lookups take no lock and allocate nothing; populating
 * a page allocates and publishes it with a compare-and-swap.  Data
 * accesses are relaxed atomics: they do not order other memory accesses,
 * so a consumer must synchronise with its producer by other means (a
 * register access, a queue index), much as hardware needs a barrier.
 */
#ifndef VSMMU_MEM_H
#define VSMMU_MEM_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <vsmmu/export.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VSMMU_MEM_PAGE_SHIFT 12
#define VSMMU_MEM_PAGE_SIZE (1ULL << VSMMU_MEM_PAGE_SHIFT)
#define VSMMU_MEM_MAX_PA_BITS 52

struct vsmmu_mem;

/**
 * vsmmu_mem_create() - make an empty physical address space.
 * @pa_bits: size of the address space in bits, 32..52.
 * @out: the new memory.
 *
 * Return: 0, -EINVAL for a bad @pa_bits, -ENOMEM.
 */
VSMMU_API int vsmmu_mem_create(unsigned int pa_bits, struct vsmmu_mem **out);

/** vsmmu_mem_destroy() - free @mem and every page in it.  NULL is a no-op. */
VSMMU_API void vsmmu_mem_destroy(struct vsmmu_mem *mem);

/** vsmmu_mem_pa_bits() - the @pa_bits the memory was created with. */
VSMMU_API unsigned int vsmmu_mem_pa_bits(const struct vsmmu_mem *mem);

/* Default of vsmmu_mem_set_limit(): 16 GiB of present pages. */
#define VSMMU_MEM_DEFAULT_LIMIT (16ULL << 30)

/**
 * vsmmu_mem_set_limit() - bound the memory that may be present.
 * @max_bytes: most bytes of present pages, rounded down to whole pages;
 *             UINT64_MAX for no bound.
 *
 * Addition to the original contract.  The budget keeps a hostile file
 * (an ELF core whose p_memsz covers the whole address space, say) from
 * exhausting the host.  It counts every present page, whether owned or
 * mapped from a file.  The index that maps the pages is bounded too, to
 * max(@max_bytes, 4 MiB) of host memory, so sparse pages cannot blow it up.
 * Populating a page past the budget fails with -ENOMEM; pages already
 * present stay (lowering the limit below the current use only stops
 * growth).  An ELF core whose segments would touch more pages than the
 * budget is refused up front with -ENOMEM.  Return: 0.
 */
VSMMU_API int vsmmu_mem_set_limit(struct vsmmu_mem *mem, uint64_t max_bytes);

/**
 * vsmmu_mem_populate() - make [@pa, @pa + @size) present.
 *
 * Pages that were absent are created zero-filled; present pages keep their
 * content.  Return: 0, -EINVAL if the range leaves the address space or
 * wraps, -ENOMEM.
 */
VSMMU_API int vsmmu_mem_populate(struct vsmmu_mem *mem, uint64_t pa,
				 uint64_t size);

/** vsmmu_mem_present() - is every byte of [@pa, @pa + @size) present? */
VSMMU_API bool vsmmu_mem_present(const struct vsmmu_mem *mem, uint64_t pa,
				 uint64_t size);

/**
 * vsmmu_mem_read() / vsmmu_mem_write() - copy bytes out of / into memory.
 *
 * Return: 0, or -EFAULT if any byte is absent or out of range, in which
 * case nothing was written (a read may have filled part of @buf).
 */
VSMMU_API int vsmmu_mem_read(const struct vsmmu_mem *mem, uint64_t pa,
			     void *buf, size_t len);
VSMMU_API int vsmmu_mem_write(struct vsmmu_mem *mem, uint64_t pa,
			      const void *buf, size_t len);

/**
 * vsmmu_mem_read64() / vsmmu_mem_write64() - one aligned little-endian
 * 64-bit access, single-copy atomic.
 *
 * Return: 0, -EINVAL if @pa is not 8-byte aligned, -EFAULT if absent.
 */
VSMMU_API int vsmmu_mem_read64(const struct vsmmu_mem *mem, uint64_t pa,
			       uint64_t *val);
VSMMU_API int vsmmu_mem_write64(struct vsmmu_mem *mem, uint64_t pa,
				uint64_t val);

/**
 * vsmmu_mem_read32() / vsmmu_mem_write32() - one aligned little-endian
 * 32-bit access, single-copy atomic, with acquire / release ordering: what
 * MSI writes and the words software polls for them need (a reader that
 * sees the value written also sees everything before the write).
 *
 * Return: 0, -EINVAL if @pa is not 4-byte aligned, -EFAULT if absent.
 */
VSMMU_API int vsmmu_mem_read32(const struct vsmmu_mem *mem, uint64_t pa,
			       uint32_t *val);
VSMMU_API int vsmmu_mem_write32(struct vsmmu_mem *mem, uint64_t pa,
				uint32_t val);

/**
 * vsmmu_mem_cmpxchg64() - atomically replace *@pa with @new_val if it holds
 * *@old; otherwise store the current value in *@old.
 *
 * Used for hardware updates of the access flag and dirty state.
 * Return: 0 if replaced, -EAGAIN if the value differed, -EINVAL, -EFAULT.
 */
VSMMU_API int vsmmu_mem_cmpxchg64(struct vsmmu_mem *mem, uint64_t pa,
				  uint64_t *old, uint64_t new_val);

/**
 * vsmmu_mem_page() - direct pointer to the present page holding @pa, or
 * NULL.  For the model's fast paths; callers access it with 64-bit
 * atomics only.  Not thread-unsafe, but the page content may change under
 * the caller.  The pointer stays good while vsmmu_mem_epoch() keeps the
 * value it had when the pointer was taken.
 */
VSMMU_API void *vsmmu_mem_page(const struct vsmmu_mem *mem, uint64_t pa);

/**
 * vsmmu_mem_epoch() - a counter that grows whenever a page becomes absent
 * (vsmmu_mem_unmap()).  A caller that keeps page pointers from
 * vsmmu_mem_page() across calls (the model's walker does) drops them when
 * the epoch moved: a page pointer taken under one epoch still holds the
 * page's bytes while the epoch is unchanged.  Acquire ordering: a reader
 * that sees the new value sees the page absent.
 */
VSMMU_API uint64_t vsmmu_mem_epoch(const struct vsmmu_mem *mem);

/* --- Memory that is not the model's own ------------------------------ */

/**
 * vsmmu_mem_map_host() - make [@pa, @pa + @size) the caller's memory at
 * @host, without copying: accesses to those physical addresses read and
 * write the caller's bytes (and the caller sees every write the model
 * makes).  This is how a VMM's buffer becomes memory a device can DMA to
 * (iommufd's IOAS_MAP pins a process's pages the same way).
 *
 * @pa, @host and @size must be multiples of VSMMU_MEM_PAGE_SIZE.  The
 * caller's memory must stay valid (and must not be shrunk by munmap) until
 * the range is unmapped with vsmmu_mem_unmap() or @mem is destroyed; a
 * concurrent access that began before the unmap may still complete on it.
 * The pages do not count against vsmmu_mem_set_limit()'s budget (they cost
 * the model nothing) but do count in vsmmu_mem_page_count().
 *
 * Return: 0; -EINVAL for a misaligned or empty range or one outside the
 * address space; -EEXIST if any page of the range is present already
 * (nothing is mapped then); -ENOMEM (index nodes).
 */
VSMMU_API int vsmmu_mem_map_host(struct vsmmu_mem *mem, uint64_t pa, void *host,
				 uint64_t size);

/**
 * vsmmu_mem_map_alias() - make [@pa, @pa + @size) of @mem the same bytes
 * as [@src_pa, @src_pa + @size) of @src: a second name for memory that
 * stays @src's.  With @mem a guest's physical address space and @src the
 * host's memory, this gives a VM its guest-physical view (GPA ranges
 * backed by HPA ranges), read and written with the same accessors; a
 * guest-physical address outside every aliased range fails with -EFAULT
 * like any absent page.
 *
 * Every page of the source range must be present now; the alias follows
 * the page, not the address, so unmap the alias before the source's pages
 * go (vsmmu_mem_unmap() on @src) and destroy @mem before @src.
 *
 * Return: 0; -EINVAL (misaligned, empty, out of either space, @src ==
 * @mem); -EFAULT (a source page is absent: nothing is mapped); -EEXIST (a
 * destination page is present); -ENOMEM.
 */
VSMMU_API int vsmmu_mem_map_alias(struct vsmmu_mem *mem, uint64_t pa,
				  const struct vsmmu_mem *src, uint64_t src_pa,
				  uint64_t size);

/**
 * vsmmu_mem_unmap() - make every page of [@pa, @pa + @size) absent again
 * (pages already absent are skipped).  Pages of the model's own are not
 * reused before vsmmu_mem_destroy(), so an access racing with the unmap
 * sees the old bytes or fails with -EFAULT, never another page's.  For
 * host and alias mappings the bytes stay the owner's.  @pa and @size must
 * be page multiples.  Return: 0, -EINVAL.
 */
VSMMU_API int vsmmu_mem_unmap(struct vsmmu_mem *mem, uint64_t pa,
			      uint64_t size);

/** vsmmu_mem_page_count() - number of present pages. */
VSMMU_API uint64_t vsmmu_mem_page_count(const struct vsmmu_mem *mem);

/**
 * vsmmu_mem_bytes() - host memory the model holds for @mem: the pages it
 * owns or maps from files (4 KiB each; an unmapped page of its own keeps
 * its storage until destroy), not the caller's or another memory's pages
 * it maps, and the nodes of its index (64 KiB each, one per 32 MiB of
 * address space in use, plus the top array).  Thread-safe; a snapshot.
 */
VSMMU_API uint64_t vsmmu_mem_bytes(const struct vsmmu_mem *mem);

/**
 * vsmmu_mem_for_each_range() - call @fn for each maximal run of present
 * pages, in ascending address order.  Stops early and returns @fn's value
 * if it is not 0.
 */
VSMMU_API int vsmmu_mem_for_each_range(const struct vsmmu_mem *mem,
				       int (*fn)(void *arg, uint64_t pa,
						 uint64_t size),
				       void *arg);

/* --- Loaders ---------------------------------------------------------- */

/**
 * vsmmu_mem_load_raw() - load the whole file @path at physical @pa.
 *
 * A partial trailing page is zero-filled.  Large files are mapped
 * copy-on-write rather than copied where the alignment allows.
 * Return: 0, -errno from the file system, -EINVAL if it does not fit.
 *
 * Details (implementation notes, not a change of contract): files of at
 * least 1 MiB loaded at a page-aligned @pa are mapped MAP_PRIVATE, and
 * their whole pages become guest pages in place until destroy; writes go
 * to private copies and never reach the file, but the file must not be
 * truncated meanwhile (that raises SIGBUS, as for any mapping).  Pages
 * already present are overwritten by copying; bytes of a present page
 * outside the file's range keep their content.  -ENOMEM past the limit
 * (vsmmu_mem_set_limit()), with the pages before it loaded.
 */
VSMMU_API int vsmmu_mem_load_raw(struct vsmmu_mem *mem, const char *path,
				 uint64_t pa);

/**
 * vsmmu_mem_load_buf() - copy @len bytes from @buf to @pa, populating the
 * pages.  Return: 0, -EINVAL if it does not fit, -ENOMEM.
 */
VSMMU_API int vsmmu_mem_load_buf(struct vsmmu_mem *mem, const void *buf,
				 size_t len, uint64_t pa);

/**
 * vsmmu_mem_is_elf() - do these bytes start an ELF file?
 */
VSMMU_API bool vsmmu_mem_is_elf(const void *buf, size_t len);

/**
 * vsmmu_mem_load_elf() - load the PT_LOAD segments of an ELF core file
 * (QEMU dump-guest-memory, kdump vmcore; ELF32 or ELF64, either
 * endianness) at their physical addresses (p_paddr).
 *
 * Bytes past p_filesz up to p_memsz are zero.  Every header field is
 * validated against the file size; a malformed file gives -EINVAL (or
 * -ENOEXEC if it is not ELF) and leaves whatever segments were already
 * loaded in place.
 *
 * Details: every PT_LOAD header is validated before any is loaded, so a
 * malformed file loads nothing; segments load in header order (later ones
 * overwrite overlaps).  Extended numbering (e_phnum == PN_XNUM, count in
 * section header 0's sh_info) is supported.  Segments with p_memsz 0 are
 * ignored; any e_type is accepted.  -ENOMEM if the segments touch more
 * pages than the limit.  The path version maps large files like
 * vsmmu_mem_load_raw() for the whole pages of segments whose p_offset and
 * p_paddr agree modulo 8, except where two segments share file bytes
 * (those are copied, so guest pages never alias).
 */
VSMMU_API int vsmmu_mem_load_elf(struct vsmmu_mem *mem, const char *path);
VSMMU_API int vsmmu_mem_load_elf_buf(struct vsmmu_mem *mem, const void *buf,
				     size_t len);

/* What vsmmu_mem_load_elf_info() loaded, or why it refused the file. */
struct vsmmu_mem_load_info {
	uint64_t segments; /* PT_LOAD segments with memory (p_memsz > 0) */
	uint64_t bytes; /* their p_memsz, summed */
	uint64_t pages_mapped; /* guest pages pointing into the file */
	/*
	 * On failure, what is wrong, naming the header, program header,
	 * field or byte offset ("program header 3 (PT_LOAD, at byte 0xe8):
	 * p_offset 0x... + p_filesz 0x... ends past the end of the file");
	 * "" when the error is the file system's (-errno of open/read).
	 */
	char error[192];
};

/**
 * vsmmu_mem_load_elf_info() - vsmmu_mem_load_elf() that also reports in
 * @info (may be NULL) what it loaded or why it refused.  A file with no
 * loadable segment is no error (0 segments): callers that expect memory
 * should say so.  Whole guest pages are mapped rather than copied
 * wherever a segment's file offset and address agree modulo 8 (page-
 * aligned offsets, and QEMU's), so a dump of any size costs memory only
 * for the pages read; other segments are copied.  Thread safety as
 * vsmmu_mem_load_elf().
 */
VSMMU_API int vsmmu_mem_load_elf_info(struct vsmmu_mem *mem, const char *path,
				      struct vsmmu_mem_load_info *info);

/* --- A simple allocator of physical memory ---------------------------- */

struct vsmmu_mem_pool;

/**
 * vsmmu_mem_pool_create() - carve allocations out of [@base, @base+@size).
 *
 * The range is populated (zero-filled) up front.  Used by the page-table
 * library and the host driver for tables and queues.
 * Return: 0, -EINVAL, -ENOMEM.
 */
VSMMU_API int vsmmu_mem_pool_create(struct vsmmu_mem *mem, uint64_t base,
				    uint64_t size, struct vsmmu_mem_pool **out);
VSMMU_API void vsmmu_mem_pool_destroy(struct vsmmu_mem_pool *pool);

/**
 * vsmmu_mem_pool_alloc() - allocate @size bytes aligned to @align (a power
 * of two; at least @size rounded up to a power of two is NOT implied).
 * The memory is zeroed.  Thread-safe (internally locked).  First fit;
 * @align 0 means 1.
 * Return: 0 and *@pa, -EINVAL, -ENOMEM when the pool is exhausted.
 */
VSMMU_API int vsmmu_mem_pool_alloc(struct vsmmu_mem_pool *pool, uint64_t size,
				   uint64_t align, uint64_t *pa);
/**
 * vsmmu_mem_pool_free() - give back an allocation (same @pa and @size).
 * Anything else (a double free, a wrong size) is ignored.
 */
VSMMU_API void vsmmu_mem_pool_free(struct vsmmu_mem_pool *pool, uint64_t pa,
				   uint64_t size);
/** vsmmu_mem_pool_mem() - the memory the pool allocates from. */
VSMMU_API struct vsmmu_mem *
vsmmu_mem_pool_mem(const struct vsmmu_mem_pool *pool);

#ifdef __cplusplus
}
#endif
#endif /* VSMMU_MEM_H */
