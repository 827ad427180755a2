// SPDX-License-Identifier: MIT
/*
 * Tests of the physical memory model (include/vsmmu/mem.h): accesses,
 * bounds, the budget, the raw and ELF loaders and the pool.
 *
 * ELF images are assembled here byte by byte at offsets taken from the
 * System V gABI tables (not from <elf.h>), so a wrong offset in the
 * loader cannot agree with itself.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include <vsmmu/mem.h>

#include "harness.h"

#define PG 0x1000ULL

static struct vsmmu_mem *new_mem(unsigned int bits)
{
	struct vsmmu_mem *mem = NULL;

	if (vsmmu_mem_create(bits, &mem))
		return NULL;
	return mem;
}

TEST(mem_create_pa_bits)
{
	struct vsmmu_mem *mem = (void *)1;

	ASSERT_EQ(vsmmu_mem_create(31, &mem), -EINVAL);
	ASSERT_TRUE(mem == NULL);
	ASSERT_EQ(vsmmu_mem_create(53, &mem), -EINVAL);
	ASSERT_EQ(vsmmu_mem_create(32, &mem), 0);
	ASSERT_EQ(vsmmu_mem_pa_bits(mem), 32);
	vsmmu_mem_destroy(mem);
	ASSERT_EQ(vsmmu_mem_create(52, &mem), 0);
	ASSERT_EQ(vsmmu_mem_pa_bits(mem), 52);
	ASSERT_EQ(vsmmu_mem_page_count(mem), 0);
	vsmmu_mem_destroy(mem);
	vsmmu_mem_destroy(NULL);
}

TEST(mem_absent_is_efault)
{
	struct vsmmu_mem *mem = new_mem(48);
	uint64_t v = 0, old = 0;
	unsigned char b[16] = { 0 };

	ASSERT_TRUE(mem);
	ASSERT_EQ(vsmmu_mem_read64(mem, 0x1000, &v), -EFAULT);
	ASSERT_EQ(vsmmu_mem_write64(mem, 0x1000, 1), -EFAULT);
	ASSERT_EQ(vsmmu_mem_cmpxchg64(mem, 0x1000, &old, 1), -EFAULT);
	ASSERT_EQ(vsmmu_mem_read(mem, 0x1000, b, sizeof(b)), -EFAULT);
	ASSERT_EQ(vsmmu_mem_write(mem, 0x1000, b, sizeof(b)), -EFAULT);
	ASSERT_TRUE(vsmmu_mem_page(mem, 0x1000) == NULL);
	ASSERT_FALSE(vsmmu_mem_present(mem, 0x1000, 1));
	/* A neighbour of a present page is still absent. */
	ASSERT_OK(vsmmu_mem_populate(mem, 0x2000, 1));
	ASSERT_EQ(vsmmu_mem_read64(mem, 0x1ff8, &v), -EFAULT);
	ASSERT_EQ(vsmmu_mem_read64(mem, 0x3000, &v), -EFAULT);
	ASSERT_OK(vsmmu_mem_read64(mem, 0x2ff8, &v));
	ASSERT_EQ(v, 0);
	ASSERT_EQ(vsmmu_mem_page_count(mem), 1);
	vsmmu_mem_destroy(mem);
}

TEST(mem_unaligned_64bit_is_einval)
{
	struct vsmmu_mem *mem = new_mem(48);
	uint64_t v, old = 0;

	ASSERT_TRUE(mem);
	ASSERT_OK(vsmmu_mem_populate(mem, 0, PG));
	ASSERT_EQ(vsmmu_mem_read64(mem, 4, &v), -EINVAL);
	ASSERT_EQ(vsmmu_mem_write64(mem, 1, 0), -EINVAL);
	ASSERT_EQ(vsmmu_mem_cmpxchg64(mem, 0xffe, &old, 1), -EINVAL);
	/* Misaligned and absent: the alignment is reported. */
	ASSERT_EQ(vsmmu_mem_read64(mem, 0x10004, &v), -EINVAL);
	vsmmu_mem_destroy(mem);
}

