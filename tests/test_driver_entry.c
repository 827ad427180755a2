// SPDX-License-Identifier: MIT
/*
 * The host driver's STE/CD builders and command encodings against values
 * worked out by hand.  (The hitless writer they feed is tested in
 * test_entry.c.)
 */
#include <errno.h>

#include <vsmmu/driver.h>

#include "driver/drv.h"
#include "harness.h"

static const struct vsmmu_pgtable_info pi_a = {
	.ttb = 0x123000,
	.tsz = 16,
	.sl0 = 2,
	.tg = 0,
	.ps = 5,
};
static const struct vsmmu_pgtable_info pi_b = {
	.ttb = 0x456000,
	.tsz = 16,
	.sl0 = 2,
	.tg = 0,
	.ps = 5,
};

struct stes {
	uint64_t abort[8], bypass[8], s1[8], s1b[8], s2[8], s2b[8];
};

static void make_stes(struct stes *s)
{
	drv_make_abort_ste(s->abort);
	drv_make_bypass_ste(s->bypass);
	drv_make_s1_ste(s->s1, 0x40000, 0, 0, 0);
	drv_make_s1_ste(s->s1b, 0x80000, 0, 0, 0);
	drv_make_s2_ste(s->s2, 3, &pi_a);
	drv_make_s2_ste(s->s2b, 4, &pi_b);
}

/*
 * Builders against encodings worked out by hand (spec 5.2, 5.4):
 * abort  dw0 = V(1) | Config 0 << 1                 = 0x1
 * bypass dw0 = V | Config 0b100 << 1 = 1 | 8        = 0x9,
 *        dw1 = SHCFG 1 << 44                        = 0x0000100000000000
 * S1     dw0 = V | 0b101 << 1 (0xa) | ptr 0x40000   = 0x4000b,
 *        dw1 = S1CIR 1 << 2 | S1COR 1 << 4 | S1CSH 3 << 6
 *            = 0x4 + 0x10 + 0xc0                    = 0xd4
 * S2     dw0 = V | 0b110 << 1                       = 0xd,
 *        dw2 = VMID 3 | S2T0SZ 16 << 32 | S2SL0 2 << 38 | S2IR0 1 << 40 |
 *              S2OR0 1 << 42 | S2SH0 3 << 44 | S2TG 0 | S2PS 5 << 48 |
 *              S2AA64 1 << 51 | S2PTW 1 << 54 | S2R 1 << 58
 *            high word: 0x10 | 0x80 | 0x100 | 0x400 | 0x3000 | 0x50000 |
 *              0x80000 | 0x400000 | 0x4000000 = 0x44d3590
 *            = 0x044d359000000003, dw3 = 0x123000
 */
TEST(drv_entry_builders_golden)
{
	struct stes s;

	make_stes(&s);
	ASSERT_EQ(s.abort[0], 0x1);
	ASSERT_EQ(s.abort[1], 0);
	ASSERT_EQ(s.bypass[0], 0x9);
	ASSERT_EQ(s.bypass[1], 0x0000100000000000ULL);
	ASSERT_EQ(s.s1[0], 0x4000bULL);
	ASSERT_EQ(s.s1[1], 0xd4);
	ASSERT_EQ(s.s2[0], 0xd);
	ASSERT_EQ(s.s2[2], 0x044d359000000003ULL);
	ASSERT_EQ(s.s2[3], 0x123000);
}

/*
 * CD for ASID 5 over pi_a: T0SZ 16 (0x10) | IRGN0 1 << 8 (0x100) |
 * ORGN0 1 << 10 (0x400) | SH0 3 << 12 (0x3000) | EPD1 1 << 30 | V 1 << 31
 * -> low word 0xc0003510; IPS 5 << 32 (0x5) | AA64 1 << 41 (0x200) |
 * R 1 << 45 (0x2000) | A 1 << 46 (0x4000) | ASET 1 << 47 (0x8000: an
 * ordinary DMA domain's ASID is not the CPUs') | ASID 5 << 48 (0x50000)
 * -> high word 0x5e205.  dw1 = TTB0 0x123000; dw3 = MAIR 0x0004ff44.
 */
TEST(drv_entry_cd_golden)
{
	uint64_t cd[8];

	drv_make_s1_cd(cd, 5, &pi_a);
	ASSERT_EQ(cd[0], 0x0005e205c0003510ULL);
	ASSERT_EQ(cd[1], 0x123000);
	ASSERT_EQ(cd[2], 0);
	ASSERT_EQ(cd[3], 0x0004ff44);
}

/*
 * SVA CD (Linux's arm_smmu_make_sva_cd) for ASID 5 over a process with
 * TTB0 0x123000, T0SZ 16, TG0 4K (0), IPS 5, MAIR 0x0404ff44, shared
 * (BTM: ASET 0) and stalling:
 *   low word as the stage-1 CD: 0xc0003510;
 *   high word IPS 0x5 | AA64 0x200 | S 1 << 44 (0x1000) | R 0x2000 |
 *   A 0x4000 | ASID 0x50000 = 0x57205.
 * Released, not shared: EPD0 1 << 14 (0x4000) | EPD1 | V -> 0xc0004000;
 *   high word AA64 0x200 | A 0x4000 | ASET 0x8000 | ASID 0x50000 =
 *   0x5c200; no TTB0, MAIR, R or S.
 */
