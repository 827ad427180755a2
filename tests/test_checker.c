// SPDX-License-Identifier: MIT
/*
 * The invalidation checker: each kind of finding provoked by a
 * deliberately broken driver sequence -- memory written, commands put in
 * the command queue and consumed through CMDQ_PROD, exactly as a driver
 * would -- and the correct sequence beside it reporting nothing.
 *
 * Layout (all hand-encoded):
 *   0x10000 stream table, linear, LOG2SIZE 2 (STRTAB_BASE_CFG = 2)
 *     STE 0 (0x10000): V | Config S1 (0b101 << 1) | S1ContextPtr 0x20000
 *             = 0x2000b; dw2 (S2VMID) 0
 *     STE 1 (0x10040): V | Config bypass (0b100 << 1) = 0x9
 *   0x20000 CD A: T0SZ 16 (0x10), TG0 4K, EPD1 (1 << 30), V (1 << 31),
 *           IPS 48 (5 << 32), AA64 (1 << 41), R (1 << 45), ASID 1 (1 << 48)
 *           = 0x0001_2205_c000_0010; TTB0 0x30000
 *   0x21000 CD B: the same with ASID 2 = 0x0002_2205_c000_0010; TTB0 0x38000
 *   0x30000.. tables L0..L3 (0x30000 -> 0x31000 -> 0x32000 -> 0x33000):
 *           IOVA 0x1000 -> L3[1] at 0x33008 = page 0x80000 | nG 0x800 |
 *           AF 0x400 | SH 0x300 | AP[1] 0x40 | page+valid 0x3 = 0x80f43
 *   0x38000.. tables (0x38000 -> 0x39000 -> 0x3a000 -> 0x3b000):
 *           IOVA 0x1000 -> L3[1] at 0x3b008 = 0x90f43 (page 0x90000)
 *   0x40000 command queue, 256 entries (CMDQ_BASE = 0x40000 | 8)
 *   0x44000 event queue, 32 entries (EVTQ_BASE = 0x44000 | 5)
 */
#include <errno.h>

#include <vsmmu/vsmmu.h>

#include "harness.h"

#define CK_CMDQ 0x40000ULL
#define CK_STE0 0x10000ULL
#define CK_CDA 0x20000ULL
#define CK_CD_A0 0x00012205c0000010ULL
#define CK_CD_B0 0x00022205c0000010ULL /* ASID 2 */

/* Hand-encoded commands (opcode in [7:0]) */
#define CK_SYNC 0x46ULL /* CMD_SYNC, CS = none */
/* TLBI_NH_VA (0x12), ASID 1 in [63:48]; dw1: address 0x1000 */
#define CK_TLBI_VA_ASID1 0x0001000000000012ULL
#define CK_CFGI_STE0 0x03ULL /* CFGI_STE (0x03), SID 0 in [63:32] */
#define CK_CFGI_CD0 0x05ULL /* CFGI_CD (0x05), SID 0, SSID 0 */

/* Event ids: F_TRANSLATION 0x10, C_BAD_STE 0x04 */
#define CK_EVT_TRANSLATION 0x10
#define CK_EVT_BAD_STE 0x04

struct cenv {
	struct vsmmu_mem *mem;
	struct vsmmu_smmu *smmu;
	uint32_t prod;
	unsigned int nrep[VSMMU_CHECK_NR];
	struct vsmmu_check_report last;
	unsigned int want_walk; /* STALE_WALK reports ck_counts() expects */
};

static void ck_cb(void *arg, const struct vsmmu_check_report *r)
{
	struct cenv *e = arg;

	if (r->kind < VSMMU_CHECK_NR)
		e->nrep[r->kind]++;
	e->last = *r;
}

static int ck_w(struct cenv *e, uint64_t pa, uint64_t v)
{
	return vsmmu_mem_write64(e->mem, pa, v);
}

/*
 * @cfg_ways = 1 with one set makes the configuration cache hold a single
 * stream, so translating SID 1 evicts SID 0 and the next SID 0
 * translation fetches its STE and CD from memory again.
 */
