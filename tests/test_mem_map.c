// SPDX-License-Identifier: MIT
/*
 * Memory that is not the model's own: a caller's buffer mapped as
 * physical memory (vsmmu_mem_map_host), a guest-physical view aliasing
 * host pages (vsmmu_mem_map_alias), and unmapping.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <vsmmu/mem.h>

#include "harness.h"

#define PG 4096ULL

static void *page_buf(size_t pages)
{
	void *p = NULL;

	if (posix_memalign(&p, PG, pages * PG))
		return NULL;
	memset(p, 0, pages * PG);
	return p;
}

TEST(mem_map_host_shares_bytes)
{
	struct vsmmu_mem *mem;
	unsigned char *buf = page_buf(3);
	uint64_t v;

	ASSERT_TRUE(buf);
	ASSERT_OK(vsmmu_mem_create(40, &mem));
	ASSERT_OK(vsmmu_mem_map_host(mem, 0x10000000, buf, 3 * PG));
	ASSERT_EQ(vsmmu_mem_page_count(mem), 3);
	/* The model's writes land in the caller's buffer, little-endian. */
	ASSERT_OK(vsmmu_mem_write64(mem, 0x10001008, 0x0102030405060708ULL));
	ASSERT_EQ(buf[PG + 8], 0x08);
	ASSERT_EQ(buf[PG + 15], 0x01);
	/* And the caller's writes are what the model reads. */
	buf[2 * PG + 0x10] = 0xaa;
	ASSERT_OK(vsmmu_mem_read64(mem, 0x10002010, &v));
	ASSERT_EQ(v, 0xaa);
	/* A byte copy across the page boundary. */
	ASSERT_OK(vsmmu_mem_write(mem, 0x10000ffc, "abcdefgh", 8));
	ASSERT_TRUE(!memcmp(buf + PG - 4, "abcdefgh", 8));
	/* Outside the range nothing is present. */
	ASSERT_EQ(vsmmu_mem_read64(mem, 0x10003000, &v), -EFAULT);
	ASSERT_EQ(vsmmu_mem_read64(mem, 0x0ffff000, &v), -EFAULT);
	vsmmu_mem_destroy(mem);
	/* Destroy leaves the caller's memory alone. */
	ASSERT_EQ(buf[PG + 8], 0x08);
	free(buf);
}

TEST(mem_map_host_argument_checks)
{
	struct vsmmu_mem *mem;
	unsigned char *buf = page_buf(2);

	ASSERT_TRUE(buf);
	ASSERT_OK(vsmmu_mem_create(32, &mem));
	ASSERT_EQ(vsmmu_mem_map_host(mem, 0x1000, buf + 1, PG), -EINVAL);
	ASSERT_EQ(vsmmu_mem_map_host(mem, 0x1001, buf, PG), -EINVAL);
	ASSERT_EQ(vsmmu_mem_map_host(mem, 0x1000, buf, PG - 1), -EINVAL);
	ASSERT_EQ(vsmmu_mem_map_host(mem, 0x1000, buf, 0), -EINVAL);
	ASSERT_EQ(vsmmu_mem_map_host(mem, 0x1000, NULL, PG), -EINVAL);
	/* Past the 32-bit space, and wrapping. */
	ASSERT_EQ(vsmmu_mem_map_host(mem, 0xfffff000, buf, 2 * PG), -EINVAL);
	ASSERT_EQ(vsmmu_mem_map_host(mem, 0xfffffffffffff000ULL, buf, 2 * PG),
		  -EINVAL);
	/* A present page anywhere in the range: nothing is mapped. */
	ASSERT_OK(vsmmu_mem_populate(mem, 0x3000, PG));
	ASSERT_EQ(vsmmu_mem_map_host(mem, 0x2000, buf, 2 * PG), -EEXIST);
	ASSERT_FALSE(vsmmu_mem_present(mem, 0x2000, PG));
	ASSERT_EQ(vsmmu_mem_page_count(mem), 1);
	ASSERT_EQ(vsmmu_mem_unmap(mem, 0x2001, PG), -EINVAL);
	ASSERT_EQ(vsmmu_mem_unmap(mem, 0x2000, 0), -EINVAL);
	vsmmu_mem_destroy(mem);
	free(buf);
}

