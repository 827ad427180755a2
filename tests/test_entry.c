// SPDX-License-Identifier: MIT
/*
 * The live STE/CD rules and the hitless writer of <vsmmu/entry.h>.
 *
 * Entries are written here as hex literals worked out by hand from the
 * layouts of IHI 0070 5.2 (STE) and 5.4 (CD); the comment above each gives
 * its fields.  The writer runs against a recorder in the style of Linux's
 * KUnit test (arm-smmu-v3-test.c): every sync snapshots the entry and
 * checks that, in the bits its own configuration uses (update-safe bits
 * aside), it equals the old or the new entry -- or is invalid, which only
 * a transition that cannot be hitless may show.  The expected number of
 * syncs of each transition is derived by hand in its comment: "step" is
 * the entry with every bit the current configuration ignores (or may
 * change safely) set to its target value; the used bits still differing
 * after that decide hitless (one word) or break (two or more).
 */
#include <errno.h>
#include <string.h>

#include <vsmmu/entry.h>

#include "harness.h"

/* --- Entries -------------------------------------------------------------- */

/* STE abort: V, Config 0b000. */
static const uint64_t ste_abort[8] = { 0x1 };
/* STE bypass: V, Config 0b100 (<< 1 = 0x8); SHCFG = 1 (incoming) [45:44]. */
static const uint64_t ste_bypass[8] = { 0x9, 0x0000100000000000ULL };
/*
 * STE stage 1, one CD (S1CDMax 0): V, Config 0b101 (0xa), S1ContextPtr
 * 0x40000; word 1: S1CIR = S1COR = 1 (WBRA) [3:2]=0x4 [5:4]=0x10, S1CSH =
 * 3 (inner shareable) [7:6]=0xc0.
 */
static const uint64_t ste_s1[8] = { 0x4000b, 0xd4 };
/* The same with S1STALLD [27] set. */
static const uint64_t ste_s1_stalld[8] = { 0x4000b, 0x80000d4 };
/*
 * STE stage 1 with substreams: S1CDMax 8 ([63:59] = 8 << 59 =
 * 0x4000000000000000), S1Fmt 0 (linear); S1DSS = 0b10 (SSID0) [1:0].
 */
static const uint64_t ste_s1_ssid0[8] = { 0x400000000004000bULL, 0xd6 };
/* ... with S1DSS = 0b01 (bypass) and then SHCFG = 1 (incoming). */
static const uint64_t ste_s1_dssbyp[8] = { 0x400000000004000bULL,
					   0x00001000000000d5ULL };
/*
 * STE stage 2: V, Config 0b110 (0xc); SHCFG 1; word 2: S2VMID 3, S2T0SZ 16
 * [37:32], S2SL0 2 [39:38], S2IR0 = S2OR0 = 1 [41:40],[43:42], S2SH0 3
 * [45:44], S2TG 0 (4K), S2PS 5 [50:48], S2AA64 [51], S2PTW [54], S2R
 * [58] = 0x044d359000000003; word 3: S2TTB 0x123000.
 */
static const uint64_t ste_s2[8] = { 0xd, 0x0000100000000000ULL,
				    0x044d359000000003ULL, 0x123000 };
/* Another stage 2: VMID 4, S2TTB 0x456000. */
static const uint64_t ste_s2b[8] = { 0xd, 0x0000100000000000ULL,
				     0x044d359000000004ULL, 0x456000 };
/* ste_s2 with S2S [57] = 0x0200000000000000. */
static const uint64_t ste_s2_s2s[8] = { 0xd, 0x0000100000000000ULL,
					0x064d359000000003ULL, 0x123000 };
/* ste_s2 with EATS = 0b01 [29:28] = 0x10000000. */
static const uint64_t ste_s2_ats[8] = { 0xd, 0x0000100010000000ULL,
					0x044d359000000003ULL, 0x123000 };