static int cenv_init(struct cenv *e, bool checker, unsigned int cfg_ways)
{
	struct vsmmu_smmu_config cfg;
	static const uint64_t init[][2] = {
		{ 0x10000, 0x2000b },  { 0x10040, 0x9 },
		{ 0x20000, CK_CD_A0 }, { 0x20008, 0x30000 },
		{ 0x21000, CK_CD_B0 }, { 0x21008, 0x38000 },
		{ 0x30000, 0x31003 },  { 0x31000, 0x32003 },
		{ 0x32000, 0x33003 },  { 0x33008, 0x80f43 },
		{ 0x38000, 0x39003 },  { 0x39000, 0x3a003 },
		{ 0x3a000, 0x3b003 },  { 0x3b008, 0x90f43 },
	};
	unsigned int i;

	memset(e, 0, sizeof(*e));
	vsmmu_smmu_config_default(&cfg);
	cfg.exec = VSMMU_EXEC_SYNC;
	if (cfg_ways) {
		cfg.cfg_sets = 1;
		cfg.cfg_ways = cfg_ways;
	}
	if (vsmmu_mem_create(48, &e->mem) ||
	    vsmmu_mem_populate(e->mem, 0x10000, 0x40000) ||
	    vsmmu_smmu_create(&cfg, e->mem, &e->smmu))
		return -1;
	for (i = 0; i < sizeof(init) / sizeof(init[0]); i++)
		if (ck_w(e, init[i][0], init[i][1]))
			return -1;
	if (checker && vsmmu_smmu_set_checker(e->smmu, true, ck_cb, e))
		return -1;
	/* STRTAB_BASE, _CFG (LOG2SIZE 2), CMDQ_BASE, EVTQ_BASE, CR0 */
	if (vsmmu_smmu_mmio_write(e->smmu, 0x80, 8, 0x10000) ||
	    vsmmu_smmu_mmio_write(e->smmu, 0x88, 4, 2) ||
	    vsmmu_smmu_mmio_write(e->smmu, 0x90, 8, CK_CMDQ | 8) ||
	    vsmmu_smmu_mmio_write(e->smmu, 0xa0, 8, 0x44000 | 5) ||
	    /* CR0: EVTQEN (2) | CMDQEN (3) | SMMUEN (0) = 0xd */
	    vsmmu_smmu_mmio_write(e->smmu, 0x20, 4, 0xd))
		return -1;
	return 0;
}

static void cenv_fini(struct cenv *e)
{
	vsmmu_smmu_destroy(e->smmu);
	vsmmu_mem_destroy(e->mem);
}

/*
 * Put @cmd and a CMD_SYNC in the queue and publish them with CMDQ_PROD
 * (0x98); in SYNC mode they run before the write returns.  Return 0 if
 * CMDQ_CONS (0x9c) caught up and GERROR (0x60) stayed clear.
 */
static int ck_cmd(struct cenv *e, uint64_t dw0, uint64_t dw1)
{
	uint64_t cons = ~0ULL, gerror = ~0ULL;
	uint32_t slot = e->prod & 0xff;

	if (ck_w(e, CK_CMDQ + 16 * slot, dw0) ||
	    ck_w(e, CK_CMDQ + 16 * slot + 8, dw1))
		return -1;
	slot = (slot + 1) & 0xff;
	if (ck_w(e, CK_CMDQ + 16 * slot, CK_SYNC) ||
	    ck_w(e, CK_CMDQ + 16 * slot + 8, 0))
		return -1;
	e->prod = (e->prod + 2) & 0x1ff; /* index [7:0], wrap bit 8 */
	if (vsmmu_smmu_mmio_write(e->smmu, 0x98, 4, e->prod) ||
	    vsmmu_smmu_mmio_read(e->smmu, 0x9c, 4, &cons) ||
	    vsmmu_smmu_mmio_read(e->smmu, 0x60, 4, &gerror))
		return -1;
	return cons == e->prod && gerror == 0 ? 0 : -1;
}

static enum vsmmu_txn_outcome ck_tr(struct cenv *e, uint32_t sid, uint64_t va,
				    unsigned int flags,
				    struct vsmmu_txn_result *res)
{
	struct vsmmu_txn txn = { .sid = sid, .addr = va, .flags = flags };
	struct vsmmu_txn_result tmp;

	if (!res)
		res = &tmp;
	if (vsmmu_translate(e->smmu, &txn, res))
		return (enum vsmmu_txn_outcome) - 1;
	return res->outcome;
}

#define RD (VSMMU_TXN_READ | VSMMU_TXN_PRIV)
#define WR (VSMMU_TXN_WRITE | VSMMU_TXN_PRIV)