TEST(mem_unmap_then_remap)
{
	struct vsmmu_mem *mem;
	unsigned char *a = page_buf(2), *b = page_buf(2);
	uint64_t v;

	ASSERT_TRUE(a && b);
	a[0] = 1;
	b[0] = 2;
	ASSERT_OK(vsmmu_mem_create(36, &mem));
	ASSERT_OK(vsmmu_mem_map_host(mem, 0x40000, a, 2 * PG));
	ASSERT_OK(vsmmu_mem_read64(mem, 0x40000, &v));
	ASSERT_EQ(v, 1);
	/* Unmapping a larger range skips what is absent. */
	ASSERT_OK(vsmmu_mem_unmap(mem, 0x3f000, 4 * PG));
	ASSERT_EQ(vsmmu_mem_page_count(mem), 0);
	ASSERT_EQ(vsmmu_mem_read64(mem, 0x40000, &v), -EFAULT);
	ASSERT_OK(vsmmu_mem_map_host(mem, 0x40000, b, 2 * PG));
	ASSERT_OK(vsmmu_mem_read64(mem, 0x40000, &v));
	ASSERT_EQ(v, 2);
	/* Own pages can be unmapped too, and populated afresh (zeroed). */
	ASSERT_EQ(vsmmu_mem_write64(mem, 0x80000, 7), -EFAULT);
	ASSERT_OK(vsmmu_mem_populate(mem, 0x80000, PG));
	ASSERT_OK(vsmmu_mem_write64(mem, 0x80000, 7));
	ASSERT_OK(vsmmu_mem_unmap(mem, 0x80000, PG));
	ASSERT_EQ(vsmmu_mem_read64(mem, 0x80000, &v), -EFAULT);
	ASSERT_OK(vsmmu_mem_populate(mem, 0x80000, PG));
	ASSERT_OK(vsmmu_mem_read64(mem, 0x80000, &v));
	ASSERT_EQ(v, 0);
	vsmmu_mem_destroy(mem);
	free(a);
	free(b);
}

/*
 * An own page that is unmapped keeps its budget charge (its storage is
 * not reused before destroy), so populate/unmap cycles stop at the limit
 * instead of growing the process.
 */
TEST(mem_unmap_keeps_budget)
{
	struct vsmmu_mem *mem;
	unsigned int i;
	int rc = 0;

	ASSERT_OK(vsmmu_mem_create(36, &mem));
	ASSERT_OK(vsmmu_mem_set_limit(mem, 8 * PG));
	for (i = 0; i < 8; i++) {
		ASSERT_OK(vsmmu_mem_populate(mem, 0, PG));
		ASSERT_OK(vsmmu_mem_unmap(mem, 0, PG));
	}
	rc = vsmmu_mem_populate(mem, 0, PG);
	ASSERT_EQ(rc, -ENOMEM);
	vsmmu_mem_destroy(mem);
}

/* A guest-physical space: GPA ranges backed by host ranges. */
TEST(mem_alias_guest_view)
{
	struct vsmmu_mem *host, *guest;
	uint64_t v;
	uint32_t w;

	ASSERT_OK(vsmmu_mem_create(48, &host));
	ASSERT_OK(vsmmu_mem_create(40, &guest));
	ASSERT_OK(vsmmu_mem_populate(host, 0x800000000ULL, 4 * PG));
	/* GPA 0x0 -> HPA 0x800000000 (2 pages), GPA 0x100000 -> +0x2000. */
	ASSERT_OK(vsmmu_mem_map_alias(guest, 0, host, 0x800000000ULL, 2 * PG));
	ASSERT_OK(vsmmu_mem_map_alias(guest, 0x100000, host, 0x800002000ULL,
				      2 * PG));
	ASSERT_OK(vsmmu_mem_write64(guest, 0x1ff8, 0x1122334455667788ULL));
	ASSERT_OK(vsmmu_mem_read64(host, 0x800001ff8ULL, &v));
	ASSERT_EQ(v, 0x1122334455667788ULL);
	ASSERT_OK(vsmmu_mem_write32(host, 0x800002004ULL, 0xdeadbeef));
	ASSERT_OK(vsmmu_mem_read32(guest, 0x100004, &w));
	ASSERT_EQ(w, 0xdeadbeef);
	/* Between and beyond the ranges: absent. */
	ASSERT_EQ(vsmmu_mem_read64(guest, 0x2000, &v), -EFAULT);
	ASSERT_EQ(vsmmu_mem_read64(guest, 0x102000, &v), -EFAULT);
	ASSERT_EQ(vsmmu_mem_read32(guest, 0x10000000000ULL, &w), -EFAULT);
	/* The alias does not make host pages appear. */
	ASSERT_EQ(vsmmu_mem_page_count(host), 4);
	ASSERT_EQ(vsmmu_mem_page_count(guest), 4);
	vsmmu_mem_destroy(guest);
	ASSERT_OK(vsmmu_mem_read64(host, 0x800001ff8ULL, &v));
	ASSERT_EQ(v, 0x1122334455667788ULL);
	vsmmu_mem_destroy(host);
}

