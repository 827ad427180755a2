// SPDX-License-Identifier: MIT
/*
 * The iommufd layer's commands through vsmmu_iommufd_ioctl(): the
 * size-first rules of every command, the IOAS (user memory, automatic
 * IOVAs, unmap, copy, allowed and reserved ranges, options), devices and
 * paging HWPTs (DMA landing in the caller's buffer, blocks, unmap
 * invalidated), GET_HW_INFO, the MSI window and the doorbell.  Expected
 * errnos are Linux's (drivers/iommu/iommufd/), as the comments say where.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <vsmmu/arch.h>
#include <vsmmu/bits.h>

#include "harness.h"
#include "iommufd_env.h"

#define PG 4096ULL
#define RW (IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE)
#define FIXED (RW | IOMMU_IOAS_MAP_FIXED_IOVA)

/* --- Size-first rules ------------------------------------------------- */

/*
 * Each command's structure size, its minimum (the end of the field named
 * in Linux's IOCTL_OP() table, worked out by hand) and what the command
 * returns for an all-zero structure on a fresh context.
 */
static const struct size_case {
	const char *name;
	unsigned long cmd;
	uint32_t size, min;
	int zero_rc;
} size_cases[] = {
	{ "DESTROY", IOMMU_DESTROY, 8, 8, -ENOENT },
	{ "IOAS_ALLOC", IOMMU_IOAS_ALLOC, 12, 12, 0 },
	{ "IOAS_ALLOW_IOVAS", IOMMU_IOAS_ALLOW_IOVAS, 24, 24, -ENOENT },
	{ "IOAS_COPY", IOMMU_IOAS_COPY, 40, 40, -EINVAL },
	{ "IOAS_IOVA_RANGES", IOMMU_IOAS_IOVA_RANGES, 32, 32, -ENOENT },
	{ "IOAS_MAP", IOMMU_IOAS_MAP, 40, 40, -EINVAL },
	{ "IOAS_UNMAP", IOMMU_IOAS_UNMAP, 24, 24, -ENOENT },
	{ "OPTION", IOMMU_OPTION, 24, 24, 0 },
	{ "VFIO_IOAS", IOMMU_VFIO_IOAS, 12, 12, -ENODEV },
	{ "HWPT_ALLOC", IOMMU_HWPT_ALLOC, 48, 24, -ENOENT },
	{ "GET_HW_INFO", IOMMU_GET_HW_INFO, 40, 32, -ENOENT },
	{ "HWPT_SET_DIRTY_TRACKING", IOMMU_HWPT_SET_DIRTY_TRACKING, 16, 16,
	  -ENOENT },
	{ "HWPT_GET_DIRTY_BITMAP", IOMMU_HWPT_GET_DIRTY_BITMAP, 48, 48,
	  -ENOENT },
	{ "HWPT_INVALIDATE", IOMMU_HWPT_INVALIDATE, 32, 32, -ENOENT },
	{ "FAULT_QUEUE_ALLOC", IOMMU_FAULT_QUEUE_ALLOC, 16, 16, 0 },
	{ "IOAS_MAP_FILE", IOMMU_IOAS_MAP_FILE, 40, 40, -EINVAL },
	{ "VIOMMU_ALLOC", IOMMU_VIOMMU_ALLOC, 40, 24, -EOPNOTSUPP },
	{ "VDEVICE_ALLOC", IOMMU_VDEVICE_ALLOC, 24, 24, -ENOENT },
	{ "IOAS_CHANGE_PROCESS", IOMMU_IOAS_CHANGE_PROCESS, 8, 8, 0 },
	{ "VEVENTQ_ALLOC", IOMMU_VEVENTQ_ALLOC, 32, 28, -EOPNOTSUPP },
	{ "HW_QUEUE_ALLOC", IOMMU_HW_QUEUE_ALLOC, 40, 40, -EOPNOTSUPP },
};