/*
 * Translate SID 1 (evicting SID 0 from a one-entry cache), then SID 0 at
 * @va: the SMMU fetches STE 0 (and its CD) again.
 */
static enum vsmmu_txn_outcome ck_refetch_at(struct cenv *e, uint64_t va,
					    struct vsmmu_txn_result *res)
{
	if (ck_tr(e, 1, 0x1234, RD, NULL) != VSMMU_TXN_OK)
		return (enum vsmmu_txn_outcome) - 1;
	return ck_tr(e, 0, va, RD, res);
}

static enum vsmmu_txn_outcome ck_refetch(struct cenv *e,
					 struct vsmmu_txn_result *res)
{
	return ck_refetch_at(e, 0x1234, res);
}

/* The callback saw exactly what the counters say, and @want of each. */
static bool ck_counts(struct cenv *e, unsigned int tlb, unsigned int cfg,
		      unsigned int ste, unsigned int cd)
{
	uint64_t c[VSMMU_CHECK_NR];
	unsigned int i;

	vsmmu_smmu_get_check_counts(e->smmu, c);
	for (i = 0; i < VSMMU_CHECK_NR; i++)
		if (c[i] != e->nrep[i])
			return false;
	return c[VSMMU_CHECK_STALE_TLB] == tlb &&
	       c[VSMMU_CHECK_STALE_CFG] == cfg &&
	       c[VSMMU_CHECK_TORN_STE] == ste && c[VSMMU_CHECK_TORN_CD] == cd &&
	       c[VSMMU_CHECK_STALE_WALK] == e->want_walk;
}

/* --- STALE_TLB ----------------------------------------------------------- */

TEST(chk_stale_tlb_unmap_without_tlbi)
{
	struct vsmmu_txn_result res;
	struct vsmmu_smmu_stats st;
	struct cenv e;

	ASSERT_OK(cenv_init(&e, true, 0));
	ASSERT_EQ(ck_tr(&e, 0, 0x1234, RD, &res), VSMMU_TXN_OK);
	ASSERT_EQ(res.oa, 0x80234);
	ASSERT_EQ(ck_tr(&e, 0, 0x1234, RD, &res), VSMMU_TXN_OK);
	ASSERT_TRUE(res.tlb_hit);
	ASSERT_TRUE(ck_counts(&e, 0, 0, 0, 0));

	/* The broken driver: clear the leaf, issue no TLBI */
	ASSERT_OK(ck_w(&e, 0x33008, 0));
	ASSERT_EQ(ck_tr(&e, 0, 0x1234, RD, &res), VSMMU_TXN_OK);
	/* served from the stale entry, as silicon would... */
	ASSERT_TRUE(res.tlb_hit);
	ASSERT_EQ(res.oa, 0x80234);
	/* ...and reported, once per stale hit */
	ASSERT_TRUE(ck_counts(&e, 1, 0, 0, 0));
	ASSERT_EQ(e.last.kind, VSMMU_CHECK_STALE_TLB);
	ASSERT_EQ(e.last.sid, 0);
	ASSERT_EQ(e.last.addr, 0x1234);
	ASSERT_EQ(e.last.observed[0], 0x80234);
	ASSERT_EQ(e.last.observed[2], 12);
	ASSERT_EQ(e.last.expected[3], CK_EVT_TRANSLATION);
	ASSERT_TRUE(strstr(e.last.msg, "faults") != NULL);
	ASSERT_EQ(ck_tr(&e, 0, 0x1ff8, RD, NULL), VSMMU_TXN_OK);
	ASSERT_TRUE(ck_counts(&e, 2, 0, 0, 0));

	/* The checker's re-walks are not counted as the hardware's */
	vsmmu_smmu_get_stats(e.smmu, &st);
	ASSERT_EQ(st.walks, 1);
	ASSERT_EQ(st.desc_fetches, 4);
	ASSERT_EQ(st.tlb_hits, 3);
	ASSERT_EQ(st.translations, 4);

	/* Fixed: TLBI_NH_VA + CMD_SYNC; the access now faults, unreported */
	ASSERT_OK(ck_cmd(&e, CK_TLBI_VA_ASID1, 0x1000));
	ASSERT_EQ(ck_tr(&e, 0, 0x1234, RD, &res), VSMMU_TXN_FAULT);
	ASSERT_EQ(res.evt[0] & 0xff, CK_EVT_TRANSLATION);
	ASSERT_TRUE(ck_counts(&e, 2, 0, 0, 0));
	cenv_fini(&e);
}

