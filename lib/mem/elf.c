// SPDX-License-Identifier: MIT
/*
 * Loaders: raw images and ELF core files (QEMU dump-guest-memory, kdump
 * vmcores) into the memory model.
 *
 * Zero copy, so a dump costs memory for the pages a query touches, not
 * for its size.  A large regular file is mapped MAP_PRIVATE with write
 * permission: guest pages point straight into the mapping and the kernel
 * copies a page only when the model writes it, so the file never changes.
 * A guest page needs its 4 KiB of file bytes at an 8-byte-aligned host
 * address (every 64-bit access is an aligned atomic), so whole guest pages
 * are mapped whenever a segment's file offset and physical address agree
 * modulo 8 -- page-aligned offsets, and QEMU's dump-guest-memory, whose
 * segments start at small unaligned offsets such as 0x8b0, alike; such a
 * guest page may straddle two file pages, which is fine, since no two
 * guest pages share a byte.  The partial guest pages at either end of a
 * segment are copied into fresh pages, as is a segment whose offset and
 * address disagree modulo 8.  Pages that were already
 * present are overwritten by copying (the model's pages never move).  No
 * two guest pages may share a file page, or a write to one would show
 * through the other: ELF segments whose file ranges overlap a mapped one
 * are copied.  The mapping lives until the memory is destroyed, so the
 * file must not be truncated meanwhile (that would raise SIGBUS, as with
 * any file mapping); a mapping no page ended up using is dropped at once.
 *
 * Bytes that are copied (headers, partial pages, overlapping segments)
 * are read from a second, read-only view of the file, so they are the
 * file's even when an earlier segment already handed the same file page
 * to the guest and something wrote it.
 *
 * ELF parsing reads every field through bounds-checked, endian-aware
 * helpers, validates all PT_LOAD headers before loading any, and charges
 * the pages they touch against the memory's budget up front, which bounds
 * the work a hostile file can cause (overlapping segments included).  A
 * refusal says what is wrong: which header, segment, field or byte
 * (struct vsmmu_mem_load_info).
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vsmmu/bits.h>
#include <vsmmu/mem.h>

#include "mem/mem_internal.h"

#define PG_SIZE VSMMU_MEM_PAGE_SIZE
#define PG_SHIFT VSMMU_MEM_PAGE_SHIFT
/* Files at least this big are mapped rather than copied. */
#define MAP_THRESHOLD (1u << 20)
#define READ_CHUNK (1u << 20)

/* --- File helpers ----------------------------------------------------- */

static int read_full(int fd, void *buf, size_t len, size_t *got)
{
	unsigned char *p = buf;
	size_t done = 0;

	while (done < len) {
		ssize_t n = read(fd, p + done, len - done);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (!n)
			break;
		done += (size_t)n;
	}
	*got = done;
	return 0;
}

/* Is @st a file worth mapping? */
static bool map_worth(const struct stat *st)
{
	return S_ISREG(st->st_mode) && st->st_size >= MAP_THRESHOLD &&
	       (uint64_t)st->st_size <= SIZE_MAX;
}

/*
 * Map the whole regular file @fd privately and writably for zero-copy
 * loading.  Returns a mapping record (not yet handed to a memory) or NULL
 * if the file cannot be mapped.
 */
static struct mem_mapping *map_file(int fd, const struct stat *st)
{
	struct mem_mapping *m;
	void *addr;

	m = malloc(sizeof(*m));
	if (!m)
		return NULL;
	addr = mmap(NULL, (size_t)st->st_size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_NORESERVE, fd, 0);
	if (addr == MAP_FAILED) {
		free(m);
		return NULL;
	}
	m->addr = addr;
	m->len = (size_t)st->st_size;
	m->next = NULL;
	return m;
}

/* Keep @m if some page points into it, else unmap it. */
static void map_done(struct vsmmu_mem *mem, struct mem_mapping *m,
		     uint64_t used)
{
	if (used) {
		mem_add_mapping(mem, m);
		return;
	}
	munmap(m->addr, m->len);
	free(m);
}

/* --- Raw images ------------------------------------------------------- */

int vsmmu_mem_load_buf(struct vsmmu_mem *mem, const void *buf, size_t len,
		       uint64_t pa)
{
	if (!mem || (!buf && len))
		return -EINVAL;
	return mem_load_copy(mem, pa, buf, len);
}

