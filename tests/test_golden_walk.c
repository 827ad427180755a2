// SPDX-License-Identifier: MIT
/*
 * Golden tests of the SMMUv3 translation model, through the public API only.
 *
 * Every STE, CD, L1 descriptor, translation table descriptor and expected
 * event word below is a literal worked out by hand from the bit positions
 * in the architecture (docs: shared reference smmuv3.md, checked against
 * Arm IHI 0070 chapters 5 and 7); the comment next to each shows the sum.
 * Nothing is built with include/vsmmu/arch.h or the page-table library, so
 * a wrong mask there cannot agree with itself here.
 *
 * Field positions used throughout (bit numbers within the 64-bit dword):
 *
 *   STE dw0  V 0, Config[3:1] (100 bypass, 101 S1, 110 S2, 111 nested),
 *            S1Fmt[5:4], S1ContextPtr[51:6], S1CDMax[63:59]
 *   STE dw1  S1DSS[1:0], PRIVCFG[49:48], INSTCFG[51:50]
 *   STE dw2  S2VMID[15:0] S2T0SZ[37:32] S2SL0[39:38] S2IR0[41:40]
 *            S2OR0[43:42] S2SH0[45:44] S2TG[47:46] S2PS[50:48] S2AA64 51
 *            S2R 58
 *   STE dw3  S2TTB[51:4]
 *   CD  dw0  T0SZ[5:0] TG0[7:6] IR0[9:8] OR0[11:10] SH0[13:12] EPD0 14
 *            T1SZ[21:16] TG1[23:22] EPD1 30 V 31 IPS[34:32] AFFD 35
 *            AA64 41 HD 42 HA 43 R 45 A 46 ASID[63:48]
 *   CD  dw1  TTB0[51:4];  dw2 TTB1[51:4]
 *   event dw0 ID[7:0] SSV 11 SSID[31:12] SID[63:32]
 *         dw1 PnU 33 InD 34 RnW 35 S2 39 CLASS[41:40] (0 CD, 1 TT, 2 IN)
 *         dw2 InputAddr; dw3 IPA[51:12] or FetchAddr[51:3]
 *
 * The standard CD used by most stage-1 tests ("CD_STD"):
 *   T0SZ 16 (0x10) | TG0 4K (0) | IR0 WBWA 1<<8 (0x100) | OR0 WBWA 1<<10
 *   (0x400) | SH0 inner 3<<12 (0x3000) | EPD1 1<<30 (0x4000_0000) |
 *   V 1<<31 (0x8000_0000) | IPS 48-bit 5<<32 (0x5_0000_0000) |
 *   AA64 1<<41 (0x200_0000_0000) | R 1<<45 (0x2000_0000_0000) |
 *   A 1<<46 (0x4000_0000_0000) | ASID 1<<48 (0x1_0000_0000_0000)
 *   = 0x0001_6205_c000_3510
 * Like the Linux driver's CD it leaves T1SZ/TG1 at 0 with EPD1 = 1 (the
 * spec makes them IGNORED then).
 *
 * The standard stage-1 4K tables ("s1 std", TTB0 = 0x30_0000) resolve the
 * IOVA 0x80_8060_n000 = 1<<39 | 2<<30 | 3<<21 | n<<12 via
 *   L0 0x300000 [1] @0x300008 = 0x301003 (table)
 *   L1 0x301000 [2] @0x301010 = 0x302003 (table)
 *   L2 0x302000 [3] @0x302018 = 0x303003 (table)
 *   L3 0x303000 [n] @0x303000 + 8n (pages, listed in golden_s1_tables()).
 * Leaf attribute bits: valid|page 0x3 (block 0x1), SH inner 0x300,
 * AF 0x400, AP[2:1] at bits 7:6 (00 priv RW 0x000, 01 RW any 0x040,
 * 10 priv RO 0x080, 11 RO any 0x0c0), nG 0x800, DBM bit 51, PXN bit 53,
 * UXN bit 54.  Only the pages that tests share between ASIDs (or
 * invalidate by ASID) are non-global: a global (nG = 0) TLB entry matches
 * every ASID and survives TLBI_NH_ASID, as the architecture intends.
 */
#include "golden_util.h"

/* perm bits of vsmmu_txn_result */
#define PR VSMMU_TXN_READ
#define PW VSMMU_TXN_WRITE
#define PX VSMMU_TXN_EXEC

#define STRTAB 0x100000ULL
/* STRTAB_BASE_CFG linear: FMT 0, LOG2SIZE 4 (16 STEs) = 0x4 */
#define STRTAB_CFG_LINEAR16 0x4
#define STE_PA(sid) (STRTAB + 64ULL * (sid))

#define CD_PA 0x200000ULL
#define CD_STD 0x00016205c0003510ULL
/* STE S1 translate: ptr 0x200000 | Config 101<<1 (0xa) | V = 0x20000b */
#define STE_S1_DW0 0x000000000020000bULL

/* IOVA of L3 index n in the standard tables, plus a page offset. */
#define IOVA(n, off) (0x8080600000ULL + ((uint64_t)(n) << 12) + (off))

/* Stage-1 leaf pages of the standard L3 table, by index. */
static const uint64_t golden_l3[][2] = {
	/* [4] page 0x8765_4000, AP 01 (RW any), nG: 0x87654000 | 0x743 |
	 * nG 1<<11 (0x800) = 0x87654f43 */
	{ 4, 0x0000000087654f43ULL },
	/* [5] invalid */
	/* [6] page 0x8765_6000, AP 11 (RO any): |0x7c3 */
	{ 6, 0x00000000876567c3ULL },
	/* [7] page 0x8765_7000, AF = 0: 0x743 - 0x400 = 0x343 */
	{ 7, 0x0000000087657343ULL },
	/* [8] "block" at L3 (bit 1 = 0): 0x87658000 | 0x741 */
	{ 8, 0x0000000087658741ULL },
	/* [9] page 0x1_0000_9000 (above a 32-bit IPS) | 0x743 */
	{ 9, 0x0000000100009743ULL },
	/* [10] page 0x8765_a000, AP 00 (priv RW only): |0x703 */
	{ 10, 0x000000008765a703ULL },
	/* [11] page 0x8765_b000, AP 10 (priv RO): |0x783 */
	{ 11, 0x000000008765b783ULL },
	/* [12] page 0x8765_c000, AP 11 | PXN 1<<53 (0x20_0000_0000_0000) */
	{ 12, 0x002000008765c7c3ULL },
	/* [13] page 0x8765_d000, AP 11 | UXN 1<<54 (0x40_0000_0000_0000) */
	{ 13, 0x004000008765d7c3ULL },
	/* [14] page 0x8765_e000, AP 11 | DBM 1<<51 (0x8_0000_0000_0000) */
	{ 14, 0x000800008765e7c3ULL },
};

static int golden_s1_tables(struct golden *g)
{
	unsigned int i;

	if (golden_w64(g, 0x300008, 0x301003) ||
	    golden_w64(g, 0x301010, 0x302003) ||
	    golden_w64(g, 0x302018, 0x303003))
		return -1;
	/* L1[6] @0x301030: 1 GiB block 0xc000_0000 | 0x741 */
	if (golden_w64(g, 0x301030, 0xc0000741ULL))
		return -1;
	/* L2[5] @0x302028: 2 MiB block 0x4060_0000 | 0x741 */
	if (golden_w64(g, 0x302028, 0x40600741ULL))
		return -1;
	for (i = 0; i < sizeof(golden_l3) / sizeof(golden_l3[0]); i++)
		if (golden_w64(g, 0x303000 + 8 * golden_l3[i][0],
			       golden_l3[i][1]))
			return -1;
	return 0;
}

/*
 * The standard stage-1 scene: linear stream table of 16 at 0x100000, SID 1
 * = S1 STE (+ @ste_dw1) -> CD (@cd_dw0, TTB0 0x300000, TTB1 @ttb1) at
 * 0x200000, the standard tables, SMMU enabled.
 */
static struct golden *golden_s1_scene(const struct vsmmu_smmu_config *cfg,
				      uint64_t ste_dw1, uint64_t cd_dw0,
				      uint64_t ttb1)
{
	struct golden *g = golden_new(cfg);

	if (!g)
		return NULL;
	if (golden_put4(g, STE_PA(1), STE_S1_DW0, ste_dw1, 0, 0) ||
	    golden_put4(g, CD_PA, cd_dw0, 0x300000, ttb1, 0) ||
	    golden_s1_tables(g) ||
	    golden_enable(g, STRTAB, STRTAB_CFG_LINEAR16))
		return NULL;
	return g;
}

/* ---- 1. Linear stream table, STE validity, SMMUEN / GBPA ------------- */

TEST(golden_ste_linear_bypass)
{
	struct golden *g = golden_new(NULL);

	GOLDEN_REQUIRE(g);
	/* SID 3: V 1 | Config 100<<1 (0x8) = 0x9 */
	ASSERT_OK(golden_put4(g, STE_PA(3), 0x9, 0, 0, 0));
	ASSERT_OK(golden_enable(g, STRTAB, STRTAB_CFG_LINEAR16));
	ASSERT_OK(golden_txn(g, 3, false, 0, 0x123456789abcULL, GR));
	ASSERT_EQ(g->res.outcome, VSMMU_TXN_OK);
	ASSERT_EQ(g->res.oa, 0x123456789abcULL);
	ASSERT_TRUE(g->res.bypass);
	ASSERT_OK(golden_txn(g, 3, false, 0, 0x1000, GW | GP));
	ASSERT_EQ(g->res.outcome, VSMMU_TXN_OK);
	ASSERT_EQ(g->res.oa, 0x1000);
}

TEST(golden_ste_sid_out_of_range)
{
	struct golden *g = golden_new(NULL);

	GOLDEN_REQUIRE(g);
	ASSERT_OK(golden_put4(g, STE_PA(3), 0x9, 0, 0, 0));
	ASSERT_OK(golden_enable(g, STRTAB, STRTAB_CFG_LINEAR16));
	/* SID 16 >= 2^LOG2SIZE: C_BAD_STREAMID 0x02 | SID 16<<32 */
	ASSERT_OK(golden_txn(g, 16, false, 0, 0x1000, GR));
	GOLDEN_EXPECT_CERR(g, 0x0000001000000002ULL);
}

TEST(golden_ste_badsid_not_recorded_without_recinvsid)
{
	struct golden *g = golden_new(NULL);

	GOLDEN_REQUIRE(g);
	/* C_BAD_STREAMID is recorded only when CR2.RECINVSID == 1 */
	ASSERT_OK(golden_enable_cr2(g, STRTAB, STRTAB_CFG_LINEAR16, 0));
	ASSERT_OK(golden_txn(g, 16, false, 0, 0x1000, GR));
	ASSERT_NE(g->res.outcome, VSMMU_TXN_OK);
	ASSERT_FALSE(g->res.outcome == VSMMU_TXN_FAULT && g->res.recorded);
}

TEST(golden_ste_invalid)
{
	struct golden *g = golden_new(NULL);

	GOLDEN_REQUIRE(g);
	/* SID 4: all-zero STE (V = 0), memory present */
	ASSERT_OK(golden_put4(g, STE_PA(4), 0, 0, 0, 0));
	ASSERT_OK(golden_enable(g, STRTAB, STRTAB_CFG_LINEAR16));
	/* C_BAD_STE 0x04 | SID 4<<32 */
	ASSERT_OK(golden_txn(g, 4, false, 0, 0x1000, GR));
	GOLDEN_EXPECT_CERR(g, 0x0000000400000004ULL);
}