TEST(chk_stale_tlb_remap_with_tlbi_is_clean)
{
	struct vsmmu_txn_result res;
	struct cenv e;

	ASSERT_OK(cenv_init(&e, true, 0));
	ASSERT_EQ(ck_tr(&e, 0, 0x1234, RD, &res), VSMMU_TXN_OK);
	/* Remap to page 0x81000 the right way: PTE, TLBI, CMD_SYNC */
	ASSERT_OK(ck_w(&e, 0x33008, 0x81f43));
	ASSERT_OK(ck_cmd(&e, CK_TLBI_VA_ASID1, 0x1000));
	ASSERT_EQ(ck_tr(&e, 0, 0x1234, RD, &res), VSMMU_TXN_OK);
	ASSERT_EQ(res.oa, 0x81234);
	ASSERT_FALSE(res.tlb_hit);
	ASSERT_EQ(ck_tr(&e, 0, 0x1234, RD, &res), VSMMU_TXN_OK);
	ASSERT_TRUE(res.tlb_hit);
	ASSERT_TRUE(ck_counts(&e, 0, 0, 0, 0));
	cenv_fini(&e);
}

TEST(chk_stale_tlb_permission_withdrawn)
{
	struct vsmmu_txn_result res;
	struct cenv e;

	ASSERT_OK(cenv_init(&e, true, 0));
	ASSERT_EQ(ck_tr(&e, 0, 0x1234, WR, &res), VSMMU_TXN_OK);
	/* Read-only (AP[2] = 0x80) without a TLBI: a read still hits */
	ASSERT_OK(ck_w(&e, 0x33008, 0x80fc3));
	ASSERT_EQ(ck_tr(&e, 0, 0x1234, RD, &res), VSMMU_TXN_OK);
	ASSERT_TRUE(res.tlb_hit);
	ASSERT_TRUE(ck_counts(&e, 1, 0, 0, 0));
	ASSERT_TRUE(strstr(e.last.msg, "grants less") != NULL);
	/*
	 * Privileged permissions (READ 1, WRITE 2, EXEC 4).  Cached: AP[2:1]
	 * = 0b01, EL0-writable, so no privileged execute: 1 | 2 = 3.
	 * Memory: AP[2:1] = 0b11, read-only everywhere, and PXN = 0 lets
	 * EL1 execute memory EL0 cannot write: 1 | 4 = 5.  The write went.
	 */
	ASSERT_EQ(e.last.observed[1], 0x3);
	ASSERT_EQ(e.last.expected[1], 0x5);
	ASSERT_EQ(e.last.expected[0], 0x80234);
	cenv_fini(&e);
}

TEST(chk_disabled_reports_nothing)
{
	struct vsmmu_txn_result res;
	struct cenv e;
	uint64_t c[VSMMU_CHECK_NR];

	/* Never enabled */
	ASSERT_OK(cenv_init(&e, false, 0));
	ASSERT_EQ(ck_tr(&e, 0, 0x1234, RD, &res), VSMMU_TXN_OK);
	ASSERT_OK(ck_w(&e, 0x33008, 0));
	ASSERT_OK(ck_w(&e, CK_STE0, 0x2100b));
	ASSERT_EQ(ck_tr(&e, 0, 0x1234, RD, &res), VSMMU_TXN_OK);
	ASSERT_TRUE(res.tlb_hit);
	vsmmu_smmu_get_check_counts(e.smmu, c);
	ASSERT_EQ(c[0] + c[1] + c[2] + c[3], 0);
	cenv_fini(&e);

	/* Enabled, then turned off: the same broken sequence is silent */
	ASSERT_OK(cenv_init(&e, true, 0));
	ASSERT_OK(vsmmu_smmu_set_checker(e.smmu, false, NULL, NULL));
	ASSERT_EQ(ck_tr(&e, 0, 0x1234, RD, &res), VSMMU_TXN_OK);
	ASSERT_OK(ck_w(&e, 0x33008, 0));
	ASSERT_EQ(ck_tr(&e, 0, 0x1234, RD, &res), VSMMU_TXN_OK);
	ASSERT_TRUE(res.tlb_hit);
	ASSERT_TRUE(ck_counts(&e, 0, 0, 0, 0));
	/* On again: counts start from zero and the stale hit is seen */
	ASSERT_OK(vsmmu_smmu_set_checker(e.smmu, true, ck_cb, &e));
	ASSERT_EQ(ck_tr(&e, 0, 0x1234, RD, &res), VSMMU_TXN_OK);
	ASSERT_TRUE(ck_counts(&e, 1, 0, 0, 0));
	ASSERT_EQ(vsmmu_smmu_set_checker(NULL, true, NULL, NULL), -EINVAL);
	cenv_fini(&e);
}

