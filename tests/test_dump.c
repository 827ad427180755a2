// SPDX-License-Identifier: MIT
/*
 * ELF dumps of any size in bounded memory, and loader messages that say
 * what is wrong.
 *
 * QEMU's dump-guest-memory writes its PT_LOAD segments right after the
 * notes, at a file offset such as 0x8b0 that is not page-aligned.  The
 * loader used to map only page-aligned segments and copied the others, so
 * a 1 GiB dump cost 1 GB of memory and seconds per query.  Here a sparse
 * 4 GiB core at offset 0x8b0 must load and answer reads with a few MiB of
 * resident memory; a segment whose offset and address disagree modulo 8
 * (that cannot be mapped) still loads right, by copying.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <vsmmu/bits.h>
#include <vsmmu/mem.h>

#include "harness.h"

/* Built with ThreadSanitizer (gcc defines the macro, clang the feature)? */
static bool under_tsan(void)
{
#if defined(__SANITIZE_THREAD__)
	return true;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
	return true;
#else
	return false;
#endif
#else
	return false;
#endif
}

#define EH 64
#define PH 56

static void put(unsigned char *p, uint64_t v, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* An ELF64 LE core header with @n PT_LOADs {offset, paddr, size}. */
static size_t core_header(unsigned char *b, const uint64_t (*seg)[3],
			  unsigned int n)
{
	unsigned int i;

	memset(b, 0, EH + PH * n);
	memcpy(b, "\177ELF\2\1\1", 7);
	put(b + 16, 4, 2); /* ET_CORE */
	put(b + 18, 183, 2); /* EM_AARCH64 */
	put(b + 20, 1, 4);
	put(b + 32, EH, 8); /* e_phoff */
	put(b + 52, EH, 2);
	put(b + 54, PH, 2);
	put(b + 56, n, 2);
	for (i = 0; i < n; i++) {
		unsigned char *p = b + EH + PH * i;

		put(p, 1, 4); /* PT_LOAD */
		put(p + 8, seg[i][0], 8);
		put(p + 16, seg[i][1], 8);
		put(p + 24, seg[i][1], 8);
		put(p + 32, seg[i][2], 8);
		put(p + 40, seg[i][2], 8);
	}
	return EH + PH * n;
}

static int pwrite_u64(int fd, uint64_t off, uint64_t v)
{
	unsigned char b[8];

	put(b, v, 8);
	return pwrite(fd, b, 8, (off_t)off) == 8 ? 0 : -errno;
}

/* Resident memory of this process, in bytes (/proc/self/statm). */
static uint64_t rss_bytes(void)
{
	unsigned long size = 0, res = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f) {
		if (fscanf(f, "%lu %lu", &size, &res) != 2)
			res = 0;
		fclose(f);
	}
	return (uint64_t)res * (uint64_t)sysconf(_SC_PAGESIZE);
}

static int tmp_file(char *path, size_t len)
{
	const char *dir = getenv("TMPDIR");

	snprintf(path, len, "%s/vsmmu-dump-XXXXXX", dir && *dir ? dir : "/tmp");
	return mkstemp(path);
}

TEST(dump_sparse_4g_qemu_offset_bounded_rss)
{
	const uint64_t base = 0x40000000, size = 4ULL << 30, off = 0x8b0;
	const uint64_t seg[1][3] = { { off, base, size } };
	/* guest addresses with a marker: first and last word, and between */
	const uint64_t probe[] = { base, base + 0x12345678, base + 0xfff8,
				   base + size - 8 };
	struct vsmmu_mem_load_info info;
	unsigned char hdr[EH + PH];
	struct vsmmu_mem *mem;
	uint64_t before, after, v;
	char path[256];
	size_t i;
	int fd;

	fd = tmp_file(path, sizeof(path));
	ASSERT_TRUE(fd >= 0);
	unlink(path); /* /proc/self/fd keeps it reachable */
	ASSERT_EQ(write(fd, hdr, core_header(hdr, seg, 1)), EH + PH);
	if (ftruncate(fd, (off_t)(off + size))) {
		close(fd);
		SKIP("the file system refused a sparse 4 GiB file");
	}
	for (i = 0; i < VS_ARRAY_SIZE(probe); i++)
		ASSERT_OK(pwrite_u64(fd, off + probe[i] - base,
				     0x5eed000000000000ULL | i));
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);

	ASSERT_OK(vsmmu_mem_create(48, &mem));
	before = rss_bytes();
	ASSERT_OK(vsmmu_mem_load_elf_info(mem, path, &info));
	ASSERT_EQ(info.segments, 1);
	ASSERT_EQ(info.bytes, size);
	/* 0x8b0 - 0x40000000 is a multiple of 8: every page is mapped */
	ASSERT_EQ(info.pages_mapped, size >> 12);
	for (i = 0; i < VS_ARRAY_SIZE(probe); i++) {
		ASSERT_OK(vsmmu_mem_read64(mem, probe[i], &v));
		ASSERT_EQ(v, 0x5eed000000000000ULL | i);
	}
	ASSERT_OK(vsmmu_mem_read64(mem, base + 0x800000, &v));
	ASSERT_EQ(v, 0); /* a hole of the sparse file */
	after = rss_bytes();
	/*
	 * The index of 2^20 pages is 8 MiB; the pages read are a few KiB.
	 * Copying, as before, made this 4 GiB.
	 */
	printf("# 4 GiB core at offset 0x%llx: RSS +%llu KiB\n",
	       (unsigned long long)off,
	       (unsigned long long)((after > before ? after - before : 0) >>
				    10));
	/* ThreadSanitizer's shadow of the mapping grows with what is mapped,
	 * not with what the library keeps: the bound is the library's */
	if (!under_tsan())
		ASSERT_TRUE(after < before + (64ULL << 20));
	vsmmu_mem_destroy(mem);
	close(fd);
}