static int load_raw_mapped(struct vsmmu_mem *mem, struct mem_mapping *m,
			   uint64_t pa)
{
	uint64_t full = m->len >> PG_SHIFT, used = 0;
	size_t tail = m->len & (PG_SIZE - 1);
	int ret;

	ret = mem_load_mapped(mem, pa, m->addr, full, &used);
	if (!ret && tail)
		ret = mem_load_copy(mem, pa + (full << PG_SHIFT),
				    (unsigned char *)m->addr + m->len - tail,
				    tail);
	map_done(mem, m, used);
	return ret;
}

int vsmmu_mem_load_raw(struct vsmmu_mem *mem, const char *path, uint64_t pa)
{
	struct mem_mapping *m = NULL;
	unsigned char *buf;
	struct stat st;
	int fd, ret;

	if (!mem || !path)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		ret = -errno;
		goto out_close;
	}
	if (S_ISDIR(st.st_mode)) {
		ret = -EISDIR;
		goto out_close;
	}
	if (S_ISREG(st.st_mode) &&
	    !mem_range_ok(mem, pa, (uint64_t)st.st_size)) {
		ret = -EINVAL;
		goto out_close;
	}
	if (!(pa & (PG_SIZE - 1)) && map_worth(&st))
		m = map_file(fd, &st);
	if (m) {
		ret = load_raw_mapped(mem, m, pa);
		goto out_close;
	}

	/* Copy, streaming, so pipes and character devices work too. */
	buf = malloc(READ_CHUNK);
	if (!buf) {
		ret = -ENOMEM;
		goto out_close;
	}
	for (;;) {
		size_t got;

		ret = read_full(fd, buf, READ_CHUNK, &got);
		if (ret || !got)
			break;
		ret = mem_load_copy(mem, pa, buf, got);
		if (ret)
			break;
		pa += got;
		if (got < READ_CHUNK)
			break;
	}
	free(buf);
out_close:
	close(fd);
	return ret;
}

/* --- ELF -------------------------------------------------------------- */

bool vsmmu_mem_is_elf(const void *buf, size_t len)
{
	return buf && len >= SELFMAG && !memcmp(buf, ELFMAG, SELFMAG);
}

struct elf_file {
	const unsigned char *data;
	size_t len;
	bool is64, be;
	struct vsmmu_mem_load_info *info; /* never NULL inside elf_load() */
};

/* Say why the file is refused; return @ret. */
static int __attribute__((format(printf, 3, 4)))
elf_refuse(const struct elf_file *f, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(f->info->error, sizeof(f->info->error), fmt, ap);
	va_end(ap);
	return ret;
}

/* Read an unsigned field of @size bytes at @off; the caller checked it. */
static uint64_t elf_get(const struct elf_file *f, uint64_t off,
			unsigned int size)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < size; i++) {
		unsigned int b = f->be ? i : size - 1 - i;

		v = (v << 8) | f->data[off + b];
	}
	return v;
}

/* Is [@off, @off + @n) inside the file? */
static bool elf_fits(const struct elf_file *f, uint64_t off, uint64_t n)
{
	return n <= f->len && off <= f->len - n;
}

/* A PT_LOAD segment, validated. */
struct elf_seg {
	uint64_t offset, paddr, filesz, memsz;
	bool map; /* load whole guest pages zero-copy: */
	uint64_t map_pa, map_len; /* [map_pa, map_pa + map_len), page-aligned */
};

/* Field offsets and sizes in the two classes, from the ELF gABI. */
struct elf_layout {
	unsigned int ehsize, phoff, shoff, phentsize, phnum, shentsize, shnum;
	unsigned int addr; /* size of an offset/address field */
	unsigned int ph_size, p_offset, p_paddr, p_filesz, p_memsz;
	unsigned int sh_size, sh_info;
};