/* --- STALE_CFG ----------------------------------------------------------- */

TEST(chk_stale_ste_without_cfgi)
{
	struct vsmmu_txn_result res;
	struct cenv e;

	ASSERT_OK(cenv_init(&e, true, 0));
	ASSERT_EQ(ck_tr(&e, 0, 0x1234, RD, &res), VSMMU_TXN_OK);
	/* The broken driver: S1ContextPtr -> CD B (0x2100b), no CFGI_STE */
	ASSERT_OK(ck_w(&e, CK_STE0, 0x2100b));
	ASSERT_EQ(ck_tr(&e, 0, 0x1234, RD, &res), VSMMU_TXN_OK);
	ASSERT_EQ(res.oa, 0x80234); /* still the cached configuration */
	ASSERT_TRUE(ck_counts(&e, 0, 1, 0, 0));
	ASSERT_EQ(e.last.kind, VSMMU_CHECK_STALE_CFG);
	ASSERT_EQ(e.last.observed[2], 1); /* ASID cached */
	ASSERT_EQ(e.last.expected[2], 2); /* ASID of CD B */
	ASSERT_EQ(e.last.observed[3], 0x30000); /* TTB0 cached */
	ASSERT_EQ(e.last.expected[3], 0x38000);
	ASSERT_EQ(e.last.expected[6], 0);

	/* Fixed: CFGI_STE + CMD_SYNC, then the new CD is used, unreported */
	ASSERT_OK(ck_cmd(&e, CK_CFGI_STE0, 0));
	ASSERT_EQ(ck_tr(&e, 0, 0x1234, RD, &res), VSMMU_TXN_OK);
	ASSERT_EQ(res.oa, 0x90234);
	ASSERT_EQ(ck_tr(&e, 0, 0x1234, RD, &res), VSMMU_TXN_OK);
	ASSERT_TRUE(ck_counts(&e, 0, 1, 0, 0));

	/* Disabled (V = 0: 0x2100a) without CFGI: memory now faults */
	ASSERT_OK(ck_w(&e, CK_STE0, 0x2100a));
	ASSERT_EQ(ck_tr(&e, 0, 0x1234, RD, &res), VSMMU_TXN_OK);
	ASSERT_TRUE(ck_counts(&e, 0, 2, 0, 0));
	ASSERT_EQ(e.last.expected[6], CK_EVT_BAD_STE);
	ASSERT_OK(ck_cmd(&e, CK_CFGI_STE0, 0));
	ASSERT_EQ(ck_tr(&e, 0, 0x1234, RD, &res), VSMMU_TXN_FAULT);
	ASSERT_TRUE(ck_counts(&e, 0, 2, 0, 0));
	cenv_fini(&e);
}

TEST(chk_stale_cd_without_cfgi)
{
	struct vsmmu_txn_result res;
	struct cenv e;

	ASSERT_OK(cenv_init(&e, true, 0));
	ASSERT_EQ(ck_tr(&e, 0, 0x1234, RD, &res), VSMMU_TXN_OK);
	/* The broken driver: CD A's ASID 1 -> 2 in place, no CFGI_CD */
	ASSERT_OK(ck_w(&e, CK_CDA, CK_CD_B0));
	ASSERT_EQ(ck_tr(&e, 0, 0x1234, RD, &res), VSMMU_TXN_OK);
	ASSERT_TRUE(ck_counts(&e, 0, 1, 0, 0));
	ASSERT_TRUE(strstr(e.last.msg, "ASID") != NULL);
	/* Fixed with CFGI_CD(SID 0, SSID 0) + CMD_SYNC */
	ASSERT_OK(ck_cmd(&e, CK_CFGI_CD0, 0));
	ASSERT_EQ(ck_tr(&e, 0, 0x1234, RD, &res), VSMMU_TXN_OK);
	ASSERT_EQ(ck_tr(&e, 0, 0x1234, RD, &res), VSMMU_TXN_OK);
	ASSERT_EQ(res.oa, 0x80234);
	ASSERT_TRUE(ck_counts(&e, 0, 1, 0, 0));
	cenv_fini(&e);
}