/* ste_s2_s2s with EATS = 0b01: an ILLEGAL pair (EATS 0b01 with S2S). */
/*
 * A guest's STE over ste_s2 (Linux's nested STE): Config 0b111 (0xe),
 * the guest's S1ContextPtr 0x80000, S1CDMax 8; word 1 the guest's S1DSS
 * bypass and CD attributes (0xd5) | the parent's SHCFG | MEV [19] =
 * 0x80000 | EATS 0b01 (0x10000000).
 */
static const uint64_t ste_nested_dssbyp[8] = { 0x400000000008000fULL,
					       0x00001000100800d5ULL,
					       0x044d359000000003ULL,
					       0x123000 };

/*
 * CD (Linux arm_smmu_make_s1_cd shape): word 0: T0SZ 16, TG0 0 (4K),
 * IRGN0 = ORGN0 = 1 [9:8]=0x100 [11:10]=0x400, SH0 3 [13:12]=0x3000, EPD1
 * [30], V [31], IPS 5 [34:32], AA64 [41], R [45], A [46], ASID [63:48];
 * word 1 TTB0; word 3 MAIR.
 *   0x10 | 0x100 | 0x400 | 0x3000 | 0x40000000 | 0x80000000 |
 *   0x500000000 | 0x20000000000 | 0x200000000000 | 0x400000000000
 *   = 0x00006205c0003510, ASID 1 -> 0x00016205c0003510.
 */
static const uint64_t cd_asid1[8] = { 0x00016205c0003510ULL, 0x123000, 0,
				      0x0404ff44ULL };
static const uint64_t cd_asid2[8] = { 0x00026205c0003510ULL, 0x123000, 0,
				      0x0404ff44ULL };
static const uint64_t cd_zero[8] = { 0 };
/* cd_asid1 with S [44] (stall) = 0x100000000000. */
static const uint64_t cd_stall[8] = { 0x00017205c0003510ULL, 0x123000, 0,
				      0x0404ff44ULL };
/*
 * An SVA CD and its "released" form (Linux arm_smmu_make_sva_cd with a
 * NULL mm): the released CD keeps V and the ASID but sets EPD0 [14]
 * (0x4000) and drops the TTB0 walk fields and TTB0.
 */
static const uint64_t cd_sva[8] = { 0x07cd620dc0003510ULL, 0x7a2000, 0,
				    0x0404ff44ULL };
static const uint64_t cd_sva_released[8] = { 0x07cd620dc0004000ULL, 0, 0,
					     0x0404ff44ULL };

/* --- Used bits, by hand ---------------------------------------------------- */