TEST(golden_ste_config_abort)
{
	struct golden *g = golden_new(NULL);

	GOLDEN_REQUIRE(g);
	/* SID 5: V 1 | Config 000 = 0x1: terminated, no event */
	ASSERT_OK(golden_put4(g, STE_PA(5), 0x1, 0, 0, 0));
	ASSERT_OK(golden_enable(g, STRTAB, STRTAB_CFG_LINEAR16));
	ASSERT_OK(golden_txn(g, 5, false, 0, 0x1000, GR));
	ASSERT_EQ(g->res.outcome, VSMMU_TXN_TERMINATED);
}

TEST(golden_ste_fetch_abort)
{
	struct golden *g = golden_new(NULL);

	GOLDEN_REQUIRE(g);
	/* Stream table memory never populated. */
	ASSERT_OK(golden_enable(g, STRTAB, STRTAB_CFG_LINEAR16));
	/* F_STE_FETCH 0x03 | SID 3<<32; FetchAddr = 0x100000 + 3*64 */
	ASSERT_OK(golden_txn(g, 3, false, 0, 0x1000, GR));
	ASSERT_EQ(g->res.outcome, VSMMU_TXN_FAULT);
	ASSERT_TRUE(g->res.recorded);
	ASSERT_EQ(g->res.evt[0], 0x0000000300000003ULL);
	ASSERT_EQ(g->res.evt[3], 0x00000000001000c0ULL);
}

TEST(golden_smmu_disabled_bypass)
{
	struct golden *g = golden_new(NULL);

	GOLDEN_REQUIRE(g);
	/* After reset: SMMUEN = 0, GBPA.ABORT = 0 -> bypass, any SID */
	ASSERT_OK(golden_txn(g, 77, false, 0, 0xfedcba987000ULL, GW));
	ASSERT_EQ(g->res.outcome, VSMMU_TXN_OK);
	ASSERT_EQ(g->res.oa, 0xfedcba987000ULL);
	ASSERT_TRUE(g->res.bypass);
}

TEST(golden_smmu_disabled_gbpa_abort)
{
	struct golden *g = golden_new(NULL);
	uint64_t v = ~0ULL;

	GOLDEN_REQUIRE(g);
	/* GBPA: UPDATE 1<<31 | ABORT 1<<20 = 0x8010_0000 */
	ASSERT_OK(
		vsmmu_smmu_mmio_write(g->smmu, GOLDEN_REG_GBPA, 4, 0x80100000));
	ASSERT_OK(vsmmu_smmu_mmio_read(g->smmu, GOLDEN_REG_GBPA, 4, &v));
	ASSERT_EQ(v & 0x80100000, 0x00100000); /* update done, ABORT set */
	ASSERT_OK(golden_txn(g, 1, false, 0, 0x1000, GR));
	ASSERT_EQ(g->res.outcome, VSMMU_TXN_TERMINATED);
}

TEST(golden_ste_bypass_addr_size)
{
	struct golden *g = golden_new(NULL);

	GOLDEN_REQUIRE(g);
	ASSERT_OK(golden_put4(g, STE_PA(3), 0x9, 0, 0, 0));
	ASSERT_OK(golden_enable(g, STRTAB, STRTAB_CFG_LINEAR16));
	/* Config bypass, input 2^48 >= OAS (48 bits): IHI 0070 7.3.14,
	 * stage-1 bypass F_ADDR_SIZE with S2 = 0, CLASS = IN:
	 * 0x11 | 3<<32; dw1 RnW | IN = 0x208_0000_0000 */
	ASSERT_OK(golden_txn(g, 3, false, 0, 0x0001000000000000ULL, GR));
	GOLDEN_EXPECT_EVT(g, 0x0000000300000011ULL, 0x0000020800000000ULL,
			  0x0001000000000000ULL);
	/* just below the limit is fine */
	ASSERT_OK(golden_txn(g, 3, false, 0, 0x0000fffffffff000ULL, GR));
	ASSERT_EQ(g->res.outcome, VSMMU_TXN_OK);
	ASSERT_EQ(g->res.oa, 0x0000fffffffff000ULL);
}

TEST(golden_s1_oas40_caps_ips)
{
	struct vsmmu_smmu_config cfg;
	struct golden *g;

	/* IDR5.OAS[2:0] = 2 (40 bits): CD.IPS 48 is capped to 40 */
	vsmmu_smmu_config_default(&cfg);
	cfg.idr[5] = (cfg.idr[5] & ~7U) | 2;
	g = golden_s1_scene(&cfg, 0, CD_STD, 0);
	GOLDEN_REQUIRE(g);
	/* L3[15] @0x303078: page 0x100_0000_0000 (bit 40) | 0x743 */
	ASSERT_OK(golden_w64(g, 0x303078, 0x0000010000000743ULL));
	ASSERT_OK(golden_txn(g, 1, false, 0, IOVA(15, 0x10), GR));
	GOLDEN_EXPECT_EVT(g, 0x0000000100000011ULL, 0x0000020800000000ULL,
			  0x000000808060f010ULL);
	ASSERT_OK(golden_txn(g, 1, false, 0, IOVA(4, 0x567), GR));
	GOLDEN_EXPECT_OK(g, 0x87654567ULL, 12);
}

TEST(golden_cd_unsupported_granule)
{
	struct vsmmu_smmu_config cfg;
	struct golden *g;

	/* IDR5.GRAN16K (bit 5) cleared: a CD with TG0 = 16K is ILLEGAL */
	vsmmu_smmu_config_default(&cfg);
	cfg.idr[5] &= ~0x20U;
	g = golden_s1_scene(&cfg, 0, 0x00016205c0003591ULL, 0);
	GOLDEN_REQUIRE(g);
	/* C_BAD_CD 0x0a | SID 1<<32 (no SSID) */
	ASSERT_OK(golden_txn(g, 1, false, 0, 0x300a01dabcULL, GR));
	GOLDEN_EXPECT_CERR(g, 0x000000010000000aULL);
}

/* ---- 2. Two-level stream table ---------------------------------------- */

/*
 * STRTAB_BASE_CFG: FMT 1<<16 (0x10000) | SPLIT 8<<6 (0x200) | LOG2SIZE 16
 * (0x10) = 0x10210.  L1 at 0x100000, L1[i] at 0x100000 + 8i:
 *   L1[0] = 0 (SPAN 0, invalid)
 *   L1[1] = L2PTR 0x110000 | SPAN 9 (2^8 = 256 STEs) = 0x110009
 *   L1[2] = L2PTR 0x120000 | SPAN 3 (2^2 = 4 STEs)   = 0x120003
 */
static struct golden *golden_2lvl_scene(void)
{
	struct golden *g = golden_new(NULL);

	if (!g)
		return NULL;
	if (golden_w64(g, 0x100000, 0) || golden_w64(g, 0x100008, 0x110009) ||
	    golden_w64(g, 0x100010, 0x120003) ||
	    /* SID 0x105: 0x110000 + 5*64 = 0x110140, bypass */
	    golden_put4(g, 0x110140, 0x9, 0, 0, 0) ||
	    /* SID 0x203: 0x120000 + 3*64 = 0x1200c0, bypass */
	    golden_put4(g, 0x1200c0, 0x9, 0, 0, 0) ||
	    /* SID 0x205 would be 0x120140: give it a valid STE too, so
	       only the SPAN check can reject it */
	    golden_put4(g, 0x120140, 0x9, 0, 0, 0) ||
	    golden_enable(g, STRTAB, 0x10210))
		return NULL;
	return g;
}

TEST(golden_ste_2lvl_span0)
{
	struct golden *g = golden_2lvl_scene();

	GOLDEN_REQUIRE(g);
	/* SID 5 -> L1[0] SPAN 0: C_BAD_STREAMID 0x02 | 5<<32 */
	ASSERT_OK(golden_txn(g, 5, false, 0, 0x1000, GR));
	GOLDEN_EXPECT_CERR(g, 0x0000000500000002ULL);
}

TEST(golden_ste_2lvl_ok)
{
	struct golden *g = golden_2lvl_scene();

	GOLDEN_REQUIRE(g);
	ASSERT_OK(golden_txn(g, 0x105, false, 0, 0xabc000, GR));
	ASSERT_EQ(g->res.outcome, VSMMU_TXN_OK);
	ASSERT_EQ(g->res.oa, 0xabc000);
	ASSERT_OK(golden_txn(g, 0x203, false, 0, 0xdef000, GW));
	ASSERT_EQ(g->res.outcome, VSMMU_TXN_OK);
	ASSERT_EQ(g->res.oa, 0xdef000);
}

TEST(golden_ste_2lvl_beyond_span)
{
	struct golden *g = golden_2lvl_scene();

	GOLDEN_REQUIRE(g);
	/* SID 0x205: SID[7:0] = 5 >= 2^(SPAN-1) = 4: C_BAD_STREAMID */
	ASSERT_OK(golden_txn(g, 0x205, false, 0, 0x1000, GR));
	GOLDEN_EXPECT_CERR(g, 0x0000020500000002ULL);
	/* SID 0x1_0000 >= 2^LOG2SIZE (16) */
	ASSERT_OK(golden_txn(g, 0x10000, false, 0, 0x1000, GR));
	GOLDEN_EXPECT_CERR(g, 0x0001000000000002ULL);
}

/* ---- 3. Stage 1, 4K granule ------------------------------------------- */

TEST(golden_s1_4k_page)
{
	struct golden *g = golden_s1_scene(NULL, 0, CD_STD, 0);

	GOLDEN_REQUIRE(g);
	/* L3[4] = page 0x8765_4000 AP 01: 0x80_8060_4567 -> 0x8765_4567 */
	ASSERT_OK(golden_txn(g, 1, false, 0, IOVA(4, 0x567), GR));
	GOLDEN_EXPECT_OK(g, 0x87654567ULL, 12);
	ASSERT_FALSE(g->res.bypass);
	/* unprivileged on AP 01, UXN 0: read, write and execute */
	ASSERT_EQ(g->res.perm, PR | PW | PX);
	ASSERT_OK(golden_txn(g, 1, false, 0, IOVA(4, 0xff8), GW));
	GOLDEN_EXPECT_OK(g, 0x87654ff8ULL, 12);
	ASSERT_OK(golden_txn(g, 1, false, 0, IOVA(4, 0x8), GW | GP));
	GOLDEN_EXPECT_OK(g, 0x87654008ULL, 12);
	/* AP 11: read-only at both privileges */
	ASSERT_OK(golden_txn(g, 1, false, 0, IOVA(6, 0x10), GR));
	GOLDEN_EXPECT_OK(g, 0x87656010ULL, 12);
	ASSERT_EQ(g->res.perm, PR | PX);
}

TEST(golden_s1_4k_block_2m)
{
	struct golden *g = golden_s1_scene(NULL, 0, CD_STD, 0);

	GOLDEN_REQUIRE(g);
	/* IOVA 1<<39 | 2<<30 | 5<<21 (0xa0_0000) | 0x1_2345 -> L2[5] block
	 * 0x4060_0000 + 0x1_2345 */
	ASSERT_OK(golden_txn(g, 1, false, 0, 0x8080a12345ULL, GR));
	GOLDEN_EXPECT_OK(g, 0x40612345ULL, 21);
}