/* --- TORN_STE / TORN_CD -------------------------------------------------- */

/*
 * STE 0 moves from CD A with VMID 0 to CD B with VMID 5: S1ContextPtr is
 * in dword 0 and S2VMID (used by a stage-1 stream: it tags its TLB
 * entries) in dword 2, so no single 64-bit write does it.
 */
TEST(chk_torn_ste)
{
	struct vsmmu_txn_result res;
	struct cenv e;

	ASSERT_OK(cenv_init(&e, true, 1));
	ASSERT_EQ(ck_refetch(&e, &res), VSMMU_TXN_OK);
	ASSERT_EQ(res.oa, 0x80234);

	/* The broken driver: dword 0 first, then dword 2, one CFGI */
	ASSERT_OK(ck_w(&e, CK_STE0, 0x2100b));
	/* the SMMU fetches the STE in between: CD B with VMID 0 */
	ASSERT_EQ(ck_refetch(&e, &res), VSMMU_TXN_OK);
	ASSERT_EQ(res.oa, 0x90234);
	ASSERT_OK(ck_w(&e, CK_STE0 + 16, 5));
	ASSERT_TRUE(ck_counts(&e, 0, 0, 0, 0));
	ASSERT_OK(ck_cmd(&e, CK_CFGI_STE0, 0));
	ASSERT_TRUE(ck_counts(&e, 0, 0, 1, 0));
	ASSERT_EQ(e.last.kind, VSMMU_CHECK_TORN_STE);
	ASSERT_EQ(e.last.sid, 0);
	ASSERT_EQ(e.last.addr, CK_STE0);
	ASSERT_EQ(e.last.observed[0], 0x2100b);
	ASSERT_EQ(e.last.observed[2], 0);
	ASSERT_EQ(e.last.expected[0], 0x2100b);
	ASSERT_EQ(e.last.expected[2], 5);
	ASSERT_EQ(e.last.previous[0], 0x2000b);
	ASSERT_EQ(e.last.previous[2], 0);
	/* Reported once: the next CFGI judges a new window */
	ASSERT_OK(ck_cmd(&e, CK_CFGI_STE0, 0));
	ASSERT_TRUE(ck_counts(&e, 0, 0, 1, 0));
	cenv_fini(&e);
}

TEST(chk_hitless_ste_is_clean)
{
	struct vsmmu_txn_result res;
	struct cenv e;

	ASSERT_OK(cenv_init(&e, true, 1));
	ASSERT_EQ(ck_refetch(&e, &res), VSMMU_TXN_OK);

	/*
	 * Linux's order when more than one dword's used bits change: break
	 * (V = 0), sync, the other dwords, sync, dword 0, sync.  The SMMU
	 * fetches every intermediate entry before each CFGI.
	 */
	ASSERT_OK(ck_w(&e, CK_STE0, 0x2000a));
	ASSERT_EQ(ck_refetch(&e, &res), VSMMU_TXN_FAULT);
	ASSERT_EQ(res.evt[0] & 0xff, CK_EVT_BAD_STE);
	ASSERT_OK(ck_cmd(&e, CK_CFGI_STE0, 0));
	ASSERT_OK(ck_w(&e, CK_STE0 + 16, 5));
	ASSERT_EQ(ck_refetch(&e, &res), VSMMU_TXN_FAULT);
	ASSERT_OK(ck_cmd(&e, CK_CFGI_STE0, 0));
	ASSERT_OK(ck_w(&e, CK_STE0, 0x2100b));
	ASSERT_EQ(ck_refetch(&e, &res), VSMMU_TXN_OK);
	ASSERT_EQ(res.oa, 0x90234);
	ASSERT_OK(ck_cmd(&e, CK_CFGI_STE0, 0));

	/* One dword's used bits change (the CD pointer): a single write */
	ASSERT_OK(ck_w(&e, CK_STE0, 0x2000b));
	ASSERT_EQ(ck_refetch(&e, &res), VSMMU_TXN_OK);
	ASSERT_EQ(res.oa, 0x80234);
	ASSERT_OK(ck_cmd(&e, CK_CFGI_STE0, 0));
	/* Unused bits may change at any time: S1ContextPtr under bypass */
	ASSERT_OK(ck_w(&e, CK_STE0, 0x9));
	ASSERT_OK(ck_cmd(&e, CK_CFGI_STE0, 0));
	ASSERT_EQ(ck_refetch(&e, &res), VSMMU_TXN_OK);
	ASSERT_OK(ck_w(&e, CK_STE0, 0x21009));
	ASSERT_EQ(ck_refetch(&e, &res), VSMMU_TXN_OK);
	ASSERT_TRUE(res.bypass);
	ASSERT_OK(ck_cmd(&e, CK_CFGI_STE0, 0));
	ASSERT_TRUE(ck_counts(&e, 0, 0, 0, 0));
	cenv_fini(&e);
}

