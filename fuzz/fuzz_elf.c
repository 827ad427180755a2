// SPDX-License-Identifier: MIT
/*
 * Fuzz the ELF core loader (lib/mem/elf.c) and the page store under it.
 *
 * Each input is loaded into a fresh 48-bit memory with a 16 MiB budget,
 * from the buffer and, when the last byte is odd, also from a memfd file
 * padded with zeros to 1 MiB + 1 page so that the zero-copy mapping path
 * runs too.  Besides the sanitizers' checks it asserts the contract:
 * the result is 0 or one of the documented errors, non-ELF input is
 * -ENOEXEC and loads nothing, the budget holds, and the present ranges
 * walk in ascending order, never touch, add up to the page count and can
 * be read at both ends.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <vsmmu/mem.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
size_t vsmmu_fuzz_seed(unsigned int i, uint8_t *buf, size_t cap);

#define FUZZ_LIMIT (16ULL << 20)
#define FILE_PAD ((1u << 20) + 4096)

struct walk {
	const struct vsmmu_mem *mem;
	uint64_t next, pages;
};

static int walk_range(void *arg, uint64_t pa, uint64_t size)
{
	struct walk *w = arg;
	uint64_t v;

	if (!size || (pa | size) & (VSMMU_MEM_PAGE_SIZE - 1))
		abort();
	/* Ascending and maximal: a range never starts where one ended. */
	if (w->pages && pa <= w->next)
		abort();
	if (vsmmu_mem_read64(w->mem, pa, &v) ||
	    vsmmu_mem_read64(w->mem, pa + size - 8, &v))
		abort();
	if (vsmmu_mem_present(w->mem, pa - 1, 1) && pa)
		abort();
	w->next = pa + size;
	w->pages += size / VSMMU_MEM_PAGE_SIZE;
	return 0;
}

static void check(struct vsmmu_mem *mem, int ret, bool elf)
{
	struct walk w = { .mem = mem };

	if (ret != 0 && ret != -EINVAL && ret != -ENOMEM && ret != -ENOEXEC)
		abort();
	if (!elf && ret != -ENOEXEC)
		abort();
	if (ret == -ENOEXEC && vsmmu_mem_page_count(mem))
		abort();
	if (vsmmu_mem_page_count(mem) > FUZZ_LIMIT / VSMMU_MEM_PAGE_SIZE)
		abort();
	if (vsmmu_mem_for_each_range(mem, walk_range, &w))
		abort();
	if (w.pages != vsmmu_mem_page_count(mem))
		abort();
}

static struct vsmmu_mem *new_mem(void)
{
	struct vsmmu_mem *mem;

	if (vsmmu_mem_create(48, &mem))
		abort();
	vsmmu_mem_set_limit(mem, FUZZ_LIMIT);
	return mem;
}

static void load_as_file(const uint8_t *data, size_t size, bool elf)
{
	struct vsmmu_mem *mem;
	char path[64];
	int fd, ret;

	fd = memfd_create("fuzz_elf", MFD_CLOEXEC);
	if (fd < 0)
		return;
	if ((size && write(fd, data, size) != (ssize_t)size) ||
	    (size < FILE_PAD && ftruncate(fd, FILE_PAD))) {
		close(fd);
		return;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	mem = new_mem();
	ret = vsmmu_mem_load_elf(mem, path);
	close(fd); /* the mapping, if kept, outlives the descriptor */
	check(mem, ret, elf);
	vsmmu_mem_destroy(mem);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bool elf = vsmmu_mem_is_elf(data, size);
	struct vsmmu_mem *mem = new_mem();

	check(mem, vsmmu_mem_load_elf_buf(mem, data, size), elf);
	vsmmu_mem_destroy(mem);
	if (size && (data[size - 1] & 1))
		load_as_file(data, size, elf);
	return 0;
}

static void put(uint8_t *b, size_t off, uint64_t v, unsigned int n, bool be)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		b[off + (be ? n - 1 - i : i)] = (uint8_t)(v >> (8 * i));
}

/*
 * Seeds for the standalone driver: a little-endian ELF64 core with a
 * PT_NOTE and two PT_LOADs (one page-aligned, one growing past its file
 * bytes) and the same as big-endian ELF32.
 */
size_t vsmmu_fuzz_seed(unsigned int i, uint8_t *b, size_t cap)
{
	const size_t len = 0x2100;
	bool be = i == 1, is64 = i == 0;
	size_t ph, phsz = is64 ? 56 : 32, aw = is64 ? 8 : 4, k;

	if (i > 1 || cap < len)
		return 0;
	memset(b, 0, len);
	memcpy(b,
	       "\x7f"
	       "ELF",
	       4);
	b[4] = is64 ? 2 : 1;
	b[5] = be ? 2 : 1;
	b[6] = 1;
	put(b, 16, 4, 2, be); /* ET_CORE */
	put(b, 18, is64 ? 183 : 20, 2, be);
	put(b, 20, 1, 4, be);
	ph = is64 ? 64 : 52;
	put(b, is64 ? 32 : 28, ph, aw, be); /* e_phoff */
	put(b, is64 ? 52 : 40, ph, 2, be); /* e_ehsize */
	put(b, is64 ? 54 : 42, phsz, 2, be); /* e_phentsize */
	put(b, is64 ? 56 : 44, 3, 2, be); /* e_phnum */
	for (k = 0; k < 3; k++) {
		size_t p = ph + k * phsz;
		/* offset, paddr, filesz, memsz */
		static const uint64_t seg[3][4] = {
			{ 0x200, 0, 0x40, 0 },
			{ 0x1000, 0x80000000, 0x1000, 0x1000 },
			{ 0x2000, 0x1234, 0x100, 0x3000 },
		};

		put(b, p, k ? 1 : 4, 4, be); /* PT_LOAD or PT_NOTE */
		if (is64) {
			put(b, p + 8, seg[k][0], 8, be);
			put(b, p + 24, seg[k][1], 8, be);
			put(b, p + 32, seg[k][2], 8, be);
			put(b, p + 40, seg[k][3], 8, be);
		} else {
			put(b, p + 4, seg[k][0], 4, be);
			put(b, p + 12, seg[k][1], 4, be);
			put(b, p + 16, seg[k][2], 4, be);
			put(b, p + 20, seg[k][3], 4, be);
		}
	}
	for (k = 0x1000; k < len; k++)
		b[k] = (uint8_t)(k * 7);
	b[len - 1] |= 1; /* also take the file path */
	return len;
}