TEST(golden_s1_4k_block_1g)
{
	struct golden *g = golden_s1_scene(NULL, 0, CD_STD, 0);

	GOLDEN_REQUIRE(g);
	/* IOVA 1<<39 | 6<<30 (0x1_8000_0000) | 0xabc_def0 -> L1[6] block
	 * 0xc000_0000 + 0xabc_def0 */
	ASSERT_OK(golden_txn(g, 1, false, 0, 0x818abcdef0ULL, GW));
	GOLDEN_EXPECT_OK(g, 0xcabcdef0ULL, 30);
}

TEST(golden_s1_4k_unmapped_recorded)
{
	struct golden *g = golden_s1_scene(NULL, 0, CD_STD, 0);

	GOLDEN_REQUIRE(g);
	/* L3[5] = 0.  F_TRANSLATION 0x10 | SID 1<<32; dw1: RnW 1<<35
	 * (0x8_0000_0000) | CLASS IN 2<<40 (0x200_0000_0000); S2 = 0 */
	ASSERT_OK(golden_txn(g, 1, false, 0, IOVA(5, 0x10), GR));
	GOLDEN_EXPECT_EVT(g, 0x0000000100000010ULL, 0x0000020800000000ULL,
			  0x0000008080605010ULL);
}

TEST(golden_s1_4k_unmapped_unrecorded)
{
	/* CD_STD without R (bit 45, 0x2000_0000_0000) = 0x0001_4205_c000_3510 */
	struct golden *g = golden_s1_scene(NULL, 0, 0x00014205c0003510ULL, 0);

	GOLDEN_REQUIRE(g);
	ASSERT_OK(golden_txn(g, 1, false, 0, IOVA(5, 0x10), GR));
	ASSERT_EQ(g->res.outcome, VSMMU_TXN_FAULT);
	ASSERT_FALSE(g->res.recorded);
	/* ...while the mapped page still translates */
	ASSERT_OK(golden_txn(g, 1, false, 0, IOVA(4, 0x567), GR));
	GOLDEN_EXPECT_OK(g, 0x87654567ULL, 12);
}

TEST(golden_s1_4k_write_readonly)
{
	struct golden *g = golden_s1_scene(NULL, 0, CD_STD, 0);

	GOLDEN_REQUIRE(g);
	/* L3[6] AP 11.  F_PERMISSION 0x13; dw1: RnW 0, CLASS IN
	 * (0x200_0000_0000) */
	ASSERT_OK(golden_txn(g, 1, false, 0, IOVA(6, 0x20), GW));
	GOLDEN_EXPECT_EVT(g, 0x0000000100000013ULL, 0x0000020000000000ULL,
			  0x0000008080606020ULL);
	/* privileged write too: dw1 PnU 1<<33 | IN = 0x202_0000_0000 */
	ASSERT_OK(golden_txn(g, 1, false, 0, IOVA(6, 0x20), GW | GP));
	GOLDEN_EXPECT_EVT(g, 0x0000000100000013ULL, 0x0000020200000000ULL,
			  0x0000008080606020ULL);
}

TEST(golden_s1_4k_access_flag)
{
	struct golden *g = golden_s1_scene(NULL, 0, CD_STD, 0);

	GOLDEN_REQUIRE(g);
	/* L3[7] AF 0, CD.HA 0, AFFD 0: F_ACCESS 0x12, read: dw1 0x208_.. */
	ASSERT_OK(golden_txn(g, 1, false, 0, IOVA(7, 0x30), GR));
	GOLDEN_EXPECT_EVT(g, 0x0000000100000012ULL, 0x0000020800000000ULL,
			  0x0000008080607030ULL);
	/* No hardware update without HA */
	ASSERT_EQ(golden_r64(g, 0x303038), 0x87657343ULL);
}

TEST(golden_s1_4k_access_flag_affd)
{
	/* CD_STD | AFFD 1<<35 (0x8_0000_0000) = 0x0001_620d_c000_3510 */
	struct golden *g = golden_s1_scene(NULL, 0, 0x0001620dc0003510ULL, 0);

	GOLDEN_REQUIRE(g);
	ASSERT_OK(golden_txn(g, 1, false, 0, IOVA(7, 0x30), GR));
	GOLDEN_EXPECT_OK(g, 0x87657030ULL, 12);
	/* AFFD treats AF as 1; it does not write the descriptor */
	ASSERT_EQ(golden_r64(g, 0x303038), 0x87657343ULL);
}

TEST(golden_s1_4k_access_flag_ha)
{
	/* CD_STD | HA 1<<43 (0x800_0000_0000) = 0x0001_6a05_c000_3510;
	 * the default SMMU has IDR0.HTTU = access flag + dirty */
	struct golden *g = golden_s1_scene(NULL, 0, 0x00016a05c0003510ULL, 0);

	GOLDEN_REQUIRE(g);
	ASSERT_OK(golden_txn(g, 1, false, 0, IOVA(7, 0x30), GR));
	GOLDEN_EXPECT_OK(g, 0x87657030ULL, 12);
	/* AF (0x400) set in memory: 0x87657343 | 0x400 = 0x87657743 */
	ASSERT_EQ(golden_r64(g, 0x303038), 0x87657743ULL);
}

TEST(golden_s1_4k_dirty_hd)
{
	/* CD_STD | HD 1<<42 (0x400_0000_0000) | HA 1<<43 = 0x0001_6e05_... */
	struct golden *g = golden_s1_scene(NULL, 0, 0x00016e05c0003510ULL, 0);

	GOLDEN_REQUIRE(g);
	/* L3[14]: AP 11 + DBM.  A write is allowed and makes the page dirty:
	 * AP[2] (bit 7, 0x80) cleared: 0x0008_0000_8765_e7c3 -> ..e743 */
	ASSERT_OK(golden_txn(g, 1, false, 0, IOVA(14, 0x40), GW));
	GOLDEN_EXPECT_OK(g, 0x8765e040ULL, 12);
	ASSERT_EQ(golden_r64(g, 0x303070), 0x000800008765e743ULL);
}

TEST(golden_s1_4k_block_at_l3)
{
	struct golden *g = golden_s1_scene(NULL, 0, CD_STD, 0);

	GOLDEN_REQUIRE(g);
	/* L3[8] has bit 1 = 0: translation fault */
	ASSERT_OK(golden_txn(g, 1, false, 0, IOVA(8, 0x10), GR));
	GOLDEN_EXPECT_EVT(g, 0x0000000100000010ULL, 0x0000020800000000ULL,
			  0x0000008080608010ULL);
}

TEST(golden_s1_4k_oa_above_ips)
{
	/* CD_STD with IPS 0 (32 bits): minus 0x5_0000_0000 =
	 * 0x0001_6200_c000_3510 */
	struct golden *g = golden_s1_scene(NULL, 0, 0x00016200c0003510ULL, 0);

	GOLDEN_REQUIRE(g);
	/* L3[9] outputs 0x1_0000_9000 >= 2^32: F_ADDR_SIZE 0x11 */
	ASSERT_OK(golden_txn(g, 1, false, 0, IOVA(9, 0x10), GR));
	GOLDEN_EXPECT_EVT(g, 0x0000000100000011ULL, 0x0000020800000000ULL,
			  0x0000008080609010ULL);
	/* below 4 GiB still fine */
	ASSERT_OK(golden_txn(g, 1, false, 0, IOVA(4, 0x567), GR));
	GOLDEN_EXPECT_OK(g, 0x87654567ULL, 12);
}

TEST(golden_s1_4k_iova_above_range)
{
	struct golden *g = golden_s1_scene(NULL, 0, CD_STD, 0);

	GOLDEN_REQUIRE(g);
	/* T0SZ 16: bit 48 set, bits 63:49 clear -> outside TTB0 and TTB1 */
	ASSERT_OK(golden_txn(g, 1, false, 0, 0x0001000000000000ULL, GR));
	GOLDEN_EXPECT_EVT(g, 0x0000000100000010ULL, 0x0000020800000000ULL,
			  0x0001000000000000ULL);
}

/*
 * TTB1 CD: CD_STD - EPD1 (0x4000_0000) + T1SZ 16<<16 (0x10_0000) +
 * TG1 4K = 2<<22 (0x80_0000) = 0x0001_6205_8090_3510.  TTB1 = 0x310000:
 *   0x310000[0] = 0x311003, 0x311000[0] = 0x312003, 0x312000[0] = 0x313003,
 *   0x313000[1] @0x313008 = page 0x9999_1000 | 0x743.
 */
#define CD_TTB1 0x0001620580903510ULL

static int golden_ttb1_tables(struct golden *g)
{
	return golden_w64(g, 0x310000, 0x311003) ||
	       golden_w64(g, 0x311000, 0x312003) ||
	       golden_w64(g, 0x312000, 0x313003) ||
	       golden_w64(g, 0x313008, 0x99991743ULL);
}

TEST(golden_s1_4k_ttb1)
{
	struct golden *g = golden_s1_scene(NULL, 0, CD_TTB1, 0x310000);

	GOLDEN_REQUIRE(g);
	ASSERT_OK(golden_ttb1_tables(g));
	ASSERT_OK(golden_txn(g, 1, false, 0, 0xffff000000001234ULL, GR));
	GOLDEN_EXPECT_OK(g, 0x99991234ULL, 12);
	ASSERT_OK(golden_txn(g, 1, false, 0, IOVA(4, 0x567), GR));
	GOLDEN_EXPECT_OK(g, 0x87654567ULL, 12);
}

TEST(golden_s1_4k_epd0)
{
	/* CD_TTB1 | EPD0 1<<14 (0x4000) = 0x0001_6205_8090_7510 */
	struct golden *g =
		golden_s1_scene(NULL, 0, 0x0001620580907510ULL, 0x310000);

	GOLDEN_REQUIRE(g);
	ASSERT_OK(golden_ttb1_tables(g));
	ASSERT_OK(golden_txn(g, 1, false, 0, IOVA(4, 0x567), GR));
	GOLDEN_EXPECT_EVT(g, 0x0000000100000010ULL, 0x0000020800000000ULL,
			  0x0000008080604567ULL);
	ASSERT_OK(golden_txn(g, 1, false, 0, 0xffff000000001234ULL, GR));
	GOLDEN_EXPECT_OK(g, 0x99991234ULL, 12);
}

/* ---- 4. Stage 1, 16K and 64K granules --------------------------------- */