/*
 * CD A moves to ASID 2 and the 0x38000 tables: ASID is in dword 0, TTB0
 * in dword 1.
 */
TEST(chk_torn_cd)
{
	struct vsmmu_txn_result res;
	struct cenv e;

	ASSERT_OK(cenv_init(&e, true, 1));
	/*
	 * IOVA 0x5000 is unmapped: the CD is fetched (and tracked) but no
	 * IOTLB entry of ASID 1 is left to hit below.
	 */
	ASSERT_EQ(ck_refetch_at(&e, 0x5234, &res), VSMMU_TXN_FAULT);

	/* The broken driver: TTB0 first, ASID second, one CFGI_CD */
	ASSERT_OK(ck_w(&e, CK_CDA + 8, 0x38000));
	ASSERT_EQ(ck_refetch(&e, &res), VSMMU_TXN_OK);
	/*
	 * New tables under the old ASID.  The walk to 0x5234 above left
	 * ASID 1's table descriptors in the walk cache, and this walk of
	 * ASID 1 starts below the level-2 one, in the old tables (L3 at
	 * 0x33000: 0x80234), as silicon may: a TTB0 changed under a live
	 * ASID without TLBI.  The checker says so, as a stale walk-cache
	 * entry (memory now gives the new L3 table, 0x3b000).
	 */
	ASSERT_EQ(res.oa, 0x80234);
	e.want_walk = 1;
	ASSERT_EQ(e.last.kind, VSMMU_CHECK_STALE_WALK);
	ASSERT_EQ(e.last.observed[0], 0x33000);
	ASSERT_EQ(e.last.observed[1], 2);
	ASSERT_EQ(e.last.expected[0], 0x3b000);
	ASSERT_OK(ck_w(&e, CK_CDA, CK_CD_B0));
	ASSERT_OK(ck_cmd(&e, CK_CFGI_CD0, 0));
	ASSERT_TRUE(ck_counts(&e, 0, 0, 0, 1));
	ASSERT_EQ(e.last.kind, VSMMU_CHECK_TORN_CD);
	ASSERT_EQ(e.last.addr, CK_CDA);
	ASSERT_EQ(e.last.ssid, 0);
	ASSERT_EQ(e.last.observed[0], CK_CD_A0);
	ASSERT_EQ(e.last.observed[1], 0x38000);
	ASSERT_EQ(e.last.expected[0], CK_CD_B0);
	ASSERT_EQ(e.last.previous[1], 0x30000);
	cenv_fini(&e);
}

TEST(chk_hitless_cd_is_clean)
{
	struct vsmmu_txn_result res;
	struct cenv e;

	ASSERT_OK(cenv_init(&e, true, 1));
	ASSERT_EQ(ck_refetch_at(&e, 0x5234, &res), VSMMU_TXN_FAULT);
	/* Break: V = 0 (bit 31 cleared: 0x0001_2205_4000_0010), sync */
	ASSERT_OK(ck_w(&e, CK_CDA, 0x0001220540000010ULL));
	ASSERT_EQ(ck_refetch(&e, &res), VSMMU_TXN_FAULT);
	ASSERT_OK(ck_cmd(&e, CK_CFGI_CD0, 0));
	ASSERT_OK(ck_w(&e, CK_CDA + 8, 0x38000));
	ASSERT_EQ(ck_refetch(&e, &res), VSMMU_TXN_FAULT);
	ASSERT_OK(ck_cmd(&e, CK_CFGI_CD0, 0));
	ASSERT_OK(ck_w(&e, CK_CDA, CK_CD_B0));
	ASSERT_EQ(ck_refetch(&e, &res), VSMMU_TXN_OK);
	ASSERT_EQ(res.oa, 0x90234);
	ASSERT_OK(ck_cmd(&e, CK_CFGI_CD0, 0));
	/* TTB1 is unused with EPD1 = 1: changing it needs no break */
	ASSERT_OK(ck_w(&e, CK_CDA + 16, 0x77000));
	ASSERT_EQ(ck_refetch(&e, &res), VSMMU_TXN_OK);
	ASSERT_OK(ck_cmd(&e, CK_CFGI_CD0, 0));
	ASSERT_TRUE(ck_counts(&e, 0, 0, 0, 0));
	cenv_fini(&e);
}