TEST(mem_read64_little_endian)
{
	static const unsigned char bytes[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct vsmmu_mem *mem = new_mem(40);
	unsigned char out[8];
	uint64_t v;

	ASSERT_TRUE(mem);
	ASSERT_OK(vsmmu_mem_populate(mem, 0x5000, PG));
	ASSERT_OK(vsmmu_mem_write(mem, 0x5ff8, bytes, 8));
	ASSERT_OK(vsmmu_mem_read64(mem, 0x5ff8, &v));
	/* Byte 0 is the least significant: 0x08..01. */
	ASSERT_EQ(v, 0x0807060504030201ULL);

	ASSERT_OK(vsmmu_mem_write64(mem, 0x5000, 0x1122334455667788ULL));
	ASSERT_OK(vsmmu_mem_read(mem, 0x5000, out, 8));
	ASSERT_EQ(out[0], 0x88);
	ASSERT_EQ(out[1], 0x77);
	ASSERT_EQ(out[7], 0x11);
	vsmmu_mem_destroy(mem);
}

TEST(mem_byte_copies_cross_pages)
{
	struct vsmmu_mem *mem = new_mem(48);
	unsigned char in[300], out[300], junk[0x200];
	unsigned int i;
	uint64_t v;

	ASSERT_TRUE(mem);
	for (i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)(i * 7 + 3);
	ASSERT_OK(vsmmu_mem_populate(mem, 0x10000, 2 * PG));
	/* Odd start, odd length, across the page boundary at 0x11000. */
	ASSERT_OK(vsmmu_mem_write(mem, 0x10f63, in, 299));
	memset(out, 0, sizeof(out));
	ASSERT_OK(vsmmu_mem_read(mem, 0x10f63, out, 299));
	ASSERT_TRUE(!memcmp(in, out, 299));
	/* 0x11000 - 0x10f63 = 0x9d = 157: byte 157 is the first of page 2. */
	ASSERT_OK(vsmmu_mem_read64(mem, 0x11000, &v));
	ASSERT_EQ(v & 0xff, in[157]);

	/* A write running into an absent page changes nothing. */
	memset(junk, 0xaa, sizeof(junk));
	ASSERT_EQ(vsmmu_mem_write(mem, 0x11f00, junk, 0x200), -EFAULT);
	ASSERT_EQ(vsmmu_mem_write(mem, 0xff00, junk, 0x200), -EFAULT);
	ASSERT_OK(vsmmu_mem_read64(mem, 0x11f00, &v));
	ASSERT_EQ(v, 0);
	ASSERT_OK(vsmmu_mem_read64(mem, 0x10000, &v));
	ASSERT_EQ(v, 0);
	ASSERT_OK(vsmmu_mem_read(mem, 0x10f63, out, 299));
	ASSERT_TRUE(!memcmp(in, out, 299));
	/* A read running into one fails too. */
	ASSERT_EQ(vsmmu_mem_read(mem, 0x11f00, out, 0x200), -EFAULT);
	ASSERT_EQ(vsmmu_mem_read(mem, 0xff00, out, 0x200), -EFAULT);
	/* Length 0 is a no-op. */
	ASSERT_OK(vsmmu_mem_read(mem, 0x90000, out, 0));
	vsmmu_mem_destroy(mem);
}

TEST(mem_address_space_bounds)
{
	const uint64_t top52 = 1ULL << 52;
	struct vsmmu_mem *mem = new_mem(52);
	unsigned char b[16];
	uint64_t v;

	ASSERT_TRUE(mem);
	/* The last page of a 52-bit space. */
	ASSERT_OK(vsmmu_mem_populate(mem, top52 - PG, PG));
	ASSERT_OK(vsmmu_mem_write64(mem, top52 - 8, 0xfeedULL));
	ASSERT_OK(vsmmu_mem_read64(mem, top52 - 8, &v));
	ASSERT_EQ(v, 0xfeed);
	ASSERT_TRUE(vsmmu_mem_present(mem, top52 - PG, PG));
	ASSERT_FALSE(vsmmu_mem_present(mem, top52 - PG, PG + 1));
	/* Beyond it, or wrapping. */
	ASSERT_EQ(vsmmu_mem_populate(mem, top52 - PG, 2 * PG), -EINVAL);
	ASSERT_EQ(vsmmu_mem_populate(mem, top52, 1), -EINVAL);
	ASSERT_EQ(vsmmu_mem_populate(mem, UINT64_MAX - 10, 20), -EINVAL);
	ASSERT_EQ(vsmmu_mem_populate(mem, PG, UINT64_MAX), -EINVAL);
	ASSERT_EQ(vsmmu_mem_read64(mem, top52, &v), -EFAULT);
	ASSERT_EQ(vsmmu_mem_read64(mem, UINT64_MAX - 7, &v), -EFAULT);
	ASSERT_EQ(vsmmu_mem_write64(mem, 1ULL << 63, 0), -EFAULT);
	ASSERT_EQ(vsmmu_mem_read(mem, top52 - 8, b, 16), -EFAULT);
	ASSERT_EQ(vsmmu_mem_read(mem, UINT64_MAX - 3, b, 8), -EFAULT);
	ASSERT_OK(vsmmu_mem_read(mem, top52 - 16, b, 16));
	ASSERT_TRUE(vsmmu_mem_page(mem, top52) == NULL);
	ASSERT_TRUE(vsmmu_mem_page(mem, UINT64_MAX) == NULL);
	ASSERT_FALSE(vsmmu_mem_present(mem, UINT64_MAX, 2));
	vsmmu_mem_destroy(mem);

	/* A 32-bit space ends at 4 GiB. */
	mem = new_mem(32);
	ASSERT_TRUE(mem);
	ASSERT_OK(vsmmu_mem_populate(mem, 0xfffff000ULL, PG));
	ASSERT_EQ(vsmmu_mem_populate(mem, 0x100000000ULL, PG), -EINVAL);
	ASSERT_EQ(vsmmu_mem_read64(mem, 0x100000000ULL, &v), -EFAULT);
	ASSERT_OK(vsmmu_mem_read64(mem, 0xfffffff8ULL, &v));
	vsmmu_mem_destroy(mem);
}

TEST(mem_cmpxchg64)
{
	struct vsmmu_mem *mem = new_mem(48);
	uint64_t old, v;

	ASSERT_TRUE(mem);
	ASSERT_OK(vsmmu_mem_populate(mem, 0x8000, 8));
	ASSERT_OK(vsmmu_mem_write64(mem, 0x8008, 0x400ULL));
	old = 0x400;
	ASSERT_OK(vsmmu_mem_cmpxchg64(mem, 0x8008, &old, 0x401));
	ASSERT_OK(vsmmu_mem_read64(mem, 0x8008, &v));
	ASSERT_EQ(v, 0x401);
	old = 0x400;
	ASSERT_EQ(vsmmu_mem_cmpxchg64(mem, 0x8008, &old, 0x999), -EAGAIN);
	ASSERT_EQ(old, 0x401);
	ASSERT_OK(vsmmu_mem_read64(mem, 0x8008, &v));
	ASSERT_EQ(v, 0x401);
	vsmmu_mem_destroy(mem);
}

TEST(mem_populate_keeps_content)
{
	struct vsmmu_mem *mem = new_mem(48);
	unsigned char *page;
	uint64_t v;

	ASSERT_TRUE(mem);
	ASSERT_OK(vsmmu_mem_populate(mem, 0x3000, 1));
	ASSERT_OK(vsmmu_mem_write64(mem, 0x3ff8, 0xabcdULL));
	/* Overlapping range: one new page each side. */
	ASSERT_OK(vsmmu_mem_populate(mem, 0x2fff, 0x1002));
	ASSERT_EQ(vsmmu_mem_page_count(mem), 3);
	ASSERT_OK(vsmmu_mem_read64(mem, 0x3ff8, &v));
	ASSERT_EQ(v, 0xabcd);
	ASSERT_OK(vsmmu_mem_read64(mem, 0x4ff8, &v));
	ASSERT_EQ(v, 0);
	/* Size 0 populates nothing. */
	ASSERT_OK(vsmmu_mem_populate(mem, 0x90000, 0));
	ASSERT_EQ(vsmmu_mem_page_count(mem), 3);
	/* The direct pointer is the page base; it sees the same bytes. */
	page = vsmmu_mem_page(mem, 0x3abc);
	ASSERT_TRUE(page != NULL);
	ASSERT_EQ((uintptr_t)page & 0xfff, 0);
	ASSERT_EQ(page[0xff8], 0xcd);
	ASSERT_TRUE(page == vsmmu_mem_page(mem, 0x3000));
	vsmmu_mem_destroy(mem);
}

TEST(mem_limit)
{
	struct vsmmu_mem *mem = new_mem(48);
	unsigned char b[8] = { 0 };

	ASSERT_TRUE(mem);
	ASSERT_OK(vsmmu_mem_set_limit(mem, 4 * PG + 100));
	ASSERT_OK(vsmmu_mem_populate(mem, 0, 4 * PG));
	ASSERT_EQ(vsmmu_mem_populate(mem, 4 * PG, 1), -ENOMEM);
	ASSERT_EQ(vsmmu_mem_load_buf(mem, b, 8, 0x100000), -ENOMEM);
	/* Present pages are not charged again. */
	ASSERT_OK(vsmmu_mem_populate(mem, 0, 4 * PG));
	ASSERT_OK(vsmmu_mem_load_buf(mem, b, 8, 0x10));
	ASSERT_EQ(vsmmu_mem_page_count(mem), 4);
	/* A partial failure keeps what it made. */
	ASSERT_OK(vsmmu_mem_set_limit(mem, 6 * PG));
	ASSERT_EQ(vsmmu_mem_populate(mem, 0x100000, 3 * PG), -ENOMEM);
	ASSERT_EQ(vsmmu_mem_page_count(mem), 6);
	ASSERT_OK(vsmmu_mem_set_limit(mem, UINT64_MAX));
	ASSERT_OK(vsmmu_mem_populate(mem, 0x100000, 3 * PG));
	ASSERT_EQ(vsmmu_mem_page_count(mem), 7);
	vsmmu_mem_destroy(mem);
}

TEST(mem_limit_bounds_index)
{
	struct vsmmu_mem *mem = new_mem(48);
	unsigned int i, ok = 0;

	ASSERT_TRUE(mem);
	/*
	 * 1 MiB of pages, so the index gets the 4 MiB minimum: 64 nodes of
	 * 64 KiB.  Pages 32 MiB apart each need their own leaf node; they
	 * share one mid node, so 63 fit.
	 */
	ASSERT_OK(vsmmu_mem_set_limit(mem, 1 << 20));
	for (i = 0; i < 100; i++)
		if (!vsmmu_mem_populate(mem, (uint64_t)i << 25, 1))
			ok++;
	ASSERT_EQ(ok, 63);
	ASSERT_EQ(vsmmu_mem_page_count(mem), 63);
	vsmmu_mem_destroy(mem);
}

struct range_log {
	uint64_t pa[8], size[8];
	unsigned int n, stop_at;
};

static int log_range(void *arg, uint64_t pa, uint64_t size)
{
	struct range_log *l = arg;

	if (l->n < 8) {
		l->pa[l->n] = pa;
		l->size[l->n] = size;
	}
	l->n++;
	return l->n == l->stop_at ? 7 : 0;
}

TEST(mem_for_each_range_coalesces)
{
	struct vsmmu_mem *mem = new_mem(48);
	struct range_log l = { .n = 0 };

	ASSERT_TRUE(mem);
	ASSERT_OK(vsmmu_mem_for_each_range(mem, log_range, &l));
	ASSERT_EQ(l.n, 0);
	/* Populated out of order; adjacent runs must merge. */
	ASSERT_OK(vsmmu_mem_populate(mem, 0x3000, PG));
	ASSERT_OK(vsmmu_mem_populate(mem, 0x1000, 2 * PG));
	ASSERT_OK(vsmmu_mem_populate(mem, 0x10000, PG));
	/* Across a leaf node: 8192 pages = 32 MiB = 0x2000000. */
	ASSERT_OK(vsmmu_mem_populate(mem, 0x2000000 - PG, 2 * PG));
	/* Across a top entry: 2^26 pages = 2^38 bytes = 0x4000000000. */
	ASSERT_OK(vsmmu_mem_populate(mem, 0x4000000000ULL - 2 * PG, 3 * PG));
	ASSERT_OK(vsmmu_mem_for_each_range(mem, log_range, &l));
	ASSERT_EQ(l.n, 4);
	ASSERT_EQ(l.pa[0], 0x1000);
	ASSERT_EQ(l.size[0], 0x3000);
	ASSERT_EQ(l.pa[1], 0x10000);
	ASSERT_EQ(l.size[1], 0x1000);
	ASSERT_EQ(l.pa[2], 0x1fff000);
	ASSERT_EQ(l.size[2], 0x2000);
	ASSERT_EQ(l.pa[3], 0x3fffffe000ULL); /* 2^38 - 0x2000 */
	ASSERT_EQ(l.size[3], 0x3000);

	/* A non-zero return stops the walk and is passed back. */
	memset(&l, 0, sizeof(l));
	l.stop_at = 2;
	ASSERT_EQ(vsmmu_mem_for_each_range(mem, log_range, &l), 7);
	ASSERT_EQ(l.n, 2);
	vsmmu_mem_destroy(mem);
}

/* --- Loaders ---------------------------------------------------------- */

/* Write @len bytes to a new temporary file; its name goes to @path. */
static int write_tmp(char path[64], const void *buf, size_t len)
{
	const unsigned char *p = buf;
	int fd;

	strcpy(path, "/tmp/vsmmu-test-mem-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return -errno;
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n <= 0) {
			close(fd);
			unlink(path);
			return -EIO;
		}
		p += n;
		len -= (size_t)n;
	}
	close(fd);
	return 0;
}