TEST(drv_entry_sva_cd_golden)
{
	struct vsmmu_mm_info mi = {
		.ttb = 0x123000, .tsz = 16, .tg = 0, .ps = 5, .mair = 0x0404ff44
	};
	uint64_t cd[8];

	drv_make_sva_cd(cd, 5, &mi, true, true);
	ASSERT_EQ(cd[0], 0x00057205c0003510ULL);
	ASSERT_EQ(cd[1], 0x123000);
	ASSERT_EQ(cd[2], 0);
	ASSERT_EQ(cd[3], 0x0404ff44);
	drv_make_sva_cd(cd, 5, NULL, false, true);
	ASSERT_EQ(cd[0], 0x0005c200c0004000ULL);
	ASSERT_EQ(cd[1], 0);
	ASSERT_EQ(cd[3], 0);
}

/*
 * Command encodings by hand (spec 4.x):
 * TLBI_NH_VA ASID 5, NUM 1, SCALE 0, TG 1 (4K), TTL 3, LEAF, VA 0x10000000:
 *   dw0 = 0x12 | NUM 1 << 12 (0x1000) | ASID 5 << 48 = 0x0005000000001012
 *   dw1 = LEAF 1 | TTL 3 << 8 (0x300) | TG 1 << 10 (0x400) | 0x10000000
 *       = 0x10000701
 * CFGI_CD SID 0x12 SSID 3 LEAF: dw0 = 0x5 | 3 << 12 | 0x12 << 32
 *   = 0x0000001200003005, dw1 = 1
 * CFGI_ALL: CFGI_STE_RANGE (0x4) with RANGE 31: dw1 = 0x1f
 * TLBI_S2_IPA VMID 7, IPA 0x40000000: dw0 = 0x2a | 7 << 32
 *   = 0x000000070000002a, dw1 = 0x40000000
 */
TEST(drv_entry_cmd_golden)
{
	struct vsmmu_drv_cmd c = { .opcode = CMDQ_OP_TLBI_NH_VA,
				   .asid = 5,
				   .num = 1,
				   .tg = 1,
				   .ttl = 3,
				   .leaf = true,
				   .addr = 0x10000000 };
	uint64_t w[2];

	ASSERT_OK(vsmmu_drv_cmd_build(&c, w));
	ASSERT_EQ(w[0], 0x0005000000001012ULL);
	ASSERT_EQ(w[1], 0x10000701ULL);
	c = (struct vsmmu_drv_cmd){
		.opcode = CMDQ_OP_CFGI_CD, .sid = 0x12, .ssid = 3, .leaf = true
	};
	ASSERT_OK(vsmmu_drv_cmd_build(&c, w));
	ASSERT_EQ(w[0], 0x0000001200003005ULL);
	ASSERT_EQ(w[1], 1);
	c = (struct vsmmu_drv_cmd){ .opcode = CMDQ_OP_CFGI_STE_RANGE,
				    .range = 31 };
	ASSERT_OK(vsmmu_drv_cmd_build(&c, w));
	ASSERT_EQ(w[0], 0x4);
	ASSERT_EQ(w[1], 0x1f);
	c = (struct vsmmu_drv_cmd){ .opcode = CMDQ_OP_TLBI_S2_IPA,
				    .vmid = 7,
				    .addr = 0x40000000 };
	ASSERT_OK(vsmmu_drv_cmd_build(&c, w));
	ASSERT_EQ(w[0], 0x000000070000002aULL);
	ASSERT_EQ(w[1], 0x40000000);
	/* Fields that do not fit, unknown opcodes, CMD_SYNC: refused */
	c = (struct vsmmu_drv_cmd){ .opcode = CMDQ_OP_TLBI_NH_VA, .num = 32 };
	ASSERT_EQ(vsmmu_drv_cmd_build(&c, w), -EINVAL);
	c = (struct vsmmu_drv_cmd){ .opcode = 0xff };
	ASSERT_EQ(vsmmu_drv_cmd_build(&c, w), -EINVAL);
	c = (struct vsmmu_drv_cmd){ .opcode = CMDQ_OP_CMD_SYNC };
	ASSERT_EQ(vsmmu_drv_cmd_build(&c, w), -EINVAL);
}

/*
 * CMD_SYNC with MSI write-back to 0x10000040: dw0 = 0x46 | CS 1 << 12
 * (0x1000) | MSH 3 << 22 (0xc00000) | MSIAttr 0xf << 24 (0xf000000)
 * = 0x0fc01046; dw1 = 0x10000040.  Without MSI: 0x46, 0.
 */
TEST(drv_entry_sync_golden)
{
	uint64_t w[2];

	drv_build_sync(w, 0x10000040);
	ASSERT_EQ(w[0], 0x0fc01046ULL);
	ASSERT_EQ(w[1], 0x10000040ULL);
	drv_build_sync(w, 0);
	ASSERT_EQ(w[0], 0x46);
	ASSERT_EQ(w[1], 0);
}