TEST(entry_ste_used_golden)
{
	uint64_t u[8];

	vsmmu_ste_used(cd_zero, u); /* V = 0: V alone */
	ASSERT_EQ(u[0], 0x1);
	ASSERT_EQ(u[1] | u[2] | u[3], 0);
	vsmmu_ste_used(ste_abort, u); /* V | Config [3:1] */
	ASSERT_EQ(u[0], 0xf);
	ASSERT_EQ(u[1], 0);
	/* Config 0b010 (reserved, aborts): the same as abort */
	vsmmu_ste_used((const uint64_t[8]){ 0x5 }, u);
	ASSERT_EQ(u[0], 0xf);
	ASSERT_EQ(u[1], 0);
	/* Bypass: PRIVCFG [49:48], INSTCFG [51:50], MemAttr [35:32], MTCFG
	 * [36], ALLOCCFG [40:37], SHCFG [45:44], NSCFG [47:46] */
	vsmmu_ste_used(ste_bypass, u);
	ASSERT_EQ(u[0], 0xf);
	ASSERT_EQ(u[1], 0x000ff1ff00000000ULL);
	ASSERT_EQ(u[2], 0);
	/*
	 * Stage 1 with S1CDMax 0: word 0 V, Config, S1ContextPtr [51:6],
	 * S1CDMax [63:59] but not S1Fmt [5:4]; word 1 PRIV/INSTCFG, S1CIR,
	 * S1COR, S1CSH [7:2], MEV [19], S1STALLD [27], EATS [29:28], STRW
	 * [31:30] but not S1DSS nor PPAR; word 2 the VMID.
	 */
	vsmmu_ste_used(ste_s1, u);
	ASSERT_EQ(u[0], 0xf80fffffffffffcfULL);
	ASSERT_EQ(u[1], 0x000f0000f80800fcULL);
	ASSERT_EQ(u[2], 0xffff);
	ASSERT_EQ(u[3], 0);
	/* S1CDMax 8 with S1DSS bypass: S1Fmt, S1DSS [1:0], PPAR [18] and
	 * the attribute overrides join */
	vsmmu_ste_used(ste_s1_dssbyp, u);
	ASSERT_EQ(u[0], 0xf80fffffffffffffULL);
	ASSERT_EQ(u[1], 0x000ff1fff80c00ffULL);
	/* ... and without the bypass, not the overrides */
	vsmmu_ste_used(ste_s1_ssid0, u);
	ASSERT_EQ(u[1], 0x000f0000f80c00ffULL);
	/* Stage 2: word 1 overrides, S2FWB [25], EATS, MEV; word 2 VMID,
	 * VTCR [50:32], S2AA64..S2R [58:51]; word 3 S2TTB [51:4] */
	vsmmu_ste_used(ste_s2, u);
	ASSERT_EQ(u[0], 0xf);
	ASSERT_EQ(u[1], 0x000ff1ff32080000ULL);
	ASSERT_EQ(u[2], 0x07ffffff0000ffffULL);
	ASSERT_EQ(u[3], 0x000ffffffffffff0ULL);
	/* Words 4-7 never */
	ASSERT_EQ(u[4] | u[5] | u[6] | u[7], 0);
}

TEST(entry_cd_used_golden)
{
	uint64_t u[8];

	vsmmu_cd_used(cd_zero, u);
	ASSERT_EQ(u[0], 0x80000000ULL); /* V [31] */
	ASSERT_EQ(u[1] | u[2] | u[3], 0);
	/* EPD1 only: T1SZ [21:16], TG1 [23:22], IRGN1 [25:24], ORGN1
	 * [27:26], SH1 [29:28], TBI1 [39] ignored; word 2's TTB1 [51:4],
	 * HAD1 [1], NSCFG1 [0] ignored */
	vsmmu_cd_used(cd_asid1, u);
	ASSERT_EQ(u[0], 0xffffff7fc000ffffULL);
	ASSERT_EQ(u[1], ~0ULL);
	ASSERT_EQ(u[2], 0xfff000000000000cULL); /* [3:2] are not TTB1's */
	ASSERT_EQ(u[3], ~0ULL);
	ASSERT_EQ(u[4] | u[5] | u[6] | u[7], 0); /* RES0 */
	/* EPD0 and EPD1: both halves' fields ignored (T0SZ [5:0], TG0
	 * [7:6], IRGN0 [9:8], ORGN0 [11:10], SH0 [13:12], TBI0 [38]; word 1
	 * TTB0, HAD0, NSCFG0): the SVA release case */
	vsmmu_cd_used(cd_sva_released, u);
	ASSERT_EQ(u[0], 0xffffff3fc000c000ULL);
	ASSERT_EQ(u[1], 0xfff000000000000cULL);
}