TEST(golden_s1_16k)
{
	struct golden *g = golden_new(NULL);

	GOLDEN_REQUIRE(g);
	/*
	 * 16K, T0SZ 17: 47-bit IA, 14-bit offset, 11 bits a level:
	 * 47 - 14 = 33 = 3 x 11 -> levels 1 (46:36), 2 (35:25), 3 (24:14).
	 * CD: CD_STD - T0SZ 16 + T0SZ 17 (0x11) + TG0 16K 2<<6 (0x80)
	 *     = 0x0001_6205_c000_3591, TTB0 0x400000.
	 * IOVA 3<<36 | 5<<25 | 7<<14 | 0x1abc = 0x30_0a01_dabc.
	 *   L1 0x400000 [3] @0x400018 = 0x404003
	 *   L2 0x404000 [5] @0x404028 = 0x408003
	 *              [6] @0x404030 = 32 MiB block 0x4200_0000 | 0x741
	 *   L3 0x408000 [7] @0x408038 = page 0x1234_4000 | 0x743
	 */
	ASSERT_OK(golden_put4(g, STE_PA(1), STE_S1_DW0, 0, 0, 0));
	ASSERT_OK(golden_put4(g, CD_PA, 0x00016205c0003591ULL, 0x400000, 0, 0));
	ASSERT_OK(golden_w64(g, 0x400018, 0x404003));
	ASSERT_OK(golden_w64(g, 0x404028, 0x408003));
	ASSERT_OK(golden_w64(g, 0x404030, 0x42000741ULL));
	ASSERT_OK(golden_w64(g, 0x408038, 0x12344743ULL));
	ASSERT_OK(golden_enable(g, STRTAB, STRTAB_CFG_LINEAR16));

	ASSERT_OK(golden_txn(g, 1, false, 0, 0x300a01dabcULL, GR));
	GOLDEN_EXPECT_OK(g, 0x12345abcULL, 14);
	/* 3<<36 | 6<<25 (0xc00_0000) | 0x123_4567 -> 0x4200_0000 + 0x123_4567 */
	ASSERT_OK(golden_txn(g, 1, false, 0, 0x300d234567ULL, GW));
	GOLDEN_EXPECT_OK(g, 0x43234567ULL, 25);
	/* L3[8] empty: 3<<36 | 5<<25 | 8<<14 (0x2_0000) */
	ASSERT_OK(golden_txn(g, 1, false, 0, 0x300a020000ULL, GR));
	GOLDEN_EXPECT_EVT(g, 0x0000000100000010ULL, 0x0000020800000000ULL,
			  0x000000300a020000ULL);
}

TEST(golden_s1_64k)
{
	struct golden *g = golden_new(NULL);

	GOLDEN_REQUIRE(g);
	/*
	 * 64K, T0SZ 22: 42-bit IA, 16-bit offset, 13 bits a level:
	 * 42 - 16 = 26 = 2 x 13 -> levels 2 (41:29), 3 (28:16).
	 * CD: CD_STD - 0x10 + T0SZ 22 (0x16) + TG0 64K 1<<6 (0x40)
	 *     = 0x0001_6205_c000_3556, TTB0 0x500000.
	 * IOVA 9<<29 (0x1_2000_0000) | 0x11<<16 (0x11_0000) | 0xbeef.
	 *   L2 0x500000 [9]  @0x500048 = 0x510003
	 *              [10] @0x500050 = 512 MiB block 0x6000_0000 | 0x741
	 *   L3 0x510000 [0x11] @0x510088 = page 0x7777_0000 | 0x743
	 */
	ASSERT_OK(golden_put4(g, STE_PA(1), STE_S1_DW0, 0, 0, 0));
	ASSERT_OK(golden_put4(g, CD_PA, 0x00016205c0003556ULL, 0x500000, 0, 0));
	ASSERT_OK(golden_w64(g, 0x500048, 0x510003));
	ASSERT_OK(golden_w64(g, 0x500050, 0x60000741ULL));
	ASSERT_OK(golden_w64(g, 0x510088, 0x77770743ULL));
	ASSERT_OK(golden_enable(g, STRTAB, STRTAB_CFG_LINEAR16));

	ASSERT_OK(golden_txn(g, 1, false, 0, 0x12011beefULL, GR));
	GOLDEN_EXPECT_OK(g, 0x7777beefULL, 16);
	/* 10<<29 (0x1_4000_0000) | 0xabc_def0 -> 0x6000_0000 + 0xabc_def0 */
	ASSERT_OK(golden_txn(g, 1, false, 0, 0x14abcdef0ULL, GR));
	GOLDEN_EXPECT_OK(g, 0x6abcdef0ULL, 29);
	/* bit 42 set: beyond the 42-bit TTB0 region */
	ASSERT_OK(golden_txn(g, 1, false, 0, 0x40000000000ULL, GR));
	GOLDEN_EXPECT_EVT(g, 0x0000000100000010ULL, 0x0000020800000000ULL,
			  0x0000040000000000ULL);
}

/* ---- 5. CD tables and substreams -------------------------------------- */

/*
 * A second set of 4K tables at 0x600000 mapping the same IOVA
 * 0x80_8060_4xxx to page 0x5555_5000:
 *   0x600008 = 0x601003, 0x601010 = 0x602003, 0x602018 = 0x603003,
 *   0x603020 = 0x55555000 | 0x743 | nG 0x800 = 0x55555f43.
 */
static int golden_alt_tables(struct golden *g)
{
	return golden_w64(g, 0x600008, 0x601003) ||
	       golden_w64(g, 0x601010, 0x602003) ||
	       golden_w64(g, 0x602018, 0x603003) ||
	       golden_w64(g, 0x603020, 0x55555f43ULL);
}

/*
 * Linear CD table of 4 (S1CDMax 2): STE dw0 = S1CDMax 2<<59
 * (0x1000_0000_0000_0000) | ptr 0x200000 | S1Fmt 0 | 0xb
 * = 0x1000_0000_0020_000b.  CDs at 0x200000 + 64 * SSID:
 *   CD0 ASID 1    (CD_STD), TTB0 0x300000
 *   CD1 ASID 0x11 (0x0011_6205_c000_3510), TTB0 0x300000
 *   CD2 ASID 0x22 (0x0022_6205_c000_3510), TTB0 0x600000
 *   CD3 all zero (V = 0)
 */
static struct golden *golden_cdlin_scene(uint64_t ste_dw1)
{
	struct golden *g = golden_new(NULL);

	if (!g)
		return NULL;
	if (golden_put4(g, STE_PA(1), 0x100000000020000bULL, ste_dw1, 0, 0) ||
	    golden_put4(g, 0x200000, CD_STD, 0x300000, 0, 0) ||
	    golden_put4(g, 0x200040, 0x00116205c0003510ULL, 0x300000, 0, 0) ||
	    golden_put4(g, 0x200080, 0x00226205c0003510ULL, 0x600000, 0, 0) ||
	    golden_put4(g, 0x2000c0, 0, 0, 0, 0) || golden_s1_tables(g) ||
	    golden_alt_tables(g) ||
	    golden_enable(g, STRTAB, STRTAB_CFG_LINEAR16))
		return NULL;
	return g;
}

TEST(golden_cd_linear_ssids)
{
	struct golden *g = golden_cdlin_scene(0);

	GOLDEN_REQUIRE(g);
	ASSERT_OK(golden_txn(g, 1, true, 1, IOVA(4, 0x567), GR));
	GOLDEN_EXPECT_OK(g, 0x87654567ULL, 12);
	ASSERT_OK(golden_txn(g, 1, true, 2, IOVA(4, 0x567), GR));
	GOLDEN_EXPECT_OK(g, 0x55555567ULL, 12);
	ASSERT_OK(golden_txn(g, 1, true, 1, IOVA(4, 0x567), GW));
	GOLDEN_EXPECT_OK(g, 0x87654567ULL, 12);
}

TEST(golden_cd_ssid_too_big)
{
	struct golden *g = golden_cdlin_scene(0);

	GOLDEN_REQUIRE(g);
	/* SSID 4 >= 2^2: C_BAD_SUBSTREAMID 0x08 | SSID 4<<12 (0x4000) |
	 * SID 1<<32.  IHI 0070 7.3.9: bits [11:8] RES0 (no SSV in this one) */
	ASSERT_OK(golden_txn(g, 1, true, 4, IOVA(4, 0x567), GR));
	GOLDEN_EXPECT_CERR(g, 0x0000000100004008ULL);
}

TEST(golden_cd_invalid)
{
	struct golden *g = golden_cdlin_scene(0);

	GOLDEN_REQUIRE(g);
	/* CD3 V = 0: C_BAD_CD 0x0a | SSV 1<<11 (0x800) | SSID 3<<12
	 * (0x3000) | SID 1<<32 */
	ASSERT_OK(golden_txn(g, 1, true, 3, IOVA(4, 0x567), GR));
	GOLDEN_EXPECT_CERR(g, 0x000000010000380aULL);
}

TEST(golden_cd_fetch_abort)
{
	struct golden *g = golden_new(NULL);

	GOLDEN_REQUIRE(g);
	/* S1ContextPtr 0x700_0000 (never populated) | 0xb = 0x700000b */
	ASSERT_OK(golden_put4(g, STE_PA(1), 0x000000000700000bULL, 0, 0, 0));
	ASSERT_OK(golden_enable(g, STRTAB, STRTAB_CFG_LINEAR16));
	/* F_CD_FETCH 0x09 | SID 1<<32, FetchAddr 0x700_0000 */
	ASSERT_OK(golden_txn(g, 1, false, 0, IOVA(4, 0x567), GR));
	ASSERT_EQ(g->res.outcome, VSMMU_TXN_FAULT);
	ASSERT_TRUE(g->res.recorded);
	ASSERT_EQ(g->res.evt[0], 0x0000000100000009ULL);
	ASSERT_EQ(g->res.evt[3], 0x0000000007000000ULL);
}

TEST(golden_cd_2lvl_64k_leaves)
{
	struct golden *g = golden_new(NULL);

	GOLDEN_REQUIRE(g);
	/*
	 * S1Fmt 2 (64K leaves, 1024 CDs, L1 index SSID >> 10), S1CDMax 12:
	 * STE dw0 = 12<<59 (0x6000_0000_0000_0000) | 0x200000 | 2<<4 (0x20)
	 *         | 0xb = 0x6000_0000_0020_002b.
	 * L1 at 0x200000: [0] = 0 (V = 0), [1] @0x200008 = L2PTR 0x210000 | V
	 * SSID 0x405 -> L1[1], CD at 0x210000 + 5*64 = 0x210140:
	 *   ASID 0x33 (0x0033_6205_c000_3510), TTB0 0x600000.
	 */
	ASSERT_OK(golden_put4(g, STE_PA(1), 0x600000000020002bULL, 0, 0, 0));
	ASSERT_OK(golden_w64(g, 0x200000, 0));
	ASSERT_OK(golden_w64(g, 0x200008, 0x210001));
	ASSERT_OK(golden_put4(g, 0x210140, 0x00336205c0003510ULL, 0x600000, 0,
			      0));
	ASSERT_OK(golden_alt_tables(g));
	ASSERT_OK(golden_enable(g, STRTAB, STRTAB_CFG_LINEAR16));

	ASSERT_OK(golden_txn(g, 1, true, 0x405, IOVA(4, 0x567), GR));
	GOLDEN_EXPECT_OK(g, 0x55555567ULL, 12);
	/* SSID 5 -> L1[0], V = 0: C_BAD_SUBSTREAMID (IHI 0070 7.3.9:
	 * "A two-level CD fetch encounters an L1CD with V == 0"):
	 * 0x08 | 5<<12 | 1<<32 */
	ASSERT_OK(golden_txn(g, 1, true, 5, IOVA(4, 0x567), GR));
	GOLDEN_EXPECT_CERR(g, 0x0000000100005008ULL);
}