static bool file_equals(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *got = malloc(len + 1);
	size_t n = 0;

	if (f && got)
		n = fread(got, 1, len + 1, f);
	if (f)
		fclose(f);
	n = (n == len && !memcmp(got, buf, len));
	free(got);
	return n;
}

/* Is @p inside a mapping of the file @path (from /proc/self/maps)? */
static bool in_file_mapping(const void *p, const char *path)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;

		if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 &&
		    strstr(line, path) && (uintptr_t)p >= lo &&
		    (uintptr_t)p < hi)
			found = true;
	}
	fclose(f);
	return found;
}

static void fill_pattern(unsigned char *b, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		b[i] = (unsigned char)((i * 131 + seed) ^ (i >> 12));
}

TEST(mem_load_buf)
{
	struct vsmmu_mem *mem = new_mem(32);
	unsigned char in[5000], out[5000];
	uint64_t v;

	ASSERT_TRUE(mem);
	fill_pattern(in, sizeof(in), 1);
	ASSERT_OK(vsmmu_mem_load_buf(mem, in, sizeof(in), 0x7ff0));
	ASSERT_OK(vsmmu_mem_read(mem, 0x7ff0, out, sizeof(out)));
	ASSERT_TRUE(!memcmp(in, out, sizeof(in)));
	/* 0x7ff0 + 5000 = 0x9378 ends in the third page: pages 7, 8, 9. */
	ASSERT_EQ(vsmmu_mem_page_count(mem), 3);
	ASSERT_OK(vsmmu_mem_read64(mem, 0x7000, &v));
	ASSERT_EQ(v, 0);
	ASSERT_OK(vsmmu_mem_read64(mem, 0x9378, &v));
	ASSERT_EQ(v, 0);
	ASSERT_EQ(vsmmu_mem_load_buf(mem, in, 16, 0xfffffff8ULL), -EINVAL);
	ASSERT_EQ(vsmmu_mem_page_count(mem), 3);
	vsmmu_mem_destroy(mem);
}