TEST(entry_ste_update_safe_golden)
{
	uint64_t s[8];

	/* MEV [19] always; EATS_TRANS (0x10000000) without S1CHK/S2S */
	vsmmu_ste_update_safe(ste_s2, ste_s2_ats, s);
	ASSERT_EQ(s[1], 0x10080000);
	ASSERT_EQ(s[0] | s[2] | s[3], 0);
	/* S2S in either entry: only MEV */
	vsmmu_ste_update_safe(ste_s2_s2s, ste_s2_ats, s);
	ASSERT_EQ(s[1], 0x80000);
	vsmmu_ste_update_safe(ste_s2_ats, ste_s2_s2s, s);
	ASSERT_EQ(s[1], 0x80000);
	/* EATS 0b10 (0x20000000) in either: only MEV */
	vsmmu_ste_update_safe(ste_s2, (const uint64_t[8]){ 0xf, 0x20000000 },
			      s);
	ASSERT_EQ(s[1], 0x80000);
}

/* --- Nested STEs (Linux's arm_smmu_validate_vste) -------------------------- */

TEST(entry_nested_check)
{
	uint64_t w[2];
	bool ats;

	/* V = 0: zeroed and accepted, whatever else is set */
	w[0] = 0xfffffffffffffffeULL;
	w[1] = ~0ULL;
	ASSERT_OK(vsmmu_ste_nested_check(w, &ats));
	ASSERT_EQ(w[0], 0);
	ASSERT_EQ(w[1], 0);
	ASSERT_FALSE(ats);
	/* Stage 1 with EATS = 0b01: accepted, EATS taken out, ats set */
	w[0] = 0x400000000008000bULL;
	w[1] = 0x100000d5ULL;
	ASSERT_OK(vsmmu_ste_nested_check(w, &ats));
	ASSERT_EQ(w[0], 0x400000000008000bULL);
	ASSERT_EQ(w[1], 0xd5);
	ASSERT_TRUE(ats);
	/* Bypass with EATS = 0b01: accepted, no ATS (not stage 1) */
	w[0] = 0x9;
	w[1] = 0x10000000;
	ASSERT_OK(vsmmu_ste_nested_check(w, &ats));
	ASSERT_EQ(w[1], 0);
	ASSERT_FALSE(ats);
	/* Abort */
	w[0] = 0x1;
	w[1] = 0;
	ASSERT_OK(vsmmu_ste_nested_check(w, NULL));
	/* A word-0 bit outside the allowed set (bit 52, in [58:52]) */
	w[0] = 0x001000000008000bULL;
	w[1] = 0;
	ASSERT_EQ(vsmmu_ste_nested_check(w, NULL), -EIO);
	/* Word 1: PPAR [18], MEV [19], SHCFG, STRW, PRIVCFG are the host's */
	w[0] = 0xb;
	w[1] = 0x40000;
	ASSERT_EQ(vsmmu_ste_nested_check(w, NULL), -EIO);
	w[1] = 0x80000;
	ASSERT_EQ(vsmmu_ste_nested_check(w, NULL), -EIO);
	w[1] = 0x0000100000000000ULL;
	ASSERT_EQ(vsmmu_ste_nested_check(w, NULL), -EIO);
	w[1] = 0x80000000ULL;
	ASSERT_EQ(vsmmu_ste_nested_check(w, NULL), -EIO);
	/* Config stage 2 (0b110), nested (0b111), reserved 0b001 */
	w[1] = 0;
	w[0] = 0xd;
	ASSERT_EQ(vsmmu_ste_nested_check(w, NULL), -EIO);
	w[0] = 0xf;
	ASSERT_EQ(vsmmu_ste_nested_check(w, NULL), -EIO);
	w[0] = 0x3;
	ASSERT_EQ(vsmmu_ste_nested_check(w, NULL), -EIO);
	/* EATS 0b10 and 0b11 */
	w[0] = 0xb;
	w[1] = 0x20000000;
	ASSERT_EQ(vsmmu_ste_nested_check(w, NULL), -EIO);
	w[1] = 0x30000000;
	ASSERT_EQ(vsmmu_ste_nested_check(w, NULL), -EIO);
	/* Every allowed bit at once, Config stage 1, EATS 0b01 */
	w[0] = 0xf80fffffffffffcbULL;
	w[1] = 0x180000ffULL;
	ASSERT_OK(vsmmu_ste_nested_check(w, &ats));
	ASSERT_EQ(w[1], 0x080000ffULL);
	ASSERT_TRUE(ats);
}