static const struct elf_layout elf32_layout = {
	.ehsize = sizeof(Elf32_Ehdr),
	.phoff = offsetof(Elf32_Ehdr, e_phoff),
	.shoff = offsetof(Elf32_Ehdr, e_shoff),
	.phentsize = offsetof(Elf32_Ehdr, e_phentsize),
	.phnum = offsetof(Elf32_Ehdr, e_phnum),
	.shentsize = offsetof(Elf32_Ehdr, e_shentsize),
	.shnum = offsetof(Elf32_Ehdr, e_shnum),
	.addr = 4,
	.ph_size = sizeof(Elf32_Phdr),
	.p_offset = offsetof(Elf32_Phdr, p_offset),
	.p_paddr = offsetof(Elf32_Phdr, p_paddr),
	.p_filesz = offsetof(Elf32_Phdr, p_filesz),
	.p_memsz = offsetof(Elf32_Phdr, p_memsz),
	.sh_size = sizeof(Elf32_Shdr),
	.sh_info = offsetof(Elf32_Shdr, sh_info),
};

static const struct elf_layout elf64_layout = {
	.ehsize = sizeof(Elf64_Ehdr),
	.phoff = offsetof(Elf64_Ehdr, e_phoff),
	.shoff = offsetof(Elf64_Ehdr, e_shoff),
	.phentsize = offsetof(Elf64_Ehdr, e_phentsize),
	.phnum = offsetof(Elf64_Ehdr, e_phnum),
	.shentsize = offsetof(Elf64_Ehdr, e_shentsize),
	.shnum = offsetof(Elf64_Ehdr, e_shnum),
	.addr = 8,
	.ph_size = sizeof(Elf64_Phdr),
	.p_offset = offsetof(Elf64_Phdr, p_offset),
	.p_paddr = offsetof(Elf64_Phdr, p_paddr),
	.p_filesz = offsetof(Elf64_Phdr, p_filesz),
	.p_memsz = offsetof(Elf64_Phdr, p_memsz),
	.sh_size = sizeof(Elf64_Shdr),
	.sh_info = offsetof(Elf64_Shdr, sh_info),
};

/*
 * Find the program header table: *@phoff, *@phnum, *@phentsize, checked
 * to lie inside the file.  Handles PN_XNUM, where the real count lives in
 * sh_info of section header 0.
 */
static int elf_phdrs(const struct elf_file *f, const struct elf_layout *lo,
		     uint64_t *phoff, uint64_t *phnum, uint64_t *phentsize)
{
	uint64_t table;

	*phoff = elf_get(f, lo->phoff, lo->addr);
	*phnum = elf_get(f, lo->phnum, 2);
	*phentsize = elf_get(f, lo->phentsize, 2);
	if (*phnum == PN_XNUM) {
		uint64_t shoff = elf_get(f, lo->shoff, lo->addr);
		uint64_t shentsize = elf_get(f, lo->shentsize, 2);

		if (!shoff || shentsize < lo->sh_size ||
		    !elf_fits(f, shoff, lo->sh_size))
			return elf_refuse(
				f, -EINVAL,
				"e_phnum is PN_XNUM (0xffff), so the count is in "
				"section header 0, but e_shoff 0x%" PRIx64
				" / e_shentsize %" PRIu64
				" do not give one inside the file (%zu bytes)",
				shoff, shentsize, f->len);
		*phnum = elf_get(f, shoff + lo->sh_info, 4);
	}
	if (!*phnum)
		return 0;
	if (*phentsize < lo->ph_size)
		return elf_refuse(f, -EINVAL,
				  "e_phentsize is %" PRIu64
				  ": smaller than a program header (%u bytes)",
				  *phentsize, lo->ph_size);
	if (__builtin_mul_overflow(*phnum, *phentsize, &table) ||
	    !elf_fits(f, *phoff, table))
		return elf_refuse(f, -EINVAL,
				  "the program header table (e_phoff 0x%" PRIx64
				  ", %" PRIu64 " x %" PRIu64
				  " bytes) ends past the end of the file "
				  "(%zu bytes)",
				  *phoff, *phnum, *phentsize, f->len);
	return 0;
}