TEST(golden_cd_2lvl_4k_leaves)
{
	struct golden *g = golden_new(NULL);

	GOLDEN_REQUIRE(g);
	/*
	 * S1Fmt 1 (4K leaves, 64 CDs, L1 index SSID >> 6), S1CDMax 8:
	 * STE dw0 = 8<<59 (0x4000_0000_0000_0000) | 0x200000 | 1<<4 (0x10)
	 *         | 0xb = 0x4000_0000_0020_001b.
	 * SSID 0x85 = 133: L1[133 >> 6 = 2] @0x200010 = 0x220000 | V,
	 * CD at 0x220000 + (133 & 63 = 5) * 64 = 0x220140: ASID 0x44,
	 * TTB0 0x600000.  L1[3] @0x200018 = 0.
	 */
	ASSERT_OK(golden_put4(g, STE_PA(1), 0x400000000020001bULL, 0, 0, 0));
	ASSERT_OK(golden_w64(g, 0x200010, 0x220001));
	ASSERT_OK(golden_w64(g, 0x200018, 0));
	ASSERT_OK(golden_put4(g, 0x220140, 0x00446205c0003510ULL, 0x600000, 0,
			      0));
	ASSERT_OK(golden_alt_tables(g));
	ASSERT_OK(golden_enable(g, STRTAB, STRTAB_CFG_LINEAR16));

	ASSERT_OK(golden_txn(g, 1, true, 0x85, IOVA(4, 0x567), GR));
	GOLDEN_EXPECT_OK(g, 0x55555567ULL, 12);
	/* SSID 0xc5 -> L1[3] invalid: 0x08 | 0xc5<<12 (0xc_5000) | 1<<32 */
	ASSERT_OK(golden_txn(g, 1, true, 0xc5, IOVA(4, 0x567), GR));
	GOLDEN_EXPECT_CERR(g, 0x00000001000c5008ULL);
}

TEST(golden_cd_s1dss_terminate)
{
	struct golden *g = golden_cdlin_scene(0); /* S1DSS 0b00 */

	GOLDEN_REQUIRE(g);
	/* No SSID, S1CDMax > 0, S1DSS 0: F_STREAM_DISABLED 0x06 | 1<<32 */
	ASSERT_OK(golden_txn(g, 1, false, 0, IOVA(4, 0x567), GR));
	GOLDEN_EXPECT_CERR(g, 0x0000000100000006ULL);
}

TEST(golden_cd_s1dss_bypass)
{
	struct golden *g = golden_cdlin_scene(1); /* STE dw1 S1DSS 0b01 */

	GOLDEN_REQUIRE(g);
	ASSERT_OK(golden_txn(g, 1, false, 0, IOVA(4, 0x567), GR));
	ASSERT_EQ(g->res.outcome, VSMMU_TXN_OK);
	ASSERT_EQ(g->res.oa, IOVA(4, 0x567));
	/* substream traffic still translates */
	ASSERT_OK(golden_txn(g, 1, true, 2, IOVA(4, 0x567), GR));
	GOLDEN_EXPECT_OK(g, 0x55555567ULL, 12);
}

TEST(golden_cd_s1dss_ssid0)
{
	struct golden *g = golden_cdlin_scene(2); /* STE dw1 S1DSS 0b10 */

	GOLDEN_REQUIRE(g);
	/* non-substream traffic uses CD0 */
	ASSERT_OK(golden_txn(g, 1, false, 0, IOVA(4, 0x567), GR));
	GOLDEN_EXPECT_OK(g, 0x87654567ULL, 12);
	/* IHI 0070 7.3.7: SSID 0 with S1DSS 0b10 is F_STREAM_DISABLED
	 * (CD 0 is reserved for non-substream traffic): 0x06 | 1<<32 */
	ASSERT_OK(golden_txn(g, 1, true, 0, IOVA(4, 0x567), GR));
	GOLDEN_EXPECT_CERR(g, 0x0000000100000006ULL);
}

TEST(golden_cd_ssid_with_cdmax0)
{
	struct golden *g = golden_s1_scene(NULL, 0, CD_STD, 0);

	GOLDEN_REQUIRE(g);
	/* S1CDMax 0 and SSV 1: C_BAD_SUBSTREAMID 0x08 | 1<<12 | 1<<32 */
	ASSERT_OK(golden_txn(g, 1, true, 1, IOVA(4, 0x567), GR));
	GOLDEN_EXPECT_CERR(g, 0x0000000100001008ULL);
	/* SSID 0 is a SubstreamID too */
	ASSERT_OK(golden_txn(g, 1, true, 0, IOVA(4, 0x567), GR));
	GOLDEN_EXPECT_CERR(g, 0x0000000100000008ULL);
}

/* ---- 6. Stage 2 only -------------------------------------------------- */

/*
 * STE dw2 for the stage-2 tests, VMID 5, 4K, 40-bit IPA, start level 1:
 *   S2VMID 5 (0x5) | S2T0SZ 24<<32 (0x18_0000_0000) | S2SL0 1<<38
 *   (0x40_0000_0000) | S2IR0 1<<40 (0x100_0000_0000) | S2OR0 1<<42
 *   (0x400_0000_0000) | S2SH0 3<<44 (0x3000_0000_0000) | S2TG 0 |
 *   S2PS 5<<48 (0x5_0000_0000_0000) | S2AA64 1<<51 (0x8_0000_0000_0000)
 *   | S2R 1<<58 (0x400_0000_0000_0000) = 0x040d_3558_0000_0005
 * 40 - 12 = 28 bits = 3 x 9 + 1: start level 1 resolves bits 38:30 and the
 * extra bit 39 concatenates 2 tables: S2TTB 0x800000 (8 KiB aligned), the
 * L1 index is IPA[39:30] (0..1023).
 *   L1 [0x001] @0x800008 = 0x802003   (IPA 0x00_4xxx_xxxx)
 *   L1 [0x201] @0x801008 = 0x802003   (IPA 0x80_4xxx_xxxx, 2nd table)
 *   L2 0x802000 [1] @0x802008 = 0x803003
 *   L3 0x803000 [3] @0x803018 = page 0x1_2345_6000 | 0x7ff
 *              [4] = 0
 *              [5] @0x803028 = page 0x1_2345_8000 | 0x77f
 * Stage-2 leaf bits: valid|page 0x3, MemAttr 0b1111<<2 (0x3c), S2AP[7:6]
 * (11 RW 0xc0, 01 read-only 0x40), SH 0x300, AF 0x400: RW 0x7ff, RO 0x77f.
 */
#define STE2_DW2 0x040d355800000005ULL
#define STE_S2_DW0 0xdULL /* V | Config 110<<1 (0xc) */

static struct golden *golden_s2_scene(uint64_t dw2)
{
	struct golden *g = golden_new(NULL);

	if (!g)
		return NULL;
	if (golden_put4(g, STE_PA(2), STE_S2_DW0, 0, dw2, 0x800000) ||
	    golden_w64(g, 0x800008, 0x802003) ||
	    golden_w64(g, 0x801008, 0x802003) ||
	    golden_w64(g, 0x802008, 0x803003) ||
	    golden_w64(g, 0x803018, 0x00000001234567ffULL) ||
	    golden_w64(g, 0x803028, 0x000000012345877fULL) ||
	    /* L2 [2] @0x802010: 2 MiB block 0x1_4000_0000 | 0x7fd */
	    golden_w64(g, 0x802010, 0x00000001400007fdULL) ||
	    golden_enable(g, STRTAB, STRTAB_CFG_LINEAR16))
		return NULL;
	return g;
}

TEST(golden_s2_4k_concat)
{
	struct golden *g = golden_s2_scene(STE2_DW2);

	GOLDEN_REQUIRE(g);
	/* IPA 0x80_4020_3abc: [39:30] 0x201, [29:21] 1, [20:12] 3 */
	ASSERT_OK(golden_txn(g, 2, false, 0, 0x8040203abcULL, GR));
	GOLDEN_EXPECT_OK(g, 0x123456abcULL, 12);
	ASSERT_EQ(g->res.perm, PR | PW | PX);
	/* IPA 0x00_4020_3abc: [39:30] 1, first table */
	ASSERT_OK(golden_txn(g, 2, false, 0, 0x0040203abcULL, GW));
	GOLDEN_EXPECT_OK(g, 0x123456abcULL, 12);
}

TEST(golden_s2_block_2m)
{
	struct golden *g = golden_s2_scene(STE2_DW2);

	GOLDEN_REQUIRE(g);
	/* IPA 0x80_4040_0000 + 0x1_2345: [39:30] 0x201, [29:21] 2 -> block
	 * 0x1_4000_0000 + 0x1_2345 */
	ASSERT_OK(golden_txn(g, 2, false, 0, 0x8040412345ULL, GR));
	GOLDEN_EXPECT_OK(g, 0x140012345ULL, 21);
}

TEST(golden_s2_64k_concat4)
{
	struct golden *g = golden_new(NULL);

	GOLDEN_REQUIRE(g);
	/*
	 * 64K stage 2, S2T0SZ 20 (44-bit IPA), S2SL0 1 (start L2 for 64K):
	 * 44 - 16 = 28 = 2 x 13 + 2 -> 4 concatenated L2 tables (256 KiB at
	 * S2TTB 0x100_0000), L2 index IPA[43:29].
	 * dw2 = VMID 5 | 20<<32 (0x14_0000_0000) | SL0 1<<38 | IR0 | OR0 |
	 *   SH0 (0x3540_0000_0000) | S2TG 64K 1<<46 (0x4000_0000_0000) |
	 *   S2PS 5<<48 | S2AA64 | S2R = 0x040d_7554_0000_0005.
	 * IPA 3<<42 | 5<<29 | 7<<16 | 0x1234 = 0xc00_a007_1234:
	 *   L2 index (3<<13)|5 = 0x6005 @0x100_0000 + 0x3_0028 = 0x103_0028
	 *      = 0x110_0000 | 3 (table)
	 *   L3 0x1100000 [7] @0x110_0038 = page 0x2_3456_0000 | 0x7ff
	 */
	ASSERT_OK(golden_put4(g, STE_PA(2), STE_S2_DW0, 0,
			      0x040d755400000005ULL, 0x1000000));
	ASSERT_OK(golden_w64(g, 0x1030028, 0x1100003));
	/* first table, same index (@0x100_0028): present but empty */
	ASSERT_OK(golden_w64(g, 0x1000028, 0));
	ASSERT_OK(golden_w64(g, 0x1100038, 0x00000002345607ffULL));
	ASSERT_OK(golden_enable(g, STRTAB, STRTAB_CFG_LINEAR16));
	ASSERT_OK(golden_txn(g, 2, false, 0, 0xc00a0071234ULL, GR));
	GOLDEN_EXPECT_OK(g, 0x234561234ULL, 16);
	/* same L2 index in the first table (IPA[43:42] = 0) is empty */
	ASSERT_OK(golden_txn(g, 2, false, 0, 0x000a0071234ULL, GR));
	GOLDEN_EXPECT_EVT(g, 0x0000000200000010ULL, 0x0000028800000000ULL,
			  0x00000000a0071234ULL);
	/* IPA[51:12]: 4K-granular even with a 64K granule */
	ASSERT_EQ(g->res.evt[3], 0x00000000a0071000ULL);
}