TEST(mem_load_raw_small)
{
	struct vsmmu_mem *mem = new_mem(40);
	unsigned char in[5000], out[5000];
	char path[64];
	uint64_t v;

	ASSERT_TRUE(mem);
	fill_pattern(in, sizeof(in), 2);
	ASSERT_OK(write_tmp(path, in, sizeof(in)));
	ASSERT_OK(vsmmu_mem_load_raw(mem, path, 0x10000));
	ASSERT_OK(vsmmu_mem_read(mem, 0x10000, out, sizeof(out)));
	ASSERT_TRUE(!memcmp(in, out, sizeof(in)));
	/* 5000 = 0x1388: the rest of the second page is zero. */
	ASSERT_EQ(vsmmu_mem_page_count(mem), 2);
	ASSERT_OK(vsmmu_mem_read64(mem, 0x11388, &v));
	ASSERT_EQ(v, 0);
	ASSERT_OK(vsmmu_mem_read64(mem, 0x11ff8, &v));
	ASSERT_EQ(v, 0);
	/* An unaligned address works (copied). */
	ASSERT_OK(vsmmu_mem_load_raw(mem, path, 0x20011));
	ASSERT_OK(vsmmu_mem_read(mem, 0x20011, out, sizeof(out)));
	ASSERT_TRUE(!memcmp(in, out, sizeof(in)));
	/* Does not fit at the top. */
	ASSERT_EQ(vsmmu_mem_load_raw(mem, path, (1ULL << 40) - 4096), -EINVAL);
	unlink(path);
	ASSERT_EQ(vsmmu_mem_load_raw(mem, path, 0), -ENOENT);
	ASSERT_EQ(vsmmu_mem_load_raw(mem, "/tmp", 0), -EISDIR);
	vsmmu_mem_destroy(mem);
}

TEST(mem_load_raw_mapped_cow)
{
	/* Over the 1 MiB mapping threshold, with a partial tail page. */
	const size_t len = (1u << 20) + 3 * 4096 + 123;
	const uint64_t base = 0x40000000;
	unsigned char *in = malloc(len), *out = malloc(len);
	struct vsmmu_mem *mem = new_mem(48);
	char path[64];
	uint64_t v;

	ASSERT_TRUE(mem && in && out);
	fill_pattern(in, len, 3);
	ASSERT_OK(write_tmp(path, in, len));
	/* A present page is overwritten by the load. */
	ASSERT_OK(vsmmu_mem_populate(mem, base + 0x5000, 1));
	ASSERT_OK(vsmmu_mem_write64(mem, base + 0x5008, 0xdeadULL));

	ASSERT_OK(vsmmu_mem_load_raw(mem, path, base));
	ASSERT_OK(vsmmu_mem_read(mem, base, out, len));
	ASSERT_TRUE(!memcmp(in, out, len));
	/* 259 whole pages and the partial one, zero after byte 123. */
	ASSERT_EQ(vsmmu_mem_page_count(mem), 260);
	ASSERT_OK(vsmmu_mem_read64(mem, base + 259 * PG + 128, &v));
	ASSERT_EQ(v, 0);
	ASSERT_OK(vsmmu_mem_read64(mem, base + 260 * PG - 8, &v));
	ASSERT_EQ(v, 0);

	/* Whole pages point into the file mapping: zero copy... */
	ASSERT_TRUE(in_file_mapping(vsmmu_mem_page(mem, base), path));
	ASSERT_TRUE(
		in_file_mapping(vsmmu_mem_page(mem, base + 0x100000), path));
	/* ...except the page that was present and the partial tail. */
	ASSERT_FALSE(in_file_mapping(vsmmu_mem_page(mem, base + 0x5000), path));
	ASSERT_FALSE(
		in_file_mapping(vsmmu_mem_page(mem, base + 259 * PG), path));

	/* Copy on write: the model's writes never reach the file. */
	ASSERT_OK(vsmmu_mem_write64(mem, base, ~0ULL));
	ASSERT_OK(vsmmu_mem_write(mem, base + 0x80000, "xyz", 3));
	ASSERT_OK(vsmmu_mem_read64(mem, base, &v));
	ASSERT_EQ(v, ~0ULL);
	ASSERT_TRUE(file_equals(path, in, len));

	/* Loading the same file again elsewhere gives independent pages. */
	ASSERT_OK(vsmmu_mem_load_raw(mem, path, 2 * base));
	ASSERT_OK(vsmmu_mem_read(mem, 2 * base, out, 16));
	ASSERT_TRUE(!memcmp(in, out, 16));
	unlink(path);
	vsmmu_mem_destroy(mem);
	free(in);
	free(out);
}

/* Store @v in @size bytes at @b + @off, little- or big-endian. */
static void put(unsigned char *b, size_t off, uint64_t v, unsigned int size,
		bool be)
{
	unsigned int i;

	for (i = 0; i < size; i++)
		b[off + (be ? size - 1 - i : i)] =
			(unsigned char)(v >> (8 * i));
}

/*
 * ELF64 header (gABI): e_ident[16]; e_type@16/2 e_machine@18/2
 * e_version@20/4 e_entry@24/8 e_phoff@32/8 e_shoff@40/8 e_flags@48/4
 * e_ehsize@52/2 e_phentsize@54/2 e_phnum@56/2 e_shentsize@58/2
 * e_shnum@60/2 e_shstrndx@62/2; 64 bytes.
 */
static void elf64_ehdr(unsigned char *b, bool be, uint64_t phoff,
		       unsigned int phnum)
{
	memcpy(b,
	       "\x7f"
	       "ELF",
	       4);
	b[4] = 2; /* EI_CLASS: ELFCLASS64 */
	b[5] = be ? 2 : 1; /* EI_DATA: ELFDATA2MSB / 2LSB */
	b[6] = 1; /* EI_VERSION */
	put(b, 16, 4, 2, be); /* ET_CORE */
	put(b, 18, 0xb7, 2, be); /* EM_AARCH64 = 183 */
	put(b, 20, 1, 4, be);
	put(b, 32, phoff, 8, be);
	put(b, 52, 64, 2, be);
	put(b, 54, 56, 2, be);
	put(b, 56, phnum, 2, be);
}

/*
 * ELF64 program header (gABI): p_type@0/4 p_flags@4/4 p_offset@8/8
 * p_vaddr@16/8 p_paddr@24/8 p_filesz@32/8 p_memsz@40/8 p_align@48/8;
 * 56 bytes.
 */