static int seg_cmp_offset(const void *a, const void *b)
{
	const struct elf_seg *x = *(const struct elf_seg *const *)a;
	const struct elf_seg *y = *(const struct elf_seg *const *)b;

	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/*
 * Decide which segments load zero-copy from the mapping at @base (page
 * aligned): the whole guest pages of the segment's file bytes, when their
 * file offset is 8-byte aligned (offset and address agree modulo 8), and
 * no file byte is shared with another mapped segment (first by file
 * offset wins).
 */
static int elf_plan_mapping(struct elf_seg *segs, size_t n, uintptr_t base)
{
	struct elf_seg **order;
	uint64_t mapped_end = 0;
	size_t i;

	if (base & (PG_SIZE - 1))
		return 0;
	order = malloc((n ? n : 1) * sizeof(*order));
	if (!order)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		order[i] = &segs[i];
	qsort(order, n, sizeof(*order), seg_cmp_offset);
	for (i = 0; i < n; i++) {
		struct elf_seg *s = order[i];
		uint64_t first = VS_ALIGN_UP(s->paddr, PG_SIZE);
		uint64_t end = VS_ALIGN_DOWN(s->paddr + s->filesz, PG_SIZE);
		uint64_t off = s->offset + (first - s->paddr);

		if (!s->filesz || end <= first ||
		    ((s->offset - s->paddr) & 7) || s->offset < mapped_end)
			continue;
		s->map = true;
		s->map_pa = first;
		s->map_len = end - first;
		mapped_end = off + s->map_len;
	}
	free(order);
	return 0;
}

#define ELF_COPY_CHUNK (32u << 20)

/*
 * Copy [@from, @to) of the segment's file bytes in chunks.  When the
 * source is a read-only view of the file (@pages is set), drop each
 * chunk's pages from the view once they are copied, so that bytes that
 * must be copied do not stay resident twice.
 */
static int elf_copy_part(struct vsmmu_mem *mem, const unsigned char *src,
			 const struct elf_seg *s, uint64_t from, uint64_t to,
			 const unsigned char *pages)
{
	uint64_t done = from;
	int ret;

	while (done < to) {
		size_t n = to - done > ELF_COPY_CHUNK ? ELF_COPY_CHUNK :
							(size_t)(to - done);

		ret = mem_load_copy(mem, s->paddr + done, src + done, n);
		if (ret)
			return ret;
		if (pages) {
			uintptr_t a = (uintptr_t)(src + done);
			uintptr_t lo = (a + PG_SIZE - 1) &
				       ~(uintptr_t)(PG_SIZE - 1);
			uintptr_t hi = (a + n) & ~(uintptr_t)(PG_SIZE - 1);

			if (hi > lo)
				madvise((void *)lo, hi - lo, MADV_DONTNEED);
		}
		done += n;
	}
	return 0;
}

static int elf_load_seg(struct vsmmu_mem *mem, const struct elf_file *f,
			const struct elf_seg *s, unsigned char *pages,
			uint64_t *used)
{
	const unsigned char *src = f->data + s->offset;
	uint64_t head = s->filesz, tail = s->filesz;
	int ret;

	if (s->map) {
		/* the partial pages at either end are copied */
		head = s->map_pa - s->paddr;
		tail = head + s->map_len;
		ret = mem_load_mapped(mem, s->map_pa, pages + s->offset + head,
				      s->map_len >> PG_SHIFT, used);
		if (ret)
			return ret;
		f->info->pages_mapped += s->map_len >> PG_SHIFT;
	}
	ret = elf_copy_part(mem, src, s, 0, head, pages);
	if (!ret)
		ret = elf_copy_part(mem, src, s, tail, s->filesz, pages);
	if (ret)
		return ret;
	return mem_load_zero(mem, s->paddr + s->filesz, s->memsz - s->filesz);
}

/*
 * Load the ELF image @data/@len.  When @pages is not NULL, it is a
 * writable private mapping of the same file, and whole pages of it may
 * become guest pages in place; *@used counts those.  @info (never NULL)
 * receives the counts and, on failure, the reason.
 */
static int elf_load(struct vsmmu_mem *mem, const void *data, size_t len,
		    unsigned char *pages, uint64_t *used,
		    struct vsmmu_mem_load_info *info)
{
	struct elf_file f = { .data = data, .len = len, .info = info };
	const unsigned char *id = data;
	const struct elf_layout *lo;
	uint64_t phoff, phnum, phentsize, i, touched = 0, limit;
	struct elf_seg *segs = NULL;
	size_t nsegs = 0, cap = 0;
	int ret;

	if (!vsmmu_mem_is_elf(data, len))
		return elf_refuse(
			&f, -ENOEXEC,
			"bytes 0-3 are not the ELF magic 7f 45 4c 46");
	if (len < EI_NIDENT)
		return elf_refuse(&f, -EINVAL,
				  "the file ends at byte %zu, inside e_ident "
				  "(%u bytes)",
				  len, EI_NIDENT);
	if (id[EI_CLASS] != ELFCLASS32 && id[EI_CLASS] != ELFCLASS64)
		return elf_refuse(&f, -EINVAL,
				  "byte 4 (EI_CLASS) is %u: expected 1 "
				  "(ELF32) or 2 (ELF64)",
				  id[EI_CLASS]);
	if (id[EI_DATA] != ELFDATA2LSB && id[EI_DATA] != ELFDATA2MSB)
		return elf_refuse(&f, -EINVAL,
				  "byte 5 (EI_DATA) is %u: expected 1 "
				  "(little-endian) or 2 (big-endian)",
				  id[EI_DATA]);
	f.is64 = id[EI_CLASS] == ELFCLASS64;
	f.be = id[EI_DATA] == ELFDATA2MSB;
	lo = f.is64 ? &elf64_layout : &elf32_layout;
	if (len < lo->ehsize)
		return elf_refuse(&f, -EINVAL,
				  "the file (%zu bytes) is shorter than an "
				  "ELF%u header (%u bytes)",
				  len, f.is64 ? 64 : 32, lo->ehsize);
	ret = elf_phdrs(&f, lo, &phoff, &phnum, &phentsize);
	if (ret || !phnum)
		return ret;

	/*
	 * Pass 1: validate every PT_LOAD and keep what was validated (the
	 * file may change under a mapping: never read a header twice).
	 * The pages they touch are bounded by the budget, which also bounds
	 * the number of segments.
	 */
	limit = mem_limit_pages(mem);
	for (i = 0; i < phnum; i++) {
		uint64_t ph = phoff + i * phentsize;
		struct elf_seg s = { 0 };
		uint64_t end;

		if (elf_get(&f, ph, 4) != PT_LOAD)
			continue;
		s.offset = elf_get(&f, ph + lo->p_offset, lo->addr);
		s.paddr = elf_get(&f, ph + lo->p_paddr, lo->addr);
		s.filesz = elf_get(&f, ph + lo->p_filesz, lo->addr);
		s.memsz = elf_get(&f, ph + lo->p_memsz, lo->addr);
		if (s.filesz > s.memsz) {
			ret = elf_refuse(&f, -EINVAL,
					 "program header %" PRIu64
					 " (PT_LOAD, at byte 0x%" PRIx64
					 "): p_filesz 0x%" PRIx64
					 " is larger than p_memsz 0x%" PRIx64,
					 i, ph, s.filesz, s.memsz);
			goto out;
		}
		if (!s.memsz)
			continue;
		if (s.filesz && !elf_fits(&f, s.offset, s.filesz)) {
			ret = elf_refuse(&f, -EINVAL,
					 "program header %" PRIu64
					 " (PT_LOAD, at byte 0x%" PRIx64
					 "): p_offset 0x%" PRIx64
					 " + p_filesz 0x%" PRIx64
					 " ends past the end of the file "
					 "(0x%zx bytes)",
					 i, ph, s.offset, s.filesz, len);
			goto out;
		}
		if (!mem_range_ok(mem, s.paddr, s.memsz)) {
			ret = elf_refuse(&f, -EINVAL,
					 "program header %" PRIu64
					 " (PT_LOAD): p_paddr 0x%" PRIx64
					 " + p_memsz 0x%" PRIx64
					 " leaves the %u-bit physical address "
					 "space",
					 i, s.paddr, s.memsz,
					 vsmmu_mem_pa_bits(mem));
			goto out;
		}
		if (!s.filesz)
			s.offset = 0; /* meaningless, and never a pointer */
		end = (s.paddr + s.memsz - 1) >> PG_SHIFT;
		touched += end - (s.paddr >> PG_SHIFT) + 1;
		if (touched > limit) {
			ret = elf_refuse(&f, -ENOMEM,
					 "the segments up to program header "
					 "%" PRIu64 " cover %" PRIu64
					 " pages, more than the memory's "
					 "budget of %" PRIu64 " pages",
					 i, touched, limit);
			goto out;
		}
		ret = -ENOMEM;
		if (nsegs == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			struct elf_seg *n = realloc(segs, ncap * sizeof(*n));

			if (!n)
				goto out;
			segs = n;
			cap = ncap;
		}
		segs[nsegs++] = s;
		info->segments++;
		info->bytes += s.memsz;
	}
	ret = 0;
	if (!nsegs)
		goto out;

	if (pages) {
		ret = elf_plan_mapping(segs, nsegs, (uintptr_t)pages);
		if (ret)
			goto out;
	}

	/* Pass 2: load, in header order, so later segments win overlaps. */
	for (i = 0; i < nsegs; i++) {
		ret = elf_load_seg(mem, &f, &segs[i], pages, used);
		if (ret) {
			elf_refuse(&f, ret,
				   "loading segment %" PRIu64
				   " (p_paddr 0x%" PRIx64 "): %s",
				   i, segs[i].paddr,
				   ret == -ENOMEM ? "out of memory or budget" :
						    "error");
			break;
		}
	}
out:
	free(segs);
	return ret;
}

int vsmmu_mem_load_elf_buf(struct vsmmu_mem *mem, const void *buf, size_t len)
{
	struct vsmmu_mem_load_info info;
	uint64_t used = 0;

	if (!mem || (!buf && len))
		return -EINVAL;
	memset(&info, 0, sizeof(info));
	return elf_load(mem, buf, len, NULL, &used, &info);
}

/*
 * Read all of @fd into a malloc'd buffer.  A regular file is read to its
 * size; anything else (a pipe) has none, so it is read up to @cap bytes,
 * beyond which -EFBIG.
 */
static int read_all(int fd, const struct stat *st, uint64_t cap,
		    unsigned char **out, size_t *outlen)
{
	size_t size = READ_CHUNK, len = 0;
	unsigned char *buf = NULL;
	int ret = 0;

	if (S_ISREG(st->st_mode)) {
		if ((uint64_t)st->st_size >= SIZE_MAX)
			return -EFBIG;
		cap = (uint64_t)st->st_size;
		size = (size_t)cap + 1; /* +1 to see a file that grew */
	}
	for (;;) {
		unsigned char *nbuf = realloc(buf, size);
		size_t got;

		if (!nbuf) {
			ret = -ENOMEM;
			break;
		}
		buf = nbuf;
		ret = read_full(fd, buf + len, size - len, &got);
		if (ret)
			break;
		len += got;
		if (len < size || len > cap)
			break;
		size = size > SIZE_MAX / 2 ? SIZE_MAX : size * 2;
	}
	if (!ret && len > cap) {
		if (!S_ISREG(st->st_mode))
			ret = -EFBIG;
		len = (size_t)cap;
	}
	if (ret) {
		free(buf);
		return ret;
	}
	*out = buf;
	*outlen = len;
	return 0;
}

int vsmmu_mem_load_elf(struct vsmmu_mem *mem, const char *path)
{
	return vsmmu_mem_load_elf_info(mem, path, NULL);
}

int vsmmu_mem_load_elf_info(struct vsmmu_mem *mem, const char *path,
			    struct vsmmu_mem_load_info *info)
{
	struct vsmmu_mem_load_info local;
	struct mem_mapping *m = NULL;
	unsigned char *buf;
	uint64_t used = 0, cap;
	struct stat st;
	size_t len;
	int fd, ret;

	if (!info)
		info = &local;
	memset(info, 0, sizeof(*info));
	if (!mem || !path)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		ret = -errno;
		goto out_close;
	}
	if (S_ISDIR(st.st_mode)) {
		ret = -EISDIR;
		goto out_close;
	}
	if (map_worth(&st))
		m = map_file(fd, &st);
	if (m) {
		/* The pristine view to parse and copy from. */
		void *view = mmap(NULL, m->len, PROT_READ, MAP_PRIVATE, fd, 0);

		if (view != MAP_FAILED) {
			ret = elf_load(mem, view, m->len, m->addr, &used, info);
			munmap(view, m->len);
			map_done(mem, m, used);
			goto out_close;
		}
		map_done(mem, m, 0);
	}

	/* Header room on top of the budget for a file that has no size. */
	cap = mem_limit_pages(mem) << PG_SHIFT;
	cap = cap > UINT64_MAX - (64u << 20) ? UINT64_MAX : cap + (64u << 20);
	ret = read_all(fd, &st, cap, &buf, &len);
	if (!ret) {
		ret = elf_load(mem, buf, len, NULL, &used, info);
		free(buf);
	}
out_close:
	close(fd);
	return ret;
}