TEST(golden_s2_fault_recorded)
{
	struct golden *g = golden_s2_scene(STE2_DW2);

	GOLDEN_REQUIRE(g);
	/* IPA 0x80_4020_4abc -> L3[4] = 0.  F_TRANSLATION 0x10 | SID 2<<32;
	 * dw1 RnW 1<<35 | S2 1<<39 | CLASS IN 2<<40 = 0x288_0000_0000;
	 * dw3 IPA[51:12] = 0x80_4020_4000 */
	ASSERT_OK(golden_txn(g, 2, false, 0, 0x8040204abcULL, GR));
	GOLDEN_EXPECT_EVT(g, 0x0000000200000010ULL, 0x0000028800000000ULL,
			  0x0000008040204abcULL);
	ASSERT_EQ(g->res.evt[3], 0x0000008040204000ULL);
	/* IPA bit 40 set: beyond the 40-bit S2T0SZ range */
	ASSERT_OK(golden_txn(g, 2, false, 0, 0x10000000000ULL, GR));
	GOLDEN_EXPECT_EVT(g, 0x0000000200000010ULL, 0x0000028800000000ULL,
			  0x0000010000000000ULL);
	ASSERT_EQ(g->res.evt[3], 0x0000010000000000ULL);
}

TEST(golden_s2_fault_unrecorded)
{
	/* STE2_DW2 without S2R (0x400_0000_0000_0000) */
	struct golden *g = golden_s2_scene(0x000d355800000005ULL);

	GOLDEN_REQUIRE(g);
	ASSERT_OK(golden_txn(g, 2, false, 0, 0x8040204abcULL, GR));
	ASSERT_EQ(g->res.outcome, VSMMU_TXN_FAULT);
	ASSERT_FALSE(g->res.recorded);
}

TEST(golden_s2_permission)
{
	struct golden *g = golden_s2_scene(STE2_DW2);

	GOLDEN_REQUIRE(g);
	/* L3[5] S2AP 01 (read only): write -> F_PERMISSION 0x13, dw1 S2
	 * (0x80_0000_0000) | IN (0x200_0000_0000) = 0x280_0000_0000 */
	ASSERT_OK(golden_txn(g, 2, false, 0, 0x8040205abcULL, GW));
	GOLDEN_EXPECT_EVT(g, 0x0000000200000013ULL, 0x0000028000000000ULL,
			  0x0000008040205abcULL);
	ASSERT_EQ(g->res.evt[3], 0x0000008040205000ULL);
	ASSERT_OK(golden_txn(g, 2, false, 0, 0x8040205abcULL, GR));
	GOLDEN_EXPECT_OK(g, 0x123458abcULL, 12);
	ASSERT_EQ(g->res.perm, PR | PX);
}

TEST(golden_s2_bad_sl0)
{
	/* S2T0SZ 16 (48-bit) with S2SL0 0 (start L2 for 4K) would need
	 * 2^(48-12-18) = 2^18 concatenated tables: ILLEGAL -> C_BAD_STE.
	 * dw2 = STE2_DW2 - 0x18_0000_0000 - 0x40_0000_0000 + 0x10_0000_0000
	 *     = 0x040d_3510_0000_0005 */
	struct golden *g = golden_s2_scene(0x040d351000000005ULL);

	GOLDEN_REQUIRE(g);
	ASSERT_OK(golden_txn(g, 2, false, 0, 0x8040203abcULL, GR));
	GOLDEN_EXPECT_CERR(g, 0x0000000200000004ULL);
}

TEST(golden_s2_ssid_rejected)
{
	struct golden *g = golden_s2_scene(STE2_DW2);

	GOLDEN_REQUIRE(g);
	/* SubstreamID with stage 1 disabled: C_BAD_SUBSTREAMID
	 * 0x08 | 7<<12 (0x7000) | 2<<32 */
	ASSERT_OK(golden_txn(g, 2, true, 7, 0x8040203abcULL, GR));
	GOLDEN_EXPECT_CERR(g, 0x0000000200007008ULL);
}

/* ---- 7. Nested -------------------------------------------------------- */

/*
 * SID 3, nested: STE dw0 = S1ContextPtr IPA 0x200000 | Config 111<<1 (0xe)
 * | V = 0x20000f; dw2 = STE2_DW2 (VMID 5); S2TTB 0x800000 (2 tables).
 * Stage 2:
 *   L1 [0] @0x800000 = 0x802003, [1] @0x800008 = 0x804003
 *   L2 0x802000 [1] @0x802008 = 2 MiB block: IPA 0x20_0000..0x3f_ffff ->
 *        PA 0xa20_0000, leaf bits 0x7ff - 2 (block) = 0x7fd: 0x0a2007fd
 *   L2 0x804000 [0] @0x804000 = 0x805003
 *   L3 0x805000 [4] @0x805020 = 0x0b007000 | 0x7ff (IPA 0x4000_4000)
 *              [5] = 0                      (IPA 0x4000_5000)
 *              [6] @0x805030 = 0x0b008000 | 0x77f (read-only)
 * Stage 1, all addresses IPAs, stored at PA = IPA + 0xa00_0000:
 *   CD @IPA 0x200000 (PA 0xa200000) = CD_STD, TTB0 IPA 0x300000
 *   0xa300008 = 0x301003, 0xa301010 = 0x302003, 0xa302018 = 0x303003,
 *   L3 0xa303020 = 0x40004743, 0xa303028 = 0x40005743,
 *      0xa303030 = 0x40006743
 */
static struct golden *golden_nested_scene(uint64_t ste_dw0)
{
	struct golden *g = golden_new(NULL);

	if (!g)
		return NULL;
	if (golden_put4(g, STE_PA(3), ste_dw0, 0, STE2_DW2, 0x800000) ||
	    golden_w64(g, 0x800000, 0x802003) ||
	    golden_w64(g, 0x800008, 0x804003) ||
	    golden_w64(g, 0x802008, 0x0a2007fdULL) ||
	    golden_w64(g, 0x804000, 0x805003) ||
	    golden_w64(g, 0x805020, 0x0b0077ffULL) ||
	    golden_w64(g, 0x805030, 0x0b00877fULL) ||
	    golden_put4(g, 0xa200000, CD_STD, 0x300000, 0, 0) ||
	    golden_w64(g, 0xa300008, 0x301003) ||
	    golden_w64(g, 0xa301010, 0x302003) ||
	    golden_w64(g, 0xa302018, 0x303003) ||
	    golden_w64(g, 0xa303020, 0x40004743ULL) ||
	    golden_w64(g, 0xa303028, 0x40005743ULL) ||
	    golden_w64(g, 0xa303030, 0x40006743ULL) ||
	    /* S1 L2[5] @PA 0xa302028: 2 MiB block at IPA 0x4000_0000 */
	    golden_w64(g, 0xa302028, 0x40000741ULL) ||
	    golden_enable(g, STRTAB, STRTAB_CFG_LINEAR16))
		return NULL;
	return g;
}

#define STE_NESTED_DW0 0x000000000020000fULL

TEST(golden_nested_ok)
{
	struct golden *g = golden_nested_scene(STE_NESTED_DW0);

	GOLDEN_REQUIRE(g);
	/* 0x80_8060_4567 -S1-> IPA 0x4000_4567 -S2-> PA 0xb00_7567 */
	ASSERT_OK(golden_txn(g, 3, false, 0, IOVA(4, 0x567), GR));
	GOLDEN_EXPECT_OK(g, 0x0b007567ULL, 12);
	ASSERT_EQ(g->res.ipa, 0x40004567ULL);
	ASSERT_EQ(g->res.perm, PR | PW | PX);
	ASSERT_OK(golden_txn(g, 3, false, 0, IOVA(4, 0x567), GW));
	GOLDEN_EXPECT_OK(g, 0x0b007567ULL, 12);
}

TEST(golden_nested_s1_block_s2_page)
{
	struct golden *g = golden_nested_scene(STE_NESTED_DW0);

	GOLDEN_REQUIRE(g);
	/* 1<<39 | 2<<30 | 5<<21 | 0x4567 = 0x80_80a0_4567 -S1 2 MiB block->
	 * IPA 0x4000_4567 -S2 4K page-> 0xb00_7567: the combined
	 * translation is only as large as the smaller stage (4K) */
	ASSERT_OK(golden_txn(g, 3, false, 0, 0x8080a04567ULL, GR));
	GOLDEN_EXPECT_OK(g, 0x0b007567ULL, 12);
	ASSERT_EQ(g->res.ipa, 0x40004567ULL);
	/* the neighbouring 4K of the same S1 block hits the S2 hole */
	ASSERT_OK(golden_txn(g, 3, false, 0, 0x8080a05567ULL, GR));
	GOLDEN_EXPECT_EVT(g, 0x0000000300000010ULL, 0x0000028800000000ULL,
			  0x0000008080a05567ULL);
	ASSERT_EQ(g->res.evt[3], 0x0000000040005000ULL);
}

TEST(golden_nested_s2_hole_under_table)
{
	struct golden *g = golden_nested_scene(STE_NESTED_DW0);

	GOLDEN_REQUIRE(g);
	/* S1 L2[3] now points at the L3 table at IPA 0x603000, which stage
	 * 2 does not map (S2 L2 0x802000 [3] = 0) */
	ASSERT_OK(golden_w64(g, 0xa302018, 0x603003));
	/* F_TRANSLATION | SID 3<<32; dw1 RnW (0x8_0000_0000) | S2
	 * (0x80_0000_0000) | CLASS TT 1<<40 (0x100_0000_0000); dw2 IOVA;
	 * dw3 IPA of the descriptor 0x603020, bits [51:12]: 0x603000.
	 * TTRnW (bit 44) is masked: the spec defines it for F_PERMISSION. */
	ASSERT_OK(golden_txn(g, 3, false, 0, IOVA(4, 0x567), GR));
	ASSERT_EQ(g->res.outcome, VSMMU_TXN_FAULT);
	ASSERT_TRUE(g->res.recorded);
	ASSERT_EQ(g->res.evt[0], 0x0000000300000010ULL);
	ASSERT_EQ(g->res.evt[1] & ~(1ULL << 44), 0x0000018800000000ULL);
	ASSERT_EQ(g->res.evt[2], 0x0000008080604567ULL);
	ASSERT_EQ(g->res.evt[3], 0x0000000000603000ULL);
}

TEST(golden_nested_s2_hole_under_cd)
{
	/* S1ContextPtr = IPA 0x600000, unmapped at stage 2: 0x60000f */
	struct golden *g = golden_nested_scene(0x000000000060000fULL);

	GOLDEN_REQUIRE(g);
	/* IHI 0070 7.3.13: a stage-2 fault fetching a CD is F_TRANSLATION
	 * with S2 = 1, CLASS = CD (0) and IPA = the CD address (F_CD_FETCH
	 * is for external aborts).  dw1 RnW | S2 = 0x88_0000_0000 */
	ASSERT_OK(golden_txn(g, 3, false, 0, IOVA(4, 0x567), GR));
	GOLDEN_EXPECT_EVT(g, 0x0000000300000010ULL, 0x0000008800000000ULL,
			  0x0000008080604567ULL);
	ASSERT_EQ(g->res.evt[3], 0x0000000000600000ULL);
}

TEST(golden_nested_s2_hole_under_output)
{
	struct golden *g = golden_nested_scene(STE_NESTED_DW0);

	GOLDEN_REQUIRE(g);
	/* 0x80_8060_5567 -S1-> IPA 0x4000_5567, S2 L3[5] = 0:
	 * F_TRANSLATION S2 CLASS IN, dw1 0x288_0000_0000, IPA 0x4000_5000 */
	ASSERT_OK(golden_txn(g, 3, false, 0, IOVA(5, 0x567), GR));
	GOLDEN_EXPECT_EVT(g, 0x0000000300000010ULL, 0x0000028800000000ULL,
			  0x0000008080605567ULL);
	ASSERT_EQ(g->res.evt[3], 0x0000000040005000ULL);
}