static void elf64_phdr(unsigned char *b, bool be, uint32_t type, uint64_t off,
		       uint64_t vaddr, uint64_t paddr, uint64_t filesz,
		       uint64_t memsz)
{
	put(b, 0, type, 4, be);
	put(b, 4, 7, 4, be);
	put(b, 8, off, 8, be);
	put(b, 16, vaddr, 8, be);
	put(b, 24, paddr, 8, be);
	put(b, 32, filesz, 8, be);
	put(b, 40, memsz, 8, be);
	put(b, 48, 0, 8, be);
}

/*
 * A small ELF64 LE core: phdrs at 64, PT_NOTE (ignored), then a PT_LOAD
 * of 16 file bytes at 0x100 growing to 0x2000 at PA 0x80000000 (vaddr
 * a kernel address that must not be used), then 8 bytes at 0x110 to the
 * unaligned PA 0x1234.
 */
#define ELF64_SMALL_LEN 0x200
static void build_elf64_small(unsigned char *b)
{
	unsigned int i;

	memset(b, 0, ELF64_SMALL_LEN);
	elf64_ehdr(b, false, 64, 3);
	elf64_phdr(b + 64, false, 4 /* PT_NOTE */, 0x180, 0, 0, 0x10, 0);
	elf64_phdr(b + 64 + 56, false, 1 /* PT_LOAD */, 0x100,
		   0xffff800080000000ULL, 0x80000000, 0x10, 0x2000);
	elf64_phdr(b + 64 + 112, false, 1, 0x110, 0, 0x1234, 8, 8);
	for (i = 0; i < 0x18; i++)
		b[0x100 + i] = (unsigned char)(0xa0 + i);
}

TEST(mem_elf64_le_core)
{
	unsigned char b[ELF64_SMALL_LEN], out[16];
	struct vsmmu_mem *mem = new_mem(48);
	uint64_t v;
	unsigned int i;

	ASSERT_TRUE(mem);
	build_elf64_small(b);
	ASSERT_TRUE(vsmmu_mem_is_elf(b, sizeof(b)));
	ASSERT_OK(vsmmu_mem_load_elf_buf(mem, b, sizeof(b)));
	ASSERT_OK(vsmmu_mem_read(mem, 0x80000000, out, 16));
	for (i = 0; i < 16; i++)
		ASSERT_EQ(out[i], 0xa0 + i);
	/* p_memsz > p_filesz: zero up to 0x80002000, nothing after. */
	ASSERT_OK(vsmmu_mem_read64(mem, 0x80000010, &v));
	ASSERT_EQ(v, 0);
	ASSERT_OK(vsmmu_mem_read64(mem, 0x80001ff8, &v));
	ASSERT_EQ(v, 0);
	ASSERT_EQ(vsmmu_mem_read64(mem, 0x80002000, &v), -EFAULT);
	/* Bytes 0xb0..0xb7 at 0x1234 (misaligned: read them as bytes). */
	ASSERT_OK(vsmmu_mem_read(mem, 0x1234, out, 8));
	ASSERT_EQ(out[0], 0xb0);
	ASSERT_EQ(out[7], 0xb7);
	/* 2 pages + 1 page; p_vaddr was not used. */
	ASSERT_EQ(vsmmu_mem_page_count(mem), 3);
	vsmmu_mem_destroy(mem);
}

TEST(mem_elf_empty_segments)
{
	/*
	 * Empty PT_LOADs (p_memsz 0) are skipped wherever they are, even
	 * with an absurd p_paddr; a trailing one once overran the segment
	 * array (found by fuzz_elf under ASan).
	 */
	unsigned char b[ELF64_SMALL_LEN];
	struct vsmmu_mem *mem = new_mem(48);
	uint64_t v;

	ASSERT_TRUE(mem);
	build_elf64_small(b);
	elf64_phdr(b + 64, false, 1, 0, 0, UINT64_MAX, 0, 0);
	elf64_phdr(b + 64 + 112, false, 1, 0x1f0, 0, 1ULL << 60, 0, 0);
	ASSERT_OK(vsmmu_mem_load_elf_buf(mem, b, sizeof(b)));
	ASSERT_EQ(vsmmu_mem_page_count(mem), 2);
	ASSERT_OK(vsmmu_mem_read64(mem, 0x80000000, &v));
	ASSERT_EQ(v, 0xa7a6a5a4a3a2a1a0ULL);
	vsmmu_mem_destroy(mem);
}

TEST(mem_elf32_be_core)
{
	/*
	 * ELF32 header (gABI): e_type@16/2 e_machine@18/2 e_version@20/4
	 * e_entry@24/4 e_phoff@28/4 e_shoff@32/4 e_flags@36/4 e_ehsize@40/2
	 * e_phentsize@42/2 e_phnum@44/2 ...; 52 bytes.  Program header:
	 * p_type@0 p_offset@4 p_vaddr@8 p_paddr@12 p_filesz@16 p_memsz@20
	 * p_flags@24 p_align@28, 4 bytes each; 32 bytes.
	 */
	unsigned char b[0x100], out[8];
	struct vsmmu_mem *mem = new_mem(40);
	uint64_t v;
	unsigned int i;

	ASSERT_TRUE(mem);
	memset(b, 0, sizeof(b));
	memcpy(b,
	       "\x7f"
	       "ELF",
	       4);
	b[4] = 1; /* ELFCLASS32 */
	b[5] = 2; /* ELFDATA2MSB */
	b[6] = 1;
	/* Big-endian fields, spelled out byte by byte. */
	b[16] = 0x00, b[17] = 0x04; /* e_type ET_CORE */
	b[18] = 0x00, b[19] = 0x14; /* e_machine EM_PPC = 20 */
	b[23] = 0x01; /* e_version 1 */
	b[31] = 0x34; /* e_phoff 52 */
	b[41] = 0x34; /* e_ehsize 52 */
	b[43] = 0x20; /* e_phentsize 32 */
	b[45] = 0x01; /* e_phnum 1 */
	/* PT_LOAD at 52: offset 0x80, paddr 0x00345ff8, filesz 8, memsz 0x10. */
	b[52 + 3] = 0x01;
	b[52 + 7] = 0x80;
	b[52 + 8] = 0xc0; /* p_vaddr 0xc0000000 */
	b[52 + 13] = 0x34, b[52 + 14] = 0x5f, b[52 + 15] = 0xf8;
	b[52 + 19] = 0x08;
	b[52 + 23] = 0x10;
	for (i = 0; i < 8; i++)
		b[0x80 + i] = (unsigned char)(i + 1);

	ASSERT_OK(vsmmu_mem_load_elf_buf(mem, b, sizeof(b)));
	/* Content is bytes: read64 is little-endian whatever the ELF's. */
	ASSERT_OK(vsmmu_mem_read64(mem, 0x345ff8, &v));
	ASSERT_EQ(v, 0x0807060504030201ULL);
	/* memsz 0x10 spills 8 zero bytes into the next page. */
	ASSERT_OK(vsmmu_mem_read64(mem, 0x346000, &v));
	ASSERT_EQ(v, 0);
	ASSERT_EQ(vsmmu_mem_page_count(mem), 2);
	ASSERT_EQ(vsmmu_mem_read(mem, 0xc0000000, out, 8), -EFAULT);
	vsmmu_mem_destroy(mem);
}

