// SPDX-License-Identifier: MIT
/*
 * The CMDQV register names, offsets and fields of <vsmmu/decode.h>,
 * against offsets worked out by hand from the reference's table.
 */
#include <errno.h>
#include <strings.h>

#include <vsmmu/decode.h>

#include "harness.h"

struct cvd_seen {
	unsigned int n;
	const char *name[8];
	unsigned int hi[8], lo[8];
	uint64_t value[8];
};

static int cvd_collect(void *arg, const struct vsmmu_field *f)
{
	struct cvd_seen *s = arg;

	if (s->n < 8) {
		s->name[s->n] = f->name;
		s->hi[s->n] = f->hi;
		s->lo[s->n] = f->lo;
		s->value[s->n] = f->value;
	}
	s->n++;
	return 0;
}

TEST(cmdqv_decode_lookup_offsets)
{
	static const struct {
		const char *name;
		uint64_t off;
		unsigned int size;
	} t[] = {
		{ "CMDQV_CONFIG", 0x0, 4 },
		{ "cmdqv_param", 0x4, 4 },
		{ "TEGRA241_CMDQV_STATUS", 0x8, 4 },
		{ "VINTF_ERR_MAP", 0x14, 8 },
		{ "VINTF_INT_MASK", 0x1c, 8 },
		{ "CMDQ_ERR_MAP3", 0x30, 4 }, /* 0x24 + 4 * 3 */
		{ "CMDQ_ALLOC127", 0x3fc, 4 }, /* 0x200 + 4 * 127 */
		{ "VINTF0_CONFIG", 0x1000, 4 },
		{ "VINTF63_STATUS", 0x4f04, 4 }, /* 0x1000 + 0x3f00 + 4 */
		{ "VINTF1_SID_MATCH15", 0x117c, 4 }, /* 0x1100 + 0x40 + 60 */
		{ "VINTF1_SID_REPLACE0", 0x1180, 4 },
		{ "VINTF2_LVCMDQ_ERR_MAP1", 0x12c8, 8 }, /* 0x1200 + 0xc8 */
		{ "VCMDQ0_CONS", 0x10000, 4 },
		{ "VCMDQ127_GERRORN", 0x13f94,
		  4 }, /* 0x10000 + 0x3f80 + 0x14 */
		{ "VCMDQ3_BASE", 0x20180, 8 },
		{ "VCMDQ3_CONS_INDX_BASE", 0x20188, 8 },
		/* VINTF 1 logical: 0x30000 + 0x20000 = 0x50000, LVCMDQ 2 */
		{ "VINTF1_LVCMDQ2_PROD", 0x50104, 4 },
		{ "VINTF1_LVCMDQ2_BASE", 0x60100, 8 },
	};
	uint64_t off;
	unsigned int i, size;
	char buf[48];

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ASSERT_EQ(vsmmu_cmdqv_reg_lookup(t[i].name, &off, &size), 0);
		ASSERT_EQ(off, t[i].off);
		ASSERT_EQ(size, t[i].size);
		ASSERT_EQ(vsmmu_cmdqv_reg_name(t[i].off, buf, sizeof(buf)), 0);
		ASSERT_TRUE(!strcasecmp(buf, t[i].name) ||
			    !strcasecmp(buf, t[i].name + 9));
	}
	ASSERT_EQ(vsmmu_cmdqv_reg_lookup("VCMDQ128_CONS", &off, &size),
		  -ENOENT);
	ASSERT_EQ(vsmmu_cmdqv_reg_lookup("VINTF64_CONFIG", &off, &size),
		  -ENOENT);
	ASSERT_EQ(vsmmu_cmdqv_reg_lookup("VINTF1_SID_MATCH16", &off, &size),
		  -ENOENT);
	ASSERT_EQ(vsmmu_cmdqv_reg_lookup("CR0", &off, &size), -ENOENT);
	ASSERT_EQ(vsmmu_cmdqv_reg_lookup(NULL, &off, &size), -ENOENT);
	ASSERT_EQ(vsmmu_cmdqv_reg_name(0xc, buf, sizeof(buf)), -ENOENT);
	ASSERT_EQ(vsmmu_cmdqv_reg_name(0x10018, buf, sizeof(buf)), -ENOENT);
	ASSERT_EQ(vsmmu_cmdqv_reg_name(0x830000, buf, sizeof(buf)), -ENOENT);
}

TEST(cmdqv_decode_fields)
{
	struct cvd_seen s = { 0 };

	/* VINTF_CONFIG 0x2000b: HYP_OWN 1, VMID 5, EN 1 */
	ASSERT_EQ(vsmmu_decode_cmdqv_reg(0x1100, 0x2000b, cvd_collect, &s), 0);
	ASSERT_EQ(s.n, 3);
	ASSERT_STREQ(s.name[0], "HYP_OWN");
	ASSERT_EQ(s.value[0], 1);
	ASSERT_STREQ(s.name[1], "VMID");
	ASSERT_EQ(s.hi[1], 16);
	ASSERT_EQ(s.lo[1], 1);
	ASSERT_EQ(s.value[1], 5);
	ASSERT_STREQ(s.name[2], "EN");
	/* CMDQ_ALLOC 0x18005: VINTF 3 ([20:15]), LVCMDQ 2, ALLOCATED */
	memset(&s, 0, sizeof(s));
	ASSERT_EQ(vsmmu_decode_cmdqv_reg(0x200, 0x18005, cvd_collect, &s), 0);
	ASSERT_EQ(s.value[0], 3);
	ASSERT_EQ(s.value[1], 2);
	ASSERT_EQ(s.value[2], 1);
	/* SID_MATCH 0x41: VIRT_SID 0x20, EN */
	memset(&s, 0, sizeof(s));
	ASSERT_EQ(vsmmu_decode_cmdqv_reg(0x1040, 0x41, cvd_collect, &s), 0);
	ASSERT_STREQ(s.name[0], "VIRT_SID");
	ASSERT_EQ(s.value[0], 0x20);
	/* VCMDQ BASE 0x63008: ADDR 0x63000 in place, LOG2SIZE 8 */
	memset(&s, 0, sizeof(s));
	ASSERT_EQ(vsmmu_decode_cmdqv_reg(0x20000, 0x63008, cvd_collect, &s), 0);
	ASSERT_EQ(s.value[0], 0x63000);
	ASSERT_EQ(s.hi[0], 47);
	ASSERT_EQ(s.value[1], 8);
	/* a bit outside the fields of VCMDQ_CONFIG: reported as RES0 */
	memset(&s, 0, sizeof(s));
	ASSERT_EQ(vsmmu_decode_cmdqv_reg(0x10008, 0x3, cvd_collect, &s), 0);
	ASSERT_EQ(s.n, 2);
	ASSERT_STREQ(s.name[1], "RES0");
	ASSERT_EQ(vsmmu_decode_cmdqv_reg(0xc, 0, cvd_collect, &s), -ENOENT);
}