/* --- Used bits, against values worked out by hand ------------------------- */

TEST(chk_used_bits_follow_config)
{
	struct cenv e;
	struct vsmmu_txn_result res;

	/*
	 * A torn value that differs from both old and new only in bits
	 * its own configuration does not use is not torn: old = bypass
	 * (0x9), new = S1 (0x2000b), fetched = bypass with the new
	 * S1ContextPtr (0x20009) -- the pointer is unused under bypass.
	 */
	ASSERT_OK(cenv_init(&e, true, 1));
	ASSERT_OK(ck_w(&e, CK_STE0, 0x9));
	ASSERT_OK(ck_cmd(&e, CK_CFGI_STE0, 0));
	ASSERT_EQ(ck_refetch(&e, &res), VSMMU_TXN_OK);
	ASSERT_OK(ck_w(&e, CK_STE0, 0x20009));
	ASSERT_EQ(ck_refetch(&e, &res), VSMMU_TXN_OK);
	ASSERT_OK(ck_w(&e, CK_STE0, 0x2000b));
	ASSERT_OK(ck_cmd(&e, CK_CFGI_STE0, 0));
	ASSERT_TRUE(ck_counts(&e, 0, 0, 0, 0));
	/*
	 * But VMID 5 under bypass then S1 with VMID 0, fetched as S1 with
	 * VMID 5: S1 uses S2VMID, so that one is torn.
	 */
	ASSERT_OK(ck_w(&e, CK_STE0, 0x9));
	ASSERT_OK(ck_w(&e, CK_STE0 + 16, 5));
	ASSERT_OK(ck_cmd(&e, CK_CFGI_STE0, 0));
	ASSERT_EQ(ck_refetch(&e, &res), VSMMU_TXN_OK);
	ASSERT_OK(ck_w(&e, CK_STE0, 0x2000b));
	ASSERT_EQ(ck_refetch(&e, &res), VSMMU_TXN_OK);
	ASSERT_OK(ck_w(&e, CK_STE0 + 16, 0));
	ASSERT_OK(ck_cmd(&e, CK_CFGI_STE0, 0));
	ASSERT_TRUE(ck_counts(&e, 0, 0, 1, 0));
	cenv_fini(&e);
}

/*
 * The checker's re-walk is side-effect free: with CD.HA, a leaf whose
 * access flag software cleared still translates (hardware would set it),
 * so a hit on it is not stale -- and the re-walk must not set it either.
 */
TEST(chk_rewalk_sets_no_access_flag)
{
	struct vsmmu_txn_result res;
	struct vsmmu_smmu_stats st;
	uint64_t leaf = 0;
	struct cenv e;

	ASSERT_OK(cenv_init(&e, true, 0));
	/* CD A with HA (1 << 43): 0x0001_2205_c000_0010 | 0x800_0000_0000 */
	ASSERT_OK(ck_w(&e, CK_CDA, 0x00012a05c0000010ULL));
	ASSERT_EQ(ck_tr(&e, 0, 0x1234, RD, &res), VSMMU_TXN_OK);
	/* AF (0x400) cleared: 0x80f43 - 0x400 = 0x80b43, no TLBI */
	ASSERT_OK(ck_w(&e, 0x33008, 0x80b43));
	ASSERT_EQ(ck_tr(&e, 0, 0x1234, RD, &res), VSMMU_TXN_OK);
	ASSERT_TRUE(res.tlb_hit);
	ASSERT_OK(vsmmu_mem_read64(e.mem, 0x33008, &leaf));
	ASSERT_EQ(leaf, 0x80b43);
	vsmmu_smmu_get_stats(e.smmu, &st);
	ASSERT_EQ(st.walks, 1);
	ASSERT_TRUE(ck_counts(&e, 0, 0, 0, 0));
	cenv_fini(&e);
}