TEST(mem_elf_pn_xnum)
{
	/*
	 * e_phnum = PN_XNUM (0xffff): the count is sh_info of section
	 * header 0.  Shdr64 (gABI): sh_info@44/4, 64 bytes; at e_shoff 0x200.
	 */
	unsigned char b[0x300];
	struct vsmmu_mem *mem = new_mem(48);
	uint64_t v;

	ASSERT_TRUE(mem);
	memset(b, 0, sizeof(b));
	elf64_ehdr(b, true, 64, 0xffff);
	put(b, 40, 0x200, 8, true); /* e_shoff */
	put(b, 58, 64, 2, true); /* e_shentsize */
	put(b, 60, 1, 2, true); /* e_shnum */
	put(b, 0x200 + 44, 2, 4, true);
	elf64_phdr(b + 64, true, 1, 0x180, 0, 0x5000, 8, 8);
	elf64_phdr(b + 120, true, 1, 0x188, 0, 0x9000, 8, 8);
	put(b, 0x180, 0x1111, 8, false);
	put(b, 0x188, 0x2222, 8, false);
	ASSERT_OK(vsmmu_mem_load_elf_buf(mem, b, sizeof(b)));
	ASSERT_OK(vsmmu_mem_read64(mem, 0x5000, &v));
	ASSERT_EQ(v, 0x1111);
	ASSERT_OK(vsmmu_mem_read64(mem, 0x9000, &v));
	ASSERT_EQ(v, 0x2222);

	/* A section header table outside the file is an error. */
	vsmmu_mem_destroy(mem);
	mem = new_mem(48);
	ASSERT_TRUE(mem);
	put(b, 40, 0x2f0, 8, true);
	ASSERT_EQ(vsmmu_mem_load_elf_buf(mem, b, sizeof(b)), -EINVAL);
	ASSERT_EQ(vsmmu_mem_page_count(mem), 0);
	vsmmu_mem_destroy(mem);
}

/* Load @b and expect @err with nothing loaded. */
static void expect_bad_elf(const unsigned char *b, size_t len, int err)
{
	struct vsmmu_mem *mem = new_mem(48);

	ASSERT_TRUE(mem);
	ASSERT_EQ(vsmmu_mem_load_elf_buf(mem, b, len), err);
	ASSERT_EQ(vsmmu_mem_page_count(mem), 0);
	vsmmu_mem_destroy(mem);
}

TEST(mem_elf_malformed)
{
	unsigned char b[ELF64_SMALL_LEN];
	/* Offsets of the fields of the second phdr (the first PT_LOAD). */
	const size_t ph = 64 + 56;

	build_elf64_small(b);
	expect_bad_elf(b, 3, -ENOEXEC);
	expect_bad_elf((const unsigned char *)"hello, world", 12, -ENOEXEC);
	/* Truncated: in the ELF header, in the phdrs, in the data. */
	expect_bad_elf(b, 40, -EINVAL);
	CHECK_FAILED();
	expect_bad_elf(b, 64 + 100, -EINVAL);
	CHECK_FAILED();
	expect_bad_elf(b, 0x108, -EINVAL);
	CHECK_FAILED();

	/* Bad class / data encoding. */
	b[4] = 3;
	expect_bad_elf(b, sizeof(b), -EINVAL);
	CHECK_FAILED();
	build_elf64_small(b);
	b[5] = 0;
	expect_bad_elf(b, sizeof(b), -EINVAL);
	CHECK_FAILED();

	/* e_phoff beyond the file, and phoff + phnum * phentsize wrapping. */
	build_elf64_small(b);
	put(b, 32, 0x1000, 8, false);
	expect_bad_elf(b, sizeof(b), -EINVAL);
	CHECK_FAILED();
	put(b, 32, UINT64_MAX - 8, 8, false);
	expect_bad_elf(b, sizeof(b), -EINVAL);
	CHECK_FAILED();
	build_elf64_small(b);
	put(b, 54, 0xffff, 2, false);
	expect_bad_elf(b, sizeof(b), -EINVAL);
	CHECK_FAILED();
	/* e_phentsize smaller than an Elf64_Phdr. */
	put(b, 54, 32, 2, false);
	expect_bad_elf(b, sizeof(b), -EINVAL);
	CHECK_FAILED();

	/* p_offset + p_filesz overflows 64 bits. */
	build_elf64_small(b);
	put(b, ph + 8, UINT64_MAX - 4, 8, false);
	expect_bad_elf(b, sizeof(b), -EINVAL);
	CHECK_FAILED();
	/* p_filesz > p_memsz. */
	build_elf64_small(b);
	put(b, ph + 32, 0x20, 8, false);
	put(b, ph + 40, 0x10, 8, false);
	expect_bad_elf(b, sizeof(b), -EINVAL);
	CHECK_FAILED();
	/* Past the 48-bit space, and wrapping. */
	build_elf64_small(b);
	put(b, ph + 24, (1ULL << 48) - 0x1000, 8, false);
	expect_bad_elf(b, sizeof(b), -EINVAL);
	CHECK_FAILED();
	put(b, ph + 24, UINT64_MAX - 0xf, 8, false);
	expect_bad_elf(b, sizeof(b), -EINVAL);
	CHECK_FAILED();
	/* A valid but huge p_memsz is refused against the budget up front. */
	build_elf64_small(b);
	put(b, ph + 40, 1ULL << 40, 8, false);
	expect_bad_elf(b, sizeof(b), -ENOMEM);
	CHECK_FAILED();
	/* The last PT_LOAD is bad: the one before is not loaded either. */
	build_elf64_small(b);
	put(b, ph + 56 + 32, 0x1000, 8, false);
	expect_bad_elf(b, sizeof(b), -EINVAL);
	CHECK_FAILED();

	/* No PT_LOAD at all is fine and loads nothing. */
	build_elf64_small(b);
	put(b, 56, 1, 2, false);
	expect_bad_elf(b, sizeof(b), 0);
}