TEST(golden_nested_perm_intersect)
{
	struct golden *g = golden_nested_scene(STE_NESTED_DW0);

	GOLDEN_REQUIRE(g);
	/* S1 RW (AP 01), S2 read-only: write -> F_PERMISSION S2 IN,
	 * dw1 0x280_0000_0000, IPA 0x4000_6000 */
	ASSERT_OK(golden_txn(g, 3, false, 0, IOVA(6, 0x567), GW));
	GOLDEN_EXPECT_EVT(g, 0x0000000300000013ULL, 0x0000028000000000ULL,
			  0x0000008080606567ULL);
	ASSERT_EQ(g->res.evt[3], 0x0000000040006000ULL);
	ASSERT_OK(golden_txn(g, 3, false, 0, IOVA(6, 0x567), GR));
	GOLDEN_EXPECT_OK(g, 0x0b008567ULL, 12);
	ASSERT_EQ(g->res.perm, PR | PX);
}

TEST(golden_nested_s1_fault_is_stage1)
{
	struct golden *g = golden_nested_scene(STE_NESTED_DW0);

	GOLDEN_REQUIRE(g);
	/* S1 L3[7] empty: a stage-1 fault, S2 = 0, CLASS IN, under the CD's
	 * R bit: dw1 0x208_0000_0000 */
	ASSERT_OK(golden_txn(g, 3, false, 0, IOVA(7, 0x10), GR));
	GOLDEN_EXPECT_EVT(g, 0x0000000300000010ULL, 0x0000020800000000ULL,
			  0x0000008080607010ULL);
}

/* ---- 8. Privilege, instruction, table attributes ---------------------- */

TEST(golden_priv_ap00)
{
	struct golden *g = golden_s1_scene(NULL, 0, CD_STD, 0);

	GOLDEN_REQUIRE(g);
	/* L3[10] AP 00: unprivileged read -> F_PERMISSION, PnU 0, RnW 1 */
	ASSERT_OK(golden_txn(g, 1, false, 0, IOVA(10, 0x10), GR));
	GOLDEN_EXPECT_EVT(g, 0x0000000100000013ULL, 0x0000020800000000ULL,
			  0x000000808060a010ULL);
	ASSERT_OK(golden_txn(g, 1, false, 0, IOVA(10, 0x10), GR | GP));
	GOLDEN_EXPECT_OK(g, 0x8765a010ULL, 12);
	ASSERT_EQ(g->res.perm, PR | PW | PX);
}

TEST(golden_priv_ap10)
{
	struct golden *g = golden_s1_scene(NULL, 0, CD_STD, 0);

	GOLDEN_REQUIRE(g);
	/* L3[11] AP 10: privileged read-only */
	ASSERT_OK(golden_txn(g, 1, false, 0, IOVA(11, 0x10), GR | GP));
	GOLDEN_EXPECT_OK(g, 0x8765b010ULL, 12);
	ASSERT_EQ(g->res.perm, PR | PX);
	/* privileged write: dw1 PnU 1<<33 | IN = 0x202_0000_0000 */
	ASSERT_OK(golden_txn(g, 1, false, 0, IOVA(11, 0x10), GW | GP));
	GOLDEN_EXPECT_EVT(g, 0x0000000100000013ULL, 0x0000020200000000ULL,
			  0x000000808060b010ULL);
}

TEST(golden_priv_pxn)
{
	struct golden *g = golden_s1_scene(NULL, 0, CD_STD, 0);

	GOLDEN_REQUIRE(g);
	/* L3[12] AP 11 + PXN: privileged fetch -> F_PERMISSION, dw1 PnU
	 * 1<<33 | InD 1<<34 | RnW 1<<35 | IN = 0x20e_0000_0000 */
	ASSERT_OK(golden_txn(g, 1, false, 0, IOVA(12, 0x10), GX | GP));
	GOLDEN_EXPECT_EVT(g, 0x0000000100000013ULL, 0x0000020e00000000ULL,
			  0x000000808060c010ULL);
	ASSERT_OK(golden_txn(g, 1, false, 0, IOVA(12, 0x10), GX));
	GOLDEN_EXPECT_OK(g, 0x8765c010ULL, 12);
	ASSERT_EQ(g->res.perm, PR | PX);
	ASSERT_OK(golden_txn(g, 1, false, 0, IOVA(12, 0x10), GR | GP));
	GOLDEN_EXPECT_OK(g, 0x8765c010ULL, 12);
	ASSERT_EQ(g->res.perm, PR);
}

TEST(golden_priv_uxn)
{
	struct golden *g = golden_s1_scene(NULL, 0, CD_STD, 0);

	GOLDEN_REQUIRE(g);
	/* L3[13] AP 11 + UXN: unprivileged fetch -> dw1 InD | RnW | IN =
	 * 0x20c_0000_0000 */
	ASSERT_OK(golden_txn(g, 1, false, 0, IOVA(13, 0x10), GX));
	GOLDEN_EXPECT_EVT(g, 0x0000000100000013ULL, 0x0000020c00000000ULL,
			  0x000000808060d010ULL);
	ASSERT_OK(golden_txn(g, 1, false, 0, IOVA(13, 0x10), GX | GP));
	GOLDEN_EXPECT_OK(g, 0x8765d010ULL, 12);
	ASSERT_EQ(g->res.perm, PR | PX);
}

TEST(golden_priv_exec_el0_writable)
{
	struct golden *g = golden_s1_scene(NULL, 0, CD_STD, 0);

	GOLDEN_REQUIRE(g);
	/* L3[4] AP 01 is writable at EL0, which VMSAv8-64 treats as PXN
	 * (IHI 0070 CD.UWXN: "IGNORED if VMSAv8-64, all EL0-writable regions
	 * treated as PXN"): privileged fetch -> F_PERMISSION 0x20e_.. */
	ASSERT_OK(golden_txn(g, 1, false, 0, IOVA(4, 0x567), GX | GP));
	GOLDEN_EXPECT_EVT(g, 0x0000000100000013ULL, 0x0000020e00000000ULL,
			  0x0000008080604567ULL);
	ASSERT_OK(golden_txn(g, 1, false, 0, IOVA(4, 0x567), GR | GP));
	GOLDEN_EXPECT_OK(g, 0x87654567ULL, 12);
	ASSERT_EQ(g->res.perm, PR | PW);
}

/* PRIVCFG/INSTCFG need IDR1.ATTR_PERMS_OVR (bit 26). */
static void golden_cfg_attr_ovr(struct vsmmu_smmu_config *cfg)
{
	vsmmu_smmu_config_default(cfg);
	cfg->idr[1] |= 0x04000000;
}

TEST(golden_privcfg_override)
{
	struct vsmmu_smmu_config cfg;
	struct golden *g;

	golden_cfg_attr_ovr(&cfg);
	/* STE dw1 PRIVCFG 0b11 (privileged) at 49:48 = 0x3_0000_0000_0000 */
	g = golden_s1_scene(&cfg, 0x0003000000000000ULL, CD_STD, 0);
	GOLDEN_REQUIRE(g);
	/* unprivileged read of AP 00 becomes privileged: allowed */
	ASSERT_OK(golden_txn(g, 1, false, 0, IOVA(10, 0x10), GR));
	GOLDEN_EXPECT_OK(g, 0x8765a010ULL, 12);

	/* PRIVCFG 0b10 (unprivileged) = 0x2_0000_0000_0000 */
	g = golden_s1_scene(&cfg, 0x0002000000000000ULL, CD_STD, 0);
	GOLDEN_REQUIRE(g);
	/* privileged read of AP 00 becomes unprivileged: F_PERMISSION with
	 * the post-override PnU = 0: dw1 RnW | IN = 0x208_0000_0000 */
	ASSERT_OK(golden_txn(g, 1, false, 0, IOVA(10, 0x10), GR | GP));
	GOLDEN_EXPECT_EVT(g, 0x0000000100000013ULL, 0x0000020800000000ULL,
			  0x000000808060a010ULL);
}

TEST(golden_instcfg_override)
{
	struct vsmmu_smmu_config cfg;
	struct golden *g;

	golden_cfg_attr_ovr(&cfg);
	/* STE dw1 INSTCFG 0b11 (instruction) at 51:50 = 0xc_0000_0000_0000 */
	g = golden_s1_scene(&cfg, 0x000c000000000000ULL, CD_STD, 0);
	GOLDEN_REQUIRE(g);
	/* data read of the UXN page L3[13] becomes an instruction fetch:
	 * dw1 InD | RnW | IN = 0x20c_0000_0000 */
	ASSERT_OK(golden_txn(g, 1, false, 0, IOVA(13, 0x10), GR));
	GOLDEN_EXPECT_EVT(g, 0x0000000100000013ULL, 0x0000020c00000000ULL,
			  0x000000808060d010ULL);
	/* writes stay data: a write to the RW page L3[4] is fine */
	ASSERT_OK(golden_txn(g, 1, false, 0, IOVA(4, 0x10), GW));
	GOLDEN_EXPECT_OK(g, 0x87654010ULL, 12);

	/* INSTCFG 0b10 (data) = 0x8_0000_0000_0000: a fetch of L3[13]
	 * is treated as a data read and allowed */
	g = golden_s1_scene(&cfg, 0x0008000000000000ULL, CD_STD, 0);
	GOLDEN_REQUIRE(g);
	ASSERT_OK(golden_txn(g, 1, false, 0, IOVA(13, 0x10), GX));
	GOLDEN_EXPECT_OK(g, 0x8765d010ULL, 12);
}

TEST(golden_s1_aptable)
{
	struct golden *g = golden_s1_scene(NULL, 0, CD_STD, 0);

	GOLDEN_REQUIRE(g);
	/* L2[3] table descriptor with APTable 0b10 (bit 62: no writes
	 * below) = 0x4000_0000_0000_0000 | 0x303003 */
	ASSERT_OK(golden_w64(g, 0x302018, 0x4000000000303003ULL));
	ASSERT_OK(golden_txn(g, 1, false, 0, IOVA(4, 0x20), GW));
	GOLDEN_EXPECT_EVT(g, 0x0000000100000013ULL, 0x0000020000000000ULL,
			  0x0000008080604020ULL);
	ASSERT_OK(golden_txn(g, 1, false, 0, IOVA(4, 0x20), GR));
	GOLDEN_EXPECT_OK(g, 0x87654020ULL, 12);
	ASSERT_EQ(g->res.perm & (PR | PW), PR);
}

TEST(golden_s1_aptable_el0)
{
	struct golden *g = golden_s1_scene(NULL, 0, CD_STD, 0);

	GOLDEN_REQUIRE(g);
	/* APTable 0b01 (bit 61: no EL0 access below) = 0x2000_..._0030_3003
	 * on L2[3]: unprivileged read of the AP 01 page faults */
	ASSERT_OK(golden_w64(g, 0x302018, 0x2000000000303003ULL));
	ASSERT_OK(golden_txn(g, 1, false, 0, IOVA(4, 0x20), GR));
	GOLDEN_EXPECT_EVT(g, 0x0000000100000013ULL, 0x0000020800000000ULL,
			  0x0000008080604020ULL);
	ASSERT_OK(golden_txn(g, 1, false, 0, IOVA(4, 0x20), GW | GP));
	GOLDEN_EXPECT_OK(g, 0x87654020ULL, 12);
}