/* --- The writer against a recorder ----------------------------------------- */

struct rec {
	uint64_t entry[8], init[8], target[8];
	bool cd;
	unsigned int syncs;
	bool torn; /* a synced state neither old nor new */
	bool broke; /* a synced state with V = 0 between two valid ones */
	bool fail_write; /* make every write fail */
};

static int rec_write(void *ctx, unsigned int q, uint64_t v)
{
	struct rec *r = ctx;

	if (r->fail_write)
		return -EFAULT;
	r->entry[q] = v;
	return 0;
}

/* Does @e differ from @ref in the bits @e's configuration uses? */
static bool differs(const struct rec *r, const uint64_t *e, const uint64_t *ref)
{
	uint64_t used[8], safe[8] = { 0 };
	unsigned int i;

	if (r->cd) {
		vsmmu_cd_used(e, used);
	} else {
		vsmmu_ste_used(e, used);
		vsmmu_ste_update_safe(e, ref, safe);
	}
	for (i = 0; i < 8; i++)
		if ((e[i] ^ ref[i]) & used[i] & ~safe[i])
			return true;
	return false;
}

/* V: STE word 0 bit 0, CD word 0 bit 31 */
static bool valid(const struct rec *r, const uint64_t *e)
{
	return e[0] & (r->cd ? 0x80000000ULL : 1);
}

static int rec_sync(void *ctx)
{
	struct rec *r = ctx;

	r->syncs++;
	if (!valid(r, r->entry)) {
		/* Safe (the SMMU aborts), but a break between valid ones */
		if (valid(r, r->init) && valid(r, r->target))
			r->broke = true;
		return 0;
	}
	if (differs(r, r->entry, r->init) && differs(r, r->entry, r->target))
		r->torn = true;
	return 0;
}

static const struct vsmmu_entry_writer_ops rec_ste_ops = {
	.get_used = vsmmu_ste_used,
	.get_update_safe = vsmmu_ste_update_safe,
	.write = rec_write,
	.sync = rec_sync,
};

static const struct vsmmu_entry_writer_ops rec_cd_ops = {
	.get_used = vsmmu_cd_used,
	.write = rec_write,
	.sync = rec_sync,
};

static void expect(bool cd, const uint64_t *from, const uint64_t *to, int syncs,
		   bool hitless)
{
	const struct vsmmu_entry_writer_ops *ops = cd ? &rec_cd_ops :
							&rec_ste_ops;
	struct rec r = { .cd = cd };
	unsigned int i;

	memcpy(r.entry, from, sizeof(r.entry));
	memcpy(r.init, from, sizeof(r.init));
	memcpy(r.target, to, sizeof(r.target));
	ASSERT_EQ(vsmmu_entry_hitless(ops, from, to), hitless);
	ASSERT_EQ(vsmmu_entry_write(ops, &r, r.entry, to), syncs);
	for (i = 0; i < 8; i++)
		ASSERT_EQ(r.entry[i], to[i]);
	ASSERT_EQ(r.syncs, (unsigned int)syncs);
	ASSERT_FALSE(r.torn);
	ASSERT_EQ(r.broke, !hitless);
}

/*
 * abort -> bypass: abort uses only word 0's V/Config, so step = bypass's
 * word 1 with abort's word 0; only word 0 (Config) still differs: hitless,
 * 2 syncs (word 1, then word 0).  Back: bypass's step keeps SHCFG (used),
 * word 0 switches (1 sync), then SHCFG, now unused, is cleared (1 sync).
 */
TEST(entry_ste_abort_bypass)
{
	expect(false, ste_abort, ste_bypass, 2, true);
	CHECK_FAILED();
	expect(false, ste_bypass, ste_abort, 2, true);
}