/* Undo what a successful all-zero command made. */
static void undo_zero(struct ienv *e, const struct size_case *c,
		      const unsigned char *buf)
{
	uint32_t id = 0;

	if (c->cmd == IOMMU_IOAS_ALLOC)
		memcpy(&id, buf + 8, 4);
	if (c->cmd == IOMMU_FAULT_QUEUE_ALLOC) {
		int fd;

		memcpy(&id, buf + 8, 4);
		memcpy(&fd, buf + 12, 4);
		close(fd);
	}
	if (id)
		ienv_destroy(e, id);
}

TEST(iommufd_size_rules_every_command)
{
	struct ienv e;
	unsigned int i;

	ASSERT_OK(ienv_init(&e, NULL));
	for (i = 0; i < VS_ARRAY_SIZE(size_cases); i++) {
		const struct size_case *c = &size_cases[i];
		unsigned char buf[128];
		uint32_t sz;
		int rc;

		/* Below the minimum: EINVAL */
		memset(buf, 0, sizeof(buf));
		sz = c->min - 1;
		memcpy(buf, &sz, 4);
		ASSERT_EQ(ienv_ioctl(&e, c->cmd, buf), -EINVAL);
		/* size - 1: EINVAL unless the command grew past its minimum,
		 * when the missing byte reads as zero */
		sz = c->size - 1;
		memcpy(buf, &sz, 4);
		rc = ienv_ioctl(&e, c->cmd, buf);
		if (c->size - 1 < c->min) {
			ASSERT_EQ(rc, -EINVAL);
		} else {
			ASSERT_EQ(rc, c->zero_rc);
			if (!rc)
				undo_zero(&e, c, buf);
		}
		/* Exactly the size: the command runs */
		memset(buf, 0, sizeof(buf));
		sz = c->size;
		memcpy(buf, &sz, 4);
		rc = ienv_ioctl(&e, c->cmd, buf);
		if (rc != c->zero_rc)
			printf("# %s: %d\n", c->name, rc);
		ASSERT_EQ(rc, c->zero_rc);
		if (!rc)
			undo_zero(&e, c, buf);
		/* size + 1, the extra byte zero: the same */
		memset(buf, 0, sizeof(buf));
		sz = c->size + 1;
		memcpy(buf, &sz, 4);
		rc = ienv_ioctl(&e, c->cmd, buf);
		ASSERT_EQ(rc, c->zero_rc);
		if (!rc)
			undo_zero(&e, c, buf);
		/* size + 1, the extra byte set: E2BIG, before anything runs */
		memset(buf, 0, sizeof(buf));
		buf[c->size] = 1;
		memcpy(buf, &sz, 4);
		ASSERT_EQ(ienv_ioctl(&e, c->cmd, buf), -E2BIG);
		/* A non-zero byte far past the end: also E2BIG */
		memset(buf, 0, sizeof(buf));
		buf[120] = 0x80;
		sz = 121;
		memcpy(buf, &sz, 4);
		ASSERT_EQ(ienv_ioctl(&e, c->cmd, buf), -E2BIG);
	}
	ienv_fini(&e);
}

TEST(iommufd_unknown_commands_and_bad_pointers)
{
	struct iommu_destroy d = { .size = sizeof(d) };
	struct ienv e;

	ASSERT_OK(ienv_init(&e, NULL));
	/* Not an iommufd command number: ENOTTY */
	ASSERT_EQ(ienv_ioctl(&e, 0x3b7f, &d), -ENOTTY);
	ASSERT_EQ(ienv_ioctl(&e, 0x3b95, &d), -ENOTTY);
	ASSERT_EQ(ienv_ioctl(&e, 0x3c80, &d), -ENOTTY);
	ASSERT_EQ(ienv_ioctl(&e, 0x40083b80, &d), -ENOTTY);
	ASSERT_EQ(ienv_ioctl(&e, 0, &d), -ENOTTY);
	/* The argument itself unreadable: EFAULT (get_user of the size) */
	ASSERT_EQ(ienv_ioctl(&e, IOMMU_DESTROY, NULL), -EFAULT);
	ASSERT_EQ(ienv_ioctl(&e, IOMMU_DESTROY, (void *)16), -EFAULT);
	ienv_fini(&e);
}