/*
 * Offsets that disagree with the address modulo 8 cannot be mapped (a
 * 64-bit access would be misaligned): such a segment is copied, and must
 * read back exactly, including the partial pages at its ends.
 */
TEST(dump_unaligned_segments_copied_exactly)
{
	/* off 0x1004 + pa 0x80000000: 4 mod 8; off 0x30b0, pa 0x900000a0:
	 * 0x3010 mod 8 = 0 but partial first and last pages */
	const uint64_t seg[2][3] = { { 0x1004, 0x80000000, 0x2000 },
				     { 0x30b0, 0x900000a0, 0x220000 } };
	struct vsmmu_mem_load_info info;
	unsigned char hdr[EH + 2 * PH];
	struct vsmmu_mem *mem;
	char path[256];
	uint64_t v, a;
	int fd;

	fd = tmp_file(path, sizeof(path));
	ASSERT_TRUE(fd >= 0);
	unlink(path);
	ASSERT_EQ(write(fd, hdr, core_header(hdr, seg, 2)), EH + 2 * PH);
	/* at least 1 MiB, so the file is mapped and planning runs */
	ASSERT_OK(ftruncate(fd, 0x30b0 + 0x220000));
	for (a = 0; a < 0x2000; a += 8)
		ASSERT_OK(
			pwrite_u64(fd, 0x1004 + a, 0xa000000000000000ULL | a));
	for (a = 0; a < 0x220000; a += 0x1008)
		ASSERT_OK(
			pwrite_u64(fd, 0x30b0 + a, 0xb000000000000000ULL | a));
	ASSERT_OK(pwrite_u64(fd, 0x30b0 + 0x220000 - 8, 0xbeef));
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);

	ASSERT_OK(vsmmu_mem_create(48, &mem));
	ASSERT_OK(vsmmu_mem_load_elf_info(mem, path, &info));
	ASSERT_EQ(info.segments, 2);
	/* segment 2: pages 0x90001000..0x90220000 whole = 0x21f pages */
	ASSERT_EQ(info.pages_mapped, 0x21f);
	for (a = 0; a < 0x2000; a += 8) {
		ASSERT_OK(vsmmu_mem_read64(mem, 0x80000000 + a, &v));
		ASSERT_EQ(v, 0xa000000000000000ULL | a);
	}
	for (a = 0; a < 0x220000; a += 0x1008) {
		ASSERT_OK(vsmmu_mem_read64(mem, 0x900000a0 + a, &v));
		ASSERT_EQ(v, 0xb000000000000000ULL | a);
	}
	ASSERT_OK(vsmmu_mem_read64(mem, 0x900000a0 + 0x220000 - 8, &v));
	ASSERT_EQ(v, 0xbeef);
	/* the copied head page has zeros before the segment */
	ASSERT_OK(vsmmu_mem_read64(mem, 0x90000098, &v));
	ASSERT_EQ(v, 0);
	vsmmu_mem_destroy(mem);
	close(fd);
}

/* Each refusal names what is wrong; an empty core loads nothing. */
TEST(dump_errors_name_the_field)
{
	static const struct {
		uint64_t seg[3];
		int ret;
		const char *has;
	} cases[] = {
		/* the segment's bytes end past the file */
		{ { 0x100, 0x1000, 0x10000 }, -EINVAL, "ends past the end" },
		/* beyond 48 bits of PA */
		{ { 0x78, 1ULL << 48, 0x8 }, -EINVAL, "leaves the 48-bit" },
	};
	struct vsmmu_mem_load_info info;
	unsigned char b[EH + PH + 16];
	struct vsmmu_mem *mem;
	char path[256];
	size_t i;
	int fd;

	ASSERT_OK(vsmmu_mem_create(48, &mem));
	for (i = 0; i < VS_ARRAY_SIZE(cases); i++) {
		const uint64_t(*seg)[3] = &cases[i].seg;

		memset(b, 0, sizeof(b));
		core_header(b, seg, 1);
		fd = tmp_file(path, sizeof(path));
		ASSERT_TRUE(fd >= 0);
		ASSERT_EQ(write(fd, b, sizeof(b)), sizeof(b));
		close(fd);
		ASSERT_EQ(vsmmu_mem_load_elf_info(mem, path, &info),
			  cases[i].ret);
		unlink(path);
		printf("# %s\n", info.error);
		ASSERT_TRUE(strstr(info.error, cases[i].has) != NULL);
		ASSERT_TRUE(strstr(info.error, "program header 0") != NULL);
	}
	/* EI_CLASS */
	memset(b, 0, sizeof(b));
	core_header(b, NULL, 0);
	b[4] = 3;
	fd = tmp_file(path, sizeof(path));
	ASSERT_TRUE(fd >= 0);
	ASSERT_EQ(write(fd, b, sizeof(b)), sizeof(b));
	close(fd);
	ASSERT_EQ(vsmmu_mem_load_elf_info(mem, path, &info), -EINVAL);
	ASSERT_TRUE(strstr(info.error, "byte 4 (EI_CLASS) is 3") != NULL);
	/* no PT_LOAD: loads, and says it loaded nothing */
	b[4] = 2;
	fd = open(path, O_WRONLY | O_TRUNC);
	ASSERT_TRUE(fd >= 0);
	ASSERT_EQ(write(fd, b, sizeof(b)), sizeof(b));
	close(fd);
	ASSERT_OK(vsmmu_mem_load_elf_info(mem, path, &info));
	ASSERT_EQ(info.segments, 0);
	ASSERT_EQ(info.bytes, 0);
	unlink(path);
	vsmmu_mem_destroy(mem);
}