/*
 * CD table (S1CDMax 0) -> abort: stage 1's used word 1 and word 0 fields
 * stay until word 0 switches Config (1 sync), then words 0-1 are tidied
 * (1 sync): 2.  abort -> CD table: word 1 first (1), word 0 (1): 2.
 */
TEST(entry_ste_cdtable_abort)
{
	expect(false, ste_s1, ste_abort, 2, true);
	CHECK_FAILED();
	expect(false, ste_abort, ste_s1, 2, true);
}

/*
 * CD table -> bypass: stage 1 with S1CDMax 0 ignores SHCFG, so step sets
 * it (1 sync); word 0 switches (1); the CD attributes of word 1, unused by
 * bypass, are cleared (1): 3.  bypass -> CD table: step writes the CD
 * attributes (bypass ignores them) keeping SHCFG (1), word 0 (1), SHCFG
 * cleared (1): 3.
 */
TEST(entry_ste_cdtable_bypass)
{
	expect(false, ste_s1, ste_bypass, 3, true);
	CHECK_FAILED();
	expect(false, ste_bypass, ste_s1, 3, true);
}

/*
 * S1DSS SSID0 <-> bypass on a CD table with substreams: the only used
 * change is S1DSS, in word 1, which is then the critical word; SHCFG (used
 * with S1DSS bypass only) lives in the same word, so the step leaves word
 * 1 alone and one store switches everything: 1 sync, both ways.
 */
TEST(entry_ste_s1dss_change)
{
	expect(false, ste_s1_ssid0, ste_s1_dssbyp, 1, true);
	CHECK_FAILED();
	expect(false, ste_s1_dssbyp, ste_s1_ssid0, 1, true);
}

/*
 * S1DSS bypass -> STE bypass: every used bit of word 1 bypass needs
 * (PRIV/INSTCFG, the overrides) is already the same; word 0 switches (1),
 * word 0/1's stage-1 leftovers are cleared (1): 2.  Back: word 1 (1),
 * word 0 (1): 2.
 */
TEST(entry_ste_s1dssbypass_stebypass)
{
	expect(false, ste_s1_dssbyp, ste_bypass, 2, true);
	CHECK_FAILED();
	expect(false, ste_bypass, ste_s1_dssbyp, 2, true);
}

/*
 * S2 <-> abort: word 0 switches; the stage-2 words are written before
 * (abort -> S2: 1 sync) or cleared after (S2 -> abort: 1 sync): 2 each.
 * S2 <-> bypass: SHCFG is used by both and equal; words 2-3 before or
 * after word 0: 2 each.
 */
TEST(entry_ste_s2_abort_bypass)
{
	expect(false, ste_s2, ste_abort, 2, true);
	CHECK_FAILED();
	expect(false, ste_abort, ste_s2, 2, true);
	CHECK_FAILED();
	expect(false, ste_s2, ste_bypass, 2, true);
	CHECK_FAILED();
	expect(false, ste_bypass, ste_s2, 2, true);
}

/*
 * S1 <-> S2 cannot be hitless: the VMID (word 2) is used by both and
 * differs (0 vs 3), and Config (word 0) differs: two words.  Break: word 0
 * := 0 (1), words 1-7 (1), word 0 (1): 3.  The same for one stage 2 to
 * another with a new VMID and S2TTB (words 2 and 3).
 */
TEST(entry_ste_break)
{
	expect(false, ste_s1, ste_s2, 3, false);
	CHECK_FAILED();
	expect(false, ste_s2, ste_s1, 3, false);
	CHECK_FAILED();
	expect(false, ste_s2, ste_s2b, 3, false);
}