/* --- IOAS ---------------------------------------------------------------- */

TEST(iommufd_ioas_map_errnos)
{
	struct iommu_ioas_map m;
	struct ienv e;
	uint32_t ioas;
	uint64_t iova;
	char *buf = ienv_buf(PG, 4 * PG), *ro;

	ASSERT_TRUE(buf);
	ASSERT_OK(ienv_init(&e, NULL));
	ASSERT_OK(ienv_ioas(&e, &ioas));
	{
		struct iommu_ioas_alloc a = { .size = sizeof(a), .flags = 1 };

		ASSERT_EQ(ienv_ioctl(&e, IOMMU_IOAS_ALLOC, &a), -EOPNOTSUPP);
	}
	/* ioas_map(): unknown flags or __reserved: EOPNOTSUPP */
	iova = 0x100000;
	ASSERT_EQ(ienv_map(&e, ioas, buf, PG, &iova, FIXED | 8), -EOPNOTSUPP);
	m = (struct iommu_ioas_map){ .size = sizeof(m),
				     .flags = FIXED,
				     .ioas_id = ioas,
				     .__reserved = 1,
				     .user_va = (uintptr_t)buf,
				     .length = PG,
				     .iova = 0x100000 };
	ASSERT_EQ(ienv_ioctl(&e, IOMMU_IOAS_MAP, &m), -EOPNOTSUPP);
	/* iova or length >= ULONG_MAX: EOVERFLOW */
	iova = UINT64_MAX;
	ASSERT_EQ(ienv_map(&e, ioas, buf, PG, &iova, FIXED), -EOVERFLOW);
	iova = 0x100000;
	ASSERT_EQ(ienv_map(&e, ioas, buf, UINT64_MAX, &iova, FIXED),
		  -EOVERFLOW);
	/* Neither READABLE nor WRITEABLE: EINVAL */
	ASSERT_EQ(ienv_map(&e, ioas, buf, PG, &iova, IOMMU_IOAS_MAP_FIXED_IOVA),
		  -EINVAL);
	/* Not an IOAS: ENOENT */
	ASSERT_EQ(ienv_map(&e, ioas + 100, buf, PG, &iova, FIXED), -ENOENT);
	ASSERT_EQ(ienv_map(&e, 0, buf, PG, &iova, FIXED), -ENOENT);
	/* iopt_alloc_pages(): length 0: EINVAL; user range wraps */
	ASSERT_EQ(ienv_map(&e, ioas, buf, 0, &iova, FIXED), -EINVAL);
	ASSERT_EQ(ienv_map(&e, ioas, (void *)(uintptr_t)(UINT64_MAX - PG + 1),
			   2 * PG, &iova, FIXED),
		  -EOVERFLOW);
	/* Memory that is not mapped: EFAULT (the pin fails) */
	ro = mmap(NULL, 2 * PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(ro != MAP_FAILED);
	ASSERT_OK(munmap(ro + PG, PG));
	ASSERT_EQ(ienv_map(&e, ioas, ro, 2 * PG, &iova, FIXED), -EFAULT);
	/* Read-only memory: writable mapping EFAULT, read-only fine */
	ASSERT_EQ(ienv_map(&e, ioas, ro, PG, &iova, FIXED), -EFAULT);
	ASSERT_OK(
		ienv_map(&e, ioas, ro, PG, &iova,
			 IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_FIXED_IOVA));
	/* The range is now used: EEXIST (iopt_check_iova) */
	ASSERT_EQ(ienv_map(&e, ioas, buf, PG, &iova, FIXED), -EEXIST);
	iova = 0x100000 - PG;
	ASSERT_EQ(ienv_map(&e, ioas, buf, 2 * PG, &iova, FIXED), -EEXIST);
	ASSERT_OK(ienv_unmap(&e, ioas, 0, UINT64_MAX, NULL));
	munmap(ro, PG);
	ienv_fini(&e);
	free(buf);
}

TEST(iommufd_ioas_auto_iova)
{
	struct ienv e;
	uint32_t ioas;
	uint64_t iova, done;
	char *buf = ienv_buf(1 << 16, 1 << 17);

	ASSERT_TRUE(buf);
	ASSERT_OK(ienv_init(&e, NULL));
	ASSERT_OK(ienv_ioas(&e, &ioas));
	/*
	 * iopt_alloc_iova(): alignment min(roundup_pow_of_two(64K), lowest
	 * set bit of a 64K-aligned user address) = 64K, the lowest hole at
	 * or above PAGE_SIZE: 0x10000.
	 */
	ASSERT_OK(ienv_map(&e, ioas, buf, 1 << 16, &iova, RW));
	ASSERT_EQ(iova, 0x10000);
	/* 4K at a user address whose lowest set bit is 4K: 0x1000 */
	ASSERT_OK(ienv_map(&e, ioas, buf + (1 << 16) + PG, PG, &iova, RW));
	ASSERT_EQ(iova, 0x1000);
	/* 8K at an 8K-aligned user address: 0x2000 (0x1000 is taken) */
	ASSERT_OK(ienv_map(&e, ioas, buf + (1 << 16) + 2 * PG, 2 * PG, &iova,
			   RW));
	ASSERT_EQ(iova, 0x2000);
	/*
	 * Sub-page (no page table yet, so the IOAS alignment is 1): the
	 * alignment is min(0x40, 0x80) and the user address's offset in its
	 * page (0x80) is kept: the first hole is [0x4000, 0xffff], giving
	 * ALIGN(0x4000, 0x40) | 0x80.
	 */
	ASSERT_OK(ienv_map(&e, ioas, buf + (1 << 16) + 4 * PG + 0x80, 0x40,
			   &iova, RW));
	ASSERT_EQ(iova, 0x4080);
	/* Unmap everything: the bytes of every mapping */
	ASSERT_OK(ienv_unmap(&e, ioas, 0, UINT64_MAX, &done));
	ASSERT_EQ(done, (1 << 16) + PG + 2 * PG + 0x40);
	/* Unmap-all of nothing succeeds with 0 */
	ASSERT_OK(ienv_unmap(&e, ioas, 0, UINT64_MAX, &done));
	ASSERT_EQ(done, 0);
	ienv_fini(&e);
	free(buf);
}

TEST(iommufd_ioas_unmap_rules)
{
	struct ienv e;
	uint32_t ioas;
	uint64_t iova, done;
	char *buf = ienv_buf(PG, 8 * PG);

	ASSERT_TRUE(buf);
	ASSERT_OK(ienv_init(&e, NULL));
	ASSERT_OK(ienv_ioas(&e, &ioas));
	iova = 0x100000;
	ASSERT_OK(ienv_map(&e, ioas, buf, 2 * PG, &iova, FIXED));
	iova = 0x102000;
	ASSERT_OK(ienv_map(&e, ioas, buf + 2 * PG, 2 * PG, &iova, FIXED));
	/* Part of a mapping: ENOENT, nothing unmapped */
	ASSERT_EQ(ienv_unmap(&e, ioas, 0x100000, PG, NULL), -ENOENT);
	ASSERT_EQ(ienv_unmap(&e, ioas, 0x101000, 2 * PG, NULL), -ENOENT);
	/* Nothing there: ENOENT; length 0: EINVAL; wrap: EOVERFLOW */
	ASSERT_EQ(ienv_unmap(&e, ioas, 0x200000, PG, NULL), -ENOENT);
	ASSERT_EQ(ienv_unmap(&e, ioas, 0x100000, 0, NULL), -EINVAL);
	ASSERT_EQ(ienv_unmap(&e, ioas, UINT64_MAX - PG, 2 * PG, NULL),
		  -EOVERFLOW);
	ASSERT_EQ(ienv_unmap(&e, ioas + 7, 0x100000, PG, NULL), -ENOENT);
	/* A superset of both: the bytes come back */
	ASSERT_OK(ienv_unmap(&e, ioas, 0xff000, 6 * PG, &done));
	ASSERT_EQ(done, 4 * PG);
	ASSERT_EQ(ienv_unmap(&e, ioas, 0x100000, 4 * PG, NULL), -ENOENT);
	ienv_fini(&e);
	free(buf);
}

TEST(iommufd_ioas_iova_ranges_and_allow)
{
	struct iommu_iova_range r[4];
	struct iommu_ioas_iova_ranges q = { .size = sizeof(q) };
	struct iommu_ioas_allow_iovas a = { .size = sizeof(a) };
	struct ienv e;
	uint32_t ioas;
	uint64_t iova;
	char *buf = ienv_buf(PG, PG);

	ASSERT_OK(ienv_init(&e, NULL));
	ASSERT_OK(ienv_ioas(&e, &ioas));
	/* A fresh IOAS: one range, everything, alignment 1 */
	q.ioas_id = ioas;
	q.num_iovas = 0;
	q.allowed_iovas = (uintptr_t)r;
	ASSERT_EQ(ienv_ioctl(&e, IOMMU_IOAS_IOVA_RANGES, &q), -EMSGSIZE);
	ASSERT_EQ(q.num_iovas, 1);
	ASSERT_EQ(q.out_iova_alignment, 1);
	q.num_iovas = 4;
	ASSERT_OK(ienv_ioctl(&e, IOMMU_IOAS_IOVA_RANGES, &q));
	ASSERT_EQ(q.num_iovas, 1);
	ASSERT_EQ(r[0].start, 0);
	ASSERT_EQ(r[0].last, UINT64_MAX);
	q.__reserved = 1;
	ASSERT_EQ(ienv_ioctl(&e, IOMMU_IOAS_IOVA_RANGES, &q), -EOPNOTSUPP);
	q.__reserved = 0;
	q.ioas_id = 0;
	ASSERT_EQ(ienv_ioctl(&e, IOMMU_IOAS_IOVA_RANGES, &q), -ENOENT);
	/* ALLOW_IOVAS: start >= last, or overlapping: EINVAL */
	a.ioas_id = ioas;
	a.allowed_iovas = (uintptr_t)r;
	a.num_iovas = 1;
	r[0] = (struct iommu_iova_range){ 0x5000, 0x5000 };
	ASSERT_EQ(ienv_ioctl(&e, IOMMU_IOAS_ALLOW_IOVAS, &a), -EINVAL);
	r[0] = (struct iommu_iova_range){ 0x400000, 0x4fffff };
	r[1] = (struct iommu_iova_range){ 0x4ff000, 0x5fffff };
	a.num_iovas = 2;
	ASSERT_EQ(ienv_ioctl(&e, IOMMU_IOAS_ALLOW_IOVAS, &a), -EINVAL);
	a.allowed_iovas = 8;
	ASSERT_EQ(ienv_ioctl(&e, IOMMU_IOAS_ALLOW_IOVAS, &a), -EFAULT);
	a.allowed_iovas = (uintptr_t)r;
	a.__reserved = 1;
	ASSERT_EQ(ienv_ioctl(&e, IOMMU_IOAS_ALLOW_IOVAS, &a), -EOPNOTSUPP);
	a.__reserved = 0;
	/* Automatic IOVAs then come from the allowed ranges only */
	r[1] = (struct iommu_iova_range){ 0x900000, 0x9fffff };
	ASSERT_OK(ienv_ioctl(&e, IOMMU_IOAS_ALLOW_IOVAS, &a));
	ASSERT_OK(ienv_map(&e, ioas, buf, PG, &iova, RW));
	ASSERT_EQ(iova, 0x400000);
	/* The allowed ranges do not change IOVA_RANGES */
	q.ioas_id = ioas;
	q.num_iovas = 4;
	ASSERT_OK(ienv_ioctl(&e, IOMMU_IOAS_IOVA_RANGES, &q));
	ASSERT_EQ(q.num_iovas, 1);
	ASSERT_OK(ienv_unmap(&e, ioas, 0, UINT64_MAX, NULL));
	ienv_fini(&e);
	free(buf);
}

TEST(iommufd_ioas_copy)
{
	struct iommu_ioas_copy c = { .size = sizeof(c) };
	struct ienv e;
	uint32_t src, dst;
	uint64_t iova, done;
	char *buf = ienv_buf(PG, 4 * PG);
	char *ro =
		mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_TRUE(buf && ro != MAP_FAILED);
	ASSERT_OK(ienv_init(&e, NULL));
	ASSERT_OK(ienv_ioas(&e, &src));
	ASSERT_OK(ienv_ioas(&e, &dst));
	iova = 0x100000;
	ASSERT_OK(ienv_map(&e, src, buf, 4 * PG, &iova, FIXED));
	iova = 0x200000;
	ASSERT_OK(
		ienv_map(&e, src, ro, PG, &iova,
			 IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_FIXED_IOVA));
	c.flags = FIXED;
	c.src_ioas_id = src;
	c.dst_ioas_id = dst;
	c.src_iova = 0x101000;
	c.length = 2 * PG;
	c.dst_iova = 0x500000;
	/* A piece of a mapping may be copied */
	ASSERT_OK(ienv_ioctl(&e, IOMMU_IOAS_COPY, &c));
	/* Not covered by the source: ENOENT */
	c.src_iova = 0x103000;
	c.dst_iova = 0x600000;
	ASSERT_EQ(ienv_ioctl(&e, IOMMU_IOAS_COPY, &c), -ENOENT);
	/* Writable copy of read-only pages: EPERM (iopt_insert_area) */
	c.src_iova = 0x200000;
	c.length = PG;
	ASSERT_EQ(ienv_ioctl(&e, IOMMU_IOAS_COPY, &c), -EPERM);
	c.flags = IOMMU_IOAS_MAP_READABLE;
	ASSERT_OK(ienv_ioctl(&e, IOMMU_IOAS_COPY, &c));
	ASSERT_EQ(c.dst_iova, 0x1000); /* the lowest free 4K-aligned hole */
	/* Errnos before anything */
	c.flags = 0;
	ASSERT_EQ(ienv_ioctl(&e, IOMMU_IOAS_COPY, &c), -EINVAL);
	c.flags = 0x80 | RW;
	ASSERT_EQ(ienv_ioctl(&e, IOMMU_IOAS_COPY, &c), -EOPNOTSUPP);
	c.flags = RW;
	c.length = 0;
	ASSERT_EQ(ienv_ioctl(&e, IOMMU_IOAS_COPY, &c), -EINVAL);
	c.length = PG;
	c.src_ioas_id = 999;
	ASSERT_EQ(ienv_ioctl(&e, IOMMU_IOAS_COPY, &c), -ENOENT);
	/* The pages are shared: unmapping the source keeps the copy */
	ASSERT_OK(ienv_unmap(&e, src, 0, UINT64_MAX, &done));
	ASSERT_EQ(done, 5 * PG);
	ASSERT_OK(ienv_unmap(&e, dst, 0, UINT64_MAX, &done));
	ASSERT_EQ(done, 3 * PG);
	ienv_fini(&e);
	munmap(ro, PG);
	free(buf);
}

TEST(iommufd_options)
{
	struct iommu_option o = { .size = sizeof(o) };
	struct ienv e;
	uint32_t ioas;

	ASSERT_OK(ienv_init(&e, NULL));
	/* RLIMIT_MODE: a context option (object_id 0) */
	o.option_id = IOMMU_OPTION_RLIMIT_MODE;
	o.op = IOMMU_OPTION_OP_SET;
	o.val64 = 1;
	ASSERT_OK(ienv_ioctl(&e, IOMMU_OPTION, &o));
	o.op = IOMMU_OPTION_OP_GET;
	o.val64 = 7;
	ASSERT_OK(ienv_ioctl(&e, IOMMU_OPTION, &o));
	ASSERT_EQ(o.val64, 1);
	o.op = IOMMU_OPTION_OP_SET;
	o.val64 = 2;
	ASSERT_EQ(ienv_ioctl(&e, IOMMU_OPTION, &o), -EINVAL);
	o.object_id = 1;
	ASSERT_EQ(ienv_ioctl(&e, IOMMU_OPTION, &o), -EOPNOTSUPP);
	o.object_id = 0;
	o.op = 2;
	ASSERT_EQ(ienv_ioctl(&e, IOMMU_OPTION, &o), -EOPNOTSUPP);
	o.op = IOMMU_OPTION_OP_SET;
	o.__reserved = 1;
	ASSERT_EQ(ienv_ioctl(&e, IOMMU_OPTION, &o), -EOPNOTSUPP);
	o.__reserved = 0;
	o.option_id = 9;
	ASSERT_EQ(ienv_ioctl(&e, IOMMU_OPTION, &o), -EOPNOTSUPP);
	/* Once an object exists the mode is fixed: EBUSY */
	ASSERT_OK(ienv_ioas(&e, &ioas));
	o.option_id = IOMMU_OPTION_RLIMIT_MODE;
	o.val64 = 0;
	ASSERT_EQ(ienv_ioctl(&e, IOMMU_OPTION, &o), -EBUSY);
	/* HUGE_PAGES: per IOAS, 1 by default */
	o.option_id = IOMMU_OPTION_HUGE_PAGES;
	o.op = IOMMU_OPTION_OP_GET;
	o.object_id = ioas;
	ASSERT_OK(ienv_ioctl(&e, IOMMU_OPTION, &o));
	ASSERT_EQ(o.val64, 1);
	o.op = IOMMU_OPTION_OP_SET;
	o.val64 = 0;
	ASSERT_OK(ienv_ioctl(&e, IOMMU_OPTION, &o));
	o.val64 = 2;
	ASSERT_EQ(ienv_ioctl(&e, IOMMU_OPTION, &o), -EINVAL);
	o.op = IOMMU_OPTION_OP_GET;
	ASSERT_OK(ienv_ioctl(&e, IOMMU_OPTION, &o));
	ASSERT_EQ(o.val64, 0);
	o.object_id = ioas + 1;
	ASSERT_EQ(ienv_ioctl(&e, IOMMU_OPTION, &o), -ENOENT);
	/* VFIO_IOAS: set, get, clear */
	{
		struct iommu_vfio_ioas v = { .size = sizeof(v) };

		v.op = IOMMU_VFIO_IOAS_SET;
		v.ioas_id = ioas + 5;
		ASSERT_EQ(ienv_ioctl(&e, IOMMU_VFIO_IOAS, &v), -ENOENT);
		v.ioas_id = ioas;
		ASSERT_OK(ienv_ioctl(&e, IOMMU_VFIO_IOAS, &v));
		v.op = IOMMU_VFIO_IOAS_GET;
		v.ioas_id = 0;
		ASSERT_OK(ienv_ioctl(&e, IOMMU_VFIO_IOAS, &v));
		ASSERT_EQ(v.ioas_id, ioas);
		v.op = IOMMU_VFIO_IOAS_CLEAR;
		ASSERT_OK(ienv_ioctl(&e, IOMMU_VFIO_IOAS, &v));
		v.op = IOMMU_VFIO_IOAS_GET;
		ASSERT_EQ(ienv_ioctl(&e, IOMMU_VFIO_IOAS, &v), -ENODEV);
		v.op = 3;
		ASSERT_EQ(ienv_ioctl(&e, IOMMU_VFIO_IOAS, &v), -EOPNOTSUPP);
	}
	ienv_fini(&e);
}

/* --- Devices and paging HWPTs ------------------------------------------- */

#define SID 0x42

TEST(iommufd_device_dma_lands_in_user_buffer)
{
	struct ienv e;
	uint32_t ioas, dev, pt;
	uint64_t iova = 0x40000000, done;
	unsigned char *buf = ienv_buf(PG, 4 * PG), data[64], back[64];
	unsigned int i;

	ASSERT_TRUE(buf);
	ASSERT_OK(ienv_init(&e, NULL));
	ASSERT_OK(ienv_ioas(&e, &ioas));
	ASSERT_OK(ienv_bind(&e, 0, SID, &dev));
	/* Bound but not attached: blocked (the STE aborts) */
	ASSERT_EQ(ienv_dma(&e, dev, iova, data, 8, true), -EIO);
	/* The binder holds the device: DESTROY is EBUSY */
	ASSERT_EQ(ienv_destroy(&e, dev), -EBUSY);
	ASSERT_OK(ienv_map(&e, ioas, buf, 4 * PG, &iova, FIXED));
	pt = ioas;
	ASSERT_OK(vsmmu_iommufd_device_attach(e.ictx, dev, &pt));
	ASSERT_NE(pt, ioas); /* the automatic HWPT */
	/* Device writes land in the caller's own buffer, and reads see it */
	for (i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 7 + 1);
	ASSERT_OK(ienv_dma(&e, dev, iova + PG - 16, data, sizeof(data), true));
	ASSERT_TRUE(!memcmp(buf + PG - 16, data, sizeof(data)));
	buf[3 * PG + 5] = 0x5a;
	ASSERT_OK(ienv_dma(&e, dev, iova + 3 * PG, back, 8, false));
	ASSERT_EQ(back[5], 0x5a);
	/* Outside the mapping: an F_TRANSLATION event, the DMA faults */
	{
		struct vsmmu_iommufd_dma op = { .iova = iova + 4 * PG,
						.buf = data,
						.len = 8 };

		ASSERT_EQ(vsmmu_iommufd_dma(e.ictx, dev, &op), -EFAULT);
		ASSERT_EQ(VS_FIELD_GET(EVTQ_0_ID, op.evt[0]),
			  EVT_ID_TRANSLATION);
		ASSERT_EQ(VS_FIELD_GET(EVTQ_0_SID, op.evt[0]), SID);
		ASSERT_EQ(op.evt[2], iova + 4 * PG);
		ASSERT_TRUE(op.event_recorded);
	}
	/* Unmap is invalidated before it returns: the next DMA faults, not
	 * served from the IOTLB entry the first DMA made */
	ASSERT_OK(ienv_dma(&e, dev, iova, back, 8, false));
	ASSERT_OK(ienv_unmap(&e, ioas, iova, 4 * PG, &done));
	ASSERT_EQ(done, 4 * PG);
	ASSERT_EQ(ienv_dma(&e, dev, iova, back, 8, false), -EFAULT);
	/* The automatic HWPT is in use: DESTROY EBUSY; the IOAS too */
	ASSERT_EQ(ienv_destroy(&e, pt), -EBUSY);
	ASSERT_EQ(ienv_destroy(&e, ioas), -EBUSY);
	/* Detach: blocked again; the automatic HWPT is gone */
	ASSERT_OK(vsmmu_iommufd_device_detach(e.ictx, dev));
	ASSERT_EQ(vsmmu_iommufd_device_detach(e.ictx, dev), -EINVAL);
	ASSERT_EQ(ienv_destroy(&e, pt), -ENOENT);
	ASSERT_OK(vsmmu_iommufd_device_unbind(e.ictx, dev));
	ASSERT_EQ(vsmmu_iommufd_device_unbind(e.ictx, dev), -ENOENT);
	ASSERT_OK(ienv_destroy(&e, ioas));
	ienv_fini(&e);
	free(buf);
}