TEST(mem_elf_file_mapped)
{
	/*
	 * A 1 MiB + 0x2800-byte core: segment A at file offset 0x1000 (page
	 * aligned) of 0x100800 bytes to PA 0x40000000 with memsz 0x102000;
	 * segment B covers the same file bytes 0x2000..0x3000 to PA 0x10000.
	 * A is loaded zero-copy; B must be a copy, not an alias of A.
	 */
	const size_t len = 0x1000 + 0x100800;
	unsigned char *b = malloc(len), *out = malloc(0x100800);
	struct vsmmu_mem *mem = new_mem(48);
	char path[64];
	uint64_t v;

	ASSERT_TRUE(b && out && mem);
	memset(b, 0, 0x1000);
	fill_pattern(b + 0x1000, len - 0x1000, 9);
	elf64_ehdr(b, false, 64, 2);
	elf64_phdr(b + 64, false, 1, 0x1000, 0, 0x40000000, 0x100800, 0x102000);
	elf64_phdr(b + 120, false, 1, 0x2000, 0, 0x10000, 0x1000, 0x1000);
	ASSERT_OK(write_tmp(path, b, len));

	ASSERT_OK(vsmmu_mem_load_elf(mem, path));
	ASSERT_OK(vsmmu_mem_read(mem, 0x40000000, out, 0x100800));
	ASSERT_TRUE(!memcmp(out, b + 0x1000, 0x100800));
	ASSERT_OK(vsmmu_mem_read64(mem, 0x40100800, &v));
	ASSERT_EQ(v, 0);
	ASSERT_OK(vsmmu_mem_read64(mem, 0x40101ff8, &v));
	ASSERT_EQ(v, 0);
	ASSERT_EQ(vsmmu_mem_read64(mem, 0x40102000, &v), -EFAULT);
	/* 0x102 pages for A, 1 for B. */
	ASSERT_EQ(vsmmu_mem_page_count(mem), 0x103);
	ASSERT_TRUE(in_file_mapping(vsmmu_mem_page(mem, 0x40000000), path));
	ASSERT_FALSE(in_file_mapping(vsmmu_mem_page(mem, 0x10000), path));

	/* B's page is A's second page by content, but not by identity. */
	ASSERT_OK(vsmmu_mem_read(mem, 0x10000, out, 0x1000));
	ASSERT_TRUE(!memcmp(out, b + 0x2000, 0x1000));
	ASSERT_OK(vsmmu_mem_write64(mem, 0x40001000, 0x5a5aULL));
	ASSERT_OK(vsmmu_mem_read(mem, 0x10000, out, 0x1000));
	ASSERT_TRUE(!memcmp(out, b + 0x2000, 0x1000));
	ASSERT_TRUE(file_equals(path, b, len));

	unlink(path);
	vsmmu_mem_destroy(mem);
	free(b);
	free(out);
}

TEST(mem_elf_file_small_and_missing)
{
	unsigned char b[ELF64_SMALL_LEN];
	struct vsmmu_mem *mem = new_mem(48);
	char path[64];
	uint64_t v;

	ASSERT_TRUE(mem);
	build_elf64_small(b);
	ASSERT_OK(write_tmp(path, b, sizeof(b)));
	ASSERT_OK(vsmmu_mem_load_elf(mem, path));
	ASSERT_OK(vsmmu_mem_read64(mem, 0x80000008, &v));
	ASSERT_EQ(v, 0xafaeadacabaaa9a8ULL);
	unlink(path);
	ASSERT_EQ(vsmmu_mem_load_elf(mem, path), -ENOENT);
	ASSERT_OK(write_tmp(path, "not elf at all", 14));
	ASSERT_EQ(vsmmu_mem_load_elf(mem, path), -ENOEXEC);
	unlink(path);
	vsmmu_mem_destroy(mem);
}

/* --- Pool ------------------------------------------------------------- */

TEST(mem_pool_alloc_free)
{
	struct vsmmu_mem *mem = new_mem(48);
	struct vsmmu_mem_pool *pool = NULL;
	uint64_t a, b, c, v;

	ASSERT_TRUE(mem);
	ASSERT_EQ(vsmmu_mem_pool_create(mem, 0x100000, 0, &pool), -EINVAL);
	ASSERT_EQ(vsmmu_mem_pool_create(mem, (1ULL << 48) - PG, 2 * PG, &pool),
		  -EINVAL);
	ASSERT_OK(vsmmu_mem_pool_create(mem, 0x100000, 0x10000, &pool));
	ASSERT_TRUE(vsmmu_mem_pool_mem(pool) == mem);
	/* The range is populated up front: 16 pages. */
	ASSERT_EQ(vsmmu_mem_page_count(mem), 16);

	ASSERT_EQ(vsmmu_mem_pool_alloc(pool, 0, 8, &a), -EINVAL);
	ASSERT_EQ(vsmmu_mem_pool_alloc(pool, 8, 3, &a), -EINVAL);

	ASSERT_OK(vsmmu_mem_pool_alloc(pool, 24, 8, &a));
	ASSERT_EQ(a, 0x100000);
	/* Next 4 KiB-aligned block skips the rest of page 0. */
	ASSERT_OK(vsmmu_mem_pool_alloc(pool, 0x1000, 0x1000, &b));
	ASSERT_EQ(b, 0x101000);
	/* First fit goes back to the gap after @a. */
	ASSERT_OK(vsmmu_mem_pool_alloc(pool, 64, 64, &c));
	ASSERT_EQ(c, 0x100040);
	/* Alignment larger than the pool's base alignment. */
	vsmmu_mem_pool_free(pool, c, 64);
	ASSERT_OK(vsmmu_mem_pool_alloc(pool, 0x1000, 0x4000, &c));
	ASSERT_EQ(c, 0x104000);

	/* Memory is zeroed on allocation, even after reuse. */
	ASSERT_OK(vsmmu_mem_write64(mem, b + 0xff8, 0x77ULL));
	vsmmu_mem_pool_free(pool, b, 0x1000);
	ASSERT_OK(vsmmu_mem_pool_alloc(pool, 0x1000, 0x1000, &b));
	ASSERT_EQ(b, 0x101000);
	ASSERT_OK(vsmmu_mem_read64(mem, b + 0xff8, &v));
	ASSERT_EQ(v, 0);

	vsmmu_mem_pool_free(pool, a, 24);
	vsmmu_mem_pool_free(pool, b, 0x1000);
	vsmmu_mem_pool_free(pool, c, 0x1000);
	/* Everything coalesced back into one extent. */
	ASSERT_OK(vsmmu_mem_pool_alloc(pool, 0x10000, 1, &a));
	ASSERT_EQ(a, 0x100000);
	ASSERT_EQ(vsmmu_mem_pool_alloc(pool, 1, 0, &b), -ENOMEM);
	vsmmu_mem_pool_destroy(pool);
	vsmmu_mem_destroy(mem);
}