TEST(golden_s1_xntable)
{
	struct golden *g = golden_s1_scene(NULL, 0, CD_STD, 0);

	GOLDEN_REQUIRE(g);
	/* L1[2] table descriptor with XNTable (bit 60, unprivileged XN) =
	 * 0x1000_0000_0000_0000 | 0x302003 */
	ASSERT_OK(golden_w64(g, 0x301010, 0x1000000000302003ULL));
	ASSERT_OK(golden_txn(g, 1, false, 0, IOVA(6, 0x10), GX));
	GOLDEN_EXPECT_EVT(g, 0x0000000100000013ULL, 0x0000020c00000000ULL,
			  0x0000008080606010ULL);
	/* PXNTable unaffected: the privileged fetch of AP 11 works */
	ASSERT_OK(golden_txn(g, 1, false, 0, IOVA(6, 0x10), GX | GP));
	GOLDEN_EXPECT_OK(g, 0x87656010ULL, 12);
}

TEST(golden_s1_wxn)
{
	/* CD_STD | WXN 1<<36 (0x10_0000_0000) = 0x0001_6215_c000_3510 */
	struct golden *g = golden_s1_scene(NULL, 0, 0x00016215c0003510ULL, 0);

	GOLDEN_REQUIRE(g);
	/* L3[10] AP 00 is writable: no execution with WXN (0x20e_..) */
	ASSERT_OK(golden_txn(g, 1, false, 0, IOVA(10, 0x10), GX | GP));
	GOLDEN_EXPECT_EVT(g, 0x0000000100000013ULL, 0x0000020e00000000ULL,
			  0x000000808060a010ULL);
	/* L3[11] AP 10 is read-only: executable */
	ASSERT_OK(golden_txn(g, 1, false, 0, IOVA(11, 0x10), GX | GP));
	GOLDEN_EXPECT_OK(g, 0x8765b010ULL, 12);
}

TEST(golden_s1_pan)
{
	/* CD_STD | PAN 1<<40 (0x100_0000_0000) = 0x0001_6305_c000_3510 */
	struct golden *g = golden_s1_scene(NULL, 0, 0x00016305c0003510ULL, 0);

	GOLDEN_REQUIRE(g);
	/* privileged data read of an EL0-accessible page (L3[4], AP 01):
	 * dw1 PnU 1<<33 | RnW 1<<35 | IN = 0x20a_0000_0000 */
	ASSERT_OK(golden_txn(g, 1, false, 0, IOVA(4, 0x567), GR | GP));
	GOLDEN_EXPECT_EVT(g, 0x0000000100000013ULL, 0x0000020a00000000ULL,
			  0x0000008080604567ULL);
	ASSERT_OK(golden_txn(g, 1, false, 0, IOVA(4, 0x567), GR));
	GOLDEN_EXPECT_OK(g, 0x87654567ULL, 12);
	ASSERT_OK(golden_txn(g, 1, false, 0, IOVA(10, 0x10), GW | GP));
	GOLDEN_EXPECT_OK(g, 0x8765a010ULL, 12);
}

/* ---- Caches: stale entries until invalidated -------------------------- */

TEST(golden_tlb_stale_until_tlbi_asid)
{
	struct golden *g = golden_s1_scene(NULL, 0, CD_STD, 0);
	struct vsmmu_tlbi inv = {
		.kind = VSMMU_TLBI_NH_ASID,
		.vmid = 0,
		.asid = 1,
	};

	GOLDEN_REQUIRE(g);
	ASSERT_OK(golden_txn(g, 1, false, 0, IOVA(4, 0x567), GR));
	GOLDEN_EXPECT_OK(g, 0x87654567ULL, 12);
	ASSERT_OK(golden_w64(g, 0x303020, 0)); /* unmap behind its back */
	ASSERT_OK(golden_txn(g, 1, false, 0, IOVA(4, 0x567), GR));
	GOLDEN_EXPECT_OK(g, 0x87654567ULL, 12);
	ASSERT_TRUE(g->res.tlb_hit);
	ASSERT_OK(vsmmu_smmu_tlbi(g->smmu, &inv));
	ASSERT_OK(golden_txn(g, 1, false, 0, IOVA(4, 0x567), GR));
	GOLDEN_EXPECT_EVT(g, 0x0000000100000010ULL, 0x0000020800000000ULL,
			  0x0000008080604567ULL);
}

TEST(golden_tlb_stale_until_tlbi_va)
{
	struct golden *g = golden_s1_scene(NULL, 0, CD_STD, 0);
	struct vsmmu_tlbi inv = {
		.kind = VSMMU_TLBI_NH_VA,
		.vmid = 0,
		.asid = 1,
		.addr = IOVA(4, 0),
		.leaf = true,
	};

	GOLDEN_REQUIRE(g);
	ASSERT_OK(golden_txn(g, 1, false, 0, IOVA(4, 0x567), GR));
	ASSERT_OK(golden_txn(g, 1, false, 0, IOVA(6, 0x567), GR));
	/* remap L3[4] to 0x8888_8000 (| 0xf43: AP 01, AF, nG) */
	ASSERT_OK(golden_w64(g, 0x303020, 0x88888f43ULL));
	ASSERT_OK(golden_txn(g, 1, false, 0, IOVA(4, 0x567), GR));
	GOLDEN_EXPECT_OK(g, 0x87654567ULL, 12);
	ASSERT_OK(vsmmu_smmu_tlbi(g->smmu, &inv));
	ASSERT_OK(golden_txn(g, 1, false, 0, IOVA(4, 0x567), GR));
	GOLDEN_EXPECT_OK(g, 0x88888567ULL, 12);
	/* the other page was not invalidated and is still served */
	ASSERT_OK(golden_txn(g, 1, false, 0, IOVA(6, 0x567), GR));
	GOLDEN_EXPECT_OK(g, 0x87656567ULL, 12);
	ASSERT_TRUE(g->res.tlb_hit);
}

TEST(golden_tlb_global_until_tlbi_vaa)
{
	struct golden *g = golden_s1_scene(NULL, 0, CD_STD, 0);
	struct vsmmu_tlbi inv = {
		.kind = VSMMU_TLBI_NH_VAA,
		.vmid = 0,
		.addr = IOVA(6, 0),
	};

	GOLDEN_REQUIRE(g);
	/* L3[6] is global (nG = 0): NH_VAA (any ASID) must remove it */
	ASSERT_OK(golden_txn(g, 1, false, 0, IOVA(6, 0x10), GR));
	GOLDEN_EXPECT_OK(g, 0x87656010ULL, 12);
	ASSERT_OK(golden_w64(g, 0x303030, 0));
	ASSERT_OK(vsmmu_smmu_tlbi(g->smmu, &inv));
	ASSERT_OK(golden_txn(g, 1, false, 0, IOVA(6, 0x10), GR));
	GOLDEN_EXPECT_EVT(g, 0x0000000100000010ULL, 0x0000020800000000ULL,
			  0x0000008080606010ULL);
}

TEST(golden_cfg_stale_until_cfgi_cd)
{
	struct golden *g = golden_s1_scene(NULL, 0, CD_STD, 0);
	struct vsmmu_cfgi inv = { .kind = VSMMU_CFGI_CD, .sid = 1, .ssid = 0 };

	GOLDEN_REQUIRE(g);
	ASSERT_OK(golden_alt_tables(g));
	ASSERT_OK(golden_txn(g, 1, false, 0, IOVA(4, 0x567), GR));
	GOLDEN_EXPECT_OK(g, 0x87654567ULL, 12);
	/* New CD: ASID 2 (CD_STD + 1<<48 = 0x0002_6205_c000_3510) over the
	 * tables at 0x600000.  The cached CD (ASID 1) still serves. */
	ASSERT_OK(golden_w64(g, CD_PA + 8, 0x600000));
	ASSERT_OK(golden_w64(g, CD_PA, 0x00026205c0003510ULL));
	ASSERT_OK(golden_txn(g, 1, false, 0, IOVA(4, 0x567), GR));
	GOLDEN_EXPECT_OK(g, 0x87654567ULL, 12);
	ASSERT_OK(vsmmu_smmu_cfgi(g->smmu, &inv));
	ASSERT_OK(golden_txn(g, 1, false, 0, IOVA(4, 0x567), GR));
	GOLDEN_EXPECT_OK(g, 0x55555567ULL, 12);
}

TEST(golden_cfg_stale_until_cfgi_ste)
{
	struct golden *g = golden_s1_scene(NULL, 0, CD_STD, 0);
	struct vsmmu_cfgi inv = { .kind = VSMMU_CFGI_STE, .sid = 1 };

	GOLDEN_REQUIRE(g);
	ASSERT_OK(golden_txn(g, 1, false, 0, IOVA(4, 0x567), GR));
	GOLDEN_EXPECT_OK(g, 0x87654567ULL, 12);
	/* STE -> bypass (0x9); stale until CFGI_STE */
	ASSERT_OK(golden_w64(g, STE_PA(1), 0x9));
	ASSERT_OK(golden_txn(g, 1, false, 0, IOVA(4, 0x567), GR));
	GOLDEN_EXPECT_OK(g, 0x87654567ULL, 12);
	ASSERT_OK(vsmmu_smmu_cfgi(g->smmu, &inv));
	ASSERT_OK(golden_txn(g, 1, false, 0, IOVA(4, 0x567), GR));
	ASSERT_EQ(g->res.outcome, VSMMU_TXN_OK);
	ASSERT_EQ(g->res.oa, IOVA(4, 0x567));
	ASSERT_TRUE(g->res.bypass);
}

/* ---- The event queue holds the same record -------------------------- */

TEST(golden_evtq_record)
{
	struct golden *g = golden_s1_scene(NULL, 0, CD_STD, 0);
	uint64_t prod = ~0ULL;

	GOLDEN_REQUIRE(g);
	ASSERT_OK(golden_txn(g, 1, false, 0, IOVA(5, 0x10), GR));
	GOLDEN_EXPECT_EVT(g, 0x0000000100000010ULL, 0x0000020800000000ULL,
			  0x0000008080605010ULL);
	/* one record written: EVTQ_PROD index 1, wrap 0 */
	ASSERT_OK(
		vsmmu_smmu_mmio_read(g->smmu, GOLDEN_REG_EVTQ_PROD, 4, &prod));
	if (prod == 0 && golden_r64(g, GOLDEN_EVTQ_PA) == 0)
		SKIP("the model does not write the event queue yet");
	ASSERT_EQ(prod & 0x7f, 1);
	ASSERT_EQ(golden_r64(g, GOLDEN_EVTQ_PA), 0x0000000100000010ULL);
	ASSERT_EQ(golden_r64(g, GOLDEN_EVTQ_PA + 8), 0x0000020800000000ULL);
	ASSERT_EQ(golden_r64(g, GOLDEN_EVTQ_PA + 16), 0x0000008080605010ULL);
	/* a second record (C_BAD_SUBSTREAMID, SSID 1) goes to slot 1 */
	ASSERT_OK(golden_txn(g, 1, true, 1, IOVA(4, 0), GR));
	ASSERT_OK(
		vsmmu_smmu_mmio_read(g->smmu, GOLDEN_REG_EVTQ_PROD, 4, &prod));
	ASSERT_EQ(prod & 0x7f, 2);
	ASSERT_EQ(golden_r64(g, GOLDEN_EVTQ_PA + 32), 0x0000000100001008ULL);
}