/*
 * Stall variants.  S1STALLD toggled on a CD table STE: word 1 alone, one
 * store, 1 sync.  S2S toggled on a stage-2 STE: word 2 alone, 1 sync.
 * EATS 0b00 -> 0b01 on a stage-2 STE: update-safe, so everything is
 * written in one step, 1 sync.  S2S 1 -> 0 with EATS 0b00 -> 0b01 (ATS
 * while stalls go): EATS is not safe beside S2S, so words 1 and 2 both
 * change: a break, 3 syncs.
 */
TEST(entry_ste_stall_variants)
{
	expect(false, ste_s1, ste_s1_stalld, 1, true);
	CHECK_FAILED();
	expect(false, ste_s1_stalld, ste_s1, 1, true);
	CHECK_FAILED();
	expect(false, ste_s2, ste_s2_s2s, 1, true);
	CHECK_FAILED();
	expect(false, ste_s2_s2s, ste_s2, 1, true);
	CHECK_FAILED();
	expect(false, ste_s2, ste_s2_ats, 1, true);
	CHECK_FAILED();
	expect(false, ste_s2_s2s, ste_s2_ats, 3, false);
	CHECK_FAILED();
	/* CD.S toggled: one store of word 0 */
	expect(true, cd_asid1, cd_stall, 1, true);
}

/*
 * A nested STE whose guest STE says S1DSS bypass -> the guest switching
 * its STE to bypass (the host installs the parent's plain stage 2), with
 * EATS 0b01 -> 0b00 and MEV 1 -> 0 at the same time.  MEV and EATS are
 * update-safe, so only Config (word 0) is a used change: hitless.
 * Syncs: step clears MEV/EATS and nothing else used (1), word 0 (1), the
 * guest's stage-1 fields are tidied (1): 3.  Back: word 1 gets the
 * guest's fields with MEV and EATS (1), word 0 (1): 2.  Without the
 * update-safe rule both would break (Linux's C_BAD_STE storm fix).
 */
TEST(entry_ste_nested_dssbypass_s2)
{
	expect(false, ste_nested_dssbyp, ste_s2, 3, true);
	CHECK_FAILED();
	expect(false, ste_s2, ste_nested_dssbyp, 2, true);
}

/* Clearing a CD: word 0 (V) first (1 sync), the rest after (1): 2. */
TEST(entry_cd_clear)
{
	expect(true, cd_asid1, cd_zero, 2, true);
	CHECK_FAILED();
	/* And installing one: words 1-3 first (1), word 0 (1): 2 */
	expect(true, cd_zero, cd_asid1, 2, true);
}

/* A CD's ASID lives in word 0 with nothing else changing: 1 sync. */
TEST(entry_cd_change_asid)
{
	expect(true, cd_asid1, cd_asid2, 1, true);
}

/*
 * SVA CD released (EPD0 set, TTB0 walk fields and TTB0 dropped): with
 * both halves disabled the released CD does not use TTB0, so only word 0
 * is a used change: word 0 (1), TTB0 cleared (1): 2.  Back: TTB0 first
 * (the released CD ignores it) (1), word 0 (1): 2.  Cleared: 2.
 */
TEST(entry_cd_sva_release_clear)
{
	expect(true, cd_sva, cd_sva_released, 2, true);
	CHECK_FAILED();
	expect(true, cd_sva_released, cd_sva, 2, true);
	CHECK_FAILED();
	expect(true, cd_sva, cd_zero, 2, true);
	CHECK_FAILED();
	expect(true, cd_sva_released, cd_zero, 2, true);
}

/* Only S1ContextPtr (word 0) changes: one 64-bit store, 1 sync. */
TEST(entry_ste_cdptr_change)
{
	static const uint64_t other[8] = { 0x8000b, 0xd4 };

	expect(false, ste_s1, other, 1, true);
}

/* Nothing used changes: one step, or none at all. */
TEST(entry_no_change)
{
	uint64_t ste[8];

	expect(false, ste_s2, ste_s2, 0, true);
	CHECK_FAILED();
	/* Only an ignored bit (S1DSS with S1CDMax 0): 1 sync */
	memcpy(ste, ste_s1, sizeof(ste));
	ste[1] |= 2;
	expect(false, ste_s1, ste, 1, true);
}