TEST(mem_pool_coalesce_and_bad_free)
{
	struct vsmmu_mem *mem = new_mem(40);
	struct vsmmu_mem_pool *pool = NULL;
	static const unsigned int order[16] = { 5, 0,  15, 7, 6,  1,  9,  8,
						2, 14, 3,  4, 10, 12, 11, 13 };
	uint64_t pa[16], x;
	unsigned int i;

	ASSERT_TRUE(mem);
	ASSERT_OK(vsmmu_mem_pool_create(mem, 0x10000, 16 * PG, &pool));
	for (i = 0; i < 16; i++) {
		ASSERT_OK(vsmmu_mem_pool_alloc(pool, PG, PG, &pa[i]));
		ASSERT_EQ(pa[i], 0x10000 + i * PG);
	}
	ASSERT_EQ(vsmmu_mem_pool_alloc(pool, 8, 8, &x), -ENOMEM);

	/* Bad frees: never allocated, wrong size, outside, misaligned. */
	vsmmu_mem_pool_free(pool, 0x90000, PG);
	vsmmu_mem_pool_free(pool, pa[3], 2 * PG);
	vsmmu_mem_pool_free(pool, pa[3] + 8, PG - 8);
	vsmmu_mem_pool_free(pool, 0, 0);
	ASSERT_EQ(vsmmu_mem_pool_alloc(pool, 8, 8, &x), -ENOMEM);

	/* Free in a scrambled order, and free one of them twice. */
	for (i = 0; i < 16; i++) {
		vsmmu_mem_pool_free(pool, pa[order[i]], PG);
		if (order[i] == 7)
			vsmmu_mem_pool_free(pool, pa[7], PG);
	}
	ASSERT_OK(vsmmu_mem_pool_alloc(pool, 16 * PG, PG, &x));
	ASSERT_EQ(x, 0x10000);
	/* The double free did not leave a phantom extent behind. */
	ASSERT_EQ(vsmmu_mem_pool_alloc(pool, PG, PG, &x), -ENOMEM);
	vsmmu_mem_pool_destroy(pool);
	vsmmu_mem_destroy(mem);
}

TEST(mem_pool_budget)
{
	struct vsmmu_mem *mem = new_mem(40);
	struct vsmmu_mem_pool *pool = NULL;

	ASSERT_TRUE(mem);
	ASSERT_OK(vsmmu_mem_set_limit(mem, 8 * PG));
	ASSERT_EQ(vsmmu_mem_pool_create(mem, 0, 9 * PG, &pool), -ENOMEM);
	ASSERT_TRUE(pool == NULL);
	vsmmu_mem_destroy(mem);
}

/* --- Concurrency ------------------------------------------------------ */

#define MT_THREADS 4
#define MT_PAGES 64
#define MT_ROUNDS 200
/* The range crosses a top-level entry (2^38), so nodes race too. */
#define MT_BASE ((1ULL << 38) - (MT_PAGES / 2) * PG)

struct mt_arg {
	struct vsmmu_mem *mem;
	unsigned int id;
	int err;
	unsigned char pattern[3 * 4096];
};

static void *mt_worker(void *p)
{
	struct mt_arg *a = p;
	unsigned int r, i, t;
	uint64_t v, old;

	for (i = 0; i < MT_PAGES && !a->err; i++) {
		uint64_t page = MT_BASE + i * PG;

		if (vsmmu_mem_populate(a->mem, page, PG) ||
		    vsmmu_mem_write64(a->mem, page + a->id * 8,
				      (page << 4) | a->id))
			a->err = 1;
		/* Every slot is 0 or its owner's value: never torn. */
		for (t = 0; t < MT_THREADS && !a->err; t++) {
			if (vsmmu_mem_read64(a->mem, page + t * 8, &v) ||
			    (v && v != ((page << 4) | t)))
				a->err = 2;
		}
	}
	/* A shared counter bumped with compare-and-swap. */
	for (r = 0; r < MT_ROUNDS && !a->err; r++) {
		old = 0;
		vsmmu_mem_read64(a->mem, MT_BASE + 0x800, &old);
		while (vsmmu_mem_cmpxchg64(a->mem, MT_BASE + 0x800, &old,
					   old + 1) == -EAGAIN)
			;
	}
	/* Racing loads of the same bytes into fresh pages. */
	if (!a->err &&
	    vsmmu_mem_load_buf(a->mem, a->pattern, sizeof(a->pattern),
			       (1ULL << 30) + 0x800))
		a->err = 3;
	return NULL;
}

TEST(mem_threads_populate_read)
{
	struct mt_arg args[MT_THREADS];
	pthread_t th[MT_THREADS];
	struct vsmmu_mem *mem = new_mem(48);
	unsigned char out[3 * 4096];
	unsigned int i, t;
	uint64_t v;

	ASSERT_TRUE(mem);
	for (t = 0; t < MT_THREADS; t++) {
		args[t].mem = mem;
		args[t].id = t;
		args[t].err = 0;
		fill_pattern(args[t].pattern, sizeof(args[t].pattern), 77);
		ASSERT_OK(pthread_create(&th[t], NULL, mt_worker, &args[t]));
	}
	for (t = 0; t < MT_THREADS; t++)
		pthread_join(th[t], NULL);
	for (t = 0; t < MT_THREADS; t++)
		ASSERT_EQ(args[t].err, 0);

	/* Each page exists once, whoever won the race to create it. */
	ASSERT_EQ(vsmmu_mem_page_count(mem), MT_PAGES + 4);
	for (i = 0; i < MT_PAGES; i++) {
		uint64_t page = MT_BASE + i * PG;

		for (t = 0; t < MT_THREADS; t++) {
			ASSERT_OK(vsmmu_mem_read64(mem, page + t * 8, &v));
			ASSERT_EQ(v, (page << 4) | t);
		}
	}
	ASSERT_OK(vsmmu_mem_read64(mem, MT_BASE + 0x800, &v));
	ASSERT_EQ(v, MT_THREADS * MT_ROUNDS);
	ASSERT_OK(vsmmu_mem_read(mem, (1ULL << 30) + 0x800, out, sizeof(out)));
	ASSERT_TRUE(!memcmp(out, args[0].pattern, sizeof(out)));
	vsmmu_mem_destroy(mem);
}