TEST(mem_alias_checks)
{
	struct vsmmu_mem *host, *guest;

	ASSERT_OK(vsmmu_mem_create(48, &host));
	ASSERT_OK(vsmmu_mem_create(40, &guest));
	ASSERT_OK(vsmmu_mem_populate(host, 0x10000, PG));
	/* A source page absent: nothing mapped. */
	ASSERT_EQ(vsmmu_mem_map_alias(guest, 0, host, 0x10000, 2 * PG),
		  -EFAULT);
	ASSERT_EQ(vsmmu_mem_page_count(guest), 0);
	ASSERT_EQ(vsmmu_mem_map_alias(guest, 0, guest, 0x10000, PG), -EINVAL);
	ASSERT_EQ(vsmmu_mem_map_alias(guest, 0x800, host, 0x10000, PG),
		  -EINVAL);
	ASSERT_EQ(vsmmu_mem_map_alias(guest, 0, host, 0x10800, PG), -EINVAL);
	/* Destination beyond the guest's 40 bits. */
	ASSERT_EQ(vsmmu_mem_map_alias(guest, 1ULL << 40, host, 0x10000, PG),
		  -EINVAL);
	ASSERT_OK(vsmmu_mem_map_alias(guest, 0, host, 0x10000, PG));
	ASSERT_EQ(vsmmu_mem_map_alias(guest, 0, host, 0x10000, PG), -EEXIST);
	vsmmu_mem_destroy(guest);
	vsmmu_mem_destroy(host);
}

struct flip_arg {
	struct vsmmu_mem *mem;
	unsigned char *a, *b;
	_Atomic int stop;
	unsigned int bad;
};

static void *flipper(void *p)
{
	struct flip_arg *f = p;
	unsigned int i;

	for (i = 0; i < 20000; i++) {
		vsmmu_mem_unmap(f->mem, 0x1000, PG);
		vsmmu_mem_map_host(f->mem, 0x1000, (i & 1) ? f->a : f->b, PG);
	}
	atomic_store(&f->stop, 1);
	return NULL;
}

/*
 * Readers racing with unmap/map of the page they read see one of the two
 * buffers' values or -EFAULT, nothing else (TSan checks the accesses).
 */
TEST(mem_map_unmap_races_readers)
{
	struct flip_arg f = { 0 };
	pthread_t t;
	uint64_t v;

	f.a = page_buf(1);
	f.b = page_buf(1);
	ASSERT_TRUE(f.a && f.b);
	memset(f.a, 0x11, PG);
	memset(f.b, 0x22, PG);
	ASSERT_OK(vsmmu_mem_create(32, &f.mem));
	ASSERT_OK(pthread_create(&t, NULL, flipper, &f));
	while (!atomic_load(&f.stop)) {
		int rc = vsmmu_mem_read64(f.mem, 0x1ff0, &v);

		if (rc == 0 && v != 0x1111111111111111ULL &&
		    v != 0x2222222222222222ULL)
			f.bad++;
		else if (rc && rc != -EFAULT)
			f.bad++;
	}
	pthread_join(t, NULL);
	ASSERT_EQ(f.bad, 0);
	vsmmu_mem_destroy(f.mem);
	free(f.a);
	free(f.b);
}