/* A failed write stops the writer with its error; nothing is synced. */
TEST(entry_write_error)
{
	struct rec r = { .fail_write = true };

	memcpy(r.entry, ste_abort, sizeof(r.entry));
	memcpy(r.init, ste_abort, sizeof(r.init));
	memcpy(r.target, ste_s2, sizeof(r.target));
	ASSERT_EQ(vsmmu_entry_write(&rec_ste_ops, &r, r.entry, ste_s2),
		  -EFAULT);
	ASSERT_EQ(r.syncs, 0);
	ASSERT_EQ(r.entry[0], ste_abort[0]);
}

/* CD table geometry, worked out by hand from the spec (3.4.3, 5.4.1) */
TEST(entry_cd_locate)
{
	struct vsmmu_cd_loc loc;
	uint64_t ste0;

	/* Linear, S1CDMax 4: 16 CDs, 1 KiB, aligned to 1 KiB */
	ste0 = 0x40001040ULL | (4ULL << 59) /* S1CDMax */;
	ASSERT_OK(vsmmu_cd_locate(ste0, 3, &loc));
	ASSERT_FALSE(loc.two_level);
	ASSERT_EQ(loc.addr, 0x400010c0ULL);
	ASSERT_EQ(vsmmu_cd_locate(ste0, 16, &loc), -EINVAL);
	/* No substreams: SSID 0 only, at S1ContextPtr */
	ASSERT_OK(vsmmu_cd_locate(0x40001040ULL, 0, &loc));
	ASSERT_EQ(loc.addr, 0x40001040ULL);
	ASSERT_EQ(vsmmu_cd_locate(0x40001040ULL, 1, &loc), -EINVAL);
	/* Two-level, 4 KiB leaves, S1CDMax 10: 16 L1CDs (128 bytes,
	 * aligned to 128); SSID 133 = L1CD 2, CD 5 of its leaf */
	ste0 = 0x50000008ULL | (10ULL << 59) | (1ULL << 4) /* S1Fmt */;
	ASSERT_OK(vsmmu_cd_locate(ste0, 133, &loc));
	ASSERT_TRUE(loc.two_level);
	ASSERT_EQ(loc.addr, 0x50000010ULL);
	ASSERT_EQ(loc.split, 6);
	ASSERT_EQ(loc.l2_index, 5);
	/* L2Ptr 0x60001000 (a 4 KiB leaf): CD 5 at + 0x140 */
	ASSERT_EQ(vsmmu_cd_leaf_addr(&loc, 0x60001001ULL), 0x60001140ULL);
	ASSERT_EQ(vsmmu_cd_leaf_addr(&loc, 0x60001000ULL), 0); /* V = 0 */
	/* Two-level, 64 KiB leaves, S1CDMax 12: 4 L1CDs (32 bytes, but
	 * aligned to 64); SSID 2047 = L1CD 1, CD 1023; the leaf's L2Ptr
	 * aligned down to 64 KiB */
	ste0 = 0x70000048ULL | (12ULL << 59) | (2ULL << 4);
	ASSERT_OK(vsmmu_cd_locate(ste0, 2047, &loc));
	ASSERT_EQ(loc.addr, 0x70000048ULL);
	ASSERT_EQ(loc.split, 10);
	ASSERT_EQ(loc.l2_index, 1023);
	ASSERT_EQ(vsmmu_cd_leaf_addr(&loc, 0x80012001ULL), 0x8001ffc0ULL);
	/* The reserved S1Fmt with substreams */
	ste0 = (4ULL << 59) /* S1CDMax */ | (3ULL << 4);
	ASSERT_EQ(vsmmu_cd_locate(ste0, 1, &loc), -EINVAL);
}
